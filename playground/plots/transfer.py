"""Figures of the transfer-learning page: NumPy results in, plotly figures out (no JAX here)."""

from collections.abc import Sequence

import numpy as np

from playground.plots.plain import PlainFigure
from playground.plots.style import (
    LEGEND_AT_FOOT,
    MARGIN,
    add_band,
    color,
    hline,
    named_colorscale,
    new_figure,
    vline,
)

CLASS_NAMES = tuple(str(c) for c in range(5))
# Top margin of a figure whose panels have titles: the figure's title above them, not on them.
SUBPLOT_TITLES_TOP = 76
PANEL_TITLE_LINE_PX = 18  # what each further line of a panel's title adds to that margin


def strategy_name(result: dict, i: int, k: int) -> str:
    """The strategy's name, with "diverged at step s" when a run at this k blew up."""
    diverged = result["diverged_at"][i, k - 1]
    if diverged.any():
        return f"{result['strategies'][i]} — diverged at step {int(diverged[diverged > 0].min())}"
    return result["strategies"][i]


def plot_accuracy_vs_k(result: dict, k: int) -> PlainFigure:
    """Mean test accuracy against k per strategy, ± one std over seeds, k marked."""
    seeds = result["accuracy"].shape[-1]
    fig = new_figure(
        f"Target-task accuracy against labelled examples per class (mean ± std, {seeds} seeds)",
        "labelled examples per class k",
        "test accuracy",
        legend=LEGEND_AT_FOOT,  # more rows on a phone
    )
    for i, name in enumerate(result["strategies"]):
        add_band(fig, result["k"], result["mean"][i], result["std"][i], name, color(i))
    vline(fig, k, dash="dot", color="grey")
    hline(fig, 0.2, "chance", dash="dash", color="lightgrey")
    fig.update_yaxes(range=[0, 1])
    return fig


def plot_accuracy_at_k(result: dict, k: int) -> PlainFigure:
    """Bars: mean accuracy per strategy at k; dots: the individual seeds.

    Horizontal, the names in short lines at the left: under vertical bars, four names side by
    side ran into each other on a phone (and tilted, into the legend)."""
    fig = new_figure(
        f"Test accuracy at k = {k} per strategy",
        "test accuracy",
        "",
        margin={"l": 112, "r": 32},
        yaxis_autorange="reversed",  # the strategies top down, in the legend's order
    )
    names = [
        n.replace(" + ", "<br>+ ").replace(" (", "<br>(").replace(" last", "<br>last")
        for n in result["strategies"]
    ]
    fig.add_bar(
        y=names,
        x=result["mean"][:, k - 1],
        orientation="h",
        marker={"color": [color(i) for i in range(len(names))]},
        name="mean over seeds",
        text=[f"{m:.2f}" for m in result["mean"][:, k - 1]],
    )
    per_seed = result["accuracy"][:, k - 1]
    fig.add_scatter(
        y=np.repeat(names, per_seed.shape[1]),
        x=per_seed.ravel(),
        mode="markers",
        marker={"color": "black", "size": 7},
        name="each seed",
    )
    fig.update_xaxes(range=[0, 1])
    return fig


def plot_training_loss(result: dict, k: int) -> PlainFigure:
    """Training loss per step at k, mean ± std over seeds; curves stop at a non-finite loss."""
    fig = new_figure(
        f"Training loss at k = {k}",
        "step",
        "cross-entropy on the labelled batch",
        margin={"b": 155},
        legend=LEGEND_AT_FOOT,  # more rows on a phone
    )
    steps = result["loss_steps"]
    for i in range(len(result["strategies"])):
        loss = result["loss"][i, k - 1]
        finite = np.isfinite(loss).all(axis=0)
        keep = np.cumprod(finite).astype(bool)
        name = strategy_name(result, i, k)
        add_band(fig, steps[keep], loss[:, keep].mean(0), loss[:, keep].std(0), name, color(i))
    fig.update_yaxes(type="log")
    return fig


def plot_feature_pca(projection: dict) -> PlainFigure:
    """Target images in the first two principal components of each network's features."""
    # Panel titles short enough for half a phone's width; pca_summary gives their numbers.
    fig = new_figure("Target digits 5–9 in feature space (PCA)", margin={"t": SUBPLOT_TITLES_TOP})
    fig = fig.set_subplots(1, 2, subplot_titles=["pretrained", "random"], horizontal_spacing=0.08)
    labels, labelled = projection["labels"], projection["labelled"]
    for col, network in enumerate(("pretrained", "random"), start=1):
        points = projection[network]
        for c in range(5):
            for marked in (False, True):
                chosen = (labels == c) & (labelled == marked)
                fig.add_scatter(
                    x=points[chosen, 0],
                    y=points[chosen, 1],
                    mode="markers",
                    name=f"digit {c + 5}" + (" (labelled)" if marked else ""),
                    legendgroup=f"digit {c + 5}",
                    showlegend=col == 1 and not marked,
                    marker=_pca_marker(c, marked),
                    row=1,
                    col=col,
                )
    return fig


def pca_summary(projection: dict) -> str:
    """The panels' numbers in words: variance the two components keep, class separation."""
    pretrained, random = (
        f"PC1 + PC2 keep {projection[f'{n}_variance'].sum():.0%} of the variance, class "
        f"separation {projection[f'{n}_separation']:.2f}"
        for n in ("pretrained", "random")
    )
    return (
        f"Pretrained network: {pretrained}. Random network: {random}. Class separation is the "
        "spread of the class means over the spread within each class (Fisher's ratio)."
    )


def _pca_marker(c: int, labelled: bool) -> dict:
    if labelled:
        return {"color": color(c), "size": 11, "symbol": "star", "line": {"width": 1}}
    return {"color": color(c), "size": 5, "opacity": 0.5}


def plot_images(
    images: Sequence[np.ndarray], titles: Sequence[str], title: str, signed: Sequence[bool] = ()
) -> PlainFigure:
    """Images in a row, ink dark; `signed` ones (perturbations) on a red–blue scale around 0."""
    signed = list(signed) + [False] * (len(images) - len(signed))
    panel_lines = max(t.count("<br>") + 1 for t in titles)
    top = SUBPLOT_TITLES_TOP + PANEL_TITLE_LINE_PX * (panel_lines - 1)
    fig = new_figure(title, margin={"l": 46, "b": 44, "t": top})
    fig = fig.set_subplots(1, len(images), subplot_titles=list(titles), horizontal_spacing=0.03)
    for i, (image, is_signed) in enumerate(zip(images, signed, strict=True), start=1):
        scale = float(np.abs(image).max()) or 1.0
        fig.add_heatmap(
            z=image,
            colorscale=named_colorscale("RdBu" if is_signed else "Greys"),
            zmin=-scale if is_signed else 0.0,
            zmax=scale if is_signed else 1.0,
            showscale=False,
            name=titles[i - 1],
            row=1,
            col=i,
        )
        fig.update_yaxes(autorange="reversed", scaleanchor=f"x{i if i > 1 else ''}", row=1, col=i)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, showgrid=False)
    fig.update_layout(height=260 + fig.layout["margin"]["t"] - MARGIN["t"])  # images: same size
    return fig


def plot_probabilities(probabilities: np.ndarray, names: Sequence[str], title: str) -> PlainFigure:
    """Grouped bars: the class probabilities of each image."""
    fig = new_figure(title, "class (digit)", "probability", barmode="group")
    for i, (p, name) in enumerate(zip(probabilities, names, strict=True)):
        fig.add_bar(x=list(CLASS_NAMES), y=p, name=name, marker={"color": color(i)})
    fig.update_yaxes(range=[0, 1])
    return fig


def plot_ideal_images(ideal: dict, class_index: int) -> PlainFigure:
    """The noise start, the ideal image at the chosen λ, and at λ = 0."""
    steps = ideal["log_prob"].shape[1]
    titles = ["start (noise)", f"λ = {ideal['tv_weights'][0]:g}", "λ = 0"]
    title = f"Ideal image of digit {class_index} after {steps} steps"
    return plot_images([ideal["start"], *ideal["images"]], titles, title)


def plot_ideal_probabilities(ideal: dict) -> PlainFigure:
    names = [f"λ = {w:g}" for w in ideal["tv_weights"]]
    title = "Class probabilities of the ideal images"
    return plot_probabilities(ideal["probabilities"], names, title)


def plot_attack_images(attack: dict, target: int, epsilon: float) -> PlainFigure:
    """Original, then per attack the amplified change (red/blue) and the attacked image."""
    images = [attack["original"]]
    # Panel titles of short lines: on a phone each of the five panels is ~55 px wide.
    titles = [f"original<br>digit {attack['label']}"]
    for i, name in enumerate(("FGSM", "PGD")):
        images += [attack["perturbation"][i], attack["attacked"][i]]
        titles += [f"{name}<br>change", f"{name}<br>result"]
    title = f"Targeted attack towards digit {target} with ε = {epsilon:g} (changes amplified)"
    return plot_images(images, titles, title, signed=[False, True, False, True, False])


def plot_attack_probabilities(attack: dict) -> PlainFigure:
    return plot_probabilities(
        attack["probabilities"],
        ["original", "FGSM", "PGD"],
        "Class probabilities before and after the attack",
    )


def plot_ideal_history(ideal: dict) -> PlainFigure:
    """log p(c|x) and the TV term per step, for the chosen λ and for λ = 0."""
    fig = new_figure(
        "Objective per step: log p(class) and total variation",
        "step",
        "",
        margin={"t": SUBPLOT_TITLES_TOP},
    )
    fig = fig.set_subplots(1, 2, subplot_titles=("log p(class | x)", "total variation TV(x)"))
    steps = np.arange(ideal["log_prob"].shape[1])
    for i, weight in enumerate(ideal["tv_weights"]):
        name = f"λ = {weight:g}"
        style = {"color": color(i)}
        fig.add_scatter(x=steps, y=ideal["log_prob"][i], name=name, line=style, row=1, col=1)
        fig.add_scatter(
            x=steps, y=ideal["total_variation"][i], name=name, line=style, showlegend=False,
            row=1, col=2,
        )  # fmt: skip
    return fig


def plot_accuracy_vs_epsilon(adversarial: dict, epsilon: float, steps: int) -> PlainFigure:
    """Test accuracy under untargeted FGSM and PGD, and targeted PGD's success, against ε."""
    fig = new_figure(
        f"Accuracy against ε on the source test set (PGD: {steps} steps)", "ε (L∞ budget)", ""
    )
    eps = adversarial["epsilons"]
    fig.add_scatter(x=eps, y=adversarial["fgsm_accuracy"], name="accuracy under FGSM")
    fig.add_scatter(x=eps, y=adversarial["pgd_accuracy"], name="accuracy under PGD")
    fig.add_scatter(
        x=eps,
        y=adversarial["targeted_success"],
        name="targeted PGD success (target = label + 1)",
        line={"dash": "dash"},
    )
    vline(fig, epsilon, dash="dot", color="grey")
    fig.update_yaxes(range=[0, 1])
    return fig


def strategy_columns(result: dict) -> dict[str, np.ndarray]:
    """Long-format table: strategy, k, seed, test accuracy."""
    n_strategies, n_k, n_seeds = result["accuracy"].shape
    grid = np.indices((n_strategies, n_k, n_seeds)).reshape(3, -1)
    return {
        "strategy": np.asarray(result["strategies"])[grid[0]],
        "k": result["k"][grid[1]],
        "seed_index": grid[2],
        "test_accuracy": result["accuracy"].ravel(),
    }


def epsilon_columns(adversarial: dict) -> dict[str, np.ndarray]:
    keys = ("epsilons", "fgsm_accuracy", "pgd_accuracy", "targeted_success")
    return {key: adversarial[key] for key in keys}
