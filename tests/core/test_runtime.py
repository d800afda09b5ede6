"""The compilation cache, XLA's CPU thread pool, malloc arenas and the device description."""

import os
import platform

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from core import runtime
from core.runtime import ARENA_ENV_VAR, POOL_ENV_VAR, device_summary
from tests.core.fresh_python import run_python


def test_device_summary_names_backend_and_devices():
    info = device_summary()
    assert info["backend"] in ("cpu", "gpu", "tpu", "cuda", "rocm")
    assert len(info["devices"]) >= 1


def test_importing_core_asks_for_full_float32_matrix_products():
    # GPUs default to TF32 for float32 dots; the closed-form fits need float32 (see core/__init__).
    assert jax.config.jax_default_matmul_precision == "highest"
    a, b = np.random.default_rng(0).standard_normal((2, 256, 256)).astype(np.float32)
    exact = a.astype(np.float64) @ b
    error = np.linalg.norm(np.asarray(jax.jit(jnp.dot)(a, b)) - exact) / np.linalg.norm(exact)
    assert error < 1e-5  # TF32 gives ≈ 3e-4


def test_compilation_cache_writes_compiled_programs_to_disk(tmp_path):
    # In a subprocess: the cache setting is process-wide and must not leak into other tests.
    code = (
        "import sys, jax, jax.numpy as jnp\n"
        "from core.runtime import enable_compilation_cache\n"
        "d = enable_compilation_cache(sys.argv[1], min_compile_seconds=0.0)\n"
        "jax.jit(lambda x: jnp.sin(x) @ x.T)(jnp.ones((64, 64))).block_until_ready()\n"
        "print(jax.config.jax_compilation_cache_dir)\n"
    )
    out = run_python(code, str(tmp_path))
    assert out.stdout.strip() == str(tmp_path)
    assert any(tmp_path.iterdir()), "no compiled program was written to the cache"


POOL_REPORT = (
    "import os\n"
    "from core.runtime import cpu_cores, size_cpu_pool\n"
    "{before}"
    "print(size_cpu_pool(2), os.environ.get('NPROC'), cpu_cores())\n"
)


def pool_report(before: str = "", nproc: str | None = None) -> tuple[int, str | None, int]:
    out = run_python(POOL_REPORT.format(before=before), env={POOL_ENV_VAR: nproc})
    size, env_value, cores = out.stdout.split()
    return int(size), None if env_value == "None" else env_value, int(cores)


def test_cpu_pool_gets_a_thread_per_computation_beyond_the_cores():
    size, env_value, cores = pool_report()
    assert size == cores + 2
    assert env_value == str(size)  # what XLA's CPU client reads when JAX starts


def test_cpu_pool_is_left_alone_once_jax_has_started():
    size, env_value, cores = pool_report(before="import jax\njax.devices()\n")
    assert (size, env_value) == (cores, None)


def test_cpu_pool_size_set_by_the_user_is_kept():
    assert pool_report(nproc="7")[:2] == (7, "7")
    size, _, cores = pool_report(nproc="lots")
    assert size == cores  # unreadable: the default


TWO_AT_ONCE_ON_TWO_CORES = """
import dataclasses, os, sys, threading
os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])
from core.runtime import size_cpu_pool
if sys.argv[1] == "sized":
    size_cpu_pool(2)
from core.overfitting import OverfitSettings, explore

explore(OverfitSettings())  # compiled before the race
finished = []

def learner(i):
    for seed in range(40):  # each run: batched SVDs over degrees and resamples
        explore(dataclasses.replace(OverfitSettings(), seed=1000 * i + seed))
    finished.append(i)

threads = [threading.Thread(target=learner, args=(i,), daemon=True) for i in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=60)
print(sorted(finished))
"""


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_two_computations_at_once_finish_on_two_cores_with_the_sized_pool():
    # Unsized, the two-thread pool of two cores hung within about ten runs here (jaxlib 0.10.2).
    out = run_python(TWO_AT_ONCE_ON_TWO_CORES, "sized", env={POOL_ENV_VAR: None}, timeout_s=150)
    assert out.stdout.split("\n")[-2] == "[0, 1]"


ARENAS_SCRIPT = """
import ctypes, sys, threading
from core.runtime import limit_malloc_arenas
print(limit_malloc_arenas(2) if sys.argv[1] == "cap" else "uncapped")
ready = threading.Barrier(8)

def allocate():
    held = [bytearray(4096) for _ in range(200)]  # through malloc: past pymalloc's 512 bytes
    ready.wait()

threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
ctypes.CDLL(None).malloc_stats()  # one "Arena i:" block per arena, on stderr
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt's arena cap is glibc's")
def test_threads_started_after_the_cap_share_two_malloc_arenas():
    uncapped = run_python(ARENAS_SCRIPT, "none", env={ARENA_ENV_VAR: None})
    capped = run_python(ARENAS_SCRIPT, "cap", env={ARENA_ENV_VAR: None})

    assert capped.stdout.strip() == "True"
    assert capped.stderr.count("Arena ") <= 2
    assert uncapped.stderr.count("Arena ") > 2  # eight threads, each its own heap


def test_a_cap_set_in_the_environment_is_kept():
    code = "from core.runtime import limit_malloc_arenas; print(limit_malloc_arenas(2))"
    assert run_python(code, env={ARENA_ENV_VAR: "4"}).stdout.strip() == "True"


TRIM_SCRIPT = """
import ctypes
from core.runtime import release_free_memory

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

libc.free(libc.malloc(8 << 20))  # glibc now serves blocks up to 8 MB from its heap, not mmap
blocks = []
for _ in range(200):
    block = libc.malloc(1 << 20)
    ctypes.memset(block, 1, 1 << 20)
    blocks.append(block)
before = rss_mb()
for block in blocks[::2]:  # 100 MB of holes between live blocks: free() cannot shrink the heap
    libc.free(block)
freed = rss_mb()
print(release_free_memory(), round(before - freed), round(freed - rss_mb()))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_releasing_free_memory_hands_freed_heap_pages_back():
    released, kept_by_free, given_back = run_python(TRIM_SCRIPT).stdout.split()
    assert released == "True"
    assert int(kept_by_free) < 20  # free() alone keeps the heap's pages resident
    assert int(given_back) > 80  # of the 100 MB freed


def _cgroup(root, files: dict[str, str]):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "quota"),
    [
        ({"cpu.max": "200000 100000\n"}, 2.0),  # v2: docker run --cpus 2
        ({"cpu.max": "150000 100000\n"}, 1.5),
        ({"cpu.max": "max 100000\n"}, None),  # v2, no quota
        ({"cpu/cpu.cfs_quota_us": "400000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 4.0),  # v1
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu.max": "garbage"}, None),
        ({}, None),  # no cgroup files at all (not Linux, or not mounted)
    ],
)
def test_cgroup_cpu_quota_reads_v2_then_v1(tmp_path, files, quota):
    assert runtime.cgroup_cpu_quota(_cgroup(tmp_path, files)) == quota


@pytest.mark.parametrize(("quota", "cores"), [(None, 16), (2.0, 2), (1.5, 2), (0.5, 1), (64.0, 16)])
def test_cpu_cores_are_the_affinity_cut_to_the_quota(monkeypatch, quota, cores):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)))
    monkeypatch.setattr(runtime, "cgroup_cpu_quota", lambda: quota)
    assert runtime.cpu_cores() == cores


DROP_SCRIPT = """
import gc
import jax, jax.numpy as jnp, numpy as np
from core.compile_counter import compiles_so_far, count_compiles
from core.runtime import drop_tracing_caches, release_free_memory

def rss_mb():
    gc.collect()
    release_free_memory()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

@jax.jit
def long_program(x):
    for i in range(200):  # a long trace: 400 operations
        x = jnp.tanh(x * 1.0001 + i)
    return x

x = jnp.ones((4, 4))
first = np.asarray(long_program(x))
eager = np.asarray(jnp.float32(2.0) * jnp.arange(3))  # programs of operations run eagerly
compiled, before = compiles_so_far(), rss_mb()
dropped = drop_tracing_caches()
after = rss_mb()
with count_compiles() as counter:
    same = np.array_equal(first, long_program(x))
    same_eager = np.array_equal(eager, jnp.float32(2.0) * jnp.arange(3))
print(dropped, compiled, round(before - after, 1), counter.count, same, same_eager)
"""


def test_dropping_the_tracing_caches_frees_memory_and_recompiles_nothing():
    printed = run_python(DROP_SCRIPT).stdout.split()
    dropped, compiled, freed_mb, recompiled, same, same_eager = printed
    assert dropped == "True"
    assert int(compiled) >= 2  # the program and the eager operations were compiled once
    assert float(freed_mb) > 2.0  # ~5.6 MB: the jaxprs and MLIR of 400 operations
    assert int(recompiled) == 0
    assert same == same_eager == "True"
