"""CSV export and the compute bound."""

import csv
import io
import threading
import time

import numpy as np
import pytest

from playground.compute import MAX_CONCURRENT, ServerBusy, heavy_work
from playground.show import csv_text


def test_csv_text_round_trips_columns():
    text = csv_text({"degree": np.arange(3), "mse": np.array([0.5, 0.25, 0.125])})
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["degree", "mse"], ["0", "0.5"], ["1", "0.25"], ["2", "0.125"]]


def test_csv_text_rejects_ragged_columns():
    with pytest.raises(ValueError, match="differ in length"):
        csv_text({"a": [1, 2], "b": [1]})


def test_heavy_work_never_runs_more_than_the_limit_at_once():
    running, peak, lock = [0], [0], threading.Lock()

    def job():
        with heavy_work():
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=job) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == MAX_CONCURRENT


def test_heavy_work_gives_up_with_a_busy_error():
    holders = [heavy_work() for _ in range(MAX_CONCURRENT)]
    for h in holders:
        h.__enter__()
    try:
        with pytest.raises(ServerBusy), heavy_work(wait_seconds=0.05):
            pass
    finally:
        for h in holders:
            h.__exit__(None, None, None)
