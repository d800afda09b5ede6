"""Overfitting: polynomial fits of any degree, the U-curve, bias–variance and double descent."""

import dataclasses

import streamlit as st

from core.overfitting import (
    OverfitSettings,
    explore,
    explore_double_descent,
    explore_training,
)
from core.polynomial_training import OPTIMIZER_NAMES
from core.regression_data import TRUTH_NAMES
from playground import show
from playground.compute import heavy_work
from playground.control_specs import LogSlider, Select, Slider, one_two_five
from playground.controls import render_controls, try_this
from playground.plots import overfitting as plots

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

st.title("Overfitting: how many parameters are too many?")
st.markdown(
    "A polynomial of degree *d* has *d* + 1 parameters. With as many parameters as training "
    "points it passes through every one of them — zero training error — yet between the points "
    "it can be wildly wrong. Validation points the fit never saw reveal it: the validation error "
    "falls, then rises again as the degree grows. Bias² falls, variance rises, noise stays."
)
st.latex(
    r"\mathbb{E}\big[(y-\hat f(x))^2\big]"
    r"=\underbrace{(\mathbb{E}\hat f(x)-f(x))^2}_{\text{bias}^2}"
    r"+\underbrace{\operatorname{Var}\hat f(x)}_{\text{variance}}"
    r"+\underbrace{\sigma^2}_{\text{noise}}"
)

with st.sidebar:
    st.header("Data")
values = render_controls(DATA, P)
with st.sidebar:
    st.header("Model")
values |= render_controls(MODEL, P)
mode = values.pop("mode")
settings = OverfitSettings(**values)


@st.cache_data(max_entries=128, show_spinner=False)
def compute(settings: OverfitSettings):
    with heavy_work():
        return explore(settings)


@st.cache_data(max_entries=64, show_spinner="Sweeping the number of parameters…")
def compute_double_descent(settings: OverfitSettings):
    with heavy_work():
        return explore_double_descent(settings)


@st.cache_data(max_entries=64, show_spinner="Training…")
def compute_training(settings: OverfitSettings):
    with heavy_work():
        return explore_training(settings)


result = compute(settings)
data = result.data
lesson = settings.preset == "lesson"
fits = {"line (2 parameters)": result.line_on_grid} if lesson else {}
fits[f"degree {settings.degree} ({settings.degree + 1} parameters)"] = result.fit_on_grid
training = compute_training(settings) if mode == "gradient descent" else None
if training is not None:
    fits["gradient descent, early-stopping point"] = training.fit_at_best
    fits[f"gradient descent, epoch {training.epochs[-1]}"] = training.fit_at_end

left, right = st.columns(2)
with left:
    show.figure(
        plots.plot_fit(
            data.x_grid,
            fits,
            data.x_train,
            data.y_train,
            data.x_val,
            data.y_val,
            data.truth_on_grid,
        ),
        "fit",
    )
with right:
    show.figure(
        plots.plot_error_vs_degree(
            result.degrees, result.train_mse, result.val_mse, settings.degree
        ),
        "error_vs_degree",
    )
d = settings.degree
st.markdown(
    f"Degree **{d}**: training error **{result.train_mse[d]:.3g}**, "
    f"validation error **{result.val_mse[d]:.3g}** on {len(data.x_train)} training points."
)

if training is not None:
    if training.diverged_at is not None:
        st.error(
            f"Gradient descent diverged at step {training.diverged_at}: the learning rate is too "
            "large for this degree. The curves stop there; lower the learning rate."
        )
    show.figure(
        plots.plot_training(
            training.epochs,
            training.train_loss,
            training.val_loss,
            training.best_epoch,
            training.diverged_at,
        ),
        "training",
    )
    st.caption(
        f"Early stopping would keep epoch {training.epochs[training.best_epoch]}, where the "
        "validation loss is lowest."
    )

left, right = st.columns(2)
with left:
    if result.bias2 is None:
        st.info(
            "Bias and variance need the true function; the lesson's points have none. "
            "Switch Data to *random* to see the decomposition."
        )
    else:
        show.figure(
            plots.plot_bias_variance(
                result.degrees,
                result.bias2,
                result.variance,
                result.noise_var,
                result.expected_error,
                d,
            ),
            "bias_variance",
        )
        st.caption(
            f"{settings.n_resamples} training sets: same inputs, fresh noise each (fixed design), "
            "all fitted in one vectorised call. Diamonds: test error measured on fresh noise."
        )
with right:
    dd = compute_double_descent(dataclasses.replace(settings, degree=0, ridge=0.0, n_resamples=10))
    show.figure(
        plots.plot_double_descent(dd.n_features, dd.train_mse, dd.test_mse, dd.n_points),
        "double_descent",
    )
    st.caption(
        "Past the threshold many polynomials pass through every point; the minimum-norm one "
        "is smooth again, so the error comes back down."
    )

columns = {"degree": result.degrees, "train_mse": result.train_mse, "val_mse": result.val_mse}
if result.bias2 is not None:
    columns |= {
        "bias2": result.bias2,
        "variance": result.variance,
        "test_mse_mc": result.expected_error,
    }
show.csv_download("Errors per degree (CSV)", columns, "overfitting_errors.csv")

try_this(
    [
        (
            "Lesson example",
            "The lesson's 5 points: a line vs 7 parameters (degree 6). Zero training "
            "error, far larger validation error.",
            {"preset": "lesson", "degree": 6},
        ),
        (
            "As many parameters as points",
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
    ],
    P,
)
