"""The playground's datasets: shapes, closed-form geometry, splits, label noise, no recompiles."""

import jax
import numpy as np
import pytest

from core import datasets
from core.compile_counter import count_compiles


@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_shapes_dtypes_and_label_range(name):
    info = datasets.DATASETS[name]
    data = datasets.make_dataset(name, 3, 50, 70, 0.1, 0.2)
    assert data.x_train.shape == (datasets.TRAIN_MAX, info.in_features)
    assert data.x_val.shape == (datasets.VAL_MAX, info.in_features)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int32
    assert np.isfinite(np.asarray(data.x_train)).all()
    for y in (data.y_train, data.y_val):
        assert int(y.min()) >= 0 and int(y.max()) < info.n_classes
    assert int(data.train_mask.sum()) == 50 and int(data.val_mask.sum()) == 70
    assert len(info.class_names) == info.n_classes


@pytest.mark.parametrize("name", list(datasets.PLANAR))
def test_planar_prefixes_are_class_balanced(name):
    data = datasets.make_dataset(name, 0, 37, 41, 0.2, 0.0)
    n_classes = datasets.DATASETS[name].n_classes
    for y, n in ((data.y_train, 37), (data.y_val, 41)):
        counts = np.bincount(np.asarray(y)[:n], minlength=n_classes)
        assert counts.max() - counts.min() <= 1


def test_noise_free_moons_lie_on_their_arcs():
    data = datasets.make_dataset("moons", 1, 200, 10, 0.0, 0.0)
    x, y = np.asarray(data.x_train), np.asarray(data.y_train)
    upper = np.hypot(x[y == 0, 0] + 0.5, x[y == 0, 1] + 0.25)
    lower = np.hypot(x[y == 1, 0] - 0.5, x[y == 1, 1] - 0.25)
    np.testing.assert_allclose(upper, 1.0, atol=1e-5)
    np.testing.assert_allclose(lower, 1.0, atol=1e-5)
    assert (x[y == 0, 1] >= -0.25 - 1e-6).all() and (x[y == 1, 1] <= 0.25 + 1e-6).all()


def test_noise_free_circles_and_xor_follow_their_definitions():
    circles = datasets.make_dataset("circles", 2, 100, 10, 0.0, 0.0)
    radius = np.hypot(*np.asarray(circles.x_train).T)
    np.testing.assert_allclose(
        radius, np.where(np.asarray(circles.y_train) == 0, 1.0, 0.5), atol=1e-5
    )
    xor = datasets.make_dataset("xor", 2, 100, 10, 0.0, 0.0)
    x = np.asarray(xor.x_train)
    np.testing.assert_array_equal(x[:, 0] * x[:, 1] > 0, np.asarray(xor.y_train) == 1)


def test_noise_sigma_matches_the_slider():
    clean = datasets.make_dataset("circles", 4, 1000, 10, 0.0, 0.0)
    noisy = datasets.make_dataset("circles", 4, 1000, 10, 0.3, 0.0)
    residual = np.asarray(noisy.x_train) - np.asarray(clean.x_train)
    assert abs(residual.std() - 0.3) < 0.02


def test_digits_train_and_validation_never_share_an_image():
    images, _ = datasets._digits()
    data = datasets.make_dataset("digits", 5, 900, 897, 0.0, 0.0)
    used = np.concatenate([np.asarray(data.x_train)[:900], np.asarray(data.x_val)[:897]])
    # Each distinct image is used at most as often as it occurs in the 1,797 (some repeat).
    source_rows, source_counts = np.unique(images, axis=0, return_counts=True)
    used_rows, used_counts = np.unique(used, axis=0, return_counts=True)
    available = dict(zip(map(bytes, source_rows), source_counts, strict=True))
    assert all(c <= available[bytes(r)] for r, c in zip(used_rows, used_counts, strict=True))
    assert used_counts.sum() == datasets.DIGITS_TOTAL


def test_digits_pixels_are_scaled_to_unit_range():
    data = datasets.make_dataset("digits", 0, 100, 100, 0.0, 0.0)
    x = np.asarray(data.x_train)
    assert x.min() == 0.0 and x.max() == 1.0


@pytest.mark.parametrize("name", ["digits", "spiral"])
def test_label_noise_flips_the_asked_share_to_other_classes(name):
    clean = datasets.make_dataset(name, 7, 1000, 10, 0.0, 0.0)
    noisy = datasets.make_dataset(name, 7, 1000, 10, 0.0, 0.3)
    changed = np.asarray(noisy.y_train) != np.asarray(clean.y_train)
    np.testing.assert_array_equal(changed, np.asarray(noisy.flipped))
    # Binomial(1024, 0.3): std ≈ 0.014, so ±0.06 is > 4 standard deviations.
    assert abs(changed.mean() - 0.3) < 0.06
    np.testing.assert_array_equal(noisy.y_val, clean.y_val)


def test_same_seed_same_data_other_seed_other_data():
    a = datasets.make_dataset("spiral", 11, 64, 64, 0.1, 0.1)
    b = datasets.make_dataset("spiral", 11, 64, 64, 0.1, 0.1)
    c = datasets.make_dataset("spiral", 12, 64, 64, 0.1, 0.1)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.allclose(a.x_train, c.x_train)


def test_split_sizes_follow_the_validation_share_and_caps():
    assert datasets.split_sizes("moons", 100, 0.75) == (100, 300, None)
    assert datasets.split_sizes("moons", 100, 0.5) == (100, 100, None)
    n_train, n_val, note = datasets.split_sizes("moons", 1000, 0.9)
    assert (n_train, n_val) == (1000, datasets.VAL_MAX) and "capped" in note
    n_train, n_val, note = datasets.split_sizes("digits", 1000, 0.6)
    assert n_train + n_val == datasets.DIGITS_TOTAL and note


@pytest.mark.parametrize("name", ["digits", "moons"])
def test_moving_data_sliders_compiles_nothing(name):
    jax.block_until_ready(datasets.make_dataset(name, 0, 100, 300, 0.0, 0.2))
    with count_compiles() as compiles:
        for seed, n_train, n_val, noise, label_noise in [
            (1, 500, 200, 0.3, 0.0),
            (9999, 20, 1000, 1.0, 0.6),
        ]:
            jax.block_until_ready(
                datasets.make_dataset(name, seed, n_train, n_val, noise, label_noise)
            )
    assert compiles.count == 0
