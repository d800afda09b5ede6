"""A template written into the figure: plotly's template rules, applied ahead of time.

Whether Plotly.js draws a baked figure exactly like the figure with its template is checked in
Chromium, for every figure of every page: tests/e2e/test_baked_figures.py.
"""

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
import pytest
from plotly.basedatatypes import BaseFigure

from playground.plots import style
from playground.plots.bake import bake, can_bake, data_revision, under
from tests.conftest import run_page

TEMPLATE = {
    "layout": {
        "font": {"size": 12, "color": "grey"},
        "xaxis": {
            "gridcolor": "red",
            "showgrid": True,
            "linecolor": "grey",
            "title": {"standoff": 20},
        },
        "annotationdefaults": {"arrowcolor": "blue"},
        "scene": {"bgcolor": "black"},
    },
    "data": {"scatter": [{"marker": {"symbol": "circle"}}, {"marker": {"symbol": "square"}}]},
}


def test_under_keeps_what_the_figure_sets_and_fills_the_rest():
    default = {"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]}
    merged = under(default, {"b": {"c": 9}, "f": 4})
    assert merged == {"a": 1, "b": {"c": 9, "d": 3}, "e": [1, 2], "f": 4}
    assert under(default, None) == default
    assert under(default, None)["b"] is not default["b"]  # a copy: figures never share parts
    assert under({"x": {"y": 1}}, {"x": "text"}) == {"x": "text"}


def test_axis_template_applies_to_every_axis_of_that_letter():
    figure = {
        "data": [{"type": "scatter", "x": [1], "y": [1]}, {"type": "bar", "xaxis": "x3"}],
        "layout": {"xaxis2": {"title": {"text": "t"}}},
    }
    layout = bake(figure, TEMPLATE)["layout"]
    for name in ("xaxis", "xaxis2", "xaxis3"):
        assert layout[name]["gridcolor"] == "red"
    assert layout["xaxis2"]["title"] == {"text": "t", "standoff": 20}
    assert "yaxis" not in layout  # the template sets nothing for y
    assert "scene" not in layout  # a 3-D scene's part is not drawn into a cartesian figure


def test_a_part_the_template_styles_stays_off_as_plotly_leaves_it():
    # plotly.js shows an axis line when the figure sets a line colour, not when the template
    # does: written in, the colour must not turn the line on.
    layout = bake({"data": [], "layout": {"xaxis2": {"linewidth": 2}}}, TEMPLATE)["layout"]
    assert layout["xaxis"]["linecolor"] == "grey" and layout["xaxis"]["showline"] is False
    assert "showline" not in layout["xaxis2"]  # its own line width turns the line on
    grid_only = {"layout": {"xaxis": {"gridcolor": "red"}}}  # on or off depends on the traces
    assert not can_bake({"data": [], "layout": {}}, grid_only)


def test_item_defaults_apply_to_each_item_and_trace_defaults_cycle_per_type():
    figure = {
        "data": [{"type": "scatter"}, {"type": "bar"}, {"type": "scatter"},
                 {"type": "scatter", "marker": {"symbol": "x"}}],
        "layout": {"annotations": [{"text": "a"}, {"text": "b", "arrowcolor": "green"}]},
    }  # fmt: skip
    baked = bake(figure, TEMPLATE)
    assert [a["arrowcolor"] for a in baked["layout"]["annotations"]] == ["blue", "green"]
    symbols = [t.get("marker", {}).get("symbol") for t in baked["data"]]
    assert symbols == ["circle", None, "square", "x"]
    assert baked["layout"]["font"] == {"size": 12, "color": "grey"}
    assert figure["data"][0] == {"type": "scatter"}  # the input is not changed


def test_only_cartesian_figures_are_baked():
    assert can_bake({"data": [{"type": "heatmap"}], "layout": {}}, TEMPLATE)
    assert not can_bake({"data": [{"type": "pie"}], "layout": {}}, TEMPLATE)
    assert not can_bake({"data": [], "layout": {"polar": {}}}, TEMPLATE)
    with_items = {"layout": {"annotations": [{"text": "on every figure"}]}}
    assert not can_bake({"data": [], "layout": {}}, with_items)
    with pytest.raises(ValueError, match="cartesian"):
        bake({"data": [{"type": "pie"}]}, TEMPLATE)


@pytest.mark.parametrize("engine", ["json", "orjson"])
def test_streamlit_writes_a_shown_figure_with_plain_list_data(engine):
    fig = style.new_figure("t")
    fig.add_scatter(x=np.arange(3.0), y=np.array([1.0, np.nan, np.inf]))
    fig.add_heatmap(z=np.eye(2, dtype=np.float32))
    # What st.plotly_chart does with a figure (Streamlit 1.67, elements/plotly_chart.py).
    spec = plotly.tools.return_figure_from_figure_or_data(style.baked(fig), validate_figure=True)
    data = json.loads(pio.to_json(spec, validate=False, engine=engine))["data"]
    assert data[0]["x"] == [0.0, 1.0, 2.0] and data[0]["y"] == [1.0, None, None]
    assert data[1]["z"] == [[1.0, 0.0], [0.0, 1.0]]


def test_data_revision_names_the_data():
    x = np.linspace(0, 1, 50)
    first = [{"type": "scatter", "x": x, "y": x**2, "name": "a"}]
    same = [{"name": "a", "y": (x**2).copy(), "x": x.copy(), "type": "scatter"}]
    assert data_revision(first) == data_revision(same)
    y = x**2
    y[17] += 1e-9
    assert data_revision(first) != data_revision([first[0] | {"y": y}])
    assert data_revision(first) != data_revision([first[0] | {"y": (x**2).astype(np.float32)}])
    assert data_revision(first) != data_revision([first[0] | {"name": "b"}])
    # Text arrays are objects in plotly: hashed by value, not by their pointers.
    words = [{"x": np.array(["a", "b"], dtype=object)}]
    assert data_revision(words) == data_revision([{"x": np.array(["a", "b"], dtype=object)}])
    assert data_revision(words) != data_revision([{"x": np.array(["a", "c"], dtype=object)}])


def test_a_shown_figure_has_no_template_and_our_style_written_in():
    fig = style.new_figure("Title", "x", "y")
    fig.add_scatter(x=np.arange(3.0), y=np.arange(3.0))
    shown = style.baked(fig).to_dict()["layout"]
    assert "template" not in shown
    assert shown["title"]["text"] == "Title"
    assert shown["title"]["font"]["weight"] == 700
    assert shown["colorway"] == list(style.COLORS)
    assert shown["margin"] == style.MARGIN | {"pad": 8, "t": style.MARGIN["t"] + style.TOOLBAR_PX}
    assert shown["datarevision"] == style.baked(fig).to_dict()["layout"]["datarevision"]
    fig.data[0]["y"] = np.arange(3.0) * 2
    assert style.baked(fig).to_dict()["layout"]["datarevision"] != shown["datarevision"]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_our_templates_are_valid_plotly_templates(theme):
    go.layout.Template(style.TEMPLATES[theme])  # plotly's validators raise on any unknown value


def test_the_dark_theme_draws_on_streamlits_dark_background():
    fig = style.new_figure("Title", "x", "y")
    dark = style.baked(fig, "dark").to_dict()["layout"]
    assert dark["paper_bgcolor"] == dark["plot_bgcolor"] == "#171614"
    assert dark["title"]["font"]["color"] == "#EDEBE8"
    assert style.baked(fig, "no such theme").to_dict()["layout"]["paper_bgcolor"] == "#FFFFFF"


def test_a_figure_that_cannot_be_baked_is_shown_with_our_template():
    fig = go.Figure(go.Pie(values=[1, 2]), layout={"template": "plotly_dark"})
    shown = style.baked(fig).to_dict()["layout"]
    assert shown["template"]["layout"]["paper_bgcolor"] == "#FFFFFF"
    assert shown["template"]["layout"]["colorway"] == list(style.COLORS)
    assert "datarevision" not in shown


def test_shown_figures_send_float64_arrays_as_float32():
    fig = style.new_figure("t")
    y = np.array([0.1, np.nan, -2.5e-12, 1.0 / 3.0])
    fig.add_scatter(y=y, marker={"color": np.linspace(0.0, 1.0, 4)}, name="in range")
    fig.add_scatter(y=np.array([1.0, 1e300]), name="beyond float32: kept")
    fig.add_scatter(y=[0.1, 0.2], name="lists: as they are")
    data = json.loads(pio.to_json(style.baked(fig), validate=False))["data"]

    # float32 values, each written with the fewest digits that give it back
    assert data[0]["y"] == [0.1, None, -2.5e-12, 0.33333334]
    assert np.float32(data[0]["y"][3]) == np.float32(1.0 / 3.0)
    assert data[0]["marker"]["color"] == [0.0, 0.33333334, 0.6666667, 1.0]
    assert data[1]["y"] == [1.0, 1e300]
    assert data[2]["y"] == [0.1, 0.2]


def significant_digits(number: float) -> int:
    mantissa = repr(abs(number)).split("e")[0]
    return len(mantissa.replace(".", "").strip("0"))


@pytest.mark.parametrize("page", ["overfitting.py", "initialization.py", "optimizers.py"])
def test_page_figures_carry_no_float64_digits_in_their_data(page):
    # A number with more than 9 significant digits in a data array is a float64 sent whole.
    at = run_page(page)
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            for key in ("x", "y", "z"):
                numbers = np.ravel(np.asarray(trace.get(key, []), dtype=object))
                decimals = [n for n in numbers if isinstance(n, float)]
                if len(decimals) > 10:
                    assert max(map(significant_digits, decimals)) <= 9, (trace.get("name"), key)


def test_a_shown_figure_is_a_plotly_figure_built_without_plotly_s_object_layer(monkeypatch):
    fig = style.new_figure("t")
    fig.add_scatter(x=np.arange(3.0), y=np.arange(3.0))

    def refuse(*args, **kwargs):
        raise AssertionError("go.Figure.__init__ copies the default template: not wanted")

    monkeypatch.setattr(go.Figure, "__init__", refuse)
    shown = style.baked(fig)

    assert isinstance(shown, BaseFigure)  # what st.plotly_chart needs to skip validation
    assert plotly.tools.return_figure_from_figure_or_data(shown, True) is shown.to_dict()
    assert "1 traces" in repr(shown)
