"""Run code in a fresh interpreter: for what is process-wide (imports, JAX config, caches)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, *args: str, timeout_s: float = 300) -> subprocess.CompletedProcess:
    """`python -c code args...` from the repository root; fails the test if it exits non-zero."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done
