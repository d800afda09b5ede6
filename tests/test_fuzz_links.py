"""Fuzzed shared links: every page, ≥1,000 hostile query dicts each, under AppTest.

Links arrive from anywhere (chat, forums, a typo). For every present page hypothesis generates
query dicts with missing, extra, wrong-type, NaN, ±inf, huge, negative, unicode, very long and
repeated values, aimed at the page's own widget keys (found by running the page once) and at
keys it does not have. Each must run without an exception, still draw its figures, and show a
note naming every key whose value was replaced. The same link twice, with the caches cleared
in between, must give bit-identical figure data.

FUZZ_LINK_EXAMPLES overrides the number of examples per page (default 1,000).
"""

import math
import os
import time

import pytest
import streamlit as st
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from playground.registry import HOME, present_pages
from tests.conftest import assert_no_exception, figures, run_page, warnings_text

EXAMPLES = int(os.environ.get("FUZZ_LINK_EXAMPLES", "1000"))
PAGES = (HOME, *present_pages())
LINK_WIDGETS = ("slider", "select_slider", "selectbox", "multiselect", "toggle", "text_input")
OTHER_KEYS = ("fit.degree", "init.depth", "opt.lr", "drop.rate", "tl.shots", "embed", "x", "")

SPECIAL = (
    "", " ", "nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "-Infinity", "1e308",
    "-1e308", "1e999", "-1e999", "1e-320", "0", "-0", "-1", "-999999", "99999999999999999999",
    "0x10", "1_000", "+5", "5.", ".5", "1e3", "1,5", "٣", "７", "½", "true", "false", "True",
    "on", "off", "yes", "None", "null", "[]", "{}", "'", '"', "<b>x</b>", "[a](http://x.invalid)",
    "$x$", ":red[x]", "\n", "\x00", "🙂", "ﬁ", "é", "e\u0301", "0" * 64 + "x", "1" + " " * 70 + "x",
)  # fmt: skip


def link_widgets(at) -> dict:
    """The page's URL-bound widgets by key."""
    found = {}
    for kind in LINK_WIDGETS:
        for widget in at.get(kind):
            if widget.key:
                found[widget.key] = widget
    return found


def _numbers() -> hs.SearchStrategy[str]:
    floats = hs.floats(allow_nan=True, allow_infinity=True)
    return hs.one_of(
        hs.integers(-(10**30), 10**30).map(str),
        floats.map(repr),
        floats.map(lambda x: f"{x:.3g}"),
        hs.integers(-5, 1100).map(str),
        hs.decimals(-1000, 1000, places=4, allow_nan=False).map(str),
    )


def _long() -> hs.SearchStrategy[str]:
    return hs.builds(
        lambda head, unit, n, tail: head + unit * n + tail,
        hs.sampled_from(("", "0.5", "3", "-1", "sine", "true")),
        hs.one_of(hs.sampled_from(("0", " ", "9", "é", "&")), hs.text(min_size=1, max_size=3)),
        hs.integers(30, 4000),
        hs.sampled_from(("", "x", " ", "e5", "_", "1")),
    )


def query_dicts(widgets: dict) -> hs.SearchStrategy[dict]:
    options = [o for w in widgets.values() for o in getattr(w, "options", ())]
    value = hs.one_of(
        hs.sampled_from(SPECIAL),
        _numbers(),
        hs.sampled_from(options or ["x"]),
        hs.text(max_size=40),
        _long(),
    )
    values = hs.one_of(value, hs.lists(value, min_size=2, max_size=3))
    keys = hs.one_of(
        hs.sampled_from(sorted(widgets) or ["none"]),
        hs.sampled_from(sorted(widgets) or ["none"]),  # twice: mostly aim at real keys
        hs.sampled_from(OTHER_KEYS),
        hs.text(max_size=12),
    )
    return hs.dictionaries(keys, values, max_size=6)


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

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(query=query_dicts(widgets))
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
          f"{seconds:.1f} s")  # fmt: skip
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
