import importlib.metadata

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


def _refuse_to_load():
    raise AssertionError("loaded afresh, not read from the kept file")


def test_loaded_digits_are_kept_and_a_restart_reads_them_without_loading(tmp_path, monkeypatch):
    kept = tmp_path / "data" / "digits.npz"
    monkeypatch.setattr(digits, "cache_path", lambda: kept)
    digits.load.__wrapped__()
    assert kept.exists() and not list(kept.parent.glob("*.partial"))
    monkeypatch.setattr(digits, "_load_fresh", _refuse_to_load)
    images, labels = digits.load.__wrapped__()
    np.testing.assert_array_equal(images, load_digits().images)
    np.testing.assert_array_equal(labels, load_digits().target)
    assert images.dtype == load_digits().images.dtype and not images.flags.writeable


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"not an npz"),
        lambda path: path.write_bytes(path.read_bytes()[:1000]),  # cut short
        lambda path: np.savez(path, images=np.zeros((3, 8, 7)), target=np.zeros(3)),
        lambda path: np.savez(path, images=np.zeros((3, 8, 8))),
    ],
    ids=["garbage", "truncated", "wrong-shape", "no-labels"],
)
def test_a_damaged_kept_file_is_loaded_afresh_and_replaced(tmp_path, monkeypatch, damage):
    kept = tmp_path / "digits.npz"
    monkeypatch.setattr(digits, "cache_path", lambda: kept)
    digits.load.__wrapped__()
    damage(kept)
    assert digits.read_kept(kept) is None
    images, _ = digits.load.__wrapped__()
    np.testing.assert_array_equal(images, load_digits().images)
    np.testing.assert_array_equal(digits.read_kept(kept)[0], load_digits().images)


def test_a_cache_that_cannot_be_written_only_costs_the_next_load(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(digits, "cache_path", lambda: blocker / "data" / "digits.npz")
    images, _ = digits.load.__wrapped__()  # its directory cannot be made: still loads
    np.testing.assert_array_equal(images, load_digits().images)


def test_digits_are_kept_beside_the_compilation_cache_and_only_when_it_is_on(tmp_path):
    script = (
        "import sys\n"
        "from core import digits\n"
        "from core.runtime import enable_compilation_cache\n"
        "print(digits.cache_path())\n"
        "enable_compilation_cache(sys.argv[1])\n"
        "print(digits.cache_path())\n"
    )
    off, on = run_python(script, str(tmp_path)).stdout.split()
    version = importlib.metadata.version("scikit-learn")
    assert off == "None"
    assert on == str(tmp_path / "data" / f"digits-scikit-learn-{version}.npz")
