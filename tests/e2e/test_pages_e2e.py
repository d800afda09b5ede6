"""Every page as a learner meets it: the real server, a real browser, a shared link.

For each present page: it loads without an error box (and a screenshot is written to
assets/screenshots/<url_path>.png for the README); a keyboard step on a slider thumb changes the
figure data; the URL after that step, and the sidebar's "Link to this view", opened in a fresh
session, restore the same controls and the same figure data; the page's shared link from
page_cases.py does the same; and Home's links open every page and its start-here views.
"""

import urllib.parse
from pathlib import Path

import pytest

from playground.page_specs.home import gallery
from playground.registry import ROOT, present_pages
from tests.e2e import driver
from tests.e2e.page_cases import LATENCY_TARGET_PAGES, PageCase, present_cases

SCREENSHOTS = ROOT / "assets" / "screenshots"
CASES = present_cases()


def _ids(case: PageCase) -> str:
    return case.url_path


def _require_widget(page, case: PageCase, key: str) -> None:
    if page.query_selector("." + driver.widget_class(key)) is None:
        origin = "a guessed row" if case.guessed else "its row"
        pytest.skip(f"{case.url_path} has no widget {key!r}: correct {origin} in page_cases.py")


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_page_loads_without_error(case, app_server, new_page):
    page = new_page()
    driver.open_app(page, app_server.url, case.path)

    assert driver.error_texts(page) == []
    if case.prefix:
        assert page.query_selector_all(".js-plotly-plot"), "no chart drawn"
    else:
        _home_links(page)  # Home has no chart: wait for its links before the screenshot
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{case.url_path}.png")


@pytest.mark.parametrize("case", [c for c in CASES if c.slider], ids=_ids)
def test_slider_step_repaints_chart_and_its_url_restores_it(case, app_server, new_page):
    page = new_page()
    driver.open_app(page, app_server.url, case.path)
    _require_widget(page, case, case.slider)
    before = driver.figure_signature(page)

    driver.press_slider(page, case.slider)

    after = driver.figure_signature(page)
    assert after != before
    assert driver.error_texts(page) == []
    assert case.slider + "=" in urllib.parse.unquote(page.url)
    controls = driver.control_state(page, case.prefix)

    shared = new_page()
    driver.open_url(shared, page.url)
    assert driver.control_state(shared, case.prefix) == controls
    assert driver.figure_signature(shared) == after

    # The sidebar's link (what a learner copies where the address bar hides the query).
    link = driver.view_link(page, containing=case.slider + "=")
    assert link.startswith(f"{app_server.url}/{case.url_path}?"), link
    viewed = new_page()
    driver.open_url(viewed, link)
    assert driver.control_state(viewed, case.prefix) == controls
    assert driver.figure_signature(viewed) == after


@pytest.mark.parametrize("case", [c for c in CASES if c.link], ids=_ids)
def test_shared_link_restores_controls_and_figure(case, app_server, new_page):
    first = new_page()
    driver.open_app(first, app_server.url, case.path, case.link)
    pairs = urllib.parse.parse_qsl(case.link)
    for key, _ in pairs:
        _require_widget(first, case, key)
    assert driver.error_texts(first) == []
    assert driver.warning_texts(first) == [], "the row's link should need no replacement"
    for key, value in pairs:
        shown = driver.widget_shown(first, key)
        assert driver.shows_value(shown, value), f"{key}: link says {value}, page shows {shown}"

    second = new_page()
    driver.open_app(second, app_server.url, case.path, case.link)
    assert driver.control_state(second, case.prefix) == driver.control_state(first, case.prefix)
    assert driver.figure_signature(second) == driver.figure_signature(first)

    default = new_page()
    driver.open_app(default, app_server.url, case.path)
    assert driver.figure_signature(default) != driver.figure_signature(first)


@pytest.mark.parametrize("case", [c for c in CASES if c.slider], ids=_ids)
def test_link_text_is_shown_literally_not_as_markup(case, app_server, new_page):
    page = new_page()
    hostile = "[prize](http://evil.invalid) <img src=x onerror=alert(1)>"
    query = urllib.parse.urlencode({case.slider: hostile})
    driver.open_app(page, app_server.url, case.path, query)
    _require_widget(page, case, case.slider)

    notes = page.query_selector_all('[data-testid="stAlertContentWarning"]')
    assert notes, "a replaced value must be announced"
    for note in notes:
        assert note.query_selector("a[href*='evil'], img") is None
    assert "[prize](http://evil" in "\n".join(driver.warning_texts(page))


def _home_links(page) -> list[str]:
    """The href of every page link on Home, once all of them are drawn."""
    expected = len(present_pages()) + sum(len(picks) for _, picks in gallery())
    selector = '[data-testid="stMain"] a[data-testid="stPageLink-NavLink"]'
    page.wait_for_function(
        f"() => document.querySelectorAll('{selector}').length >= {expected}",
        timeout=driver.RUN_TIMEOUT_MS,
    )
    return page.eval_on_selector_all(selector, "(all) => all.map((a) => a.getAttribute('href'))")


def test_home_links_every_page_and_its_start_here_views(app_server, new_page):
    home = new_page()
    driver.open_app(home, app_server.url, "")
    links = _home_links(home)

    pages = {page.url_path for page in present_pages()}
    views = {
        f"{page.url_path}?{urllib.parse.urlencode(pick.query_params)}"
        for page, picks in gallery()
        for pick in picks
    }
    assert set(links) == pages | views
    for link in sorted(pages):  # the views' own runs are checked in tests/pages/test_home.py
        page = new_page()
        driver.open_url(page, f"{app_server.url}/{link}")
        assert driver.error_texts(page) == [], link
        page.context.close()


def test_a_start_here_click_opens_its_page_with_the_controls_set(app_server, new_page):
    # In the same session, as a learner clicks: the page opens with the experiment's values and
    # no note about replaced values.
    pick = next(p for _, picks in gallery() for p in picks if p.title == "Parameters = points")
    page = new_page()
    driver.open_app(page, app_server.url, "")
    _home_links(page)

    page.get_by_text(f"Start here: {pick.title}").click()
    page.wait_for_url(f"**/{pick.page.url_path}*", timeout=driver.RUN_TIMEOUT_MS)
    page.wait_for_selector("." + driver.widget_class(f"{pick.page.prefix}.degree"))
    driver.wait_idle(page)
    page.wait_for_function(driver.PAGE_DRAWN_JS, timeout=driver.RUN_TIMEOUT_MS)

    assert driver.error_texts(page) == []
    assert driver.warning_texts(page) == []
    for key, value in pick.query_params:
        shown = driver.widget_shown(page, key)
        assert driver.shows_value(shown, value), f"{key}: link says {value}, page shows {shown}"


@pytest.mark.parametrize("case", [c for c in CASES if c.url_path in LATENCY_TARGET_PAGES], ids=_ids)
def test_charts_fit_their_margins_so_plotly_draws_each_once(case, app_server, new_page):
    # A chart whose labels, legend or colour bar overflow its margins is drawn twice by Plotly:
    # about half of each chart's drawing on a slider move (playground/plots/style.py, MARGIN).
    page = new_page()
    driver.open_app(page, app_server.url, case.path)

    assert driver.widened_margins(page) == []


def test_csv_download_is_written_when_clicked(app_server, new_page):
    # The CSV is a deferred download (written on click, not on every run): the server must still
    # hand the browser the page's numbers.
    page = new_page()
    driver.open_app(page, app_server.url, "overfitting")
    with page.expect_download() as download:
        page.get_by_text("Errors per degree (CSV)").click()
    lines = Path(download.value.path()).read_text().splitlines()

    assert download.value.suggested_filename == "overfitting_errors.csv"
    assert lines[0].startswith("degree,")
    assert len(lines) == 1 + 21  # degrees 0…20


LEGIBILITY_STATES = [(case, query) for case in CASES for query in ("", *case.crowded)]


@pytest.mark.parametrize(
    ("case", "query"), LEGIBILITY_STATES, ids=[f"{c.url_path}?{q}" for c, q in LEGIBILITY_STATES]
)
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_chart_text_and_button_labels_are_legible(case, query, phone, app_server, new_page):
    # Titles, axis titles, panel titles, annotations, legends and tick labels: none on another,
    # under Plotly's tool bar or cut at the chart's edge; no button label cut short. On a phone
    # too: a class opens a shared link wherever its learners are.
    page = new_page(phone)
    driver.open_app(page, app_server.url, case.path, query)

    assert driver.chart_text_clashes(page) == []
    assert driver.cut_button_labels(page) == []
