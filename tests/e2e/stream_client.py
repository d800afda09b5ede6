"""A Streamlit session without a browser: the websocket protocol the frontend speaks, in Python.

Light enough to run twenty sessions on two cores (bench/load.py) and to aim bursts of reruns at
the server (tests/e2e/test_server_limits.py). It sends `rerun_script` BackMsgs carrying the page,
the query string and widget states, and reads ForwardMsgs until `script_finished`.
"""

import contextlib
import dataclasses
import json
import time
from collections.abc import Callable
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect

FINISHED_OK = (
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
)
EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


@dataclasses.dataclass
class Run:
    """What one script run sent back."""

    seconds: float = 0.0
    finished: bool = False
    status: int | None = None
    widgets: dict[str, Any] = dataclasses.field(default_factory=dict)  # key -> element proto
    # key -> plotly spec of the charts on the page when the run ended: a chart that a later
    # element replaced at its position (a live progress chart emptied at the end) is gone.
    figures: dict[str, Any] = dataclasses.field(default_factory=dict)
    figure_at: dict[tuple[int, ...], str] = dataclasses.field(default_factory=dict)
    figures_sent: list[str] = dataclasses.field(default_factory=list)  # keys, replaced ones too
    texts: list[str] = dataclasses.field(default_factory=list)  # text, markdown, alerts
    progress: list[str] = dataclasses.field(default_factory=list)  # progress bars' texts, in order
    errors: list[str] = dataclasses.field(default_factory=list)  # exceptions, timeouts, 404s
    error_notes: list[str] = dataclasses.field(default_factory=list)  # st.error boxes

    @property
    def ok(self) -> bool:
        return self.finished and self.status in FINISHED_OK and not self.errors


def widget_key(widget_id: str) -> str | None:
    """The user key inside a widget id (`$$ID-<hash>-fit.degree` -> `fit.degree`)."""
    parts = widget_id.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[2] != "None" else None


class StreamClient:
    """One browser-less session connected to a running server."""

    def __init__(self, base_url: str, open_timeout_s: float = 30, decode_figures: bool = True):
        self.decode_figures = decode_figures  # off for load tests: JSON decoding costs CPU
        self._stack = contextlib.ExitStack()
        self._ws = self._stack.enter_context(
            connect(
                base_url.replace("http", "ws", 1) + "/_stcore/stream",
                subprotocols=["streamlit"],
                max_size=None,
                open_timeout=open_timeout_s,
            )
        )
        self.ids: dict[str, str] = {}  # widget key -> widget id, learned from the runs
        self.kinds: dict[str, str] = {}  # widget key -> element type ("slider", ...)
        self.protos: dict[str, Any] = {}  # widget key -> its latest element proto

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> "StreamClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_rerun(self, page: str, query: str = "", widgets: dict[str, Any] | None = None):
        """Asks for a rerun of `page` (its URL path; "" for the default page)."""
        message = BackMsg()
        message.rerun_script.query_string = query
        message.rerun_script.page_name = page
        for key, value in (widgets or {}).items():
            message.rerun_script.widget_states.widgets.append(self._state(key, value))
        self._ws.send(message.SerializeToString())

    def clear_caches(self) -> None:
        """What any visitor's "Clear cache" menu item sends: clears every cache, for everyone."""
        message = BackMsg()
        message.clear_cache = True
        self._ws.send(message.SerializeToString())

    def run(
        self,
        page: str,
        query: str = "",
        widgets: dict[str, Any] | None = None,
        timeout_s: float = 120,
    ) -> Run:
        """Reruns `page` and collects everything up to its `script_finished`."""
        start = time.perf_counter()
        self.send_rerun(page, query, widgets)
        return self.collect(start, timeout_s)

    def collect(
        self,
        start: float,
        timeout_s: float = 120,
        until_ok: bool = False,
        stop_when: Callable[[Run], bool] | None = None,
    ) -> Run:
        """Reads messages until a run finishes (or, with until_ok, until one finishes well), or
        until `stop_when(run)` holds after a message: the run is then left unfinished, and what
        follows is read by the next collect."""
        run = Run()
        deadline = start + timeout_s
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                run.errors.append(f"no script_finished within {timeout_s} s")
                break
            try:
                raw = self._ws.recv(timeout=remaining)
            except TimeoutError:
                continue
            message = ForwardMsg()
            message.ParseFromString(raw)
            kind = message.WhichOneof("type")
            if kind == "delta":
                self._read_delta(message.delta, run, tuple(message.metadata.delta_path))
            elif kind == "page_not_found":
                run.errors.append(f"page not found: {message.page_not_found.page_name}")
            elif kind == "script_finished":
                run.status = message.script_finished
                if until_ok and run.status == EARLY_FOR_RERUN:
                    continue
                run.finished = True
                break
            if stop_when is not None and stop_when(run):
                break
        run.seconds = time.perf_counter() - start
        return run

    def _read_delta(self, delta, run: Run, path: tuple[int, ...]) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        replaced = run.figure_at.pop(path, None)
        if replaced is not None:
            run.figures.pop(replaced, None)
        element = delta.new_element
        kind = element.WhichOneof("type")
        body = getattr(element, kind)
        if kind == "exception":
            run.errors.append(f"{body.type}: {body.message}")
        elif kind == "alert":
            run.texts.append(body.body)
            if body.format == body.ERROR:
                run.error_notes.append(body.body)
        elif kind in ("text", "markdown"):
            run.texts.append(body.body)
        elif kind == "progress":
            run.progress.append(body.text)
        key = widget_key(getattr(body, "id", "") or "")
        if key is None:
            return
        if kind == "plotly_chart":
            run.figures[key] = json.loads(body.spec) if self.decode_figures else body.spec
            run.figure_at[path] = key
            run.figures_sent.append(key)
        else:
            self.ids[key] = body.id
            self.kinds[key] = kind
            self.protos[key] = body
            run.widgets[key] = body

    def _state(self, key: str, value: Any) -> WidgetState:
        state = WidgetState(id=self.ids[key])
        kind = self.kinds[key]
        if kind == "slider" and self.protos[key].options:  # st.select_slider: an index
            state.string_array_value.data.append(self.protos[key].options[int(value)])
        elif kind == "slider":
            state.double_array_value.data.append(float(value))
        elif kind == "checkbox":
            state.bool_value = bool(value)
        elif kind == "selectbox":
            state.string_value = str(value)
        else:
            raise NotImplementedError(f"setting a {kind} ({key}) is not supported")
        return state


def slider_range(widget: Any) -> tuple[float, float, float]:
    """(min, max, step) of a slider proto; a select_slider's are indices into its options."""
    if widget.options:
        return 0.0, float(len(widget.options) - 1), 1.0
    return float(widget.min), float(widget.max), float(widget.step or 1.0)
