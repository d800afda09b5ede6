"""A plotly figure kept as plain dicts: the part of `go.Figure`'s API our pages' plots use,
without its cost.

Why: `go.Figure` validates and deep-copies every property as it is set. On the optimizer page
that was ~21 ms of a slider move's ~30 ms script run (5 figures), and under load a page's
Python time is what 20 sessions queue for (one interpreter lock). The dicts here are what
plotly.js draws; `tests/playground/test_plain.py` and the page tests check every figure the
pages make against plotly's own validators, so a misspelt property still fails a test.

Panels in a grid (`set_subplots`) take their axes and titles from plotly's own `make_subplots`,
run once per grid and kept: on the transfer page, building its four panelled figures with
go.Figure was ~250 ms of every rerun, cached results included.

Properties are given in full (`line={"color": c}`), never with plotly's "magic underscores"
(`line_color=c`): those are refused here, because plotly.js would ignore them.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence

# Plotly's own property names with an underscore (error bars, background colours); any other
# name with one is a magic underscore.
UNDERSCORED_NAMES = frozenset({"error_x", "error_y", "error_z", "paper_bgcolor", "plot_bgcolor"})


class PlainFigure:
    """Traces and layout as dicts; `add_*`, `update_*` and `set_subplots` behave as go.Figure's
    do for one panel or a grid of panels made by `set_subplots`."""

    def __init__(self, layout: Mapping | None = None) -> None:
        self.data: list[dict] = []
        self.layout: dict = merged({}, _checked(layout or {}))
        self.cols = 0  # the grid's columns once set_subplots has made one

    def set_subplots(
        self, rows: int, cols: int, subplot_titles: Sequence[str] = (), **options: object
    ) -> PlainFigure:
        """rows × cols panels, laid out as plotly's make_subplots lays them out (`options`
        as for make_subplots, with hashable values)."""
        grid = copy.deepcopy(_grid_layout(rows, cols, len(subplot_titles), **options))
        for title, text in zip(grid.get("annotations", ()), subplot_titles, strict=False):
            title["text"] = text
        titles = grid.pop("annotations", [])
        merged(self.layout, grid)
        self.layout.setdefault("annotations", []).extend(titles)
        self.cols = cols
        return self

    def add_trace(
        self, trace: Mapping, row: int | None = None, col: int | None = None
    ) -> PlainFigure:
        placed = {"type": "scatter", **_checked(trace)}
        if row is not None:
            cell = self._cell(row, col)
            placed |= {"xaxis": f"x{cell}", "yaxis": f"y{cell}"}
        self.data.append(merged({}, placed))
        return self

    def add_scatter(
        self, row: int | None = None, col: int | None = None, **trace: object
    ) -> PlainFigure:
        return self.add_trace({"type": "scatter", **trace}, row, col)

    def add_bar(
        self, row: int | None = None, col: int | None = None, **trace: object
    ) -> PlainFigure:
        return self.add_trace({"type": "bar", **trace}, row, col)

    def add_heatmap(
        self, row: int | None = None, col: int | None = None, **trace: object
    ) -> PlainFigure:
        return self.add_trace({"type": "heatmap", **trace}, row, col)

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

    def update_xaxes(
        self, row: int | None = None, col: int | None = None, **axis: object
    ) -> PlainFigure:
        return self._update_axes("xaxis", row, col, axis)

    def update_yaxes(
        self, row: int | None = None, col: int | None = None, **axis: object
    ) -> PlainFigure:
        return self._update_axes("yaxis", row, col, axis)

    def to_dict(self) -> dict:
        return {"data": self.data, "layout": self.layout}

    def _cell(self, row: int, col: int | None) -> str:
        """The axis suffix of a grid cell: "" for the first, then "2", "3", … row by row."""
        index = (row - 1) * self.cols + (col or 1)
        return "" if index == 1 else str(index)

    def _update_axes(
        self, kind: str, row: int | None, col: int | None, axis: Mapping
    ) -> PlainFigure:
        if row is not None:
            names = [kind + self._cell(row, col)]
        elif self.cols:  # every panel's axis, as go.Figure does without row and col
            names = [name for name in self.layout if name.rstrip("0123456789") == kind]
        else:
            names = [kind]
        for name in names:
            merged(self.layout.setdefault(name, {}), _checked(axis))
        return self


@functools.cache
def _grid_layout(rows: int, cols: int, n_titles: int, **options: object) -> dict:
    """The layout plotly's make_subplots gives such a grid, titles "0", "1", … as placeholders."""
    from plotly.subplots import make_subplots  # only here: the plain figures need no plotly

    titles = [str(i) for i in range(n_titles)] or None
    layout = make_subplots(rows, cols, subplot_titles=titles, **options).layout.to_plotly_json()
    layout.pop("template", None)
    return layout


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
