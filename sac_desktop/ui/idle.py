"""Idle detection for the automatic lock: any key or mouse input counts as activity."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Emits ``idle`` once the user has done nothing for ``timeout_s`` (clock injected)."""

    idle = Signal()

    def __init__(
        self,
        timeout_s: float,
        monotonic: Callable[[], float] = time.monotonic,
        poll_ms: int = 5000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.timeout_s = timeout_s
        self._monotonic = monotonic
        self._last = monotonic()
        self._armed = False
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        self._last = self._monotonic()
        self._armed = True
        self._timer.start()

    def stop(self) -> None:
        self._armed = False
        self._timer.stop()

    def touch(self) -> None:
        self._last = self._monotonic()

    def check(self) -> None:
        if self._armed and self._monotonic() - self._last >= self.timeout_s:
            self.stop()
            self.idle.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self._last = self._monotonic()
        return False
