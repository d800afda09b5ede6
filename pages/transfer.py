"""Transfer learning: a CNN we pretrained on digits 0–4, reused on digits 5–9 with few labels."""

import functools

import streamlit as st

from core import adversarial, ideal_image, pretrain, transfer
from playground import show
from playground.compute import heavy_work, shared_wait
from playground.controls import render_controls, try_this
from playground.page_specs.transfer import EXPERIMENTS, SPECS, P
from playground.plots import transfer as plots

st.title("Transfer learning")
st.markdown(
    "We pretrained a small CNN on the digits 0–4 (`python -m core.pretrain`; its weights ship "
    "with the app). Here it meets digits 5–9, placed anywhere in the frame, with only k "
    "labelled examples per class: train from scratch, or reuse what it learned? Then look "
    "inside: the image it finds most typical of a class, and how little noise fools it."
)
st.latex(r"\hat y = \mathrm{softmax}(W\,\phi_{\theta^*}(x) + b),\ \theta^*\text{ pretrained}")
v = render_controls(SPECS, P)


@st.cache_resource
def shipped() -> tuple:
    """Pretrained parameters, their card, and the data: shared by all sessions, never mutated."""
    params, card = pretrain.load()
    return params, card, transfer.target_data(), pretrain.source_data()


@st.cache_data(max_entries=40, show_spinner=False)
def strategy_chunk(settings: transfer.Settings, chunk: int) -> dict:
    with heavy_work(long=True):
        return transfer.compare_chunk(shipped()[0], shipped()[2], settings, chunk)


@st.cache_data(max_entries=64, show_spinner="Projecting features…")
def projection(seed: int, k: int) -> dict:
    with heavy_work():
        return transfer.feature_projection(shipped()[0], seed, k)


@st.cache_data(max_entries=64, show_spinner="Ascending…")
def ideal(settings: ideal_image.Settings) -> dict:
    with heavy_work():
        return ideal_image.explore(shipped()[0], settings)


@st.cache_data(max_entries=64, show_spinner="Attacking…")
def attack(settings: adversarial.Settings) -> dict:
    source = shipped()[3]
    with heavy_work():
        return adversarial.explore(
            shipped()[0], source["test_images"], source["test_labels"], settings
        )


card = shipped()[1]
st.caption(
    f"Shipped weights: {card['parameter_count']:,} parameters, {card['test_accuracy']:.1%} test "
    f"accuracy on digits 0–4. Every strategy trains a copy; the shipped weights never change."
)

st.header("Few labels: four strategies")
sweep = transfer.Settings(v["seed"], v["learning_rate"], v["finetune_lr_scale"])
progress = st.progress(0.0, "Training 4 strategies × 50 values of k × 3 seeds…")
chunks = []
with shared_wait():  # under load: one wait for the five chunks, not one each
    for i in range(transfer.N_CHUNKS):
        chunks.append(strategy_chunk(sweep, i))
        progress.progress((i + 1) / transfer.N_CHUNKS, f"k ≤ {transfer.K_PER_CHUNK * (i + 1)} done")
progress.empty()
result = transfer.merge_chunks(chunks)
show.figure(plots.plot_accuracy_vs_k(result, v["k"]), "accuracy_vs_k")
left, right = st.columns(2)
with left:
    show.figure(plots.plot_accuracy_at_k(result, v["k"]), "accuracy_at_k")
with right:
    show.figure(plots.plot_training_loss(result, v["k"]), "training_loss")
features = projection(v["seed"], v["k"])
show.figure(plots.plot_feature_pca(features), "feature_pca")
st.caption(plots.pca_summary(features))
show.csv_download("Accuracies as CSV", plots.strategy_columns(result), "transfer_accuracy.csv")
show.file_download(
    "Models trained at this k (seed 0), msgpack",
    functools.partial(transfer.weights_msgpack, result, v["k"]),
    "tl_k.msgpack",
)
show.file_download(
    "Pretrained weights, msgpack", pretrain.WEIGHTS_FILE.read_bytes, pretrain.WEIGHTS_FILE.name
)

st.header("The network's ideal digit")
st.latex(r"x^\star = \arg\max_x\ \log p(c \mid x) - \lambda\,\mathrm{TV}(x)")
look = ideal(ideal_image.Settings(int(v["class_index"]), v["tv_weight"], v["steps"], v["seed"]))
show.figure(plots.plot_ideal_images(look, int(v["class_index"])), "ideal")
left, right = st.columns(2)
with left:
    show.figure(plots.plot_ideal_probabilities(look), "ideal_probabilities")
with right:
    show.figure(plots.plot_ideal_history(look), "ideal_history")

st.header("Adversarial examples")
st.latex(r"x' \leftarrow \Pi_{\lVert x'-x\rVert_\infty\le\varepsilon}\big(x' - \alpha\,"
         r"\mathrm{sign}\,\nabla_{x'}L(x', y_\mathrm{target})\big)")  # fmt: skip
target, eps = int(v["target_class"]), v["epsilon"]
hit = attack(adversarial.Settings(v["image_index"], target, eps, v["attack_steps"]))
show.figure(plots.plot_attack_images(hit, target, eps), "adversarial")
show.figure(plots.plot_attack_probabilities(hit), "attack_probabilities")
show.figure(plots.plot_accuracy_vs_epsilon(hit, eps, v["attack_steps"]), "accuracy_vs_eps")
show.csv_download("Accuracy against ε as CSV", plots.epsilon_columns(hit), "accuracy_vs_eps.csv")

try_this(EXPERIMENTS, P)
