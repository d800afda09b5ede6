"""Process-wide settings: the persistent compilation cache, the size of XLA's CPU thread pool,
glibc's malloc arenas and free pages, and a description of the devices."""

import ctypes
import math
import os
from pathlib import Path

import jax

CACHE_ENV_VAR = "PLAYGROUND_JAX_CACHE"
POOL_ENV_VAR = "NPROC"  # XLA's CPU client sizes its thread pool from it (else one per core)
ARENA_ENV_VAR = "MALLOC_ARENA_MAX"  # glibc reads it at start-up
M_ARENA_MAX = -8  # mallopt's parameter number for the same cap (glibc's malloc.h)
CGROUP_ROOT = Path("/sys/fs/cgroup")  # a container sees its own cgroup here

_pool_threads: int | None = None


def default_cache_dir() -> Path:
    """Where compiled XLA programs are kept between server restarts (overridable by env var)."""
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dl-playground" / "jax"


def enable_compilation_cache(
    directory: Path | None = None, min_compile_seconds: float = 0.05
) -> Path:
    """Turns on JAX's persistent compilation cache so a restarted server skips recompiling.

    Returns the directory used. Small programs are cached too: on a 2-core machine even a
    0.2 s compile is felt by the first learner after a restart.
    """
    directory = Path(directory or default_cache_dir())
    directory.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(directory))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", min_compile_seconds)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return directory


def device_summary() -> dict[str, object]:
    """The backend JAX runs on and its devices, e.g. {"backend": "cpu", "devices": [...]}."""
    return {
        "backend": jax.default_backend(),
        "devices": [f"{d.platform}:{d.id} ({d.device_kind})" for d in jax.devices()],
    }


def cpu_cores() -> int:
    """Cores this process may use: its CPU affinity where the OS has one, and no more than a
    container's CPU quota allows (`docker run --cpus 2` still shows every core of the host)."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    return max(1, min(cores, math.ceil(quota))) if quota else cores


def cgroup_cpu_quota(root: Path = CGROUP_ROOT) -> float | None:
    """The CPUs this process's cgroup may use per period (cgroup v2's cpu.max, else v1's CFS
    files), or None where there is no quota or no cgroup file to read."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else _ratio(int(quota), int(period))
    except (OSError, ValueError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())  # -1: no quota
        return _ratio(quota, int((root / "cpu" / "cpu.cfs_period_us").read_text()))
    except (OSError, ValueError):
        return None


def _ratio(quota: int, period: int) -> float | None:
    return quota / period if quota > 0 and period > 0 else None


def size_cpu_pool(concurrent: int) -> int:
    """Asks XLA for a CPU thread pool of cores + `concurrent` threads; returns the pool's size.

    Why: XLA runs a batched LAPACK call (a vmapped SVD or eigh) on its CPU thread pool, and the
    call holds its thread until every matrix of the batch is done, matrices that wait for free
    threads of the same pool. With as many such calls at once as the pool has threads, none
    finishes (jaxlib 0.10.2: two computations at once hung a 2-core server, whose pool had two
    threads). More threads than computations at once always leave one free.

    Only a call before JAX starts its CPU backend can size the pool, and a size the user set in
    NPROC is kept; the first call decides, later ones return the size in effect.
    """
    global _pool_threads
    if _pool_threads is None:
        if POOL_ENV_VAR not in os.environ and not _backend_started():
            os.environ[POOL_ENV_VAR] = str(cpu_cores() + max(concurrent, 0))
        _pool_threads = _positive_int(os.environ.get(POOL_ENV_VAR)) or cpu_cores()
    return _pool_threads


def _backend_started() -> bool:
    try:
        from jax._src import xla_bridge  # private: guarded, and only needed here

        return bool(xla_bridge.backends_are_initialized())
    except (ImportError, AttributeError):  # the private API moved: assume it has started
        return True


def _positive_int(text: str | None) -> int | None:
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if value > 0 else None


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Caps glibc's malloc arenas at `arenas` from now on; returns whether a cap is in effect.

    Why: glibc gives threads heaps of their own, up to 8 per core, and a Streamlit server runs a
    script thread per session: each leaves its heap fragmented. Measured with the overfitting,
    initialization and optimizer pages on 2 cores (`python -m bench.load`): the server held
    587–620 MB after one session had visited them, 548–552 MB capped here (532–540 MB with
    MALLOC_ARENA_MAX=2 from the start), and peaked with 20 sessions at 974–1,001 MB, 900–908
    MB with 2 arenas, serving as many reruns. Heaps that exist already stay (a Streamlit server
    has 8 before the app is imported), so call this early; MALLOC_ARENA_MAX=2 at start does
    more. A cap set in MALLOC_ARENA_MAX (the Docker image sets 2) is kept; where
    malloc is not glibc's (macOS, musl) nothing changes and this returns False.
    """
    if os.environ.get(ARENA_ENV_VAR):
        return True
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(M_ARENA_MAX, arenas) == 1


def release_free_memory() -> bool:
    """Hands the free pages of every malloc heap back to the OS; returns whether it could.

    Why: XLA's CPU buffers and the figures' serialised JSON come from glibc's heaps, and glibc
    keeps what they free. After one dropout sweep the process held 566–583 MB, 402–443 MB once
    trimmed (4–15 ms a trim; a fixed 256 KiB mmap threshold instead slowed each sweep by ~30 %,
    every buffer faulting in anew). Where malloc is not glibc's this does nothing (False).
    """
    try:
        malloc_trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    malloc_trim(0)
    return True


def drop_tracing_caches() -> bool:
    """Frees what JAX kept to trace and lower programs (jaxprs, MLIR modules), keeping every
    compiled program; returns whether it could.

    Why: once a program is compiled, each call finds it by its arguments' shapes in its jitted
    function's own cache and never traces again; the traces stay in JAX's caches all the same,
    ~55–70 MB once every page has run (`python -m bench.memory`). Only a new program traces
    anew, at the cost of retracing the library functions it calls. The programs of operations
    run eagerly (`dispatch.xla_primitive_callable`) are kept: they live in that cache, and
    dropping it recompiled ten of them. Private API of the pinned JAX: where it moved, nothing
    is dropped (False).
    """
    try:
        from jax._src import dispatch, util

        caches, keep = list(util._caches), dispatch.xla_primitive_callable
    except (ImportError, AttributeError):
        return False
    for cache in caches:
        if cache is not keep:
            cache.cache_clear()
    return True
