"""What drawing a page's charts costs the browser, and what redrawing them in place would save.

Run: `python -m bench.plotly_draw [--repeats 12]` (needs /usr/bin/chromium and playwright).

For the floor and each page with a repaint target (bench.latency), a websocket session takes the
figures the server sends at the page's defaults and after bench.latency's first step (its
latency slider to the maximum). In
Chromium, with the plotly.js bundled in the plotly package (Streamlit 1.67 bundles the same
major version), each figure is drawn the two ways a chart can be repainted, alternating between
the two states: afresh (`Plotly.newPlot` into an emptied div, what Streamlit 1.67 does, since a
changed chart is a new element) and in place (`Plotly.react` on the drawn chart, what an
in-place update would do). Each draw is timed to the end of plotly.js's work and the page
layout it causes; medians after 2 warm-up rounds. A slider move repaints only the figures the
step changed; the totals add those.
"""

import argparse
import statistics
from pathlib import Path

import plotly
from playwright.sync_api import sync_playwright

from bench.latency import FLOOR, FLOOR_PAGE
from tests.e2e import driver
from tests.e2e.page_cases import CASES, LATENCY_TARGET_PAGES, PageCase
from tests.e2e.stream_client import StreamClient, slider_range

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
WARMUP_ROUNDS = 2

DRAW_BOTH_WAYS = """async ([before, after, repeats]) => {
  const div = document.getElementById("chart"), specs = [before, after];
  const drawn = async (call) => {
    const start = performance.now();
    await call();
    div.getBoundingClientRect();  // the page layout plotly.js's drawing causes
    return performance.now() - start;
  };
  const fresh = [], inPlace = [];
  for (let round = 0; round < repeats; round++) {
    const [shown, next] = [specs[round % 2], specs[(round + 1) % 2]];
    const a = structuredClone(shown), b = structuredClone(next);
    Plotly.purge(div);
    fresh.push(await drawn(() => Plotly.newPlot(div, a.data, a.layout, {})));
    inPlace.push(await drawn(() => Plotly.react(div, b.data, b.layout, {})));
  }
  return [fresh, inPlace];
}"""


def stepped(server: driver.Server, case: PageCase, path: str) -> tuple[dict, dict]:
    """The page's figures at its defaults and with its latency slider at its maximum (the first
    step bench.latency takes)."""
    with StreamClient(server.url) as client:
        first = client.run(path, timeout_s=300)
        _, high, _ = slider_range(first.widgets[case.bench_slider])
        second = client.run(path, "", {case.bench_slider: high}, timeout_s=300)
    if not (first.ok and second.ok):
        raise RuntimeError(f"/{path}: {first.errors or second.errors}")
    return first.figures, second.figures


def chart_tab(browser):
    """A blank page with plotly.js and one chart-sized div, as wide as a page's half column."""
    tab = browser.new_page(viewport={"width": 1280, "height": 960})
    tab.set_content('<div id="chart" style="width: 600px; height: 450px"></div>')
    tab.add_script_tag(path=str(PLOTLY_JS))
    return tab


def draw_times(tab, before: dict, after: dict, repeats: int) -> tuple[float, float]:
    fresh, in_place = tab.evaluate(DRAW_BOTH_WAYS, [before, after, repeats + WARMUP_ROUNDS])
    return statistics.median(fresh[WARMUP_ROUNDS:]), statistics.median(in_place[WARMUP_ROUNDS:])


def page_rows(tab, name: str, states: tuple[dict, dict], repeats: int) -> list[dict]:
    before, after = states
    rows = []
    for key, figure in before.items():
        fresh, in_place = draw_times(tab, figure, after[key], repeats)
        changed = figure != after[key]
        rows.append({"page": name, "figure": key, "changed": changed,
                     "fresh": fresh, "in_place": in_place})  # fmt: skip
    return rows


def measure(repeats: int) -> list[dict]:
    states = {}
    with driver.running_server(FLOOR_PAGE) as server:
        states[FLOOR.url_path] = stepped(server, FLOOR, "")
    with driver.running_server() as server:
        for name in LATENCY_TARGET_PAGES:
            states[name] = stepped(server, CASES[name], CASES[name].path)
    with sync_playwright() as playwright:
        browser = driver.launch_chromium(playwright)
        tab = chart_tab(browser)
        rows = [row for name, pair in states.items() for row in page_rows(tab, name, pair, repeats)]
        browser.close()
    return rows


def print_tables(rows: list[dict], repeats: int) -> None:
    print(f"\n### plotly.js drawing per figure (Chromium, median of {repeats})\n")
    print("| page | figure | changed by the step | afresh ms | in place ms |")
    print("|---|---|---|---:|---:|")
    for r in rows:
        changed = "yes" if r["changed"] else "no"
        times = f"{r['fresh']:.1f} | {r['in_place']:.1f}"
        print(f"| {r['page']} | {r['figure']} | {changed} | {times} |")
    print("\n### A slider step's redraw, the changed figures together\n")
    print("| page | figures changed | afresh ms | in place ms | in place saves ms |")
    print("|---|---:|---:|---:|---:|")
    for page in dict.fromkeys(r["page"] for r in rows):
        changed = [r for r in rows if r["page"] == page and r["changed"]]
        fresh, in_place = sum(r["fresh"] for r in changed), sum(r["in_place"] for r in changed)
        times = f"{fresh:.1f} | {in_place:.1f} | {fresh - in_place:.1f}"
        print(f"| {page} | {len(changed)} | {times} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=12, help="draws per figure and way")
    args = parser.parse_args()
    print_tables(measure(args.repeats), args.repeats)


if __name__ == "__main__":
    main()
