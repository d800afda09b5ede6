"""A plotly figure kept as plain dicts: the part of `go.Figure`'s API our quick pages' plots use,
without its cost.

Why: `go.Figure` validates and deep-copies every property as it is set. On the optimizer page
that was ~21 ms of a slider move's ~30 ms script run (5 figures), and under load a page's
Python time is what 20 sessions queue for (one interpreter lock). The dicts here are what
plotly.js draws; `tests/playground/test_plain.py` and the page tests check every figure the
pages make against plotly's own validators, so a misspelt property still fails a test.

Properties are given in full (`line={"color": c}`), never with plotly's "magic underscores"
(`line_color=c`): those are refused here, because plotly.js would ignore them.
"""

from __future__ import annotations

from collections.abc import Mapping

# Plotly's own property names with an underscore (error bars, background colours); any other
# name with one is a magic underscore.
UNDERSCORED_NAMES = frozenset({"error_x", "error_y", "error_z", "paper_bgcolor", "plot_bgcolor"})


class PlainFigure:
    """Traces and layout as dicts; `add_*` and `update_*` behave as go.Figure's do for a figure
    with one x and one y axis."""

    def __init__(self, layout: Mapping | None = None) -> None:
        self.data: list[dict] = []
        self.layout: dict = merged({}, _checked(layout or {}))

    def add_trace(self, trace: Mapping) -> PlainFigure:
        self.data.append(merged({"type": "scatter"}, _checked(trace)))
        return self

    def add_scatter(self, **trace: object) -> PlainFigure:
        return self.add_trace({"type": "scatter", **trace})

    def add_bar(self, **trace: object) -> PlainFigure:
        return self.add_trace({"type": "bar", **trace})

    def add_heatmap(self, **trace: object) -> PlainFigure:
        return self.add_trace({"type": "heatmap", **trace})

    def add_contour(self, **trace: object) -> PlainFigure:
        return self.add_trace({"type": "contour", **trace})

    def add_histogram(self, **trace: object) -> PlainFigure:
        return self.add_trace({"type": "histogram", **trace})

    def add_shape(self, **shape: object) -> PlainFigure:
        self.layout.setdefault("shapes", []).append(merged({}, _checked(shape)))
        return self

    def add_annotation(self, **annotation: object) -> PlainFigure:
        self.layout.setdefault("annotations", []).append(merged({}, _checked(annotation)))
        return self

    def update_layout(self, **layout: object) -> PlainFigure:
        merged(self.layout, _checked(layout))
        return self

    def update_xaxes(self, **axis: object) -> PlainFigure:
        return self.update_layout(xaxis=_checked(axis))

    def update_yaxes(self, **axis: object) -> PlainFigure:
        return self.update_layout(yaxis=_checked(axis))

    def to_dict(self) -> dict:
        return {"data": self.data, "layout": self.layout}


def merged(into: dict, update: Mapping) -> dict:
    """`into` updated in place as plotly's `update` does: nested dicts merged (copied, never
    shared), the rest replaced, and a property given as None unset (e.g. `range=None`: plotly
    chooses the range)."""
    for key, value in update.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, Mapping):
            if not isinstance(into.get(key), dict):
                into[key] = {}
            merged(into[key], value)
        else:
            into[key] = value
    return into


def _checked(properties: Mapping) -> Mapping:
    magic = [k for k in properties if "_" in k and k not in UNDERSCORED_NAMES]
    if magic:
        raise ValueError(f"give {magic} as nested dicts: plotly.js ignores magic underscores")
    return properties
