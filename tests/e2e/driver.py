"""Drives the real app: a `streamlit run` server on a free local port and Debian's Chromium.

Shared by the end-to-end tests (tests/e2e/) and the browser benchmarks (bench/). Nothing here
downloads a browser: Chromium is the system binary, driven by the Python playwright package.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from playground.registry import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
APP_SCRIPT = ROOT / "playground" / "app.py"
XLA_POOL_THREAD = "tf_XLAEigen"  # the name XLA:CPU gives its intra-op pool's threads
VIEWPORT = {"width": 1280, "height": 960}
# A small phone (360 CSS px is the narrowest common width): a touch screen, where Plotly shows
# its tool bar over every chart all the time instead of on hover.
PHONE = {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True}
RUN_TIMEOUT_MS = 180_000

# The figure data of every plotly chart on the page, as one string, without what plotly.js
# writes into it: a decoded copy of typed arrays (`_inputArray`), and a contour's automatic
# levels (`autocontour`, `contours`), written only when it calculates, which a redraw from an
# unchanged figure does not (playground/plots/bake.py).
FIGURE_SIGNATURE_JS = """() => {
  const written = new Set(['_inputArray', 'autocontour', 'contours']);
  const skip = (k, v) => (written.has(k) ? undefined : v);
  return Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map((g) => JSON.stringify(g.data, skip)).join('|');
}"""

# Every keyed widget of a page (`st-key-fit-degree`, ...): its inputs' values and visible text.
CONTROL_STATE_JS = """(prefix) => {
  const found = {};
  for (const el of document.querySelectorAll(`[class*="st-key-${prefix}-"]`)) {
    const key = Array.from(el.classList).find((c) => c.startsWith('st-key-'));
    const inputs = Array.from(el.querySelectorAll('input'))
      .map((i) => (i.type === 'checkbox' ? String(i.checked) : i.value));
    found[key] = inputs.join(',') + ' | ' + el.innerText;
  }
  return found;
}"""

# Installed before the page's own scripts: counts finished script runs, so that "idle" cannot be
# mistaken for the moment before the first run has started.
COUNT_RUNS_JS = """() => {
  window.__runsDone = 0;
  let last = null;
  new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    if (last === 'running' && state === 'notRunning') window.__runsDone += 1;
    last = state;
  }).observe(document, {subtree: true, attributes: true, childList: true,
                        attributeFilter: ['data-test-script-state']});
}"""
COUNT_RUNS_SCRIPT = "(" + COUNT_RUNS_JS + ")();"

IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return window.__runsDone > 0 && !!app
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && app.getAttribute('data-test-connection-state') === 'CONNECTED';
}"""

# Streamlit loads each kind of element's code when the first one arrives and shows a skeleton in
# its place until then: a chart's container (keyed `fig.<name>` by playground.show) exists before
# the chart inside it is drawn, and a slider or select box can still be a skeleton after the run
# has ended and the charts are drawn (their code loads while plotly.js is being parsed).
PAGE_DRAWN_JS = """() => Array.from(document.querySelectorAll(
    '[class*="st-key-fig-"], .js-plotly-plot')).every((el) => el.querySelector('.main-svg'))
  && !document.querySelector('[data-testid="stSkeleton"]')"""

# Arms a timer on a slider thumb: it starts at the keydown and stops at the first animation
# frame where the script run has finished and the figure data differs from before the key.
# The data is serialised only when a chart's `data` object was replaced (Plotly.react swaps
# it): serialising every chart on every frame cost the page itself up to ~30 ms per move.
ARM_REPAINT_TIMER_JS = """(selector) => {
  const signature = __SIGNATURE__;
  const charts = () => Array.from(document.querySelectorAll('.js-plotly-plot'), (g) => g.data);
  const input = document.querySelector(selector);
  const app = document.querySelector('[data-testid="stApp"]');
  const before = signature();
  let seen = charts();
  const changed = () => {
    const now = charts();
    if (now.length === seen.length && now.every((data, i) => data === seen[i])) return false;
    seen = now;
    return signature() !== before;
  };
  window.__repaint = new Promise((resolve) => {
    let start = null;
    input.addEventListener('keydown', () => { start = performance.now(); }, {once: true});
    const tick = () => {
      if (start !== null && app.getAttribute('data-test-script-state') === 'notRunning'
          && changed()) {
        resolve(performance.now() - start);
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}""".replace("__SIGNATURE__", FIGURE_SIGNATURE_JS)


def widget_class(key: str) -> str:
    """The CSS class Streamlit gives a keyed widget's container (same rule as its frontend)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def slider_thumb(key: str) -> str:
    return f".{widget_class(key)} input[type=range]"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base_url: str, timeout_s: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        health = base_url + "/_stcore/health"
        with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{base_url} not healthy after {timeout_s} s")


class Server:
    """A `streamlit run` process bound to 127.0.0.1 on a free port; stop() ends its group."""

    def __init__(self, script: Path, env: Mapping[str, str] | None = None, log: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable, "-m", "streamlit", "run", str(script),
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(self.port),
        ]  # fmt: skip
        self._log = open(log or os.devnull, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, timeout_s: float = 60) -> "Server":
        wait_healthy(self.url, timeout_s, self.process)
        return self

    def rss_bytes(self) -> int:
        """Resident memory of the server process (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", fields).group(1)) * 1024

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU time the server has used so far, s: in all, exited threads included, and in
        XLA's CPU thread pool (threads named tf_XLAEigen, which live as long as the process)."""
        return process_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def process_cpu_seconds(pid: int) -> tuple[float, float]:
    """(all, XLA's pool) CPU seconds of a process, from Linux /proc (utime + stime)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def seconds(stat: Path) -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()  # after "(comm)", which may hold spaces
        return (int(fields[11]) + int(fields[12])) / ticks

    xla = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread may end while we read
            if (task / "comm").read_text().strip() == XLA_POOL_THREAD:
                xla += seconds(task / "stat")
    return seconds(Path(f"/proc/{pid}/stat")), xla


@contextlib.contextmanager
def running_server(script: Path = APP_SCRIPT, **kwargs) -> Iterator[Server]:
    server = Server(script, **kwargs)
    try:
        yield server.wait()
    finally:
        server.stop()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))


def new_page(browser, phone: bool = False):
    """A page in a fresh context (its own Streamlit session), counting the app's script runs;
    in a desktop window, or on a phone."""
    context = browser.new_context(**PHONE) if phone else browser.new_context(viewport=VIEWPORT)
    context.add_init_script(COUNT_RUNS_SCRIPT)
    return context.new_page()


def wait_idle(page, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Waits until the script run is over and the page is connected."""
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)


def open_app(page, base_url: str, url_path: str, query: str = "") -> None:
    """Opens /<url_path>?<query> and waits for its first run to finish and its charts and
    widgets to draw."""
    query = query.lstrip("?")
    page.goto(f"{base_url}/{url_path}" + (f"?{query}" if query else ""))
    page.wait_for_selector('[data-testid="stApp"]', timeout=RUN_TIMEOUT_MS)
    wait_idle(page)
    page.wait_for_function(PAGE_DRAWN_JS, timeout=RUN_TIMEOUT_MS)


def open_url(page, url: str) -> None:
    """Opens a full URL (e.g. a link copied from another session) like open_app."""
    parts = urllib.parse.urlsplit(url)
    open_app(page, f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/"), parts.query)


# Margins Plotly had to widen for a chart's labels, legend or colour bar ("title: b 108 → 131"):
# each one made it draw the chart twice.
WIDENED_MARGINS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
.flatMap((g) => {
  const layout = g._fullLayout, wanted = layout.margin, drawn = layout._size;
  const title = String((layout.title && layout.title.text) || '').replace(/<[^>]*>/g, '');
  return ['l', 'r', 't', 'b'].filter((side) => Math.round(drawn[side]) > wanted[side])
    .map((side) => `${title}: ${side} ${wanted[side]} → ${Math.round(drawn[side])}`);
})"""


def widened_margins(page) -> list[str]:
    return page.evaluate(WIDENED_MARGINS_JS)


# Text a learner must read on each chart that clashes: the title, axis titles, annotations
# (panel titles included), the legend and each axis's tick labels (as one box), any two of
# which overlap, or that reach outside the chart; two tick labels of one axis that overlap;
# and Plotly's tool bar where it is shown without hovering (on a touch screen), over any of
# them. Plotly places most of them itself, but not a legend at a fixed y, panel titles against
# the figure's title, tilted tick labels or the minor labels of a log axis, and it puts the
# tool bar over the chart's top right corner whatever is there.
CHART_TEXT_CLASHES_JS = """() => {
  const union = (rects) => rects.reduce((u, r) => ({
    left: Math.min(u.left, r.left), top: Math.min(u.top, r.top),
    right: Math.max(u.right, r.right), bottom: Math.max(u.bottom, r.bottom)}));
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const clashes = [];
  for (const g of document.querySelectorAll('.js-plotly-plot')) {
    const chart = g.querySelector('.main-svg').getBoundingClientRect();
    const title = String((g._fullLayout.title || {}).text || '').replace(/<[^>]*>/g, '');
    const boxes = [];
    const add = (name, rects) => {
      rects = rects.filter((r) => r.width > 0 && r.height > 0);
      if (rects.length) boxes.push({name, r: union(rects)});
    };
    const each = (selector, name) => g.querySelectorAll(selector).forEach(
      (el) => add(name(el), [el.getBoundingClientRect()]));
    each('.g-gtitle text', () => 'title');
    each('[class^="g-x"][class$="title"] text, [class^="g-y"][class$="title"] text',
         (el) => `axis title "${el.textContent}"`);
    each('.annotation', (el) => `annotation "${el.textContent}"`);
    each('.legend .bg', () => 'legend');
    g.querySelectorAll('.xaxislayer-above, .yaxislayer-above').forEach((axis, i) => {
      const ticks = Array.from(axis.querySelectorAll('text'))
        .map((t) => [t.textContent, t.getBoundingClientRect()])
        .filter(([, r]) => r.width > 0 && r.height > 0);
      add(`tick labels of axis ${i}`, ticks.map(([, r]) => r));
      ticks.forEach(([a, ra], j) => ticks.slice(j + 1).forEach(([b, rb]) => {
        if (overlap(ra, rb)) clashes.push(`${title}: tick label "${a}" overlaps "${b}"`);
      }));
    });
    const tools = Array.from(g.querySelectorAll('.modebar-group'))
      .filter((group) => parseFloat(getComputedStyle(group).opacity) > 0);
    add('tool bar', tools.map((group) => group.getBoundingClientRect()));
    const out = (r) => r.left < chart.left - 1 || r.right > chart.right + 1
      || r.top < chart.top - 1 || r.bottom > chart.bottom + 1;
    boxes.filter((b) => out(b.r)).forEach((b) => clashes.push(`${title}: ${b.name} is cut`));
    boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
      if (overlap(a.r, b.r)) clashes.push(`${title}: ${a.name} overlaps ${b.name}`);
    }));
  }
  return clashes;
}"""

# Buttons whose label is cut short ("As many parameters as poi…").
CUT_BUTTON_LABELS_JS = """() => Array.from(
  document.querySelectorAll('button [data-testid="stMarkdownContainer"]'))
  .filter((label) => label.scrollWidth > label.clientWidth).map((label) => label.textContent)"""


def chart_text_clashes(page) -> list[str]:
    return page.evaluate(CHART_TEXT_CLASHES_JS)


def cut_button_labels(page) -> list[str]:
    return page.evaluate(CUT_BUTTON_LABELS_JS)


def figure_signature(page) -> str:
    return page.evaluate(FIGURE_SIGNATURE_JS)


def control_state(page, prefix: str) -> dict[str, str]:
    return page.evaluate(CONTROL_STATE_JS, prefix)


VIEW_LINK = '[data-testid="stSidebar"] [data-testid="stCode"] code'


def view_link(page, containing: str = "", timeout_ms: int = RUN_TIMEOUT_MS) -> str:
    """The sidebar's "Link to this view", as the copy button would copy it, once it holds
    `containing`: the link is drawn at the end of a run, after the charts."""
    page.wait_for_function(
        "([selector, text]) => (document.querySelector(selector)?.innerText ?? '').includes(text)",
        arg=[VIEW_LINK, containing],
        timeout=timeout_ms,
    )
    return page.inner_text(VIEW_LINK).strip()


def error_texts(page) -> list[str]:
    """Text of every exception, error box or error dialog ("Page not found") on the page."""
    boxes = page.query_selector_all(
        '[data-testid="stException"], [data-testid="stAlertContentError"], [role="dialog"]'
    )
    return [box.inner_text() for box in boxes]


def warning_texts(page) -> list[str]:
    boxes = page.query_selector_all('[data-testid="stAlertContentWarning"]')
    return [box.inner_text() for box in boxes]


def widget_shown(page, key: str) -> str:
    """The value a widget shows: a slider's thumb label, a toggle's state, a box's text."""
    return page.eval_on_selector(
        "." + widget_class(key),
        """(el) => {
          const thumb = el.querySelector('[data-testid="stSliderThumbValue"]');
          if (thumb) return thumb.innerText.trim();
          const box = el.querySelector('input[type=checkbox]');
          if (box) return String(box.checked);
          const select = el.querySelector('[data-baseweb="select"]');
          if (select) return select.innerText.trim();
          const input = el.querySelector('input, textarea');
          return input ? input.value : el.innerText.trim();
        }""",
    )


def shows_value(shown: str, value: str) -> bool:
    """Whether a widget showing `shown` holds the link's `value` (numbers compared as numbers)."""
    try:
        return abs(float(shown) - float(value)) <= 1e-9 * max(1.0, abs(float(value)))
    except ValueError:
        return shown.strip() == value.strip()


def slider_step_key(page, key: str) -> str:
    """ArrowRight, or ArrowLeft when the slider already sits at its maximum."""
    at_max = page.eval_on_selector(slider_thumb(key), "(i) => Number(i.value) >= Number(i.max)")
    return "ArrowLeft" if at_max else "ArrowRight"


def press_slider(page, key: str, timeout_ms: int = RUN_TIMEOUT_MS) -> float:
    """Moves a slider one step by keyboard; returns ms from keydown to the changed chart."""
    thumb = slider_thumb(key)
    arrow = slider_step_key(page, key)
    page.evaluate(ARM_REPAINT_TIMER_JS, thumb)
    page.focus(thumb)
    page.keyboard.press(arrow)
    return page.evaluate(
        """(ms) => Promise.race([window.__repaint,
             new Promise((_, no) => setTimeout(() => no(new Error('no repaint')), ms))])""",
        timeout_ms,
    )
