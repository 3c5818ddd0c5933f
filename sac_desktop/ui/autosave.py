"""Save what is being typed as a draft within about a second, without saving every key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

DRAFT_DELAY_MS = 800
DRAFT_MAX_WAIT_MS = 1000  # typing without a pause is still saved about every second


class DraftAutosaver(QObject):
    """Debounces changes of one section; :meth:`flush` saves at once (leave, lock, close)."""

    def __init__(
        self,
        save: Callable[[dict[str, Any]], None],
        on_error: Callable[[BaseException], None],
        delay_ms: int = DRAFT_DELAY_MS,
        parent: QObject | None = None,
        max_wait_ms: int = DRAFT_MAX_WAIT_MS,
    ) -> None:
        super().__init__(parent)
        self._save = save
        self._on_error = on_error
        self._pending: dict[str, Any] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.flush)
        # Started by the first unsaved change and not restarted: a deadline, not a pause.
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.setInterval(max(max_wait_ms, delay_ms))
        self._deadline.timeout.connect(self.flush)

    @property
    def pending(self) -> bool:
        return self._pending is not None

    def changed(self, values: dict[str, Any]) -> None:
        self._pending = dict(values)
        self._timer.start()  # restarts: saved once typing pauses, within the delay
        if not self._deadline.isActive():
            self._deadline.start()

    def flush(self) -> bool:
        """Save the pending values now; keeps them pending if saving fails."""
        self._timer.stop()
        self._deadline.stop()
        if self._pending is None:
            return True
        try:
            self._save(self._pending)
        except Exception as exc:  # the owner shows it (disk full: calm message)
            self._on_error(exc)
            return False
        self._pending = None
        return True
