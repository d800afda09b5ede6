"""The real server under bursts and abuse, driven over Streamlit's websocket protocol.

No browser needed: tests/e2e/stream_client.py speaks the frontend's protocol.
"""

import re
import threading
import time

import pytest

from playground import compute
from playground.registry import ROOT
from tests.e2e import driver
from tests.e2e.page_cases import present_cases
from tests.e2e.stream_client import StreamClient

pytest.importorskip("websockets")

SLOW_PAGE = ROOT / "tests" / "e2e" / "slow_page.py"


def _stats(run) -> dict[str, int]:
    line = next(t for t in run.texts if t.startswith("stats="))
    return {k: int(v) for k, v in re.findall(r"(\w+):(\d+)", line)}


def _burst(base_url: str, offset: int, results: list, reruns: int = 20, gap_s: float = 0.15):
    """One client: `reruns` slider values 150 ms apart without waiting, then the last result."""
    with StreamClient(base_url) as client:
        first = client.run("", f"slow.x={offset}")
        start = time.perf_counter()
        for i in range(1, reruns + 1):
            client.send_rerun("", "", {"slow.x": offset + i})
            time.sleep(gap_s)
        last = client.collect(start, timeout_s=120, until_ok=True)
        # Earlier runs may have finished in between; read on until the final value's result.
        while last.ok and f"result={(offset + reruns) ** 2}" not in last.texts:
            last = client.collect(time.perf_counter(), timeout_s=120, until_ok=True)
        results.append((first, last))


def test_bursts_of_reruns_never_run_more_than_the_limit_at_once(tmp_path):
    log = tmp_path / "server.log"
    with driver.running_server(SLOW_PAGE, env={"SLOW_PAGE_SECONDS": "0.3"}, log=log) as server:
        results: list = []
        # Five learners each fire 20 reruns 150 ms apart: far more work than the slots.
        threads = [
            threading.Thread(target=_burst, args=(server.url, 100 * k, results)) for k in range(5)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)

        assert len(results) == 5
        for first, last in results:
            assert first.ok, first.errors
            assert last.ok, last.errors
        peak = max(_stats(last)["peak"] for _, last in results)
        assert peak <= compute.MAX_CONCURRENT
        assert peak == compute.MAX_CONCURRENT  # the limit was reached, so it was tested


def test_a_session_that_waits_sees_busy_retrying_then_its_result(tmp_path):
    log = tmp_path / "server.log"
    with driver.running_server(SLOW_PAGE, env={"SLOW_PAGE_SECONDS": "2.5"}, log=log) as server:
        runs: list = []

        def learner(value: int) -> None:
            with StreamClient(server.url) as client:
                runs.append(client.run("", f"slow.x={value}", timeout_s=60))

        learners = range(1, compute.MAX_CONCURRENT + 2)  # one more learner than slots
        threads = [threading.Thread(target=learner, args=(v,)) for v in learners]
        for thread in threads:
            thread.start()
            time.sleep(0.05)
        for thread in threads:
            thread.join(timeout=90)

        assert [run.ok for run in runs] == [True] * len(learners), [run.errors for run in runs]
        waited = [run for run in runs if any("busy, retrying" in t for t in run.texts)]
        assert len(waited) >= 1  # more learners than slots: someone waited, and was told
        for run in runs:
            assert any(t.startswith("result=") for t in run.texts)


def test_any_client_clearing_all_caches_leaves_every_page_working(tmp_path):
    cases = present_cases()
    with driver.running_server(log=tmp_path / "server.log") as server:
        learner, vandal = StreamClient(server.url), StreamClient(server.url)
        with learner, vandal:
            before = {case.url_path: learner.run(case.path, case.link) for case in cases}
            for case, run in zip(cases, before.values(), strict=True):
                assert run.ok, (case.url_path, run.errors)

            vandal.run("", "")
            vandal.clear_caches()
            time.sleep(0.5)

            for case in cases:
                again = learner.run(case.path, case.link)
                assert again.ok, (case.url_path, again.errors)
                assert again.figures == before[case.url_path].figures, case.url_path
