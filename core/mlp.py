"""A multilayer perceptron with dropout, in flax.nnx, and pure functions of its split state.

The model is split once (`nnx.split`) into a static `GraphDef` and two states: the trainable
`Param`s and everything else (the dropout rate and the dropout RNG stream). Training code jits
pure functions of those states, so many networks with different dropout rates can be stacked
along a leading axis and `vmap`ped. The rate lives in the state (a `DropoutRate` variable, not a
Python float baked into the graph), so changing it compiles nothing.
"""

import dataclasses
import functools
import itertools
import math

import jax
import jax.numpy as jnp
from flax import nnx

ACTIVATIONS = {
    "relu": jax.nn.relu,
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "gelu": jax.nn.gelu,
    "leaky relu": jax.nn.leaky_relu,
    "elu": jax.nn.elu,
}


class DropoutRate(nnx.Variable):
    """The share p of units a dropout layer zeroes during training (not trained)."""


@dataclasses.dataclass(frozen=True)
class Architecture:
    """What changes the network's shape: compiled once per value.

    Attributes:
      in_features: inputs per example (64 for 8×8 digits, 2 for planar sets).
      n_classes: outputs (logits) per example.
      layers: hidden layers, each `width` units wide.
      width: units per hidden layer.
      activation: a key of `ACTIVATIONS`.
    """

    in_features: int
    n_classes: int
    layers: int = 2
    width: int = 256
    activation: str = "relu"


class Dropout(nnx.Module):
    """Inverted dropout, y = m ⊙ x / (1 − p) with m ~ Bernoulli(1 − p), off at evaluation.

    Unlike `nnx.Dropout`, the rate p is state (a traced array), so one compiled program serves
    every rate. Each training call draws a fresh key from the module's RNG stream (the stream's
    counter advances), so consecutive steps use different masks.
    Reference: Srivastava et al., "Dropout", JMLR 15 (2014).
    """

    def __init__(self, rate: jax.typing.ArrayLike, *, rngs: nnx.Rngs):
        self.rate = DropoutRate(jnp.asarray(rate, dtype=jnp.float32))
        self.rngs = rngs["dropout"].fork()

    def __call__(self, x: jax.Array, *, train: bool) -> jax.Array:
        if not train:
            return x
        mask, keep = keep_mask(self.rngs(), 1.0 - self.rate[...], x.shape)
        # Guard p = 1 (keep = 0): every unit is dropped, and nothing is divided by zero.
        return jnp.where(mask, x / jnp.maximum(keep, jnp.float32(1e-6)), jnp.zeros_like(x))


def keep_mask(
    key: jax.Array, keep: jax.Array, shape: tuple[int, ...]
) -> tuple[jax.Array, jax.Array]:
    """A Bernoulli(keep) mask from 16 random bits per unit, and the exact keep probability.

    On CPU the random bits are the cost of dropout; `jax.random.bernoulli` spends 32 bits and
    a float conversion per unit, this spends half the bits and compares integers. keep is
    rounded to a multiple of 2⁻¹⁶ (the rate moves by < 10⁻⁵) and that rounded value is returned,
    so dividing by it keeps E[mask · x / keep] = x exactly.
    """
    size = math.prod(shape)
    bits = jax.random.bits(key, (-(-size // 2),), jnp.uint32)
    halves = jnp.concatenate([bits >> 16, bits & jnp.uint32(0xFFFF)])[:size]
    threshold = jnp.round(jnp.clip(keep, 0.0, 1.0) * 65536.0)
    mask = halves.reshape(shape) < threshold.astype(jnp.uint32)
    return mask, threshold / 65536.0


class MLP(nnx.Module):
    """Linear → activation → dropout, `layers` times, then a linear layer to class logits."""

    def __init__(self, arch: Architecture, rate: jax.typing.ArrayLike, *, rngs: nnx.Rngs):
        sizes = (arch.in_features,) + (arch.width,) * arch.layers
        self.hidden = nnx.List(
            [nnx.Linear(n_in, n_out, rngs=rngs) for n_in, n_out in itertools.pairwise(sizes)]
        )
        self.dropouts = nnx.List([Dropout(rate, rngs=rngs) for _ in range(arch.layers)])
        self.head = nnx.Linear(sizes[-1], arch.n_classes, rngs=rngs)
        self.activation = arch.activation

    def __call__(self, x: jax.Array, *, train: bool) -> jax.Array:
        """(batch, in_features) → (batch, n_classes) logits; dropout only when `train`."""
        act = ACTIVATIONS[self.activation]
        for linear, dropout in zip(self.hidden, self.dropouts, strict=True):
            x = dropout(act(linear(x)), train=train)
        return self.head(x)


def new_model(arch: Architecture, key: jax.Array, rate: jax.typing.ArrayLike) -> MLP:
    """A freshly initialised network; `key` seeds both its weights and its dropout stream."""
    params_key, dropout_key = jax.random.split(key)
    return MLP(arch, rate, rngs=nnx.Rngs(params=params_key, dropout=dropout_key))


def init_state(arch: Architecture, key: jax.Array, rate: jax.Array) -> tuple[nnx.State, nnx.State]:
    """(params, rest) of a new network: rest holds the dropout rate and RNG stream. vmappable."""
    _, params, rest = nnx.split(new_model(arch, key, rate), nnx.Param, ...)
    return params, rest


@functools.cache
def graphdef_of(arch: Architecture) -> nnx.GraphDef:
    """The static structure shared by every network of this architecture."""
    abstract = nnx.eval_shape(lambda: new_model(arch, jax.random.key(0), 0.0))
    graphdef, _, _ = nnx.split(abstract, nnx.Param, ...)
    return graphdef


def apply(
    arch: Architecture, params: nnx.State, rest: nnx.State, x: jax.Array, *, train: bool
) -> tuple[jax.Array, nnx.State]:
    """Logits for `x` and the new rest state (its dropout RNG counter advanced when `train`).

    Args:
      arch: the architecture `params` were made for.
      params: trainable weights from `init_state`.
      rest: dropout rates and RNG streams from `init_state` (or a previous `apply`).
      x: (batch, in_features) inputs.
      train: dropout on (a new mask per call) or off (evaluation).
    """
    # copy=True: fresh Variables belong to the current trace, so the RNG counter may advance.
    model = nnx.merge(graphdef_of(arch), params, rest, copy=True)
    logits = model(x, train=train)
    _, _, new_rest = nnx.split(model, nnx.Param, ...)
    return logits, new_rest


def l2_penalty(params: nnx.State) -> jax.Array:
    """Σ w² over the weight matrices (biases are not penalised)."""
    kernels = [
        leaf
        for path, leaf in jax.tree_util.tree_leaves_with_path(params)
        if any(getattr(entry, "key", None) == "kernel" for entry in path)
    ]
    return sum((jnp.sum(k * k) for k in kernels), jnp.float32(0.0))
