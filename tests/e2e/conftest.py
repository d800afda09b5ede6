"""Fixtures for the end-to-end tests: one `streamlit run` server, and pages in the headless
Chromium of tests/conftest.py's `browser` fixture."""

import pytest

from tests.e2e import driver


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def app_server(browser, tmp_path_factory):
    """The whole app, as `streamlit run playground/app.py` serves it, on 127.0.0.1."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with driver.running_server(log=log) as server:
        yield server


@pytest.fixture
def new_page(browser):
    """Opens pages in fresh browser contexts (one Streamlit session each), in a desktop window
    or with `phone=True` on a phone; closes them after."""
    contexts = []

    def make(phone: bool = False):
        page = driver.new_page(browser, phone)
        contexts.append(page.context)
        return page

    yield make
    for context in contexts:
        context.close()
