"""The overfitting page under AppTest: defaults, shared links, bad links, slider moves."""

import numpy as np

from core import overfitting
from core.overfitting import OverfitSettings, explore
from tests.conftest import (
    assert_no_exception,
    counted,
    figure_by_title,
    figures,
    run_page,
    warnings_text,
)

PAGE = "overfitting.py"


def trace(fig: dict, name_fragment: str) -> dict:
    for t in fig["data"]:
        if name_fragment in t.get("name", ""):
            return t
    raise AssertionError(
        f"no trace named like {name_fragment!r}: {[t.get('name') for t in fig['data']]}"
    )


def test_defaults_draw_every_figure_from_the_core_result():
    at = run_page(PAGE)
    assert_no_exception(at)
    assert len(figures(at)) == 4
    expected = explore(OverfitSettings())
    u_curve = figure_by_title(at, "against degree")
    np.testing.assert_allclose(trace(u_curve, "validation")["y"], expected.val_mse, rtol=1e-5)
    fit = figure_by_title(at, "Data and fit")
    assert len(trace(fit, "training points")["x"]) == 20
    assert not warnings_text(at)
    assert figure_by_title(at, "Bias²")
    assert figure_by_title(at, "Double descent")


def test_shared_link_reproduces_the_view():
    query = {"fit.degree": "7", "fit.n_train": "30", "fit.seed": "5", "fit.truth": "runge"}
    at = run_page(PAGE, query)
    assert_no_exception(at)
    assert at.slider(key="fit.degree").value == 7
    expected = explore(OverfitSettings(degree=7, n_train=30, seed=5, truth="runge"))
    fit = figure_by_title(at, "Data and fit")
    assert len(trace(fit, "training points")["x"]) == 30
    np.testing.assert_allclose(trace(fit, "degree 7")["y"], expected.fits_on_grid[7], rtol=1e-5)
    again = run_page(PAGE, query)
    assert figures(again) == figures(at)


def test_garbage_link_values_are_replaced_with_a_note():
    query = {
        "fit.degree": "99",
        "fit.noise": "abc",
        "fit.truth": "<b>x</b>",
        "fit.n_train": "-4",
        "fit.ridge": "nan",
        "fit.learning_rate": "1e99",
        "fit.mode": "teleport",
    }
    at = run_page(PAGE, query)
    assert_no_exception(at)
    notes = warnings_text(at)
    for key in ("fit.degree", "fit.noise", "fit.truth", "fit.n_train", "fit.ridge"):
        assert key in notes
    assert at.slider(key="fit.degree").value == 20
    assert at.slider(key="fit.n_train").value == 2
    assert len(figures(at)) == 4


def test_lesson_preset_compares_a_line_with_seven_parameters():
    at = run_page(PAGE, {"fit.preset": "lesson", "fit.degree": "6"})
    assert_no_exception(at)
    fit = figure_by_title(at, "Data and fit")
    assert trace(fit, "line (2 parameters)")
    assert trace(fit, "7 parameters")
    assert any("Bias and variance need the true function" in i.value for i in at.info)


def test_diverging_learning_rate_is_reported_not_drawn_blank():
    at = run_page(
        PAGE,
        {
            "fit.mode": "gradient descent",
            "fit.optimizer": "sgd",
            "fit.learning_rate": "10",
            "fit.degree": "10",
        },
    )
    assert_no_exception(at)
    assert any("diverged at step" in e.value for e in at.error)
    curve = figure_by_title(at, "diverged at step")
    assert len(trace(curve, "training loss")["y"]) >= 1


def test_gradient_descent_mode_marks_early_stopping():
    at = run_page(
        PAGE,
        {
            "fit.mode": "gradient descent",
            "fit.degree": "15",
            "fit.n_train": "15",
            "fit.epochs": "2000",
        },
    )
    assert_no_exception(at)
    curve = figure_by_title(at, "loss per epoch")
    star = trace(curve, "early stopping")
    val = trace(curve, "validation loss")
    # float32 curves travel as the shortest decimal that reads back as the same float32.
    assert np.float32(star["y"][0]) == np.float32(min(val["y"]))


def test_a_degree_move_draws_that_degree_without_computing(monkeypatch):
    computed = []
    for name in ("explore", "explore_double_descent"):
        real = getattr(overfitting, name)
        monkeypatch.setattr(overfitting, name, counted(real, computed))
    at = run_page(PAGE, {"fit.seed": "812", "fit.noise": "0.37"})  # a view no other test draws
    at.slider(key="fit.degree").set_value(12).run()
    at.select_slider(key="fit.learning_rate").set_value(0.5).run()  # closed form: not read
    at.slider(key="fit.epochs").set_value(30).run()
    assert_no_exception(at)
    assert len(computed) == 2  # the first render's sweep and double descent, nothing since
    expected = explore(OverfitSettings(seed=812, noise=0.37))
    fit = figure_by_title(at, "Data and fit")
    np.testing.assert_allclose(trace(fit, "degree 12")["y"], expected.fits_on_grid[12], rtol=1e-5)
    assert "**12**" in " ".join(m.value for m in at.markdown)


def test_moving_sliders_compiles_nothing(compile_counter):
    at = run_page(PAGE)
    at.selectbox(key="fit.mode").set_value("gradient descent").run()
    with compile_counter() as compiles:
        for key, value in [
            ("fit.degree", 9),
            ("fit.n_train", 120),
            ("fit.noise", 0.5),
            ("fit.seed", 3),
            ("fit.n_resamples", 1000),
            ("fit.epochs", 1500),
        ]:
            at.slider(key=key).set_value(value).run()
            assert_no_exception(at)
        at.select_slider(key="fit.ridge").set_value(0.01).run()
        at.select_slider(key="fit.learning_rate").set_value(0.01).run()
    assert compiles.count == 0


def test_try_this_button_sets_the_controls():
    at = run_page(PAGE)
    at.button(key="fit._try0").click().run()
    assert_no_exception(at)
    assert at.selectbox(key="fit.preset").value == "lesson"
    assert at.slider(key="fit.degree").value == 6


def test_csv_export_is_offered():
    at = run_page(PAGE)
    assert at.get("download_button")
