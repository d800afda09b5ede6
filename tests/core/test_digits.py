import numpy as np
import pytest
from sklearn.datasets import load_digits

from core import digits
from tests.core.fresh_python import run_python


def test_the_child_process_returns_scikit_learns_arrays_unchanged():
    images, labels = digits.load_in_child()
    reference = load_digits()
    assert images.dtype == reference.images.dtype and labels.dtype == reference.target.dtype
    np.testing.assert_array_equal(images, reference.images)
    np.testing.assert_array_equal(labels, reference.target)


def test_load_is_read_only_and_shaped_like_the_digits():
    images, labels = digits.load()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.min() == 0 and images.max() == 16 and set(np.unique(labels)) == set(range(10))
    with pytest.raises(ValueError, match="read-only"):
        images[0, 0, 0] = 1


def test_without_a_child_process_the_loader_runs_in_process(monkeypatch):
    def no_child():
        raise OSError("fork not allowed")

    monkeypatch.setattr(digits, "sklearn_is_imported", lambda: False)
    monkeypatch.setattr(digits, "load_in_child", no_child)
    images, labels = digits.load.__wrapped__()
    np.testing.assert_array_equal(images, load_digits().images)
    np.testing.assert_array_equal(labels, load_digits().target)


def test_the_server_process_never_imports_scikit_learn():
    """Every digit user in core loads its data, in a fresh process: no sklearn module there."""
    script = (
        "import sys\n"
        "from core import cnn, datasets, deep_signal, dropout_training, pretrain, transfer\n"
        "assert cnn.load_digit_images()[0].shape == (1797, 8, 8)\n"
        "assert datasets._digits()[0].shape == (1797, 64)\n"
        "assert deep_signal.digits()[0].shape == (1797, 64)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'pandas')))\n"
    )
    assert run_python(script).stdout.strip() == "[]"
