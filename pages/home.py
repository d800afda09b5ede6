"""Home: what each page teaches, the device in use, and links to start from."""

import streamlit as st

from core.runtime import device_summary
from playground.registry import present_pages

st.title("Deep-learning playground")
st.markdown(
    "Drag a slider and see the consequence at once. Everything here is computed live by a "
    "JAX core, compiled once for your CPU, GPU or TPU; where noise matters, a page trains "
    "many seeds or hyperparameters in one call and shows the mean and its spread. Every "
    "setting is in the link: send it to a friend and they see exactly what you saw."
)

st.header("Pages")
for page in present_pages():
    st.markdown(f"**[{page.title}](/{page.url_path})** — {page.teaches}")

st.header("Start here")
START_HERE = (
    (
        "A line vs a 7-parameter polynomial on the lesson's five points",
        "overfitting",
        "fit.preset=lesson",
    ),
    (
        "Degree 15 on 20 noisy points: overfitting you can see",
        "overfitting",
        "fit.degree=15&fit.n_train=20",
    ),
)
for text, url_path, query in START_HERE:
    st.markdown(f"- [{text}](/{url_path}?{query})")

info = device_summary()
st.caption(f"Backend: **{info['backend']}** · devices: {', '.join(map(str, info['devices']))}")
