"""Drafts are saved within about a second of typing, and never lost on a failed save."""

from __future__ import annotations

from typing import Any

from sac_desktop.services.session import Session
from sac_desktop.storage.errors import DiskFull
from sac_desktop.ui.autosave import DRAFT_DELAY_MS, DraftAutosaver


def test_typing_is_saved_once_it_pauses(qtbot, session: Session) -> None:  # type: ignore[no-untyped-def]
    case_id, _ = session.record.create_case()
    saves: list[dict[str, Any]] = []

    def save(values: dict[str, Any]) -> None:
        saves.append(values)
        session.record.save_draft(case_id, "arrival", values)

    saver = DraftAutosaver(save, lambda exc: None)
    for text in ("t", "ta", "tax", "taxi"):
        saver.changed({"how": text})
    assert saves == []
    qtbot.waitUntil(lambda: bool(saves), timeout=DRAFT_DELAY_MS + 1000)
    assert saves == [{"how": "taxi"}]
    assert session.record.draft(case_id, "arrival") == {"how": "taxi"}
    assert not saver.pending


def test_flush_saves_now_and_failure_keeps_the_values(qtbot) -> None:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []
    attempts: list[dict[str, Any]] = []

    def failing(values: dict[str, Any]) -> None:
        attempts.append(values)
        if len(attempts) == 1:
            raise DiskFull()

    saver = DraftAutosaver(failing, errors.append, delay_ms=60_000)
    saver.changed({"how": "on_foot"})
    assert saver.flush() is False
    assert isinstance(errors[0], DiskFull) and saver.pending
    assert saver.flush() is True
    assert attempts == [{"how": "on_foot"}, {"how": "on_foot"}] and not saver.pending


def test_typing_without_a_pause_is_still_saved_every_second(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer

    saves: list[dict[str, Any]] = []
    saver = DraftAutosaver(saves.append, lambda exc: None)
    typed = {"n": 0}

    def key() -> None:
        typed["n"] += 1
        saver.changed({"note": "x" * typed["n"]})

    typist = QTimer()
    typist.setInterval(300)  # a key every 300 ms: never an 800 ms pause
    typist.timeout.connect(key)
    typist.start()
    qtbot.waitUntil(lambda: typed["n"] >= 10, timeout=6000)
    typist.stop()
    assert len(saves) >= 2  # about one save per second of typing, before any pause
