"""Long work is cancelled cleanly when the learner moves a slider (PRODUCT.md, rule 6).

The real server runs the dropout page with one computation slot for the whole process
(PLAYGROUND_MAX_CONCURRENT=1): a training the move failed to stop would keep that slot, and the
new run would wait for it behind a "busy, retrying" note. The sweep is one network for 500
epochs, ~50 chunks of ~0.1 s, so stopping at the next chunk frees the slot long before the
note's 1 s; finishing the old sweep instead would take seconds.
"""

import dataclasses
import time

import pytest

from playground.compute import BUSY_TEXT
from tests.e2e import driver
from tests.e2e.stream_client import StreamClient

pytest.importorskip("websockets")

PAGE = "dropout"
EPOCHS = 500
OLD = f"drop.epochs={EPOCHS}&drop.seeds=1&drop.rates=0.5&drop.seed=7"
NEW_SEED = 8
STARTED = "Training…"  # the progress bar's text before the first chunk


@pytest.fixture(scope="module")
def one_slot_server(tmp_path_factory):
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with driver.running_server(env={"PLAYGROUND_MAX_CONCURRENT": "1"}, log=log) as server:
        yield server


def _epochs_drawn(run) -> int:
    traces = run.figures["fig.dropout_accuracy"]["data"]
    return len(next(t for t in traces if t.get("name", "").endswith("validation"))["x"])


def _assert_trained_afresh(run) -> None:
    """The run showed its own progress from the start, was never told to wait, and drew the
    finished sweep's charts."""
    assert run.ok, run.errors
    assert not [t for t in run.texts if BUSY_TEXT in t]
    assert run.progress[:2] == [STARTED, f"Epoch 10/{EPOCHS}"]
    assert _epochs_drawn(run) == EPOCHS


def test_moving_a_slider_mid_training_stops_the_old_sweep(one_slot_server):
    with StreamClient(one_slot_server.url) as learner:
        start = time.perf_counter()
        learner.send_rerun(PAGE, OLD)
        old = learner.collect(start, timeout_s=300, stop_when=lambda r: len(r.progress) >= 3)
        assert old.progress == [STARTED, f"Epoch 10/{EPOCHS}", f"Epoch 20/{EPOCHS}"]
        assert not old.finished  # 480 epochs still to go when the slider moves

        start = time.perf_counter()
        learner.send_rerun(PAGE, OLD, {"drop.seed": NEW_SEED})
        moved = learner.collect(start, timeout_s=300)

    # The old run's chunks that finished before the server took the move in report back (none
    # to two in our runs, CI's included); a run that went on would send 48.
    restart = moved.progress.index(STARTED)
    assert moved.progress[:restart] == [
        f"Epoch {e}/{EPOCHS}" for e in range(30, 30 + 10 * restart, 10)
    ]
    assert restart < 10, moved.progress
    _assert_trained_afresh(dataclasses.replace(moved, progress=moved.progress[restart:]))


def test_closing_the_tab_mid_training_frees_the_slot_and_keeps_no_half_sweep(one_slot_server):
    """Finished sweeps are shared by every session; a stopped one must not be, and it must not
    hold the slot a classmate needs."""
    with StreamClient(one_slot_server.url) as learner:
        start = time.perf_counter()
        learner.send_rerun(PAGE, OLD)
        learner.collect(start, timeout_s=300, stop_when=lambda r: len(r.progress) >= 3)
    # The learner left mid-training (closed the tab); a classmate opens the same link.
    with StreamClient(one_slot_server.url) as classmate:
        _assert_trained_afresh(classmate.run(PAGE, OLD, timeout_s=300))
