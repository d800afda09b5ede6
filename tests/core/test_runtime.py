"""The persistent compilation cache and the device description."""

import jax
import jax.numpy as jnp
import numpy as np

from core.runtime import device_summary
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
