"""The router and the home page."""

import urllib.parse

import pytest

from core.runtime import POOL_ENV_VAR, cpu_cores
from playground import compute
from playground.page_specs.home import START_HERE, gallery
from playground.registry import present_pages
from tests.conftest import assert_no_exception, link_widgets, run_app, run_page, warnings_text
from tests.core.fresh_python import run_python

PICKS = [pick for _, picks in gallery() for pick in picks]


def page_links(at) -> list[tuple[str, str]]:
    """(url path, query string) of every st.page_link on the page."""
    return [(link.proto.page, link.proto.query_string) for link in at.get("page_link")]


def test_home_links_every_present_page_and_shows_the_device():
    at = run_page("home.py")
    assert_no_exception(at)
    for page in present_pages():
        assert (page.url_path, "") in page_links(at)
    assert "Backend:" in "\n".join(c.value for c in at.caption)


def test_every_page_has_start_here_links_to_its_own_experiments():
    at = run_page("home.py")
    links = page_links(at)
    for page, picks in gallery():
        assert len(picks) == len(START_HERE[page.url_path]) >= 2, page.url_path
        for pick in picks:
            query = urllib.parse.urlencode(pick.query_params)
            assert (page.url_path, query) in links, pick.title
            assert all(key.startswith(page.prefix + ".") for key, _ in pick.query_params)
    shown = "\n".join(c.value for c in at.caption)
    assert all(pick.look_for in shown for pick in PICKS)


def same_value(shown, wanted) -> bool:
    if isinstance(wanted, tuple):
        return list(shown) == list(wanted)
    if isinstance(wanted, float) and not isinstance(wanted, bool):
        return shown == pytest.approx(wanted, rel=1e-9)
    return shown == wanted


@pytest.mark.parametrize("pick", PICKS, ids=lambda p: f"{p.page.url_path}: {p.title}")
def test_a_start_here_link_opens_its_page_with_the_controls_set(pick):
    query: dict[str, list[str]] = {}
    for key, value in pick.query_params:
        query.setdefault(key, []).append(value)
    at = run_page(pick.page.script, query)

    assert_no_exception(at)
    assert "replaced" not in warnings_text(at), warnings_text(at)
    widgets = link_widgets(at)
    for name, wanted in pick.settings.items():
        shown = widgets[f"{pick.page.prefix}.{name}"].value
        assert same_value(shown, wanted), f"{name}: link sets {wanted!r}, page shows {shown!r}"


def test_router_shows_the_device_in_the_sidebar_and_runs_home():
    at = run_app()
    assert_no_exception(at)
    assert any("Computing on:" in e.label for e in at.sidebar.expander)
    assert at.title[0].value == "Deep-learning playground"


ROUTER_IN_A_FRESH_PROCESS = """
import os
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("playground/app.py", default_timeout=120).run()
assert not at.exception, at.exception
from core.runtime import cpu_cores, size_cpu_pool
from playground import compute
print(size_cpu_pool(2) - cpu_cores(), compute.MAX_CONCURRENT, os.environ["NPROC"])
"""


def test_router_sizes_the_cpu_pool_before_it_starts_jax():
    # As a fresh server does: nothing has started JAX before the router's first run.
    out = run_python(ROUTER_IN_A_FRESH_PROCESS, env={POOL_ENV_VAR: None})
    spare, limit, nproc = out.stdout.split()
    cores = cpu_cores()
    expected = min(cores + 1, compute.DEFAULT_CAP)
    assert (int(spare), int(limit)) == (expected, expected)
    assert int(nproc) == cores + expected
