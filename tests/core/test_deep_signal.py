"""Signal propagation: the lesson's claims, the variance recursion, masking, compile counts, and
the training race."""

import dataclasses
import functools

import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from core.activations import ACTIVATIONS
from core.compile_counter import count_compiles
from core.deep_signal import (
    BATCH,
    INPUT_TAG,
    MAX_WIDTH,
    READOUT_TAG,
    SCHEME_NAMES,
    TRAIN_STEPS,
    WIDTH_BUCKETS,
    Settings,
    _cut_non_finite,
    _propagate,
    batch_norm,
    compare_training,
    digits,
    draw_width,
    explore,
    init_runs,
    sample_unit_weights,
    train_one,
    train_runs,
    train_seed,
    training_seeds,
    variance_recursion,
    weights_msgpack,
    width_bucket,
)
from core.initializers import SCHEMES
from tests.core.fresh_python import run_python

DEEP = Settings(scheme="he_normal", activation="relu", depth=50, width=512)


def run(**changes) -> object:
    return explore(dataclasses.replace(DEEP, **changes))


@functools.cache
def he_relu_over_seeds() -> np.ndarray:
    return np.stack([run(seed=seed).z_std for seed in range(8)])


# The lesson's claims ----------------------------------------------------------------------------


@pytest.mark.parametrize("width", [16, 64, 256])
def test_with_unit_normal_weights_the_first_layer_std_is_sqrt_n(width):
    result = run(scheme="normal", width=width, depth=1)
    assert result.first_layer_expected == pytest.approx(np.sqrt(width))
    assert result.first_layer_std == pytest.approx(np.sqrt(width), rel=0.05)


def test_he_relu_keeps_the_std_within_a_factor_2_over_50_layers():
    ratios = he_relu_over_seeds() / he_relu_over_seeds()[:, :1]
    typical = np.median(ratios, axis=0)  # finite width makes each seed wander (see docstring)
    assert np.all((typical > 0.5) & (typical < 2.0)), typical
    assert np.all((ratios > 0.25) & (ratios < 4.0))


def test_unit_normal_explodes_and_small_normal_vanishes_over_50_layers():
    exploding = run(scheme="normal")
    assert any("overflowed" in note for note in exploding.notes)
    finite = exploding.z_std[np.isfinite(exploding.z_std)]
    assert finite[-1] / finite[0] > 1e20
    np.testing.assert_allclose(finite[1:] / finite[:-1], 16.0, rtol=0.25)  # √(512 / 2) per layer
    vanishing = run(scheme="normal", gain=0.01)
    last = vanishing.z_std[np.isfinite(vanishing.z_std)][-1]
    assert last / vanishing.z_std[0] < 1e-20 or any("exactly 0" in n for n in vanishing.notes)


@pytest.mark.parametrize("gain", [0.01, 1.0, 10.0])
def test_batch_norm_restores_unit_variance_in_every_layer(gain):
    result = run(scheme="normal", gain=gain, batch_norm=True)
    np.testing.assert_allclose(result.z_std, 1.0, atol=2e-3)
    assert not result.notes


def test_linear_std_follows_the_variance_recursion():
    result = run(scheme="inv_sqrt_n", activation="linear", gain=1.2, depth=30)
    np.testing.assert_allclose(result.z_theory, 1.2 ** np.arange(1, 31), rtol=1e-9)
    log_error = np.abs(np.log(result.z_std / result.z_theory))
    assert log_error[0] < 0.01 and log_error.max() < 0.25
    grad_error = np.abs(np.log(result.grad_norm / result.grad_theory))
    assert grad_error.max() < 0.5


def test_he_relu_theory_is_flat_and_measured_median_follows_it():
    theory = run().z_theory
    np.testing.assert_allclose(theory, np.sqrt(2.0), rtol=1e-4)
    median = np.median(he_relu_over_seeds(), axis=0)
    assert np.abs(np.log(median / theory)).max() < 0.7


# The theory ---------------------------------------------------------------------------------------


def test_recursion_closed_forms_for_linear_and_relu():
    n, var = 100, 0.03
    z, grad = variance_recursion(ACTIVATIONS["linear"], var, n, 6, False)
    np.testing.assert_allclose(z**2, (n * var) ** np.arange(1, 7), rtol=1e-9)
    np.testing.assert_allclose(grad**2, n * (n * var) ** np.arange(5, -1, -1), rtol=1e-9)
    z, grad = variance_recursion(ACTIVATIONS["relu"], var, n, 6, False)
    np.testing.assert_allclose(z**2, n * var * (n * var / 2) ** np.arange(6), rtol=1e-4)
    np.testing.assert_allclose(grad**2, n * 0.5 * (n * var / 2) ** np.arange(5, -1, -1), rtol=1e-4)


def test_recursion_for_tanh_near_zero_is_the_linear_one_and_saturates_far_from_it():
    small, _ = variance_recursion(ACTIVATIONS["tanh"], 1e-6 / 50, 50, 5, False)
    linear, _ = variance_recursion(ACTIVATIONS["linear"], 1e-6 / 50, 50, 5, False)
    np.testing.assert_allclose(small, linear, rtol=1e-5)
    big, _ = variance_recursion(ACTIVATIONS["tanh"], 1.0, 400, 5, False)
    assert np.all(big[1:] < np.sqrt(400))  # E[tanh²] < 1 caps q_l at n σ²


def test_recursion_with_batch_norm_is_unit_and_has_no_gradient_curve():
    z, grad = variance_recursion(ACTIVATIONS["relu"], 1.0, 512, 4, True)
    assert grad is None and np.all(z == 1.0)


def test_recursion_overflow_is_not_finite_rather_than_an_error():
    z, _ = variance_recursion(ACTIVATIONS["linear"], 1e4, 512, 50, False)
    assert np.isfinite(z[0]) and not np.isfinite(z[-1])


# Padding and masking ------------------------------------------------------------------------------


def unpadded_reference(settings: Settings, unit: jax.Array):
    """The same network at its true width and depth, no masks: (std of z per layer, grad norm)."""
    n, d, act = settings.width, settings.depth, ACTIVATIONS[settings.activation]
    scheme = SCHEMES[settings.scheme]
    key = jax.random.key(settings.seed)
    x = jax.random.normal(jax.random.fold_in(key, INPUT_TAG), (BATCH, MAX_WIDTH))[:, :n]
    r = jax.random.normal(jax.random.fold_in(key, READOUT_TAG), (MAX_WIDTH,))[:n]
    weights = unit[:d, :n, :n] * jnp.float32(scheme.scale(n, n) * settings.gain)

    def loss(eps):
        a, zs = x, []
        for layer in range(d):
            h = a @ weights[layer]
            z = (batch_norm(h) if settings.batch_norm else h) + eps[layer]
            a = act.fn(z)
            zs.append(z)
        return jnp.sum(a @ r), jnp.stack(zs)

    delta, zs = jax.grad(loss, has_aux=True)(jnp.zeros((d, BATCH, n), jnp.float32))
    z_std = np.std(np.asarray(zs, np.float64), axis=(1, 2))
    grad_norm = np.sqrt(np.sum(np.asarray(delta, np.float64) ** 2, axis=2).mean(axis=1))
    return z_std, grad_norm


@pytest.mark.parametrize(
    "changes",
    [
        {"width": 24, "depth": 5},
        {"width": 100, "depth": 7, "batch_norm": True, "scheme": "normal"},
        {"width": 8, "depth": 3, "activation": "tanh", "scheme": "xavier_uniform", "gain": 3.0},
        {"width": 40, "depth": 4, "scheme": "orthogonal", "seed": 5},
    ],
)
def test_masked_network_equals_the_unpadded_one(changes):
    settings = dataclasses.replace(DEEP, **changes)
    unit = sample_unit_weights(settings.seed, SCHEMES[settings.scheme].family, settings.width)
    result = explore(settings, unit)
    z_std, grad_norm = unpadded_reference(settings, unit)
    np.testing.assert_allclose(result.z_std, z_std, rtol=2e-3)
    np.testing.assert_allclose(result.grad_norm, grad_norm, rtol=2e-3)


def test_weights_outside_the_active_block_change_nothing_even_with_batch_norm():
    settings = dataclasses.replace(DEEP, width=40, depth=6, batch_norm=True)
    unit = sample_unit_weights(0, "truncated_normal", 40)
    active = np.arange(unit.shape[-1]) < 40
    outside = ~(active[:, None] & active[None, :])
    garbage = unit + jnp.asarray(np.where(outside, 1e3, 0.0), jnp.float32)[None]
    clean, dirty = explore(settings, unit), explore(settings, garbage)
    for name in ("z_std", "grad_norm", "flat_share", "dead_units", "hist"):
        np.testing.assert_array_equal(getattr(clean, name), getattr(dirty, name))


@pytest.mark.parametrize("family", ["normal", "truncated_normal", "uniform", "constant"])
def test_a_narrow_draw_is_the_corner_of_the_full_width_draw(family):
    full = np.asarray(sample_unit_weights(3, family, MAX_WIDTH))
    for width in (8, 130, 256):
        bucket = width_bucket(width)
        narrow = np.asarray(sample_unit_weights(3, family, width))
        assert narrow.shape == (full.shape[0], bucket, bucket)
        np.testing.assert_array_equal(narrow, full[:, :bucket, :bucket])
        assert draw_width(family, width) == bucket


def test_the_orthogonal_draw_is_its_active_block_in_any_bucket():
    narrow = np.asarray(sample_unit_weights(2, "orthogonal", 100))
    assert narrow.shape[1] == width_bucket(100) == 256 and draw_width("orthogonal", 100) == 100
    block = narrow[:, :100, :100] / np.sqrt(100)
    np.testing.assert_allclose(block[7].T @ block[7], np.eye(100), atol=1e-5)
    assert not narrow[:, 100:].any() and not narrow[:, :, 100:].any()


@pytest.mark.parametrize("width", [8, 200, 256])
def test_a_width_bucket_computes_what_the_full_width_computes(width):
    """The propagation on a 128- or 256-wide block equals the same network padded to 512."""
    settings = dataclasses.replace(DEEP, width=width, depth=30, activation="tanh")
    unit = sample_unit_weights(0, "normal", MAX_WIDTH)
    args = (unit, jnp.float32(np.sqrt(1 / width)), jnp.int32(30), jnp.int32(width),
            jnp.bool_(False), jnp.int32(0), jnp.float32(-0.2), jnp.float32(0.2))  # fmt: skip
    full = _propagate(*args, activation=settings.activation, bucket=MAX_WIDTH)
    narrow = _propagate(*args, activation=settings.activation, bucket=width_bucket(width))
    assert width_bucket(width) < MAX_WIDTH
    for name in ("z_std", "a_std", "grad_norm", "flat_share", "hist", "weight_hist"):
        np.testing.assert_allclose(narrow[name], full[name], rtol=2e-5, atol=1e-7, err_msg=name)


def test_width_buckets_cover_every_width():
    assert WIDTH_BUCKETS[-1] == MAX_WIDTH
    assert [width_bucket(w) for w in (1, 128, 256, 257, 512)] == [256, 256, 256, 512, 512]


def test_shallower_network_is_the_first_layers_of_the_deeper_one():
    deep, shallow = run(depth=50), run(depth=12)
    for name in ("z_std", "h_std", "flat_share", "dead_units", "hist"):
        np.testing.assert_allclose(getattr(shallow, name), getattr(deep, name)[:12], rtol=1e-6)


def test_per_layer_histograms_are_shares_and_weights_a_density():
    result = run(depth=10)
    np.testing.assert_allclose(result.hist.sum(axis=1), 1.0, rtol=1e-5)
    width = result.weight_edges[1] - result.weight_edges[0]
    assert np.sum(result.weight_share) * width == pytest.approx(1.0, abs=0.01)
    assert result.hist_edges.shape == (result.hist.shape[1] + 1,)


@pytest.mark.parametrize("scheme", ["he_normal", "xavier_uniform", "normal", "orthogonal"])
def test_layer_one_weight_histogram_follows_the_scheme_density(scheme):
    result = run(scheme=scheme, width=256, depth=1)
    centers = 0.5 * (result.weight_edges[1:] + result.weight_edges[:-1])
    width = result.weight_edges[1] - result.weight_edges[0]
    std = SCHEMES[scheme].moments(256, 256)[1]
    assert np.sum(centers * result.weight_share) * width == pytest.approx(0.0, abs=0.02 * std)
    assert np.sqrt(np.sum(centers**2 * result.weight_share) * width) == pytest.approx(std, rel=0.03)
    pdf = np.interp(centers, result.density_x, result.density_pdf)
    inside = pdf > 0.3 * pdf.max()
    np.testing.assert_allclose(result.weight_share[inside], pdf[inside], rtol=0.15)


def test_zero_weights_give_exact_zeros_and_say_so():
    result = run(scheme="zeros", depth=5)
    assert np.all(np.isnan(result.z_std)) and result.point_mass == 0.0
    assert np.all(result.dead_units == 1.0)
    assert any("exactly 0" in note for note in result.notes)


def test_relu_dead_share_is_about_half_with_he():
    result = run(depth=5)
    np.testing.assert_allclose(result.flat_share, 0.5, atol=0.05)


def test_overflow_cuts_forward_and_gradient_curves():
    result = run(scheme="normal", activation="linear")
    cut = int(np.argmax(np.isnan(result.z_std)))
    assert 20 < cut < 35 and np.all(np.isnan(result.z_std[cut:]))
    assert f"layer {cut + 1}" in " ".join(result.notes)
    assert np.all(np.isnan(result.grad_norm[cut:]))
    # Linear backprop does not need the forward values: δ explodes going down on its own.
    grad_cut = int(np.nonzero(np.isnan(result.grad_norm[:cut]))[0][-1])
    assert np.all(np.isnan(result.grad_norm[: grad_cut + 1]))
    assert np.all(np.isfinite(result.grad_norm[grad_cut + 1 : cut]))
    assert "Gradients overflowed" in " ".join(result.notes)


def _finite_layers(depth: int) -> dict[str, np.ndarray]:
    """Per-layer outputs of a network where nothing overflowed."""
    keys = ("z_std", "h_std", "a_std", "flat_share", "dead_units", "grad_norm")
    out = {key: np.ones(depth, np.float32) for key in keys}
    flags = {"z_finite": np.ones(depth, bool), "grad_finite": np.ones(depth, bool)}
    return out | flags | {"hist": np.ones((depth, 4), np.float32)}


def test_a_gradient_norm_that_overflows_while_every_gradient_is_finite_is_cut():
    # √width · rms overflows float32 before any single δ does (seen on an H100: 6e37, then inf).
    out = _finite_layers(6)
    out["grad_norm"] = np.array([np.inf, 3e37, 1e30, 1.0, 1.0, 1.0], np.float32)
    forward, grads, notes = _cut_non_finite(out, 6)
    assert np.isnan(grads["grad_norm"][0]) and np.all(np.isfinite(grads["grad_norm"][1:]))
    assert "Gradients overflowed float32 (diverged) at layer 1" in " ".join(notes)
    assert np.all(np.isfinite(forward["z_std"]))


def test_a_std_that_overflows_while_every_value_is_finite_cuts_the_forward_curves():
    out = _finite_layers(6)
    out["z_std"][3:] = np.inf
    forward, grads, notes = _cut_non_finite(out, 6)
    assert np.all(np.isfinite(forward["z_std"][:3])) and np.all(np.isnan(forward["z_std"][3:]))
    assert np.all(np.isnan(grads["grad_norm"][3:]))
    assert "overflowed float32 (diverged) at layer 4" in " ".join(notes)


# Compile counts ----------------------------------------------------------------------------


def test_moving_depth_width_gain_seed_or_batch_norm_compiles_nothing():
    explore(DEEP)  # warm-up: the first render compiles
    moves = [
        {"depth": 7},
        {"width": 200},
        {"gain": 0.3},
        {"seed": 42},
        {"batch_norm": True},
        {"scheme": "lecun_normal", "depth": 33, "width": 16, "gain": 5.0},
    ]
    with count_compiles() as counter:
        for changes in moves:
            explore(dataclasses.replace(DEEP, **changes))
    assert counter.count == 0


# The training race -------------------------------------------------------------------------

RACE = Settings(activation="relu", seed=1)


@functools.cache
def race() -> object:
    return compare_training(RACE)


def test_race_separates_the_schemes():
    result = race()
    assert result.schemes == RACE.train_schemes
    assert result.losses.shape == (4, 4, TRAIN_STEPS)
    normal, gaussian, xavier, he = range(4)
    assert result.diverged_at[normal] > 0  # N(0, 1): logits of ~10⁴, SGD blows up
    # Each seed's curve is cut where it diverges; the scheme's mark is the earliest seed's step.
    nan = np.isnan(result.losses[normal])
    first = np.where(nan.any(axis=1), nan.argmax(axis=1), TRAIN_STEPS)
    assert result.diverged_at[normal] == first.min() + 1
    assert all(nan[seed, step:].all() for seed, step in enumerate(first))
    assert np.nanmean(result.losses[gaussian, :, -20:]) > 2.2  # vanishing signal: stuck at ln 10
    for good in (xavier, he):
        assert result.diverged_at[good] == 0
        assert np.mean(result.losses[good, :, -20:]) < 0.5
        assert np.mean(result.accuracy[good]) > 0.9 and np.all(result.accuracy[good] > 0.7)


def test_every_run_starts_from_its_schemes_jax_initializer_layer_by_layer():
    seeds = jnp.arange(len(SCHEME_NAMES), dtype=jnp.uint32) + 7
    initial = init_runs(jnp.arange(len(SCHEME_NAMES), dtype=jnp.int32), seeds, jnp.float32(1.3))
    for run, name in enumerate(SCHEME_NAMES):
        key = jax.random.fold_in(jax.random.key(seeds[run]), 0)
        for layer, params in enumerate(initial):
            shape = params["kernel"].shape[1:]
            expected = SCHEMES[name].init(jax.random.fold_in(key, layer), shape, 1.3)
            # Compiled inside one program or alone, the same draw can round 1 ulp apart.
            np.testing.assert_allclose(params["kernel"][run], expected, rtol=1e-6, err_msg=name)
            assert not np.any(params["bias"][run])


def test_vmapped_runs_equal_one_by_one():
    x, y = digits()
    index = jnp.asarray([SCHEME_NAMES.index("xavier_uniform")] * 2, jnp.int32)
    seeds = jnp.asarray([3, 9], jnp.uint32)
    initial = init_runs(index, seeds, jnp.float32(1.0))
    losses, accuracy, _ = train_runs(initial, seeds, jnp.bool_(True), x, y, activation="relu")
    single = jax.jit(functools.partial(train_one, activation="relu"))
    for i in range(2):
        params = jax.tree.map(lambda leaf, i=i: leaf[i], initial)
        one_losses, one_accuracy, _ = single(params, jax.random.key(seeds[i]), True, x, y)
        # Rounding apart (one program or two) grows over 200 momentum steps: ≤ 3e-4 at the end.
        np.testing.assert_allclose(losses[i], one_losses, rtol=2e-4, atol=1e-3)
        assert float(accuracy[i]) == pytest.approx(float(one_accuracy), abs=2e-3)


def test_choosing_other_schemes_seed_gain_or_batch_norm_compiles_nothing():
    race()  # warm-up
    with count_compiles() as counter:
        compare_training(dataclasses.replace(RACE, train_schemes=("orthogonal", "zeros")))
        compare_training(dataclasses.replace(RACE, seed=5, gain=2.0, batch_norm=True))
    assert counter.count == 0


def test_the_race_seeds_slide_with_the_page_seed():
    assert training_seeds(RACE) == (1, 2, 3, 4)
    moved = compare_training(dataclasses.replace(RACE, seed=2))
    np.testing.assert_array_equal(moved.losses[:, :3], race().losses[:, 1:])
    np.testing.assert_array_equal(moved.accuracy[:, :3], race().accuracy[:, 1:])


def test_one_seed_trains_each_scheme_as_the_race_does():
    runs = train_seed(dataclasses.replace(RACE, seed=3))
    assert runs.schemes == RACE.train_schemes and runs.losses.shape == (4, TRAIN_STEPS)
    finite = np.isfinite(race().losses[:, 2])
    np.testing.assert_array_equal(runs.losses[finite], race().losses[:, 2][finite])
    assert set(runs.params) == set(RACE.train_schemes)


def test_trained_weights_round_trip_through_msgpack():
    result = race()
    restored = flax.serialization.msgpack_restore(weights_msgpack(result))
    assert set(restored) == set(result.schemes)
    kernel = restored["he_normal"]["layer_0"]["kernel"]
    np.testing.assert_array_equal(kernel, result.params["he_normal"]["layer_0"]["kernel"])
    assert kernel.shape == (64, 32)


def test_the_page_imports_no_flax_until_weights_are_downloaded():
    """flax (with flax.linen) would add ~0.1–0.3 s to the page's first view on a new server."""
    script = (
        "import sys\n"
        "from core import deep_signal\n"
        "loaded_early = 'flax' in sys.modules\n"
        "settings = deep_signal.Settings(train_schemes=('he_normal',))\n"
        "result = deep_signal.compare_training(settings)\n"
        "assert deep_signal.weights_msgpack(result)\n"
        "print(loaded_early, 'flax.serialization' in sys.modules)\n"
    )
    assert run_python(script).stdout.split() == ["False", "True"]
