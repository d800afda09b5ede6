"""Counts XLA compilations, so tests and benchmarks can prove a slider move compiles nothing."""

import contextlib
import dataclasses
import itertools
from collections.abc import Iterator

import jax

# Recorded by JAX each time a program is compiled by the backend (a jit cache miss),
# and each time a program is instead loaded from the persistent cache.
COMPILE_EVENTS = (
    "/jax/core/compile/backend_compile_duration",
    "/jax/compilation_cache/cache_retrieval_time_sec",
)


@dataclasses.dataclass
class CompileCount:
    """Number of compilations seen since the counter started."""

    count: int = 0


@contextlib.contextmanager
def count_compiles() -> Iterator[CompileCount]:
    """Context manager: `with count_compiles() as c: ...; assert c.count == 0`."""
    counter = CompileCount()

    def listener(event: str, duration_secs: float, **kwargs: object) -> None:
        del duration_secs, kwargs
        if event in COMPILE_EVENTS:
            counter.count += 1

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield counter
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)


_tally = itertools.count()
_compiles_so_far = 0


def _tally_compiles(event: str, duration_secs: float, **kwargs: object) -> None:
    global _compiles_so_far
    del duration_secs, kwargs
    if event in COMPILE_EVENTS:
        _compiles_so_far = next(_tally) + 1  # itertools.count: atomic under the GIL


def compiles_so_far() -> int:
    """Compilations in this process since this module was imported (every thread's)."""
    return _compiles_so_far


jax.monitoring.register_event_duration_secs_listener(_tally_compiles)
