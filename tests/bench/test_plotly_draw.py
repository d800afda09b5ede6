"""bench.plotly_draw: the figures it times are the server's, before and after a real slider step,
and plotly.js really draws them both ways."""

import pytest

from bench import plotly_draw
from bench.latency import FLOOR, FLOOR_PAGE
from tests.e2e import driver

DRAWN_LINES_JS = (
    "() => document.querySelectorAll('#chart .scatterlayer .trace path.js-line').length"
)


@pytest.fixture(scope="module")
def tab(browser):
    page = plotly_draw.chart_tab(browser)
    yield page
    page.close()


@pytest.fixture(scope="module")
def floor_states():
    with driver.running_server(FLOOR_PAGE) as server:
        return plotly_draw.stepped(server, FLOOR, "")


def test_the_step_sends_the_same_charts_with_new_data(floor_states):
    before, after = floor_states

    assert list(before) == list(after) == ["fig.floor"]
    assert before["fig.floor"]["data"][0]["y"] != after["fig.floor"]["data"][0]["y"]


def test_each_figure_is_drawn_both_ways_and_left_drawn(tab, floor_states):
    rows = plotly_draw.page_rows(tab, "floor", floor_states, repeats=2)

    assert [(r["figure"], r["changed"]) for r in rows] == [("fig.floor", True)]
    assert rows[0]["fresh"] > 0 and rows[0]["in_place"] > 0
    assert tab.evaluate(DRAWN_LINES_JS) == 1  # the sine, drawn by plotly.js


def test_a_figure_the_step_left_alone_is_not_counted_as_changed(tab, floor_states):
    before, _ = floor_states

    rows = plotly_draw.page_rows(tab, "floor", (before, before), repeats=1)

    assert [r["changed"] for r in rows] == [False]
