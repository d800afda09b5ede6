"""Has the browser load plotly.js while a session's first run computes, not after it.

Streamlit's frontend fetches its plotly code (PlotlyChart.*.js, 4.7 MB) only when a page's first
chart arrives. On a cold start that was at the end of the first run, and the charts were drawn
1.7–1.9 s later (2026-11-29, /overfitting). An invisible chart sent before the first run imports
JAX starts the fetch while the server works; the run removes it once the page is written (the
page moves up by the slot's 17 px then, once a session). Warm-cache cold starts in Chromium to
the page drawn, alternating with and without it (medians of five or six): /overfitting
5.15 → 4.39 s and 5.49 → 4.60 s, /optimizers 5.21 → 4.56 s (the README's cold-start paragraph).
Imports only Streamlit, so that the app can call it before its own imports.
"""

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

SENT = "_plotly_early_sent"
KEY = "plotly_early"  # the chart's element key
# Nothing to see and nothing to hover: a trace without points (plotly refuses a figure without
# traces), no axes, a transparent background.
BLANK = {
    "data": [{"type": "scatter", "x": [], "y": []}],
    "layout": {
        "height": 10,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    },
}


def start_loading_plotly() -> DeltaGenerator:
    """A slot at the top of the page holding a blank chart on the session's first run (empty
    on later runs, which find plotly.js loaded). Empty it once the page is written."""
    slot = st.empty()  # on every run, so that the elements after it keep their places
    if not st.session_state.get(SENT):
        st.session_state[SENT] = True
        slot.plotly_chart(BLANK, theme=None, height=1, key=KEY, config={"staticPlot": True})
    return slot
