"""Evidence in the window: a kit of eight samples recorded with the keyboard only, and the
coordinator's evidence view for an injected date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QSpinBox,
    QWidget,
)

from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.custody import ItemState
from sac_desktop.domain.roles import Role
from sac_desktop.ui.main_window import MainWindow
from tests.helpers.cases import consent
from tests.helpers.ui import ALT, CTRL, Key, Keyboard, _sign_in, activate

GROUPS = ("oral", "reference_dna", "clothing", "fingernails", "pubic_hair", "genital")


def _case(window: MainWindow, clock: FixedClock) -> str:
    clock.current = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    session = window.session
    assert session is not None
    record = session.record
    case_id, _ = record.create_case()
    record.record_fields(case_id, "person", {"age_years": 30})
    record.record_fields(
        case_id,
        "assault",
        {
            "episodes": [
                {"time_kind": "exact", "at": "2026-03-14 01:30", "acts": ["oral", "vaginal"]}
            ]
        },
    )
    record.record_fields(case_id, "risks", {"dfsa_suspected": "no"})
    record.record_fields(case_id, "forensic_history", {"tampon_pad": "no"})
    consent(record, case_id, "forensic_exam")
    for group in GROUPS:
        consent(record, case_id, f"samples.{group}")
    return case_id


def test_a_kit_of_eight_samples_recorded_with_the_keyboard_only(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock, bugs
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    activate(window, qtbot)
    keys = Keyboard(qtbot)
    keys.key(Key.Key_5, CTRL)
    panel = view.evidence
    assert view.tabs.currentWidget() is panel
    keys.at("sampleSuggestions")
    suggested = [
        panel.suggestion_model.row_at(r).sample.id for r in range(panel.suggestion_model.rowCount())
    ]
    assert suggested[:2] == ["oral_swabs", "reference_dna"]  # oral before the reference
    assert len(suggested) >= 8

    keys.key(Key.Key_B, ALT)  # Kit num&ber
    keys.at("kitNumber")
    keys.type("SAS-2026-004512")
    keys.key(Key.Key_A, ALT)  # &Apply the kit number
    session = window.session
    assert session is not None
    qtbot.waitUntil(lambda: session.record.reread(case_id).evidence.kit_number == "SAS-2026-004512")
    for row in range(8):
        activate(window, qtbot)
        keys.key(Key.Key_O, ALT)  # Samples to take, in &order
        keys.at("sampleSuggestions")
        keys.key(Key.Key_Home, CTRL)
        keys.key(Key.Key_Down, times=row)
        keys.key(Key.Key_R, ALT)  # &Record the sample…
        qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible())
        qtbot.waitUntil(lambda: panel.dialog.isAncestorOf(QApplication.focusWidget()))  # type: ignore[union-attr]
        keys.key(Key.Key_U, ALT)  # Seal n&umber
        keys.type(f"S-{row + 1:03d}")
        keys.key(Key.Key_L, ALT)  # Storage &location
        keys.type("evidence fridge 2")
        keys.key(Key.Key_S, ALT)  # &Save
        qtbot.waitUntil(lambda r=row: len(session.record.reread(case_id).evidence.items) == r + 1)
    items = session.record.reread(case_id).evidence.listed()
    assert [i.sample for i in items] == suggested[:8]
    assert all(i.state is ItemState.STORED and i.location == "evidence fridge 2" for i in items)
    assert [i.seal_number for i in items] == [f"S-{n:03d}" for n in range(1, 9)]
    assert bugs == []


def test_the_coordinators_view_lists_items_due_within_30_days(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    session = window.session
    assert session is not None
    session.record.open_case(case_id)
    service = session.evidence
    service.set_kit(case_id, "SAS-2026-000001")
    rows_number = session.record.reread(case_id).case_number
    for sample in ("oral_swabs", "reference_dna"):
        service.record_item(
            case_id,
            {"sample": sample, "collected_local": "2026-03-14 03:40", "seal_number": "S-1"},
        )
    window.switch_user()
    coordinator = demo_accounts[Role.COORDINATOR]
    _sign_in(window, coordinator.username, coordinator.password)
    activate(window, qtbot)
    window.open_evidence(today=date(2026, 8, 25))  # kept until 2026-09-14
    page = window.evidence_page
    assert window.stack.currentWidget() is page
    number = rows_number

    def ours(key: str) -> list[int]:  # rows of this case (the demo vault has its own)
        model = page.sections[key][2]
        return [r for r in range(model.rowCount()) if model.row_at(r).case_number == number]

    label, table, model = page.sections["due_soon"]
    assert [model.row_at(r).item_number for r in ours("due_soon")] == ["3", "4"]
    assert f"({model.rowCount()})" in label.text()
    assert ours("past") == []
    window.open_evidence(today=date(2026, 9, 20))
    assert len(ours("past")) == 2 and ours("due_soon") == []
    assert page.destroy_button.isVisible()
    table = page.sections["past"][1]
    table.selectRow(ours("past")[0])
    page.destroy_selected("retention reached; no complaint")  # the clock says March: refused
    assert "cannot be destroyed before" in page.message.text()
    clock.current = datetime(2026, 9, 20, 8, 0, tzinfo=UTC)
    table.selectRow(ours("past")[0])
    page.destroy_selected("retention reached; no complaint")
    assert page.message.text() == ""
    assert len(ours("past")) == 1


def test_the_coordinator_sets_the_retention_periods(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    session = window.session
    assert session is not None
    session.record.open_case(case_id)
    session.evidence.set_kit(case_id, "SAS-2026-000002")
    item = session.evidence.record_item(
        case_id, {"sample": "oral_swabs", "collected_local": "2026-03-14 03:40", "seal_number": "S"}
    )
    window.switch_user()
    coordinator = demo_accounts[Role.COORDINATOR]
    _sign_in(window, coordinator.username, coordinator.password)
    activate(window, qtbot)
    window.open_evidence()
    page = window.evidence_page
    assert page.settings_button.isVisible()
    dialog = page.settings_dialog()
    assert dialog is not None
    dialog.findChild(QSpinBox, "retentionAdultMonths").setValue(12)
    dialog.findChild(QCheckBox, "retentionReapply").setChecked(True)
    dialog.findChild(QDialogButtonBox).accepted.emit()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    settings = window.session.evidence.retention_settings()  # type: ignore[union-attr]
    assert (settings.adult_months, settings.version) == (12, 2)
    coordinator_session = window.session
    assert coordinator_session is not None
    state = coordinator_session.record.state_unchecked(coordinator_session.vault.conn, case_id)
    assert state.evidence.items[item].retention_until == date(2027, 3, 14)


def test_the_custody_form_offers_only_what_the_move_records(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    session = window.session
    assert session is not None
    session.record.open_case(case_id)
    session.evidence.set_kit(case_id, "SAS-2026-000003")
    session.evidence.record_item(case_id, {"sample": "oral_swabs", "seal_number": "S-1"})
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    view.evidence.items.selectRow(0)
    dialog = view.evidence.move_dialog()
    assert dialog is not None

    def enabled(name: str) -> bool:
        widget = dialog.findChild(QWidget, name)
        assert widget is not None
        return widget.isEnabled()

    move = dialog.findChild(QComboBox, "moveKind")
    move.setCurrentIndex(move.findData("store"))
    assert enabled("moveLocation") and not enabled("moveLaboratory")
    assert not enabled("moveReceived") and not enabled("moveReference")
    move.setCurrentIndex(move.findData("hand_to_police"))
    assert enabled("moveReceived") and enabled("moveReference")
    assert not enabled("moveLocation") and not enabled("moveSeal")
    dialog.reject()
