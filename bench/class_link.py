"""A class opening one link at once: N learners ask for the same settings in the same second.

Run: `python -m bench.class_link` (defaults: 20 learners, the dropout and transfer pages, whose
pages train for seconds). For each page a fresh server is warmed up with another seed (so its
programs are compiled but the linked settings are not yet computed); then N browser-less
clients (tests/e2e/stream_client.py) open the page's default link together. Reports when each
got its figures (p50/p95/max), how many were told "busy, retrying", how many gave up.
Bounded: at most MAX_LEARNERS, every wait has a timeout.
"""

import argparse
import statistics
import threading

import numpy as np

from tests.e2e import driver
from tests.e2e.stream_client import StreamClient

MAX_LEARNERS = 20
RUN_TIMEOUT_S = 120.0
# Another seed: compiles the page's programs without computing its default link.
WARM_QUERIES = {"dropout": "drop.seed=1", "transfer": "tl.seed=1"}


def learner(url: str, page: str, start: threading.Barrier, out: dict) -> None:
    with StreamClient(url) as client:
        start.wait(timeout=RUN_TIMEOUT_S)
        run = client.run(page, "", timeout_s=RUN_TIMEOUT_S)
        out["seconds"] = run.seconds
        out["ok"] = run.ok
        out["busy"] = any("busy, retrying" in text for text in run.texts)
        out["gave_up"] = any("still busy" in text for text in run.texts)


def class_opens(page: str, learners: int) -> dict:
    with driver.running_server() as server:
        with StreamClient(server.url) as client:
            warm = client.run(page, WARM_QUERIES[page], timeout_s=300)
            if not warm.ok:
                raise RuntimeError(f"warm-up of /{page} failed: {warm.errors}")
        start = threading.Barrier(learners)
        results = [{} for _ in range(learners)]
        threads = [
            threading.Thread(target=learner, args=(server.url, page, start, out), daemon=True)
            for out in results
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=RUN_TIMEOUT_S + 30)
    seconds = [r["seconds"] for r in results if "seconds" in r]
    return {
        "page": page,
        "learners": learners,
        "answered": len(seconds),
        "p50": statistics.median(seconds) if seconds else float("nan"),
        "p95": float(np.percentile(seconds, 95)) if seconds else float("nan"),
        "max": max(seconds, default=float("nan")),
        "errors": sum(not r.get("ok", False) for r in results),
        "busy": sum(r.get("busy", False) for r in results),
        "gave_up": sum(r.get("gave_up", False) for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--pages", nargs="+", default=list(WARM_QUERIES), choices=WARM_QUERIES)
    args = parser.parse_args()
    if not 1 <= args.learners <= MAX_LEARNERS:
        parser.error(f"1 to {MAX_LEARNERS} learners")
    print(f"### A class of {args.learners} opening one link at once\n")
    print("| page | answered | p50 s | p95 s | max s | errors | told busy | gave up |")
    print("|---|---|---|---|---|---|---|---|")
    for page in args.pages:
        r = class_opens(page, args.learners)
        print(
            f"| /{page} | {r['answered']}/{r['learners']} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['max']:.1f} | {r['errors']} | {r['busy']} | {r['gave_up']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
