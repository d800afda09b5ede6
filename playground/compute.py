"""Bounds how much heavy computation the server runs at once, across all sessions.

A page's cached compute function does its work inside `heavy_work()`. Cache hits never enter it,
so only real computations queue; a session that waits too long gets `ServerBusy`, which the page
shows as "busy, retrying" instead of hanging.
"""

import contextlib
import threading
from collections.abc import Iterator

MAX_CONCURRENT = 2
WAIT_SECONDS = 30.0

_slots = threading.BoundedSemaphore(MAX_CONCURRENT)


class ServerBusy(RuntimeError):
    """Raised when no computation slot frees up within WAIT_SECONDS."""


@contextlib.contextmanager
def heavy_work(wait_seconds: float = WAIT_SECONDS) -> Iterator[None]:
    if not _slots.acquire(timeout=wait_seconds):
        raise ServerBusy("The server is busy with other learners' computations; retrying.")
    try:
        yield
    finally:
        _slots.release()
