"""A stand-in page for the server-limit tests: each new slider value is a slow cached computation.

Served alone (`streamlit run tests/e2e/slow_page.py`); SLOW_PAGE_SECONDS sets how long one
computation holds its slot. It prints the process-wide counters of playground.compute.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import streamlit as st

from playground import compute

x = st.slider("x", 0, 1000, 0, key="slow.x", bind="query-params")


@st.cache_data(max_entries=256, show_spinner="Computing…")
def slow_square(value: int) -> int:
    with compute.heavy_work():
        time.sleep(float(os.environ.get("SLOW_PAGE_SECONDS", "0.4")))
        return value * value


st.text(f"result={slow_square(x)}")
st.text("stats=" + ",".join(f"{k}:{v}" for k, v in compute.stats().items()))
