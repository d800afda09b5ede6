"""Benchmark of the Initialization page's compute: `python -m bench.initialization [--reps N]`.

Prints a markdown table: median and p95 wall time after warm-up, compiles during the timed
calls, and baselines measured in the same run (NumPy and a bare JAX forward + backward of the same
50 × 512 MLP, without masks or statistics).
"""

import argparse
import dataclasses
import itertools
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from threadpoolctl import threadpool_limits

from core.compile_counter import count_compiles
from core.deep_signal import (
    BATCH,
    MAX_DEPTH,
    MAX_WIDTH,
    Settings,
    compare_training,
    explore,
    sample_unit_weights,
    train_seed,
)

FULL = Settings(scheme="he_normal", activation="relu", depth=MAX_DEPTH, width=MAX_WIDTH)


def measure(name: str, calls: Callable[[int], object], reps: int) -> dict:
    """Times `calls(i)` for i = 0 … reps−1 after two warm-up calls; counts compiles meanwhile."""
    start = time.perf_counter()
    jax.block_until_ready(calls(-1))
    first = time.perf_counter() - start
    jax.block_until_ready(calls(-2))
    times = []
    with count_compiles() as counter:
        for i in range(reps):
            start = time.perf_counter()
            jax.block_until_ready(calls(i))
            times.append(time.perf_counter() - start)
    ms = 1000 * np.asarray(times)
    return {
        "what": name,
        "median_ms": np.median(ms),
        "p95_ms": np.percentile(ms, 95),
        "first_s": first,
        "compiles": counter.count,
        "reps": reps,
    }


def slider_moves(i: int) -> Settings:
    """Depth, width, gain and batch norm cycle; always ending at a 50 × 512 network."""
    gains = (1.0, 0.562, 1.78)
    return dataclasses.replace(FULL, gain=gains[i % 3], batch_norm=bool(i % 2))


def numpy_baseline(unit: np.ndarray) -> Callable[[int], object]:
    x = np.random.default_rng(0).standard_normal((BATCH, MAX_WIDTH)).astype(np.float32)
    r = np.random.default_rng(1).standard_normal(MAX_WIDTH).astype(np.float32)
    weights = unit * np.float32(np.sqrt(2 / MAX_WIDTH))

    def run(i: int) -> np.ndarray:
        del i
        a, zs = x, []
        for w in weights:
            z = a @ w
            zs.append(z)
            a = np.maximum(z, 0)
        delta = r * (zs[-1] > 0)
        for w, z in zip(weights[::-1][:-1], zs[::-1][1:], strict=True):
            delta = (delta @ w.T) * (z > 0)
        return delta

    return run


@jax.jit
def _bare_jax(weights: jax.Array, x: jax.Array, r: jax.Array) -> jax.Array:
    def loss(eps):
        def layer(a, inputs):
            w, e = inputs
            z = a @ w + e
            return jax.nn.relu(z), None

        a, _ = jax.lax.scan(layer, x, (weights, eps))
        return jnp.sum(a * r)

    return jax.grad(loss)(jnp.zeros((MAX_DEPTH, *x.shape), jnp.float32))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=20)
    reps = parser.parse_args().reps
    unit = sample_unit_weights(0, "truncated_normal", MAX_WIDTH)
    unit_np = np.asarray(unit)
    x = jnp.asarray(np.random.default_rng(0).standard_normal((BATCH, MAX_WIDTH)), jnp.float32)
    r = jnp.ones(MAX_WIDTH, jnp.float32)
    weights = unit * jnp.float32(np.sqrt(2 / MAX_WIDTH))
    seeds = itertools.count(100)
    rows = [
        measure("slider move: signal page compute, 50 × 512, weights kept", lambda i: explore(
            slider_moves(i), unit), reps),
        measure("new seed: draw 50 × 512² weights + signal compute", lambda i: explore(
            dataclasses.replace(FULL, seed=next(seeds))), max(3, reps // 4)),
        measure("new seed at the page's defaults (20 × 256): draw + signal compute",
                lambda i: explore(Settings(seed=next(seeds))), max(3, reps // 4)),
        measure("new seed, orthogonal: 50 QRs of 512² + signal compute", lambda i: explore(
            dataclasses.replace(FULL, scheme="orthogonal", seed=next(seeds))), 3),
        measure("training race: 4 schemes × 4 seeds × 200 steps, vmapped per seed", lambda i: (
            compare_training(dataclasses.replace(FULL, seed=next(seeds)))), max(3, reps // 4)),
        measure("race after a one-step seed move: 4 schemes × 1 new seed", lambda i: (
            train_seed(dataclasses.replace(FULL, seed=next(seeds)))), max(3, reps // 4)),
        measure("baseline: bare JAX fwd + bwd, 50 × 512, no masks/stats",
                lambda i: _bare_jax(weights, x, r), reps),
        measure("baseline: NumPy fwd + bwd, 50 × 512, float32", numpy_baseline(unit_np), reps),
    ]  # fmt: skip
    with threadpool_limits(limits=1, user_api="blas"):
        rows.append(measure("baseline: same NumPy, OpenBLAS held to 1 thread",
                            numpy_baseline(unit_np), reps))  # fmt: skip
    print(f"\nDevice: {jax.devices()[0].device_kind} ({jax.default_backend()}); batch {BATCH}.\n")
    print("| what | median ms | p95 ms | first call s | compiles (timed) | reps |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['what']} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} | "
            f"{row['first_s']:.2f} | {row['compiles']} | {row['reps']} |"
        )
    print(f"\nUnit weights kept between slider moves: {unit_np.nbytes / 2**20:.0f} MiB.")


if __name__ == "__main__":
    main()
