"""Entry point: `streamlit run playground/app.py`. Only routes; every page lives in pages/."""

import sys
from pathlib import Path

# `streamlit run playground/app.py` puts only playground/ on sys.path; core/ lives beside it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from core.runtime import enable_compilation_cache
from playground import compute  # noqa: F401  (first: sizes XLA's CPU thread pool before JAX starts)
from playground.controls import start_view_link
from playground.registry import HOME, present_pages
from playground.sidebar import device_panel, view_link


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
    navigation.run()
    view_link(st.context.url or f"/{navigation.url_path}")


main()
