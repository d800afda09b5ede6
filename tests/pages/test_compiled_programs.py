"""Every page compiles whole programs, never single operations run eagerly.

Each compiled program stays in the server for good, ~1.4 MB even for one addition (its
executable and the MLIR context of its lowering): data preparation run op by op once made the
transfer page alone compile 30-odd of them. Run in a fresh Python, so that nothing another test
compiled hides a page's own programs.
"""

import importlib
import pkgutil

import pytest

import core
from playground.registry import PAGES_DIR
from tests.core.fresh_python import run_python

FIRST_VISITS = """
import logging, sys
from playground import compute  # first, as in the server
import jax
from streamlit.testing.v1 import AppTest

compiled = []

class Compiles(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("Compiling "):
            compiled.append(record.getMessage().split()[1])

jax.config.update("jax_log_compiles", True)
logging.getLogger("jax").addHandler(Compiles())
logging.getLogger("jax").propagate = False
for script in sys.argv[1:]:
    compiled.clear()
    AppTest.from_file(script, default_timeout=600).run()
    print(" ".join(compiled) or "-")
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
def first_visits() -> dict[str, set[str]]:
    scripts = [str(PAGES_DIR / f"{page}.py") for page in PAGES]
    lines = run_python(FIRST_VISITS, *scripts, timeout_s=900).stdout.strip().split("\n")
    return {
        page: {name.removeprefix("jit(").removesuffix(")") for name in line.split()} - {"-"}
        for page, line in zip(PAGES, lines[-len(PAGES) :], strict=True)
    }


@pytest.mark.parametrize("page", PAGES)
def test_a_first_visit_compiles_only_the_cores_jitted_programs(first_visits, page):
    programs = first_visits[page] - PROCESS_WIDE
    assert programs, "the page compiled nothing: the log capture is broken"
    assert programs <= jitted_in_core(), programs - jitted_in_core()
