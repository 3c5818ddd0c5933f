"""The medical checklist and the follow-ups view in the window, driven as staff would."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from sac_desktop.domain.checklist import Status
from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Role
from sac_desktop.ui.main_window import MainWindow
from sac_desktop.ui.models import CASE_ID_ROLE
from tests.helpers.ui import Keyboard, _sign_in

Key = Qt.Key
CTRL, ALT, NONE = (
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.AltModifier,
    Qt.KeyboardModifier.NoModifier,
)


def _case(window: MainWindow, clock: FixedClock) -> str:
    """An assault two hours ago (vaginal), pregnancy possible, adult, arrived at 03:00."""
    clock.current = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)  # 03:30 in Brussels
    session = window.session
    assert session is not None
    case_id, _ = session.record.create_case()
    record = session.record
    record.record_fields(case_id, "arrival", {"arrived_at": "2026-03-14 03:00"})
    record.record_fields(
        case_id,
        "assault",
        {"episodes": [{"time_kind": "exact", "at": "2026-03-14 01:30", "acts": ["vaginal"]}]},
    )
    record.record_fields(case_id, "person", {"age_years": 30})
    record.record_fields(
        case_id, "medical", {"pregnancy_possible": "yes", "hbv_vaccination": "immune"}
    )
    return case_id


def _status(window: MainWindow, case_id: str, item: str) -> Status | None:
    state = window.session.record.reread(case_id)  # type: ignore[union-attr]
    record = state.checklist.get(item)
    return None if record is None else record.status


def test_the_checklist_with_the_keyboard_only_then_an_amendment_after_sign_off(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    keys = Keyboard(qtbot)
    keys.key(Key.Key_3, CTRL)
    assert view.tabs.currentWidget() is view.medical
    assert keys.focus.objectName() == "checklistTable"
    panel = view.medical
    assert panel.current() is not None and panel.current().item.id == "pregnancy_test"  # type: ignore[union-attr]

    # Pregnancy test: given (the time given is filled in with now).
    keys.tab_to("itemStatus")
    keys.key(Key.Key_Down, times=3)  # not assessed -> indicated, offered, given
    assert panel.status.currentData() == "given" and panel.at_local.text()
    keys.key(Key.Key_V, ALT)  # Save this item
    qtbot.waitUntil(lambda: _status(window, case_id, "pregnancy_test") is Status.GIVEN)

    # HIV PEP: offered, then given with its details.
    keys.key(Key.Key_3, CTRL)
    keys.key(Key.Key_Down, times=2)
    assert panel.current().item.id == "hiv_pep"  # type: ignore[union-attr]
    keys.tab_to("itemStatus")
    keys.key(Key.Key_Down, times=2)  # offered
    keys.key(Key.Key_V, ALT)
    qtbot.waitUntil(lambda: _status(window, case_id, "hiv_pep") is Status.OFFERED)
    keys.key(Key.Key_3, CTRL)
    keys.tab_to("itemStatus")
    keys.key(Key.Key_Down, times=3)  # offered -> accepted, declined, given
    assert panel.status.currentData() == "given"
    keys.tab_to("detail_hiv_pep_regimen")
    keys.type("TDF/FTC + DTG")
    keys.tab_to("detail_hiv_pep_doses_dispensed")
    keys.type("5")
    keys.key(Key.Key_V, ALT)
    qtbot.waitUntil(lambda: _status(window, case_id, "hiv_pep") is Status.GIVEN)
    state = window.session.record.reread(case_id)  # type: ignore[union-attr]
    assert state.checklist["hiv_pep"].details == {
        "regimen": "TDF/FTC + DTG",
        "doses_dispensed": 5,
    }
    # PEP given: the 24 h call is in the plan once the checklist is complete, not before.
    assert "call_24h" not in state.followups

    # Sign off, then amend: the reason is asked for, and both versions are kept.
    keys.key(Key.Key_O, ALT)  # Sign off the medical section
    qtbot.waitUntil(lambda: window.session.record.reread(case_id).signed_off is not None)  # type: ignore[union-attr]
    keys.key(Key.Key_3, CTRL)  # the selected item (PEP) stays selected
    assert panel.current().item.id == "hiv_pep"  # type: ignore[union-attr]
    keys.tab_to("detail_hiv_pep_doses_dispensed")
    keys.key(Key.Key_Backspace)
    keys.type("7")
    keys.key(Key.Key_V, ALT)
    qtbot.waitUntil(lambda: "amendment" in panel.message.text())  # refused: no reason yet
    assert (
        window.session.record.reread(case_id)
        .checklist["hiv_pep"]
        .details[  # type: ignore[union-attr]
            "doses_dispensed"
        ]
        == 5
    )
    keys.key(Key.Key_3, CTRL)
    keys.tab_to("itemAmendmentReason")
    keys.type("Two more doses dispensed")
    keys.tab_to("detail_hiv_pep_doses_dispensed")
    keys.key(Key.Key_Backspace)
    keys.type("7")
    keys.key(Key.Key_V, ALT)
    qtbot.waitUntil(
        lambda: (
            window.session.record.reread(case_id)  # type: ignore[union-attr]
            .checklist["hiv_pep"]
            .details.get("doses_dispensed")
            == 7
        )
    )
    history = [
        (v.status, v.details.get("doses_dispensed"), v.amendment_reason)
        for v in window.session.record.reread(case_id).checklist_history  # type: ignore[union-attr]
        if v.item == "hiv_pep"
    ]
    assert history[-2:] == [
        (Status.GIVEN, 5, ""),
        (Status.GIVEN, 7, "Two more doses dispensed"),
    ]
    shown = panel.history.text()
    assert shown.count("given, by Demo Nurse") == 2 and "amendment: Two more doses" in shown


def test_the_follow_ups_view_lists_due_and_overdue_for_an_injected_date(
    window: MainWindow, demo_accounts, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    service = window.session.checklist  # type: ignore[union-attr]
    service.plan_followups(case_id)  # from the visit (03:00) and the exposure (01:30)
    service.update_followup(case_id, "general_review_2w", "planned", "2026-03-17 10:00")
    clock.current = datetime(2026, 3, 15, 8, 0, tzinfo=UTC)  # 09:00 on 15 March
    window.open_followups()
    assert window.stack.currentWidget() is window.followups_page
    model = window.followups_page.model
    rows = {
        (model.data(model.index(r, 3)), model.data(model.index(r, 0)))
        for r in range(model.rowCount())
    }
    assert ("Re-examine and re-photograph bruises", "today") in rows  # due 15 March 03:00
    assert ("General review", "this week") in rows  # moved to 17 March
    assert not any(name == "Pregnancy test" for name, _when in rows)  # 4 April: later
    clock.current = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
    window.open_followups()
    rows = {
        (model.data(model.index(r, 3)), model.data(model.index(r, 0)))
        for r in range(model.rowCount())
    }
    assert ("Re-examine and re-photograph bruises", "overdue") in rows
    overdue = sum(1 for r in range(model.rowCount()) if model.data(model.index(r, 0)) == "overdue")
    assert window.followups_page.summary.text().startswith(f"{overdue} overdue")
    ours = next(
        r for r in range(model.rowCount()) if model.data(model.index(r, 0), CASE_ID_ROLE) == case_id
    )
    window.followups_page.table.selectRow(ours)
    window.followups_page.open_button.click()
    assert window.vault_page.case_view is not None
    assert window.vault_page.case_view.state.case_id == case_id


def test_a_psychologist_reads_the_checklist_without_changing_it(
    window: MainWindow, demo_accounts, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    window.switch_user()
    psychologist = demo_accounts[Role.PSYCHOLOGIST]
    _sign_in(window, psychologist.username, psychologist.password)
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    panel = view.medical
    assert panel.model.rowCount() > 5  # reads it
    assert not panel.save_button.isEnabled()
    assert not panel.sign_button.isEnabled() and not panel.add_med_button.isEnabled()


def test_what_was_typed_for_an_item_is_kept_while_looking_at_another(
    window: MainWindow, demo_accounts, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    window._open_case(_case(window, clock))
    view = window.vault_page.case_view
    assert view is not None
    panel = view.medical
    panel.table.selectRow(2)  # HIV PEP
    index = panel.status.findData("not_indicated")
    panel.status.setCurrentIndex(index)
    panel.reason.setText("Synthetic reason typed, not saved")
    panel.table.selectRow(3)
    assert panel.current().item.id == "sti_tests"  # type: ignore[union-attr]
    panel.table.selectRow(2)
    assert panel.reason.text() == "Synthetic reason typed, not saved"
    assert panel.status.currentData() == "not_indicated" and "Not saved yet" in panel.message.text()
