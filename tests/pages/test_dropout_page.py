"""The dropout page under AppTest: defaults, a shared link, absurd links, instant sliders."""

import dataclasses
import threading

import numpy as np
import pytest

from core import dropout_training as dt
from playground.plots import dropout as plots
from tests.conftest import (
    assert_no_exception,
    figure_by_title,
    figures,
    run_page,
    title_of,
    warnings_text,
)

# A quick configuration reached through a link; its programs compile once for the whole file.
SMALL_LINK = {
    "drop.dataset": "moons",
    "drop.width": "16",
    "drop.epochs": "10",
    "drop.rates": ["0", "0.5"],
    "drop.seeds": "2",
    "drop.noise": "0.2",
    "drop.label_noise": "0.1",
    "drop.lr": "0.01",
}
SMALL = dt.Settings(
    dataset="moons", width=16, epochs=10, rates=(0.0, 0.5), seeds=2, noise=0.2, label_noise=0.1,
    lr=0.01,
)  # fmt: skip


def _trace_names(fig: dict) -> list[str]:
    return [t.get("name", "") for t in fig["data"]]


def _x(fig: dict, trace: int = 0) -> list[float]:
    return np.round(np.asarray(fig["data"][trace]["x"], np.float64), 6).tolist()


@pytest.fixture(scope="module")
def small_page():
    at = run_page("dropout.py", SMALL_LINK)
    assert_no_exception(at)
    return at


def test_defaults_show_the_reference_case():
    at = run_page("dropout.py")
    assert_no_exception(at)
    assert warnings_text(at) == ""
    gap_fig = figure_by_title(at, "Generalization gap")
    assert _x(gap_fig) == [0.0, 0.2, 0.5, 0.8]
    gap = dict(
        zip(_trace_names(gap_fig), (np.asarray(t["y"]) for t in gap_fig["data"]), strict=True)
    )
    gaps = gap["gap = train (off) − validation"]
    assert gaps[2] < gaps[0]  # p = 0.5 generalises better than p = 0 on noisy digits
    train_on = gap["train, dropout on"]
    assert train_on[3] < train_on[2] < train_on[0]
    names = _trace_names(figure_by_title(at, "Accuracy per epoch"))
    for rate in ("0", "0.2", "0.5", "0.8"):
        assert f"p = {rate} · validation" in names and f"p = {rate} · train, dropout on" in names
    confusion = figure_by_title(at, "Confusion matrix, p = 0.5")
    assert np.asarray(confusion["data"][0]["z"]).shape == (10, 10)
    assert figure_by_title(at, "uncertainty on validation examples")
    assert not any("Decision boundary" in title_of(f) for f in figures(at))


def test_a_class_opening_one_link_trains_its_sweep_once(monkeypatch, long_lane_full):
    trainings = []

    def counted(settings):
        trainings.append(settings)
        yield from real_training(settings)

    real_training = dt.train_in_chunks
    monkeypatch.setattr(dt, "train_in_chunks", counted)
    link = {**SMALL_LINK, "drop.seed": "4321"}  # a sweep no other test has stored
    pages = [None] * 3

    def open_link(learner: int) -> None:
        pages[learner] = run_page("dropout.py", link)

    learners = [threading.Thread(target=open_link, args=(i,)) for i in range(len(pages))]
    for learner in learners:
        learner.start()
    learners[0].join(timeout=0.5)  # all three are now waiting for the long lane
    long_lane_full.set()  # someone else's training ends
    for learner in learners:
        learner.join(timeout=120)

    assert len(trainings) == 1
    for at in pages:
        assert_no_exception(at)
        assert figure_by_title(at, "Generalization gap") == figure_by_title(
            pages[0], "Generalization gap"
        )


def test_shared_link_reproduces_its_settings(small_page):
    at = small_page
    assert warnings_text(at) == ""
    assert _x(figure_by_title(at, "Generalization gap")) == [0.0, 0.5]
    accuracy = figure_by_title(at, "Accuracy per epoch")
    assert max(_x(accuracy, 1)) == 10
    boundaries = figure_by_title(at, "Decision boundary")
    heatmaps = [t for t in boundaries["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == 2 and np.asarray(heatmaps[0]["z"]).shape == (dt.GRID_SIZE,) * 2
    assert figure_by_title(at, "MC-dropout uncertainty, p = 0.5")
    assert np.asarray(figure_by_title(at, "Confusion matrix")["data"][0]["z"]).shape == (2, 2)
    # The page trained exactly what the core trains for these settings.
    expected = dt.explore(SMALL)
    shown = np.asarray(figure_by_title(at, "Generalization gap")["data"][2]["y"])
    np.testing.assert_allclose(shown, expected.history["val_acc"][..., -1].mean(axis=1), atol=1e-6)


def test_absurd_link_values_are_replaced_with_a_note():
    at = run_page(
        "dropout.py",
        {
            **SMALL_LINK,
            "drop.epochs": "10000",
            "drop.lr": "-3",
            "drop.rates": ["0", "0.5", "7"],
            "drop.n_train": "-5",
            "drop.val_share": "nan",
            "drop.label_noise": "1e9",
            "drop.inspect": "banana",
        },
    )
    assert_no_exception(at)
    notes = warnings_text(at)
    for key in ("drop.epochs", "drop.lr", "drop.rates", "drop.n_train", "drop.val_share"):
        assert key in notes
    assert "10000 is outside 10–500" in notes
    accuracy = figure_by_title(at, "Accuracy per epoch")
    assert max(_x(accuracy, 1)) == dt.MAX_EPOCHS
    assert _x(figure_by_title(at, "Generalization gap")) == [0.0, 0.5]


def test_moving_numeric_sliders_compiles_nothing(small_page, compile_counter):
    at = small_page
    with compile_counter() as compiles:
        at.select_slider(key="drop.lr").set_value(0.00316).run()
        at.slider(key="drop.label_noise").set_value(0.3).run()
        at.slider(key="drop.seed").set_value(42).run()
        at.slider(key="drop.n_train").set_value(200).run()
        at.slider(key="drop.l2").set_value(0.002).run()
        at.slider(key="drop.noise").set_value(0.35).run()
        at.slider(key="drop.val_share").set_value(0.5).run()
        at.multiselect(key="drop.rates").set_value(["0.2", "0.8"]).run()
        at.slider(key="drop.epochs").set_value(20).run()
        at.multiselect(key="drop.rates").set_value(["0", "0.2", "0.8"]).run()
        at.slider(key="drop.seeds").set_value(4).run()
    assert_no_exception(at)
    assert compiles.count == 0
    assert _x(figure_by_title(at, "Generalization gap")) == [0.0, 0.2, 0.8]


def test_inspecting_another_rate_and_train_view_only_redraw():
    at = run_page("dropout.py", SMALL_LINK)
    at.selectbox(key="drop.inspect").set_value("0").run()
    assert figure_by_title(at, "Confusion matrix, p = 0 ")
    assert figure_by_title(at, "MC-dropout uncertainty, p = 0")
    at.toggle(key="drop.train_off").set_value(True).run()
    assert "p = 0 · train, dropout off" in _trace_names(figure_by_title(at, "Loss per epoch"))
    at.selectbox(key="drop.inspect").set_value("0.8").run()
    assert "was not trained" in " ".join(c.value for c in at.caption)


def test_weights_and_metrics_downloads_are_offered(small_page):
    labels = [b.proto.label for b in small_page.get("download_button")]
    assert any("Metrics" in label for label in labels)
    assert any("Weights of the p = " in label and "msgpack" in label for label in labels)


def test_diverged_runs_are_labelled_in_the_curves():
    result = dt.explore(dataclasses.replace(SMALL, lr=1e30))
    names = " ".join(_trace_names(plots.curves(result, "loss").to_dict()))
    assert "diverged at epoch" in names


def test_try_this_button_sets_the_controls_and_retrains():
    at = run_page("dropout.py")
    at.button(key="drop._try0").click().run()  # "Clean labels"
    assert_no_exception(at)
    assert at.slider(key="drop.label_noise").value == 0.0
    train_off = dict(
        zip(
            _trace_names(figure_by_title(at, "Generalization gap")),
            (t["y"] for t in figure_by_title(at, "Generalization gap")["data"]),
            strict=True,
        )
    )["train, dropout off"]
    assert min(train_off[:3]) > 0.95  # clean labels: p ≤ 0.5 fits the whole training set
