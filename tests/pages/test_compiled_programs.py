"""Every page compiles whole programs, never single operations run eagerly.

Each compiled program stays in the server for good, ~1.4 MB even for one addition (its
executable and the MLIR context of its lowering): data preparation run op by op once made the
transfer page alone compile 30-odd of them. Run in a fresh Python, so that nothing another test
compiled hides a page's own programs.

Then the server's trimmer drops the traces JAX kept (`core.runtime.drop_tracing_caches`): every
page must compute again from its compiled programs, without compiling, to the same figures.
"""

import importlib
import json
import pkgutil

import pytest

import core
from playground.registry import PAGES_DIR
from tests.core.fresh_python import run_python

FIRST_VISITS = """
import gc, json, logging, sys
from playground import compute  # first, as in the server
import jax
import streamlit as st
from streamlit.testing.v1 import AppTest
from core.runtime import drop_tracing_caches, release_free_memory

compiled = []

class Compiles(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("Compiling "):
            compiled.append(record.getMessage().split()[1])

def rss_mb():
    gc.collect()
    release_free_memory()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

def visit(script):
    compiled.clear()
    app = AppTest.from_file(script, default_timeout=600).run()
    assert not app.exception, app.exception
    return list(compiled), [chart.proto.spec for chart in app.get("plotly_chart")]

compute._trimmer = compute._Trimmer(delay_seconds=3600)  # the drop below is the only one
jax.config.update("jax_log_compiles", True)
logging.getLogger("jax").addHandler(Compiles())
logging.getLogger("jax").propagate = False
first = {script: visit(script) for script in sys.argv[1:]}
before = rss_mb()
drop_tracing_caches()
freed = before - rss_mb()
st.cache_data.clear()  # every page computes again, from the programs compiled above
again = {script: visit(script) for script in sys.argv[1:]}
print(json.dumps({
    "first": [first[s][0] for s in sys.argv[1:]],
    "again": [again[s][0] for s in sys.argv[1:]],
    "same_figures": [again[s][1] == first[s][1] for s in sys.argv[1:]],
    "freed_mb": freed,
}))
"""
PAGES = ("overfitting", "initialization", "optimizers", "dropout", "transfer")
# Compiled once per process, by whichever page first turns a scalar into an array or a key.
PROCESS_WIDE = {"stage", "convert_element_type", "_threefry_seed", "_threefry_fold_in"}


def jitted_in_core() -> set[str]:
    names = set()
    for module in pkgutil.iter_modules(core.__path__):
        for name, value in vars(importlib.import_module(f"core.{module.name}")).items():
            if callable(getattr(value, "lower", None)):
                names.add(getattr(value, "__name__", name))
    return names


@pytest.fixture(scope="module")
def visits() -> dict:
    """Each page's first visit, then JAX's traces dropped and every page computed again."""
    scripts = [str(PAGES_DIR / f"{page}.py") for page in PAGES]
    output = run_python(FIRST_VISITS, *scripts, timeout_s=900).stdout.strip().split("\n")[-1]
    result = json.loads(output)
    for visit in ("first", "again"):
        result[visit] = {
            page: {name.removeprefix("jit(").removesuffix(")") for name in names}
            for page, names in zip(PAGES, result[visit], strict=True)
        }
    result["same_figures"] = dict(zip(PAGES, result["same_figures"], strict=True))
    return result


@pytest.mark.parametrize("page", PAGES)
def test_a_first_visit_compiles_only_the_cores_jitted_programs(visits, page):
    programs = visits["first"][page] - PROCESS_WIDE
    assert programs, "the page compiled nothing: the log capture is broken"
    assert programs <= jitted_in_core(), programs - jitted_in_core()


def test_dropping_jaxs_traces_frees_memory(visits):
    assert visits["freed_mb"] > 15  # 28 MB after these visits; 55–70 MB once sliders moved too


@pytest.mark.parametrize("page", PAGES)
def test_with_traces_dropped_a_page_computes_again_without_compiling(visits, page):
    assert visits["again"][page] == set()
    assert visits["same_figures"][page]
