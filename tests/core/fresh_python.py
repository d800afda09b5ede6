"""Run code in a fresh interpreter: for what is process-wide (imports, JAX config, caches)."""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(
    code: str, *args: str, timeout_s: float = 300, env: Mapping[str, str | None] | None = None
) -> subprocess.CompletedProcess:
    """`python -c code args...` from the repository root; fails the test if it exits non-zero.

    `env` changes the inherited environment: a value of None removes that variable.
    """
    environment = {**os.environ, **(env or {})}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={key: value for key, value in environment.items() if value is not None},
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done
