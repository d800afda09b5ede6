"""A plotly template written into the figure itself, so that the browser can redraw it cheaply.

Streamlit 1.67 draws every new chart twice: once when it mounts, then again with a JSON copy of
the same figure (its theme effect). Plotly.react compares a figure's `layout.template` by
identity and, without `layout.datarevision`, its data arrays too, so the copy counted as a new
figure and was recalculated and drawn in full: about half of a slider move's drawing in the
browser. A figure with no template (its values written into its own layout and traces), a
`datarevision` that names its data, and plain arrays (a base64 typed array always counts as
changed; see playground.plots.style.ShownFigure) is redrawn from the copy in ~2.5 ms, not ~12.

`bake` does what plotly.js does with a template, ahead of time: a template value applies where
the figure sets none; `layout.xaxis` applies to every x axis, `annotationdefaults` to every
annotation, `data.<type>[i]` to the i-th trace of that type (cycling). It handles cartesian
figures (every figure here); for any other, `can_bake` says no and the template stays.
"""

import copy
import hashlib
import re
from collections.abc import Mapping

import numpy as np

CARTESIAN_TRACES = frozenset(
    {"bar", "box", "candlestick", "contour", "funnel", "heatmap", "histogram", "histogram2d",
     "histogram2dcontour", "image", "ohlc", "scatter", "scattergl", "violin", "waterfall"}
)  # fmt: skip
# Layout containers a template may style, each applying to every container of that kind
# ("xaxis" to xaxis, xaxis2, ...), and the trace attribute that refers to one.
SUBPLOT_REFS = {"xaxis": "xaxis", "yaxis": "yaxis", "coloraxis": "coloraxis"}
OTHER_SUBPLOTS = ("scene", "geo", "polar", "ternary", "mapbox", "map", "smith")
# plotly.js turns some axis parts on when the figure itself sets one of their attributes, but
# not when the template does ("linecolor" shows the line; see coerce2 in plotly.js). Written
# into the figure, such an attribute would turn its part on: the switch is pinned off instead.
SWITCHED_ON_BY = {
    "showline": (("linecolor", "linewidth"), False),
    "minor.showgrid": (("minor.gridcolor", "minor.gridwidth", "minor.griddash"), False),
    "minor.ticks": (("minor.ticklen", "minor.tickwidth", "minor.tickcolor"), ""),
}
# Switches whose off value depends on the traces (a heatmap hides grids, a bar draws ticks
# outside): a template that sets their attributes without them is not baked.
SWITCHED_BY_TRACES = {
    "showgrid": ("gridcolor", "gridwidth", "griddash"),
    "zeroline": ("zerolinecolor", "zerolinewidth"),
    "ticks": ("ticklen", "tickwidth", "tickcolor"),
    "showspikes": ("spikecolor", "spikethickness", "spikedash", "spikemode", "spikesnap"),
}
ITEM_DEFAULTS = {
    "annotationdefaults": "annotations",
    "shapedefaults": "shapes",
    "imagedefaults": "images",
    "selectiondefaults": "selections",
    "sliderdefaults": "sliders",
    "updatemenudefaults": "updatemenus",
}


def can_bake(figure: Mapping, template: Mapping) -> bool:
    """True for a cartesian figure and a template without items of its own to draw."""
    layout = figure.get("layout", {})
    traces_ok = all(t.get("type", "scatter") in CARTESIAN_TRACES for t in figure.get("data", ()))
    other_subplots = any(re.match(rf"({'|'.join(OTHER_SUBPLOTS)})\d*$", k) for k in layout)
    template_layout = template.get("layout", {})
    template_items = set(template_layout) & set(ITEM_DEFAULTS.values())
    axes_ok = all(
        _has(axis, switch) or not any(_has(axis, attr) for attr in attrs)
        for axis in (template_layout.get("xaxis", {}), template_layout.get("yaxis", {}))
        for switch, attrs in SWITCHED_BY_TRACES.items()
    )
    return traces_ok and axes_ok and not other_subplots and not template_items


def bake(figure: Mapping, template: Mapping) -> dict:
    """`figure` (a plotly dict, no template) with `template`'s values written in.

    Raises:
      ValueError: when `can_bake` is False.
    """
    if not can_bake(figure, template):
        raise ValueError("only cartesian figures can take their template in (see can_bake)")
    data = [dict(trace) for trace in figure.get("data", ())]
    layout = dict(figure.get("layout", {}))
    for key, default in template.get("layout", {}).items():
        if key in ITEM_DEFAULTS:
            items = ITEM_DEFAULTS[key]
            if items in layout:
                layout[items] = [under(default, item) for item in layout[items]]
        elif key in SUBPLOT_REFS:
            for name in _containers(key, layout, data):
                layout[name] = _baked_axis(default, layout.get(name) or {})
        elif key not in OTHER_SUBPLOTS:
            layout[key] = under(default, layout.get(key))
    seen: dict[str, int] = {}
    for i, trace in enumerate(data):
        kind = trace.get("type", "scatter")
        defaults = template.get("data", {}).get(kind)
        if defaults:
            data[i] = under(defaults[seen.get(kind, 0) % len(defaults)], trace)
        seen[kind] = seen.get(kind, 0) + 1
    return {**figure, "data": data, "layout": layout}


def under(default, given):
    """`given`, with `default`'s values wherever it has none (nested dicts merged, `given`
    winning); parts taken from `default` are copies, so figures never share objects."""
    if given is None:
        return copy.deepcopy(default)
    if isinstance(default, dict) and isinstance(given, dict):
        return given | {key: under(value, given.get(key)) for key, value in default.items()}
    return given


def _baked_axis(default: dict, given: dict) -> dict:
    """An axis (or colour axis) with its template part written in, switches kept as plotly.js
    would set them from the template."""
    axis = under(default, given)
    for switch, (attrs, off) in SWITCHED_ON_BY.items():
        if _has(given, switch) or _has(default, switch) or any(_has(given, a) for a in attrs):
            continue  # set, or turned on by the figure itself: as plotly.js would have it
        if any(_has(default, a) for a in attrs):
            _set(axis, switch, off)
    return axis


def _has(container: Mapping, path: str) -> bool:
    for part in path.split("."):
        if not isinstance(container, Mapping) or container.get(part) is None:
            return False
        container = container[part]
    return True


def _set(container: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for part in parents:
        container = container.setdefault(part, {})
    container[last] = value


def _containers(kind: str, layout: Mapping, data: list[dict]) -> set[str]:
    """Every `kind` container the figure has: in its layout or named by a trace ("x2" → xaxis2).
    A cartesian figure always has xaxis and yaxis, even with no trace."""
    names = {key for key in layout if re.fullmatch(rf"{kind}\d*", key)}
    ref = SUBPLOT_REFS[kind]
    for trace in data:
        for holder in (trace, trace.get("marker") or {}, trace.get("line") or {}):
            if isinstance(holder.get(ref), str):
                names.add(kind + re.sub(r"^[a-z]+", "", holder[ref]))
    if kind in ("xaxis", "yaxis"):
        names.add(kind)
    return names


def data_revision(data: list) -> str:
    """A short hash of the figure's data (arrays by bytes): equal data, equal revision."""
    digest = hashlib.blake2b(digest_size=8)
    _feed(digest, data)
    return digest.hexdigest()


def _feed(digest, value) -> None:
    if isinstance(value, np.ndarray) and value.dtype.hasobject:
        _feed(digest, value.tolist())  # its bytes are pointers (plotly keeps text as objects)
    elif isinstance(value, np.ndarray):
        digest.update(f"{value.dtype.str}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, Mapping):
        for key in sorted(value):
            digest.update(repr(key).encode())
            _feed(digest, value[key])
    elif isinstance(value, list | tuple):
        digest.update(b"[")
        for item in value:
            _feed(digest, item)
        digest.update(b"]")
    else:
        digest.update(repr(value).encode())
