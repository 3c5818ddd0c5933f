"""The main window, driven as staff would: setup, sign-in, lock, roles, languages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from sac_desktop.domain.roles import Role
from sac_desktop.i18n import translator
from sac_desktop.paths import Paths
from sac_desktop.services.installation import Installation
from sac_desktop.ui.app import FONT_FAMILY, QtTranslations, register_fonts
from sac_desktop.ui.crash_dialog import crash_dialog
from sac_desktop.ui.main_window import MainWindow
from sac_desktop.ui.models import FieldsModel
from sac_desktop.ui.setup_dialog import SetupDialog
from sac_desktop.ui.tasks import ImmediateRunner, TaskRunner
from tests.helpers.ui import _sign_in, _window

PASSWORD = "correct horse battery staple"


def _texts(app: QApplication) -> str:
    """Every string any widget or model in the application shows."""
    out: list[str] = []
    for widget in app.allWidgets():
        for cls, getter in (
            (QLabel, "text"),
            (QLineEdit, "text"),
            (QAbstractButton, "text"),
            (QPlainTextEdit, "toPlainText"),
            (QComboBox, "currentText"),
        ):
            if isinstance(widget, cls):
                out.append(getattr(widget, getter)())
        if isinstance(widget, QWidget):
            out.append(widget.windowTitle())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model: QAbstractItemModel = widget.model()
            try:
                columns = model.columnCount(QModelIndex())
            except TypeError:  # a list model: one column, its count is private in PySide6
                columns = 1
            for r in range(model.rowCount(QModelIndex())):
                for c in range(columns):
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole + 1):
                        out.append(str(model.data(model.index(r, c), role)))
    return "\n".join(out)


def test_first_run_setup_then_sign_in(
    qtbot, paths: Paths, installation: Installation, bugs, monotonic
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, paths, installation, bugs, monotonic)
    assert window.stack.currentWidget() is window.start_page
    dialog = window.open_setup()
    assert isinstance(dialog, SetupDialog)
    dialog.centre.setCurrentIndex(dialog.centre.findData("LIE"))
    assert dialog.language.currentData() == "fr"  # the centre's language by default
    dialog.username.setText("coord")
    dialog.display_name.setText("Claire Coordinator")
    dialog.password.edit.setText(PASSWORD)
    dialog.password2.edit.setText("not the same")
    dialog.create_button.click()
    assert "not the same" in dialog.message.text() and not installation.exists()
    dialog.password2.edit.setText(PASSWORD)
    dialog.create_button.click()
    assert installation.exists()
    assert dialog.pages.currentIndex() == 1
    code = dialog.code_label.text()
    assert len(code.split("-")) == 8
    assert len(dialog.fingerprint_label.text().split("\n")[-1].split()) == 16
    dialog.typed_back.setText("0000-0000-0000-0000-0000-0000-0000-0000")
    dialog.finish_button.click()
    assert dialog.isVisible() and "not the code" in dialog.code_message.text()
    dialog.typed_back.clear()
    qtbot.keyClicks(dialog.typed_back, code.lower().replace("-", " "))
    dialog.finish_button.click()
    assert not dialog.isVisible()
    assert window.stack.currentWidget() is window.signin_page
    _sign_in(window, "coord", PASSWORD)
    assert window.signed_in is not None and window.signed_in.account.role == "coordinator"
    assert "Claire Coordinator" in window.who_label.text()
    assert bugs == []


def test_wrong_then_right_password(window: MainWindow, demo_accounts) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, "certainly not the password")
    assert window.signed_in is None
    assert "not right" in window.signin_page.message.text()
    assert window.signin_page.password.text() == ""  # never left in the field
    _sign_in(window, nurse.username, nurse.password)
    assert window.signed_in is not None
    assert window.stack.currentWidget() is window.vault_page
    assert window.vault_page.case_model.rowCount() == 6
    assert "TRAINING" in window.windowTitle()


def test_idle_lock_leaves_no_case_data_then_unlock(
    window: MainWindow, demo_accounts, monotonic, qapp
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    window.vault_page.cases.selectRow(0)
    window.open_selected_case()
    number = window._state.case_number  # type: ignore[union-attr]
    shown = _texts(qapp)
    assert number in shown and "Demo person" in shown  # the markers are on screen now
    qapp.clipboard().setText(f"copied {number}")
    monotonic.now += 4 * 60
    window.idle.check()
    assert window.signed_in is not None  # not yet: the default is 5 minutes
    monotonic.now += 61
    window.idle.check()
    assert window.signed_in is None
    assert window.stack.currentWidget() is window.lock_page
    after = _texts(qapp)
    assert number not in after and "Demo person" not in after and "Synthetic" not in after
    assert qapp.clipboard().text() == ""
    assert window.windowTitle().startswith("SAC Desktop")
    window.lock_page.password.edit.setText(nurse.password)
    window.lock_page.unlock_button.click()
    assert window.signed_in is not None and window.signed_in.account.username == "nurse"
    assert window.vault_page.case_model.rowCount() == 6


def test_ctrl_l_locks_and_switch_user(qtbot, window: MainWindow, demo_accounts) -> None:  # type: ignore[no-untyped-def]
    nurse, physician = demo_accounts[Role.FORENSIC_NURSE], demo_accounts[Role.PHYSICIAN]
    _sign_in(window, nurse.username, nurse.password)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.signed_in is None and window.stack.currentWidget() is window.lock_page
    window.lock_page.switch_button.click()
    assert window.stack.currentWidget() is window.signin_page
    _sign_in(window, physician.username, physician.password)
    assert window.signed_in is not None and window.signed_in.account.role == "physician"
    actions = [
        r[0]
        for r in window.signed_in.session.vault.conn.execute(
            "SELECT action FROM audit ORDER BY seq DESC LIMIT 4"
        )
    ]
    assert actions[0] == "signin" and "lock" in actions


def _open_case_with(window: MainWindow, field: str) -> None:
    model = window.vault_page.case_model
    for row in range(model.rowCount()):
        window.vault_page.cases.selectRow(row)
        window.open_selected_case()
        if field in window._state.fields:  # type: ignore[union-attr]
            return
    pytest.fail(f"no demo case has {field}")


@pytest.mark.parametrize("role", [Role.FORENSIC_NURSE, Role.PSYCHOLOGIST])
def test_psychologist_and_nurse_see_different_things(
    window: MainWindow, demo_accounts, role: Role, qapp
) -> None:  # type: ignore[no-untyped-def]
    account = demo_accounts[role]
    _sign_in(window, account.username, account.password)
    _open_case_with(window, "psychology.note")
    model = window.vault_page.fields_model
    values = {
        model.data(model.index(r, 0), Qt.ItemDataRole.UserRole + 2): model.data(
            model.index(r, FieldsModel.COL_VALUE)
        )
        for r in range(model.rowCount())
    }
    assert values["identity.name"] == "(hidden)"
    if role is Role.PSYCHOLOGIST:
        assert values["psychology.note"].startswith("Synthetic consultation")
    else:
        assert values["psychology.note"] == "(hidden)"
        assert "Synthetic consultation" not in _texts(qapp)


def test_police_cannot_reach_the_record_by_any_route(
    window: MainWindow, demo_accounts, bugs, qapp
) -> None:  # type: ignore[no-untyped-def]
    police = demo_accounts[Role.POLICE_INSPECTOR]
    _sign_in(window, police.username, police.password)
    assert window.signed_in is not None
    assert window.vault_page.case_model.rowCount() == 0
    assert not window.new_case_button.isEnabled()
    window.new_case()  # even if the button were reached somehow: refused by the service
    boxes = [w for w in qapp.topLevelWidgets() if w.objectName() == "forbiddenBox"]
    assert boxes and bugs == []
    for box in boxes:
        box.close()


def test_new_case_opens_it(window: MainWindow, demo_accounts) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    window.new_case_button.click()
    assert window._state is not None and window._state.case_number.startswith("DEMO-T-")
    assert window.vault_page.case_model.rowCount() == 7


def test_language_switch_keeps_what_is_shown(window: MainWindow, demo_accounts) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    window.vault_page.cases.selectRow(0)
    window.open_selected_case()
    number = window.vault_page.case_title.text().split()[-1]
    window.language_combo.setCurrentIndex(window.language_combo.findData("fr"))
    assert window.t.language == "fr"
    assert window.vault_page.case_title.text().endswith(number)
    header = window.vault_page.case_model.headerData(0, Qt.Orientation.Horizontal)
    assert header == translator("fr")._("Case number") != "Case number"
    assert window.lock_button.text() != "Loc&k"
    window.set_language("de")
    assert window.language_combo.currentData() == "de"


def test_every_interactive_widget_has_an_accessible_name(window: MainWindow, demo_accounts) -> None:  # type: ignore[no-untyped-def]
    def unnamed() -> list[str]:
        return [
            w.objectName() or type(w).__name__
            for w in window.findChildren(QWidget)
            if isinstance(w, QAbstractButton | QAbstractItemView | QComboBox | QLineEdit)
            and w.isVisibleTo(window)
            and w.focusPolicy() & Qt.FocusPolicy.TabFocus
            and not w.accessibleName()
        ]

    assert unnamed() == []  # the sign-in page
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    assert unnamed() == []  # the case list


def test_models_pass_the_model_tester(qtmodeltester, window: MainWindow, demo_accounts) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    window.vault_page.cases.selectRow(0)
    window.open_selected_case()
    qtmodeltester.check(window.vault_page.case_model)
    qtmodeltester.check(window.vault_page.fields_model)


@pytest.mark.slow
def test_window_stays_live_while_a_real_cost_key_is_derived(
    paths: Paths, clock, keystore, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Argon2id at the production floor runs in a child process while a GUI-thread timer
    keeps firing. Measured in a fresh process, as staff would meet it (the suite's own
    accumulated state would be measured otherwise)."""
    import json
    import subprocess
    import sys

    from sac_desktop.security.kdf import FLOOR, derive
    from sac_desktop.services.installation import SetupRequest

    setup = Installation(paths, clock, derive, FLOOR, None, [])
    setup.setup(SetupRequest("NAM", "CPVS Namur", "A", "fr", "coord", "C", PASSWORD))
    env = {k: v for k, v in os.environ.items() if k != "SAC_TEST_ALLOW_CHEAP_KDF"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.helpers.responsive", str(paths.data), PASSWORD],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["elapsed"] > 0.2  # a real-cost derivation happened
    # A 10 ms timer: no stall of the size of a derivation, at most one hiccup over 100 ms.
    assert result["ticks"] > 10 and result["max_gap"] < 0.35, result
    assert result["slow_gaps"] <= 1, result


def test_task_runner_calls_back_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    runner = TaskRunner()
    results = []
    runner.run(
        lambda: threading.current_thread().name,
        lambda result, error: results.append((result, error, threading.current_thread())),
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


def test_coordinator_administration(window: MainWindow, demo_accounts, qapp) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    assert not window.admin_button.isVisible()
    window.switch_user()
    coordinator = demo_accounts[Role.COORDINATOR]
    _sign_in(window, coordinator.username, coordinator.password)
    assert window.admin_button.isVisible()
    window.admin_button.click()
    page = window.admin_page
    assert window.stack.currentWidget() is page
    assert page.accounts.rowCount() == 5
    page.username.setText("nurse2")
    page.display_name.setText("Second Nurse")
    page.role.setCurrentIndex(page.role.findData("forensic_nurse"))
    page.password.edit.setText("short")
    page.create_button.click()
    assert "12" in page.message.text() and page.accounts.rowCount() == 5
    page.password.edit.setText("orchid lantern harbour")
    page.create_button.click()
    assert page.accounts.rowCount() == 6, page.message.text()
    page.lock_minutes.setValue(2)
    page.save_settings.click()
    page.back_button.click()
    assert window.idle.timeout_s == 120
    window.lock()
    assert page.accounts.rowCount() == 0
    window.lock_page.switch_button.click()
    _sign_in(window, "nurse2", "orchid lantern harbour")
    assert window.signed_in is not None and window.signed_in.account.display_name == "Second Nurse"


def test_try_a_training_vault_from_the_start_screen(
    qtbot, paths: Paths, installation, bugs, monotonic, clock, cheap_kdf, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from sac_desktop.paths import resolve_paths
    from sac_desktop.security.kdf import TEST_PARAMS, derive
    from sac_desktop.services.demo import make_demo
    from tests.conftest import MemoryKeystore

    def make_training():  # type: ignore[no-untyped-def]
        training_paths = resolve_paths(tmp_path / "training").create()
        accounts = make_demo(
            training_paths,
            cases=3,
            clock=clock,
            derive=derive,
            kdf_params=TEST_PARAMS,
            keystore=MemoryKeystore(kind="none"),
        )
        return Installation(training_paths, clock, derive, TEST_PARAMS, None, []), accounts

    window = MainWindow(
        paths,
        "en",
        ImmediateRunner(),
        bugs.append,
        installation,
        monotonic=monotonic,
        make_training=make_training,
    )
    qtbot.addWidget(window)
    window.show()
    assert window.start_page.training_button.isVisible()
    window.start_page.training_button.click()
    assert window.stack.currentWidget() is window.signin_page
    assert "Training vault" in window.signin_page.training_note.text()
    nurse = next(a for a in window.demo_accounts if a.role is Role.FORENSIC_NURSE)
    _sign_in(window, nurse.username, nurse.password)
    assert window.signed_in is not None and window.signed_in.session.info.training
    assert "TRAINING" in window.windowTitle()
    assert not installation.exists()  # the real data folder was never touched


def test_show_identity_asks_a_reason_that_is_audited(
    window: MainWindow, demo_accounts, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QInputDialog

    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    _open_case_with(window, "identity.name")
    model = window.vault_page.fields_model
    by_key = {
        model.data(model.index(r, 0), Qt.ItemDataRole.UserRole + 2): r
        for r in range(model.rowCount())
    }
    row = by_key["identity.name"]
    assert model.data(model.index(row, FieldsModel.COL_VALUE)) == "(hidden)"
    assert "Demo Nurse" in model.data(model.index(row, FieldsModel.COL_BY))  # a name, not an id
    assert window.vault_page.reveal_button.isEnabled()
    monkeypatch.setattr(
        QInputDialog, "getText", staticmethod(lambda *a, **k: ("referral letter to the GP", True))
    )
    window.vault_page.reveal_button.click()
    assert model.data(model.index(row, FieldsModel.COL_VALUE)).startswith("Synthetic Person")
    last = window.session.vault.conn.execute(  # type: ignore[union-attr]
        "SELECT action, reason FROM audit ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert last == ("identity.reveal", "referral letter to the GP")


def test_remove_for_cause_from_the_administration_page(window: MainWindow, demo_accounts) -> None:  # type: ignore[no-untyped-def]
    coordinator, police = demo_accounts[Role.COORDINATOR], demo_accounts[Role.POLICE_INSPECTOR]
    _sign_in(window, coordinator.username, coordinator.password)
    window.admin_button.click()
    page = window.admin_page
    row = next(
        r
        for r in range(page.accounts.rowCount())
        if page.accounts.item(r, 0).text() == police.username
    )
    page.accounts.selectRow(row)
    page.remove_button.click()
    assert "reason" in page.message.text()
    page.reason.setText("left under suspicion")
    page.remove_button.click()
    assert "new key" in page.message.text()
    assert "deactivated" in [
        page.accounts.item(r, 3).text() for r in range(page.accounts.rowCount())
    ]
    page.back_button.click()
    assert window.vault_page.case_model.rowCount() == 6  # the same vault, under its new key
    window.switch_user()
    _sign_in(window, police.username, police.password)
    assert window.signed_in is None


def test_the_screen_locks_when_the_desktop_locks(window: MainWindow, demo_accounts, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A real session bus carries the screen saver's signal (CI runs inside dbus-run-session)."""
    import os

    from PySide6.QtDBus import QDBusConnection, QDBusMessage

    from tests.conftest import require

    require(bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS")), "a D-Bus session bus")
    assert "org.freedesktop.ScreenSaver" in window.os_lock.connected
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    assert window.signed_in is not None
    signal = QDBusMessage.createSignal(
        "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", "ActiveChanged"
    )
    signal.setArguments([True])
    assert QDBusConnection.sessionBus().send(signal)
    qtbot.waitUntil(lambda: window.signed_in is None, timeout=5000)
    assert window.stack.currentWidget() is window.lock_page


def test_a_clock_jump_is_shown_to_the_coordinator_once(
    window: MainWindow, demo_accounts, clock, qapp
) -> None:  # type: ignore[no-untyped-def]
    nurse, coordinator = demo_accounts[Role.FORENSIC_NURSE], demo_accounts[Role.COORDINATOR]
    clock.advance(days=-30)  # the workstation's clock is set back a month
    _sign_in(window, nurse.username, nurse.password)
    window.switch_user()
    assert not [w for w in qapp.topLevelWidgets() if w.objectName() == "clockJumpBox"]
    _sign_in(window, coordinator.username, coordinator.password)
    boxes = [
        w for w in qapp.topLevelWidgets() if w.objectName() == "clockJumpBox" and w.isVisible()
    ]
    assert len(boxes) == 1 and "backwards" in boxes[0].text()
    boxes[0].close()
    window.switch_user()
    _sign_in(window, coordinator.username, coordinator.password)
    assert not [
        w for w in qapp.topLevelWidgets() if w.objectName() == "clockJumpBox" and w.isVisible()
    ]


def test_copying_a_value_is_protected_and_cleared(
    window: MainWindow, demo_accounts, qtbot, qapp
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    window.vault_page.cases.selectRow(0)
    window.open_selected_case()
    qtbot.keyClick(window, Qt.Key.Key_8, Qt.KeyboardModifier.ControlModifier)
    assert window.vault_page.case_view.tabs.currentWidget() is window.vault_page.record_tab
    window.vault_page.fields.setFocus()
    window.vault_page.fields.selectRow(0)
    qtbot.keyClick(window.vault_page.fields, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    mime = qapp.clipboard().mimeData()
    assert mime.text() and mime.hasFormat("x-kde-passwordManagerHint")
    window.lock()
    assert qapp.clipboard().text() == ""


def test_change_my_password_from_the_window(window: MainWindow, demo_accounts) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    dialog = window.change_password()
    assert dialog is not None
    dialog.current.edit.setText(nurse.password)
    dialog.new.edit.setText("short")
    dialog.again.edit.setText("short")
    dialog._accept()
    assert dialog.isVisible() and "12" in dialog.message.text()
    dialog.current.edit.setText("not my password")
    dialog.new.edit.setText("violet harbour lantern")
    dialog.again.edit.setText("violet harbour lantern")
    dialog._accept()
    assert dialog.isVisible() and "not right" in dialog.message.text()
    dialog.current.edit.setText(nurse.password)
    dialog.new.edit.setText("violet harbour lantern")
    dialog.again.edit.setText("violet harbour lantern")
    dialog._accept()
    assert not dialog.isVisible()
    window.switch_user()
    _sign_in(window, nurse.username, "violet harbour lantern")
    assert window.signed_in is not None


def test_coordinator_edits_an_account_and_lifts_a_wait(window: MainWindow, demo_accounts) -> None:  # type: ignore[no-untyped-def]
    nurse, coordinator = demo_accounts[Role.FORENSIC_NURSE], demo_accounts[Role.COORDINATOR]
    for _ in range(6):
        _sign_in(window, nurse.username, "wrong wrong wrong wrong")
    _sign_in(window, nurse.username, nurse.password)
    assert window.signed_in is None and "Try again in" in window.signin_page.message.text()
    _sign_in(window, coordinator.username, coordinator.password)
    window.admin_button.click()
    page = window.admin_page
    row = next(
        r
        for r in range(page.accounts.rowCount())
        if page.accounts.item(r, 0).text() == nurse.username
    )
    page.accounts.selectRow(row)
    page.accounts.setCurrentCell(row, 0)
    assert page.edit_name.text() == "Demo Nurse"
    page.lift_button.click()
    page.edit_name.setText("Demo Nurse (night)")
    page.save_account.click()
    assert "changed" in page.message.text()
    window.switch_user()
    _sign_in(window, nurse.username, nurse.password)
    assert window.signed_in is not None
    assert "Demo Nurse (night)" in window.who_label.text()


def test_the_lock_screen_never_keeps_someone_elses_password(
    window: MainWindow, demo_accounts
) -> None:  # type: ignore[no-untyped-def]
    nurse, physician = demo_accounts[Role.FORENSIC_NURSE], demo_accounts[Role.PHYSICIAN]
    _sign_in(window, nurse.username, nurse.password)
    window.lock()
    window.lock_page.password.edit.setText(physician.password)  # typed on the wrong screen
    window.lock_page.switch_button.click()
    assert window.lock_page.password.text() == ""
    _sign_in(window, physician.username, physician.password)
    window.lock()
    assert window.lock_page.password.text() == ""


def test_closing_setup_before_typing_the_code_back_asks_first(
    qtbot, paths, installation, bugs, monotonic, questions
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, paths, installation, bugs, monotonic)
    dialog = window.open_setup()
    dialog.username.setText("coord")
    dialog.display_name.setText("Claire Coordinator")
    dialog.password.edit.setText(PASSWORD)
    dialog.password2.edit.setText(PASSWORD)
    dialog.create_button.click()
    assert dialog.pages.currentIndex() == 1
    dialog.reject()  # Escape
    assert questions and "not be shown again" in questions[0]
    assert window.stack.currentWidget() is window.signin_page
