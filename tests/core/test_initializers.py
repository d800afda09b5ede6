"""Every init scheme: its samples against its formula, JAX's own initializers, and its density."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from core.initializers import (
    FAMILIES,
    INITIALIZERS,
    SCHEMES,
    TRUNCATED_STD,
    density,
    padded_orthogonal,
    unit_draw,
    unit_sample,
)

FAN_IN, FAN_OUT, GAIN = 400, 300, 1.5
EXPECTED_STD = {  # the formulas, written out independently of the registry (σ at gain 1)
    "zeros": 0.0,
    "constant": 0.0,
    "uniform": 1 / np.sqrt(3),
    "normal": 1.0,
    "gaussian": 1 / FAN_IN,
    "inv_sqrt_n": 1 / np.sqrt(FAN_IN),
    "xavier_normal": np.sqrt(2 / (FAN_IN + FAN_OUT)),
    "xavier_uniform": np.sqrt(2 / (FAN_IN + FAN_OUT)),
    "he_normal": np.sqrt(2 / FAN_IN),
    "he_uniform": np.sqrt(2 / FAN_IN),
    "lecun_normal": np.sqrt(1 / FAN_IN),
    "orthogonal": 1 / np.sqrt(max(FAN_IN, FAN_OUT)),
}


def test_registry_holds_every_scheme_of_the_lesson_and_beyond():
    assert set(INITIALIZERS) == set(EXPECTED_STD)
    assert {s.family for s in SCHEMES.values()} <= set(FAMILIES)


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_sample_mean_and_std_match_the_formula(name):
    weights = np.asarray(INITIALIZERS[name](jax.random.key(7), (FAN_IN, FAN_OUT), GAIN))
    assert weights.shape == (FAN_IN, FAN_OUT) and weights.dtype == np.float32
    expected_std = EXPECTED_STD[name] * GAIN
    expected_mean = GAIN / FAN_IN if name == "constant" else 0.0
    assert SCHEMES[name].moments(FAN_IN, FAN_OUT, GAIN) == pytest.approx(
        (expected_mean, expected_std)
    )
    # Sampling tolerance: 120,000 draws give the std to ~0.3 % and the mean to ~σ / 350.
    assert weights.std() == pytest.approx(expected_std, rel=0.02, abs=1e-7)
    assert abs(weights.mean() - expected_mean) < 5 * expected_std / np.sqrt(weights.size) + 1e-7


def test_registry_uses_jax_initializers_where_they_exist():
    key, shape = jax.random.key(3), (64, 32)
    pairs = {
        "xavier_normal": jax.nn.initializers.glorot_normal(),
        "xavier_uniform": jax.nn.initializers.glorot_uniform(),
        "he_normal": jax.nn.initializers.he_normal(),
        "he_uniform": jax.nn.initializers.he_uniform(),
        "lecun_normal": jax.nn.initializers.lecun_normal(),
        "orthogonal": jax.nn.initializers.orthogonal(),
        "normal": jax.nn.initializers.normal(1.0),
        "zeros": jax.nn.initializers.zeros,
    }
    for name, reference in pairs.items():
        np.testing.assert_allclose(
            INITIALIZERS[name](key, shape, 2.0), 2.0 * reference(key, shape), rtol=1e-6
        )


def test_orthogonal_columns_are_orthonormal_times_gain():
    w = np.asarray(INITIALIZERS["orthogonal"](jax.random.key(0), (50, 20), 3.0), np.float64)
    np.testing.assert_allclose(w.T @ w, 9.0 * np.eye(20), atol=1e-4)


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_unit_draw_times_scale_is_the_scheme_at_full_width(name):
    scheme, key = SCHEMES[name], jax.random.key(11)
    unit = unit_sample(key, 48, scheme.family)
    np.testing.assert_allclose(
        unit * scheme.scale(48, 48) * 0.7, scheme.init(key, (48, 48), 0.7), rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "constant"])
def test_unit_draws_have_unit_variance(family):
    unit = np.asarray(unit_sample(jax.random.key(5), 256, family))
    assert unit.mean() == pytest.approx(0.0, abs=0.02)
    assert unit.std() == pytest.approx(1.0, rel=0.02)


@pytest.mark.parametrize("name", sorted(SCHEMES))
@pytest.mark.parametrize("shape", [(64, 32), (32, 10), (30, 30)])
def test_a_rectangular_unit_draw_times_scale_is_the_scheme(name, shape):
    scheme, key = SCHEMES[name], jax.random.key(3)
    unit = unit_draw(key, shape, scheme.family)
    np.testing.assert_allclose(
        unit * scheme.scale(*shape) * 1.3, scheme.init(key, shape, 1.3), rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "constant"])
def test_rectangular_unit_draws_have_unit_variance(family):
    unit = np.asarray(unit_draw(jax.random.key(5), (200, 300), family))
    assert unit.mean() == pytest.approx(0.0, abs=0.02)
    assert unit.std() == pytest.approx(1.0, rel=0.02)


def test_padded_orthogonal_is_the_qr_of_its_active_block():
    key, size, active = jax.random.key(2), 64, 37
    q = np.asarray(padded_orthogonal(key, size, jnp.int32(active)), np.float64)
    block = q[:active, :active]
    np.testing.assert_allclose(block.T @ block, np.eye(active), atol=1e-5)
    assert np.all(q[active:, :] == 0) and np.all(q[:, active:] == 0)
    z = np.asarray(jax.random.normal(key, (size, size), jnp.float32), np.float64)[:active, :active]
    ref_q, ref_r = np.linalg.qr(z)
    np.testing.assert_allclose(block, ref_q * np.sign(np.diag(ref_r)), atol=1e-4)


def test_truncated_normal_constant_is_the_std_of_the_cut_normal():
    # Var of N(0, 1) cut to (−a, a): 1 − 2aφ(a) / (2Φ(a) − 1), a = 2.
    phi = np.exp(-2.0) / np.sqrt(2 * np.pi)
    variance = 1 - 4 * phi / math.erf(2 / np.sqrt(2))
    assert np.sqrt(variance) == pytest.approx(TRUNCATED_STD, rel=1e-12)


@pytest.mark.parametrize("name", [n for n, s in SCHEMES.items() if s.zero_mean])
@pytest.mark.parametrize("fans", [(16, 16), (300, 200)])
def test_density_integrates_to_one_and_matches_the_samples(name, fans):
    scheme, (fan_in, fan_out) = SCHEMES[name], fans
    std = scheme.moments(fan_in, fan_out, GAIN)[1]
    x = np.linspace(-6 * std, 6 * std, 60_001)
    pdf = density(scheme, fan_in, fan_out, GAIN, x)
    assert np.trapezoid(pdf, x) == pytest.approx(1.0, abs=2e-3)
    assert np.trapezoid(x**2 * pdf, x) == pytest.approx(std**2, rel=2e-3)
    keys = [jax.random.key(k) for k in range(-(-200_000 // (fan_in * fan_out)))]
    samples = np.concatenate([np.ravel(scheme.init(k, (fan_in, fan_out), GAIN)) for k in keys])
    counts, edges = np.histogram(samples, bins=30, range=(-3 * std, 3 * std))
    empirical = counts / (samples.size * (edges[1] - edges[0]))
    centers = 0.5 * (edges[1:] + edges[:-1])
    expected = density(scheme, fan_in, fan_out, GAIN, centers)
    at_edges = density(scheme, fan_in, fan_out, GAIN, edges)
    smooth = np.minimum(at_edges[1:], at_edges[:-1]) > 0.2 * expected.max()  # no cut-off inside
    np.testing.assert_allclose(empirical[smooth], expected[smooth], rtol=0.12)


def test_constant_schemes_are_point_masses():
    for name in ("zeros", "constant"):
        assert density(SCHEMES[name], 10, 10, 1.0, np.zeros(3)) is None
