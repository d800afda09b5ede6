"""The digits CNN and its pretraining: convolutions against nnx.Conv, canvas placement, blocks
that compose, shipped weights that match their card, and a script that reproduces them."""

import hashlib
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from core import cnn, pretrain
from tests.core.fresh_python import run_python


@pytest.fixture(scope="module")
def shipped():
    return pretrain.load()


@pytest.fixture(scope="module")
def source():
    return pretrain.source_data()


def random_images(n: int, seed: int = 0) -> jax.Array:
    return jax.random.uniform(jax.random.key(seed), (n, *cnn.IMAGE_SHAPE), jnp.float32)


@pytest.mark.parametrize(
    ("stride", "padding", "pad"), [(1, "SAME", (1, 1)), (2, "SAME", (0, 1)), (1, "VALID", (0, 0))]
)
def test_patch_convolution_equals_nnx_conv(stride, padding, pad):
    conv = nnx.Conv(3, 4, (3, 3), strides=stride, padding=padding, rngs=nnx.Rngs(1))
    conv.bias[...] = jax.random.normal(jax.random.key(2), (4,))
    x = jax.random.normal(jax.random.key(3), (2, 10, 10, 3))
    ours = cnn.conv3x3(x, conv.kernel[...], conv.bias[...], pad=pad, stride=stride)
    np.testing.assert_allclose(ours, conv(x), rtol=1e-5, atol=1e-5)


def test_model_forward_equals_the_nnx_layers_applied_directly():
    model = cnn.DigitsCNN(rngs=nnx.Rngs(0))
    x = random_images(4)
    hidden = jax.nn.relu(model.conv1(x[..., None]))
    features = jax.nn.relu(model.conv2(hidden)).max(axis=(1, 2))
    np.testing.assert_allclose(model(x), model.head(features), rtol=1e-5, atol=1e-5)
    _, params = nnx.split(model)
    np.testing.assert_allclose(cnn.forward(params, x), model(x), rtol=1e-6)


def test_blocks_compose_at_every_stage():
    params = cnn.init_params(jax.random.key(4))
    x = random_images(3)
    full = cnn.forward(params, x)
    assert full.shape == (3, cnn.NUM_CLASSES)
    assert cnn.represent(params, x, cnn.STAGE_BLOCK1).shape == (3, 5, 5, cnn.CHANNELS[0])
    assert cnn.represent(params, x, cnn.STAGE_FEATURES).shape == (3, cnn.FEATURES)
    for stage in (cnn.STAGE_IMAGES, cnn.STAGE_BLOCK1, cnn.STAGE_FEATURES):
        inputs = cnn.represent(params, x, stage)
        np.testing.assert_allclose(cnn.forward(params, inputs, stage), full, rtol=1e-6)


def test_place_on_canvas_matches_numpy_pasting():
    digits = np.random.default_rng(0).random((4, 8, 8)).astype(np.float32)
    offsets = np.array([[0, 0], [2, 2], [0, 2], [1, 0]])
    placed = np.asarray(cnn.place_on_canvas(digits, offsets))
    for digit, (row, col), image in zip(digits, offsets, placed, strict=True):
        expected = np.zeros(cnn.IMAGE_SHAPE, np.float32)
        expected[row : row + 8, col : col + 8] = digit
        np.testing.assert_array_equal(image, expected)


def test_split_per_class_is_disjoint_and_balanced():
    _, labels = cnn.load_digit_images()
    first, second, rest = cnn.split_per_class(labels, (5, 6), (10, 20, None), seed=0)
    assert first.shape == (2, 10) and second.shape == (2, 20)
    assert (labels[first] == np.array([[5], [6]])).all()
    everything = np.concatenate([first.ravel(), second.ravel(), rest])
    assert len(set(everything.tolist())) == len(everything) == np.isin(labels, (5, 6)).sum()


def test_pure_dict_round_trip_is_exact_and_fresh(shipped):
    params, _ = shipped
    again = cnn.from_pure_dict(cnn.to_pure_dict(params))
    assert again is not params
    jax.tree.map(np.testing.assert_array_equal, again, params)


def test_shipped_weights_give_the_accuracy_on_their_card(shipped, source):
    params, card = shipped
    accuracy = float(pretrain.accuracy(params, source["test_images"], source["test_labels"]))
    assert card["n_test"] == len(source["test_labels"])
    assert accuracy == pytest.approx(card["test_accuracy"], abs=1e-6)
    assert card["test_accuracy"] > 0.95
    assert card["parameter_count"] == cnn.parameter_count(params)
    blob = pretrain.WEIGHTS_FILE.read_bytes()
    assert hashlib.sha256(blob).hexdigest() == card["weights_sha256"]
    assert card["script"] == "python -m core.pretrain"
    assert card["source_classes"] == [0, 1, 2, 3, 4]


@pytest.mark.standard_promotion
def test_the_script_reproduces_the_shipped_weights(tmp_path, shipped):
    """The whole pretraining is a short run (< 1 s of compute): run the script itself.

    On this machine the result is bit-identical; the tolerances (two test images, 5 % per
    layer) leave room for another CPU's floating-point summation order.
    """
    params, card = shipped
    new_card = pretrain.main(["--out", str(tmp_path), "--seed", str(card["seed"])])
    assert new_card["test_accuracy"] == pytest.approx(card["test_accuracy"], abs=2.5 / 180)
    again, saved = pretrain.load(tmp_path)
    assert {k: saved[k] for k in new_card} == json.loads(json.dumps(new_card))
    for new, old in zip(jax.tree.leaves(again), jax.tree.leaves(params), strict=True):
        assert np.linalg.norm(new - old) <= 0.05 * np.linalg.norm(old)


@pytest.mark.standard_promotion
def test_another_seed_gives_other_weights(source):
    def train(seed):
        return pretrain.train(
            jax.random.key(seed),
            source["train_digits"],
            source["train_labels"],
            jnp.float32(3e-3),
            epochs=pretrain.PretrainConfig.epochs,
            batch_size=pretrain.PretrainConfig.batch_size,
        )[0]

    first, second = train(1), train(2)
    assert not np.allclose(first["conv1"]["kernel"][...], second["conv1"]["kernel"][...])


def test_importing_the_model_compiles_nothing():
    """The model's structure is split from an abstract model: building a real one at import ran
    34 small XLA compilations and cost the server ~70 MB before any page asked for it."""
    script = "import jax; jax.config.update('jax_log_compiles', True); import core.cnn"
    done = run_python(script)
    assert "Compiling" not in done.stderr, done.stderr[-2000:]
