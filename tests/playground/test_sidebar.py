"""The shared sidebar: the link to the view on screen, under the router as a learner meets it."""

import urllib.parse

import pytest

from playground.controls import link_params
from tests.conftest import assert_no_exception, figures, run_app, run_page, warnings_text

OVERFITTING = "../pages/overfitting.py"  # relative to playground/app.py


def view_link(at) -> str | None:
    links = [code.value for code in at.sidebar.code]
    assert len(links) <= 1
    return links[0] if links else None


def query_of(link: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(link).query, keep_blank_values=True)


@pytest.fixture
def overfitting():
    at = run_app()
    at.switch_page(OVERFITTING).run()
    assert_no_exception(at)
    return at


def test_home_has_no_view_link_and_a_default_page_links_to_itself():
    home = run_app()
    assert view_link(home) is None
    home.switch_page(OVERFITTING).run()
    assert view_link(home) == "/overfitting"  # every control at its default


def test_the_link_holds_the_moved_controls_and_restores_the_same_view(overfitting):
    at = overfitting
    at.slider(key="fit.degree").set_value(7).run()
    at.slider(key="fit.seed").set_value(12).run()
    at.select_slider(key="fit.ridge").set_value(0.001).run()
    link = view_link(at)

    assert query_of(link) == {"fit.degree": ["7"], "fit.seed": ["12"], "fit.ridge": ["0.001"]}
    shared = run_page("overfitting.py", query_of(link))
    assert_no_exception(shared)
    assert "replaced" not in warnings_text(shared)
    for key in ("fit.degree", "fit.seed"):
        assert shared.slider(key=key).value == at.slider(key=key).value
    assert figures(shared) == figures(at)  # bit-identical data, as the learner saw it


def test_a_try_this_button_moves_the_link_too(overfitting):
    at = overfitting
    at.button(key="fit._try1").click().run()  # "Parameters = points": 10 points, degree 9

    assert query_of(view_link(at)) == {"fit.n_train": ["10"], "fit.degree": ["9"]}


def test_a_replaced_link_value_is_not_passed_on():
    at = run_app({"fit.degree": "nine", "fit.seed": "4"})
    at.switch_page(OVERFITTING).run()
    assert "replaced" in warnings_text(at)

    assert query_of(view_link(at)) == {"fit.seed": ["4"]}  # degree fell back to its default


@pytest.mark.parametrize("value", [0.1, 0.15000000000000002, 1e-05, 2.5e-7, 30.0, -1.2])
def test_link_values_read_back_as_the_same_float(value):
    ((_, text),) = link_params("p", {"x": value})
    assert float(text) == value
    assert not text.endswith(".0")
