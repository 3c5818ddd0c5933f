"""The application's main window in its own process, typing an intake (for kill tests).

Usage: python -m tests.helpers.intake_app DATA_DIR USERNAME type|check  (password on stdin)

``type``: signs in, opens a new case and types intake values one by one. After each value
it waits until the window shows it as saved (the status line), then prints
``SAVED <json>`` with the section, field and value, and goes on. It never stops by itself:
the test kills it.

``check``: signs in, opens the case and prints ``SHOWN <json>``: every value the intake
form shows, section by section (what was recorded, or the draft that was being typed).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from sac_desktop.domain.clock import SystemClock
from sac_desktop.paths import resolve_paths
from sac_desktop.security.anchors import FileAnchor
from sac_desktop.security.kdf import TEST_PARAMS, derive
from sac_desktop.services.installation import Installation
from sac_desktop.ui.main_window import MainWindow
from sac_desktop.ui.tasks import ImmediateRunner

#: (section, field, how to type it, the value it stands for)
STEPS: list[tuple[str, str, str, object]] = [
    ("arrival", "arrived_at", "2026-11-29 03:05", "2026-11-29 03:05"),
    ("arrival", "referred_detail", "synthetic referral", "synthetic referral"),
    ("arrival", "how", "down:3", "taxi"),
    ("language", "interpreter_name", "Synthetic Interpreter", "Synthetic Interpreter"),
    ("language", "interpreter_agency", "Synthetic Agency", "Synthetic Agency"),
    ("contact", "safe_phone", "0470 00 00 01", "0470 00 00 01"),
    ("contact", "contact_hours", "after 18:00", "after 18:00"),
    ("person", "age_years", "31", 31),
    ("assault", "episodes", "episode", None),  # an exact time three hours ago (below)
    ("safety", "sleeps_at", "with a synthetic friend", "with a synthetic friend"),
    ("notes", "text", "Synthetic note, kill test.", "Synthetic note, kill test."),
    ("contact", "safe_phone", "0470 00 00 02", None),  # never reached in time: the kill
]


def wait(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there")
        QTest.qWait(20)


def sign_in(window: MainWindow, username: str, password: str) -> None:
    window.signin_page.select(username)
    window.signin_page.password.edit.setText(password)
    window.signin_page.button.click()
    wait(lambda: window.signed_in is not None)


def editor(window: MainWindow, section: str, field: str) -> QWidget:
    view = window.vault_page.case_view
    assert view is not None
    return view.form.page_by_section[section].editors[field].widget


def type_steps(window: MainWindow) -> None:
    window.new_case()
    view = window.vault_page.case_view
    assert view is not None
    print(f"CASE {view.state.case_id}", flush=True)
    for section, field, keys, value in STEPS:
        view.form.show_section(section)  # leaving a step records it: entries, not a draft
        widget = editor(window, section, field)
        widget.setFocus()
        if keys == "episode":  # a record of a list: Add, then its fields
            at = (datetime.now() - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
            episodes = view.form.page_by_section[section].editors[field]
            QTest.keyClick(episodes.add_button, Qt.Key.Key_Space)  # type: ignore[attr-defined]
            record = episodes.records[-1][1]  # type: ignore[attr-defined]
            QTest.keyClick(record.editors["time_kind"].widget, Qt.Key.Key_Down)
            QTest.keyClicks(record.editors["at"].widget, at)
            value = [{"time_kind": "exact", "at": at}]
        elif keys.startswith("down:"):
            for _ in range(int(keys[5:])):
                QTest.keyClick(widget, Qt.Key.Key_Down)
        else:
            QTest.keyClicks(widget, keys)
        saver = view.savers[section]
        wait(lambda saver=saver: not saver.pending and "saved" in view.form.status.text())
        print("SAVED " + json.dumps([section, field, value]), flush=True)
    while True:  # typing on, slowly: the test kills the process meanwhile
        QTest.qWait(100)


def shown(window: MainWindow) -> dict[str, dict[str, object]]:
    view = window.vault_page.case_view
    assert view is not None
    out: dict[str, dict[str, object]] = {}
    for section, page in view.form.page_by_section.items():
        for name, field_editor in page.editors.items():
            value = field_editor.value()
            if value is not None:
                out.setdefault(section, {})[name] = value
    return out


def main() -> int:
    data_dir, username, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    password = sys.stdin.readline().strip()
    paths = resolve_paths(data_dir).create()
    app = QApplication([])
    installation = Installation(
        paths, SystemClock(), derive, TEST_PARAMS, None, [FileAnchor(paths.anchors)]
    )
    window = MainWindow(paths, "en", ImmediateRunner(), lambda exc: print("BUG", exc), installation)
    window.show()
    sign_in(window, username, password)
    if mode == "type":
        type_steps(window)
    else:
        case_id = sys.argv[4]
        window._open_case(case_id)
        print("SHOWN " + json.dumps(shown(window)), flush=True)
        window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
