"""The Psychology tab: a consultation recorded with the keyboard only by a psychologist,
and what a nurse sees of it (that it took place; nothing it says)."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import QApplication, QComboBox, QLabel

from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Role
from sac_desktop.ui.main_window import MainWindow
from tests.helpers.cases import consent
from tests.helpers.ui import ALT, CTRL, Key, Keyboard, _sign_in, activate


def test_a_consultation_recorded_with_the_keyboard_only(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock, bugs
) -> None:  # type: ignore[no-untyped-def]
    clock.current = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    session = window.session
    assert session is not None
    case_id, _ = session.record.create_case()
    consent(session.record, case_id, "medical_care")
    window.switch_user()
    psychologist = demo_accounts[Role.PSYCHOLOGIST]
    _sign_in(window, psychologist.username, psychologist.password)
    activate(window, qtbot)
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    activate(window, qtbot)
    keys = Keyboard(qtbot)
    keys.key(Key.Key_6, CTRL)
    panel = view.psychology
    assert view.tabs.currentWidget() is panel
    keys.at("consultations")
    keys.key(Key.Key_R, ALT)  # &Record a consultation…
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible())
    qtbot.waitUntil(lambda: panel.dialog.isAncestorOf(QApplication.focusWidget()))  # type: ignore[union-attr]
    keys.key(Key.Key_D, ALT)  # &Duration
    keys.key(Key.Key_A, CTRL)
    keys.type("50")
    keys.key(Key.Key_E, ALT)  # Psycho-&education
    keys.type("normal reactions after an assault; sleep")
    keys.key(Key.Key_U, ALT)  # S&uicide risk
    keys.key(Key.Key_Down, times=3)  # none, low, moderate, high
    keys.key(Key.Key_S, ALT)  # saved without the action a high risk needs: refused
    qtbot.waitUntil(lambda: "risk is high" in panel.dialog.message.text())  # type: ignore[union-attr]
    keys.key(Key.Key_A, ALT)  # &Action taken
    keys.type("safety plan agreed; GP called with consent")
    keys.key(Key.Key_S, ALT)
    psychology = window.session.psychology  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: len(psychology.consultations(window.session.record.reread(case_id))) == 1
    )  # type: ignore[union-attr]
    record = psychology.consultations(window.session.record.reread(case_id))[0]  # type: ignore[union-attr]
    assert (record.duration_min, record.suicide_risk.value) == (50, "high")  # type: ignore[union-attr]
    assert record.psychoeducation.startswith("normal reactions")
    assert bugs == []

    # A nurse sees that it took place, when and by whom: never what it says.
    window.switch_user()
    _sign_in(window, nurse.username, nurse.password)
    activate(window, qtbot)
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    panel = view.psychology
    assert panel.model.rowCount() == 1
    shown = [panel.model.index(0, c).data() for c in range(panel.model.columnCount())]
    assert "(for psychologists)" in shown and "50 min" in shown
    assert not panel.record_button.isEnabled()
    assert panel.amend_selected() is None


def test_the_pcl5_is_entered_scored_as_it_is_entered_and_stored_with_its_score(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock, bugs
) -> None:  # type: ignore[no-untyped-def]
    clock.current = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    psychologist = demo_accounts[Role.PSYCHOLOGIST]
    _sign_in(window, psychologist.username, psychologist.password)
    session = window.session
    assert session is not None
    case_id = session.record.list_cases()[0].case_id
    consultation = session.psychology.record_consultation(
        case_id,
        {"subject": "person", "duration_min": 40, "risk_level": "low", "suicide_risk": "none"},
    )
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    panel = view.psychology
    view.tabs.setCurrentWidget(panel)
    row = next(r for r in range(panel.model.rowCount()) if panel.model.row_at(r).id == consultation)
    panel.consultations.selectRow(row)
    dialog = panel.questionnaire_dialog()
    assert dialog is not None
    meaning = dialog.findChild(QLabel, "pcl5Meaning")
    assert meaning is not None and meaning.text().startswith("Not scorable: 0 of 20")
    # Items 1-18 answered 2 ("Moderately"), 19 and 20 left out: 36 from 18 items -> 40.
    for number in range(1, 19):
        box = dialog.findChild(QComboBox, f"pcl5Item{number}")
        assert box is not None
        box.setCurrentIndex(box.findData(2))
    assert meaning.text().startswith("Estimated total 40 from 18 of 20 items (at or above 33)")
    dialog.buttons.accepted.emit()
    record = window.session.record  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: bool(record.reread(case_id).psychology.consultations[consultation].scores)
    )
    stored = record.reread(case_id).psychology.consultations[consultation]
    assert stored.scores["pcl5"]["total"] == 40 and stored.scores["pcl5"]["estimated"] is True
    assert stored.questionnaires["pcl5"]["19"] is None and stored.questionnaires["pcl5"]["1"] == 2
    shown = panel.model.index(row, 6).data()
    assert shown == "≈ 40"
    assert bugs == []
