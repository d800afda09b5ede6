"""Structural rules: core is UI-free, every registered page exists, pages are short, no jit."""

import re
import subprocess
import sys
from pathlib import Path

import core
import playground.page_specs
from playground.registry import HOME, PAGES, PAGES_DIR

MAX_PAGE_LINES = 120  # style guide: past this, a page is doing someone else's job


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


def test_pages_stay_short():
    """A page: controls → cached core call → plots + text; its data lives in page_specs."""
    scripts = sorted(PAGES_DIR.glob("*.py"))
    assert scripts
    for script in scripts:
        lines = len(script.read_text().splitlines())
        assert lines <= MAX_PAGE_LINES, f"{script.name}: {lines} lines (at most {MAX_PAGE_LINES})"


def test_page_specs_import_no_ui_library():
    files = [file for path in playground.page_specs.__path__ for file in Path(path).rglob("*.py")]
    assert len(files) > 1
    for file in files:
        text = file.read_text()
        assert not re.search(r"^\s*(import|from)\s+(streamlit|plotly)\b", text, re.M), file


def test_every_package_is_listed_for_installation():
    """A package missing from pyproject's list is left out of a non-editable install."""
    import tomllib

    root = PAGES_DIR.parent
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(root).parts)
        for top in ("core", "playground")
        for init in (root / top).rglob("__init__.py")
    }
    assert found <= listed, found - listed
