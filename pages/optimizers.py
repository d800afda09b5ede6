"""Optimizer trajectories: optax optimizers racing on loss surfaces, with whole η × γ sweeps."""

import streamlit as st

from core.expression import GRAMMAR, MAX_LENGTH
from core.optimizers import (
    DEFAULT_EXPRESSION,
    MAX_STEPS,
    OPTIMIZERS,
    SCHEDULES,
    SURFACE_CHOICES,
    SWEEP_FIELD,
    Settings,
    explore,
    sweep,
    sweep_settings,
)
from playground import show
from playground.compute import heavy_work
from playground.control_specs import LogSlider, MultiSelect, Select, Slider, Text, one_two_five
from playground.controls import render_controls, try_this
from playground.plots import optimizers as plots

P = "opt"
SURFACE = (
    Select("surface", "Loss surface", SURFACE_CHOICES, "bowl", "custom: type a formula below"),
    Text("expression", "Custom surface f(x, y)", DEFAULT_EXPRESSION, MAX_LENGTH, GRAMMAR),
    Slider("condition", "Bowl: condition number κ", 1.0, 100.0, 10.0, step=0.5),
    Slider("rotation", "Bowl: rotation (degrees)", -90.0, 90.0, 30.0, step=1.0),
    Slider("start_x", "Start x", -5.0, 5.0, -1.5, step=0.01),
    Slider("start_y", "Start y", -5.0, 5.0, 1.5, step=0.01),
)
OPTIMIZER = (
    MultiSelect("optimizers", "Optimizers", OPTIMIZERS, Settings.optimizers),
    LogSlider("learning_rate", "Learning rate η", one_two_five(-4, 1), 0.05),
    Slider("momentum", "Momentum γ (momentum, Nesterov)", 0.0, 0.99, 0.9, step=0.01),
    Slider("beta1", "Adam β₁", 0.0, 0.99, 0.9, step=0.01),
    Slider("beta2", "Adam β₂", 0.5, 0.999, 0.999, step=0.001),
    Slider("rho", "RMSProp decay ρ", 0.0, 0.99, 0.9, step=0.01),
    Slider(
        "clip",
        "Clip gradients to norm θ (0 = off)",
        0.0,
        10.0,
        0.0,
        step=0.1,
        help="A gradient longer than θ is scaled to length θ (optax.clip_by_global_norm). The "
        "lesson divides it by its norm instead, i.e. length 1: the same as θ = 1.",
    ),
    Slider("noise", "Gradient noise σ", 0.0, 5.0, 0.0, step=0.05, help="∇L + σ·N(0, I) per step"),
    Select("schedule", "Learning-rate schedule", SCHEDULES, "constant"),
    Slider("decay_rate", "Decay factor r (exponential, step)", 0.5, 1.0, 0.98, step=0.01),
    Slider("decay_every", "Every k steps (decay) / warm-up length", 1, 1000, 10, integer=True),
    Slider("steps", "Steps", 1, MAX_STEPS, 300, integer=True),
    Slider("seed", "Noise seed", 0, 9999, 0, integer=True),
    Select("sweep", "Heatmap optimizer", tuple(SWEEP_FIELD), "momentum"),
)
SCRUB = (
    Slider("at_step", "Scrub: where is each optimizer at step… (up to Steps)", 0, MAX_STEPS,
           MAX_STEPS, integer=True),
)  # fmt: skip

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


@st.cache_data(max_entries=64, show_spinner="Running the optimizers…")
def compute(settings: Settings):
    with heavy_work():
        return explore(settings)


@st.cache_data(max_entries=64, show_spinner="Sweeping η × γ…")
def compute_sweep(settings: Settings):
    with heavy_work():
        return sweep(settings)


result = compute(settings)
heatmap = compute_sweep(sweep_settings(settings))  # unchanged while η or the swept γ/β₁/ρ move
if result.expression_error:
    st.error(f"Custom surface not used — {result.expression_error}. Showing the quadratic bowl.")
    st.code(result.expression_pointer, language=None)
for note in result.notes:
    st.info(note)
st.latex(rf"L(x, y) = {result.formula}")

at_step = min(render_controls(SCRUB, P, container=st)["at_step"], settings.steps)
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

LESSON = {"surface": "custom", "expression": "(x-3)^2 + (y+2)^2", "start_x": 0.0, "start_y": 0.0}
try_this(
    [
        (
            "The lesson's example",
            "f = (x₁−3)² + (x₂+2)² from (0, 0), η = 0.1: SGD's points are (3, −2)(1 − 0.8ᵏ).",
            {**LESSON, "learning_rate": 0.1, "optimizers": ("sgd",), "steps": 40},
        ),
        (
            "Past 2/λmax",
            "κ = 10 puts the limit at η = 0.2: there SGD bounces forever; at 0.5 it diverges.",
            {"surface": "bowl", "condition": 10.0, "learning_rate": 0.2,
             "optimizers": ("sgd", "momentum", "adam")},
        ),
        (
            "The lesson's 'Adagrad' vs Adagrad",
            "Normalised steps stay η long and rattle around the minimum; Adagrad's shrink to 0.",
            {"surface": "bowl", "learning_rate": 0.3, "optimizers": ("adagrad", "normalised")},
        ),
        (
            "Rosenbrock's valley",
            "SGD crawls along the curved valley, momentum reaches (1, 1); Adam needs a larger η "
            "(its heatmap shows which).",
            {"surface": "rosenbrock", "start_x": -1.2, "start_y": 1.0, "learning_rate": 0.002,
             "optimizers": ("sgd", "momentum", "adam"), "steps": 3000, "sweep": "adam"},
        ),
        (
            "Noise escapes a saddle",
            "On the ridge y = 0 the gradient never points off it: set σ = 0 and all three stop "
            "at the saddle (0, 0); with σ = 0.1 they roll off to a minimum.",
            {"surface": "saddle", "start_x": -1.5, "start_y": 0.0, "learning_rate": 0.05,
             "noise": 0.1, "optimizers": ("sgd", "momentum", "adam"), "steps": 500},
        ),
    ],
    P,
)  # fmt: skip
