"""Entry point: `streamlit run playground/app.py`. Only routes; every page lives in pages/."""

import sys
from pathlib import Path

# `streamlit run playground/app.py` puts only playground/ on sys.path; core/ lives beside it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from playground.plotly_early import start_loading_plotly

# Before the imports below: the first run's longest wait is importing JAX, flax and optax.
plotly_slot = start_loading_plotly()

# playground.compute first: it sizes XLA's CPU thread pool before JAX starts.
from core.runtime import enable_compilation_cache  # noqa: E402
from playground import compute  # noqa: E402, F401
from playground.controls import start_view_link  # noqa: E402
from playground.registry import HOME, present_pages  # noqa: E402
from playground.sidebar import device_panel, view_link  # noqa: E402


@st.cache_resource
def _compilation_cache() -> str:
    return str(enable_compilation_cache())


def main() -> None:
    st.set_page_config(page_title="Deep-learning playground", page_icon="🧠", layout="wide")
    _compilation_cache()
    pages = [HOME.streamlit_page(default=True)]
    pages += [page.streamlit_page() for page in present_pages()]
    navigation = st.navigation(pages)
    device_panel()
    start_view_link()
    try:
        navigation.run()
    finally:  # also when the page stops early
        plotly_slot.empty()
    view_link(st.context.url or f"/{navigation.url_path}")


main()
