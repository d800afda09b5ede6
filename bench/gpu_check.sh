#!/usr/bin/env bash
# The GPU check, run on a lent GPU machine from the repository root (`bash bench/gpu_check.sh`):
# the core tests and the compute benchmarks with JAX on the GPU. Such a machine has no registry:
# its own jax, flax, optax and torch are used. Logs go to $OUT (or ./gpu-out) as well as to stdout.
set -uo pipefail
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
# flax 0.12.8 does not import under jax 0.11 (seen 2026-11-26: no hijax.HiPrimitive), so the
# image's own flax/optax are used unless wheels are carried for a matching jax.
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
  # Streamlit installed outside site-packages thinks it is in development mode, which
  # refuses --server.port.
  export STREAMLIT_GLOBAL_DEVELOPMENT_MODE=false
fi
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}$PWD

step() {  # step NAME SECONDS COMMAND...: runs a command with a limit, logged to $OUT/NAME.log
  local name=$1 limit=$2
  shift 2
  echo "=== $name (limit ${limit}s)"
  local start=$SECONDS
  timeout "$limit" "$@" 2>&1 | tee "$OUT/$name.log"
  echo "=== $name: exit ${PIPESTATUS[0]} after $((SECONDS - start)) s"
}

nvidia-smi -L
python3 -c "import sys, jax, flax, optax, sklearn, torch
print(sys.version.split()[0], 'jax', jax.__version__, 'flax', flax.__version__,
      'optax', optax.__version__, 'sklearn', sklearn.__version__, 'torch', torch.__version__)
print(jax.devices())
import jax.numpy as jnp, numpy as np
a, b = np.random.default_rng(0).standard_normal((2, 512, 512)).astype(np.float32)
err = np.linalg.norm(np.asarray(jnp.dot(a, b)) - a.astype(float) @ b) / np.linalg.norm(a.astype(float) @ b)
print(f'float32 matmul relative error on {jax.default_backend()}: {err:.1e} (tf32 ~ 3e-4, f32 ~ 1e-7)')"
# BENCHES / CORE_TESTS pick a subset when a run must fit what is left of the device time
# (CORE_TESTS=none runs no tests).
BENCHES=${BENCHES:-dropout initialization optimizers overfitting}
for bench in $BENCHES; do
  case $bench in
    dropout) step bench_dropout 150 python3 -m bench.dropout --torch-threads 1 16 ${TORCH_CUDA---torch-cuda} ;;
    initialization) step bench_initialization 45 python3 -m bench.initialization --reps 20 ;;
    optimizers) step bench_optimizers 30 python3 -m bench.optimizers --repeats 50 ;;
    overfitting) step bench_overfitting 45 python3 -m bench.overfitting ;;
    transfer) step bench_transfer 120 python3 -m bench.transfer ;;
    # The app served from the GPU machine (needs bench/gpu_wheels.sh's wheels): a move's cost
    # page by page, then 20 sessions on every page, or on the three quick pages.
    server_cpu) step server_cpu 150 python3 -m bench.server_cpu --moves 30 \
      --pages overfitting initialization optimizers ;;
    load) step load_all 240 python3 -m bench.load --sessions 20 --server-log "$OUT/server_all.log" ;;
    load_quick) step load_quick 150 python3 -m bench.load --sessions 20 \
      --server-log "$OUT/server_quick.log" --pages overfitting initialization optimizers ;;
  esac
done
# Core tests only: the page tests need Streamlit, which the GPU image lacks. Our pyproject makes
# warnings errors; a newer jax there may warn about what our pinned one does not.
# The numerical ones first (closed forms, optax references, vmapped = one by one); the whole
# core suite takes ~15 min on 2 CPU cores, more than one GPU call.
CORE_TESTS=${CORE_TESTS:-test_polynomial test_overfitting test_bias_variance test_optimizers \
  test_dropout_training test_deep_signal test_initializers}
[ "$CORE_TESTS" = none ] || step core_tests ${CORE_TESTS_LIMIT:-200} python3 -m pytest -q -p no:cacheprovider \
  --confcutdir=tests/core -o filterwarnings= --timeout 60 --durations=5 \
  $(for name in $CORE_TESTS; do echo "tests/core/$name.py"; done)
