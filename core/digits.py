"""scikit-learn's bundled 8×8 handwritten digits (offline), read by its own loader in a child
process so that the app's server never imports scikit-learn.

Why a child: `import sklearn.datasets` costs the server ~133 MB of resident memory for good (it
pulls in pandas, pyarrow and scipy.stats), while the digits themselves are 0.9 MB. The child
runs `sklearn.datasets.load_digits` once, hands the arrays back as an .npz on its stdout and
exits, taking that memory with it. Where scikit-learn is already imported (tests, the
pretraining script) or a child cannot be started, the loader runs in-process instead: same
arrays, only the memory differs.

The child takes ~1.5 s of CPU, nearly all of it importing scikit-learn, so its arrays are kept
as an .npz beside the persistent compilation cache, keyed by scikit-learn's version: a restarted
server reads them in milliseconds. Where that cache is off, nothing is written.
"""

import functools
import importlib.metadata
import io
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import jax
import numpy as np

CHILD_TIMEOUT_S = 120
_CHILD_SCRIPT = """
import sys
import numpy as np
from sklearn.datasets import load_digits
digits = load_digits()
np.savez(sys.stdout.buffer, images=digits.images, target=digits.target)
"""


@functools.cache
def load() -> tuple[np.ndarray, np.ndarray]:
    """images (1797, 8, 8) float64 with values 0–16, and labels (1797,) int; read-only."""
    path = cache_path()
    kept = read_kept(path) if path else None
    if kept is not None:
        images, labels = kept
    else:
        images, labels = _load_fresh()
        if path:
            keep(path, images, labels)
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


def _load_fresh() -> tuple[np.ndarray, np.ndarray]:
    if sklearn_is_imported():
        return _load_here()
    try:
        return load_in_child()
    except (OSError, subprocess.SubprocessError, ValueError):
        return _load_here()  # no child process allowed here: memory, not results


def cache_path() -> Path | None:
    """Where the arrays are kept: in the compilation cache's directory if that cache is on."""
    directory = jax.config.jax_compilation_cache_dir
    if not directory:
        return None
    try:
        version = importlib.metadata.version("scikit-learn")
    except importlib.metadata.PackageNotFoundError:
        return None
    return Path(directory) / "data" / f"digits-scikit-learn-{version}.npz"


def read_kept(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The kept arrays, or None if there are none or they are not whole digits."""
    try:
        # Our own file object: np.load leaves a path's file open when the zip is cut short.
        with open(path, "rb") as file, np.load(file, allow_pickle=False) as arrays:
            images, labels = arrays["images"], arrays["target"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if images.shape != (len(labels), 8, 8) or labels.ndim != 1 or not len(labels):
        return None
    return images, labels


def keep(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Writes the arrays for the next start; atomically (servers may share the directory), and
    never failing a load: a read-only cache only costs the next start its 1.5 s."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    try:
        with open(partial, "wb") as file:
            np.savez(file, images=images, target=labels)
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)


def sklearn_is_imported() -> bool:
    return "sklearn.datasets" in sys.modules


def load_in_child() -> tuple[np.ndarray, np.ndarray]:
    """`load_digits()` run by a fresh Python; its arrays, unchanged."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD_SCRIPT],
        capture_output=True,
        check=True,
        timeout=CHILD_TIMEOUT_S,
    )
    with np.load(io.BytesIO(done.stdout), allow_pickle=False) as arrays:
        return arrays["images"], arrays["target"]


def _load_here() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.images, digits.target
