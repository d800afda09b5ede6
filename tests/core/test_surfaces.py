"""Loss surfaces: known minima, closed-form gradients and Hessians, the custom surface."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from core.expression import ExpressionError
from core.surfaces import (
    SURFACES,
    custom_surface,
    evaluate_on_grid,
    grid,
    knobs_of,
    quadratic_bowl,
    rosenbrock,
)

KNOBS = knobs_of(10.0, 30.0)


@pytest.mark.parametrize("key", SURFACES)
def test_known_minima_have_the_stated_value_and_zero_gradient(key):
    surface = SURFACES[key]
    (x0, x1), (y0, y1) = surface.domain
    for point in surface.minima:
        w = jnp.asarray(point, jnp.float32)
        assert x0 <= point[0] <= x1 and y0 <= point[1] <= y1
        assert float(surface.loss(w, KNOBS)) == pytest.approx(surface.min_value, abs=1e-5)
        gradient = np.asarray(jax.grad(surface.loss)(w, KNOBS))
        np.testing.assert_allclose(gradient, 0.0, atol=2e-3)


@pytest.mark.parametrize("key", SURFACES)
def test_nothing_on_a_fine_grid_lies_below_the_known_minimum(key):
    surface = SURFACES[key]
    values = np.asarray(evaluate_on_grid(surface.loss, KNOBS, *grid(surface.domain, 301)))
    assert np.isfinite(values).all()
    assert values.min() >= surface.min_value - 1e-4


@pytest.mark.parametrize("key", SURFACES)
def test_autodiff_gradients_match_finite_differences(key):
    surface = SURFACES[key]
    point = jnp.asarray([0.37, -0.61], jnp.float32)
    check_grads(
        lambda w: surface.loss(w, KNOBS), (point,), order=1, modes=["rev"], atol=0.05, rtol=0.02
    )


def test_rosenbrock_matches_its_closed_form_gradient_and_hessian():
    x, y = 0.3, -0.4
    w = jnp.asarray([x, y], jnp.float32)
    expected_grad = [-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)]
    expected_hessian = [[2 - 400 * (y - x**2) + 800 * x**2, -400 * x], [-400 * x, 200]]
    np.testing.assert_allclose(jax.grad(rosenbrock)(w, KNOBS), expected_grad, rtol=1e-5)
    np.testing.assert_allclose(jax.hessian(rosenbrock)(w, KNOBS), expected_hessian, rtol=1e-5)


@pytest.mark.parametrize(("kappa", "degrees"), [(1.0, 0.0), (10.0, 30.0), (50.0, -75.0)])
def test_bowl_hessian_has_eigenvalues_one_and_kappa_along_the_rotated_axes(kappa, degrees):
    knobs = knobs_of(kappa, degrees)
    hessian = np.asarray(jax.hessian(quadratic_bowl)(jnp.zeros(2, jnp.float32), knobs))
    theta = np.radians(degrees)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    np.testing.assert_allclose(hessian, rotation @ np.diag([1.0, kappa]) @ rotation.T, atol=1e-4)


def test_grid_rows_are_y_and_columns_are_x():
    xs, ys = grid(((-1, 2), (3, 5)), 7)
    values = np.asarray(evaluate_on_grid(lambda w, k: w[0] + 10 * w[1], KNOBS, xs, ys))
    assert values.shape == (7, 7)
    np.testing.assert_allclose(values[2, 5], xs[5] + 10 * ys[2], rtol=1e-6)


def test_custom_surface_computes_the_typed_formula():
    surface = custom_surface("(x-3)^2 + (y+2)^2")
    for point in [(0.0, 0.0), (3.0, -2.0), (-1.5, 4.0)]:
        w = jnp.asarray(point, jnp.float32)
        expected = (point[0] - 3) ** 2 + (point[1] + 2) ** 2
        assert float(surface.loss(w, KNOBS)) == pytest.approx(expected, rel=1e-6)
    assert surface.min_value is None and surface.minima == ()


def test_custom_surfaces_are_equal_by_text_so_jit_reuses_programs():
    assert custom_surface("x^2 + y^2") == custom_surface(" x^2 + y^2")
    assert hash(custom_surface("x^2 + y^2")) == hash(custom_surface("x^2 + y^2 "))
    assert custom_surface("x^2 + y^2") != custom_surface("x^2 + 2*y^2")
    assert custom_surface("x^2") != SURFACES["bowl"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("log(x) + y", "log(x) is not finite at x = -5"),
        ("1/(x-5) + y", "not finite"),
        ("exp(x^2*3.5)", "gradient of the surface is not finite"),
        ("x +* y", "not a formula"),
        ("w + x", "unknown name 'w'"),
    ],
)
def test_unusable_custom_surfaces_are_rejected_with_a_pointed_message(text, message):
    with pytest.raises(ExpressionError) as caught:
        custom_surface(text)
    assert message in caught.value.message
