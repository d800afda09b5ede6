"""Transfer page: the strategy sweep, the ideal image and the attacks, with compile counts.

Run: `python -m bench.transfer` (the PyTorch baseline needs the bench extra: `pip install
torch==2.13.0`; without it only the JAX rows are printed). The sweep is the page's: 4 strategies
× k = 1 … 50 × 3 seeds = 600 training runs of 100 Adam steps on minibatches of 16, each scored
on 400 test images. The baselines train the same from-scratch runs of one chunk (10 k × 3 seeds)
one network per call: in JAX without vmap, and in PyTorch eager as a notebook would.
"""

import os
import time

import jax
import jax.numpy as jnp
import numpy as np

from bench.timing import HEADER, row, time_calls
from core import adversarial, ideal_image, pretrain, transfer
from core.compile_counter import count_compiles
from core.runtime import device_summary

SWEEP_MOVES = [
    transfer.Settings(seed=s, learning_rate=lr) for s, lr in ((1, 0.01), (2, 0.00562), (3, 0.0178))
]
SCRATCH = transfer.STRATEGIES["from scratch"]


def timed(call) -> tuple[np.ndarray, int]:
    """Seconds of one call each (already warmed up), and the compilations they caused."""
    with count_compiles() as compiles:
        seconds = time_calls([call], warmup=0)
    return seconds, compiles.count


def sweep_rows(params, data) -> list[str]:
    start = time.perf_counter()
    with count_compiles() as first:
        transfer.compare_strategies(params, transfer.Settings())
    rows = [
        row(
            "strategy sweep, first call (compiles)",
            np.asarray([time.perf_counter() - start]),
            first.count,
        )
    ]
    with count_compiles() as compiles:
        sweeps = time_calls(
            [lambda s=s: transfer.compare_strategies(params, s) for s in SWEEP_MOVES], warmup=0
        )
    rows.append(
        row(
            "strategy sweep k = 1…50 × 3 seeds × 4 strategies (target ≤ 10 s)",
            sweeps,
            compiles.count,
            f"{600 / np.median(sweeps):.0f} trainings/s",
        )
    )
    with count_compiles() as compiles:
        chunks = time_calls(
            [
                lambda c=c: transfer.compare_chunk(params, data, SWEEP_MOVES[0], c)
                for c in range(transfer.N_CHUNKS)
            ],
            warmup=0,
        )
    rows.append(
        row("one chunk, 10 k × 3 seeds × 4 strategies (a progress step)", chunks, compiles.count)
    )
    return rows


def scratch_chunk_jax(params, data, per_call: int) -> float:
    ks = np.repeat(transfer.K_VALUES[: transfer.K_PER_CHUNK], transfer.N_SEEDS)
    keys = [transfer.run_key(0, j % transfer.N_SEEDS) for j in range(len(ks))]
    hyper = jnp.asarray([0.01, 1.0, 0.0], jnp.float32)

    def call(lo):
        return jax.block_until_ready(
            transfer.train_runs(
                params,
                data["pool_images"],
                data["test_images"],
                data["test_labels"],
                transfer.run_draws(
                    jnp.asarray(ks[lo : lo + per_call], jnp.int32),
                    jnp.stack(keys[lo : lo + per_call]),
                ),
                hyper,
                stage=SCRATCH.stage,
            )
        )

    call(0)
    start = time.perf_counter()
    for lo in range(0, len(ks), per_call):
        call(lo)
    return time.perf_counter() - start


def scratch_chunk_torch(data, threads: int) -> float:
    """The same 30 from-scratch runs in PyTorch eager: same network, sampling, Adam, scoring."""
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    pool = torch.tensor(data["pool_images"]).unsqueeze(2)  # (5, 50, 1, 10, 10)
    test_x = torch.tensor(data["test_images"]).unsqueeze(1)
    test_y = torch.tensor(data["test_labels"]).long()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 8, 3, stride=2), nn.Conv2d(8, 64, 3)
            self.head = nn.Linear(64, 5)

        def forward(self, x):
            h = torch.relu(self.conv1(nn.functional.pad(x, (0, 1, 0, 1))))
            return self.head(torch.relu(self.conv2(h)).amax(dim=(2, 3)))

    start = time.perf_counter()
    for k in np.repeat(transfer.K_VALUES[: transfer.K_PER_CHUNK], transfer.N_SEEDS):
        net = Net()
        optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
        order = torch.stack([torch.randperm(transfer.MAX_K) for _ in range(5)])
        for _ in range(transfer.TRAIN_STEPS):
            labels = torch.randint(0, 5, (transfer.BATCH_SIZE,))
            picks = order[labels, torch.randint(0, int(k), (transfer.BATCH_SIZE,))]
            loss = nn.functional.cross_entropy(net(pool[labels, picks]), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            (net(test_x).argmax(1) == test_y).float().mean()
    return time.perf_counter() - start


def baseline_rows(params, data) -> list[str]:
    vmapped = scratch_chunk_jax(params, data, per_call=30)
    with count_compiles() as compiles:
        vmapped = np.asarray([scratch_chunk_jax(params, data, per_call=30)])
    rows = [row("from scratch, one chunk: 30 runs vmapped in one call", vmapped, compiles.count)]
    scratch_chunk_jax(params, data, per_call=1)
    with count_compiles() as compiles:
        single = np.asarray([scratch_chunk_jax(params, data, per_call=1)])
    rows.append(
        row(
            "from scratch, same 30 runs one network per call (JAX, no vmap)", single, compiles.count
        )
    )
    try:
        import torch  # noqa: F401
    except ImportError:
        return rows
    # One thread: on a CPU shared with other processes, more threads oversubscribe it.
    seconds = np.asarray([scratch_chunk_torch(data, threads=1)])
    rows.append(row("from scratch, same 30 runs in PyTorch eager (1 thread)", seconds))
    return rows


def interaction_rows(params, source) -> list[str]:
    images, labels = source["test_images"], source["test_labels"]
    ideal_moves = [
        ideal_image.Settings(c % 5, w, 300, c) for c, w in enumerate(np.geomspace(1e-3, 1, 20))
    ]
    ideal_image.explore(params, ideal_moves[0])
    attack_moves = [
        adversarial.Settings(i, i % 5, e, 10) for i, e in enumerate(np.linspace(0.01, 0.3, 10))
    ]
    adversarial.explore(params, images, labels, attack_moves[0])
    curve = adversarial.accuracy_curves  # jitted at module level
    x, y = jnp.asarray(images), jnp.asarray(labels)
    transfer.feature_projection(params, 0, 5)
    curve(params, jnp.asarray(images), jnp.asarray(labels), adversarial.EPSILON_GRID, jnp.int32(10))
    cases = [
        (
            "ideal image, 300 steps, λ and λ = 0 vmapped (target ≤ 1 s)",
            [lambda s=s: ideal_image.explore(params, s) for s in ideal_moves],
        ),
        (
            "accuracy-vs-ε curve: 13 ε × 180 images, FGSM + PGD + targeted PGD, 10 steps (≤ 1 s)",
            [
                lambda s=s: jax.block_until_ready(
                    curve(params, x, y, adversarial.EPSILON_GRID, jnp.int32(s))
                )
                for s in (10,) * 10
            ],
        ),
        (
            "attack view: one image FGSM + PGD and the ε curve (one slider move)",
            [lambda s=s: adversarial.explore(params, images, labels, s) for s in attack_moves],
        ),
        (
            "feature PCA, pretrained vs random, 650 images",
            [lambda s=s: transfer.feature_projection(params, s, s + 1) for s in range(10)],
        ),
    ]
    rows = []
    for name, calls in cases:
        with count_compiles() as compiles:
            seconds = time_calls(calls, warmup=0)
        rows.append(row(name, seconds, compiles.count))
    return rows


def main() -> None:
    print(f"device: {device_summary()}; {os.cpu_count()} CPUs")
    print(f"load average before: {os.getloadavg()[0]:.1f} (other processes share the CPUs)")
    params, card = pretrain.load()
    data, source = transfer.target_data(), pretrain.source_data()
    rows = sweep_rows(params, data) + baseline_rows(params, data) + interaction_rows(params, source)
    print(HEADER)
    print("\n".join(rows))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(f"pretrained: {card['parameter_count']} parameters, accuracy {card['test_accuracy']}")


if __name__ == "__main__":
    main()
