"""What sessions share, they must not spoil for each other: isolation, cache abuse, bounds.

One server process serves a whole class. Results cached for one learner are returned to
another, `st.cache_resource` objects (pretrained weights, compiled functions) are handed to
every session as the same object, and any visitor can clear every cache from the app menu.
"""

import ast
import hashlib
import pickle

import jax
import numpy as np
import pytest
import streamlit as st
from streamlit.runtime.caching import cache_resource_api
from streamlit.testing.v1 import AppTest

from core.compile_counter import count_compiles
from playground.registry import PAGES_DIR, ROOT, present_pages
from tests.conftest import assert_no_exception, run_page

PAGES = present_pages()
SOURCES = sorted([*PAGES_DIR.glob("*.py"), *(ROOT / "playground").rglob("*.py")])


def figure_specs(at) -> list[str]:
    return [chart.proto.spec for chart in at.get("plotly_chart")]


def numeric_sliders(at) -> list:
    return [s for s in at.slider if s.key and s.min < s.max]


def one_step(slider):
    """The slider's value moved one step (down if it sits at its maximum)."""
    step = slider.step or 1
    return slider.value - step if slider.value + step > slider.max else slider.value + step


def fingerprint(value) -> str:
    """Bytes-level digest of a cached object: its array leaves, else its pickle, else its repr."""
    digest = hashlib.sha256()
    try:
        from flax import nnx

        if isinstance(value, nnx.Module):
            value = nnx.state(value)
    except ImportError:  # pragma: no cover
        pass
    for leaf in jax.tree_util.tree_leaves(value):
        if isinstance(leaf, np.ndarray | jax.Array | np.generic | int | float | bool | complex):
            array = np.asarray(leaf)
            digest.update(str((array.dtype, array.shape)).encode() + array.tobytes())
        else:
            try:
                digest.update(pickle.dumps(leaf))
            except Exception:
                digest.update(repr(leaf).encode())
    return digest.hexdigest()


def resource_fingerprints() -> dict[str, str]:
    """Every object held by st.cache_resource, fingerprinted."""
    found = {}
    caches = cache_resource_api._resource_caches._function_caches
    for session_caches in list(caches.values()):
        for name, cache in list(session_caches.items()):
            for key, result in list(cache._mem_cache.items()):
                found[f"{name}/{key}"] = fingerprint(result.value)
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.url_path)
def test_two_sessions_never_see_each_others_results(page):
    learner_b = run_page(page.script)
    sliders = numeric_sliders(learner_b)
    if not sliders:
        pytest.skip("no numeric slider")
    learner_a = run_page(page.script, {s.key: str(one_step(s)) for s in sliders})
    b_before = figure_specs(learner_b)
    assert figure_specs(learner_a) != b_before
    shared_before = resource_fingerprints()

    # A keeps working (every change is a fresh computation, training included where the page
    # trains); B reruns untouched in between and after.
    for slider in numeric_sliders(learner_a)[:3]:
        learner_a.slider(key=slider.key).set_value(one_step(slider)).run()
        assert_no_exception(learner_a)
        learner_b.run()
        assert figure_specs(learner_b) == b_before

    shared_after = resource_fingerprints()
    for key, digest in shared_before.items():
        assert shared_after.get(key, digest) == digest, f"shared cached object mutated: {key}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.url_path)
def test_clearing_every_cache_keeps_the_page_working_and_compiled(page):
    """Any visitor can clear all caches (app menu → Clear cache): same figures, no recompiling."""
    first = run_page(page.script)
    assert_no_exception(first)

    st.cache_data.clear()
    st.cache_resource.clear()
    with count_compiles() as compiles:
        again = run_page(page.script)

    assert_no_exception(again)
    assert figure_specs(again) == figure_specs(first)
    assert compiles.count == 0, "clearing Streamlit's caches threw compiled functions away"


def _cache_decorators(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = ast.unparse(target)
                if name.endswith(("cache_data", "cache_resource")):
                    yield node, name, decorator


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_cache_is_bounded(source):
    """Sweeping every allowed value cannot grow a result cache without limit."""
    for function, name, decorator in _cache_decorators(ast.parse(source.read_text())):
        arguments = function.args.args + function.args.kwonlyargs
        if name.endswith("cache_resource") and not arguments:
            continue  # one object for the process
        keywords = {k.arg for k in getattr(decorator, "keywords", [])}
        assert keywords & {"max_entries", "ttl"}, f"{function.name}: unbounded {name}"


def test_the_mutation_check_sees_a_mutated_shared_object(tmp_path):
    script = tmp_path / "shared.py"
    script.write_text(
        "import numpy as np\nimport streamlit as st\n\n"
        "@st.cache_resource\ndef weights():\n    return {'w': np.zeros(3, np.float32)}\n\n"
        "weights()['w'][0] += st.query_params.get('bump', 0.0) and 1.0\n"
    )
    AppTest.from_file(str(script)).run()
    before = resource_fingerprints()
    assert before, "the cache_resource object should be visible"
    at = AppTest.from_file(str(script))
    at.query_params["bump"] = "1"
    at.run()
    after = resource_fingerprints()
    assert any(after[key] != digest for key, digest in before.items() if key in after)
    st.cache_resource.clear()
