"""Optimizer-trajectory benchmark: `python -m bench.optimizers` prints a markdown table.

Rows: six optax optimizers × 1,000 steps on Rosenbrock in one jitted call; the same six runs as
a plain NumPy Python loop (the same update formulas as optax, float64) measured in this process;
the 64 × 64 (η × γ) heatmap of 500-step runs in one vmapped call; and one whole page
interaction (`explore` + `sweep` after a slider move). Times are median and p95 after warm-up;
the compile column counts XLA compilations during the timed repeats (must be 0).
"""

import argparse
import resource
import time
from collections.abc import Callable, Sequence

import jax
import numpy as np

from bench.timing import HEADER, row
from core.compile_counter import count_compiles
from core.optimizers import (
    SWEEP_STEPS,
    Hyper,
    Settings,
    explore,
    hyper_of,
    run_trajectories,
    sweep,
    sweep_axes,
    sweep_final_loss,
)
from core.surfaces import SURFACES, knobs_of

SIX = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
START = (-1.2, 1.0)


def rosenbrock_gradient(w: np.ndarray) -> np.ndarray:
    """∇[(1 − x)² + 100 (y − x²)²], by hand."""
    x, y = w
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def numpy_trajectories(
    names: Sequence[str],
    gradient: Callable[[np.ndarray], np.ndarray],
    start: Sequence[float],
    steps: int,
    learning_rate: float,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    rho: float = 0.9,
) -> np.ndarray:
    """Positions (steps + 1, len(names), 2) from a plain Python loop with optax's formulas.

    Constant learning rate, no clipping, no noise. This is the benchmark's baseline and, in the
    tests, an independent reference for the optax runs.
    """
    n = len(names)
    w = np.tile(np.asarray(start, np.float64), (n, 1))
    first = np.zeros((n, 2))  # momentum trace / Adam μ
    second = np.zeros((n, 2))  # Adagrad Σg² / RMSProp and Adam ν
    second[[i for i, name in enumerate(names) if name == "adagrad"]] = 0.1
    out = np.empty((steps + 1, n, 2))
    out[0] = w
    for t in range(1, steps + 1):
        for i, name in enumerate(names):
            g = gradient(w[i])
            if name == "sgd":
                update = g
            elif name in ("momentum", "nesterov"):
                first[i] = g + momentum * first[i]
                update = g + momentum * first[i] if name == "nesterov" else first[i]
            elif name == "adagrad":
                second[i] += g * g
                update = g / np.sqrt(second[i] + 1e-7)
            elif name == "rmsprop":
                second[i] = rho * second[i] + (1 - rho) * g * g
                update = g / np.sqrt(second[i] + 1e-8)
            elif name == "adam":
                first[i] = beta1 * first[i] + (1 - beta1) * g
                second[i] = beta2 * second[i] + (1 - beta2) * g * g
                mu_hat = first[i] / (1 - beta1**t)
                nu_hat = second[i] / (1 - beta2**t)
                update = mu_hat / (np.sqrt(nu_hat) + 1e-8)
            else:
                raise ValueError(f"no NumPy reference for {name}")
            w[i] = w[i] - learning_rate * update
        out[t] = w
    return out


def timed(fn: Callable[[int], object], repeats: int) -> tuple[np.ndarray, int, float]:
    """Seconds per call (after one warm-up call), compilations during the timed calls, and the
    warm-up call's own time (compilation included when it is the first)."""
    start = time.perf_counter()
    jax.block_until_ready(fn(0))
    first = time.perf_counter() - start
    seconds = []
    with count_compiles() as compiles:
        for i in range(1, repeats + 1):
            start = time.perf_counter()
            jax.block_until_ready(fn(i))
            seconds.append(time.perf_counter() - start)
    return np.asarray(seconds), compiles.count, first


def hyper(learning_rate: float, steps: int) -> Hyper:
    return hyper_of(Settings(learning_rate=learning_rate, steps=steps))


def main(repeats: int = 50) -> None:
    rosenbrock = SURFACES["rosenbrock"]
    knobs = knobs_of(10.0, 30.0)
    start = np.asarray(START, np.float32)

    def jax_runs(i: int) -> object:
        learning_rate = 1e-3 * (1 + 0.01 * i)  # a new value each call, as a dragged slider
        return run_trajectories(
            rosenbrock, SIX, hyper(learning_rate, 1000), knobs, start, np.int32(1000), np.int32(0)
        )

    def numpy_runs(i: int) -> object:
        return numpy_trajectories(SIX, rosenbrock_gradient, START, 1000, 1e-3 * (1 + 0.01 * i))

    _, lrs, seconds = sweep_axes("momentum")

    def heatmap(i: int) -> object:
        return sweep_final_loss(
            rosenbrock,
            "momentum",
            hyper_of(Settings(surface="rosenbrock", noise=0.01 * i, steps=SWEEP_STEPS)),
            knobs,
            start,
            np.int32(SWEEP_STEPS),
            np.int32(0),
            lrs,
            seconds,
        )

    def interaction(i: int) -> object:
        settings = Settings(learning_rate=0.05, noise=0.001 * i, steps=1000)
        return explore(settings), sweep(settings)

    rows = [
        ("JAX: 6 optimizers × 1,000 steps, one jitted call", jax_runs, repeats),
        ("NumPy loop: the same 6 × 1,000 (baseline)", numpy_runs, max(3, repeats // 10)),
        (f"JAX: heatmap 64 × 64 runs × {SWEEP_STEPS} steps, one vmapped call", heatmap, 10),
        ("Page interaction: explore + sweep, 7 × 1,000 steps (σ moved)", interaction, 10),
    ]
    results = {}
    print(
        f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}), "
        f"load average {' '.join(f'{v:.1f}' for v in _load())}\n"
    )
    print(HEADER)
    for label, fn, count in rows:
        seconds_, compiles, first = timed(fn, count)
        results[label] = np.median(seconds_)
        compiled = "" if label.startswith("NumPy") else ", compilation included"
        print(row(label, seconds_, compiles, f"first call {first:.2f} s{compiled}"))
    jax_ms, numpy_ms = (results[rows[0][0]], results[rows[1][0]])
    print(f"\nNumPy loop / JAX: {numpy_ms / jax_ms:.0f}× slower.")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Peak resident memory: {peak_mib:.0f} MiB.")


def _load() -> tuple[float, ...]:
    try:
        with open("/proc/loadavg") as f:
            return tuple(float(v) for v in f.read().split()[:3])
    except OSError:
        return ()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    main(parser.parse_args().repeats)
