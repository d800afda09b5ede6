"""The process-wide bound on heavy computations: never more than the limit, never a hang."""

import contextlib
import threading
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import runtime
from playground import compute
from tests.conftest import holding

SCRIPT = """
import streamlit as st
from playground.compute import heavy_work

st.title("busy test")

@st.cache_data(max_entries=4)
def work(x):
    with heavy_work():
        return x * 2

st.text(f"result={work(21)}")
"""


@pytest.fixture
def quick_waits(monkeypatch):
    monkeypatch.setattr(compute, "NOTICE_AFTER_SECONDS", 0.1)
    monkeypatch.setattr(compute, "RETRY_SECONDS", 0.05)
    monkeypatch.setattr(compute, "WAIT_SECONDS", 1.0)


@pytest.fixture
def occupied():
    """Holds every slot until the returned event is set (set automatically at the end)."""
    yield from holding(compute.MAX_CONCURRENT)


@pytest.mark.parametrize(
    ("cores", "wanted", "pool", "limit"),
    [
        (2, None, 5, 3),  # one more than the cores
        (2, None, 3, 2),  # JAX started with a smaller pool: stays below it
        (1, None, 4, 2),
        (16, None, 24, 8),  # capped at DEFAULT_CAP
        (2, None, 1, 1),
        (2, "12", 14, 12),  # the override is not capped
        (2, "3", 3, 2),
        (2, "0", 4, 1),
    ],
)
def test_limit_is_one_more_than_the_cores_and_below_the_cpu_pool(
    monkeypatch, cores, wanted, pool, limit
):
    if wanted is None:
        monkeypatch.delenv("PLAYGROUND_MAX_CONCURRENT", raising=False)
    else:
        monkeypatch.setenv("PLAYGROUND_MAX_CONCURRENT", wanted)
    asked = []
    monkeypatch.setattr(compute, "cpu_cores", lambda: cores)
    monkeypatch.setattr(compute, "size_cpu_pool", lambda n: asked.append(n) or pool)
    assert compute._default_limit() == limit
    default = min(cores + 1, compute.DEFAULT_CAP)
    assert asked == [max(1, int(wanted or default))]  # the pool is asked for a thread per slot


def test_this_process_runs_one_more_than_its_cores_below_its_pool():
    # tests/conftest.py imports playground.compute before anything starts JAX, as the app does.
    expected = min(runtime.cpu_cores() + 1, compute.DEFAULT_CAP)
    assert runtime.size_cpu_pool(2) > compute.MAX_CONCURRENT == expected


def test_a_burst_of_twenty_never_runs_more_than_the_limit():
    compute.reset_peak()
    before = compute.stats()["completed"]

    def work():
        with compute.heavy_work():
            time.sleep(0.05)

    threads = [threading.Thread(target=work) for _ in range(20)]
    for thread in threads:
        thread.start()
        time.sleep(0.01)
    for thread in threads:
        thread.join()

    stats = compute.stats()
    assert stats["peak"] <= compute.MAX_CONCURRENT
    assert stats["peak"] == compute.MAX_CONCURRENT  # the limit was actually reached
    assert stats["completed"] - before == 20
    assert stats["running"] == 0


@pytest.mark.parametrize("limit", range(2, 13))
@pytest.mark.parametrize("cores", [1, 2, 4, 7, 16])
def test_trainings_never_hold_every_slot(limit, cores):
    slots, trainings = compute._long_trainings(limit, cores)
    assert slots == (2 if limit > cores and limit >= 3 else 1)
    assert 1 <= trainings * slots <= limit - 1  # even each holding all but one of its slots


def test_long_trainings_leave_a_slot_for_quick_moves(quick_waits, long_lane_full):
    open_slots = compute.MAX_CONCURRENT - compute.LONG_LIMIT * compute.LONG_SLOTS
    assert open_slots >= 1
    with pytest.raises(compute.ServerBusy), compute.heavy_work(long=True):
        pytest.fail("the long lane is full")
    start = time.monotonic()
    with contextlib.ExitStack() as quick:  # quick work does not wait behind the trainings
        for _ in range(open_slots):
            quick.enter_context(compute.heavy_work())
        assert compute.stats()["running"] == compute.LONG_LIMIT + open_slots
        assert time.monotonic() - start < compute.NOTICE_AFTER_SECONDS
        with pytest.raises(compute.ServerBusy), compute.heavy_work():
            pytest.fail("every slot is taken")  # the trainings took the spare slot too


def test_steps_in_a_shared_wait_give_up_together(quick_waits, long_lane_full):
    start = time.monotonic()
    with compute.shared_wait(wait_seconds=0.6):
        for _ in range(3):  # alone, each step would wait WAIT_SECONDS (1 s here)
            with pytest.raises(compute.ServerBusy), compute.heavy_work(long=True):
                pytest.fail("the long lane is full")
    assert 0.5 < time.monotonic() - start < 1.0
    start = time.monotonic()
    with pytest.raises(compute.ServerBusy), compute.heavy_work(long=True):
        pytest.fail("the long lane is full")
    assert time.monotonic() - start > 0.9  # after the block, a step has its own wait again


def test_a_mixed_burst_runs_at_most_the_long_limit_of_trainings():
    running = {True: 0, False: 0}
    peak = {True: 0, False: 0}
    lock = threading.Lock()

    def work(long: bool):
        with compute.heavy_work(long=long):
            with lock:
                running[long] += 1
                peak[long] = max(peak[long], running[long])
            time.sleep(0.05)
            with lock:
                running[long] -= 1

    threads = [threading.Thread(target=work, args=(i % 2 == 0,)) for i in range(20)]
    for thread in threads:
        thread.start()
        time.sleep(0.01)
    for thread in threads:
        thread.join()
    assert peak[True] == compute.LONG_LIMIT
    assert 1 <= peak[False] <= compute.MAX_CONCURRENT
    assert compute.stats()["running"] == 0


def test_waiting_too_long_gives_up_instead_of_hanging(quick_waits, occupied):
    start = time.monotonic()
    with pytest.raises(compute.ServerBusy), compute.heavy_work():
        pytest.fail("no slot should be free")
    assert time.monotonic() - start < 5


def test_a_slot_freed_while_waiting_is_taken(quick_waits, occupied):
    threading.Timer(0.3, occupied.set).start()
    with compute.heavy_work():
        assert compute.stats()["running"] >= 1


def test_page_shows_busy_retrying_then_gives_up_cleanly(quick_waits, occupied, tmp_path):
    script = tmp_path / "busy_page.py"
    script.write_text(SCRIPT)
    at = AppTest.from_file(str(script), default_timeout=30).run()

    assert not at.exception
    assert not at.info  # the "busy, retrying" notice became the note
    assert [w.value for w in at.warning] == [compute.GAVE_UP_TEXT]
    assert not any("result=" in t.value for t in at.text)


def test_page_waits_for_a_slot_then_draws_without_leftover_notice(quick_waits, occupied, tmp_path):
    script = tmp_path / "busy_page.py"
    script.write_text(SCRIPT.replace("work(21)", "work(22)"))
    threading.Timer(0.5, occupied.set).start()
    at = AppTest.from_file(str(script), default_timeout=30).run()

    assert not at.exception
    assert [t.value for t in at.text] == ["result=44"]
    assert not at.warning
    assert not at.info

    at.run()  # a cache hit: the notice was not recorded for replay
    assert [t.value for t in at.text] == ["result=44"]
    assert not at.info


@jax.jit
def _batched_lstsq(a: jax.Array) -> jax.Array:
    """A vmapped least-squares solve: XLA:CPU runs it as one batched LAPACK call."""
    return jax.vmap(lambda m: jnp.linalg.lstsq(m, m[:, 0])[0])(jnp.stack([a] * 64))


def test_learners_computing_batched_linear_algebra_at_once_never_deadlock():
    """With as many batched LAPACK calls at once as XLA's CPU pool has threads, jaxlib 0.10.2
    deadlocks for good; the limit keeps them fewer. Three learners, ten solves each."""
    a = jnp.ones((200, 21), jnp.float32) + jnp.arange(21, dtype=jnp.float32)
    np.asarray(_batched_lstsq(a))  # compiled before the race
    done = []

    def learner(i: int) -> None:
        for k in range(10):
            with compute.heavy_work():
                np.asarray(_batched_lstsq(a + jnp.float32(k * i)))
        done.append(i)

    threads = [threading.Thread(target=learner, args=(i,), daemon=True) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(done) == [0, 1, 2], "computations deadlocked"


def test_freed_memory_is_given_back_shortly_after_a_computation(monkeypatch):
    trimmer = compute._Trimmer(delay_seconds=0.05)
    monkeypatch.setattr(compute, "_trimmer", trimmer)
    with compute.heavy_work():
        pass
    deadline = time.monotonic() + 10
    while trimmer.trims == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert trimmer.trims == 1


def test_a_burst_of_computations_ends_in_one_trim(monkeypatch):
    trimmer = compute._Trimmer(delay_seconds=0.5)
    monkeypatch.setattr(compute, "_trimmer", trimmer)
    for _ in range(20):
        with compute.heavy_work():
            pass
    time.sleep(1.5)
    assert trimmer.trims == 1


def _trims(trimmer: "compute._Trimmer", count: int) -> None:
    deadline = time.monotonic() + 10
    while trimmer.trims < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert trimmer.trims == count


def _drops_recorded_for(trimmer: "compute._Trimmer", calls: list) -> Callable[[], bool]:
    """A stand-in for drop_tracing_caches that records only `trimmer`'s calls: the process's
    own trimmer, started by earlier tests in this process, may wake during a test and call the
    module's drop_tracing_caches too (CI once saw two drops for one)."""

    def drop() -> bool:
        if threading.current_thread() is trimmer._thread:
            calls.append(1)
        return True

    return drop


def test_traces_are_dropped_after_a_computation_that_compiled_only(monkeypatch):
    trimmer = compute._Trimmer(delay_seconds=0.05)
    monkeypatch.setattr(compute, "_trimmer", trimmer)
    dropped = []
    monkeypatch.setattr(compute, "drop_tracing_caches", _drops_recorded_for(trimmer, dropped))
    program = jax.jit(lambda x: jnp.sin(x) * 3.0)
    with compute.heavy_work():
        program(jnp.arange(7.0)).block_until_ready()  # compiles: a new function
    _trims(trimmer, 1)
    with compute.heavy_work():
        program(jnp.arange(7.0)).block_until_ready()  # compiled already
    _trims(trimmer, 2)
    assert trimmer.drops == len(dropped) == 1


def test_traces_are_not_dropped_while_a_computation_runs(monkeypatch):
    trimmer = compute._Trimmer(delay_seconds=0.05)
    monkeypatch.setattr(compute, "_trimmer", trimmer)
    monkeypatch.setattr(compute, "drop_tracing_caches", lambda: True)

    def compiling():
        with compute.heavy_work():
            jax.jit(lambda x: jnp.cos(x) + 1.0)(jnp.arange(5.0)).block_until_ready()

    with compute.heavy_work():  # still running when the compiling one's trim comes
        worker = threading.Thread(target=compiling)
        worker.start()
        worker.join(timeout=60)
        _trims(trimmer, 1)
        assert trimmer.drops == 0
    _trims(trimmer, 2)
    assert trimmer.drops == 1
