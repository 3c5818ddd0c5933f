"""The Aftercare tab and the combined morning round in the window, driven as staff would:
a call's outcome and the closing with the keyboard only; the follow-ups view for a nurse
and for a psychologist on an injected date."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLineEdit

from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Role
from sac_desktop.ui.main_window import MainWindow
from sac_desktop.ui.partners_dialog import PartnersDialog
from tests.helpers.ui import ALT, CTRL, Key, Keyboard, _sign_in, activate


def _case(window: MainWindow, clock: FixedClock) -> str:
    """Arrived at 03:00 on 14 March after an assault at 01:30; calls only 18:00-20:00."""
    clock.current = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    session = window.session
    assert session is not None
    record = session.record
    case_id, _ = record.create_case()
    record.record_fields(case_id, "arrival", {"arrived_at": "2026-03-14 03:00"})
    record.record_fields(case_id, "person", {"age_years": 30})
    record.record_fields(
        case_id,
        "contact",
        {"safe_phone": "+32 470 00 00 01", "voicemail_ok": "no", "contact_hours": "18:00-20:00"},
    )
    record.record_fields(
        case_id,
        "assault",
        {"episodes": [{"time_kind": "exact", "at": "2026-03-14 01:30", "acts": ["vaginal"]}]},
    )
    session.checklist.plan_followups(case_id)
    return case_id


def _rows(window: MainWindow) -> set[tuple[Any, ...]]:
    model = window.followups_page.model
    return {
        tuple(model.data(model.index(r, c)) for c in (0, 2, 3)) for r in range(model.rowCount())
    }


def test_the_morning_round_for_a_nurse_and_a_psychologist_on_an_injected_date(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    window.switch_user()
    psychologist = demo_accounts[Role.PSYCHOLOGIST]
    _sign_in(window, psychologist.username, psychologist.password)
    window.session.psychology.record_consultation(  # type: ignore[union-attr]
        case_id,
        {
            "subject": "person",
            "at_local": "2026-03-14 10:00",
            "duration_min": 45,
            "risk_level": "low",
            "suicide_risk": "none",
            "next_appointment": "2026-03-16 14:00",
        },
    )
    clock.current = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)  # 08:00 on 16 March
    window.open_followups()
    page = window.followups_page
    assert page.scope.currentIndex() == 0  # for my role
    rows = _rows(window)
    # The demo's own cases have follow-ups too: only this case's rows are checked by name.
    assert ("today", "psychology", "Psychological appointment") in rows
    assert {kind for _when, kind, _name in rows} == {"psychology"}

    window.switch_user()
    _sign_in(window, nurse.username, nurse.password)
    window.open_followups()
    rows = _rows(window)
    call = "Case management call (how the person is, questions, next steps)"
    assert ("today", "call", call) in rows  # 16 March 18:00: the first safe hour
    assert ("today", "follow-up", "Re-examine and re-photograph bruises") in rows
    assert "psychology" not in {kind for _when, kind, _name in rows}
    # Everything the nurse may see: that the appointment takes place (never with whom).
    page.scope.setCurrentIndex(1)
    rows = _rows(window)
    assert ("today", "psychology", "Psychological appointment") in rows
    assert page.summary.text().endswith("later this week.")


def test_a_calls_outcome_and_closing_the_case_with_the_keyboard_only(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock, bugs
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    clock.current = datetime(2026, 3, 16, 17, 5, tzinfo=UTC)  # 18:05: the call is made
    activate(window, qtbot)
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    activate(window, qtbot)
    keys = Keyboard(qtbot)
    keys.key(Key.Key_7, CTRL)
    panel = view.aftercare
    assert view.tabs.currentWidget() is panel
    assert "only at: 18:00-20:00" in panel.preferences.text()
    assert "no voicemail" in panel.preferences.text()
    keys.at("contacts")
    model = panel.contact_model
    first = next(r for r in range(model.rowCount()) if model.row_at(r).id == "call_3d")
    panel.contacts.selectRow(first)
    keys.key(Key.Key_M, ALT)  # Record the outco&me…
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible())
    qtbot.waitUntil(lambda: panel.dialog.isAncestorOf(QApplication.focusWidget()))  # type: ignore[union-attr]
    keys.key(Key.Key_T, ALT)  # Next s&tep
    keys.type("appointment with the psychologist")
    keys.key(Key.Key_X, ALT)  # Ne&xt contact at: outside the safe hours, refused calmly
    keys.type("2026-03-20 10:00")
    keys.key(Key.Key_S, ALT)
    qtbot.waitUntil(lambda: "18:00-20:00" in panel.dialog.message.text())  # type: ignore[union-attr]
    keys.key(Key.Key_X, ALT)
    keys.key(Key.Key_A, CTRL)
    keys.type("2026-03-20 18:30")
    keys.key(Key.Key_S, ALT)
    state = lambda: window.session.record.reread(case_id)  # noqa: E731  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: state().followups["call_3d"].outcome == "reached")
    contacts = {c.id: c for c in state().followups.values() if c.kind == "call"}
    assert contacts["call_3d"].next_step == "appointment with the psychologist"
    assert any(
        c.id.startswith("contact-") and c.status.value == "planned" for c in contacts.values()
    )
    assert bugs == []

    # Closing: with what is still planned, the box to end it with the closing.
    activate(window, qtbot)
    keys.at("contacts")
    keys.key(Key.Key_O, ALT)  # Cl&ose the case…
    qtbot.waitUntil(
        lambda: panel.dialog is not None and panel.dialog.objectName() == "closeCaseDialog"
    )
    qtbot.waitUntil(lambda: panel.dialog.isAncestorOf(QApplication.focusWidget()))  # type: ignore[union-attr]
    keys.key(Key.Key_S, ALT)  # refused: follow-ups are still planned
    qtbot.waitUntil(lambda: "still planned" in panel.dialog.message.text())  # type: ignore[union-attr]
    keys.key(Key.Key_N, ALT)
    keys.type("care continues with the GP")
    keys.key(Key.Key_E, ALT)  # &End what is still planned: the label's mnemonic ticks it
    end_open = panel.dialog.findChild(QCheckBox, "closeEndOpen")  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: end_open.isChecked())
    keys.key(Key.Key_S, ALT)
    qtbot.waitUntil(lambda: state().aftercare.closed is not None)
    qtbot.waitUntil(lambda: panel.reopen_button.isVisible())
    assert panel.closed.text().startswith("Closed on")
    assert not panel.add_button.isEnabled() and not panel.close_button.isVisible()
    # A closed case is read, not written: the intake is locked; a consent can still be
    # recorded (a withdrawal); the case list says when it was closed.
    assert not view.form.page_by_section["contact"].isEnabled()
    assert view.consent.record_button.isEnabled()
    listed = window.vault_page.case_model
    row = next(r for r in range(listed.rowCount()) if listed.row_at(r).case_id == case_id)  # type: ignore[union-attr]
    window.vault_page.case_model.reload()
    texts = [listed.index(row, c).data() for c in range(listed.columnCount())]
    assert any(str(text).startswith("case closed on") for text in texts)

    # Reopened with the reason, with the keyboard: writable again.
    activate(window, qtbot)
    keys.at("contacts")
    keys.key(Key.Key_O, ALT)  # Re&open the case…
    qtbot.waitUntil(
        lambda: panel.dialog is not None and panel.dialog.objectName() == "reopenCaseDialog"
    )
    qtbot.waitUntil(lambda: panel.dialog.isAncestorOf(QApplication.focusWidget()))  # type: ignore[union-attr]
    keys.type("the person asked for another appointment")
    keys.key(Key.Key_S, ALT)
    qtbot.waitUntil(lambda: state().aftercare.closed is None)
    qtbot.waitUntil(lambda: view.form.page_by_section["contact"].isEnabled())
    assert panel.add_button.isEnabled() and panel.close_button.isVisible()
    assert bugs == []


def test_the_coordinator_keeps_the_partner_directory(
    window: MainWindow, demo_accounts, qtbot
) -> None:  # type: ignore[no-untyped-def]
    coordinator = demo_accounts[Role.COORDINATOR]
    _sign_in(window, coordinator.username, coordinator.password)
    window.open_admin()
    window.admin_page.partners_button.click()
    dialog = window.partners_dialog
    assert isinstance(dialog, PartnersDialog)
    before = dialog.model.rowCount()
    form = dialog.partner_form(None)
    name = form.findChild(QLineEdit, "partnerName")
    combo = form.findChild(QComboBox, "partnerType")
    assert name is not None and combo is not None
    name.setText("Synthetic Family Justice Centre")
    combo.setCurrentIndex(combo.findData("family_justice_centre"))
    form.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == before + 1)
    names = [dialog.model.row_at(r).name for r in range(dialog.model.rowCount())]
    assert "Synthetic Family Justice Centre" in names


def test_the_person_gets_their_sheet_in_their_language_discreet_when_they_asked(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock, tmp_path, bugs
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    record = window.session.record  # type: ignore[union-attr]
    record.record_fields(case_id, "language", {"language": "fr"})
    record.record_fields(case_id, "contact", {"no_letters_home": "yes"})
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    panel = view.aftercare
    view.tabs.setCurrentWidget(panel)
    dialog = panel.sheet_dialog()
    assert dialog is not None
    language = dialog.findChild(QComboBox, "sheetLanguage")
    discreet = dialog.findChild(QCheckBox, "sheetDiscreet")
    assert language is not None and discreet is not None
    assert language.currentData() == "fr" and discreet.isChecked()  # as the person asked
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: panel.file_dialog is not None and panel.file_dialog.isVisible())
    assert panel.file_dialog.selectedFiles()[0].endswith(  # type: ignore[union-attr]
        f"{view.state.case_number}-fr.pdf"
    )
    target = tmp_path / "sheet.pdf"
    panel.file_dialog.fileSelected.emit(str(target))  # type: ignore[union-attr]
    qtbot.waitUntil(target.exists)
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and (target.stat().st_mode & 0o077) == 0
    assert bugs == []


def test_a_physician_hands_care_over_with_a_signed_form(
    window: MainWindow, demo_accounts, qtbot, tmp_path, bugs
) -> None:  # type: ignore[no-untyped-def]
    from cryptography import x509

    from sac_desktop.reports.signing import verify
    from sac_desktop.storage import records

    physician = demo_accounts[Role.PHYSICIAN]
    _sign_in(window, physician.username, physician.password)
    session = window.session
    assert session is not None
    case_id = session.record.list_cases()[0].case_id  # a demo case: medical care consented
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    panel = view.aftercare
    dialog = panel.handover_dialog()
    assert dialog is not None
    recipient = dialog.findChild(QComboBox, "handoverRecipient")
    sign = dialog.findChild(QCheckBox, "handoverSign")
    assert recipient is not None and sign is not None and sign.isChecked()
    recipient.setCurrentText("Synthetic GP practice")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: panel.file_dialog is not None and panel.file_dialog.isVisible())
    target = tmp_path / "handover.pdf"
    panel.file_dialog.fileSelected.emit(str(target))  # type: ignore[union-attr]
    qtbot.waitUntil(target.exists)
    ca_pem = records.get_meta(session.vault.conn, "ca_certificate_pem")
    assert ca_pem is not None
    verdict = verify(target.read_bytes(), [x509.load_pem_x509_certificate(ca_pem.encode())])
    assert verdict.valid and verdict.signatures[0].signer == physician.display_name
    (kept,) = session.documents.stored(case_id)
    assert session.documents.reprint(kept.id) == target.read_bytes()
    assert bugs == []
