"""The router and the home page."""

from playground.registry import present_pages
from tests.conftest import assert_no_exception, run_app, run_page


def test_home_lists_every_present_page_with_a_link():
    at = run_page("home.py")
    assert_no_exception(at)
    text = "\n".join(m.value for m in at.markdown)
    for page in present_pages():
        assert f"(/{page.url_path})" in text
    assert "Backend:" in "\n".join(c.value for c in at.caption)


def test_router_shows_the_device_in_the_sidebar_and_runs_home():
    at = run_app()
    assert_no_exception(at)
    assert any("Computing on:" in e.label for e in at.sidebar.expander)
    assert at.title[0].value == "Deep-learning playground"
