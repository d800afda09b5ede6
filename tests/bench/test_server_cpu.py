"""The server CPU figures of bench.load and bench.server_cpu: all of a process's CPU time, exited
threads included, and the part spent in XLA's CPU thread pool."""

import os
import threading
import time

import jax
import jax.numpy as jnp
import numpy as np

from tests.e2e.driver import process_cpu_seconds


def _spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_cpu_of_a_thread_that_has_ended_is_still_counted():
    before, _ = process_cpu_seconds(os.getpid())
    worker = threading.Thread(target=_spin, args=(0.3,))
    worker.start()
    worker.join()

    after, _ = process_cpu_seconds(os.getpid())

    assert 0.25 <= after - before <= 0.3 + 0.3  # the spin, plus this thread's own bits


def test_a_large_product_on_the_cpu_backend_runs_in_xla_s_pool():
    a = jnp.asarray(np.random.default_rng(0).standard_normal((1024, 1024), np.float32))
    product = jax.jit(lambda m: m @ m @ m)
    product(a).block_until_ready()
    total0, xla0 = process_cpu_seconds(os.getpid())

    for _ in range(20):
        product(a).block_until_ready()
    total1, xla1 = process_cpu_seconds(os.getpid())

    assert jax.default_backend() == "cpu"
    assert xla1 - xla0 > 0.5 * (total1 - total0) > 0  # 40 GFLOP: most of it in the pool


def test_a_page_s_moves_are_charged_to_the_server_that_ran_them():
    import random

    from bench.load import warm_up
    from bench.server_cpu import measure
    from tests.e2e import driver

    with driver.running_server() as server:
        warm_up(server.url, ["overfitting"])
        row = measure(server, "overfitting", moves=3, rng=random.Random(0))

    assert row["page"] == "overfitting"
    assert row["wall"] > 0 and 0 < row["xla"] < row["cpu"]  # a fit runs in XLA, its page in Python
