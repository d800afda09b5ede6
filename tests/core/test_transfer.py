"""Transfer strategies: what each one trains, vmapped == one by one, the few-label advantage of
pretrained features, no recompiles when k, seed or learning rate move, and the PCA helpers."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import serialization

from core import cnn, pretrain, transfer
from core.compile_counter import count_compiles

pytestmark = pytest.mark.standard_promotion  # training runs through optax's Adam

FROZEN = transfer.STRATEGIES["frozen features + linear head"]


@pytest.fixture(scope="module")
def shipped():
    return pretrain.load()[0]


@pytest.fixture(scope="module")
def data():
    return transfer.target_data()


@pytest.fixture(scope="module")
def first_chunk(shipped, data):
    """k = 1 … 10, three seeds, every strategy, default settings."""
    return transfer.compare_chunk(shipped, data, transfer.Settings(), 0)


def runs(shipped, data, ks, seeds, strategy, lr=0.01):
    hyper = jnp.asarray([lr, 0.1, strategy.from_pretrained], jnp.float32)
    keys = jnp.stack([transfer.run_key(0, s) for s in seeds])
    draws = transfer.run_draws(jnp.asarray(ks, jnp.int32), keys)
    images = data["pool_images"], data["test_images"], data["test_labels"]
    return transfer.train_runs(shipped, *images, draws, hyper, stage=strategy.stage)


def test_target_data_is_balanced_disjoint_and_on_the_canvas(data):
    assert data["pool_images"].shape == (5, transfer.MAX_K, *cnn.IMAGE_SHAPE)
    assert data["test_images"].shape == (5 * transfer.TEST_PER_CLASS, *cnn.IMAGE_SHAPE)
    assert np.bincount(data["test_labels"]).tolist() == [transfer.TEST_PER_CLASS] * 5
    pool = data["pool_images"].reshape(-1, 100)
    assert not (pool[:, None, :] == data["test_images"].reshape(1, -1, 100)).all(-1).any()
    assert data["test_images"].min() >= 0.0 and data["test_images"].max() <= 1.0


def test_start_params_copy_the_body_and_zero_the_head(shipped):
    fresh = cnn.init_params(jax.random.key(0))
    pretrained_start = transfer.start_params(shipped, fresh, jnp.bool_(True))
    scratch_start = transfer.start_params(shipped, fresh, jnp.bool_(False))
    for layer in ("conv1", "conv2"):
        kernel = shipped[layer]["kernel"][...]
        np.testing.assert_array_equal(pretrained_start[layer]["kernel"][...], kernel)
        np.testing.assert_array_equal(
            scratch_start[layer]["kernel"][...], fresh[layer]["kernel"][...]
        )
        assert not np.allclose(scratch_start[layer]["kernel"][...], kernel)
    for start in (pretrained_start, scratch_start):
        assert not np.any(start["head"]["kernel"][...]) and not np.any(start["head"]["bias"][...])


def test_run_draws_pick_minibatches_from_each_runs_first_k_of_its_order():
    ks = jnp.asarray([1, 4, 50], jnp.int32)
    keys = jnp.stack([transfer.run_key(5, s) for s in range(3)])
    draws = transfer.run_draws(ks, keys)
    assert draws["labels"].shape == draws["picks"].shape == (3, transfer.TRAIN_STEPS, 16)
    for run, k in enumerate([1, 4, 50]):
        order = np.asarray(transfer.labelled_order(keys[run]))
        np.testing.assert_array_equal(draws["order"][run], order)
        labels, picks = np.asarray(draws["labels"][run]), np.asarray(draws["picks"][run])
        assert set(np.unique(labels)) == set(range(5))  # 1,600 draws see every class
        allowed = [set(order[c, :k]) for c in range(5)]
        assert all(p in allowed[c] for c, p in zip(labels.ravel(), picks.ravel(), strict=True))
        fresh = cnn.init_params(jax.random.fold_in(keys[run], 1))
        np.testing.assert_array_equal(
            draws["fresh"]["conv1"]["kernel"][run], fresh["conv1"]["kernel"]
        )


def test_training_programs_draw_no_random_bits(shipped, data):
    """The random bits are run_draws' alone: no strategy's program compiles them again."""
    keys = jnp.stack([transfer.run_key(0, 0)] * 2)
    draws = transfer.run_draws(jnp.ones(2, jnp.int32), keys)
    images = data["pool_images"], data["test_images"], data["test_labels"]
    hyper = jnp.asarray([0.01, 0.1, 1.0], jnp.float32)
    assert "threefry" in transfer.run_draws.lower(jnp.ones(2, jnp.int32), keys).as_text()
    for stage in sorted({s.stage for s in transfer.STRATEGIES.values()}):
        text = transfer.train_runs.lower(shipped, *images, draws, hyper, stage=stage).as_text()
        assert "threefry" not in text, stage


@pytest.mark.parametrize("name", list(transfer.STRATEGIES))
def test_each_strategy_trains_exactly_its_layers(shipped, data, first_chunk, name):
    """Frozen layers keep the pretrained values; trained ones move; the shipped weights stay."""
    before = jax.tree.map(np.array, cnn.to_pure_dict(shipped))
    trained = first_chunk["weights"][name]
    frozen = {
        "from scratch": (),
        "frozen features + linear head": ("conv1", "conv2"),
        "fine-tune last block": ("conv1",),
        "fine-tune all (lower LR)": (),
    }[name]
    for layer in ("conv1", "conv2", "head"):
        for leaf in ("kernel", "bias"):
            same = np.isclose(trained[layer][leaf], before[layer][leaf][None]).all()
            assert same == (layer in frozen), (layer, leaf)
    jax.tree.map(np.testing.assert_array_equal, cnn.to_pure_dict(shipped), before)


def test_vmapped_runs_equal_runs_one_by_one(shipped, data, first_chunk):
    """The chunk's 30 vmapped runs of the frozen strategy against single runs of three of them."""
    frozen = list(transfer.STRATEGIES).index("frozen features + linear head")
    for k, seed in [(1, 0), (4, 1), (9, 2)]:
        accuracy, losses, _ = runs(shipped, data, [k], [seed], FROZEN)
        vmapped = first_chunk["accuracy"][frozen, k - 1, seed]
        np.testing.assert_allclose(accuracy[0], vmapped, atol=1.5 / len(data["test_labels"]))
        np.testing.assert_allclose(
            losses[0], first_chunk["loss"][frozen, k - 1, seed], rtol=1e-4, atol=1e-5
        )


def test_only_the_first_k_examples_per_class_are_used(shipped, data):
    """Changing pool images beyond the first k of a seed's order leaves the run unchanged."""
    k = 3
    order = np.asarray(transfer.labelled_order(transfer.run_key(0, 0)))
    altered = dict(data, pool_images=data["pool_images"].copy())
    for c in range(5):
        altered["pool_images"][c, order[c, k:]] = 1.0
    base = runs(shipped, data, [k], [0], FROZEN)[0]
    np.testing.assert_array_equal(runs(shipped, altered, [k], [0], FROZEN)[0], base)


def test_frozen_features_beat_scratch_with_few_labels(first_chunk):
    names = list(transfer.STRATEGIES)
    few = first_chunk["accuracy"][:, :5]  # k = 1 … 5, (strategy, k, seed)
    scratch = few[names.index("from scratch")].mean()
    frozen = few[names.index("frozen features + linear head")].mean()
    last_block = few[names.index("fine-tune last block")].mean()
    assert frozen > scratch + 0.03, (frozen, scratch)
    assert last_block > scratch + 0.03, (last_block, scratch)
    assert few.min() > 0.2  # every run beats chance (5 classes)


def test_accuracy_grows_with_labels(first_chunk):
    accuracy = first_chunk["accuracy"].mean(axis=-1)
    assert (accuracy[:, -1] > accuracy[:, 0] + 0.1).all()


def test_moving_k_seed_or_learning_rate_compiles_nothing(shipped, data, first_chunk):
    del first_chunk  # warmed up every strategy's program
    transfer.feature_projection(shipped, seed=0, k=5)
    with count_compiles() as compiles:
        transfer.compare_chunk(shipped, data, transfer.Settings(seed=7, learning_rate=0.003), 1)
        transfer.feature_projection(shipped, seed=3, k=17)
        transfer.feature_projection(shipped, seed=4, k=2)
    assert compiles.count == 0


def test_merge_chunks_and_weights_at(first_chunk):
    result = transfer.merge_chunks([first_chunk] * transfer.N_CHUNKS)
    assert result["k"].shape == (transfer.N_CHUNKS * transfer.K_PER_CHUNK,)
    np.testing.assert_allclose(result["mean"], result["accuracy"].mean(-1))
    assert (result["diverged_at"] == 0).all()
    weights = transfer.weights_at(result, 3)
    restored = serialization.msgpack_restore(transfer.weights_msgpack(result, 3))
    for name, params in weights.items():
        stacked = first_chunk["weights"][name]["head"]["kernel"]
        np.testing.assert_array_equal(params["head"]["kernel"], stacked[2])
        np.testing.assert_array_equal(restored[name]["conv2"]["bias"], params["conv2"]["bias"])


def test_merge_chunks_marks_the_first_non_finite_step(first_chunk):
    broken = dict(first_chunk, loss=first_chunk["loss"].copy())
    broken["loss"][0, 2, 1, 4:] = np.nan
    result = transfer.merge_chunks([broken])
    assert result["diverged_at"][0, 2, 1] == 5 * transfer.LOSS_EVERY
    assert result["diverged_at"].sum() == 5 * transfer.LOSS_EVERY


def test_pca_2d_matches_the_covariance_eigenvectors():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)) @ np.diag([3.0, 2.0, 1.0, 0.5]) + 5.0
    points, shares = transfer.pca_2d(x)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(x.T))
    top = eigenvectors[:, ::-1][:, :2]
    expected = (x - x.mean(0)) @ top
    np.testing.assert_allclose(np.abs(points), np.abs(expected), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(shares, eigenvalues[::-1][:2] / eigenvalues.sum(), rtol=1e-6)


def test_class_separation_closed_form():
    features = np.array([[0.0], [2.0], [10.0], [12.0]])
    labels = np.array([0, 0, 1, 1])
    # class means 1 and 11, grand mean 6: between = 2·25 + 2·25, within = 4 · 1
    assert transfer.class_separation(features, labels) == pytest.approx(100.0 / 4.0)


def test_feature_projection_marks_k_labels_per_class_and_pretraining_separates(shipped):
    projection = transfer.feature_projection(shipped, seed=0, k=4)
    assert projection["labelled"].sum() == 4 * 5
    assert np.bincount(projection["labels"][projection["labelled"]]).tolist() == [4] * 5
    assert projection["pretrained"].shape == projection["random"].shape == (650, 2)
    assert projection["pretrained_separation"] > projection["random_separation"]
