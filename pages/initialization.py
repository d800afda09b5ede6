"""Initialization: watch the signal vanish or explode through up to 50 layers, for every scheme."""

import streamlit as st

from core.activations import ACTIVATIONS
from core.deep_signal import (
    Settings,
    compare_training,
    explore,
    layer_table,
    loss_table,
    sample_unit_weights,
    weights_msgpack,
)
from core.initializers import SCHEMES
from playground import show
from playground.compute import heavy_work
from playground.control_specs import LogSlider, MultiSelect, Select, Slider, Toggle, log_stops
from playground.controls import render_controls, try_this
from playground.plots import initialization as plots

NAMES = tuple(SCHEMES)
SPECS = (
    Select("scheme", "Init scheme", NAMES, "normal", help="Formulas: see below the first figure."),
    Select("activation", "Activation φ", tuple(ACTIVATIONS), "tanh"),
    Slider("depth", "Depth (layers)", 1, 50, 20, 1, integer=True),
    Slider("width", "Width n (units per layer)", 8, 512, 256, 8, integer=True),
    LogSlider("gain", "Gain (multiplies every weight)", log_stops(-2, 1), 1.0),
    Toggle("batch_norm", "Batch norm before φ", False),
    Slider("seed", "Seed", 0, 999, 0, 1, integer=True),
    MultiSelect(
        "train_schemes", "Schemes to train on digits", NAMES,
        ("normal", "gaussian", "xavier_normal", "he_normal"), max_selections=4,
    ),
)  # fmt: skip

st.title("Initialization: signals through deep networks")
st.markdown(
    "Each layer multiplies its input by a random matrix: if n·σ² (times what φ keeps) is above "
    "1 the signal grows geometrically with depth, below 1 it dies, and the gradients follow. "
    "With N(0, 1) weights and n unit-variance inputs a pre-activation has standard deviation "
    "√n (the lesson says n). Formulas here, like the lesson's, write N(mean, standard deviation): "
    "Xavier's √(2/(n_in+n_out)) is a standard deviation, so its variance is 2/(n_in+n_out)."
)
st.latex(
    r"\operatorname{Var} z_l = n\,\sigma_w^2\;\mathbb{E}\big[\varphi(z_{l-1})^2\big],"
    r"\qquad \text{N}(0,1):\ \operatorname{std} z_1 = \sqrt{n}"
)
settings = Settings(**render_controls(SPECS, "init"))
scheme = SCHEMES[settings.scheme]


@st.cache_resource(max_entries=4)
def unit_weights(seed: int, family: str, width: int):
    return sample_unit_weights(seed, family, width)  # kept while depth, width or gain move


@st.cache_data(max_entries=64, show_spinner="Propagating through the network…")
def signal(settings: Settings):
    with heavy_work():
        family = SCHEMES[settings.scheme].family
        width = settings.width if family == "orthogonal" else 0  # only QR needs the width
        return explore(settings, unit_weights(settings.seed, family, width))


@st.cache_data(max_entries=64, show_spinner="Training every scheme on 4 seeds…")
def race(settings: Settings):
    with heavy_work():
        return compare_training(settings)


result = signal(settings)
st.markdown(
    f"Layer 1, n = {settings.width}: pre-activation std **{result.first_layer_std:.3g}** "
    f"measured, **{result.first_layer_expected:.3g}** = √n · σ · gain expected."
)
for note in result.notes:
    st.info(note)
layers = result.layers
figures = {
    "init_weights": plots.weights_vs_density(
        result.weight_edges, result.weight_share, result.density_x, result.density_pdf,
        result.point_mass, scheme.label,
    ),
    "init_activations": plots.activation_heatmap(
        layers, result.hist_edges, result.hist, settings.activation
    ),
    "init_std": plots.per_layer_log(
        "Pre-activation std per layer", "std of z_l", layers, result.z_std, result.z_theory
    ),
    "init_gradients": plots.per_layer_log(
        "Gradient norm per layer", "‖∂ℓ/∂z_l‖ per example", layers, result.grad_norm,
        result.grad_theory,
    ),
}  # fmt: skip
for i, (name, fig) in enumerate(figures.items()):
    if i % 2 == 0:
        columns = st.columns(2)
    with columns[i % 2]:
        show.figure(fig, name)
st.markdown(f"**{scheme.label}** (`{scheme.name}`) draws")
st.latex(scheme.formula)
flat = plots.flat_units(layers, result.flat_share, result.dead_units, result.flat_label)
show.figure(flat, "init_dead")
show.csv_download("Per-layer numbers (CSV)", layer_table(result), "initialization_layers.csv")

st.subheader("Does it train?")
st.caption(
    "A 64 → 32 × 6 → 10 MLP with this activation, gain and batch-norm setting, trained by SGD "
    "with momentum on scikit-learn's 8×8 digits; every scheme on the same 4 seeds, in one call."
)
trained = race(settings.for_training())
labels = [SCHEMES[name].label for name in trained.schemes]
show.figure(plots.training_curves(labels, trained.losses, trained.diverged_at), "init_training")
show.csv_download("Training losses (CSV)", loss_table(trained), "initialization_training.csv")
st.download_button(
    "Trained weights, first seed of each scheme (msgpack)",
    weights_msgpack(trained),
    file_name="initialization_weights.msgpack",
    on_click="ignore",
)

try_this(
    [
        ("N(0, 1) explodes", "Linear layers: ×√512 ≈ 23 per layer until float32 overflows.",
         {"scheme": "normal", "activation": "linear", "depth": 50, "width": 512, "gain": 1.0,
          "batch_norm": False}),
        ("N(0, 0.01) vanishes", "Gain 0.01: the signal and its gradients shrink to nothing.",
         {"scheme": "normal", "activation": "relu", "gain": 0.01, "batch_norm": False}),
        ("He + ReLU holds", "Flat theory over 50 layers; change the seed: the wobble is "
         "finite-width noise, growing like √(depth/width).",
         {"scheme": "he_normal", "activation": "relu", "depth": 50, "gain": 1.0,
          "batch_norm": False}),
        ("Xavier + tanh", "Unsaturated tanh; then set width 16 and watch the noise grow.",
         {"scheme": "xavier_normal", "activation": "tanh", "depth": 30, "gain": 1.0,
          "batch_norm": False}),
        ("Batch norm rescues N(0, 1)", "Std 1 in every layer, whatever the gain.",
         {"scheme": "normal", "activation": "relu", "depth": 50, "batch_norm": True}),
    ],
    "init",
)  # fmt: skip
