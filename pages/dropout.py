"""Dropout & the network playground: many rates × seeds trained live, overfitting tamed."""

import numpy as np
import streamlit as st

from core.datasets import DATASETS, TRAIN_MAX
from core.dropout_training import (
    MAX_EPOCHS,
    MAX_RATES,
    MAX_SEEDS,
    OPTIMIZERS,
    Settings,
    train_in_chunks,
)
from core.mlp import ACTIVATIONS
from playground import show
from playground.compute import ServerBusy, heavy_work
from playground.control_specs import LogSlider, MultiSelect, Select, Slider, Toggle, log_stops
from playground.controls import render_controls, try_this
from playground.plots import dropout as plots

RATES = tuple(f"{r / 10:g}" for r in range(10))
BATCHES = {"16": 16, "32": 32, "64": 64, "128": 128, "full": TRAIN_MAX}
WIDTHS = ("8", "16", "32", "64", "128", "256", "512")
SPECS = (
    Select("dataset", "Data", tuple(DATASETS), "digits", "8×8 handwritten digits or a 2-D set"),
    Slider("n_train", "Training examples", 20, 1000, 100, 10, integer=True),
    Slider("val_share", "Validation share of all examples", 0.1, 0.9, 0.75, 0.05),
    Slider("noise", "Input noise σ", 0.0, 1.0, 0.0, 0.05, "Gaussian noise on the inputs"),
    Slider("label_noise", "Label noise", 0.0, 0.6, 0.2, 0.05, "Share of wrong training labels"),
    Slider("layers", "Hidden layers", 1, 6, 2, 1, integer=True),
    Select("width", "Units per layer", WIDTHS, "256"),
    Select("activation", "Activation", tuple(ACTIVATIONS), "relu"),
    Select("optimizer", "Optimizer", tuple(OPTIMIZERS), "adam"),
    LogSlider("lr", "Learning rate", log_stops(-4, 0), 0.001),
    Slider("l2", "L2 weight decay λ", 0.0, 0.01, 0.0, 0.0005),
    Select("batch_size", "Batch size", tuple(BATCHES), "32"),
    Slider("epochs", "Epochs", 10, MAX_EPOCHS, 100, 10, integer=True),
    MultiSelect(
        "rates",
        "Dropout rates to compare",
        RATES,
        ("0", "0.2", "0.5", "0.8"),
        max_selections=MAX_RATES,
    ),
    Slider("seeds", "Seeds per rate", 1, MAX_SEEDS, 3, 1, "Runs per rate; bands show ± std", True),
    Slider("seed", "Seed", 0, 9999, 0, 1, integer=True),
    Select("inspect", "Rate to inspect", RATES, "0.5", "Confusion, uncertainty, weights"),
    Toggle("train_off", "Train curves with dropout off", False),
)

st.title("Dropout & the network playground")
st.markdown(
    "Dropout zeroes a random share *p* of a layer's units at every training step and rescales "
    "the rest. Here every rate you pick is trained with several seeds at once, on real digits "
    "or 2-D data. By default 20% of the training labels are wrong: without dropout the network "
    "memorises them, and the gap between training and validation accuracy shows it."
)
st.latex(
    r"\tilde h = \frac{m \odot h}{1-p},\quad m_i \sim \mathrm{Bernoulli}(1-p)"
    r"\qquad\text{gap} = \mathrm{acc}_\text{train} - \mathrm{acc}_\text{val}"
)

values = render_controls(SPECS, "drop")
inspect, train_off = float(values.pop("inspect")), values.pop("train_off")
settings = Settings(
    **{
        **values,
        "width": int(values["width"]),
        "batch_size": BATCHES[values["batch_size"]],
        "rates": tuple(sorted(float(r) for r in values["rates"])),
    }
)


@st.cache_data(max_entries=16, show_spinner=False)
def stored(settings: Settings, _result=None):
    """The finished sweep for these settings, from any session; LookupError until stored."""
    if _result is None:
        raise LookupError("not trained yet")
    return _result


def train_live(settings: Settings):
    bar, live = st.progress(0.0, "Training…"), st.empty()
    with heavy_work():
        for p in train_in_chunks(settings):
            bar.progress(p.epochs_done / p.epochs_total, f"Epoch {p.epochs_done}/{p.epochs_total}")
            live.plotly_chart(
                plots.live_curves(p.rates, p.history, p.epochs_total), key=f"live{p.epochs_done}"
            )
    bar.empty()
    live.empty()
    return p.result


try:
    result = stored(settings)
except LookupError:
    try:
        result = stored(settings, _result=train_live(settings))
    except ServerBusy as busy:
        st.warning(str(busy))
        st.stop()

for note in result.notes:
    st.info(f"Note: {note}.")
index = int(np.argmin(np.abs(result.rates - inspect)))
if result.rates[index] != inspect:
    st.caption(f"Rate {inspect:g} was not trained; inspecting p = {result.rates[index]:g}.")

show.figure(plots.curves(result, "acc", not train_off), "dropout_accuracy")
show.figure(plots.curves(result, "loss", not train_off), "dropout_loss")
show.figure(plots.gap_vs_rate(result), "dropout_gap")
if result.grid_class is not None:
    show.figure(plots.decision_boundaries(result), "dropout_boundaries")
    show.figure(plots.uncertainty_map(result, index), "dropout_uncertainty")
else:
    show.figure(plots.uncertainty_histogram(result, index), "dropout_uncertainty")
show.figure(plots.confusion(result, index), "dropout_confusion")

show.csv_download("Metrics per rate, seed and epoch (CSV)", result.table(), "dropout_metrics.csv")
st.download_button(
    f"Weights of the p = {result.rates[index]:g} network, first seed (msgpack)",
    result.weights[index],
    f"mlp_p{result.rates[index]:g}_seed{settings.seed}.msgpack",
    mime="application/octet-stream",
    key="drop._weights",
    on_click="ignore",
)

try_this(
    [
        (
            "Clean labels",
            "Set label noise to 0: every rate fits the training set and the gaps "
            "differ by about the seed noise — on easy data dropout changes little.",
            {"label_noise": 0.0},
        ),
        (
            "Memorising noise",
            "40% wrong labels: p = 0 learns them all (train accuracy 100%), "
            "p = 0.5 refuses and validates better.",
            {"label_noise": 0.4, "rates": ("0", "0.5")},
        ),
        (
            "Spiral, playground style",
            "Three arms, 3 layers: compare the boundaries drawn with and without dropout.",
            {
                "dataset": "spiral",
                "noise": 0.05,
                "label_noise": 0.1,
                "n_train": 300,
                "width": "64",
                "layers": 3,
                "lr": 0.00562,
                "epochs": 200,
            },
        ),
        (
            "MC-dropout on moons",
            "The uncertainty map glows along the boundary and away from data.",
            {
                "dataset": "moons",
                "noise": 0.2,
                "label_noise": 0.1,
                "width": "128",
                "inspect": "0.5",
            },
        ),
        (
            "Too much dropout",
            "A narrow net with p = 0.8: train accuracy with dropout on collapses — underfitting.",
            {"width": "16", "layers": 1, "rates": ("0", "0.5", "0.8"), "label_noise": 0.0},
        ),
    ],
    "drop",
)
