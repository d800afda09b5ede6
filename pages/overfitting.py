"""Overfitting: polynomial fits of any degree, the U-curve, bias–variance and double descent."""

import streamlit as st

from core.overfitting import OverfitSettings, explore, explore_double_descent, explore_training
from playground import show
from playground.compute import heavy_work
from playground.controls import render_controls, try_this
from playground.page_specs.overfitting import DATA, EXPERIMENTS, MODEL, P, error_columns, fit_curves
from playground.plots import overfitting as plots

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

st.sidebar.header("Data")
values = render_controls(DATA, P)
st.sidebar.header("Model")
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


result = compute(settings.for_sweep())  # a degree move picks a row: no computation
data, d = result.data, settings.degree
training = compute_training(settings.for_training()) if mode == "gradient descent" else None
fits = fit_curves(settings, result, training)

left, right = st.columns(2)
with left:
    fig = plots.plot_fit(
        data.x_grid, fits, data.x_train, data.y_train, data.x_val, data.y_val, data.truth_on_grid
    )
    show.figure(fig, "fit")
with right:
    fig = plots.plot_error_vs_degree(result.degrees, result.train_mse, result.val_mse, d)
    show.figure(fig, "error_vs_degree")
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
    fig = plots.plot_training(
        training.epochs,
        training.train_loss,
        training.val_loss,
        training.best_epoch,
        training.diverged_at,
    )
    show.figure(fig, "training")
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
        fig = plots.plot_bias_variance(result.degrees, result.bias2, result.variance,
                                       result.noise_var, result.expected_error, d)  # fmt: skip
        show.figure(fig, "bias_variance")
        st.caption(
            f"{settings.n_resamples} training sets: same inputs, fresh noise each (fixed design), "
            "all fitted in one vectorised call. Diamonds: test error measured on fresh noise."
        )
with right:
    dd = compute_double_descent(settings.for_data())
    fig = plots.plot_double_descent(dd.n_features, dd.train_mse, dd.test_mse, dd.n_points)
    show.figure(fig, "double_descent")
    st.caption(
        "Past the threshold many polynomials pass through every point; the minimum-norm one "
        "is smooth again, so the error comes back down."
    )

show.csv_download("Errors per degree (CSV)", error_columns(result), "overfitting_errors.csv")

try_this(EXPERIMENTS, P)
