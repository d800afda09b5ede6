"""The optimizer page under AppTest: defaults, shared links, bad links, divergence, slider moves."""

import json

import numpy as np
import pytest

from core import optimizers
from core.optimizers import Settings, explore
from playground.page_specs.optimizers import step_at
from playground.plots.optimizers import gap_to_floor
from tests.conftest import (
    assert_no_exception,
    counted,
    figure_by_title,
    figures,
    run_page,
    title_of,
    warnings_text,
)

PAGE = "optimizers.py"
FIGURE_COUNT = 5  # trajectories, loss, schedule, Hessian table, heatmap


def trace(fig: dict, name: str) -> dict:
    for t in fig["data"]:
        if t.get("name") == name:
            return t
    raise AssertionError(f"no trace named {name!r}: {[t.get('name') for t in fig['data']]}")


def names(fig: dict) -> list[str]:
    return [t.get("name", "") for t in fig["data"]]


def title(fig: dict) -> str:
    return title_of(fig)


def eigenvector_notes(fig: dict) -> list[dict]:
    return [a for a in fig["layout"]["annotations"] if a["text"].startswith("λ")]


def test_eigenvector_lines_point_inward_with_labels_reaching_away_from_their_point():
    at = run_page(PAGE)
    expected = explore(Settings())
    (x0, x1), (y0, y1) = expected.domain
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    reports = expected.curvature
    notes = eigenvector_notes(figure_by_title(at, "Paths on the quadratic bowl"))
    assert len(notes) == 2 * len(reports)  # start and minimum lie far apart on the bowl
    for report, pair in zip(reports, (notes[:2], notes[2:]), strict=True):
        ends = []
        for i, note in enumerate(pair):
            assert note["text"] == f"λ{'₁₂'[i]}"
            assert [note["x"], note["y"]] == pytest.approx(report.point.tolist(), abs=1e-9)
            offset = np.array([note["ax"], note["ay"]]) - report.point  # where the label is
            direction = report.eigenvectors[:, i]
            assert abs(offset @ direction) == pytest.approx(np.linalg.norm(offset), rel=1e-6)
            assert offset @ (centre - report.point) >= 0  # toward the middle of the plot
            assert note["xanchor"] == ("left" if offset[0] >= 0 else "right")
            assert note["yanchor"] == ("bottom" if offset[1] >= 0 else "top")
            ends.append(offset)
        # Neither label on the point's marker, nor on the other label (a 4-unit-wide plot).
        assert min(np.linalg.norm(e) for e in ends) > 0.05 * (x1 - x0)
        assert np.linalg.norm(ends[0] - ends[1]) > 0.1 * (x1 - x0)


def test_a_minimum_found_near_the_start_gets_no_lines_over_the_starts():
    # Rastrigin from (0.3, 0.3): SGD settles in the basin at the origin, 0.42 from the start.
    query = {"opt.surface": "rastrigin", "opt.start_x": "0.3", "opt.start_y": "0.3"}
    at = run_page(PAGE, query)
    expected = explore(Settings(surface="rastrigin", start_x=0.3, start_y=0.3))
    start, found = expected.curvature
    assert np.linalg.norm(found.point - start.point) < 1.0
    notes = eigenvector_notes(figure_by_title(at, "Paths on the Rastrigin"))
    assert len(notes) == 2
    assert all([n["x"], n["y"]] == pytest.approx(start.point.tolist()) for n in notes)


def test_defaults_draw_every_figure_from_the_core_result():
    at = run_page(PAGE)
    assert_no_exception(at)
    assert not warnings_text(at)
    assert len(figures(at)) == FIGURE_COUNT
    expected = explore(Settings())
    contour = figure_by_title(at, "Paths on the quadratic bowl")
    for run in expected.runs:
        path = trace(contour, run.label)
        np.testing.assert_allclose(path["x"], run.path[:, 0], rtol=1e-6)
        np.testing.assert_allclose(path["y"], run.path[:, 1], rtol=1e-6)
    assert trace(contour, "start")["x"] == [-1.5]
    assert trace(contour, "known minima")["x"] == [0.0]
    gap = gap_to_floor(expected.grid_loss, expected.floor)
    levels = np.asarray(contour["data"][0]["z"], dtype=float)  # log₁₀(L − L*), 3 decimals
    np.testing.assert_allclose(levels, np.log10(gap + 1e-6 * gap.max()), atol=5e-4 + 1e-6)
    loss = figure_by_title(at, "Loss against step")
    assert all(len(trace(loss, r.label)["x"]) == 301 for r in expected.runs)
    schedule = figure_by_title(at, "Learning rate")
    np.testing.assert_allclose(trace(schedule, "η_t")["y"], 0.05)
    np.testing.assert_allclose(trace(schedule, "2/λmax at the start")["y"], 0.2, rtol=1e-5)
    heatmap = figure_by_title(at, "final loss after 300 steps")
    assert np.asarray(heatmap["data"][0]["z"], dtype=float).shape == (64, 64)
    assert trace(heatmap, "your setting")["x"] == [0.05]
    assert trace(heatmap, "your setting")["y"] == [0.9]
    table = figure_by_title(at, "Hessian")["data"][0]["cells"]["values"]
    assert table[0] == ["start", "found minimum (SGD)"]
    assert len(at.get("download_button")) == 2


def test_shared_link_reproduces_the_view():
    query = {
        "opt.surface": "rosenbrock",
        "opt.learning_rate": "0.002",
        "opt.optimizers": ["adam", "sgd"],
        "opt.steps": "500",
        "opt.start_x": "-1.2",
        "opt.start_y": "1",
        "opt.sweep": "adam",
        "opt.beta1": "0.8",
        "opt.scrub": "20",  # 20 % of 500 steps
    }
    at = run_page(PAGE, query)
    assert_no_exception(at)
    assert not warnings_text(at)
    expected = explore(
        Settings(
            surface="rosenbrock",
            learning_rate=0.002,
            optimizers=("adam", "sgd"),
            steps=500,
            start_x=-1.2,
            start_y=1.0,
            beta1=0.8,
        )
    )
    contour = figure_by_title(at, "Paths on the Rosenbrock surface — dots at step 100")
    assert [n for n in names(contour) if n in ("SGD", "Adam", "Momentum")] == ["SGD", "Adam"]
    for run in expected.runs:
        np.testing.assert_allclose(trace(contour, run.label)["x"], run.path[:, 0], rtol=1e-6)
        dot = trace(contour, f"{run.label} at step 100")
        np.testing.assert_allclose([dot["x"][0], dot["y"][0]], run.path[100], rtol=1e-6)
    np.testing.assert_allclose(trace(contour, "start")["x"], [-1.2], rtol=1e-6)
    heatmap = figure_by_title(at, "Adam: final loss after 500 steps, η × Adam β₁")
    np.testing.assert_allclose(
        [trace(heatmap, "your setting")["x"][0], trace(heatmap, "your setting")["y"][0]],
        [0.002, 0.8],
    )
    again = figures(run_page(PAGE, query))
    assert json.dumps(again) == json.dumps(figures(at))  # as text, so NaN (diverged) == NaN


def test_garbage_link_values_are_replaced_with_a_note():
    query = {
        "opt.learning_rate": "abc",
        "opt.steps": "999999",
        "opt.surface": "<script>alert(1)</script>",
        "opt.optimizers": ["bogus"],
        "opt.momentum": "nan",
        "opt.start_x": "1e9",
        "opt.scrub": "-5",
        "opt.schedule": "teleport",
        "opt.expression": "x" * 500,
        "opt.seed": "1.5e3",
    }
    at = run_page(PAGE, query)
    assert_no_exception(at)
    notes = warnings_text(at)
    for key in ("learning_rate", "steps", "surface", "optimizers", "momentum", "start_x",
                "scrub", "schedule", "expression"):  # fmt: skip
        assert f"opt.{key}" in notes
    assert len(figures(at)) == FIGURE_COUNT
    assert at.slider(key="opt.steps").value == 5000
    contour = figure_by_title(at, "Paths on the quadratic bowl surface — dots at step 0")
    np.testing.assert_allclose(trace(contour, "start")["x"], [2.0])  # x = 5 moved into [−2, 2]
    assert any("moved into" in i.value for i in at.info)


def test_a_diverging_learning_rate_is_cut_and_labelled():
    query = {"opt.surface": "rosenbrock", "opt.learning_rate": "0.05",
             "opt.optimizers": ["sgd", "adam"]}  # fmt: skip
    at = run_page(PAGE, query)
    assert_no_exception(at)
    contour = figure_by_title(at, "Paths on the")
    diverged = [n for n in names(contour) if n.startswith("SGD — diverged at step ")]
    assert len(diverged) == 1
    assert "Adam" in names(contour)
    sgd = trace(contour, diverged[0])
    assert np.isfinite(np.asarray(sgd["x"], dtype=float)).all()
    loss = figure_by_title(at, "Loss against step")
    labels = [t.get("text", [""])[0] for t in loss["data"] if t.get("text")]
    assert labels and labels[0].startswith("diverged at step")
    heatmap = np.asarray(figure_by_title(at, "final loss")["data"][0]["z"], dtype=float)
    assert np.isnan(heatmap).any() and np.isfinite(heatmap).any()


def test_a_broken_expression_is_explained_and_the_page_still_draws():
    at = run_page(PAGE, {"opt.surface": "custom", "opt.expression": "sin(x) +* (y"})
    assert_no_exception(at)
    assert "Custom surface not used" in at.error[0].value
    assert "^" in at.code[0].value
    assert len(figures(at)) == FIGURE_COUNT
    assert figure_by_title(at, "Paths on the quadratic bowl")


@pytest.mark.parametrize(
    ("text", "message"),
    [("log(x) * y", "log(x) is not finite"), ("__import__('os')", "not allowed")],
)
def test_unsafe_or_non_finite_expressions_are_refused_with_the_reason(text, message):
    at = run_page(PAGE, {"opt.surface": "custom", "opt.expression": text})
    assert_no_exception(at)
    assert message in at.error[0].value
    assert len(figures(at)) == FIGURE_COUNT


def test_a_custom_expression_is_drawn():
    at = run_page(PAGE, {"opt.surface": "custom", "opt.expression": "sin(x)*y + 0.1*(x^2+y^2)"})
    assert_no_exception(at)
    assert not at.error
    assert figure_by_title(at, "Paths on the sin(x)*y + 0.1*(x^2+y^2) surface")


def test_moving_numeric_sliders_compiles_nothing(compile_counter):
    at = run_page(PAGE)
    with compile_counter() as compiles:
        at.select_slider(key="opt.learning_rate").set_value(0.1).run()
        for key, value in [
            ("opt.momentum", 0.5),
            ("opt.beta1", 0.7),
            ("opt.beta2", 0.99),
            ("opt.rho", 0.8),
            ("opt.clip", 1.0),
            ("opt.noise", 0.3),
            ("opt.steps", 1200),
            ("opt.start_x", 0.5),
            ("opt.start_y", -0.5),
            ("opt.condition", 30.0),
            ("opt.rotation", -20.0),
            ("opt.seed", 3),
            ("opt.decay_rate", 0.9),
            ("opt.scrub", 25.0),
        ]:
            at.slider(key=key).set_value(value).run()
        at.selectbox(key="opt.schedule").set_value("cosine").run()
    assert compiles.count == 0
    assert_no_exception(at)
    schedule = trace(figure_by_title(at, "Learning rate"), "η_t")["y"]
    assert len(schedule) == 1200 and schedule[0] == pytest.approx(0.1)
    assert figure_by_title(at, "dots at step 300")  # 25 % of 1200


def test_ticking_an_optimizer_or_moving_a_knob_it_ignores_computes_nothing(monkeypatch):
    computed = []
    for name in ("explore_all", "sweep"):
        real = getattr(optimizers, name)
        monkeypatch.setattr(optimizers, name, counted(real, computed))
    at = run_page(PAGE, {"opt.start_x": "-1.23"})  # a view no other test draws
    at.multiselect(key="opt.optimizers").select("nesterov").run()  # γ is already read
    at.multiselect(key="opt.optimizers").unselect("sgd").run()
    at.slider(key="opt.rho").set_value(0.5).run()  # no RMSProp shown, none swept
    at.slider(key="opt.seed").set_value(77).run()  # no gradient noise
    at.slider(key="opt.decay_every").set_value(40).run()  # constant schedule
    assert_no_exception(at)
    assert len(computed) == 2  # the first render's runs and heatmap, nothing since
    contour = figure_by_title(at, "Paths on the")
    assert "Nesterov" in names(contour) and "SGD" not in names(contour)
    ticked = ("momentum", "nesterov", "adagrad", "adam", "normalised")
    expected = explore(Settings(start_x=-1.23, optimizers=ticked))
    nesterov = next(run for run in expected.runs if run.name == "nesterov")
    np.testing.assert_allclose(trace(contour, "Nesterov")["x"], nesterov.path[:, 0], rtol=1e-6)
    before = len(computed)  # `explore` above went through the counter too
    at.slider(key="opt.momentum").set_value(0.5).run()  # read by the shown momentum runs
    assert [settings.momentum for settings in computed[before:]] == [0.5]  # runs, not heatmap


def test_the_sidebar_names_the_controls_that_change_nothing():
    at = run_page(PAGE)
    note = unused_caption(at)
    for label in ("RMSProp decay ρ", "Noise seed", "Decay factor r", "Custom surface f(x, y)"):
        assert label in note
    assert "Momentum γ" not in note and "Adam β₂" not in note
    at.multiselect(key="opt.optimizers").select("rmsprop").run()
    at.slider(key="opt.noise").set_value(0.5).run()
    assert "RMSProp decay ρ" not in unused_caption(at)
    assert "Noise seed" not in unused_caption(at)


def unused_caption(at) -> str:
    notes = [c.value for c in at.sidebar.caption if c.value.startswith("Not read")]
    assert len(notes) == 1, notes
    return notes[0]


def test_try_this_runs_the_lessons_example():
    at = run_page(PAGE)
    at.button(key="opt._try0").click().run()
    assert_no_exception(at)
    contour = figure_by_title(at, "Paths on the")
    sgd = trace(contour, "SGD")
    k = np.arange(1, 41)
    np.testing.assert_allclose(sgd["x"][1:], 3 * (1 - 0.8**k), atol=1e-5)
    np.testing.assert_allclose(sgd["y"][1:], -2 * (1 - 0.8**k), atol=1e-5)


def test_the_scrubber_spans_the_run_whatever_its_length():
    assert [step_at(p, 300) for p in (0.0, 0.1, 50.0, 99.9, 100.0)] == [0, 0, 150, 300, 300]
    assert [step_at(p, 40) for p in (2.5, 50.0, 100.0)] == [1, 20, 40]
    at = run_page(PAGE)
    assert at.slider(key="opt.scrub").value == 100.0
    assert figure_by_title(at, "dots at step 300")
    at.slider(key="opt.scrub").set_value(50.0).run()
    contour = figure_by_title(at, "dots at step 150")
    sgd = explore(Settings()).runs[0]
    assert trace(contour, f"{sgd.label} at step 150")["x"] == pytest.approx([sgd.path[150, 0]])
