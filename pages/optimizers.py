"""Optimizer trajectories: optax optimizers racing on loss surfaces, with whole η × γ sweeps."""

import streamlit as st

from core.optimizers import Settings, explore_all, showing, sweep, sweep_settings
from playground import show
from playground.compute import heavy_work
from playground.controls import render_controls, try_this
from playground.page_specs.optimizers import (
    EXPERIMENTS,
    OPTIMIZER,
    SCRUB,
    SURFACE,
    P,
    step_at,
    unused_note,
)
from playground.plots import optimizers as plots

st.title("Optimizer trajectories")
st.markdown(
    "Every optimizer follows the gradient downhill; they differ in how far each step goes. "
    "Momentum keeps part of the last step, Adagrad, RMSProp and Adam divide by a running size of "
    "past gradients. The lesson's formula that divides by the *current* gradient's norm is "
    "**normalised gradient** descent, not Adagrad: its steps always have length η, while "
    "Adagrad's steps shrink as squared gradients accumulate. All runs use optax."
)
st.latex(
    r"w_{t+1}=w_t-\eta\nabla L \quad v_{t+1}=\gamma v_t-\eta\nabla L,\ w_{t+1}=w_t+v_{t+1}"
    r"\quad w_{t+1}=w_t-\eta\,\frac{\nabla L}{\lVert\nabla L\rVert}"
)

with st.sidebar:
    st.header("Surface")
values = render_controls(SURFACE, P)
with st.sidebar:
    st.header("Optimizers")
values |= render_controls(OPTIMIZER, P)
settings = Settings(**values)
if note := unused_note(settings):
    st.sidebar.caption(note)


@st.cache_data(max_entries=64, show_spinner="Running the optimizers…")
def compute(settings: Settings):
    with heavy_work():
        return explore_all(settings)


@st.cache_data(max_entries=64, show_spinner="Sweeping η × γ…")
def compute_sweep(settings: Settings):
    with heavy_work():
        return sweep(settings)


result = showing(compute(settings.for_runs()), settings.optimizers)  # ticking one: no run
heatmap = compute_sweep(sweep_settings(settings))  # unchanged while η or the swept γ/β₁/ρ move
if result.expression_error:
    st.error(f"Custom surface not used — {result.expression_error}. Showing the quadratic bowl.")
    st.code(result.expression_pointer, language=None)
for note in result.notes:
    st.info(note)
st.latex(rf"L(x, y) = {result.formula}")

at_step = step_at(render_controls(SCRUB, P, container=st)["scrub"], settings.steps)
left, right = st.columns(2)
with left:
    show.figure(plots.plot_trajectories(result, at_step), "trajectories")
with right:
    show.figure(plots.plot_loss(result, at_step), "loss")
    show.figure(plots.plot_schedule(result), "schedule")
show.figure(plots.plot_curvature(result.curvature, settings.learning_rate), "hessian")
current = (settings.learning_rate, getattr(settings, heatmap.field))
show.figure(plots.plot_sweep(heatmap, result.floor, current), "sweep")
show.csv_download("Trajectories as CSV", plots.trajectory_columns(result), "trajectories.csv")
show.csv_download("Heatmap as CSV", plots.sweep_columns(heatmap), "heatmap.csv")

try_this(EXPERIMENTS, P)
