"""Fuzzed shared links: every page, ≥1,000 hostile query dicts each, under AppTest.

Links arrive from anywhere (chat, forums, a typo). For every present page hypothesis generates
query dicts with missing, extra, wrong-type, NaN, ±inf, huge, negative, unicode, very long and
repeated values, aimed at the page's own widget keys (found by running the page once) and at
keys it does not have. Each must run without an exception, still draw its figures, and show a
note naming every key whose value was replaced. The same link twice, with the caches cleared
in between, must give bit-identical figure data.

Each link carries any number of unusable values (they fall back to defaults) and at most one
usable-but-odd value: odd spellings of every control's default (free: cached) and, within a
compute budget, settings that make the page compute (clamped huge and negative numbers, other
options, hostile free text). So 1,000 links cost about 1,000 cache-hit reruns plus a bounded
number of real computations, even on pages that train networks.

FUZZ_LINK_EXAMPLES overrides the number of examples per page (default 1,000), and
FUZZ_COMPUTE_BUDGET_S the time a page may spend computing non-default settings (default 60 s).
"""

import math
import os
import time

import pytest
import streamlit as st
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from playground.registry import HOME, present_pages
from tests.conftest import (
    assert_no_exception,
    figures,
    link_widgets,
    run_page,
    warnings_text,
)

EXAMPLES = int(os.environ.get("FUZZ_LINK_EXAMPLES", "1000"))
COMPUTE_BUDGET_S = float(os.environ.get("FUZZ_COMPUTE_BUDGET_S", "60"))
PAGES = (HOME, *present_pages())
OTHER_KEYS = ("fit.degree", "init.depth", "opt.lr", "drop.rate", "tl.shots", "embed", "x", "")

# Values no control can use: each falls back to its default, with a note.
UNUSABLE = (
    "", " ", "nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "-Infinity", "1e999",
    "-1e999", "0x10", "1,5", "½", "None", "null", "[]", "{}", "'", '"', "<b>x</b>",
    "[a](http://x.invalid)", "$x$", ":red[x]", "\n", "\x00", "🙂", "ﬁ", "é", "e\u0301",
    "0" * 64 + "x", "1" + " " * 70 + "x", "9" * 400,
)  # fmt: skip
HOSTILE_TEXT = (
    "", "x" * 5000, "__import__('os').system('id')", "x**1e9", "<script>alert(1)</script>",
    "exp(exp(exp(x)))", "1/0", "x +", "sin(", "🙂", "[a](http://x.invalid)",
)  # fmt: skip
BOOLEAN_WORDS = ("true", "false", "1", "0", "on", "off", "yes", "no")


def _spellings(number: float, integer: bool) -> list[str]:
    """Odd ways to write a number that all mean it."""
    text = str(int(number)) if integer else repr(float(number))
    digits = "0123456789"
    spelt = [text, f"+{text}", f" {text} ", f"{float(number)!r}", f"{number:e}"]
    spelt += [
        text.translate(str.maketrans(digits, other))
        for other in ("０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩")
    ]
    if integer and abs(number) >= 1000:
        spelt.append(f"{int(number):_}")
    return spelt


def value_groups(widget) -> tuple[list, list[list]]:
    """Odd-but-usable link values for one control: (those meaning its default, [those meaning
    one other setting, per other setting]). Each group costs the page one computation."""
    kind = type(widget).__name__
    if kind == "Slider":
        integer = all(float(v).is_integer() for v in (widget.min, widget.max, widget.step or 1))
        top = ["1e308", "99999999999999999999", *_spellings(widget.max, integer)]
        bottom = ["-1e308", *_spellings(widget.min, integer)]
        return _spellings(widget.value, integer), [top, bottom]
    if kind == "SelectSlider":
        labels, default = list(widget.options), widget.format_func(widget.value)
        others = [[labels[-1], "1e308"], [labels[0], "-5"]]
        return [default, f"+{default}", f" {default} "], [g for g in others if default not in g]
    if kind == "Selectbox":
        others = [[o] for o in widget.options if o != widget.value]
        return [str(widget.value), str(widget.value).upper()], others
    if kind == "Multiselect":
        options, default = list(widget.options), [str(v) for v in widget.value]
        others = [[[o], [o, o]] for o in options] + [[options, [*options, "nope"]]]
        return [default], [g for g in others if default not in g]
    if kind == "Toggle":
        words = {True: ["true", "1", "on", "yes"], False: ["false", "0", "off", "no"]}
        return words[bool(widget.value)], [words[not widget.value]]
    return [str(widget.value)], [[text] for text in HOSTILE_TEXT]


def usable_values(widgets: dict, other_settings: int) -> list[tuple[str, object]]:
    """Every default-meaning value of every control, and the first `other_settings` groups
    taken round-robin over the controls (so the budget spreads over them)."""
    free, queues = [], []
    for key, widget in widgets.items():
        same, others = value_groups(widget)
        free += [(key, v) for v in same]
        queues.append([[(key, v) for v in group] for group in others])
    picked = []
    while len(picked) < other_settings and any(queues):
        for queue in queues:
            if queue and len(picked) < other_settings:
                picked.append(queue.pop(0))
    return free + [pair for group in picked for pair in group]


def _looks_usable(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return text.strip().lower() in BOOLEAN_WORDS


def _unusable() -> hs.SearchStrategy[str]:
    return hs.one_of(
        hs.sampled_from(UNUSABLE),
        hs.text(max_size=40).filter(lambda t: not _looks_usable(t)),
        hs.builds(
            lambda head, unit, n: head + unit * n,
            hs.sampled_from(("", "0.5", "3", "-1", "sine", "true")),
            hs.sampled_from(("x", " x", "é", "&", "%", "🙂")),
            hs.integers(30, 4000),
        ),
    )


def query_dicts(widgets: dict, usable: list) -> hs.SearchStrategy[dict]:
    """Any number of unusable values on any keys, plus at most one usable-but-odd value."""
    options = {o for w in widgets.values() for o in getattr(w, "options", ())}
    unusable = _unusable().filter(lambda t: t not in options)
    values = hs.one_of(unusable, hs.lists(unusable, min_size=2, max_size=3))
    plain_keys = sorted(k for k, w in widgets.items() if type(w).__name__ != "TextInput")
    keys = hs.one_of(
        hs.sampled_from(plain_keys or ["none"]),
        hs.sampled_from(OTHER_KEYS),
        hs.text(max_size=12).filter(lambda k: k not in widgets),
    )
    extra = hs.lists(hs.sampled_from(usable), max_size=1) if usable else hs.just([])
    return hs.builds(
        lambda junk, odd: junk | dict(odd), hs.dictionaries(keys, values, max_size=5), extra
    )


def used_as_is(widget, raw: list[str]) -> bool:
    """Whether the widget holds exactly what the link said (else a note must say so)."""
    kind = type(widget).__name__
    if kind == "Multiselect":
        return list(raw) == [str(v) for v in widget.value]
    if len(raw) != 1:
        return False
    text = raw[0]
    if kind == "Slider":
        try:
            number = float(text)
        except ValueError:
            return False
        return math.isfinite(number) and number == widget.value
    if kind == "SelectSlider":  # its exact label, or for numeric stops the same number
        return text == widget.format_func(widget.value) or _same_number(text, widget.value)
    if kind == "Toggle":
        return text == str(widget.value).lower()
    return text == str(widget.value)


def _same_number(text: str, value) -> bool:
    try:
        return math.isfinite(float(text)) and float(text) == float(value)
    except (TypeError, ValueError):
        return False


def _settings_within_budget(page, widgets: dict) -> int:
    """How many non-default settings the fuzz may make this page compute: one is timed, and as
    many as fit in COMPUTE_BUDGET_S (at least 4) are allowed."""
    first = usable_values(widgets, other_settings=1)[-1:]
    start = time.perf_counter()
    run_page(page.script, dict(first))
    seconds = time.perf_counter() - start
    return max(4, int(COMPUTE_BUDGET_S / max(seconds, 1e-3)))


@pytest.fixture(scope="module")
def default_runs():
    return {page.script: run_page(page.script) for page in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.url_path)
def test_fuzzed_links_never_crash_and_every_replacement_is_noted(page, default_runs):
    defaults = default_runs[page.script]
    assert_no_exception(defaults)
    widgets = link_widgets(defaults)
    drew_figures = bool(figures(defaults))
    count = {"examples": 0, "with_note": 0}
    usable = usable_values(widgets, other_settings=_settings_within_budget(page, widgets))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(query=query_dicts(widgets, usable))
    def check(query):
        at = run_page(page.script, query)
        assert_no_exception(at)
        notes = warnings_text(at)
        shown = link_widgets(at)
        for key, raw in query.items():
            if key in shown:
                raw_list = raw if isinstance(raw, list) else [raw]
                if not used_as_is(shown[key], raw_list):
                    assert f"`{key}`" in notes, f"{key}={raw_list!r} replaced without a note"
        if drew_figures:
            assert figures(at), "figures must still be drawn"
        count["examples"] += 1
        count["with_note"] += bool(notes)

    start = time.perf_counter()
    check()
    seconds = time.perf_counter() - start
    print(f"\nfuzz {page.url_path}: {count['examples']} links, {count['with_note']} with a note, "
          f"{len(usable)} odd-but-usable values, {seconds:.1f} s")  # fmt: skip
    assert count["examples"] >= EXAMPLES


@pytest.mark.parametrize("page", present_pages(), ids=lambda p: p.url_path)
def test_same_link_twice_gives_bit_identical_figures(page, default_runs):
    widgets = link_widgets(default_runs[page.script])
    link = {}
    for key, widget in widgets.items():  # every slider one stop up from its default
        if type(widget).__name__ == "Slider" and widget.value < widget.max:
            link[key] = str(widget.value + (widget.step or 1))
    first = run_page(page.script, link)
    st.cache_data.clear()
    run_page(page.script)  # another session in between
    st.cache_data.clear()
    second = run_page(page.script, link)

    assert_no_exception(first)
    specs = [chart.proto.spec for chart in first.get("plotly_chart")]
    assert specs, "the page should draw figures"
    assert specs == [chart.proto.spec for chart in second.get("plotly_chart")]
