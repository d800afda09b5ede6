"""One helper renders every control from its spec and binds it to the URL.

Keys are page-prefixed (`fit.degree`), so a link such as `/overfitting?fit.degree=7` reproduces
the view. Values the link carries that are malformed or out of range are replaced (clamped or
defaulted) before the widget is created, and the learner sees a note saying so.
"""

import re
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from playground.control_specs import (
    ControlSpec,
    LogSlider,
    MultiSelect,
    Select,
    Slider,
    Text,
    Toggle,
    validate,
)

NOTES_KEY = "_link_notes"
VIEW_KEY = "_view_link"  # this run's controls that differ from their defaults, as link pairs


def key_of(prefix: str, spec: ControlSpec) -> str:
    return f"{prefix}.{spec.name}"


def render_controls(
    specs: Sequence[ControlSpec], prefix: str, container: Any = None
) -> dict[str, Any]:
    """Draws the controls (in the sidebar by default) and returns {spec.name: value}."""
    container = container if container is not None else st.sidebar
    notes = []
    values = {}
    for spec in specs:
        key = key_of(prefix, spec)
        note = _replace_bad_link_value(spec, key)
        if note:
            shown = _display(spec, st.session_state[key])
            notes.append(f"`{key}`: {code_literal(note)}; using {code_literal(shown)}.")
        values[spec.name] = _draw(spec, key, container)
    _remember_for_view_link(specs, prefix, values)
    if notes:
        st.warning("Some values in the link were replaced:\n\n- " + "\n- ".join(notes))
    return values


def start_view_link() -> None:
    """Forgets the last run's controls: the router calls it before every page runs."""
    st.session_state.pop(VIEW_KEY, None)


def view_link_pairs() -> list[tuple[str, str]] | None:
    """The query pairs of the view this run drew (None if it drew no controls): every control
    whose value is not its default, so the link reproduces the view exactly."""
    return st.session_state.get(VIEW_KEY)


def _remember_for_view_link(
    specs: Sequence[ControlSpec], prefix: str, values: dict[str, Any]
) -> None:
    changed = {s.name: values[s.name] for s in specs if values[s.name] != s.default}
    st.session_state.setdefault(VIEW_KEY, []).extend(link_params(prefix, changed))


def _replace_bad_link_value(spec: ControlSpec, key: str) -> str | None:
    """Seeds session state with the link's value as `validate` reads it; a note if replaced.

    Seeding even an accepted value keeps `validate` the only parser of links: Streamlit's own
    binding reads some values differently (a select slider matches only the exact label, so
    `fit.learning_rate=+5` would silently fall back to the default).
    """
    if key in st.session_state or key not in st.query_params:
        return None
    value, note = validate(spec, st.query_params.get_all(key))
    st.session_state[key] = list(value) if isinstance(spec, MultiSelect) else value
    return note


def _draw(spec: ControlSpec, key: str, box: Any) -> Any:
    common = {"key": key, "help": spec.help or None, "bind": "query-params"}
    if isinstance(spec, Slider):
        kind = int if spec.integer else float
        step = kind(spec.step) if spec.step is not None else None
        return box.slider(
            spec.label, kind(spec.min), kind(spec.max), kind(spec.default), step, **common
        )
    if isinstance(spec, LogSlider):
        return box.select_slider(
            spec.label, spec.values, value=spec.default, format_func=spec.fmt, **common
        )
    if isinstance(spec, Select):
        index = spec.options.index(spec.default)
        return box.selectbox(spec.label, spec.options, index=index, **common)
    if isinstance(spec, MultiSelect):
        chosen = box.multiselect(
            spec.label,
            spec.options,
            default=list(spec.default),
            max_selections=spec.max_selections,
            **common,
        )
        return tuple(chosen) or spec.default
    if isinstance(spec, Toggle):
        return box.toggle(spec.label, value=spec.default, **common)
    if isinstance(spec, Text):
        return box.text_input(spec.label, value=spec.default, max_chars=spec.max_chars, **common)
    raise TypeError(f"unknown control spec {spec!r}")


def code_literal(text: str) -> str:
    """Text that came from a link, as a markdown code span: shown as itself, never as a link,
    emphasis, HTML, LaTeX or :color[...] markup (GFM autolinks `http://…` even when escaped)."""
    flat = " ".join(text.splitlines())
    longest = max((len(run) for run in re.findall("`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _display(spec: ControlSpec, value: Any) -> str:
    if isinstance(spec, LogSlider):
        return spec.fmt(value)
    return str(value)


def query_string(prefix: str, settings: dict[str, Any]) -> str:
    """`?fit.degree=7&fit.seed=3`: the part of a link that sets these controls."""
    return "?" + urllib.parse.urlencode(link_params(prefix, settings))


def link_params(prefix: str, settings: dict[str, Any]) -> list[tuple[str, str]]:
    """[("fit.degree", "7"), ("fit.seed", "3")]: a link's query parameters, a multiselect's
    choices as repeated keys (what `st.page_link(query_params=...)` takes)."""
    pairs = []
    for name, value in settings.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(f"{prefix}.{name}", _url_value(v)) for v in values]
    return pairs


def _url_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        # The shortest text that reads back as the same float (a slider's 0.15000000000000002
        # included), so a link restores the value exactly; "30", not "30.0".
        text = repr(value)
        return text.removesuffix(".0")
    return str(value)


def try_this(experiments: Sequence[tuple[str, str, dict[str, Any]]], prefix: str) -> None:
    """The "Try this" list: each experiment is (title, what to look for, settings).

    A button sets the controls at once (and so the URL); the link beside it is the same view,
    to share or open in a new tab.
    """
    st.subheader("Try this")
    for i, (title, look_for, settings) in enumerate(experiments):
        left, right = st.columns([1, 3])
        left.button(
            title,
            key=f"{prefix}._try{i}",
            on_click=_apply_settings,
            args=(prefix, settings),
            width="stretch",
        )
        right.markdown(f"{look_for} [link]({query_string(prefix, settings)})")


def _apply_settings(prefix: str, settings: dict[str, Any]) -> None:
    for name, value in settings.items():
        st.session_state[f"{prefix}.{name}"] = list(value) if isinstance(value, tuple) else value


def callback_setting(prefix: str, settings: dict[str, Any]) -> Callable[[], None]:
    """An on_click callback that sets controls, for page-specific buttons such as presets."""
    return lambda: _apply_settings(prefix, settings)
