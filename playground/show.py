"""Showing results on a page: figures with PNG download, numbers as CSV, notes for learners."""

import csv
import functools
import io
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from playground.plots import style


def figure(fig: go.Figure, name: str, where: DeltaGenerator | None = None) -> None:
    """Shows a figure full-width (in `where`, default the page); the mode bar's camera button
    downloads it as PNG. Styled by our template for the visitor's light or dark theme, not by
    Streamlit's chart theme: see plots.bake."""
    (where or st).plotly_chart(
        style.baked(fig, st.context.theme.type or "light"),
        theme=None,
        width="stretch",
        key=f"fig.{name}",
        config={
            "displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2},
        },
    )


def csv_text(columns: Mapping[str, Sequence | np.ndarray]) -> str:
    """Columns of equal length as CSV text, header first."""
    names = list(columns)
    arrays = [np.asarray(columns[n]).ravel() for n in names]
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"columns differ in length: {sorted(lengths)}")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    writer.writerows(zip(*(a.tolist() for a in arrays), strict=True))
    return buffer.getvalue()


def csv_download(label: str, columns: Mapping[str, Sequence | np.ndarray], file_name: str) -> None:
    """A download button for the page's numbers, written only when it is clicked.

    Formatting the CSV on every run cost up to 20 ms of a slider move (the optimizer page's
    6,000 trajectory rows) for a file that is rarely downloaded.
    """
    file_download(label, functools.partial(csv_text, columns), file_name, mime="text/csv")


def file_download(
    label: str,
    data: bytes | Callable[[], bytes | str],
    file_name: str,
    mime: str = "application/octet-stream",
) -> None:
    """A download button that does not rerun the page. Pass a callable to write the file only
    when it is clicked (trained weights, CSV): not on every slider move."""
    st.download_button(
        label, data, file_name=file_name, mime=mime, key=f"dl.{file_name}", on_click="ignore"
    )
