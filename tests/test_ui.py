"""The main window, driven as a user would: keyboard, buttons, language switch."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from sac_desktop.i18n import translator
from sac_desktop.paths import Paths
from sac_desktop.ui.app import FONT_FAMILY, QtTranslations, register_fonts
from sac_desktop.ui.crash_dialog import crash_dialog
from sac_desktop.ui.main_window import MainWindow
from sac_desktop.ui.models import CaseListModel, FieldsModel
from sac_desktop.ui.tasks import ImmediateRunner, TaskRunner


@pytest.fixture
def bugs() -> list[BaseException]:
    return []


@pytest.fixture
def window(qtbot, paths: Paths, bugs: list[BaseException]) -> MainWindow:  # type: ignore[no-untyped-def]
    w = MainWindow(paths, "en", ImmediateRunner(), bugs.append)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_start_screen_comes_up(window: MainWindow) -> None:
    assert window.windowTitle() == "SAC Desktop"
    assert window.stack.currentWidget() is window.start_page
    assert window.start_page.demo_button.accessibleName() == "Open the demo vault"


def test_every_interactive_widget_has_an_accessible_name(window: MainWindow) -> None:
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox

    window.open_demo_vault()
    unnamed = [
        w.objectName() or type(w).__name__
        for w in window.findChildren(QWidget)
        if isinstance(w, QAbstractButton | QAbstractItemView | QComboBox)
        and w.isVisibleTo(window)
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus  # reachable with the keyboard
        and not w.accessibleName()
    ]
    assert unnamed == []


def test_open_demo_case_and_field_history_with_the_keyboard(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window.start_page.demo_button, Qt.Key.Key_Space)
    assert window.session is not None and window.session.info.training
    assert window.stack.currentWidget() is window.vault_page
    assert window.vault_page.banner.isVisibleTo(window)
    assert window.vault_page.case_model.rowCount() == 12
    # The first demo case has a corrected field; find it and open it with Enter.
    cases = window.vault_page.cases
    for row in range(window.vault_page.case_model.rowCount()):
        cases.selectRow(row)
        window.open_selected_case()
        versions = window._state.history.get("arrival.hours_since_assault", [])  # type: ignore[union-attr]
        if len(versions) == 2:
            break
    else:
        pytest.fail("no corrected field in the demo vault")
    fields = window.vault_page.fields
    model = window.vault_page.fields_model
    keys = [
        model.data(model.index(r, 0), Qt.ItemDataRole.UserRole + 2) for r in range(model.rowCount())
    ]
    fields.setFocus()
    fields.selectRow(keys.index("arrival.hours_since_assault"))
    history = window.vault_page.history_model
    assert history.rowCount() == 2
    assert "Arrival: hours since the assault" in window.vault_page.history_label.text()
    assert "Physician" in history.data(history.index(1, FieldsModel.COL_BY))


def test_language_switch_keeps_state_and_retranslates(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.open_demo_vault()
    window.vault_page.cases.selectRow(0)
    window.open_selected_case()
    number = window.vault_page.case_title.text().split()[-1]
    window.language_combo.setCurrentIndex(window.language_combo.findData("fr"))
    assert window.t.language == "fr"
    assert window.vault_page.close_button.text() != "C&lose vault"
    assert window.vault_page.case_title.text().endswith(number)
    header = window.vault_page.case_model.headerData(0, Qt.Orientation.Horizontal)
    assert header == translator("fr")._("Case number") != "Case number"
    window.set_language("de")
    assert window.language_combo.currentData() == "de"


def test_close_vault_forgets_what_was_shown(window: MainWindow) -> None:
    window.open_demo_vault()
    window.vault_page.cases.selectRow(0)
    window.open_selected_case()
    session = window.session
    assert session is not None
    window.close_vault()
    assert not session.vault.is_open
    assert window.vault_page.case_model.rowCount() == 0
    assert window.vault_page.fields_model.rowCount() == 0
    assert window.vault_page.case_title.text() == ""
    assert window.stack.currentWidget() is window.start_page


def test_a_vault_error_is_shown_calmly(qtbot, window: MainWindow, paths: Paths, bugs) -> None:  # type: ignore[no-untyped-def]
    paths.demo_dir.mkdir(parents=True)
    (paths.demo_dir / "vault.sacdb").write_bytes(b"\x01" * 8192)  # not a vault
    window.open_demo_vault()
    boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "vaultErrorBox"]
    assert boxes and "not a SAC Desktop vault" in boxes[0].text()
    assert bugs == []
    assert window.session is None
    for box in boxes:
        box.close()


def test_bugs_go_to_the_crash_reporter(window: MainWindow, bugs) -> None:  # type: ignore[no-untyped-def]
    window._on_session_opened(None, ZeroDivisionError())
    assert len(bugs) == 1 and isinstance(bugs[0], ZeroDivisionError)


def test_models_pass_the_model_tester(qtmodeltester, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.open_demo_vault()
    window.vault_page.cases.selectRow(0)
    window.open_selected_case()
    qtmodeltester.check(window.vault_page.case_model)
    qtmodeltester.check(window.vault_page.fields_model)
    empty = CaseListModel(translator("nl"))
    qtmodeltester.check(empty)


def test_task_runner_calls_back_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    runner = TaskRunner()
    results = []

    def work() -> str:
        return threading.current_thread().name

    runner.run(
        work, lambda result, error: results.append((result, error, threading.current_thread()))
    )
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    worker_name, error, callback_thread = results[0]
    assert error is None and worker_name != threading.main_thread().name
    assert callback_thread is threading.main_thread()
    runner.run(lambda: 1 / 0, lambda result, error: results.append((result, error, None)))
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    assert isinstance(results[1][1], ZeroDivisionError)


def test_font_is_bundled_and_registered(qapp) -> None:  # type: ignore[no-untyped-def]
    assert register_fonts(qapp) == FONT_FAMILY
    assert qapp.font().family() == FONT_FAMILY


@pytest.mark.parametrize("language", ["nl", "fr", "de"])
def test_qt_standard_dialogs_are_translated(qapp, language: str) -> None:  # type: ignore[no-untyped-def]
    translations = QtTranslations(qapp)
    try:
        assert translations.load(language), f"qtbase_{language}.qm missing"
    finally:
        translations.load("en")


def test_crash_dialog_names_the_file(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    box = crash_dialog(None, translator("nl"), tmp_path / "crash-1.txt")
    qtbot.addWidget(box)
    assert str(tmp_path / "crash-1.txt") in box.informativeText()
    assert box.accessibleName()


def test_vault_arriving_after_the_window_closed_is_closed(window: MainWindow, paths: Paths) -> None:
    from sac_desktop.security.anchors import FileAnchor
    from sac_desktop.services.demo import open_demo

    session = open_demo(paths.demo_dir, [FileAnchor(paths.anchors)])
    window.close()
    window._on_session_opened(session, None)
    assert window.session is None and not session.vault.is_open
