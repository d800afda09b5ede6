"""Shared timing helpers for the bench/ scripts: median and p95 after warm-up, as a table row."""

import time
from collections.abc import Callable, Sequence

import numpy as np


def time_calls(calls: Sequence[Callable[[], object]], warmup: int = 2) -> np.ndarray:
    """Seconds per call, each call run once after `warmup` rounds of all of them."""
    for _ in range(warmup):
        for call in calls:
            call()
    seconds = []
    for call in calls:
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return np.asarray(seconds)


def row(name: str, seconds: np.ndarray, compiles: int | str = "", note: str = "") -> str:
    ms = seconds * 1e3
    return (
        f"| {name} | {np.median(ms):.1f} | {np.percentile(ms, 95):.1f} | {len(ms)} | "
        f"{compiles} | {note} |"
    )


HEADER = (
    "| what | median ms | p95 ms | calls | compiles after warm-up | note |\n"
    "|---|---|---|---|---|---|"
)
