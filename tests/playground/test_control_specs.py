"""Validation of values arriving through shared links: clamp, default, and always say so."""

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground.control_specs import (
    LogSlider,
    MultiSelect,
    Select,
    Slider,
    Text,
    Toggle,
    log_stops,
    one_two_five,
    validate,
)

DEGREE = Slider("degree", "Degree", 0, 20, 3, integer=True)
SIGMA = Slider("noise", "Noise", 0.0, 1.0, 0.2, step=0.01)
LAMBDA = LogSlider("ridge", "λ", log_stops(-8, 2), 1e-8)
OFF_OR_LOG = LogSlider("lr", "η", (0.0, *one_two_five(-3, 0)), 0.0)
FUNCTION = Select("truth", "Truth", ("sine", "cubic"), "sine")
RATES = MultiSelect("rates", "Rates", ("0", "0.2", "0.5"), ("0", "0.5"))
FLAG = Toggle("bn", "Batch norm", False)
EXPR = Text("expr", "f(x, y)", "x^2+y^2", max_chars=16)


@pytest.mark.parametrize(
    ("spec", "raw", "value", "noted"),
    [
        (DEGREE, ["7"], 7, False),
        (DEGREE, ["99"], 20, True),
        (DEGREE, ["-5"], 0, True),
        (DEGREE, ["7.6"], 8, True),
        (DEGREE, ["abc"], 3, True),
        (DEGREE, ["nan"], 3, True),
        (DEGREE, ["7", "8"], 3, True),
        (SIGMA, ["0.5"], 0.5, False),
        (SIGMA, ["inf"], 0.2, True),
        (SIGMA, ["-1e9"], 0.0, True),
        (LAMBDA, ["0.001"], 1e-3, False),
        (LAMBDA, ["0.0011"], 1e-3, True),
        (LAMBDA, ["-3"], 1e-8, True),
        (OFF_OR_LOG, ["0"], 0.0, False),
        (OFF_OR_LOG, ["-1"], 0.0, True),
        (OFF_OR_LOG, ["0.02"], 0.02, False),
        (OFF_OR_LOG, ["0.03"], 0.02, True),
        (FUNCTION, ["cubic"], "cubic", False),
        (FUNCTION, ["<script>"], "sine", True),
        (RATES, ["0.2", "0.5"], ("0.2", "0.5"), False),
        (RATES, ["0.2", "0.9"], ("0.2",), True),
        (RATES, ["x"], ("0", "0.5"), True),
        (FLAG, ["true"], True, False),
        (FLAG, ["maybe"], False, True),
        (EXPR, ["x*y"], "x*y", False),
        (EXPR, ["x" * 40], "x" * 16, True),
    ],
)
def test_link_values_are_used_clamped_or_defaulted(spec, raw, value, noted):
    got, note = validate(spec, raw)
    assert got == value
    assert (note is not None) == noted


@given(st.lists(st.text(max_size=50), min_size=0, max_size=3))
def test_any_link_value_gives_an_allowed_value(raw):
    for spec in (DEGREE, SIGMA, LAMBDA, FUNCTION, FLAG):
        value, note = validate(spec, raw)
        if isinstance(spec, Slider):
            assert spec.min <= value <= spec.max and math.isfinite(value)
        elif isinstance(spec, LogSlider):
            assert value in spec.values
        elif isinstance(spec, Select):
            assert value in spec.options
        if note is None:
            assert len(raw) == 1


def test_log_stops_span_the_decades():
    stops = log_stops(-3, 0)
    assert stops[0] == pytest.approx(1e-3)
    assert stops[-1] == pytest.approx(1.0)
    assert len(stops) == 13
    assert all(a < b for a, b in itertools.pairwise(stops))


def test_one_two_five_stops():
    assert one_two_five(-2, 0) == (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
