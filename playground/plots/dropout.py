"""Figures for the dropout page: NumPy in, plotly figures out (no jax here)."""

import numpy as np

from playground.plots.plain import PlainFigure
from playground.plots.style import (
    COLORBAR,
    LEGEND_AT_FOOT,
    add_band,
    color,
    new_figure,
    rgba,
    title_lines,
)

POINT_SIZE = 6
BOUNDARY_TITLE = "Decision boundary per dropout rate (filled: train, hollow: validation)"


def seed_stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std over the seed axis (-2 of (..., S, E)), ignoring cut (NaN) runs."""
    finite = np.isfinite(values)
    count = finite.sum(axis=-2)
    safe = np.where(finite, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, safe.sum(axis=-2) / count, np.nan)
        square = np.where(finite, (values - np.expand_dims(mean, -2)) ** 2, 0.0).sum(axis=-2)
        std = np.where(count > 0, np.sqrt(square / np.maximum(count, 1)), np.nan)
    return mean, std


def rate_label(rate: float) -> str:
    return f"p = {rate:g}"


def divergence_note(diverged_at: np.ndarray) -> str:
    """'' or ' — diverged at epoch k (2/3 seeds)' for one rate's (S,) first bad epochs."""
    bad = diverged_at[diverged_at > 0]
    if not bad.size:
        return ""
    return f" — diverged at epoch {int(bad.min())} ({bad.size}/{diverged_at.size} seeds)"


def live_curves(
    rates: np.ndarray, history: dict[str, np.ndarray], epochs_total: int
) -> PlainFigure:
    """Validation accuracy so far, one line per rate (drawn while training runs)."""
    fig = new_figure("Training… validation accuracy so far", "epoch", "accuracy")
    mean, _ = seed_stats(history["val_acc"])
    epochs = np.arange(1, mean.shape[-1] + 1)
    for i, rate in enumerate(rates):
        fig.add_scatter(x=epochs, y=mean[i], name=rate_label(rate), line={"color": color(i)})
    fig.update_xaxes(range=[1, epochs_total])
    return fig


def curves(result, kind: str, train_with_dropout: bool = True) -> PlainFigure:
    """Train and validation loss or accuracy per epoch per rate, mean ± std over seeds.

    kind: "loss" or "acc". The train curve is measured with dropout on (as during training) or
    off (the network as it will be used). A star marks each rate's best epoch (least mean
    validation loss).
    """
    title = "Loss per epoch" if kind == "loss" else "Accuracy per epoch"
    y_title = "cross-entropy" if kind == "loss" else "accuracy"
    # The legend in 2 rows, more on a phone.
    fig = new_figure(title, "epoch", y_title, margin={"b": 155}, legend=LEGEND_AT_FOOT)
    train_key = f"train_{kind}_dropout" if train_with_dropout else f"train_{kind}"
    train_name = "train, dropout on" if train_with_dropout else "train, dropout off"
    epochs = result.epochs
    for i, rate in enumerate(result.rates):
        label = rate_label(rate) + divergence_note(result.diverged_at[i])
        for key, name, dash in (
            (f"val_{kind}", "validation", None),
            (train_key, train_name, "dot"),
        ):
            mean, std = seed_stats(result.history[key][i])
            add_band(fig, epochs, mean, std, f"{label} · {name}", color(i), line={"dash": dash})
        best = result.best_epoch[i]
        if best > 0:
            val_mean, _ = seed_stats(result.history[f"val_{kind}"][i])
            fig.add_scatter(
                x=[best],
                y=[val_mean[best - 1]],
                mode="markers",
                marker={"symbol": "star", "size": 13, "color": color(i)},
                name=f"{rate_label(rate)} · best epoch {best}",
            )
    return fig


def gap_vs_rate(result) -> PlainFigure:
    """Final accuracies and the generalization gap (train, dropout off − validation) per rate."""
    fig = new_figure("Generalization gap against dropout rate", "dropout rate p", "accuracy")
    series = (
        ("train, dropout on", result.history["train_acc_dropout"][..., -1]),
        ("train, dropout off", result.history["train_acc"][..., -1]),
        ("validation", result.history["val_acc"][..., -1]),
        ("gap = train (off) − validation", result.gap),
    )
    for i, (name, values) in enumerate(series):
        mean, std = seed_stats(values[..., None])
        fig.add_scatter(
            x=result.rates,
            y=mean[:, 0],
            error_y={"type": "data", "array": std[:, 0], "visible": True},
            name=name,
            mode="lines+markers",
            line={"color": color(i), "width": 3 if i == 3 else 2},
        )
    return fig


def _class_colorscale(n_classes: int, alpha: float = 0.35) -> list:
    """A stepped colour scale: class k gets colour k (for heatmaps of class indices)."""
    scale = []
    for k in range(n_classes):
        scale += [
            [k / n_classes, rgba(color(k), alpha)],
            [(k + 1) / n_classes, rgba(color(k), alpha)],
        ]
    return scale


def _add_points(
    fig: PlainFigure,
    result,
    row: int | None = None,
    col: int | None = None,
    legend=True,
):
    where = {"row": row, "col": col} if row else {}
    for k, name in enumerate(result.class_names):
        for x, y, hollow, suffix in (
            (result.x_train, result.y_train, False, "train"),
            (result.x_val, result.y_val, True, "validation"),
        ):
            chosen = x[y == k]
            fig.add_scatter(
                x=chosen[:, 0],
                y=chosen[:, 1],
                mode="markers",
                name=f"{name} ({suffix})",
                legendgroup=f"{name}{suffix}",
                showlegend=legend,
                marker={
                    "size": POINT_SIZE,
                    "color": "white" if hollow else color(k),
                    "line": {"color": color(k), "width": 1.5},
                    "opacity": 0.5 if hollow else 0.9,
                },
                **where,
            )


def decision_boundaries(result) -> PlainFigure:
    """The predicted class over the plane (dropout off, first seed), one panel per rate."""
    n_rates = len(result.rates)
    fig = PlainFigure().set_subplots(
        rows=1,
        cols=n_rates,
        subplot_titles=[rate_label(r) for r in result.rates],
        shared_yaxes=True,
        horizontal_spacing=0.02,
    )
    n_classes = len(result.class_names)
    for i in range(n_rates):
        fig.add_heatmap(
            x=result.grid_x,
            y=result.grid_y,
            z=result.grid_class[i],
            zmin=-0.5,
            zmax=n_classes - 0.5,
            colorscale=_class_colorscale(n_classes),
            showscale=False,
            hoverinfo="skip",
            row=1,
            col=i + 1,
        )
        _add_points(fig, result, 1, i + 1, legend=i == 0)
    fig.update_layout(
        # Broken for a phone as new_figure breaks titles; two lines fit plotly's default top
        # margin (100 px), which the panel titles need.
        title={"text": "<br>".join(title_lines(BOUNDARY_TITLE))},
        height=360,
        # Room for the y tick labels: Streamlit's theme sets l = 0, and Plotly drew each panel
        # twice to widen it (see style.MARGIN).
        margin={"l": 28},
    )
    fig.update_xaxes(range=[result.grid_x[0], result.grid_x[-1]])
    fig.update_yaxes(range=[result.grid_y[0], result.grid_y[-1]])
    return fig


def uncertainty_map(result, index: int) -> PlainFigure:
    """MC-dropout predictive std of the predicted class's probability over the plane."""
    rate = result.rates[index]
    fig = new_figure(f"MC-dropout uncertainty, {rate_label(rate)}", "x₁", "x₂", margin=COLORBAR)
    fig.add_heatmap(
        x=result.grid_x,
        y=result.grid_y,
        z=result.grid_uncertainty[index],
        colorscale="Viridis",
        zsmooth="best",
        zmin=0.0,
        colorbar={"title": {"text": "std"}},
    )
    _add_points(fig, result)
    fig.update_layout(showlegend=False)
    return fig


def uncertainty_histogram(result, index: int) -> PlainFigure:
    """MC-dropout std on validation examples, split by whether the prediction is right."""
    rate = result.rates[index]
    fig = new_figure(
        f"MC-dropout uncertainty on validation examples, {rate_label(rate)}",
        "std of p(predicted class) over dropout masks",
        "examples",
        barmode="overlay",
    )
    correct = result.val_correct[index]
    for k, (mask, name) in enumerate(((correct, "predicted right"), (~correct, "predicted wrong"))):
        fig.add_histogram(
            x=result.val_uncertainty[index][mask],
            name=name,
            opacity=0.6,
            marker={"color": color(k)},
            xbins={"start": 0.0, "end": 0.5, "size": 0.02},
        )
    return fig


def confusion(result, index: int) -> PlainFigure:
    """Validation confusion matrix for one rate, counts averaged over seeds."""
    rate = result.rates[index]
    names = list(result.class_names)
    counts = result.confusion[index]
    fig = new_figure(
        f"Confusion matrix, {rate_label(rate)} (validation)", "predicted", "true", margin=COLORBAR
    )
    fig.add_heatmap(
        x=names,
        y=names,
        z=counts,
        colorscale="Blues",
        texttemplate="%{z:.1f}",
        hovertemplate="true %{y}, predicted %{x}: %{z:.1f}<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return fig
