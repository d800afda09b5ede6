"""Bounds how much heavy computation the server runs at once, across all sessions.

A page's cached compute function does its work inside `heavy_work()`. Cache hits never enter it,
so only real computations queue. One process-wide semaphore, held outside the caches, admits
MAX_CONCURRENT computations at a time (3 on 2 cores, see _default_limit), of which at most
LONG_LIMIT are long trainings (`heavy_work(long=True)`: the dropout and transfer sweeps, seconds
each), so a slot always stays open for the quick moves of the other pages. A session that does
not get a slot within NOTICE_AFTER_SECONDS sees "busy, retrying" (and can still move a slider,
which cancels the wait); after WAIT_SECONDS it gets a note to try again and its run stops
cleanly: never a hang, never a traceback (`shared_wait()` gives a page's several steps one such
wait). A moment after computations end, a thread hands freed heap pages back to the OS, and
after computations that compiled, JAX's traces too (`_Trimmer`).
Outside a Streamlit run (core benchmarks, tests) the give-up is `ServerBusy`. Import this module
before anything starts JAX: it sizes XLA's CPU thread pool (and caps glibc's malloc arenas
before the session threads and XLA's pool make more).
"""

import contextlib
import dataclasses
import math
import os
import threading
import time
from collections.abc import Iterator

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner_utils.script_run_context import (
    get_script_run_ctx,
    in_cached_function,
)

from core.compile_counter import compiles_so_far
from core.runtime import (
    cpu_cores,
    drop_tracing_caches,
    limit_malloc_arenas,
    release_free_memory,
    size_cpu_pool,
)

# First thing the server imports (playground/app.py). Streamlit's start-up threads have made 8
# heaps by then (2026-11-28, /proc/PID/maps); the cap keeps later threads on those, where
# glibc would add up to 8 per core.
limit_malloc_arenas()


DEFAULT_CAP = 8  # on 16 cores (the H200 machine) 8 at once was measured: see README


def _default_limit() -> int:
    """One more than the cores, at most DEFAULT_CAP (PLAYGROUND_MAX_CONCURRENT overrides), and
    always fewer than XLA's CPU threads.

    One more than the cores because a computation leaves its cores idle while Python dispatches
    its small programs and reads back their results: a third computation on 2 cores fills them
    (20 sessions on the three quick pages, 60 s, 2026-11-27: with 2 at a time 1,249–1,292
    reruns, p95 1.09–1.16 s, 1.68–1.72 cores busy, 4 runs; with 3, 1,317–1,399 reruns, p95
    0.97–1.11 s, 1.79–1.83 cores busy, 8 runs; with 1, 1,012 reruns, p95 1.54 s). Capped
    because each running training holds its own buffers.

    As many batched LAPACK calls at once as XLA's CPU pool has threads hang for good (see
    core.runtime.size_cpu_pool, which gives the pool a thread per slot beyond the cores unless
    JAX has already started; then the limit stays below the pool's size).
    """
    default = min(cpu_cores() + 1, DEFAULT_CAP)
    wanted = max(1, int(os.environ.get("PLAYGROUND_MAX_CONCURRENT") or default))
    return max(1, min(wanted, size_cpu_pool(wanted) - 1))


MAX_CONCURRENT = _default_limit()
NOTICE_AFTER_SECONDS = 1.0
RETRY_SECONDS = 0.5
WAIT_SECONDS = 30.0
BUSY_TEXT = "The server is busy with other learners' computations: busy, retrying…"
GAVE_UP_TEXT = (
    "The server is still busy with other learners' computations. "
    "Move a slider or reload the page to try again."
)


def _long_trainings(limit: int, cores: int) -> tuple[int, int]:
    """(slots a long training holds, how many trainings at once) for `limit` slots.

    A training keeps its cores busy by itself, so where there is a slot beyond the cores it
    takes that one too. The quick pages need that slot when only they compute; beside trainings
    it stretched them. All five pages, 20 sessions, 60 s: the slowest dropout run was 33, 41,
    46 and over 60 s in four runs (the load test's limit: an error), against 31 and 52 s in two
    runs with two slots, and 31.6 s twice once trainings took the spare slot.

    A class on the dropout page used to fill every slot with multi-second trainings, and every
    50 ms move on the other pages queued behind them: at least one slot stays open for those,
    and trainings that each hold part of their slots can never hold all of them (no deadlock).
    """
    slots = 2 if cores < limit and limit >= 3 else 1  # with 2, one must stay open
    return slots, max(1, (limit - 1) // slots)


LONG_SLOTS, LONG_LIMIT = _long_trainings(MAX_CONCURRENT, cpu_cores())
_slots = threading.BoundedSemaphore(MAX_CONCURRENT)
_long_lane = threading.BoundedSemaphore(LONG_LIMIT)
_shared = threading.local()  # the deadline of an open shared_wait() on this script thread


class ServerBusy(RuntimeError):
    """Raised when no computation slot frees up within the wait (outside a Streamlit run)."""


@dataclasses.dataclass
class _Counts:
    running: int = 0
    peak: int = 0
    completed: int = 0
    waited: int = 0
    gave_up: int = 0


_counts = _Counts()
_counts_lock = threading.Lock()


def stats() -> dict[str, int]:
    """Computations running now, the most ever at once, completed, waited, gave up."""
    with _counts_lock:
        return dataclasses.asdict(_counts)


def reset_peak() -> None:
    with _counts_lock:
        _counts.peak = _counts.running


@contextlib.contextmanager
def heavy_work(wait_seconds: float | None = None, long: bool = False) -> Iterator[None]:
    """Holds one of the MAX_CONCURRENT computation slots for the duration of the block; `long`
    work (trainings of seconds) first takes one of the LONG_LIMIT places of the long lane, then
    LONG_SLOTS slots."""
    deadline = min(_deadline(wait_seconds), getattr(_shared, "deadline", math.inf))
    with contextlib.ExitStack() as held:
        if long:
            held.enter_context(_held(_long_lane, deadline))
        for _ in range(LONG_SLOTS if long else 1):
            held.enter_context(_held(_slots, deadline))
        _count(running=+1)
        try:
            yield
        finally:
            _count(running=-1, completed=1)
            _trimmer.request()


@contextlib.contextmanager
def shared_wait(wait_seconds: float | None = None) -> Iterator[None]:
    """Every heavy_work() inside the block shares one deadline for its waits.

    For a page that computes in steps (the transfer page's five chunks): under load each step
    could wait WAIT_SECONDS for its slot, and a run took over a minute; now it waits at most
    WAIT_SECONDS in all, then gives up with the usual note (its finished steps stay cached).
    """
    _shared.deadline = _deadline(wait_seconds)
    try:
        yield
    finally:
        del _shared.deadline


def _deadline(wait_seconds: float | None) -> float:
    return time.monotonic() + (WAIT_SECONDS if wait_seconds is None else wait_seconds)


@contextlib.contextmanager
def _held(semaphore: threading.BoundedSemaphore, deadline: float) -> Iterator[None]:
    seconds = max(deadline - time.monotonic(), 0.0)
    if not semaphore.acquire(timeout=min(NOTICE_AFTER_SECONDS, seconds)):
        notice = _wait_for_slot(semaphore, seconds - NOTICE_AFTER_SECONDS)
        try:
            _clear(notice)
        except BaseException:  # a rerun request raised at the UI update: free the slot
            semaphore.release()
            raise
    try:
        yield
    finally:
        semaphore.release()


def _wait_for_slot(semaphore: threading.BoundedSemaphore, seconds: float) -> DeltaGenerator | None:
    """Retries for a slot while telling the learner; returns holding it, with the notice shown.

    Gives up cleanly after `seconds`: a note and st.stop() in the app, ServerBusy outside it.
    """
    _count(waited=1)
    in_app = get_script_run_ctx(suppress_warning=True) is not None
    with _outside_cache_replay():
        notice = st.empty() if in_app else None
    deadline = time.monotonic() + max(seconds, 0.0)
    while True:
        waited = seconds - (deadline - time.monotonic())
        if notice is not None:
            # Each update is also the point where a newer rerun (a moved slider) cancels us.
            with _outside_cache_replay():
                notice.info(f"{BUSY_TEXT} ({waited:.0f} s)", icon="⏳")
        if semaphore.acquire(timeout=max(min(RETRY_SECONDS, deadline - time.monotonic()), 0)):
            break
        if time.monotonic() >= deadline:
            _count(gave_up=1)
            if notice is None:
                raise ServerBusy(GAVE_UP_TEXT)
            with _outside_cache_replay():
                notice.warning(GAVE_UP_TEXT, icon="⏳")
            st.stop()
    return notice


def _clear(notice: DeltaGenerator | None) -> None:
    if notice is not None:
        with _outside_cache_replay():
            notice.empty()


@contextlib.contextmanager
def _outside_cache_replay() -> Iterator[None]:
    """The notice belongs to this run only: st.cache_data must not record it for replay."""
    token = in_cached_function.set(False)
    try:
        yield
    finally:
        in_cached_function.reset(token)


class _Trimmer:
    """Returns freed heap pages to the OS TRIM_DELAY_SECONDS after computations end, on a thread
    of its own: a trim takes 4–15 ms, which a quick rerun should not wait for, and one trim a
    moment later also catches what the rerun's figures freed (see release_free_memory).

    A trim holds malloc's locks, so under load there is at most one every TRIM_DELAY_SECONDS.
    Three pages, 20 sessions, 60 s: no trims 983 reruns, p95 1.47 s, peak 960 MB; a trim 1 s
    after work 928, 1.58 s, 881 MB; 5 s after 994, 1.49 s, 869 MB.

    When computations compiled since the last trim and none is running, it first drops the
    traces JAX kept of them (`core.runtime.drop_tracing_caches`): a compiled program never
    needs its trace again, and a warmed server compiles rarely, so this costs nothing per move."""

    def __init__(self, delay_seconds: float):
        self.delay_seconds = delay_seconds
        self.trims = self.drops = 0
        self._compiles_at_drop = 0
        self._wanted = threading.Event()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="trim", daemon=True)
                self._thread.start()
        self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            time.sleep(self.delay_seconds)  # a burst of computations ends in one trim
            self._wanted.clear()
            self._drop_traces_after_compiles()
            release_free_memory()
            self.trims += 1

    def _drop_traces_after_compiles(self) -> None:
        compiles = compiles_so_far()
        if compiles == self._compiles_at_drop or stats()["running"]:
            return
        if drop_tracing_caches():
            self._compiles_at_drop = compiles
            self.drops += 1


TRIM_DELAY_SECONDS = 5.0
_trimmer = _Trimmer(TRIM_DELAY_SECONDS)


def _count(running: int = 0, completed: int = 0, waited: int = 0, gave_up: int = 0) -> None:
    with _counts_lock:
        _counts.running += running
        _counts.peak = max(_counts.peak, _counts.running)
        _counts.completed += completed
        _counts.waited += waited
        _counts.gave_up += gave_up
