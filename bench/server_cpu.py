"""What one slider move costs the server, page by page: CPU seconds per random move.

Run: `python -m bench.server_cpu [--moves 40] [--pages overfitting ...]`. One session (the
websocket client of bench.load) moves a random numeric slider of each page to a random allowed
value, one move at a time, on a warmed-up server; it reports per move the wall time and the
server's CPU time, split into XLA's CPU thread pool (the computation on a CPU backend) and the
rest (Python: the page script, Streamlit, the event loop, and JAX's dispatch; on a GPU backend
the computation's launches too). Under load, CPU per move × moves per second is what the
server's cores must supply (bench.load reports the cores it kept busy).
"""

import argparse
import random
import time

from bench.load import numeric_sliders, pages_with_sliders, random_slider_value, warm_up
from tests.e2e import driver
from tests.e2e.stream_client import StreamClient


def random_move(client: StreamClient, page: str, sliders: dict, rng: random.Random) -> None:
    key, value = random_slider_value(sliders, rng)
    run = client.run(page, "", {key: value}, timeout_s=120)
    if not run.ok:
        raise RuntimeError(f"/{page} {key}={value}: {run.errors}")


def measure(server: driver.Server, page: str, moves: int, rng: random.Random) -> dict:
    with StreamClient(server.url, decode_figures=False) as client:
        first = client.run(page, timeout_s=300)
        sliders = numeric_sliders(client, first)
        (cpu0, xla0), wall0 = server.cpu_seconds(), time.perf_counter()
        for _ in range(moves):
            random_move(client, page, sliders, rng)
        (cpu1, xla1), wall1 = server.cpu_seconds(), time.perf_counter()
    ms = 1e3 / moves
    return {
        "page": page,
        "wall": (wall1 - wall0) * ms,
        "cpu": (cpu1 - cpu0) * ms,
        "xla": (xla1 - xla0) * ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=40, help="per page")
    parser.add_argument("--pages", nargs="*", help="url paths (default: every page)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pages = pages_with_sliders(args.pages)
    rng = random.Random(args.seed)
    with driver.running_server() as server:
        warm_up(server.url, pages)
        rows = [measure(server, page, args.moves, rng) for page in pages]
    print(f"\n### Server cost of a random slider move ({args.moves} per page, one session)\n")
    print("| page | wall ms | server CPU ms | in XLA's CPU pool ms | rest ms |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| /{r['page']} | {r['wall']:.0f} | {r['cpu']:.0f} | {r['xla']:.0f} | "
            f"{r['cpu'] - r['xla']:.0f} |"
        )


if __name__ == "__main__":
    main()
