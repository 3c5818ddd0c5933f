"""Copying case text: kept out of clipboard history, cleared after 30 s and at lock."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QTimer
from PySide6.QtWidgets import QApplication

CLEAR_AFTER_MS = 30_000
_MARK = "x-sac-desktop-sensitive"


def copy_sensitive(text: str, clear_after_ms: int = CLEAR_AFTER_MS) -> None:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    data = QMimeData()
    data.setText(text)
    # Clipboard managers honour these hints and keep the text out of their history.
    data.setData("x-kde-passwordManagerHint", b"secret")
    data.setData("ExcludeClipboardContentFromMonitorProcessing", b"1")
    data.setData(_MARK, b"1")
    app.clipboard().setMimeData(data)
    QTimer.singleShot(clear_after_ms, _clear_if_ours)


def _clear_if_ours() -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        mime = app.clipboard().mimeData()
        if mime is not None and mime.hasFormat(_MARK):
            app.clipboard().clear()


def clear_clipboard() -> None:
    """At lock: whatever is there may be case text copied from a view."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.clipboard().clear()
