"""Shared test harness: a page runner under AppTest, figure access, and the compile counter."""

import base64
import functools
import hashlib
import json
import threading
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.components.v2 import manifest_scanner
from streamlit.runtime.scriptrunner import script_cache
from streamlit.testing.v1 import AppTest

from playground import compute  # first: sizes XLA's CPU pool as the server does
from playground.registry import PAGES_DIR, ROOT
from tests.core.conftest import compile_counter  # noqa: F401  (a fixture for the page tests)
from tests.e2e import driver

APP_TIMEOUT_S = 120

# AppTest rescans the metadata of every installed package for Streamlit components on each run
# (0.15-0.7 s here, ten times a small page's own run). Installed packages do not change during a
# test session, so scan once.
manifest_scanner.scan_component_manifests = functools.cache(
    manifest_scanner.scan_component_manifests
)

# CPython 3.11 keeps one AST-construction depth counter per interpreter, so two threads parsing at
# once can fail with "SystemError: AST constructor recursion depth mismatch" (cpython gh-106905).
# The server compiles each page once under its single ScriptCache's lock; AppTest gives every run a
# ScriptCache of its own, so the tests that open pages from several threads compile under one lock.
_COMPILE_LOCK = threading.Lock()
_unlocked_get_bytecode = script_cache.ScriptCache.get_bytecode


def _get_bytecode_one_at_a_time(self, script_path: str):
    with _COMPILE_LOCK:
        return _unlocked_get_bytecode(self, script_path)


script_cache.ScriptCache.get_bytecode = _get_bytecode_one_at_a_time


def run_page(script: str, query: Mapping[str, str | list[str]] | None = None) -> AppTest:
    """Runs pages/<script> once under AppTest with the given query parameters."""
    at = AppTest.from_file(str(PAGES_DIR / script), default_timeout=APP_TIMEOUT_S)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def counted(function, calls: list):
    """`function` of one argument, appending each argument to `calls` (what a page computed)."""

    def wrapper(argument):
        calls.append(argument)
        return function(argument)

    return wrapper


def run_app(query: Mapping[str, str] | None = None) -> AppTest:
    """Runs the whole app through its router."""
    at = AppTest.from_file(str(ROOT / "playground" / "app.py"), default_timeout=APP_TIMEOUT_S)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def figures(at: AppTest) -> list[dict]:
    """Every plotly figure on the page as its JSON spec ({"data": [...], "layout": {...}}).

    Plotly ships NumPy arrays as base64 typed arrays ({"dtype": "f4", "bdata": ...}); they are
    decoded here into plain lists so that tests can compare numbers.
    """
    specs = []
    for chart in at.get("plotly_chart"):
        spec = decode_typed_arrays(json.loads(chart.proto.spec))
        digest = hashlib.blake2b(chart.proto.spec.encode(), digest_size=16).digest()
        if digest not in _VALIDATED_SPECS:
            assert_valid_plotly(spec)
            _VALIDATED_SPECS.add(digest)
        specs.append(spec)
    return specs


# Digests of the figure specs already validated. A cached rerun sends the same text again, and
# plotly's validators (Python, ~0.1 s a page) were most of the fuzzed links' time in CI.
_VALIDATED_SPECS: set[bytes] = set()


def assert_valid_plotly(spec: dict) -> None:
    """Plotly's validators take `spec` as it is: no unknown property or value (they raise), and
    nothing they would rewrite, such as a "magic underscore" name (`line_color` for
    `line.color`), which plotly.js ignores. The pages build figures as plain dicts
    (playground.plots.plain): this is where they are validated."""
    validated = go.Figure(spec).to_plotly_json()
    # A template is left out of the comparison: go.Figure adds plotly's default where a figure
    # has none (ours are written in, see playground.plots.bake; test_bake validates them).
    assert key_paths(without_template(validated)) == key_paths(without_template(spec))


def without_template(spec: dict) -> dict:
    return spec | {"layout": {k: v for k, v in spec.get("layout", {}).items() if k != "template"}}


def key_paths(node, prefix: str = "") -> set[str]:
    """Every property's dotted path in a plotly dict, items of lists of dicts by index."""
    if isinstance(node, Mapping):
        paths = set()
        for key, value in node.items():
            paths |= {prefix + key} | key_paths(value, f"{prefix}{key}.")
        return paths
    if isinstance(node, list | tuple) and node and all(isinstance(i, Mapping) for i in node):
        return set().union(*(key_paths(item, f"{prefix}{i}.") for i, item in enumerate(node)))
    return set()


def decode_typed_arrays(node):
    """Replaces every plotly typed array in a figure's JSON by a list of numbers."""
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            values = np.frombuffer(base64.b64decode(node["bdata"]), dtype=np.dtype(node["dtype"]))
            if "shape" in node:
                shape = [int(n) for n in str(node["shape"]).split(",")]
                values = values.reshape(shape)
            return values.tolist()
        return {key: decode_typed_arrays(value) for key, value in node.items()}
    if isinstance(node, list):
        return [decode_typed_arrays(item) for item in node]
    return node


def title_of(fig: dict) -> str:
    """A figure's title as one line of text (titles are broken into lines to fit a phone)."""
    title = fig["layout"].get("title", {})
    text = title.get("text", "") if isinstance(title, dict) else str(title)
    return text.replace("<br>", " ")


def figure_by_title(at: AppTest, fragment: str) -> dict:
    """The first figure whose title contains `fragment`."""
    for fig in figures(at):
        if fragment.lower() in title_of(fig).lower():
            return fig
    raise AssertionError(f"no figure titled like {fragment!r}")


LINK_WIDGETS = ("slider", "select_slider", "selectbox", "multiselect", "toggle", "text_input")


def link_widgets(at: AppTest) -> dict:
    """The page's URL-bound widgets by key."""
    found = {}
    for kind in LINK_WIDGETS:
        for widget in at.get(kind):
            if widget.key:
                found[widget.key] = widget
    return found


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def warnings_text(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


def holding(count: int, long: bool = False):
    """`count` computations entered and held until the yielded event is set (at the end)."""
    release = threading.Event()
    entered = threading.Barrier(count + 1)

    def hold():
        with compute.heavy_work(long=long):
            entered.wait()
            release.wait(timeout=30)

    threads = [threading.Thread(target=hold) for _ in range(count)]
    for thread in threads:
        thread.start()
    entered.wait(timeout=10)
    yield release
    release.set()
    for thread in threads:
        thread.join()


@pytest.fixture
def long_lane_full():
    """LONG_LIMIT long computations running until the returned event is set."""
    yield from holding(compute.LONG_LIMIT, long=True)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium (/usr/bin/chromium) driven by playwright. Skipped cleanly where
    either is missing; never downloads a browser (`playwright install` is not used anywhere)."""
    if not driver.CHROMIUM.exists():
        pytest.skip(f"{driver.CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = driver.launch_chromium(playwright)
        yield chromium
        chromium.close()
