"""The floor: one slider, one small chart, no compute. Its slider-to-repaint time is what Streamlit
itself costs (websocket round trip, rerun, delta, React and plotly redraw), measured beside the
real pages in `python -m bench.latency`. Run alone: `streamlit run bench/floor_page.py`."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

frequency = st.slider("Frequency", 1, 50, 3, key="floor.freq", bind="query-params")
x = np.linspace(0.0, 1.0, 50)
st.plotly_chart(go.Figure(go.Scatter(x=x, y=np.sin(2 * np.pi * frequency * x))), key="fig.floor")
