"""One helper for slow work: run a plain function off the GUI thread, call back on it.

Workers take and return plain data and never touch widgets; the callback receives
``(result, error)`` on the GUI thread. Tests may swap in :class:`ImmediateRunner`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

Callback = Callable[[Any, BaseException | None], None]


class _Relay(QObject):
    done = Signal(object, object)


class _Job(QRunnable):
    def __init__(self, function: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.function = function
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.function()
        except BaseException as exc:  # handed to the callback, which decides
            self.relay.done.emit(None, exc)
        else:
            self.relay.done.emit(result, None)


class TaskRunner:
    def __init__(self, pool: QThreadPool | None = None) -> None:
        self.pool = pool or QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()

    def run(self, function: Callable[[], Any], callback: Callback) -> None:
        relay = _Relay()
        self._relays.add(relay)

        def finish(result: Any, error: BaseException | None) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            callback(result, error)

        relay.done.connect(finish)
        self.pool.start(_Job(function, relay))

    def wait(self, msecs: int = 30000) -> bool:
        return bool(self.pool.waitForDone(msecs))


class ImmediateRunner(TaskRunner):
    """Runs the function at once on the calling thread (deterministic tests)."""

    def __init__(self) -> None:
        self._relays = set()

    def run(self, function: Callable[[], Any], callback: Callback) -> None:
        try:
            result = function()
        except BaseException as exc:
            callback(None, exc)
        else:
            callback(result, None)

    def wait(self, msecs: int = 30000) -> bool:
        return True
