"""The sidebar every page shares: which JAX backend and devices compute what you see."""

import streamlit as st

from core.runtime import device_summary


def device_panel() -> None:
    info = device_summary()
    with st.sidebar.expander(f"Computing on: {str(info['backend']).upper()}", expanded=False):
        st.markdown("\n".join(f"- `{d}`" for d in info["devices"]))
        st.caption("Install JAX's CUDA or TPU extras to run the same code on an accelerator.")
