"""Dropout page: the default sweep (4 rates × 3 seeds × 100 epochs on digits) against PyTorch.

Run: `python -m bench.dropout [--torch-threads 1 2] [--torch-cuda]` (the PyTorch baseline needs
the bench extra: `pip install torch==2.13.0`; without it only the JAX rows are printed). On a GPU
machine JAX runs on the GPU; `--torch-cuda` adds PyTorch eager on the same GPU. Both sides do the
same work per epoch: shuffled minibatches of 32 with dropout and Adam, then the training and
validation sets evaluated with dropout off. PyTorch trains the 12 networks one after another,
eagerly, as a learner's notebook would; JAX trains them in one jitted call, vmapped 4 at a time.
"""

import argparse
import dataclasses
import os
import time

import numpy as np

from bench.timing import HEADER, row
from core import datasets
from core.compile_counter import count_compiles
from core.dropout_training import Settings, explore, train_in_chunks
from core.runtime import device_summary

BASE = Settings()  # the page's defaults: the reference case
REPEATS = 5
# Slider moves as a learner makes them: new values every call, so nothing is cached.
MOVES = [{"lr": lr, "seed": s} for s, lr in enumerate((1e-3, 5.62e-4, 1.78e-3, 1e-3, 3.16e-4))]


def jax_sweeps(settings: Settings, repeats: int = REPEATS) -> np.ndarray:
    seconds = []
    for move in MOVES[:repeats]:
        start = time.perf_counter()
        explore(dataclasses.replace(settings, **move))
        seconds.append(time.perf_counter() - start)
    return np.asarray(seconds)


def torch_sweep(settings: Settings, seed: int, device: str = "cpu") -> float:
    """The same sweep in PyTorch eager: same data, network, optimizer and evaluation."""
    import torch

    torch.set_default_device(device)  # tensors, parameters and randperm all on `device`

    n_train, n_val, _ = datasets.split_sizes(settings.dataset, settings.n_train, settings.val_share)
    data = datasets.make_dataset(
        settings.dataset, seed, n_train, n_val, settings.noise, settings.label_noise
    )
    x_train = torch.tensor(np.asarray(data.x_train)[:n_train])
    y_train = torch.tensor(np.asarray(data.y_train)[:n_train]).long()
    x_val = torch.tensor(np.asarray(data.x_val)[:n_val])
    y_val = torch.tensor(np.asarray(data.y_val)[:n_val]).long()
    info = datasets.DATASETS[settings.dataset]
    torch.manual_seed(seed)
    start = time.perf_counter()
    for rate in settings.rates:
        for _ in range(settings.seeds):
            layers, width = [], info.in_features
            for _ in range(settings.layers):
                layers += [torch.nn.Linear(width, settings.width), torch.nn.ReLU()]
                layers += [torch.nn.Dropout(rate)]
                width = settings.width
            model = torch.nn.Sequential(*layers, torch.nn.Linear(width, info.n_classes))
            optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
            for _ in range(settings.epochs):
                model.train()
                order = torch.randperm(n_train)
                for first in range(0, n_train, settings.batch_size):
                    rows = order[first : first + settings.batch_size]
                    loss = torch.nn.functional.cross_entropy(model(x_train[rows]), y_train[rows])
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                model.eval()
                with torch.no_grad():
                    for x, y in ((x_train, y_train), (x_val, y_val)):
                        logits = model(x)
                        torch.nn.functional.cross_entropy(logits, y)
                        (logits.argmax(dim=1) == y).float().mean().item()
    return time.perf_counter() - start


def throughput(settings: Settings, seconds: float) -> float:
    """Training examples × networks per second."""
    models = len(settings.rates) * settings.seeds
    return settings.n_train * settings.epochs * models / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--torch-cuda", action="store_true", help="also PyTorch eager on the GPU")
    args = parser.parse_args()
    threads = tuple(args.torch_threads)
    devices = ("cpu", "cuda") if args.torch_cuda else ("cpu",)
    print(f"device: {device_summary()}; {os.cpu_count()} CPUs")
    print(f"load average before: {os.getloadavg()[0]:.1f} (other processes share the CPUs)")
    s = BASE
    print(
        f"sweep: {s.dataset}, {s.n_train} training examples ({s.label_noise:.0%} wrong labels), "
        f"{len(s.rates)} rates × {s.seeds} seeds × {s.epochs} epochs, {s.layers} × {s.width} "
        f"{s.activation}, {s.optimizer}, batch {s.batch_size}"
    )
    start = time.perf_counter()
    with count_compiles() as first:
        explore(BASE)
    first_seconds = time.perf_counter() - start
    with count_compiles() as compiles:
        sweeps = jax_sweeps(BASE)
    chunk_start = time.perf_counter()
    with count_compiles() as chunk_compiles:
        gaps = [time.perf_counter() - chunk_start]
        for _ in train_in_chunks(dataclasses.replace(BASE, seed=99)):
            gaps.append(time.perf_counter() - chunk_start)
    chunks = np.diff(np.asarray(gaps))
    rows = [
        row("JAX, first sweep (compiles)", np.asarray([first_seconds]), first.count),
        row("JAX, one sweep per slider move", sweeps, compiles.count, _rate(BASE, sweeps)),
        row("JAX, one chunk of 10 epochs (progress step)", chunks, chunk_compiles.count),
    ]  # fmt: skip
    torch_default = torch_baselines(BASE, threads=threads, devices=devices)
    rows += [r for r, _, _ in torch_default]
    # The same sweep with 2 × 64 units: less arithmetic per step, so per-call overhead dominates.
    narrow = dataclasses.replace(BASE, width=64)
    explore(narrow)
    with count_compiles() as narrow_compiles:
        narrow_sweeps = jax_sweeps(narrow)
    rows.append(row("JAX, same sweep with 2 × 64 units", narrow_sweeps, narrow_compiles.count,
                    _rate(narrow, narrow_sweeps)))  # fmt: skip
    torch_narrow = torch_baselines(
        narrow, threads=threads[:1], devices=devices, label="2 × 64 units"
    )
    rows += [r for r, _, _ in torch_narrow]
    print(HEADER)
    print("\n".join(rows))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for name, jax_seconds, torch_rows in (
        ("2 × 256 (default)", sweeps, torch_default),
        ("2 × 64", narrow_sweeps, torch_narrow),
    ):
        for device in devices:
            times = [seconds for _, seconds, where in torch_rows if where == device]
            if times:
                ratio = min(times) / np.median(jax_seconds)
                print(f"{name}: JAX throughput / best PyTorch eager on {device}: {ratio:.1f}×")


def _rate(settings: Settings, seconds: np.ndarray) -> str:
    return f"{throughput(settings, float(np.median(seconds))):,.0f} examples·models/s"


def torch_baselines(
    settings: Settings,
    threads: tuple[int, ...],
    devices: tuple[str, ...] = ("cpu",),
    label: str = "same sweep",
) -> list[tuple[str, float, str]]:
    """(table row, median seconds, device) per CPU thread count, then on the GPU if asked.

    [] without torch installed.
    """
    try:
        import torch
    except ImportError:
        return []
    out = []
    runs = [("cpu", count) for count in threads]
    if "cuda" in devices and torch.cuda.is_available():
        torch_sweep(settings, 0, "cuda")  # warm-up: CUDA context and kernel loading
        runs.append(("cuda", max(threads)))
    for device, count in runs:
        torch.set_num_threads(count)
        repeats = 2 if count == 1 or device == "cuda" else 1
        seconds = np.asarray([torch_sweep(settings, seed, device) for seed in range(repeats)])
        where = f"{count} thread(s)" if device == "cpu" else torch.cuda.get_device_name()
        name = f"PyTorch {torch.__version__} eager, {label}, {where}"
        out.append(
            (row(name, seconds, "–", _rate(settings, seconds)), float(np.median(seconds)), device)
        )
    return out


if __name__ == "__main__":
    main()
