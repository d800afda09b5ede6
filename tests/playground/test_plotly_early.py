"""The blank chart that has the browser load plotly.js during a session's first run."""

import pytest
from streamlit.testing.v1 import AppTest

from playground import plotly_early
from playground.registry import ROOT
from tests.conftest import APP_TIMEOUT_S, assert_no_exception, figures, run_page
from tests.e2e import driver
from tests.e2e.stream_client import StreamClient

# Notes when the page's title is put on the page, on the clock of its resource timings. The page
# script writes it first, after the app's imports, and computes after it.
TITLE_SHOWN_JS = """() => {
  new MutationObserver((_, observer) => {
    if (document.querySelector('h1')) {
      window.__titleShown = performance.now();
      observer.disconnect();
    }
  }).observe(document, {subtree: true, childList: true});
}"""


@pytest.fixture
def fresh_server():
    """The app on a server of its own: its first session's first run imports JAX (seconds)."""
    with driver.running_server() as server:
        yield server


def test_the_browser_fetches_plotly_before_the_page_is_written(fresh_server, browser):
    page = driver.new_page(browser)  # a fresh context: nothing in the browser's cache
    page.context.add_init_script("(" + TITLE_SHOWN_JS + ")();")
    try:
        driver.open_app(page, fresh_server.url, "overfitting")
        fetched = page.evaluate(
            """() => performance.getEntriesByType('resource')
                .filter((e) => e.name.includes('PlotlyChart')).map((e) => e.startTime)"""
        )
        title_shown = page.evaluate("window.__titleShown")
        early_charts = page.query_selector_all(f".{driver.widget_class(plotly_early.KEY)}")
    finally:
        page.context.close()

    assert len(fetched) == 1
    assert fetched[0] < title_shown  # without it, the first chart's arrival starts the fetch
    assert early_charts == []  # removed once the page was written


def test_only_a_sessions_first_run_sends_it_first_and_takes_it_away(fresh_server):
    # Streamlit sends only the last of the deltas for one place on the page that are waiting in
    # its queue, so a run that ends within one flush never sends the blank chart (and does not
    # need to). This one trains the dropout page's networks for a seed no test used: seconds.
    with StreamClient(fresh_server.url) as client:
        first = client.run("dropout", "drop.seed=4242", timeout_s=300)
        second = client.run("dropout", "drop.seed=4243", timeout_s=300)
        other_page = client.run("overfitting")

    assert first.ok and second.ok and other_page.ok
    assert first.figures_sent[0] == plotly_early.KEY
    assert plotly_early.KEY not in first.figures  # the page ended without it
    assert first.figures.keys() == second.figures.keys()  # the page's own charts
    assert plotly_early.KEY not in second.figures_sent + other_page.figures_sent


def test_the_app_shows_the_same_figures_as_the_page_alone():
    at = AppTest.from_file(str(ROOT / "playground" / "app.py"), default_timeout=APP_TIMEOUT_S)
    at.switch_page("../pages/overfitting.py").run()  # the session's first run

    assert_no_exception(at)
    assert at.session_state[plotly_early.SENT]  # it was sent
    assert figures(at) == figures(run_page("overfitting.py"))  # nothing left of the blank chart
