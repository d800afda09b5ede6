"""Figures of the overfitting page: NumPy arrays in, plotly figures out."""

import numpy as np

from playground.plots.plain import PlainFigure
from playground.plots.style import color, new_figure, vline


def _y_range(*arrays: np.ndarray) -> list[float]:
    """A y-range around the data, so a wild high-degree fit cannot squash the points flat."""
    values = np.concatenate([a.ravel() for a in arrays if a is not None and a.size])
    low, high = float(values.min()), float(values.max())
    pad = 0.35 * max(high - low, 1e-3)
    return [low - pad, high + pad]


def plot_fit(
    x_grid: np.ndarray,
    fits: dict[str, np.ndarray],
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    truth: np.ndarray | None = None,
) -> PlainFigure:
    """Training (×) and validation (○) points, the true function and one or more fits."""
    fig = new_figure("Data and fit", "x", "y", margin={"b": 155})
    if truth is not None:
        fig.add_scatter(
            x=x_grid, y=truth, name="true function", line={"color": "gray", "dash": "dot"}
        )
    for i, (name, fit) in enumerate(fits.items()):
        fig.add_scatter(x=x_grid, y=fit, name=name, line={"color": color(i), "width": 2.5})
    fig.add_scatter(
        x=x_train,
        y=y_train,
        mode="markers",
        name="training points",
        marker={"symbol": "x", "size": 10, "color": "black"},
    )
    fig.add_scatter(
        x=x_val,
        y=y_val,
        mode="markers",
        name="validation points",
        marker={"symbol": "circle-open", "size": 10, "color": color(1), "line": {"width": 2}},
    )
    fig.update_yaxes(range=_y_range(y_train, y_val, truth))
    return fig


def plot_error_vs_degree(
    degrees: np.ndarray, train_mse: np.ndarray, val_mse: np.ndarray, degree: int
) -> PlainFigure:
    """The U-curve: training error falls with degree, validation error falls then rises."""
    fig = new_figure(
        "Training and validation error against degree",
        "degree (parameters = degree + 1)",
        "mean squared error (log)",
        yaxis_type="log",
    )
    fig.add_scatter(
        x=degrees, y=np.maximum(train_mse, 1e-12), name="training error", mode="lines+markers"
    )
    fig.add_scatter(x=degrees, y=val_mse, name="validation error", mode="lines+markers")
    vline(fig, degree, f"degree {degree}", dash="dash", color="gray")
    return fig


def plot_bias_variance(
    degrees: np.ndarray,
    bias2: np.ndarray,
    variance: np.ndarray,
    noise_var: float,
    expected_error: np.ndarray,
    degree: int,
) -> PlainFigure:
    """bias² falls, variance rises, their sum plus noise is the expected test error."""
    fig = new_figure(
        "Bias², variance and noise against degree",
        "degree",
        "expected squared error (log)",
        margin={"b": 170},
        yaxis_type="log",
    )
    floor = 1e-6
    fig.add_scatter(x=degrees, y=np.maximum(bias2, floor), name="bias²", mode="lines+markers")
    fig.add_scatter(x=degrees, y=np.maximum(variance, floor), name="variance", mode="lines+markers")
    fig.add_scatter(
        x=degrees,
        y=np.full(degrees.shape, max(noise_var, floor)),
        name="noise σ²",
        line={"dash": "dot", "color": "gray"},
    )
    fig.add_scatter(
        x=degrees,
        y=bias2 + variance + noise_var,
        name="bias² + variance + noise",
        line={"width": 3, "color": "black"},
    )
    fig.add_scatter(
        x=degrees,
        y=expected_error,
        name="test error (Monte Carlo)",
        mode="markers",
        marker={"symbol": "diamond-open", "size": 9, "color": color(3)},
    )
    vline(fig, degree, dash="dash", color="gray")
    return fig


def plot_double_descent(
    n_features: np.ndarray, train_mse: np.ndarray, test_mse: np.ndarray, n_points: int
) -> PlainFigure:
    """Test error against parameters, through the interpolation threshold."""
    fig = new_figure(
        "Double descent (minimum-norm fit)",
        "number of parameters",
        "mean squared error (log)",
        yaxis_type="log",
    )
    fig.add_scatter(
        x=n_features, y=np.maximum(train_mse, 1e-8), name="training error", mode="lines"
    )
    fig.add_scatter(x=n_features, y=test_mse, name="validation error", mode="lines+markers")
    text = f"interpolation threshold ({n_points} points)"
    vline(fig, n_points, text, dash="dash", color="gray")
    return fig


def plot_training(
    epochs: np.ndarray,
    train_loss: np.ndarray,
    val_loss: np.ndarray,
    best_epoch: int,
    diverged_at: int | None,
) -> PlainFigure:
    """Loss per epoch of gradient descent, with the early-stopping point marked."""
    title = "Gradient descent: loss per epoch"
    if diverged_at is not None:
        title += f" — diverged at step {diverged_at}"
    fig = new_figure(title, "epoch", "mean squared error (log)", yaxis_type="log")
    fig.add_scatter(x=epochs, y=train_loss, name="training loss")
    fig.add_scatter(x=epochs, y=val_loss, name="validation loss")
    fig.add_scatter(
        x=[epochs[best_epoch]],
        y=[val_loss[best_epoch]],
        mode="markers",
        name="early stopping",
        marker={"symbol": "star", "size": 16, "color": color(2)},
    )
    return fig
