"""The sidebar every page shares: which JAX backend and devices compute what you see, and the
link to the view on screen."""

import urllib.parse

import streamlit as st

from core.runtime import device_summary
from playground.controls import view_link_pairs


def device_panel() -> None:
    info = device_summary()
    with st.sidebar.expander(f"Computing on: {str(info['backend']).upper()}", expanded=False):
        st.markdown("\n".join(f"- `{d}`" for d in info["devices"]))
        st.caption("Install JAX's CUDA or TPU extras to run the same code on an accelerator.")


def view_link(page_url: str) -> None:
    """Below the controls: the link to this exact view, with Streamlit's copy button. Where the
    app is embedded in another site (Hugging Face Spaces), the address bar does not show it."""
    pairs = view_link_pairs()
    if pairs is None:
        return  # a page without controls (Home)
    query = urllib.parse.urlencode(pairs)
    st.sidebar.markdown("**Link to this view**")
    st.sidebar.code(page_url + (f"?{query}" if query else ""), language=None, wrap_lines=True)
    st.sidebar.caption("It sets every control, the seed included: send it to a friend or a class.")
