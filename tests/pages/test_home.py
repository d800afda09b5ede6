"""The router and the home page."""

from core.runtime import POOL_ENV_VAR, cpu_cores
from playground import compute
from playground.registry import present_pages
from tests.conftest import assert_no_exception, run_app, run_page
from tests.core.fresh_python import run_python


def test_home_lists_every_present_page_with_a_link():
    at = run_page("home.py")
    assert_no_exception(at)
    text = "\n".join(m.value for m in at.markdown)
    for page in present_pages():
        assert f"(/{page.url_path})" in text
    assert "Backend:" in "\n".join(c.value for c in at.caption)


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
