"""What a learner waits for, measured in the real browser: slider → repainted chart, and cold start.

Run: `python -m bench.latency` (needs /usr/bin/chromium and the playwright package).

- Repaint: for every present page, the time from the keydown on a slider thumb to the first
  animation frame where the script run has finished and the chart's data differs; p50/p95 over
  --changes steps after --warmup steps. Every step is a new slider value, so each is a real
  computation. Beside it, "server rerun": the same kind of step sent by a browser-less session
  (websocket client), timed to the run's end; the difference is debounce and browser drawing.
  The floor, bench/floor_page.py (one slider, one small chart, no compute), is measured in the
  same run, round-robin with the pages, so that load from other processes falls on all alike.
  Target: p95 ≤ floor p95 + 50 ms for the overfitting, initialization and optimizer pages.
- Cold start: `streamlit run` → the first page interactive, with an empty persistent compilation
  cache and again with the cache that first start filled; measured to the page's first run over
  the websocket protocol (the server's part) and to its charts and widgets drawn in Chromium
  (what a learner sees, including the browser's first load of Streamlit's frontend and of each
  kind of element's code). Target: ≤ 5 s, warm cache.
"""

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from playground.registry import ROOT
from tests.e2e import driver
from tests.e2e.page_cases import LATENCY_TARGET_PAGES, PageCase, present_cases
from tests.e2e.stream_client import StreamClient, slider_range

FLOOR = PageCase("floor", prefix="floor", slider="floor.freq")
FLOOR_PAGE = ROOT / "bench" / "floor_page.py"
TARGET_OVER_FLOOR_MS = 50.0
COLD_START_TARGET_S = 5.0


def cold_start(browser, cache_dir: Path, page: PageCase) -> tuple[float, float]:
    """Seconds from launching the server to healthy, and to `page` interactive: in the browser
    (charts drawn) when `browser` is given, else its first run over the websocket protocol."""
    start = time.perf_counter()
    server = driver.Server(driver.APP_SCRIPT, env={"PLAYGROUND_JAX_CACHE": str(cache_dir)})
    try:
        server.wait(timeout_s=120)
        healthy = time.perf_counter() - start
        if browser is None:
            with StreamClient(server.url) as client:
                if not client.run(page.path, timeout_s=300).ok:
                    raise RuntimeError(f"/{page.path} failed on a cold server")
        else:
            tab = driver.new_page(browser)
            driver.open_app(tab, server.url, page.path)
            tab.context.close()
        interactive = time.perf_counter() - start
    finally:
        server.stop()
    return healthy, interactive


def cold_starts(browser, page: PageCase) -> dict[str, tuple]:
    """Empty cache, then the cache that start filled; without and with the browser."""
    found = {}
    for label, tab_browser in (("first run (websocket)", None), ("in Chromium", browser)):
        with tempfile.TemporaryDirectory(prefix="jax-cache-") as cache:
            found[label] = (
                cold_start(tab_browser, Path(cache), page),
                cold_start(tab_browser, Path(cache), page),
            )
    return found


def repaint_times(tabs: dict, changes: int, warmup: int) -> dict[str, dict]:
    """Round-robin over the pages: one slider step each per round, in the browser and in a
    browser-less session (websocket client) that steps the same slider down from its maximum,
    so neither revisits a value. ms per step: "browser" to the repaint, "server" to the run's end.
    """
    times = {name: {"browser": [], "server": [], "slider": case.bench_slider}
             for name, (_, case, _, _) in tabs.items()}  # fmt: skip
    for round_index in range(warmup + changes):
        for name, (tab, case, client, page_path) in tabs.items():
            browser_ms = driver.press_slider(tab, case.bench_slider)
            low, high, step = slider_range(client.last.widgets[case.bench_slider])
            value = max(high - round_index * step, low)
            run = client.run(page_path, "", {case.bench_slider: value})
            if not run.ok:
                raise RuntimeError(f"{name}: {run.errors}")
            if round_index >= warmup:
                times[name]["browser"].append(browser_ms)
                times[name]["server"].append(run.seconds * 1e3)
    return times


def open_tabs(browser, app_url: str, floor_url: str, cases: list[PageCase]) -> dict:
    tabs = {}
    for name, url, case in [("floor", floor_url, FLOOR)] + [
        (case.url_path, app_url, case) for case in cases
    ]:
        path = "" if case is FLOOR else case.path
        tab = driver.new_page(browser)
        driver.open_app(tab, url, path)
        if tab.query_selector(driver.slider_thumb(case.bench_slider)) is None:
            print(f"skipping {name}: no slider {case.bench_slider!r} (see page_cases.py)")
            tab.context.close()
            continue
        client = StreamClient(url)
        client.last = client.run(path)
        tabs[name] = (tab, case, client, path)
    return tabs


def latency_table(times: dict[str, dict]) -> str:
    floor_p95 = float(np.percentile(times["floor"]["browser"], 95))
    lines = [
        "| page | slider | changes | p50 ms | p95 ms | max ms | server rerun p50 / p95 ms "
        "| p95 − floor p95 | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, both in times.items():
        ms, server = both["browser"], both["server"]
        p95 = float(np.percentile(ms, 95))
        if name == "floor":
            target, over = "(floor)", ""
        else:
            over = f"{p95 - floor_p95:+.0f} ms"
            if name in LATENCY_TARGET_PAGES:
                met = p95 <= floor_p95 + TARGET_OVER_FLOOR_MS
                target = f"≤ floor + {TARGET_OVER_FLOOR_MS:.0f}: {'met' if met else 'MISSED'}"
            else:
                target = "—"
        slider = both["slider"]
        lines.append(
            f"| {name} | `{slider}` | {len(ms)} | {statistics.median(ms):.0f} | {p95:.0f} | "
            f"{max(ms):.0f} | {statistics.median(server):.0f} / "
            f"{np.percentile(server, 95):.0f} | {over} | {target} |"
        )
    return "\n".join(lines)


def cold_start_table(starts: dict[str, tuple]) -> str:
    lines = [
        "| page interactive | server healthy s | with empty JAX cache s | with warm cache s "
        "| target (warm) |",
        "|---|---|---|---|---|",
    ]
    for label, (empty, warm) in starts.items():
        met = "met" if warm[1] <= COLD_START_TARGET_S else "MISSED"
        lines.append(
            f"| {label} | {warm[0]:.1f} | {empty[1]:.1f} | {warm[1]:.1f} | "
            f"≤ {COLD_START_TARGET_S:.0f} s: {met} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=20, help="timed slider steps per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per page first")
    parser.add_argument("--skip-cold-start", action="store_true")
    parser.add_argument("--pages", nargs="*", help="url paths to measure (default: all)")
    parser.add_argument(
        "--slider",
        nargs="*",
        default=[],
        metavar="PAGE=KEY",
        help="move another slider on a page, e.g. initialization=init.depth",
    )
    args = parser.parse_args()

    chosen = dict(item.split("=", 1) for item in args.slider)
    cases = [
        dataclasses.replace(case, latency_slider=chosen.get(case.url_path, case.latency_slider))
        for case in present_cases()
    ]
    cases = [case for case in cases if case.bench_slider]
    if args.pages:
        cases = [case for case in cases if case.url_path in args.pages]
    with sync_playwright() as playwright:
        browser = driver.launch_chromium(playwright)
        if not args.skip_cold_start and cases:
            print(f"\n### Cold start: `streamlit run` → /{cases[0].path} interactive\n")
            print(cold_start_table(cold_starts(browser, cases[0])))

        with driver.running_server() as app, driver.running_server(FLOOR_PAGE) as floor:
            tabs = open_tabs(browser, app.url, floor.url, cases)
            times = repaint_times(tabs, args.changes, args.warmup)
            for _, _, client, _ in tabs.values():
                client.close()
        browser.close()

    print(f"\n### Slider → chart repaint in Chromium ({args.warmup} warm-up steps, round-robin)\n")
    print(latency_table(times))


if __name__ == "__main__":
    main()
