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
