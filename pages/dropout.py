"""Dropout & the network playground: many rates × seeds trained live, overfitting tamed."""

import numpy as np
import streamlit as st

from core.dropout_training import Settings, train_in_chunks
from playground import show
from playground.compute import ServerBusy, heavy_work
from playground.controls import render_controls, try_this
from playground.page_specs.dropout import BATCHES, EXPERIMENTS, SPECS
from playground.plots import dropout as plots

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


def already_stored(settings: Settings):
    try:
        return stored(settings)
    except LookupError:
        return None


def train(settings: Settings, bar, live):
    for p in train_in_chunks(settings):
        bar.progress(p.epochs_done / p.epochs_total, f"Epoch {p.epochs_done}/{p.epochs_total}")
        show.figure(plots.live_curves(p.rates, p.history, p.epochs_total),
                    f"live{p.epochs_done}", where=live)  # fmt: skip
    return p.result


def train_live(settings: Settings):
    bar, live = st.progress(0.0, "Training…"), st.empty()
    with heavy_work(long=True):
        # A class opening one link: whoever waited behind the first learner reuses its sweep.
        result = already_stored(settings)
        if result is None:
            result = train(settings, bar, live)
    bar.empty()
    live.empty()
    return result


result = already_stored(settings)
if result is None:
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
show.file_download(
    f"Weights of the p = {result.rates[index]:g} network, first seed (msgpack)",
    result.weights[index],
    f"mlp_p{result.rates[index]:g}_seed{settings.seed}.msgpack",
)

try_this(EXPERIMENTS, "drop")
