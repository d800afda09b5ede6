"""A shared link shows the same figures after the server restarts (PRODUCT.md, rule 1).

A teacher's link is opened later, often by a restarted server or another replica. The first
server here starts with an empty compilation cache, so it compiles every program and reads the
digits with scikit-learn's loader; the second starts from what the first left in that cache
(programs and the kept digits) and with one computation slot, which gives XLA's CPU pool fewer
threads. Every page's shared link must give bit-identical figure data on both.
"""

import json

import pytest

from tests.e2e import driver
from tests.e2e.page_cases import present_cases
from tests.e2e.stream_client import StreamClient

pytest.importorskip("websockets")

CASES = [case for case in present_cases() if case.link]


def _figures_of_every_link(env: dict[str, str], log) -> dict[str, dict[str, str]]:
    """{page: {chart key: its plotly JSON}} for each page's shared link, from a new server."""
    figures = {}
    with driver.running_server(env=env, log=log) as server, StreamClient(server.url) as learner:
        for case in CASES:
            run = learner.run(case.path, case.link, timeout_s=600)
            assert run.ok, (case.url_path, run.errors)
            assert run.figures, case.url_path
            figures[case.url_path] = {
                key: json.dumps(spec, sort_keys=True) for key, spec in run.figures.items()
            }
    return figures


def test_every_shared_link_gives_the_same_figures_after_a_restart(tmp_path):
    cache = {"PLAYGROUND_JAX_CACHE": str(tmp_path / "cache")}
    first = _figures_of_every_link(cache, tmp_path / "first.log")
    assert any((tmp_path / "cache").rglob("digits-*.npz"))  # the second reads the kept digits
    restarted = _figures_of_every_link(
        {**cache, "PLAYGROUND_MAX_CONCURRENT": "1"}, tmp_path / "restarted.log"
    )
    assert restarted.keys() == first.keys()
    for page, charts in first.items():
        assert restarted[page] == charts, page
