"""Dropout training: the maths of one network, the sweep machinery, and the lesson's claim."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from core import datasets, mlp
from core import dropout_training as dt
from core.compile_counter import count_compiles

# Small and quick: most tests share this configuration, so its programs compile once.
SMALL = dt.Settings(
    dataset="moons", n_train=64, val_share=0.5, noise=0.2, width=16, rates=(0.0, 0.5), seeds=2,
    epochs=10, label_noise=0.0, lr=0.01,
)  # fmt: skip
ARCH = mlp.Architecture(in_features=2, n_classes=2, layers=2, width=16)


@pytest.fixture(scope="module")
def small_result():
    # Module fixtures run outside the autouse strict-promotion fixture; match it (and so share
    # the compiled programs with the tests, whose cache key includes the promotion mode).
    with jax.numpy_dtype_promotion("strict"):
        return dt.explore(SMALL)


def _count(rest: nnx.State) -> np.ndarray:
    """The dropout RNG counters in a rest state, one per dropout layer."""
    leaves = jax.tree_util.tree_leaves_with_path(rest)
    return np.array([np.asarray(v) for p, v in leaves if "count" in jax.tree_util.keystr(p)])


def _numpy_forward(params: nnx.State, x: np.ndarray) -> np.ndarray:
    """The MLP without dropout, written out: relu(x W + b) per hidden layer, then the head."""
    p = nnx.to_pure_dict(params)
    h = x
    for i in range(len(p["hidden"])):
        h = np.maximum(
            h @ np.asarray(p["hidden"][i]["kernel"]) + np.asarray(p["hidden"][i]["bias"]), 0
        )
    return h @ np.asarray(p["head"]["kernel"]) + np.asarray(p["head"]["bias"])


# -- one network ---------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.0, 0.5, 0.9])
def test_dropout_is_off_at_evaluation(rate):
    params, rest = mlp.init_state(ARCH, jax.random.key(0), jnp.float32(rate))
    x = np.asarray(jax.random.normal(jax.random.key(1), (32, 2)))
    logits, rest_after = mlp.apply(ARCH, params, rest, jnp.asarray(x), train=False)
    np.testing.assert_allclose(logits, _numpy_forward(params, x), rtol=1e-5, atol=1e-5)
    again, _ = mlp.apply(ARCH, params, rest_after, jnp.asarray(x), train=False)
    np.testing.assert_array_equal(logits, again)
    np.testing.assert_array_equal(_count(rest_after), _count(rest))


def test_each_training_call_draws_a_new_mask_and_the_state_decides_it():
    params, rest = mlp.init_state(ARCH, jax.random.key(0), jnp.float32(0.5))
    x = jnp.ones((64, 2), jnp.float32)
    first, rest_1 = mlp.apply(ARCH, params, rest, x, train=True)
    second, rest_2 = mlp.apply(ARCH, params, rest_1, x, train=True)
    replay, _ = mlp.apply(ARCH, params, rest, x, train=True)
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(first, replay)
    np.testing.assert_array_equal(_count(rest_2), _count(rest) + 2)


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
def test_mask_drops_the_rate_and_rescales_the_rest(rate):
    layer = mlp.Dropout(rate, rngs=nnx.Rngs(dropout=3))
    out = np.asarray(layer(jnp.ones((200, 500), jnp.float32), train=True))
    dropped = (out == 0).mean()
    assert abs(dropped - rate) < 0.01  # 100,000 Bernoulli draws: std ≤ 0.0016
    # keep is rounded to a multiple of 2⁻¹⁶, so the scale is 1/(1 − p) to within 2⁻¹⁶ / keep.
    np.testing.assert_allclose(out[out != 0], 1.0 / (1.0 - rate), rtol=1e-4)
    assert abs(out.mean() - 1.0) < 0.03  # inverted dropout keeps the expectation


@pytest.mark.parametrize("keep", [0.0, 0.05, 0.5, 0.95, 1.0])
def test_keep_mask_has_its_probability_on_odd_shapes_and_independent_halves(keep):
    mask, exact = mlp.keep_mask(jax.random.key(11), jnp.float32(keep), (301, 333))
    mask = np.asarray(mask)
    assert mask.shape == (301, 333) and mask.dtype == bool
    assert abs(float(exact) - keep) <= 2.0**-17
    assert abs(mask.mean() - keep) < 0.005  # 100,233 draws: std ≤ 0.0016
    # Both 16-bit halves of each random word are used: the two halves of the flat mask are
    # built from the high and low halves of the same words, and must not be correlated.
    flat = mask.ravel().astype(np.float64)
    half = flat.size // 2
    if 0 < keep < 1:
        assert abs(np.corrcoef(flat[:half], flat[half : 2 * half])[0, 1]) < 0.02


def test_loss_is_cross_entropy_plus_half_lambda_sum_of_squared_weights():
    params, rest = mlp.init_state(ARCH, jax.random.key(4), jnp.float32(0.0))
    x = np.asarray(jax.random.normal(jax.random.key(5), (8, 2)))
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1], np.int32)
    weight = np.array([1, 1, 1, 1, 1, 1, 0, 0], np.float32)
    loss, _ = dt._loss(params, rest, (jnp.asarray(x), jnp.asarray(y), jnp.asarray(weight)),
                       jnp.float32(0.1), ARCH)  # fmt: skip
    logits = _numpy_forward(params, x).astype(np.float64)
    log_z = np.log(np.exp(logits).sum(axis=1))
    ce = log_z - logits[np.arange(8), y]
    kernels = [v for k, v in jax.tree_util.tree_leaves_with_path(params) if "kernel" in str(k)]
    penalty = sum(float(np.sum(np.asarray(k, np.float64) ** 2)) for k in kernels)
    expected = (ce * weight).sum() / weight.sum() + 0.5 * 0.1 * penalty
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)


def test_mc_dropout_has_no_spread_without_dropout_and_some_with_it():
    x = jax.random.normal(jax.random.key(2), (50, 2))
    for rate, spread in ((0.0, False), (0.5, True)):
        params, rest = mlp.init_state(ARCH, jax.random.key(0), jnp.float32(rate))
        predicted, std = dt.mc_dropout(ARCH, params, rest, x)
        logits, _ = mlp.apply(ARCH, params, rest, x, train=False)
        np.testing.assert_array_equal(predicted, jnp.argmax(logits, axis=-1))
        assert (np.asarray(std) > 1e-3).mean() > 0.9 if spread else np.asarray(std).max() < 1e-6


def test_map_valid_rows_equals_the_direct_computation_and_skips_padding():
    x = jnp.arange(384 * 3, dtype=jnp.float32).reshape(384, 3)
    out = dt.map_valid_rows(lambda xb: jnp.sum(xb, axis=1) * 2.0, (x,), jnp.int32(200))
    direct = np.asarray(jnp.sum(x, axis=1) * 2.0)
    np.testing.assert_array_equal(np.asarray(out)[:256], direct[:256])
    np.testing.assert_array_equal(np.asarray(out)[256:], 0.0)


# -- the sweep ----------------------------------------------------------------------------


def test_vmapped_runs_equal_the_same_runs_one_by_one():
    data = datasets.make_dataset("moons", 0, 64, 64, 0.2, 0.0)
    hyper = dt.Hyper(jnp.float32(0.01), jnp.float32(1e-3), jnp.int32(3))
    seed_index = np.array([0, 1, 0, 1], np.int32)
    rates = np.array([0.0, 0.0, 0.5, 0.5], np.float32)
    static = {"arch": ARCH, "optimizer": "adam"}

    def train(index, rate):
        runs = dt.init_runs(jnp.uint32(9), jnp.asarray(index), jnp.asarray(rate), **static)
        n_runs = jnp.int32(len(index))
        return dt.train_chunk(runs, data, hyper, jnp.int32(0), n_runs, batch_size=32, **static)

    together, history = train(seed_index, rates)
    for i in range(4):
        alone, alone_history = train(seed_index[i : i + 1], rates[i : i + 1])
        np.testing.assert_allclose(alone_history[0], history[i], rtol=1e-4, atol=1e-5)
        for a, b in zip(
            jax.tree.leaves(alone.params), jax.tree.leaves(together.params), strict=True
        ):
            np.testing.assert_allclose(a[0], b[i], rtol=1e-4, atol=1e-5)
    # Epochs past n_epochs = 3 are skipped (NaN) in the 10-epoch chunk.
    assert np.isnan(np.asarray(history)[:, 3:]).all() and np.isfinite(history[:, :3]).all()


def test_rng_state_advances_once_per_step_through_the_chunked_scan():
    data = datasets.make_dataset("moons", 0, 64, 64, 0.2, 0.0)
    hyper = dt.Hyper(jnp.float32(0.01), jnp.float32(0.0), jnp.int32(10))
    static = {"arch": ARCH, "optimizer": "adam"}
    runs = dt.init_runs(jnp.uint32(0), jnp.arange(4, dtype=jnp.int32), jnp.full(4, 0.5), **static)
    before = _count(runs.rest)
    runs, _ = dt.train_chunk(runs, data, hyper, jnp.int32(0), jnp.int32(4), batch_size=32, **static)
    # 64 examples in batches of 32: 2 steps per epoch, 10 epochs, one draw per layer and step.
    np.testing.assert_array_equal(_count(runs.rest), before + 20)


def test_a_chunk_reuses_the_buffers_of_the_runs_it_was_given():
    # Donation: a sweep holds one copy of its weights and optimizer state, not two.
    data = datasets.make_dataset("moons", 0, 64, 64, 0.2, 0.0)
    hyper = dt.Hyper(jnp.float32(0.01), jnp.float32(0.0), jnp.int32(10))
    static = {"arch": ARCH, "optimizer": "adam"}
    given = dt.init_runs(jnp.uint32(0), jnp.arange(4, dtype=jnp.int32), jnp.full(4, 0.5), **static)
    trained, _ = dt.train_chunk(
        given, data, hyper, jnp.int32(0), jnp.int32(4), batch_size=32, **static
    )
    assert all(leaf.is_deleted() for leaf in jax.tree.leaves(given))
    assert all(np.isfinite(leaf).all() for leaf in jax.tree.leaves(trained.params))


def test_small_sweep_learns_and_reports_every_view(small_result):
    r = small_result
    assert set(r.history) == set(dt.METRICS)
    assert r.history["val_acc"].shape == (2, 2, 10)
    assert r.history["val_acc"][0, :, -1].mean() > 0.8
    assert (r.diverged_at == 0).all() and np.isfinite(r.history["val_loss"]).all()
    assert r.confusion.shape == (2, 2, 2)
    np.testing.assert_allclose(r.confusion.sum(axis=(1, 2)), 64)
    diagonal = np.trace(r.confusion, axis1=1, axis2=2) / 64
    np.testing.assert_allclose(diagonal, r.history["val_acc"][:, :, -1].mean(axis=1), atol=1e-6)
    assert r.grid_class.shape == r.grid_uncertainty.shape == (2, dt.GRID_SIZE, dt.GRID_SIZE)
    assert r.grid_uncertainty[0].max() < 1e-6 and r.grid_uncertainty[1].max() > 0
    assert r.val_uncertainty.shape == r.val_correct.shape == (2, 64)
    assert r.best_epoch.min() >= 1 and r.best_epoch.max() <= 10
    table = r.table()
    assert len(table["epoch"]) == 2 * 2 * 10 and set(dt.METRICS) <= set(table)


def test_downloaded_weights_reproduce_the_run(small_result):
    r = small_result
    for i, rate in enumerate(r.rates):
        arch, params = dt.load_weights(r.weights[i])
        assert arch == SMALL.arch
        logits = _numpy_forward(params, r.x_val)
        accuracy = (logits.argmax(axis=1) == r.y_val).mean()
        assert accuracy == pytest.approx(r.history["val_acc"][i, 0, -1], abs=1e-6), rate


def test_moving_non_structural_sliders_compiles_nothing(small_result):
    del small_result  # warm-up done
    moves = [
        {"lr": 0.003, "l2": 0.001, "rates": (0.2, 0.8)},
        {"noise": 0.5, "label_noise": 0.3, "seed": 1234},
        {"n_train": 300, "val_share": 0.8, "epochs": 25},
        {"rates": (0.0, 0.2, 0.5, 0.8, 0.9), "seeds": dt.MAX_SEEDS},  # every slot in use
        {"rates": (0.3,), "seeds": 1},
    ]
    with count_compiles() as compiles:
        for move in moves:
            dt.explore(dataclasses.replace(SMALL, **move))
    assert compiles.count == 0


def test_a_run_does_not_depend_on_how_many_runs_share_the_sweep():
    """Slots and skipped groups change nothing: a rate's seed-0 run is the same alone or among
    all MAX_RATES × MAX_SEEDS runs."""
    alone = dt.explore(dataclasses.replace(SMALL, rates=(0.5,), seeds=1, epochs=5))
    crowd = dt.explore(
        dataclasses.replace(SMALL, rates=(0.0, 0.2, 0.5, 0.7, 0.9), seeds=dt.MAX_SEEDS, epochs=5)
    )
    assert crowd.history["val_loss"].shape == (5, dt.MAX_SEEDS, 5)
    for name in dt.METRICS:
        np.testing.assert_allclose(
            crowd.history[name][2, 0], alone.history[name][0, 0], rtol=1e-5, atol=1e-6
        )
    np.testing.assert_allclose(crowd.confusion[2].sum(), alone.confusion[0].sum())


def test_diverging_runs_are_cut_at_the_first_non_finite_epoch():
    r = dt.explore(dataclasses.replace(SMALL, lr=1e30, epochs=10))
    assert (r.diverged_at > 0).all()
    for i in range(2):
        for s in range(2):
            k = r.diverged_at[i, s]
            assert np.isnan(r.history["val_acc"][i, s, k - 1 :]).all()
            assert np.isfinite(r.history["val_acc"][i, s, : k - 1]).all()


def test_cut_divergence_on_a_made_up_history():
    history = {m: np.ones((1, 2, 5), np.float32) for m in dt.METRICS}
    history["train_loss_dropout"][0, 1, 2] = np.inf
    cut, first = dt.cut_divergence(history)
    np.testing.assert_array_equal(first, [[0, 3]])
    assert np.isnan(cut["val_acc"][0, 1, 2:]).all() and np.isfinite(cut["val_acc"][0, 0]).all()


def test_progress_arrives_per_chunk_and_ends_with_the_result():
    items = list(dt.train_in_chunks(dataclasses.replace(SMALL, epochs=25)))
    assert [p.epochs_done for p in items] == [10, 20, 25]
    assert items[0].result is None and items[-1].result is not None
    assert items[1].history["val_acc"].shape == (2, 2, 20)


def test_sanitize_clamps_what_the_core_cannot_run():
    s = dt.sanitize(dt.Settings(epochs=10_000, rates=(0.5, 2.0, 0.5), seeds=99, batch_size=7))
    assert s.epochs == dt.MAX_EPOCHS and s.rates == (0.5, 0.95) and s.seeds == dt.MAX_SEEDS
    assert s.batch_size == 32


# -- the lesson's claim ---------------------------------------------------------------------


def test_reference_case_dropout_shrinks_the_generalization_gap_on_digits():
    """Digits, 100 training images with 20% wrong labels, 2 × 256 ReLU units, Adam 1e-3, batch
    32, 100 epochs, rates 0/0.2/0.5/0.8 × 3 seeds (the page's defaults). Measured: train
    accuracy with dropout on ≈ 1.00, 1.00, 0.89, 0.52; gap ≈ 0.29 at p = 0 and 0.22 at p = 0.5
    (seed std ≈ 0.01). On clean labels the gaps differ by less than the seed noise."""
    r = dt.explore(dt.Settings())
    train_on = np.nanmean(r.history["train_acc_dropout"][..., -1], axis=1)
    assert train_on[1] <= train_on[0] and train_on[3] < train_on[2] < train_on[1]
    gap = r.gap.mean(axis=1)
    rates = list(r.rates)
    assert gap[rates.index(0.5)] < gap[rates.index(0.0)] - 0.03
