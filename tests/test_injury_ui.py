"""The injury map in the window, driven as staff would: three injuries on two diagrams,
placed, moved and described with the mouse and with the keyboard only; the list and the
diagram in step; "no injury found" recorded."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QWidget,
)

from sac_desktop.domain import injuries as inj
from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Role
from sac_desktop.ui.body_map import BodyMap
from sac_desktop.ui.injury_panel import InjuryDialog, InjuryPanel
from sac_desktop.ui.main_window import MainWindow
from tests.helpers.cases import consent
from tests.helpers.ui import ALT, CTRL, Key, Keyboard, _sign_in, activate


def _case(window: MainWindow, clock: FixedClock) -> str:
    clock.current = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    session = window.session
    assert session is not None
    case_id, _ = session.record.create_case()
    consent(session.record, case_id, "forensic_exam")
    session.record.record_fields(case_id, "person", {"age_years": 30})
    return case_id


def _open(window: MainWindow, case_id: str, qtbot) -> InjuryPanel:  # type: ignore[no-untyped-def]
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    activate(window, qtbot)
    Keyboard(qtbot).key(Key.Key_4, CTRL)
    assert view.tabs.currentWidget() is view.injuries
    return view.injuries


def _injuries(window: MainWindow, case_id: str) -> list[inj.InjuryRecord]:
    session = window.session
    assert session is not None
    return session.injuries.injuries(session.record.reread(case_id))


def _dialog(panel: InjuryPanel, qtbot) -> InjuryDialog:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible())
    assert panel.dialog is not None
    return panel.dialog


def _view_point(view: BodyMap, x: float, y: float) -> QPoint:
    return view.mapFromScene(QPointF(x, y))


def _drag(view: BodyMap, start: QPoint, end: QPoint) -> None:
    port = view.viewport()
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    mods = Qt.KeyboardModifier.NoModifier
    events = [
        (QMouseEvent.Type.MouseButtonPress, start, left, left),
        (QMouseEvent.Type.MouseMove, (start + end) / 2, none, left),
        (QMouseEvent.Type.MouseMove, end, none, left),
        (QMouseEvent.Type.MouseButtonRelease, end, left, none),
    ]
    for kind, point, button, buttons in events:
        local = QPointF(point)
        event = QMouseEvent(kind, local, port.mapToGlobal(local), button, buttons, mods)
        QApplication.sendEvent(port, event)


def test_three_injuries_on_two_diagrams_by_keyboard_and_mouse(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock, bugs
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    panel = _open(window, case_id, qtbot)
    keys = Keyboard(qtbot)
    keys.at("bodyMap")
    body = panel.current_diagram()
    assert body.id == "adult_front"

    # 1. Keyboard only: move the cross, Enter places, the form is filled with keys.
    keys.key(Key.Key_Up, times=4)
    keys.key(Key.Key_Right, times=3)
    cross = panel.map.cross
    expected_region = body.region_at(cross.x(), cross.y())
    assert expected_region
    assert "Under the cross" in panel.where.text()
    keys.key(Key.Key_Return)
    dialog = _dialog(panel, qtbot)
    assert dialog.region.currentData() == expected_region
    qtbot.waitUntil(lambda: keys.focus.objectName() == "injuryType")
    keys.key(Key.Key_L, ALT)
    keys.key(Key.Key_S, ALT)  # saved too early: the type is missing
    qtbot.waitUntil(lambda: "Choose the type of injury." in dialog.message.text())
    keys.at("injuryType")  # the form goes to what is missing
    assert _injuries(window, case_id) == [] and dialog.isVisible()
    keys.key(Key.Key_Down, times=2)  # — choose —, Tear, Ecchymosis
    assert dialog.type.currentData() == "ecchymosis"
    keys.key(Key.Key_L, ALT)
    keys.type("25")
    keys.key(Key.Key_W, ALT)
    keys.type("12")
    keys.key(Key.Key_C, ALT)
    keys.type("purple")
    keys.key(Key.Key_S, ALT)
    qtbot.waitUntil(lambda: len(_injuries(window, case_id)) == 1)
    first = _injuries(window, case_id)[0]
    assert (first.number, first.region, first.length_mm, first.width_mm, first.colour) == (
        1,
        expected_region,
        25.0,
        12.0,
        "purple",
    )
    assert (first.x, first.y) == (round(cross.x(), 1), round(cross.y(), 1))
    # The new injury is selected in the list and on the diagram.
    qtbot.waitUntil(lambda: panel.selected_id() == first.id)
    assert panel.map.selected_id() == first.id

    # 2. The mouse: a click on the drawing places a marker; the form is saved by mouse.
    target = body.regions[-1]
    tx, ty = _inside(body, target.id)
    qtbot.mouseClick(
        panel.map.viewport(), Qt.MouseButton.LeftButton, pos=_view_point(panel.map, tx, ty)
    )
    dialog = _dialog(panel, qtbot)
    assert dialog.region.currentData() == target.id
    dialog.type.setCurrentIndex(dialog.type.findData("abrasion"))
    dialog.length.setValue(40.0)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: len(_injuries(window, case_id)) == 2)
    second = _injuries(window, case_id)[1]
    assert (second.number, second.type, second.region) == (2, inj.InjuryType.ABRASION, target.id)

    # Drag the second marker with the mouse: an amendment, the history keeps both.
    start = _view_point(panel.map, second.x, second.y)
    _drag(panel.map, start, start + QPoint(0, 12))
    qtbot.waitUntil(lambda: _injuries(window, case_id)[1].y != second.y)
    moved = _injuries(window, case_id)[1]
    assert moved.y > second.y and moved.supersedes == second.entry_id

    # 3. Keyboard only, on a second diagram: the genital diagram, with clock position.
    activate(window, qtbot)
    keys.key(Key.Key_G, ALT)
    keys.at("diagramChoice")
    index = panel.diagram_box.findData("female_genital")
    keys.key(Key.Key_Down, times=index - panel.diagram_box.currentIndex())
    assert panel.current_diagram().id == "female_genital"
    panel.map.setFocus()
    keys.at("bodyMap")
    keys.key(Key.Key_Down, times=8)  # below the centre: posterior, 6 o'clock
    keys.key(Key.Key_Return)
    dialog = _dialog(panel, qtbot)
    qtbot.waitUntil(lambda: keys.focus.objectName() == "injuryType")
    keys.key(Key.Key_Down)  # Tear
    keys.key(Key.Key_I, ALT)  # the patient's position
    keys.key(Key.Key_Down)  # supine / lithotomy
    assert dialog.position.currentData() == "supine_lithotomy"
    assert dialog.clock_from.value() == 6  # suggested from the marker
    keys.key(Key.Key_L, ALT)
    keys.type("4")
    keys.key(Key.Key_S, ALT)
    qtbot.waitUntil(lambda: len(_injuries(window, case_id)) == 3)
    third = _injuries(window, case_id)[2]
    assert (third.diagram, third.type, third.clock_from, third.position) == (
        "female_genital",
        inj.InjuryType.TEAR,
        6,
        inj.Position.SUPINE_LITHOTOMY,
    )

    # List and diagram in step: choosing injury 1 in the list shows its diagram and
    # selects its marker; choosing a marker selects its row.
    panel.table.setFocus()
    panel.table.selectRow(0)
    assert panel.current_diagram().id == "adult_front"
    assert panel.map.selected_id() == first.id
    marker = panel.map.markers[second.id]
    qtbot.mouseClick(
        panel.map.viewport(),
        Qt.MouseButton.LeftButton,
        pos=panel.map.mapFromScene(marker.pos()),
    )
    assert panel.selected_id() == second.id

    # Keyboard move of injury 1: Page Up selects it, M, arrows, Enter keeps the move.
    activate(window, qtbot)
    panel.map.setFocus()
    keys.key(Key.Key_PageUp)
    assert panel.map.selected_id() == first.id and panel.selected_id() == first.id
    keys.key(Key.Key_M)
    keys.key(Key.Key_Left, times=2)
    keys.key(Key.Key_Return)
    qtbot.waitUntil(lambda: _injuries(window, case_id)[0].x != first.x)
    assert _injuries(window, case_id)[0].x == round(first.x - 10, 1)
    # Escape cancels a keyboard move: nothing recorded.
    keys.key(Key.Key_M)
    keys.key(Key.Key_Left)
    keys.key(Key.Key_Escape)
    assert _injuries(window, case_id)[0].x == round(first.x - 10, 1)

    # Describe it again with the keyboard: Space opens it, a new colour, saved.
    keys.key(Key.Key_Space)
    dialog = _dialog(panel, qtbot)
    qtbot.waitUntil(lambda: keys.focus.objectName() == "injuryType")
    keys.key(Key.Key_C, ALT)
    keys.key(Key.Key_A, CTRL)
    keys.type("blue-green")
    keys.key(Key.Key_H, ALT)
    keys.type("colour changed overnight")
    keys.key(Key.Key_S, ALT)
    qtbot.waitUntil(lambda: _injuries(window, case_id)[0].colour == "blue-green")
    session = window.session
    assert session is not None
    history = session.injuries.history(session.record.reread(case_id), first.id)
    assert [h.colour for h in history] == ["purple", "purple", "blue-green"]
    assert history[-1].reason == "colour changed overnight"
    assert bugs == []


def _inside(diagram, region: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from tests.test_injuries import point_in

    return point_in(diagram, region)


def test_no_injury_found_is_recorded_with_the_keyboard(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    panel = _open(window, case_id, qtbot)
    keys = Keyboard(qtbot)
    keys.key(Key.Key_O, ALT)  # No injury f&ound…
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QInputDialog))
    question = QApplication.activeModalWidget()
    assert isinstance(question, QInputDialog)
    assert question.comboBoxItems()[0] == "The whole body"
    qtbot.waitUntil(lambda: question.isAncestorOf(QApplication.focusWidget()))
    keys.key(Key.Key_Return)  # the whole body
    qtbot.waitUntil(lambda: panel.none_list.count() == 1)
    assert "whole body" in panel.none_list.item(0).text()
    session = window.session
    assert session is not None
    found = session.injuries.none_found(session.record.reread(case_id))
    assert len(found) == 1 and found[0].whole_body
    # A region: the one under the cross.
    region = panel.current_diagram().region_at(panel.map.cross.x(), panel.map.cross.y())
    panel.record_none_found("region")
    found = session.injuries.none_found(session.record.reread(case_id))
    assert [f.region for f in found] == ["", region]


def test_a_psychologist_sees_the_map_and_cannot_place_markers(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    session = window.session
    assert session is not None
    body = session.injuries.diagrams["adult_front"]
    x, y = _inside(body, body.regions[0].id)
    session.injuries.record_injury(
        case_id,
        {"diagram": "adult_front", "x": x, "y": y, "region": body.regions[0].id, "type": "redness"},
    )
    window.switch_user()
    psy = demo_accounts[Role.PSYCHOLOGIST]
    _sign_in(window, psy.username, psy.password)
    panel = _open(window, case_id, qtbot)  # (activate closes the psychologist's notice)
    assert panel.model.rowCount() == 1
    assert panel.map.read_only and not panel.none_button.isEnabled()
    panel.map.setFocus()
    Keyboard(qtbot).key(Key.Key_Return)
    assert panel.dialog is None


def _mnemonics(root: QWidget) -> list[tuple[str, str]]:
    """(letter, text) of every visible button and buddy label under ``root``."""
    found = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or not widget.isVisible():
            continue
        buddied = isinstance(widget, QLabel) and widget.buddy() is not None
        if not (isinstance(widget, QAbstractButton) or buddied):
            continue
        text = widget.text()  # type: ignore[attr-defined]
        match = re.search(r"&([^&])", text.replace("&&", ""))
        if match:
            found.append((match.group(1).lower(), text))
    return found


def test_every_mnemonic_on_the_injury_and_evidence_tabs_is_unique(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    """Alt+letter reaches one control: with two, Qt only moves between them."""
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    panel = _open(window, case_id, qtbot)
    view = window.vault_page.case_view
    assert view is not None
    for tab in (panel, view.evidence, view.psychology, view.aftercare):
        view.tabs.setCurrentWidget(tab)
        seen: dict[str, str] = {}
        clashes = []
        for letter, text in _mnemonics(window):
            if letter in seen:
                clashes.append((seen[letter], text))
            seen[letter] = text
        assert clashes == []
