"""Fixtures for the end-to-end tests: one `streamlit run` server and one headless Chromium.

Skipped cleanly where Debian's Chromium (/usr/bin/chromium) or the playwright package is
missing; never downloads a browser (`playwright install` is not used anywhere).
"""

import pytest

from tests.e2e import driver


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def browser():
    if not driver.CHROMIUM.exists():
        pytest.skip(f"{driver.CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = driver.launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app_server(browser, tmp_path_factory):
    """The whole app, as `streamlit run playground/app.py` serves it, on 127.0.0.1."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with driver.running_server(log=log) as server:
        yield server


@pytest.fixture
def new_page(browser):
    """Opens pages in fresh browser contexts (one Streamlit session each); closes them after."""
    contexts = []

    def make():
        page = driver.new_page(browser)
        contexts.append(page.context)
        return page

    yield make
    for context in contexts:
        context.close()
