"""scikit-learn's bundled 8×8 handwritten digits (offline), read by its own loader in a child
process so that the app's server never imports scikit-learn.

Why a child: `import sklearn.datasets` costs the server ~133 MB of resident memory for good (it
pulls in pandas, pyarrow and scipy.stats), while the digits themselves are 0.9 MB. The child
runs `sklearn.datasets.load_digits` once, hands the arrays back as an .npz on its stdout and
exits, taking that memory with it. Where scikit-learn is already imported (tests, the
pretraining script) or a child cannot be started, the loader runs in-process instead: same
arrays, only the memory differs.
"""

import functools
import io
import subprocess
import sys

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
    if sklearn_is_imported():
        images, labels = _load_here()
    else:
        try:
            images, labels = load_in_child()
        except (OSError, subprocess.SubprocessError, ValueError):
            images, labels = _load_here()  # no child process allowed here: memory, not results
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


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
