"""Initialization: watch the signal vanish or explode through up to 50 layers, for every scheme."""

import functools

import streamlit as st

from core.deep_signal import (
    Settings,
    draw_width,
    explore,
    layer_table,
    loss_table,
    race_result,
    sample_unit_weights,
    train_seed,
    training_seeds,
    weights_msgpack,
)
from core.initializers import SCHEMES
from playground import show
from playground.compute import heavy_work
from playground.controls import render_controls, try_this
from playground.page_specs.initialization import EXPERIMENTS, SPECS
from playground.plots import initialization as plots

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
        width = draw_width(family, settings.width)
        return explore(settings, unit_weights(settings.seed, family, width))


@st.cache_data(max_entries=64, show_spinner=False)
def race_seed(settings: Settings):
    return train_seed(settings)  # called only inside race(), which holds the computation slot


@st.cache_data(max_entries=64, show_spinner="Training every scheme…")
def race(settings: Settings):
    """Seeds cached one by one (a seed step trains one); one slot for all, not one per seed."""
    with heavy_work():
        return race_result([race_seed(settings.for_seed(s)) for s in training_seeds(settings)])


result = signal(settings.for_signal())  # ticking a scheme to train redraws no signal
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
seeds = training_seeds(settings)
st.caption(
    "A 64 → 32 × 6 → 10 MLP with this activation, gain and batch-norm setting, trained by SGD "
    f"with momentum on scikit-learn's 8×8 digits; every scheme on seeds {seeds[0]}–{seeds[-1]} "
    "(one vectorised call per seed, each kept: moving the seed by one trains one new seed)."
)
trained = race(settings.for_training())
labels = [SCHEMES[name].label for name in trained.schemes]
show.figure(plots.training_curves(labels, trained.losses, trained.diverged_at), "init_training")
st.caption(plots.race_accuracy(labels, trained.accuracy, trained.diverged_at))
show.csv_download("Training losses (CSV)", loss_table(trained), "initialization_training.csv")
show.file_download(
    "Trained weights, first seed of each scheme (msgpack)",
    functools.partial(weights_msgpack, trained),
    "initialization_weights.msgpack",
)

try_this(EXPERIMENTS, "init")
