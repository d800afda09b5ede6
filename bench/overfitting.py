"""Overfitting page: per-interaction compute time and compile counts.

Run: `python -m bench.overfitting`.
"""

import dataclasses

import jax
import jax.numpy as jnp

from bench.timing import HEADER, row, time_calls
from core.bias_variance import bias_variance
from core.compile_counter import count_compiles
from core.overfitting import (
    OverfitSettings,
    dataset_for,
    explore,
    explore_double_descent,
    explore_training,
)
from core.runtime import device_summary

BASE = OverfitSettings(n_resamples=1000)
# Slider moves as a learner makes them: each call sees new values, so nothing is cached.
MOVES = [{"degree": d % 21, "noise": 0.1 + 0.01 * d, "seed": d} for d in range(40)]


def variants(fn, **fixed):
    return [
        lambda m=m: jax.block_until_ready(fn(dataclasses.replace(BASE, **fixed, **m)))
        for m in MOVES
    ]


def bias_variance_only():
    data, _, _ = dataset_for(BASE)

    def call(resamples: int, seed: int):
        return jax.block_until_ready(
            bias_variance(
                jax.random.key(seed),
                data.x_train,
                data.mask_train,
                jnp.int32(0),
                jnp.float32(0.2),
                jnp.float32(0.0),
                jnp.int32(resamples),
            )
        )

    return [lambda s=s: call(1000, s) for s in range(40)]


def main() -> None:
    print(f"device: {device_summary()}")
    print(HEADER)
    cases = [
        ("fit + U-curve + bias–variance (K=1,000): one interaction", variants(explore)),
        ("bias–variance alone, K=1,000, 21 degrees", bias_variance_only()),
        ("double descent (56 minimum-norm fits)", variants(explore_double_descent)),
        ("gradient descent, Adam, 2,000 epochs", variants(explore_training, epochs=2000)),
    ]
    for name, calls in cases:
        for call in calls[:2]:
            call()  # compile
        with count_compiles() as compiles:
            seconds = time_calls(calls)
        print(row(name, seconds, compiles.count))


if __name__ == "__main__":
    main()
