"""Optimizer runs: closed forms, convergence, references, clipping, schedules, sweeps, compiles."""

import dataclasses

import numpy as np
import optax
import pytest

from bench.optimizers import numpy_trajectories, rosenbrock_gradient
from core.optimizers import (
    LABELS,
    MAX_STEPS,
    OPTIMIZERS,
    SCHEDULES,
    SWEEP_STEPS,
    Settings,
    curvature,
    explore,
    explore_all,
    hyper_of,
    learning_rate_at,
    run_trajectories,
    showing,
    sweep,
    sweep_axes,
    sweep_final_loss,
    sweep_settings,
)
from core.surfaces import SURFACES, custom_surface, knobs_of
from tests.core.conftest import assert_same

BOWL = SURFACES["bowl"]
ROSENBROCK = SURFACES["rosenbrock"]
KNOBS = knobs_of(10.0, 30.0)


def run(surface, steps, start, seed=0, **settings):
    """All optimizers (one compiled program per surface), as NumPy (positions, losses)."""
    hyper = hyper_of(Settings(steps=steps, **settings))
    start = np.asarray(start, np.float32)
    result = run_trajectories(
        surface, OPTIMIZERS, hyper, KNOBS, start, np.int32(steps), np.int32(seed)
    )
    return np.asarray(result.positions)[: steps + 1], np.asarray(result.losses)[: steps + 1]


def column(name):
    return OPTIMIZERS.index(name)


def test_lesson_gradient_descent_example_matches_the_closed_form():
    """f = (x1−3)² + (x2+2)² from (0, 0), η = 0.1: after k+1 steps x = (3, −2)(1 − 0.8^(k+1))."""
    lesson = custom_surface("(x-3)^2 + (y+2)^2")
    positions, _ = run(lesson, 60, (0.0, 0.0), learning_rate=0.1)
    sgd = positions[:, column("sgd")]
    k = np.arange(60)
    expected = np.array([3.0, -2.0]) * (1 - 0.8 ** (k + 1))[:, None]
    np.testing.assert_allclose(sgd[1:], expected, atol=1e-5)


# Settings under which each optimizer reaches the minimum (distance tolerance); Rosenbrock
# from the classic start (−1.2, 1) in at most MAX_STEPS steps.
BOWL_CASES = {
    "sgd": {"learning_rate": 0.05},
    "momentum": {"learning_rate": 0.05, "momentum": 0.9},
    "nesterov": {"learning_rate": 0.05, "momentum": 0.9},
    "adagrad": {"learning_rate": 0.5},
    "rmsprop": {"learning_rate": 0.01, "schedule": "cosine"},
    "adam": {"learning_rate": 0.05},
    "normalised": {"learning_rate": 0.05, "schedule": "cosine"},
}
ROSENBROCK_CASES = {
    "sgd": ({"learning_rate": 0.002}, 0.05),
    "momentum": ({"learning_rate": 0.001, "momentum": 0.9}, 1e-3),
    "nesterov": ({"learning_rate": 0.001, "momentum": 0.9}, 1e-3),
    "adagrad": ({"learning_rate": 0.5}, 0.05),
    "rmsprop": ({"learning_rate": 0.005, "schedule": "cosine"}, 0.01),
    "adam": ({"learning_rate": 0.02}, 1e-3),
    "normalised": ({"learning_rate": 0.5, "schedule": "cosine"}, 1e-3),
}


def test_the_tables_cover_every_optimizer():
    assert set(BOWL_CASES) == set(ROSENBROCK_CASES) == set(OPTIMIZERS) == set(LABELS)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_converges_on_an_ill_conditioned_quadratic(name):
    positions, losses = run(BOWL, 2000, (-1.5, 1.5), **BOWL_CASES[name])
    assert np.linalg.norm(positions[-1, column(name)]) < 1e-3
    assert losses[-1, column(name)] < 1e-6


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_reaches_rosenbrocks_minimum(name):
    settings, tolerance = ROSENBROCK_CASES[name]
    positions, _ = run(ROSENBROCK, MAX_STEPS, (-1.2, 1.0), **settings)
    assert np.linalg.norm(positions[-1, column(name)] - 1.0) < tolerance


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_optax_runs_match_a_plain_numpy_implementation(name):
    settings = {"learning_rate": 1e-3, "momentum": 0.8, "beta1": 0.85, "beta2": 0.99, "rho": 0.95}
    positions, _ = run(ROSENBROCK, 200, (-1.2, 1.0), **settings)
    reference = numpy_trajectories([name], rosenbrock_gradient, (-1.2, 1.0), 200, **settings)
    np.testing.assert_allclose(positions[:, column(name)], reference[:, 0], rtol=2e-4, atol=2e-5)


def test_momentum_is_the_lessons_velocity_form():
    """v ← γv − η∇L, w ← w + v (the lesson's formula) equals optax's trace with a constant η."""
    positions, _ = run(BOWL, 50, (-1.5, 1.5), learning_rate=0.05, momentum=0.7)
    w, v = np.array([-1.5, 1.5]), np.zeros(2)
    theta = np.radians(30.0)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    hessian = rotation @ np.diag([1.0, 10.0]) @ rotation.T
    for t in range(50):
        v = 0.7 * v - 0.05 * hessian @ w
        w = w + v
        np.testing.assert_allclose(positions[t + 1, column("momentum")], w, atol=1e-5)


def test_clipping_bounds_every_step_and_is_active():
    eta, theta = 1e-3, 2.0
    positions, _ = run(ROSENBROCK, 300, (-1.5, 2.0), learning_rate=eta, clip=theta)
    steps = np.linalg.norm(np.diff(positions[:, column("sgd")], axis=0), axis=1)
    resolution = 2e-6  # positions are float32 near |w| ≈ 2: differences carry ~1e-7 rounding
    assert steps.max() <= eta * theta + resolution
    assert np.isclose(steps, eta * theta, atol=resolution).sum() > 10  # these were clipped
    unclipped, _ = run(ROSENBROCK, 300, (-1.5, 2.0), learning_rate=eta)
    assert np.linalg.norm(np.diff(unclipped[:, column("sgd")], axis=0), axis=1).max() > eta * theta


@pytest.mark.parametrize("eta", [0.3, 0.01])
def test_normalised_gradient_steps_have_length_exactly_eta(eta):
    positions, _ = run(ROSENBROCK, 200, (-1.5, 2.0), learning_rate=eta)
    steps = np.linalg.norm(np.diff(positions[:, column("normalised")], axis=0), axis=1)
    np.testing.assert_allclose(steps, eta, rtol=1e-4)


def test_normalised_gradient_differs_from_adagrad():
    positions, _ = run(BOWL, 100, (-1.5, 1.5), learning_rate=0.1)
    gap = np.linalg.norm(
        positions[:, column("normalised")] - positions[:, column("adagrad")], axis=1
    )
    assert gap.max() > 0.1


def test_schedules_match_optax():
    eta, rate, every, total = 0.3, 0.9, 7, 150
    settings = Settings(learning_rate=eta, decay_rate=rate, decay_every=every, steps=total)
    references = {
        "constant": optax.constant_schedule(eta),
        "exponential": optax.exponential_decay(eta, every, rate),
        "step": optax.exponential_decay(eta, every, rate, staircase=True),
        "cosine": optax.cosine_decay_schedule(eta, total),
        "warmup": optax.linear_schedule(0.0, eta, every),
    }
    assert set(references) == set(SCHEDULES)
    counts = np.arange(200, dtype=np.int32)
    for name, reference in references.items():
        hyper = hyper_of(dataclasses.replace(settings, schedule=name))
        got = np.asarray(learning_rate_at(counts, hyper))
        expected = np.array([float(reference(int(c))) for c in counts])
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7, err_msg=name)


def test_gradient_noise_is_seeded_and_off_at_zero():
    quiet_a, _ = run(BOWL, 100, (-1.5, 1.5), seed=1, noise=0.0)
    quiet_b, _ = run(BOWL, 100, (-1.5, 1.5), seed=2, noise=0.0)
    noisy_a, _ = run(BOWL, 100, (-1.5, 1.5), seed=1, noise=0.5)
    noisy_again, _ = run(BOWL, 100, (-1.5, 1.5), seed=1, noise=0.5)
    noisy_b, _ = run(BOWL, 100, (-1.5, 1.5), seed=2, noise=0.5)
    np.testing.assert_array_equal(quiet_a, quiet_b)
    np.testing.assert_array_equal(noisy_a, noisy_again)
    assert not np.allclose(noisy_a, noisy_b)
    assert not np.allclose(noisy_a, quiet_a)


def test_noise_has_the_chosen_spread():
    """On a flat surface SGD only follows the noise: w_T − w_0 = −η σ Σ ε_t ~ N(0, η²σ²T)."""
    flat = custom_surface("0*x")
    finals = [run(flat, 400, (0.0, 0.0), seed=s, noise=2.0, learning_rate=0.01)[0][-1, 0]
              for s in range(40)]  # fmt: skip
    spread = np.std(np.concatenate(finals))
    assert spread == pytest.approx(0.01 * 2.0 * np.sqrt(400), rel=0.25)


def test_runs_are_padded_to_max_steps_and_the_step_count_is_honoured():
    result = run_trajectories(
        BOWL, OPTIMIZERS, hyper_of(Settings()), KNOBS, np.zeros(2, np.float32), np.int32(5),
        np.int32(0),
    )  # fmt: skip
    assert result.positions.shape == (MAX_STEPS + 1, len(OPTIMIZERS), 2)
    assert result.losses.shape == (MAX_STEPS + 1, len(OPTIMIZERS))
    short, _ = run(BOWL, 5, (-1.5, 1.5))
    long, _ = run(BOWL, 40, (-1.5, 1.5))
    np.testing.assert_array_equal(short, long[:6])


def test_sweep_cells_equal_single_runs():
    settings = Settings(surface="rosenbrock", start_x=-1.2, start_y=1.0, steps=120, noise=0.3)
    _, lrs, seconds = sweep_axes("momentum")
    grid = sweep_final_loss(
        ROSENBROCK, "momentum", hyper_of(settings), KNOBS, np.asarray([-1.2, 1.0], np.float32),
        np.int32(120), np.int32(settings.seed), lrs, seconds,
    )  # fmt: skip
    grid = np.asarray(grid)
    assert grid.shape == (64, 64)
    for i, j in [(10, 5), (20, 40), (25, 63), (40, 0)]:
        _, losses = run(
            ROSENBROCK, 120, (-1.2, 1.0), learning_rate=float(lrs[i]),
            momentum=float(seconds[j]), noise=0.3,
        )  # fmt: skip
        single = losses[-1, column("momentum")]
        if np.isfinite(grid[i, j]):
            assert grid[i, j] == pytest.approx(single, rel=1e-4, abs=1e-6)
        else:
            assert not np.isfinite(single) or single > 1e3
    assert np.isnan(grid[-1]).all()  # η = 10 diverges for every γ
    assert np.isfinite(grid[:10, :10]).all()  # small η and γ stay finite


def test_bowl_curvature_is_one_and_kappa_and_the_stability_limit_is_two_over_kappa():
    result = explore(Settings(surface="bowl", condition=25.0, rotation=10.0))
    start = result.curvature[0]
    np.testing.assert_allclose(start.eigenvalues, [1.0, 25.0], rtol=1e-5)
    assert start.condition_number == pytest.approx(25.0, rel=1e-5)
    assert start.stable_learning_rate == pytest.approx(2 / 25.0, rel=1e-5)
    theta = np.radians(10.0)
    np.testing.assert_allclose(abs(start.eigenvectors[:, 0] @ [np.cos(theta), np.sin(theta)]), 1.0)


def test_curvature_at_rosenbrocks_minimum_matches_the_closed_form():
    eig = curvature(ROSENBROCK, KNOBS, np.array([[1.0, 1.0]], np.float32))
    expected = np.linalg.eigvalsh(np.array([[802.0, -400.0], [-400.0, 200.0]]))
    np.testing.assert_allclose(np.asarray(eig.eigenvalues[0]), expected, rtol=1e-4)


def test_explore_reports_the_found_minimum_among_shown_runs():
    result = explore(Settings(surface="rosenbrock", learning_rate=0.02, optimizers=("adam",),
                              start_x=-1.2, start_y=1.0, steps=3000))  # fmt: skip
    assert [r.name for r in result.runs] == ["adam"]
    found = result.curvature[1]
    assert "Adam" in found.where
    np.testing.assert_allclose(found.point, [1.0, 1.0], atol=1e-2)
    assert found.condition_number > 1000


def test_a_diverging_run_is_cut_at_its_first_bad_step():
    result = explore(Settings(surface="rosenbrock", learning_rate=0.05, optimizers=("sgd", "adam")))
    sgd, adam = result.runs
    assert sgd.diverged_at is not None and sgd.diverged_at >= 1
    assert len(sgd.path) == sgd.diverged_at
    assert np.isfinite(sgd.path).all() and np.isfinite(sgd.loss).all()
    assert adam.diverged_at is None and len(adam.path) == 301


def test_a_broken_expression_falls_back_to_the_bowl_with_its_message():
    result = explore(Settings(surface="custom", expression="x +* y"))
    assert result.surface == BOWL.label
    assert "not a formula" in result.expression_error
    assert result.expression_pointer.endswith("^")
    assert result.runs and all(len(r.path) == 301 for r in result.runs)


def test_start_is_moved_into_the_domain_with_a_note():
    result = explore(Settings(surface="camel", start_x=-4.0, start_y=0.5))
    np.testing.assert_allclose(result.start, [-2.0, 0.5])
    assert "moved" in result.notes[0]


def test_custom_surface_floor_is_the_lowest_value_seen():
    result = explore(Settings(surface="custom", expression="(x-1)^2 + (y+1)^2 - 3"))
    assert result.floor == pytest.approx(-3.0, abs=0.01)


def test_sweep_settings_ignore_what_the_sweep_overrides():
    a = Settings(learning_rate=0.01, momentum=0.3, optimizers=("sgd",))
    b = Settings(learning_rate=0.2, momentum=0.8, optimizers=("adam",))
    assert sweep_settings(a) == sweep_settings(b)
    assert sweep_settings(a) != sweep_settings(dataclasses.replace(b, beta1=0.5, sweep="adam"))


EVERY_KNOB_MOVED = {
    **{"learning_rate": 0.03, "momentum": 0.7, "beta1": 0.8, "beta2": 0.95, "rho": 0.6},
    **{"clip": 2.0, "decay_rate": 0.9, "decay_every": 25, "steps": 120, "seed": 5},
    **{"condition": 4.0, "rotation": -20.0, "start_x": 1.0, "start_y": -1.0},
    "expression": "x^2 + 3*y^2",
}


@pytest.mark.parametrize(
    "case",
    [
        dict(surface="bowl", optimizers=OPTIMIZERS, schedule="exponential", noise=0.5,
             sweep="adam"),
        dict(surface="rosenbrock", optimizers=("sgd", "adagrad"), schedule="warmup", noise=0.0),
        dict(surface="custom", optimizers=("adam", "rmsprop"), schedule="step", noise=0.3,
             sweep="rmsprop"),
        dict(surface="custom", expression="x +* y", optimizers=("momentum",), schedule="cosine",
             noise=0.0, sweep="nesterov"),
    ],
    ids=["bowl", "rosenbrock", "custom", "rejected expression"],
)  # fmt: skip
def test_the_cache_keys_keep_every_setting_the_shown_runs_read(case):
    # Every knob away from its default: a key that dropped one a shown run reads would give
    # another figure than the full settings.
    moved = Settings(**{**EVERY_KNOB_MOVED, **case})
    cached = showing(explore_all(moved.for_runs()), moved.optimizers)
    assert [run.name for run in cached.runs] == [n for n in OPTIMIZERS if n in moved.optimizers]
    assert_same(shown_part(explore(moved)), shown_part(cached))
    assert_same(sweep(moved), sweep(sweep_settings(moved)))


def test_unread_knobs_and_ticked_optimizers_leave_the_runs_key_alone():
    base = Settings()  # the bowl, a constant schedule, no noise, no RMSProp
    unread = [{"rho": 0.5}, {"seed": 9}, {"decay_rate": 0.6}, {"decay_every": 50},
              {"expression": "x*y"}, {"optimizers": ("sgd",)},
              {"optimizers": OPTIMIZERS}]  # fmt: skip
    for move in unread:
        assert dataclasses.replace(base, **move).for_runs() == base.for_runs(), move
    read = [{"momentum": 0.5}, {"beta2": 0.9}, {"condition": 3.0}, {"noise": 0.1},
            {"schedule": "step"}, {"steps": 20}, {"clip": 1.0}]  # fmt: skip
    for move in read:
        assert dataclasses.replace(base, **move).for_runs() != base.for_runs(), move
    camel = Settings(surface="camel")
    assert dataclasses.replace(camel, condition=3.0, rotation=5.0).for_runs() == camel.for_runs()
    for move in ({"beta1": 0.5}, {"rho": 0.5}, {"seed": 3}):  # the momentum sweep reads none
        assert sweep_settings(dataclasses.replace(base, **move)) == sweep_settings(base), move


OTHER_VALUES = {"momentum": 0.3, "beta1": 0.4, "beta2": 0.9, "rho": 0.2, "decay_rate": 0.7,
                "decay_every": 33, "seed": 8, "expression": "x*y", "condition": 2.0,
                "rotation": 5.0}  # fmt: skip


@pytest.mark.parametrize(
    "settings",
    [Settings(), Settings(optimizers=("rmsprop",), sweep="adam", noise=0.2, schedule="warmup"),
     Settings(surface="beale", optimizers=("nesterov", "adam"), sweep="rmsprop")],
)  # fmt: skip
def test_a_control_called_unused_changes_no_cache_key(settings):
    assert set(OTHER_VALUES) >= settings.unused()
    for name in settings.unused():
        moved = dataclasses.replace(settings, **{name: OTHER_VALUES[name]})
        assert moved.for_runs() == settings.for_runs(), name
        assert sweep_settings(moved) == sweep_settings(settings), name


def test_unused_controls_follow_the_ticked_optimizers_schedule_noise_and_surface():
    assert Settings().unused() == {"expression", "rho", "decay_rate", "decay_every", "seed"}
    ticked = Settings(optimizers=("sgd", "rmsprop"), schedule="step", noise=0.5, surface="custom")
    assert ticked.unused() == {"beta1", "beta2", "momentum"}  # the heatmap sweeps its own γ
    assert Settings(sweep="adam", optimizers=("sgd",)).unused() >= {"momentum", "beta1"}
    assert "beta2" not in Settings(sweep="adam", optimizers=("sgd",)).unused()


def shown_part(result):
    """Everything the page draws: all but the Hessians at the ends of the runs not shown."""
    return dataclasses.replace(result, hessians=None)


def test_sweep_labels_its_second_axis_and_caps_the_steps():
    result = sweep(Settings(sweep="adam", learning_rate=0.05, beta1=0.8, steps=80))
    assert result.field == "beta1" and "β₁" in result.field_label
    assert result.final_loss.shape == (64, 64) and result.steps == 80
    assert sweep(Settings(sweep="rmsprop", steps=4000)).steps == SWEEP_STEPS


SLIDER_MOVES = [
    {"learning_rate": 0.2},
    {"momentum": 0.5},
    {"beta1": 0.5, "beta2": 0.9},
    {"rho": 0.5},
    {"clip": 1.0},
    {"noise": 0.7},
    {"steps": 4321},
    {"start_x": 0.25, "start_y": -0.75},
    {"condition": 3.0, "rotation": -40.0},
    {"seed": 17},
    {"schedule": "cosine", "decay_rate": 0.5, "decay_every": 100},
    {"optimizers": ("adam", "rmsprop")},
]


@pytest.mark.parametrize("surface", ["bowl", "custom"])
def test_moving_any_numeric_setting_compiles_nothing(compile_counter, surface):
    base = Settings(surface=surface)
    explore(base)
    sweep(base)
    with compile_counter() as compiles:
        for move in SLIDER_MOVES:
            moved = dataclasses.replace(base, **move)
            explore(moved)
            sweep(moved)
    assert compiles.count == 0
