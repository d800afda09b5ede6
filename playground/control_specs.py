"""Controls declared as data, and the validation of values that arrive through a shared link.

Streamlit itself binds each widget to the URL (`bind="query-params"`). What it does not do is
tell the learner when a link carried a value it had to drop, nor clamp an out-of-range number
to the nearest allowed one. `validate` does both, as a pure function that tests can call
without a running app.
"""

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

MAX_TEXT_FROM_URL = 256


@dataclasses.dataclass(frozen=True)
class Slider:
    """A numeric slider; `integer=True` for counts, degrees, seeds."""

    name: str
    label: str
    min: float
    max: float
    default: float
    step: float | None = None
    help: str = ""
    integer: bool = False

    def coerce(self, raw: str) -> tuple[Any, str | None]:
        number = _parse_number(raw)
        if number is None:
            return self.default, f"'{_short(raw)}' is not a number"
        clamped = min(max(number, self.min), self.max)
        clamped = round(clamped) if self.integer else float(clamped)
        if clamped != number:
            return clamped, f"{_short(raw)} is outside {self.min:g}–{self.max:g}"
        return clamped, None


@dataclasses.dataclass(frozen=True)
class LogSlider:
    """A slider over log-spaced values (learning rates, penalties); `values` are the stops."""

    name: str
    label: str
    values: tuple[float, ...]
    default: float
    help: str = ""

    def fmt(self, value: float) -> str:
        return f"{value:.3g}"

    def coerce(self, raw: str) -> tuple[Any, str | None]:
        number = _parse_number(raw)
        if number is None:
            return self.default, f"'{_short(raw)}' is not a number"
        nearest = min(self.values, key=lambda v: _log_gap(v, number))
        if self.fmt(nearest) != raw and float(self.fmt(nearest)) != number:
            return nearest, f"{_short(raw)} is not one of the slider's stops"
        return nearest, None


@dataclasses.dataclass(frozen=True)
class Select:
    """A choice among named options (a registry's keys)."""

    name: str
    label: str
    options: tuple[str, ...]
    default: str
    help: str = ""

    def coerce(self, raw: str) -> tuple[Any, str | None]:
        if raw in self.options:
            return raw, None
        return self.default, f"'{_short(raw)}' is not one of {', '.join(self.options)}"


@dataclasses.dataclass(frozen=True)
class MultiSelect:
    """Several choices among named options, e.g. the dropout rates to compare."""

    name: str
    label: str
    options: tuple[str, ...]
    default: tuple[str, ...]
    help: str = ""
    max_selections: int | None = None

    def coerce_many(self, raw: Sequence[str]) -> tuple[Any, str | None]:
        kept = tuple(dict.fromkeys(v for v in raw if v in self.options))
        if self.max_selections:
            kept = kept[: self.max_selections]
        if not kept:
            return self.default, "none of the chosen values is allowed"
        if len(kept) != len(raw):
            return kept, "some chosen values are not allowed"
        return kept, None


@dataclasses.dataclass(frozen=True)
class Toggle:
    """An on/off switch."""

    name: str
    label: str
    default: bool
    help: str = ""

    def coerce(self, raw: str) -> tuple[Any, str | None]:
        lowered = raw.strip().lower()
        if lowered in ("true", "1", "on", "yes"):
            return True, None if lowered == "true" else f"'{_short(raw)}' read as on"
        if lowered in ("false", "0", "off", "no"):
            return False, None if lowered == "false" else f"'{_short(raw)}' read as off"
        return self.default, f"'{_short(raw)}' is not on/off"


@dataclasses.dataclass(frozen=True)
class Text:
    """Free text, such as a custom loss-surface expression; validated further by its page."""

    name: str
    label: str
    default: str
    max_chars: int = 128
    help: str = ""

    def coerce(self, raw: str) -> tuple[Any, str | None]:
        if len(raw) > self.max_chars:
            return raw[: self.max_chars], f"text longer than {self.max_chars} characters was cut"
        return raw, None


ControlSpec = Slider | LogSlider | Select | MultiSelect | Toggle | Text


def validate(spec: ControlSpec, raw: Sequence[str]) -> tuple[Any, str | None]:
    """The value a link's raw query-parameter strings stand for, and a note if it was replaced.

    Args:
      spec: the control.
      raw: every value the URL carries for the control's key (usually one).

    Returns:
      (value, note): note is None when the link's value was used as it is.
    """
    if isinstance(spec, MultiSelect):
        return spec.coerce_many([r[:MAX_TEXT_FROM_URL] for r in raw])
    if len(raw) != 1:
        return spec.default, "expected one value"
    return spec.coerce(raw[0])


def log_stops(low_exp: float, high_exp: float, per_decade: int = 4) -> tuple[float, ...]:
    """Log-spaced slider stops 10**low_exp … 10**high_exp, rounded to 3 significant digits."""
    count = round((high_exp - low_exp) * per_decade) + 1
    return tuple(float(f"{10 ** (low_exp + i / per_decade):.3g}") for i in range(count))


def one_two_five(low_exp: int, high_exp: int) -> tuple[float, ...]:
    """Stops 1, 2, 5 per decade from 10**low_exp to 10**high_exp: 0.001, 0.002, 0.005, 0.01…"""
    stops = [m * 10.0**e for e in range(low_exp, high_exp) for m in (1, 2, 5)]
    return tuple(float(f"{v:.3g}") for v in [*stops, 10.0**high_exp])


def _log_gap(stop: float, number: float) -> float:
    """Distance on a log axis; zero (a stop meaning "off") is nearest to every non-positive."""
    if stop <= 0 or number <= 0:
        return 0.0 if stop <= 0 and number <= 0 else math.inf
    return abs(math.log(stop) - math.log(number))


def _parse_number(raw: str) -> float | None:
    # Parse the whole text as Streamlit's own URL binding does (float()); a prefix that parses
    # is not enough, or the widget would silently fall back to its default without a note.
    text = raw.strip()
    if len(text) > 64:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _short(raw: str, limit: int = 24) -> str:
    return raw if len(raw) <= limit else raw[: limit - 1] + "…"
