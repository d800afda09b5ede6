"""The custom-surface parser: accepts the documented grammar, rejects the rest, never evals."""

import builtins
import contextlib
import math
from unittest import mock

import hypothesis.strategies as st
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from core.expression import (
    FUNCTIONS,
    MAX_LENGTH,
    ExpressionError,
    first_non_finite,
    parse_expression,
)

X = np.array([-2.5, -1.0, 0.3, 1.7, 4.0], np.float32)
Y = np.array([1.5, -0.7, 2.2, -3.1, 0.9], np.float32)


def _forbidden(*args, **kwargs):
    raise AssertionError("eval/exec was called")


@contextlib.contextmanager
def eval_and_exec_forbidden():
    """Breaks the builtins eval and exec (imports use exec, so only around the parser)."""
    with (
        mock.patch.object(builtins, "eval", _forbidden),
        mock.patch.object(builtins, "exec", _forbidden),
    ):
        yield


def parse(text: str):
    """parse_expression with a cold cache and eval/exec forbidden, then evaluated once in NumPy."""
    parse_expression.cache_clear()
    with eval_and_exec_forbidden(), np.errstate(all="ignore"):
        expression = parse_expression(text)
        expression.numpy_fn(X, Y)
    return expression


def test_the_guard_really_breaks_eval():
    with eval_and_exec_forbidden(), pytest.raises(AssertionError):
        eval("1")


ACCEPTED = [
    ("sin(x)*y + 0.1*(x^2+y^2)", lambda x, y: np.sin(x) * y + 0.1 * (x**2 + y**2)),
    ("(x-3)^2 + (y+2)^2", lambda x, y: (x - 3) ** 2 + (y + 2) ** 2),
    ("-x^2", lambda x, y: -(x**2)),
    ("x**3 - 2*x*y", lambda x, y: x**3 - 2 * x * y),
    ("2^-1 * x", lambda x, y: 0.5 * x),
    ("abs(x) + sqrt(y^2 + 1)", lambda x, y: np.abs(x) + np.sqrt(y**2 + 1)),
    ("exp(-x^2/4) * cos(pi*y)", lambda x, y: np.exp(-(x**2) / 4) * np.cos(np.pi * y)),
    ("log(1 + x^2) + tanh(y)", lambda x, y: np.log(1 + x**2) + np.tanh(y)),
    ("e * sinh(x/5) - cosh(y/5)", lambda x, y: np.e * np.sinh(x / 5) - np.cosh(y / 5)),
    ("atan(x) + arctan(y) + sigmoid(x*y)",
     lambda x, y: np.arctan(x) + np.arctan(y) + 1 / (1 + np.exp(-x * y))),
    ("tan(x/10) + 1.5e-1*y", lambda x, y: np.tan(x / 10) + 0.15 * y),
    ("(y^2)^0.5", lambda x, y: np.abs(y)),
    ("+x - -y", lambda x, y: x + y),
    ("3", lambda x, y: 3 + 0 * x),
]  # fmt: skip


@pytest.mark.parametrize(("text", "reference"), ACCEPTED)
def test_accepts_the_documented_grammar_and_computes_the_formula(text, reference):
    expression = parse(text)
    expected = np.broadcast_to(reference(X.astype(np.float64), Y.astype(np.float64)), X.shape)
    got_jax = np.broadcast_to(
        np.asarray(expression.jax_fn(jnp.asarray(X), jnp.asarray(Y))), X.shape
    )
    got_numpy = np.broadcast_to(expression.numpy_fn(X, Y), X.shape)
    np.testing.assert_allclose(got_jax, expected, rtol=2e-5, atol=1e-5)
    np.testing.assert_allclose(got_numpy, expected, rtol=2e-5, atol=1e-5)


def test_caret_is_a_power_not_xor_and_binds_tighter_than_minus():
    assert float(parse("x^2").jax_fn(3.0, 0.0)) == 9.0
    assert float(parse("-x^2").jax_fn(3.0, 0.0)) == -9.0
    assert float(parse("2*x^2+1").jax_fn(3.0, 0.0)) == 19.0


REJECTED = [
    ("__import__('os')", "character"),
    ("x.real", "not allowed"),
    ("(1).imag * x", "not allowed"),
    ("lambda x: x", "character"),
    ("[x for x in y]", "character"),
    ("(x for x in y)", "not allowed"),
    ("9**9**9", "exponent"),
    ("2^x", "exponent"),
    ("e^x", "exp("),
    ("x^100", "exponent"),
    ("z + x", "unknown name 'z'"),
    ("os", "unknown name"),
    ("sin", "it is a function"),
    ("foo(x)", "unknown function 'foo'"),
    ("eval(x)", "unknown function 'eval'"),
    ("sin(x, y)", "character"),
    ("x if y else 1", "not allowed"),
    ("x and y", "not allowed"),
    ("not x", "not allowed"),
    ("x // y", "not allowed"),
    ("x % y", "character"),
    ("x < y", "character"),
    ("'x'", "character"),
    ("x; y", "character"),
    ("x\ny", "character"),
    ("1j * x", "not a real number"),
    ("True * x", "not a real number"),
    ("None", "not a real number"),
    ("1e999 * x", "too large"),
    ("2x", "missing operator"),
    ("x y", "missing operator"),
    ("(x + y", "never closed"),
    ("x + y)", "closes nothing"),
    ("", "empty"),
    ("   ", "empty"),
    ("x²", "character"),
    ("(" * 10_000 + "x" + ")" * 10_000, "characters"),
    ("(" * 40 + "x" + ")" * 40, "nest deeper"),
    ("-" * 100 + "x", "nests deeper"),
    ("x" + "+x" * 60, "more than"),
    ("x" * (MAX_LENGTH + 1), "characters"),
]


@pytest.mark.parametrize(("text", "reason"), REJECTED)
def test_rejects_with_a_message_that_names_the_problem(text, reason):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert reason in caught.value.message


def test_the_error_points_at_the_offending_character():
    with pytest.raises(ExpressionError) as caught:
        parse("x + 2*zz")
    assert caught.value.position == 6
    assert caught.value.pointer() == "x + 2*zz\n      ^"
    with pytest.raises(ExpressionError) as caught:
        parse("x^y")
    assert caught.value.position == 2


def test_first_non_finite_names_the_innermost_culprit_and_where():
    grid = np.linspace(-5, 5, 64, dtype=np.float32)
    assert first_non_finite(parse("x^2 + y^2"), grid, grid) is None
    message = first_non_finite(parse("y^2 + log(x)"), grid, grid)
    assert message.startswith("log(x) is not finite at x = -5")
    assert "1 / 0" in first_non_finite(parse("x + 1/0"), grid, grid)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text_is_either_accepted_or_rejected_cleanly(text):
    try:
        expression = parse(text)
    except ExpressionError as error:
        assert error.message
        return
    with np.errstate(all="ignore"):
        np.asarray(expression.numpy_fn(X, Y), dtype=np.float32)


GRAMMAR_ALPHABET = "xy0123456789.+-*/^() e" + "".join(sorted(set("".join(FUNCTIONS))))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=GRAMMAR_ALPHABET, max_size=40))
def test_text_from_the_grammar_alphabet_is_accepted_or_rejected_cleanly(text):
    try:
        parse(text)
    except ExpressionError as error:
        assert error.position is None or 0 <= error.position <= len(text)


NUMPY_OF = {"sin": np.sin, "cos": np.cos, "tanh": np.tanh, "atan": np.arctan}
BINARY_OF = {"+": np.add, "-": np.subtract, "*": np.multiply}


def _trees():
    """Random well-formed expression trees: "x", "y", a float, or (operator, children...)."""
    leaves = st.one_of(st.sampled_from(["x", "y"]), st.floats(0.1, 9.0).map(lambda v: round(v, 3)))

    def extend(children):
        return st.one_of(
            st.tuples(st.sampled_from(sorted(BINARY_OF)), children, children),
            st.tuples(st.just("^"), children, st.integers(0, 3)),
            st.tuples(st.sampled_from(sorted(NUMPY_OF)), children),
        )

    return st.recursive(leaves, extend, max_leaves=6)


def _render(tree) -> str:
    if not isinstance(tree, tuple):
        return str(tree)
    op, *args = tree
    if op in BINARY_OF:
        return f"({_render(args[0])}){op}({_render(args[1])})"
    if op == "^":
        return f"({_render(args[0])})^{args[1]}"
    return f"{op}({_render(args[0])})"


def _meaning(tree, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The tree evaluated directly in float64 NumPy: an independent reference."""
    if not isinstance(tree, tuple):
        return {"x": x, "y": y}.get(tree, tree) if isinstance(tree, str) else tree + 0 * x
    op, *args = tree
    if op in BINARY_OF:
        return BINARY_OF[op](_meaning(args[0], x, y), _meaning(args[1], x, y))
    if op == "^":
        return _meaning(args[0], x, y) ** args[1]
    return NUMPY_OF[op](_meaning(args[0], x, y))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees().filter(lambda tree: len(_render(tree)) <= MAX_LENGTH))
def test_well_formed_expressions_are_accepted_and_mean_what_they_say(tree):
    expression = parse(_render(tree))
    expected = _meaning(tree, X.astype(np.float64), Y.astype(np.float64))
    got = np.broadcast_to(np.asarray(expression.jax_fn(jnp.asarray(X), jnp.asarray(Y))), X.shape)
    finite = np.isfinite(expected) & (np.abs(expected) < 1e6)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-4, atol=1e-3)


def test_same_text_gives_the_same_parsed_expression():
    assert parse(" x^2 + y ") == parse("x^2 + y")
    assert parse("x^2 + y").text == "x^2 + y"
    assert math.isclose(float(parse("pi").numpy_fn(0.0, 0.0)), math.pi, rel_tol=1e-6)
