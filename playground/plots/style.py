"""The one plot style every page shares: template, colours, and how a figure is shown."""

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

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
TEMPLATE_NAME = "playground"
STYLED = "playground_white"  # plotly_white + playground, merged once

pio.templates[TEMPLATE_NAME] = go.layout.Template(
    layout=go.Layout(
        colorway=COLORS,
        font={"size": 13},
        # Legend under the plot: above it, it collides with the title on narrow columns.
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0},
        hovermode="closest",
        xaxis={"showgrid": True, "zeroline": False},
        yaxis={"showgrid": True, "zeroline": False},
    )
)


# Merged once and made the default: naming "plotly_white+playground" on each figure re-merged
# and re-validated both templates every time, 20 ms a figure, most of a page's redraw.
pio.templates[STYLED] = pio.templates.merge_templates("plotly_white", TEMPLATE_NAME)
pio.templates.default = STYLED


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


def new_figure(
    title: str,
    x_title: str = "",
    y_title: str = "",
    margin: dict[str, int] | None = None,
    **layout: object,
) -> go.Figure:
    """An empty figure in the shared style; `margin` overrides sides of MARGIN.

    `layout` takes plotly's names, `xaxis_type="log"` included. The layout is built as one dict
    and validated once: `update_layout` with "magic underscore" names cost ~3 ms a figure, a
    visible share of a slider move's rerun with 4-6 figures.
    """
    axis = {
        # Plotly's default ("hide past div") measures every tick label on every draw to hide any
        # that would leave the chart, for labels that the margins above already keep inside.
        "ticklabeloverflow": "allow",
    }
    spec: dict = {
        "title": {"text": title},
        "xaxis": axis | {"title": {"text": x_title}},
        "yaxis": axis | {"title": {"text": y_title}},
        "margin": MARGIN | (margin or {}),
    }
    for name, value in layout.items():
        prefix, _, rest = name.partition("_")
        if prefix in ("xaxis", "yaxis") and rest:
            spec[prefix][rest] = value
        else:
            spec[name] = value
    return go.Figure(layout=spec)  # styled by the default template, STYLED


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def rgba(hex_color: str, alpha: float) -> str:
    """'#0072B2', 0.2 → 'rgba(0,114,178,0.2)', for translucent bands."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def add_band(
    fig: go.Figure, x, mean, spread, name: str, color_hex: str, **trace: object
) -> go.Figure:
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
    fig.add_scatter(x=x, y=mean, name=name, line={"color": color_hex}, legendgroup=name, **trace)
    return fig


def vline(fig: go.Figure, x: float, text: str = "", **line: object) -> go.Figure:
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


def hline(fig: go.Figure, y: float, text: str = "", **line: object) -> go.Figure:
    """A horizontal line across the plot at y, optionally labelled at its right end."""
    fig.add_shape(type="line", y0=y, y1=y, yref="y", x0=0, x1=1, xref="x domain", line=line or None)
    if text:
        fig.add_annotation(
            y=y, yref="y", x=1, xref="x domain", text=text, showarrow=False,
            xanchor="right", yanchor="bottom",
        )  # fmt: skip
    return fig
