"""Home: what each page teaches, where to start on it, and the device in use."""

import streamlit as st

from core.runtime import device_summary
from playground.page_specs.home import gallery

st.title("Deep-learning playground")
st.markdown(
    "Drag a slider and see the consequence at once. Everything here is computed live by a "
    "JAX core, compiled once for your CPU, GPU or TPU; where noise matters, a page trains "
    "many seeds or hyperparameters in one call and shows the mean and its spread. Every "
    "setting is in the link: send it to a friend and they see exactly what you saw."
)

st.header("Pages, and where to start")
st.caption("Each start-here link opens its page with the controls set; change anything from there.")
columns = st.columns(2)
for i, (page, picks) in enumerate(gallery()):
    target = page.streamlit_page()
    with columns[i % 2].container(border=True):
        st.page_link(target, label=f"**{page.title}**", icon=page.icon)
        st.markdown(page.teaches)
        for pick in picks:
            st.page_link(
                target,
                label=f"Start here: {pick.title}",
                icon=":material/arrow_forward:",
                query_params=pick.query_params,
            )
            st.caption(pick.look_for)

info = device_summary()
st.caption(f"Backend: **{info['backend']}** · devices: {', '.join(map(str, info['devices']))}")
