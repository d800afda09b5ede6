"""The one plot style every page shares: template, colours, and how a figure is shown."""

import functools
import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from playground.plots.bake import bake, data_revision, under
from playground.plots.plain import PlainFigure

# Colour-blind-safe palette (Okabe–Ito), in the order series are drawn.
COLORS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
# Our additions to plotly_white.
PLAYGROUND = {
    "colorway": list(COLORS),
    "font": {"size": 13},
    # Legend under the plot: above it, it collides with the title on narrow columns.
    "legend": {"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0},
    "hovermode": "closest",
    "xaxis": {"showgrid": True, "zeroline": False},
    "yaxis": {"showgrid": True, "zeroline": False},
}
# What Streamlit 1.67's plotly theme sets, read from charts it drew in our light theme
# (.streamlit/config.toml) and in its dark theme (a visitor may pick it in the settings menu):
# its frontend merged these over the template and wrapped titles in <b>. Charts are shown with
# theme=None (playground.show; why: playground.plots.bake), so the same looks are written here.
FONT = '"Source Sans", sans-serif'
PALETTES = {  # background, title, text, grid, legend text, hover border
    "light": ("#FFFFFF", "#1A1A1A", "#808495", "#e6eaf1", "#262730", "rgba(26, 26, 26, 0.2)"),
    "dark": ("#171614", "#EDEBE8", "#e6eaf1", "#31333F", "#fafafa", "#4A4742"),
}


def streamlit_theme(background, title, text, grid, legend_text, hover_border) -> dict:
    """Streamlit's plotly theme in one palette (the values its frontend applies)."""
    axis = {
        "automargin": True, "gridcolor": grid, "zerolinecolor": grid, "tickcolor": grid,
        "minor": {"gridcolor": grid}, "tickfont": {"color": text, "size": 12},
    }  # fmt: skip
    return {
        "font": {"color": text, "size": 12, "family": FONT, "weight": 400},
        "title": {
            "x": 0, "xanchor": "left", "pad": {"l": 4},
            "font": {"family": FONT, "size": 16, "color": title, "weight": 700},
        },
        "legend": {
            "title": {"font": {"size": 12, "color": text}, "side": "top"},
            "valign": "top", "bordercolor": "rgba(0,0,0,0)", "borderwidth": 0,
            "font": {"size": 12, "color": legend_text},
        },
        "paper_bgcolor": background,
        "plot_bgcolor": background,
        "xaxis": axis | {
            "showgrid": False, "zeroline": False,
            "title": {"standoff": 20, "font": {"color": text, "size": 14}},
            "rangeselector": {"bgcolor": background, "bordercolor": grid, "borderwidth": 1, "x": 0},
        },
        "yaxis": axis | {
            "ticklabelposition": "outside",
            "title": {"standoff": 24, "font": {"color": text, "size": 14}},
        },
        "margin": {"pad": 8, "r": 0, "l": 0},
        "hoverlabel": {
            "bgcolor": background, "bordercolor": hover_border,
            "font": {"color": text, "family": FONT, "size": 12},
        },
        "coloraxis": {
            "colorbar": {
                "thickness": 16, "xpad": 24, "ticklabelposition": "outside",
                "outlinecolor": "rgba(0,0,0,0)", "outlinewidth": 8, "len": 0.75, "y": 0.5745,
                "title": {"font": {"color": text, "size": 14}},
                "tickfont": {"color": text, "size": 12},
            }
        },
    }  # fmt: skip


_WHITE = pio.templates["plotly_white"].to_plotly_json()
# One template per theme, as plain dicts: plotly_white < PLAYGROUND < Streamlit's theme.
TEMPLATES = {
    theme: {
        "data": _WHITE["data"],
        "layout": under(under(_WHITE["layout"], PLAYGROUND), streamlit_theme(*palette)),
    }
    for theme, palette in PALETTES.items()
}

# Margins that already fit. Plotly draws a figure, measures its tick labels, legend and colour
# bar, and draws it all again when they do not fit the margins: in Chromium that second pass was
# about half of a chart's drawing time (a figure's Plotly.newPlot 30-40 ms → 12-16 ms), and every
# chart whose data changes is drawn anew on each slider move. Streamlit's theme sets l = r = 0, so
# every figure paid it. These values are what Plotly's own measuring gave for our figures in
# 1280 and 1600 px wide windows: y tick labels and title on the left; x title and one row of
# legend below. Plotly still widens a margin that is too small (e.g. a legend that wraps in a
# narrow window), so a wrong guess costs time, never clipped labels.
MARGIN = {"l": 84, "r": 24, "t": 50, "b": 108}
COLORBAR = {"r": 120, "b": 70}  # a heatmap's colour bar on the right, no legend
# A legend at the figure's foot, for charts whose legend may wrap or whose plot is short: a
# legend at a fixed y of the plot moves onto the axis title as the plot shrinks (Plotly widens
# the bottom margin for a wrapped legend; a short chart has little plot to begin with).
LEGEND_AT_FOOT = {"yref": "container", "y": 0, "yanchor": "bottom"}


# A chart title's line, in characters: in a phone's 360 px window a chart is ~328 px wide, and
# a longer line of the 16 px bold title ran past its edge (46 characters were cut).
TITLE_CHARS = 40
TITLE_LINE_PX = 22  # the top margin a title's second and later lines add
TITLE_TOP_PX = 15  # from the figure's top edge to a title, as Plotly placed one line in 50 px
TOOLBAR_PX = 20  # more, so that the title starts below Plotly's tool bar (2–28 px from the top)
PLOTLY_HEIGHT = 450  # a figure's height where none is set
LOG_TICKS_PX = 30  # the least distance between a log axis's labels (10ⁿ is ~20 px tall)
# Where a title's sense breaks: a line may end before a parenthesis, or after a colon, a comma
# or a dash, never inside parentheses; failing those, at a space.
_BEFORE, _AFTER = (" (",), (": ", ", ", " — ")


def title_lines(text: str, width: int = TITLE_CHARS) -> list[str]:
    """`text` in lines of at most `width` characters where it can be (a word longer than a
    line stays whole), broken where its sense breaks if that leaves a line a third full, else
    at a space (into two even lines where two will do)."""
    lines = []
    while len(text) > width:
        cut = _title_break(text, width)
        if cut <= 0:
            break
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*lines, text.strip()]


def _title_break(text: str, width: int) -> int:
    cuts = [at for at in range(width // 3, width) if text.startswith(_BEFORE, at)]
    cuts += [
        at + len(mark.rstrip())
        for at in range(width // 3, width)
        for mark in _AFTER
        if text.startswith(mark, at)
    ]
    balanced = [c for c in cuts if text[:c].count("(") == text[:c].count(")")]
    if balanced:
        return max(balanced)
    spaces = [at for at in range(1, width + 1) if text[at] == " "]
    if len(text) <= 2 * width:  # two lines: as even as they can be
        spaces = [at for at in spaces if len(text) - at - 1 <= width] or spaces
        return min(spaces, key=lambda at: abs(2 * at - len(text)), default=-1)
    return max(spaces, default=-1)


def title_layout(text: str, top: int = MARGIN["t"], height: int = PLOTLY_HEIGHT) -> dict:
    """A figure's title, its top margin (`top` for one line without the tool bar) and height
    (`height` likewise), so that the plot keeps its size.

    The title is broken into lines that fit a phone, and hangs from the figure's top edge,
    below the band of Plotly's tool bar: on a touch screen the bar is always shown, and it
    covered the right half of every title on a phone. Further lines push the plot down."""
    lines = title_lines(text)
    extra = TOOLBAR_PX + TITLE_LINE_PX * (len(lines) - 1)
    return {
        "title": {
            "text": "<br>".join(lines),
            "yref": "container", "y": 1, "yanchor": "top",
            # Plotly centres a title's lines on where one line would be: half a line lower each.
            "pad": {"l": 4, "t": TITLE_TOP_PX + TOOLBAR_PX + TITLE_LINE_PX * (len(lines) - 1) // 2},
        },
        "margin": {"t": top + extra},
        "height": height + extra,
    }  # fmt: skip


def log_ticks(log_range: list[float] | None, length_px: float) -> dict:
    """Ticks for a log axis spanning `log_range` (log10 ends) over `length_px` pixels, far
    enough apart that their labels never overlap: 1, 2 and 5 per decade where a decade has
    room, else every decade, else every few. Left to itself Plotly labelled every digit of a
    two-decade axis 300 px tall, 5 to 9 each on the next."""
    if not log_range:
        return {}
    per_decade = length_px / max(log_range[1] - log_range[0], 1e-9)
    if per_decade >= LOG_TICKS_PX * 4:
        return {"dtick": "D2"}
    return {"dtick": max(1, math.ceil(LOG_TICKS_PX / per_decade))}


def plot_length_px(fig: PlainFigure) -> float:
    """The plot's height in pixels: the figure's, less its top and bottom margins."""
    layout = fig.layout
    return layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]


def new_figure(
    title: str,
    x_title: str = "",
    y_title: str = "",
    margin: dict[str, int] | None = None,
    **layout: object,
) -> PlainFigure:
    """An empty figure in the shared style; `margin` overrides sides of MARGIN. Its title's
    lines and the tool bar's band are added to the top margin and to the height (`height` in
    `layout`, else Plotly's 450 px), so the plot keeps the size asked for.

    `layout` takes plotly's names, `xaxis_type="log"` included, split here into nested
    dicts. A PlainFigure, not a go.Figure (see playground.plots.plain).
    """
    axis = {
        # Plotly's default ("hide past div") measures every tick label on every draw to hide any
        # that would leave the chart, for labels that the margins above already keep inside.
        "ticklabeloverflow": "allow",
    }
    margin = MARGIN | (margin or {})
    heading = title_layout(title, margin["t"], layout.pop("height", PLOTLY_HEIGHT))
    spec: dict = {
        "title": heading["title"],
        "xaxis": axis | {"title": {"text": x_title}},
        "yaxis": axis | {"title": {"text": y_title}},
        "margin": margin | heading["margin"],
        "height": heading["height"],
    }
    for name, value in layout.items():
        prefix, _, rest = name.partition("_")
        if prefix in ("xaxis", "yaxis") and rest:
            spec[prefix][rest] = value
        else:
            spec[name] = value
    return PlainFigure(layout=spec)  # styled when shown: see `baked`


def named_colorscale(name: str) -> list[list]:
    """Plotly's colour scale of that name as its [position, colour] stops.

    go.Figure writes a named scale out in full; plotly.js has scales of the same names with
    other colours ("RdBu" among them), so a plain figure gives the stops, not the name.
    """
    return [list(stop) for stop in _colorscale_stops(name)]


@functools.cache
def _colorscale_stops(name: str) -> tuple:
    return go.Heatmap(colorscale=name).colorscale


class ShownFigure(go.Figure):
    """A figure whose plotly dict is final: `to_dict` gives it as it is.

    Streamlit turns a figure into JSON through `to_dict`, which deep-copies every number and
    writes arrays as base64 typed arrays; Plotly.react counts a typed array as changed even
    under an unchanged datarevision, so a redraw from a JSON copy would start over. Arrays
    left in this dict as NumPy are written by plotly's JSON encoder as plain lists (NaN and
    ±inf as null, a gap in the line, as plotly does). It is built without plotly's object
    layer: Streamlit needs only `isinstance(fig, BaseFigure)` and `to_dict`.
    """

    def __init__(self, spec: dict):
        # Not go.Figure.__init__: it validates and deep-copies plotly's default template
        # (Streamlit's) into a layout that to_dict never reads: 0.2 ms a figure when timed
        # alone, a tenth of the quick pages' GIL time under load (py-spy, session 12).
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def __repr__(self) -> str:  # BaseFigure's would read the object layer it never built
        spec = self._spec
        return f"ShownFigure({len(spec['data'])} traces, layout keys {sorted(spec['layout'])})"


def baked(fig: PlainFigure | go.Figure, theme: str = "light") -> ShownFigure:
    """The figure as shown: the theme's template written in, in place of whatever template
    plotly's default gave it (Streamlit sets its own when its chart module loads), and a
    datarevision, so that the browser redraws it cheaply (see playground.plots.bake). Not
    validated again: a go.Figure was validated as it was built, a PlainFigure is by the tests.
    """
    template = TEMPLATES.get(theme, TEMPLATES["light"])
    if isinstance(fig, PlainFigure):
        spec = {"data": [single_precision(t) for t in fig.data], "layout": dict(fig.layout)}
    else:
        data = [single_precision(t.to_plotly_json()) for t in fig.data]
        spec = {"data": data, "layout": fig.layout.to_plotly_json()}
    spec["layout"].pop("template", None)
    try:
        spec = bake(spec, template)
    except ValueError:  # not cartesian: drawn with the template, correct but slower to redraw
        spec["layout"]["template"] = template
        return ShownFigure(spec)
    spec["layout"]["datarevision"] = data_revision(spec["data"])
    return ShownFigure(spec)


def single_precision(value):
    """`value` with its float64 arrays as float32, where their finite values fit.

    Figures go to the browser as JSON text, which writes a float64 with up to 17 digits: a
    float32 result of the core, widened to float64 on the way (0.10000000149011612), or a
    grid computed in float64, took three times the text it needs to be drawn. Seven
    significant digits are more than a chart or its hover label shows; the optimizer page
    sent 423 KB of figures on every slider move.
    """
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        finite = value[np.isfinite(value)]
        fits = finite.size == 0 or np.abs(finite).max() <= np.finfo(np.float32).max
        return value.astype(np.float32) if fits else value
    if isinstance(value, dict):
        return {key: single_precision(item) for key, item in value.items()}
    return value


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def rgba(hex_color: str, alpha: float) -> str:
    """'#0072B2', 0.2 → 'rgba(0,114,178,0.2)', for translucent bands."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def add_band(
    fig: PlainFigure | go.Figure, x, mean, spread, name: str, color_hex: str, **trace: object
) -> PlainFigure | go.Figure:
    """A mean line with a shaded ± spread band (e.g. over seeds).

    NumPy in, NumPy to plotly: plotly checks a Python list element by element (~1 ms per 1,000
    points), an array in one go.
    """
    x, mean, spread = np.asarray(x), np.asarray(mean), np.asarray(spread)  # dtypes kept
    if mean.shape != spread.shape or x.shape != mean.shape:
        raise ValueError(
            f"x, mean and spread differ in shape: {x.shape}, {mean.shape}, {spread.shape}"
        )
    fig.add_scatter(
        x=np.concatenate([x, x[::-1]]),
        y=np.concatenate([mean + spread, (mean - spread)[::-1]]),
        fill="toself",
        fillcolor=rgba(color_hex, 0.18),
        line={"width": 0},
        hoverinfo="skip",
        showlegend=False,
        legendgroup=name,
    )
    line = {"color": color_hex} | trace.pop("line", {})  # e.g. line={"dash": "dot"}
    fig.add_scatter(x=x, y=mean, name=name, line=line, legendgroup=name, **trace)
    return fig


def vline(
    fig: PlainFigure | go.Figure, x: float, text: str = "", **line: object
) -> PlainFigure | go.Figure:
    """A vertical line across the plot at x, optionally labelled at its top right.

    What `fig.add_vline` draws, added as a plain shape: add_vline searches every subplot for
    each line and cost ~5 ms a call, a visible share of a slider move.
    """
    fig.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=line or None)
    if text:
        fig.add_annotation(
            x=x, xref="x", y=1, yref="y domain", text=text, showarrow=False,
            xanchor="left", yanchor="top",
        )  # fmt: skip
    return fig


def hline(
    fig: PlainFigure | go.Figure, y: float, text: str = "", **line: object
) -> PlainFigure | go.Figure:
    """A horizontal line across the plot at y, optionally labelled at its right end."""
    fig.add_shape(type="line", y0=y, y1=y, yref="y", x0=0, x1=1, xref="x domain", line=line or None)
    if text:
        fig.add_annotation(
            y=y, yref="y", x=1, xref="x domain", text=text, showarrow=False,
            xanchor="right", yanchor="bottom",
        )  # fmt: skip
    return fig
