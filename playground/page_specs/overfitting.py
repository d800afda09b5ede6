"""The Overfitting page's controls and "Try this" experiments, as data, and its pure helpers."""

import numpy as np

from core.overfitting import OverfitResult, OverfitSettings, TrainingResult
from core.polynomial_training import OPTIMIZER_NAMES
from core.regression_data import TRUTH_NAMES
from playground.control_specs import LogSlider, Select, Slider, one_two_five

P = "fit"
DATA = (
    Select(
        "preset",
        "Data",
        ("random", "lesson"),
        "random",
        "lesson: the 5 + 2 points of the lesson's figure",
    ),
    Select("truth", "True function", TRUTH_NAMES, "sine"),
    Slider("n_train", "Training points", 2, 200, 20, integer=True),
    Slider("n_val", "Validation points", 2, 200, 50, integer=True),
    Slider("noise", "Noise σ", 0.0, 1.0, 0.2, step=0.01),
    Slider("seed", "Seed", 0, 999, 0, integer=True),
)
MODEL = (
    Slider("degree", "Degree (parameters = degree + 1)", 0, 20, 3, integer=True),
    LogSlider("ridge", "Ridge λ", (0.0, *one_two_five(-8, 1)), 0.0, "λ‖c‖² added to the loss"),
    Slider(
        "n_resamples", "Training sets K for bias–variance", 10, 1000, 200, step=10, integer=True
    ),
    Select("mode", "Fit by", ("closed form", "gradient descent"), "closed form"),
    Select("optimizer", "Optimizer (gradient descent)", OPTIMIZER_NAMES, "adam"),
    LogSlider("learning_rate", "Learning rate", one_two_five(-4, 1), 0.05),
    Slider("epochs", "Epochs", 10, 2000, 500, step=10, integer=True),
)
EXPERIMENTS = (
    (
        "Lesson example",
        "The lesson's 5 points: a line vs 7 parameters (degree 6). Zero training "
        "error, far larger validation error.",
        {"preset": "lesson", "degree": 6},
    ),
    (
        "Parameters = points",
        "10 points, degree 9: the curve hits every point and swings between them.",
        {"preset": "random", "n_train": 10, "degree": 9, "noise": 0.2},
    ),
    (
        "Tame it with ridge",
        "Same, with λ = 0.001: the swings shrink while the fit stays close.",
        {"preset": "random", "n_train": 10, "degree": 9, "ridge": 0.001},
    ),
    (
        "More data",
        "Degree 15 on 200 points overfits far less than on 20.",
        {"preset": "random", "n_train": 200, "degree": 15},
    ),
    (
        "Early stopping",
        "Gradient descent on degree 15: watch validation loss turn up.",
        {
            "preset": "random",
            "n_train": 15,
            "degree": 15,
            "mode": "gradient descent",
            "epochs": 2000,
        },
    ),
)


def fit_curves(
    settings: OverfitSettings, result: OverfitResult, training: TrainingResult | None
) -> dict[str, np.ndarray]:
    """The curves to draw over the data, by legend name."""
    lesson = settings.preset == "lesson"
    fits = {"line (2 parameters)": result.fits_on_grid[1]} if lesson else {}
    d = settings.degree
    fits[f"degree {d} ({d + 1} parameters)"] = result.fits_on_grid[d]
    if training is not None:
        fits["gradient descent, early-stopping point"] = training.fit_at_best
        fits[f"gradient descent, epoch {training.epochs[-1]}"] = training.fit_at_end
    return fits


def error_columns(result: OverfitResult) -> dict[str, np.ndarray]:
    """The errors per degree as CSV columns; bias and variance only where the truth is known."""
    columns = {"degree": result.degrees, "train_mse": result.train_mse, "val_mse": result.val_mse}
    if result.bias2 is not None:
        columns |= {
            "bias2": result.bias2,
            "variance": result.variance,
            "test_mse_mc": result.expected_error,
        }
    return columns
