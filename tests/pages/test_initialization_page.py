"""The Initialization page under AppTest: defaults, a shared link, absurd links, compile counts."""

import base64
import re

import numpy as np
import pytest

from core import deep_signal
from core.compile_counter import count_compiles
from core.deep_signal import train_seed
from playground import compute
from tests.conftest import (
    assert_no_exception,
    figure_by_title,
    figures,
    run_page,
    title_of,
    warnings_text,
)

PAGE = "initialization.py"
TITLES = (
    "Layer-1 weights",
    "Activation distribution per layer",
    "Pre-activation std per layer",
    "Gradient norm per layer",
    "Dead / saturated units per layer",
    "Training loss on 8×8 digits",
)


def values(data: dict, key: str) -> np.ndarray:
    """A trace's array, whether plotly wrote it as a list or as typed base64 ({dtype, bdata})."""
    raw = data[key]
    if isinstance(raw, dict):
        flat = np.frombuffer(base64.b64decode(raw["bdata"]), dtype=np.dtype(raw["dtype"]))
        shape = raw.get("shape")
        return flat.reshape([int(n) for n in str(shape).split(",")]) if shape else flat
    return np.asarray(raw, dtype=float)


def trace(fig: dict, name: str) -> dict:
    return next(d for d in fig["data"] if d.get("name", "").startswith(name))


@pytest.fixture(scope="module")
def default_page():
    return run_page(PAGE)


def test_defaults_draw_every_figure_with_real_numbers(default_page):
    at = default_page
    assert_no_exception(at)
    assert len(figures(at)) == len(TITLES)
    std = figure_by_title(at, "Pre-activation std per layer")
    measured, theory = values(trace(std, "measured"), "y"), values(trace(std, "theory"), "y")
    assert measured.shape == theory.shape == (20,)  # default depth
    # Default N(0, 1), tanh, n = 256: layer 1 has std √256 = 16, then tanh saturates.
    assert measured[0] == pytest.approx(16.0, rel=0.05)
    assert theory[0] == pytest.approx(16.0, rel=1e-6)
    dead = figure_by_title(at, "saturated (|tanh| > 0.99)")
    assert values(trace(dead, "unit × example"), "y").min() > 0.8
    curves = figure_by_title(at, "Training loss")
    named = {d["name"]: d for d in curves["data"] if d.get("name")}
    assert list(named) == ["N(0, 1)", "“gaussian” N(0, 1/n)", "Xavier/Glorot normal", "He normal"]
    he = values(named["He normal"], "y")
    assert he.shape == (200,) and he[-20:].mean() < 0.5 * he[:5].mean()
    accuracy = dict(re.findall(r"(He normal|“gaussian” N\(0, 1/n\)) (\d+)%", accuracy_caption(at)))
    assert int(accuracy["He normal"]) >= 90  # core's race reaches > 0.9 with He + tanh
    assert int(accuracy["“gaussian” N(0, 1/n)"]) < int(accuracy["He normal"])
    assert len(at.get("download_button")) == 3


def accuracy_caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Accuracy on all"))


def test_a_diverged_scheme_gets_no_accuracy():
    at = run_page(PAGE, {"init.activation": "relu", "init.seed": "1"})  # core's diverging race
    assert_no_exception(at)
    caption = accuracy_caption(at)
    assert "N(0, 1) diverged" in caption and re.search(r"He normal \d+%", caption)


def test_shared_link_reproduces_its_settings():
    query = {
        "init.scheme": "he_normal",
        "init.activation": "relu",
        "init.depth": "12",
        "init.width": "64",
        "init.seed": "3",
        "init.train_schemes": ["xavier_uniform", "orthogonal"],
    }
    at = run_page(PAGE, query)
    assert_no_exception(at)
    assert not warnings_text(at)
    figure_by_title(at, "Layer-1 weights of He normal")
    figure_by_title(at, "Activation distribution per layer (relu)")
    std = figure_by_title(at, "Pre-activation std per layer")
    assert values(trace(std, "measured"), "x").tolist() == list(range(1, 13))
    assert values(trace(std, "theory"), "y") == pytest.approx(np.full(12, np.sqrt(2)), rel=1e-4)
    heatmap = figure_by_title(at, "Activation distribution")["data"][0]
    assert values(heatmap, "z").shape[0] == 12
    curves = figure_by_title(at, "Training loss")
    named = [d["name"] for d in curves["data"] if d.get("name")]
    assert named == ["Xavier/Glorot uniform", "Orthogonal"]


def test_absurd_link_values_are_replaced_with_a_note():
    query = {
        "init.depth": "9999",
        "init.width": "abc",
        "init.scheme": "nope",
        "init.gain": "-5",
        "init.batch_norm": "maybe",
        "init.seed": "1e400",
        "init.train_schemes": ["zzz"],
    }
    at = run_page(PAGE, query)
    assert_no_exception(at)
    notes = warnings_text(at)
    for key in ("init.depth", "init.width", "init.scheme", "init.gain", "init.batch_norm"):
        assert key in notes
    assert len(figures(at)) == len(TITLES)
    std = figure_by_title(at, "Pre-activation std per layer")
    assert len(values(trace(std, "measured"), "x")) == 50  # clamped to the maximum depth


def test_a_try_this_button_sets_the_controls(default_page):
    at = default_page
    at.button(key="init._try0").click().run()  # "N(0, 1) explodes": linear, 50 × 512
    assert_no_exception(at)
    assert "overflowed" in " ".join(info.value for info in at.info)
    std = figure_by_title(at, "Pre-activation std per layer")
    measured = values(trace(std, "measured"), "y")
    assert measured[1] / measured[0] == pytest.approx(np.sqrt(512), rel=0.1)
    curves = figure_by_title(at, "Training loss")  # linear N(0, 1) logits blow SGD up
    assert any(d.get("name", "").startswith("N(0, 1) (diverged at step") for d in curves["data"])


def test_a_one_step_seed_move_trains_only_the_new_seed(monkeypatch):
    # An activation besides the seed: a fuzzed link is then very unlikely to have cached these.
    at = run_page(PAGE, {"init.seed": "500", "init.activation": "selu"})
    trained = []
    monkeypatch.setattr(deep_signal, "train_seed", lambda s: trained.append(s.seed) or (
        train_seed(s)))  # fmt: skip
    before = compute.stats()["completed"]
    at.slider(key="init.seed").set_value(501).run()
    assert_no_exception(at)
    assert trained == [504]
    assert compute.stats()["completed"] - before == 2  # the signal and the race: one slot each
    assert any("seeds 501–504" in caption.value for caption in at.caption)
    curves = figure_by_title(at, "Training loss on 8×8 digits")
    assert "over 4 seeds" in title_of(curves)


def test_ticking_a_scheme_to_train_retrains_without_redrawing_the_signal(monkeypatch):
    at = run_page(PAGE, {"init.seed": "612", "init.activation": "gelu"})  # drawn by no other test
    propagated = []
    real_explore = deep_signal.explore
    monkeypatch.setattr(deep_signal, "explore", lambda s, unit=None: propagated.append(s) or (
        real_explore(s, unit)))  # fmt: skip
    at.multiselect(key="init.train_schemes").set_value(["normal", "orthogonal"]).run()
    assert_no_exception(at)
    assert propagated == []
    curves = figure_by_title(at, "Training loss on 8×8 digits")
    assert any("rthogonal" in (t.get("name") or "") for t in curves["data"])


def test_moving_sliders_after_the_first_render_compiles_nothing():
    at = run_page(PAGE)
    with count_compiles() as counter:
        at.slider(key="init.depth").set_value(37).run()
        at.slider(key="init.width").set_value(96).run()
        at.select_slider(key="init.gain").set_value(0.1).run()
        at.slider(key="init.seed").set_value(11).run()
        at.toggle(key="init.batch_norm").set_value(True).run()
    assert_no_exception(at)
    assert counter.count == 0
    std = figure_by_title(at, "Pre-activation std per layer")
    assert values(trace(std, "measured"), "y") == pytest.approx(np.ones(37), abs=0.01)
