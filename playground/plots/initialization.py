"""Figures of the Initialization page: NumPy in, plotly figures out."""

from collections.abc import Sequence

import numpy as np

from playground.plots.plain import PlainFigure
from playground.plots.style import (
    COLORBAR,
    LEGEND_AT_FOOT,
    add_band,
    color,
    log_ticks,
    new_figure,
    plot_length_px,
    vline,
)

SHARE_FLOOR = 1e-4  # the heatmap's colour is log10(share), floored here


def weights_vs_density(
    edges: np.ndarray,
    share: np.ndarray,
    x: np.ndarray,
    pdf: np.ndarray | None,
    point_mass: float | None,
    scheme_label: str,
) -> PlainFigure:
    """Histogram (as a density) of sampled weights, with the scheme's density on top."""
    fig = new_figure(f"Layer-1 weights of {scheme_label} vs its density", "weight", "density")
    centers = 0.5 * (edges[1:] + edges[:-1])
    fig.add_bar(
        x=centers, y=share, width=np.diff(edges), name="sampled weights", marker={"color": color(0)}
    )
    if pdf is not None:
        fig.add_scatter(x=x, y=pdf, name="density", line={"color": color(1), "width": 2})
    elif point_mass is not None:
        vline(fig, point_mass, color=color(1), dash="dash")
        text = f"every weight = {point_mass:.3g}"
        fig.add_annotation(x=point_mass, y=1, yref="paper", text=text, showarrow=False)
    fig.update_layout(bargap=0)
    return fig


def activation_heatmap(
    layers: np.ndarray, edges: np.ndarray, hist: np.ndarray, activation: str
) -> PlainFigure:
    """Per-layer distribution of post-activations: one histogram per row, colour = log share."""
    fig = new_figure(
        f"Activation distribution per layer ({activation})",
        "activation value a_l",
        "layer",
        margin=COLORBAR,
    )
    centers = 0.5 * (edges[1:] + edges[:-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(np.maximum(hist, SHARE_FLOOR))
    z = np.where(np.isfinite(hist), z, np.nan)
    fig.add_heatmap(
        x=centers,
        y=layers,
        z=z,
        colorscale="Viridis",
        zmin=np.log10(SHARE_FLOOR),
        zmax=0,
        colorbar={"title": {"text": "log₁₀ share"}},
        hovertemplate="a≈%{x:.3g}<br>layer %{y}<br>log₁₀ share %{z:.2f}<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def per_layer_log(
    title: str,
    y_title: str,
    layers: np.ndarray,
    measured: np.ndarray,
    theory: np.ndarray | None,
    measured_name: str = "measured",
) -> PlainFigure:
    """A per-layer quantity on a log axis, with the theoretical recursion dashed."""
    fig = new_figure(title, "layer", y_title)
    fig.add_scatter(
        x=layers, y=measured, name=measured_name, mode="lines+markers", line={"color": color(0)}
    )
    if theory is not None:
        fig.add_scatter(
            x=layers, y=theory, name="theory (mean-field recursion)",
            line={"color": color(1), "dash": "dash"},
        )  # fmt: skip
    log_range = _log_range(measured, theory)
    ticks = log_ticks(log_range, plot_length_px(fig))
    fig.update_yaxes(type="log", exponentformat="power", range=log_range, **ticks)
    return fig


def _log_range(*series: np.ndarray | None, min_decades: float = 2.0) -> list[float] | None:
    """log10 axis range spanning the data and at least `min_decades`, so a wobble by a factor
    of 2 does not fill the plot the way a 10³⁰ explosion would."""
    values = np.concatenate([np.ravel(s) for s in series if s is not None])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return None
    lo, hi = np.log10(values.min()), np.log10(values.max())
    pad = max(0.0, min_decades - (hi - lo)) / 2 + 0.1
    return [float(lo - pad), float(hi + pad)]


def flat_units(
    layers: np.ndarray, share: np.ndarray, dead: np.ndarray, flat_label: str
) -> PlainFigure:
    """Share of dead/saturated unit-examples, and of units flat for the whole batch."""
    fig = new_figure(f"Dead / saturated units per layer: {flat_label}", "layer", "share")
    fig.add_scatter(x=layers, y=share, name="unit × example", line={"color": color(0)})
    fig.add_scatter(x=layers, y=dead, name="unit, on every example", line={"color": color(3)})
    fig.update_yaxes(range=[-0.02, 1.02], tickformat=".0%")
    return fig


def training_curves(
    labels: Sequence[str], losses: np.ndarray, diverged_at: np.ndarray
) -> PlainFigure:
    """Mean ± std over seeds of the training loss per scheme; diverged runs are cut and named.

    Args:
      labels: one name per scheme.
      losses: (schemes, seeds, steps), NaN from a run's first non-finite step on.
      diverged_at: (schemes,) 1-based first non-finite step of any seed, 0 if none.
    """
    fig = new_figure(
        f"Training loss on 8×8 digits (mean ± std over {losses.shape[1]} seeds)",
        "step",
        "cross-entropy",
        legend=LEGEND_AT_FOOT,  # more rows on a phone
    )
    drawn = []  # the bands' edges, for the axis range
    for i, label in enumerate(labels):
        stop = diverged_at[i] - 1 if diverged_at[i] else losses.shape[2]
        name = f"{label} (diverged at step {diverged_at[i]})" if diverged_at[i] else label
        steps = np.arange(1, stop + 1)
        if stop == 0:
            fig.add_scatter(x=[1], y=[None], name=name, line={"color": color(i)})
            continue
        mean, spread = losses[i, :, :stop].mean(axis=0), losses[i, :, :stop].std(axis=0)
        spread = np.minimum(spread, 0.9 * mean)
        add_band(fig, steps, mean, spread, name, color(i))
        drawn += [mean - spread, mean + spread]
    log_range = _log_range(*drawn, min_decades=1.0) if drawn else None
    ticks = log_ticks(log_range, plot_length_px(fig))
    fig.update_yaxes(type="log", exponentformat="power", range=log_range, **ticks)
    return fig


def race_accuracy(labels: Sequence[str], accuracy: np.ndarray, diverged_at: np.ndarray) -> str:
    """The race's final accuracy per scheme, mean over seeds (accuracy: (schemes, seeds)), as a
    caption. A diverged scheme gets no number: its NaN logits would still "pick" a class."""
    final = [
        "diverged" if diverged else f"{mean:.0%}"
        for mean, diverged in zip(accuracy.mean(axis=1), diverged_at, strict=True)
    ]
    return (
        "Accuracy on all the training digits at the last step, mean over the seeds: "
        + "; ".join(f"{label} {value}" for label, value in zip(labels, final, strict=True))
    )
