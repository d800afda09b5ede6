"""A page's own Python time per slider move, its computation cached: controls, figures, text.

Run: `python -m bench.rerun [page:slider ...]` (default: the overfitting, initialization and
optimizer pages, each with a slider whose move reruns the whole page). Each page runs under
AppTest; its slider steps through --values values --rounds times, so after the first round
every computation is a cache hit and what is left is the script's own work: reading controls,
building and serialising figures. That is what 20 learners queue for under load (Python runs
one thread at a time) and a part of every repaint (`bench.latency` measures the rest).
Timed inside the script thread (`runpy` in a wrapper page), not around AppTest's polling.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from playground.registry import PAGES_DIR

DEFAULT_CASES = ("overfitting:fit.noise", "initialization:init.width", "optimizers:opt.start_x")
WRAPPER = """\
import runpy, sys, time
start = time.perf_counter()
try:
    runpy.run_path({page!r}, run_name="__main__")
finally:
    sys.modules[{bench!r}].SECONDS.append(time.perf_counter() - start)
"""
SECONDS: list[float] = []  # appended to by the wrapper page, which finds this module as MODULE
MODULE = "bench.rerun"  # also under `python -m` (see main): Streamlit swaps __main__ for the page


def time_page(page: str, slider: str, n_values: int, rounds: int, folder: Path) -> list[float]:
    """Seconds of the page's script per move, over the rounds after the first."""
    from streamlit.testing.v1 import AppTest

    wrapper = folder / f"timed_{page}.py"
    wrapper.write_text(WRAPPER.format(page=str(PAGES_DIR / f"{page}.py"), bench=MODULE))
    app = AppTest.from_file(str(wrapper), default_timeout=600).run()
    control = app.slider(key=slider)
    low, high, kind = control.min, control.max, type(control.value)
    values = [kind(low + (high - low) * (i + 1) / (n_values + 1)) for i in range(n_values)]
    for value in values:  # the first round computes; the rest find it cached
        app.slider(key=slider).set_value(value).run()
    SECONDS.clear()
    for _ in range(rounds):
        for value in values:
            app.slider(key=slider).set_value(value).run()
    if app.exception:
        raise RuntimeError(f"{page}: {app.exception[0].value}")
    return list(SECONDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(DEFAULT_CASES), help="page:slider")
    parser.add_argument("--values", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    import playground.compute  # noqa: F401  (first, as in the server: sizes XLA's CPU pool)

    sys.modules.setdefault(MODULE, sys.modules[__name__])

    print("| page | slider | p50 ms | p90 ms | moves |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for case in args.cases:
            page, slider = case.split(":")
            ms = sorted(
                1e3 * s for s in time_page(page, slider, args.values, args.rounds, Path(folder))
            )
            p90 = ms[int(0.9 * (len(ms) - 1))]
            print(f"| {page} | {slider} | {statistics.median(ms):.1f} | {p90:.1f} | {len(ms)} |")


if __name__ == "__main__":
    main()
