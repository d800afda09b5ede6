"""Structural rules: core is UI-free, every registered page exists, pages hold no jit."""

import re
import subprocess
import sys
from pathlib import Path

import core
from playground.registry import HOME, PAGES, PAGES_DIR


def test_core_sources_import_no_ui_library():
    for path in core.__path__:
        for file in Path(path).rglob("*.py"):
            text = file.read_text()
            assert not re.search(r"^\s*(import|from)\s+(streamlit|plotly|pandas)\b", text, re.M), (
                file
            )


def test_core_alone_does_not_load_streamlit():
    code = (
        "import importlib, pkgutil, sys, core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    importlib.import_module(m.name)\n"
        "assert 'streamlit' not in sys.modules, 'core pulled in streamlit'\n"
        "assert 'plotly' not in sys.modules, 'core pulled in plotly'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_registered_page_script_exists():
    for page in (HOME, *PAGES):
        assert page.path.exists(), page.script


def test_pages_hold_no_jit():
    for script in PAGES_DIR.glob("*.py"):
        assert not re.search(r"(jax\.jit|nnx\.jit|\bjit\()", script.read_text()), script
