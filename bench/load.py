"""A class opening the same link: N concurrent sessions moving sliders, against 127.0.0.1 only.

Run: `python -m bench.load` (defaults: N = 1, 5, 10, 20; 60 s each). Each session is a
browser-less client speaking Streamlit's websocket protocol (tests/e2e/stream_client.py): it
moves a random numeric slider of its page to a random allowed value, waits for the rerun to
finish, pauses a human-like --think seconds, and every --moves-per-page moves goes on to another
page. Every phase runs on a fresh server (warmed by one session visiting every page first), so
sessions of one phase do not linger into the next.

Reports per N: reruns, rerun latency p50/p95/max (send → script_finished), errors (exceptions,
timeouts, lost connections), sessions told "busy, retrying" by playground.compute, the server's
peak RSS, RSS per session = (peak RSS − RSS after warm-up) / N, and the cores the server kept
busy (CPU seconds / wall seconds), with the part in XLA's CPU thread pool.
Targets: 20 sessions, 0 errors, p95 ≤ 1 s, RSS ≤ 600 MB + ≤ 30 MB per session.

Bounded: at most MAX_SESSIONS sessions and MAX_SECONDS per phase; every wait has a timeout and
every phase stops by itself.
"""

import argparse
import random
import statistics
import threading
import time
from pathlib import Path

import numpy as np

from tests.e2e import driver
from tests.e2e.page_cases import present_cases
from tests.e2e.stream_client import StreamClient, slider_range

MAX_SESSIONS = 20
MAX_SECONDS = 120.0
RUN_TIMEOUT_S = 60.0
# RSS after warm-up is read once the server has settled: its trimmer hands freed heap pages, and
# the traces of what the warm-up compiled, back 5 s after the last computation.
SETTLE_SECONDS = 6.0
MB = 2**20
TARGETS = {"p95_s": 1.0, "rss_mb": 600.0, "per_session_mb": 30.0}


def pages_with_sliders(only: list[str] | None = None) -> list[str]:
    cases = [case for case in present_cases() if case.slider]
    return [case.path for case in cases if not only or case.url_path in only]


def numeric_sliders(client: StreamClient, run) -> dict:
    """The page's numeric sliders, by key, as the run drew them."""
    return {key: w for key, w in run.widgets.items() if client.kinds[key] == "slider"}


def random_slider_value(sliders: dict, rng: random.Random) -> tuple[str, float]:
    """A random slider and a random allowed value of it (on its step grid)."""
    key = rng.choice(sorted(sliders))
    low, high, step = slider_range(sliders[key])
    return key, low + step * rng.randrange(round((high - low) / step) + 1)


class Session(threading.Thread):
    """One learner: moves sliders on several pages until `stop` is set."""

    def __init__(self, url: str, pages: list[str], seed: int, stop: threading.Event, args):
        super().__init__(daemon=True)
        self.url, self.pages, self.stop, self.args = url, pages, stop, args
        self.random = random.Random(seed)
        self.latencies: list[float] = []
        self.by_page: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.busy = 0

    def run(self) -> None:
        try:
            with StreamClient(self.url, decode_figures=False) as client:
                page_index = self.random.randrange(len(self.pages))
                while not self.stop.is_set():
                    self._visit(client, self.pages[page_index % len(self.pages)])
                    page_index += 1
        except Exception as error:  # a lost connection is an error, not a crash of the bench
            self.errors.append(f"{type(error).__name__}: {error}")

    def _visit(self, client: StreamClient, page: str) -> None:
        first = client.run(page, timeout_s=RUN_TIMEOUT_S)
        self._record(first, page)
        sliders = numeric_sliders(client, first)
        moved: dict[str, float] = {}
        for _ in range(self.args.moves_per_page):
            if self.stop.is_set() or not sliders:
                return
            key, value = random_slider_value(sliders, self.random)
            moved[key] = value
            self._record(client.run(page, "", moved, timeout_s=RUN_TIMEOUT_S), page)
            time.sleep(self.random.uniform(0.5, 1.5) * self.args.think)

    def _record(self, run, page: str) -> None:
        self.latencies.append(run.seconds)
        self.by_page.setdefault(page, []).append(run.seconds)
        self.errors += run.errors
        self.busy += any("busy, retrying" in text for text in run.texts)


def warm_up(url: str, pages: list[str]) -> None:
    with StreamClient(url) as client:
        for page in pages:
            run = client.run(page, timeout_s=300)
            if not run.ok:
                raise RuntimeError(f"warm-up of /{page} failed: {run.errors}")


def phase(sessions: int, seconds: float, args) -> dict:
    """A fresh server, warmed up; `sessions` learners for `seconds`; the numbers."""
    pages = pages_with_sliders(args.pages)
    env = {"MALLOC_ARENA_MAX": str(args.arena_max)} if args.arena_max else None
    with driver.running_server(log=args.server_log, env=env) as server:
        warm_up(server.url, pages)
        time.sleep(SETTLE_SECONDS)
        base_rss = server.rss_bytes()
        stop = threading.Event()
        learners = [Session(server.url, pages, i, stop, args) for i in range(sessions)]
        for learner in learners:
            learner.start()
        peak_rss, deadline = base_rss, time.monotonic() + seconds
        cpu_start, wall_start = server.cpu_seconds(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            peak_rss = max(peak_rss, server.rss_bytes())
        cpu_end, wall = server.cpu_seconds(), time.monotonic() - wall_start
        stop.set()
        for learner in learners:
            learner.join(timeout=RUN_TIMEOUT_S + 5)
        peak_rss = max(peak_rss, server.rss_bytes())
    latencies = [s for learner in learners for s in learner.latencies]
    return {
        "sessions": sessions,
        "reruns": len(latencies),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": float(np.percentile(latencies, 95)) if latencies else float("nan"),
        "max": max(latencies, default=float("nan")),
        "errors": sum(len(learner.errors) for learner in learners),
        "error_samples": [e for learner in learners for e in learner.errors][:3],
        "busy": sum(learner.busy for learner in learners),
        "base_mb": base_rss / MB,
        "peak_mb": peak_rss / MB,
        "per_session_mb": (peak_rss - base_rss) / MB / sessions,
        "stuck": sum(learner.is_alive() for learner in learners),
        # Cores the server kept busy, and how much of that was XLA's CPU pool (the rest is
        # Python: scripts, Streamlit, the event loop, and XLA's dispatch and launches).
        "cpu_cores": (cpu_end[0] - cpu_start[0]) / wall,
        "xla_cores": (cpu_end[1] - cpu_start[1]) / wall,
        "by_page": {
            page: [s for learner in learners for s in learner.by_page.get(page, [])]
            for page in pages
        },
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| sessions | reruns | p50 s | p95 s | max s | errors | told busy | RSS after warm-up MB "
        "| peak RSS MB | RSS per session MB | server CPU, cores (XLA pool) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['sessions']} | {r['reruns']} | {r['p50']:.2f} | {r['p95']:.2f} | "
            f"{r['max']:.2f} | {r['errors']} | {r['busy']} | {r['base_mb']:.0f} | "
            f"{r['peak_mb']:.0f} | {r['per_session_mb']:.1f} | "
            f"{r['cpu_cores']:.2f} ({r['xla_cores']:.2f}) |"
        )
    return "\n".join(lines)


def page_table(rows: list[dict]) -> str:
    """The same reruns split by page: which page's computations the waits come from."""
    lines = ["| sessions | page | reruns | p50 s | p95 s | max s |", "|---|---|---|---|---|---|"]
    for r in rows:
        for page, seconds in r["by_page"].items():
            if seconds:
                lines.append(
                    f"| {r['sessions']} | /{page} | {len(seconds)} | "
                    f"{statistics.median(seconds):.2f} | {np.percentile(seconds, 95):.2f} | "
                    f"{max(seconds):.2f} |"
                )
    return "\n".join(lines)


def verdict(rows: list[dict]) -> str:
    top = max(rows, key=lambda r: r["sessions"])
    checks = [
        (f"{top['sessions']} sessions, 0 errors", top["errors"] == 0 and top["stuck"] == 0),
        (f"p95 ≤ {TARGETS['p95_s']:.0f} s", top["p95"] <= TARGETS["p95_s"]),
        (f"RSS ≤ {TARGETS['rss_mb']:.0f} MB after warm-up", top["base_mb"] <= TARGETS["rss_mb"]),
        (
            f"≤ {TARGETS['per_session_mb']:.0f} MB per session",
            top["per_session_mb"] <= TARGETS["per_session_mb"],
        ),
    ]
    return "Targets at N = {}: {}".format(
        top["sessions"], "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in checks)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--seconds", type=float, default=60.0, help="per phase")
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between moves, s")
    parser.add_argument("--moves-per-page", type=int, default=8)
    parser.add_argument("--pages", nargs="*", help="url paths to visit (default: all)")
    parser.add_argument("--server-log", type=Path, help="write the server's output here")
    parser.add_argument(
        "--arena-max", type=int, help="start the server with MALLOC_ARENA_MAX (the Docker image: 2)"
    )
    args = parser.parse_args()
    if max(args.sessions) > MAX_SESSIONS or args.seconds > MAX_SECONDS:
        parser.error(f"at most {MAX_SESSIONS} sessions and {MAX_SECONDS:.0f} s per phase")

    rows = []
    for sessions in args.sessions:
        rows.append(phase(sessions, args.seconds, args))
        print(f"N={sessions}: done ({rows[-1]['reruns']} reruns)", flush=True)
        for sample in rows[-1]["error_samples"]:
            print(f"  error: {sample[:200]}")
    print(
        f"\n### Load: N sessions moving sliders for {args.seconds:.0f} s on "
        f"{', '.join('/' + p for p in pages_with_sliders(args.pages))} "
        f"(think ≈ {args.think} s)\n"
    )
    print(table(rows))
    print("\n" + verdict(rows))
    print("\nBy page (rerun latency of the moves made on it, all sessions):\n")
    print(page_table(rows))


if __name__ == "__main__":
    main()
