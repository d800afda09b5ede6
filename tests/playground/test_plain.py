"""PlainFigure makes the dicts go.Figure makes of the same calls, and refuses what plotly.js
would ignore."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from playground.plots.plain import PlainFigure


def draw(fig):
    fig.update_layout(margin={"l": 1, "r": 2}, height=300, plot_bgcolor="#bbbbbb")
    fig.update_layout(margin={"l": 5})  # merged into the margin, as plotly does: r stays 2
    fig.add_scatter(x=np.arange(3.0), y=[2, 3, None], mode="lines", line={"color": "red"})
    fig.add_heatmap(z=[[1, 2], [3, 4]], colorbar={"title": {"text": "z"}})
    fig.add_bar(x=["a", "b"], y=[1, 2], error_y={"type": "data", "array": [0.1, 0.2]})
    fig.add_contour(z=[[1, 2], [3, 4]], ncontours=5)
    fig.add_histogram(x=[0.1, 0.2, 0.2], xbins={"start": 0.0, "end": 0.5, "size": 0.1})
    fig.update_xaxes(type="log")
    fig.update_yaxes(range=[0, 1])
    fig.update_yaxes(autorange=False)
    fig.update_layout(height=None)  # unset: plotly's default height
    fig.add_shape(type="line", x0=0, x1=0, y0=0, y1=1, yref="y domain", line=None)
    fig.add_annotation(x=0, y=1, yref="y domain", text="a", showarrow=False)
    return fig


def as_json(fig: go.Figure) -> dict:
    spec = json.loads(fig.to_json())
    spec["layout"].pop("template", None)
    return spec


def test_a_plain_figure_is_what_go_figure_makes_of_the_same_calls():
    plain = draw(PlainFigure())
    assert as_json(go.Figure(plain.to_dict())) == as_json(draw(go.Figure()))
    assert plain.layout["margin"] == {"l": 5, "r": 2}
    assert "height" not in plain.layout
    assert [trace["type"] for trace in plain.data] == [
        "scatter",
        "heatmap",
        "bar",
        "contour",
        "histogram",
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda fig: fig.add_scatter(line_color="red"),
        lambda fig: fig.update_layout(xaxis_title="x"),
        lambda fig: fig.update_yaxes(title_text="y"),
        lambda fig: fig.add_annotation(font_size=3),
    ],
    ids=["trace", "layout", "axis", "annotation"],
)
def test_magic_underscores_are_refused(call):
    with pytest.raises(ValueError, match="magic underscores"):
        call(PlainFigure())


def test_updates_never_change_the_dicts_they_were_given():
    legend = {"y": 0, "font": {"size": 10}}
    fig = PlainFigure({"legend": legend})
    fig.update_layout(legend={"x": 1, "font": {"size": 12}})
    assert legend == {"y": 0, "font": {"size": 10}}
    assert fig.layout["legend"] == {"y": 0, "x": 1, "font": {"size": 12}}


def draw_panels(fig, cols: int, **options):
    """Calls of the kind the transfer and dropout pages make on a grid of panels."""
    fig.update_layout(title={"text": "t"}, xaxis={"title": {"text": "x"}}, margin={"t": 70})
    fig.set_subplots(1, cols, subplot_titles=[f"panel {c}" for c in range(cols)], **options)
    for col in range(1, cols + 1):
        fig.add_heatmap(z=[[0.0, col], [1.0, 2.0]], showscale=False, row=1, col=col)
        fig.add_scatter(x=[0, 1], y=[col, 0], showlegend=col == 1, row=1, col=col)
        fig.update_yaxes(autorange="reversed", row=1, col=col)
    fig.add_bar(x=["a"], y=[1], row=1, col=cols)
    fig.update_xaxes(showticklabels=False)  # every panel's
    fig.update_yaxes(showgrid=False)
    fig.add_annotation(x=0, y=1, text="after the titles", showarrow=False)
    return fig


@pytest.mark.parametrize(
    "cols, options",
    [(1, {}), (2, {"horizontal_spacing": 0.08}), (5, {"horizontal_spacing": 0.03}),
     (4, {"shared_yaxes": True, "horizontal_spacing": 0.02})],
)  # fmt: skip
def test_panels_are_what_go_figure_makes_of_the_same_calls(cols, options):
    plain = draw_panels(PlainFigure(), cols, **options)
    assert as_json(go.Figure(plain.to_dict())) == as_json(draw_panels(go.Figure(), cols, **options))
    heatmaps = [t for t in plain.data if t["type"] == "heatmap"]
    assert [t["yaxis"] for t in heatmaps] == ["y"] + [f"y{c}" for c in range(2, cols + 1)]
    titles = [note["text"] for note in plain.layout["annotations"]]
    assert titles == [f"panel {c}" for c in range(cols)] + ["after the titles"]


def test_a_second_grid_of_the_same_shape_gets_its_own_titles():
    first = PlainFigure().set_subplots(1, 2, subplot_titles=["a", "b"])
    second = PlainFigure().set_subplots(1, 2, subplot_titles=["c", "d"])
    assert [n["text"] for n in first.layout["annotations"]] == ["a", "b"]
    assert [n["text"] for n in second.layout["annotations"]] == ["c", "d"]
