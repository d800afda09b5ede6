"""The transfer page under AppTest: defaults, a shared link, absurd link values, slider moves
that compile nothing, and the figures' numbers against the core."""

import numpy as np
import pytest

from core import adversarial, ideal_image, pretrain, transfer
from tests.conftest import (
    assert_no_exception,
    figure_by_title,
    figures,
    run_page,
    title_of,
    warnings_text,
)

PAGE = "transfer.py"
FIGURE_COUNT = 10


@pytest.fixture(scope="module", autouse=True)
def compiled():
    """Compiles every program once, outside AppTest's time limit (jit caches are per process)."""
    params = pretrain.load()[0]
    source = pretrain.source_data()
    transfer.compare_chunk(params, transfer.target_data(), transfer.Settings(), 0)
    transfer.feature_projection(params, 0, 5)
    ideal_image.explore(params, ideal_image.Settings())
    adversarial.explore(
        params, source["test_images"], source["test_labels"], adversarial.Settings()
    )


@pytest.fixture(scope="module")
def default_page():
    return run_page(PAGE)


def trace(fig: dict, name: str) -> dict:
    for t in fig["data"]:
        if t.get("name") == name:
            return t
    raise AssertionError(f"no trace {name!r} in {[t.get('name') for t in fig['data']]}")


def vline_x(fig: dict) -> float:
    return next(s["x0"] for s in fig["layout"]["shapes"] if s["x0"] == s["x1"])


def test_defaults_draw_every_figure(default_page):
    at = default_page
    assert_no_exception(at)
    assert not warnings_text(at)
    assert len(figures(at)) == FIGURE_COUNT
    curve = figure_by_title(at, "against labelled examples per class")
    bars = figure_by_title(at, "Test accuracy at k = 5")
    means = bars["data"][0]["x"]
    for i, name in enumerate(transfer.STRATEGIES):
        line = trace(curve, name)
        assert line["x"] == list(range(1, 51))
        assert all(0.0 <= y <= 1.0 for y in line["y"])
        assert line["y"][4] == pytest.approx(means[i])
    assert vline_x(curve) == 5
    assert len(at.get("download_button")) == 4  # two CSVs, trained and pretrained weights


def test_feature_space_caption_gives_each_panels_numbers(default_page):
    projection = transfer.feature_projection(pretrain.load()[0], 0, 5)
    caption = next(c.value for c in default_page.caption if c.value.startswith("Pretrained"))
    for name in ("pretrained", "random"):
        kept = f"{projection[f'{name}_variance'].sum():.0%} of the variance"
        separation = f"class separation {projection[f'{name}_separation']:.2f}"
        assert f"{name.capitalize()} network: PC1 + PC2 keep {kept}, {separation}" in caption
    assert (
        figure_by_title(default_page, "feature space (PCA)")["layout"]["annotations"][0]["text"]
        == "pretrained"
    )


def test_default_ideal_image_and_attack_are_the_core_results(default_page):
    params = pretrain.load()[0]
    look = ideal_image.explore(params, ideal_image.Settings(class_index=3))
    ideal = figure_by_title(default_page, "Ideal image of digit 3 after 300 steps")
    np.testing.assert_allclose(ideal["data"][1]["z"], look["images"][0], atol=1e-6)
    np.testing.assert_allclose(ideal["data"][2]["z"], look["images"][1], atol=1e-6)
    source = pretrain.source_data()
    expected = adversarial.explore(
        params, source["test_images"], source["test_labels"], adversarial.Settings()
    )
    curves = figure_by_title(default_page, "Accuracy against ε")
    np.testing.assert_allclose(trace(curves, "accuracy under PGD")["y"], expected["pgd_accuracy"])
    assert vline_x(curves) == pytest.approx(0.1)
    bars = figure_by_title(default_page, "before and after the attack")
    np.testing.assert_allclose(bars["data"][2]["y"], expected["probabilities"][2], rtol=1e-5)


def test_a_shared_link_reproduces_the_view():
    query = {
        "tl.k": "12",
        "tl.class_index": "1",
        "tl.tv_weight": "0.1",
        "tl.steps": "50",
        "tl.image_index": "42",
        "tl.target_class": "4",
        "tl.epsilon": "0.2",
        "tl.attack_steps": "20",
    }
    at = run_page(PAGE, query)
    assert_no_exception(at)
    assert not warnings_text(at)
    assert vline_x(figure_by_title(at, "against labelled examples per class")) == 12
    figure_by_title(at, "Test accuracy at k = 12")
    ideal = figure_by_title(at, "Ideal image of digit 1 after 50 steps")
    assert len(figure_by_title(at, "Objective per step")["data"][0]["x"]) == 50
    look = ideal_image.explore(pretrain.load()[0], ideal_image.Settings(1, 0.1, 50, 0))
    np.testing.assert_allclose(ideal["data"][1]["z"], look["images"][0], atol=1e-6)
    attack = figure_by_title(at, "Targeted attack towards digit 4 with ε = 0.2")
    assert max(abs(v) for row in attack["data"][3]["z"] for v in row) <= 0.2 + 1e-6
    assert "PGD: 20 steps" in title_of(figure_by_title(at, "Accuracy against ε"))


def test_absurd_link_values_are_replaced_with_a_note():
    query = {
        "tl.k": "9999",
        "tl.epsilon": "banana",
        "tl.class_index": "7",
        "tl.steps": "-5",
        "tl.tv_weight": "0",
        "tl.learning_rate": "nan",
    }
    at = run_page(PAGE, query)
    assert_no_exception(at)
    notes = warnings_text(at)
    for key in ("tl.k", "tl.epsilon", "tl.class_index", "tl.steps", "tl.tv_weight"):
        assert key in notes
    assert len(figures(at)) == FIGURE_COUNT
    figure_by_title(at, "Test accuracy at k = 50")
    figure_by_title(at, "Ideal image of digit 3 after 1 steps")
    assert vline_x(figure_by_title(at, "Accuracy against ε")) == pytest.approx(0.1)


def test_moving_sliders_compiles_nothing(default_page, compile_counter):
    at = default_page
    with compile_counter() as compiles:
        at.slider(key="tl.k").set_value(30).run()
        at.slider(key="tl.epsilon").set_value(0.25).run()
        at.select_slider(key="tl.tv_weight").set_value(0.1).run()
        at.slider(key="tl.steps").set_value(120).run()
        at.slider(key="tl.attack_steps").set_value(40).run()
        at.slider(key="tl.image_index").set_value(99).run()
        at.slider(key="tl.seed").set_value(5).run()
    assert_no_exception(at)
    assert compiles.count == 0
    figure_by_title(at, "Test accuracy at k = 30")
