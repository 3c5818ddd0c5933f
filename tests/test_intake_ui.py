"""The intake, consent and clock panel in the window, driven as staff would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.protocol import State
from sac_desktop.domain.roles import Role
from sac_desktop.ui.clock_panel import ClockModel
from sac_desktop.ui.consent_panel import ConsentDialog
from sac_desktop.ui.main_window import MainWindow
from sac_desktop.ui.models import CASE_ID_ROLE
from tests.helpers.ui import Keyboard, _sign_in

Key = Qt.Key
CTRL, ALT, NONE = (
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.AltModifier,
    Qt.KeyboardModifier.NoModifier,
)


def test_a_complete_intake_with_the_keyboard_only(window: MainWindow, demo_accounts, qtbot) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    kb = Keyboard(qtbot)
    kb.key(Key.Key_N, ALT)  # New case (a mnemonic: the click comes a moment later)
    qtbot.waitUntil(lambda: window.vault_page.case_view is not None)
    view = window.vault_page.case_view
    assert view is not None
    case_id = view.state.case_id
    kb.at("intakeSteps")
    kb.tab()
    kb.at("arrival_arrived_at")
    kb.type("14/03/2026 3:05")
    kb.tab()
    kb.at("arrival_how")
    kb.choose(3)  # by taxi
    kb.tab()
    kb.choose(1)  # referred by: self
    kb.tab()
    kb.type("synthetic referral note")

    kb.next_step("add_people")
    kb.key(Key.Key_Space)
    qtbot.waitUntil(lambda: kb.focus.objectName() == "people1_name")
    kb.type("Synthetic Friend")
    kb.tab()
    kb.choose(4)  # friend
    kb.tab()
    kb.choose(1)  # wants support: yes
    kb.tab(3)  # Remove, Add, then the moment alone
    kb.at("companions_alone_moment_at")
    kb.type("2026-03-14 03:20")

    kb.next_step("language_language")
    kb.choose(5)  # Arabic
    kb.tab()
    kb.choose(1)  # interpreter needed: yes
    kb.tab()
    kb.type("Synthetic Interpreter")
    kb.tab()
    kb.type("Synthetic Agency")
    kb.tab()
    kb.choose(2)  # by phone

    kb.next_step("contact_safe_phone")
    kb.type("0470 00 00 00")
    kb.tab()
    kb.choose(2)  # no voicemail
    kb.tab()
    kb.choose(1)  # no letters home: yes

    kb.next_step("person_age_years")
    kb.type("24")
    kb.tab()
    kb.choose(1)  # woman
    kb.tab(8)
    kb.at("vulnerabilities_student")
    kb.key(Key.Key_Space)

    kb.next_step("identity_name")  # optional: left empty
    kb.next_step("add_episodes")
    kb.key(Key.Key_Space)
    qtbot.waitUntil(lambda: kb.focus.objectName() == "episodes1_time_kind")
    kb.choose(1)  # exact time: the time field becomes reachable
    kb.tab()
    kb.at("episodes1_at")
    kb.type("2026-03-14 01:30")
    kb.tab()
    kb.at("episodes1_violence_rape")
    kb.key(Key.Key_Space)
    kb.tab(7)
    kb.at("episodes1_acts_vaginal")
    kb.key(Key.Key_Space)

    kb.next_step("forensic_history_washed")
    kb.choose(2)  # no
    kb.next_step("medical_last_period")
    kb.type("2026-02-28")
    kb.tab()
    kb.choose(1)  # pregnancy possible: yes
    kb.next_step("risks_dfsa_suspected")
    kb.choose(1)  # yes
    kb.next_step("safety_sleeps_at")
    kb.type("with a friend")
    kb.next_step("notes_text")  # the minor step is skipped: 24 years old
    kb.type("Synthetic note typed with the keyboard only.")

    # What care depends on shows at once (from the drafts), before anything is recorded.
    assert "Drugs suspected" in view.notes.text()
    states = {i.window.id: i.state for i in view.clock_panel.model.clock.items}  # type: ignore[union-attr]
    assert states["hiv_pep"] is State.OPTIMAL and states["ec_ulipristal"] is State.OPTIMAL
    assert states["tox_urine"] is State.OPTIMAL

    kb.key(Key.Key_L, CTRL)  # lock: every draft becomes entries
    assert window.signed_in is None
    _sign_in(window, nurse.username, nurse.password)  # the lock page is left by switching
    state = window.session.record.open_case(case_id)  # type: ignore[union-attr]
    value = state.value
    assert value("arrival.arrived_at") == "2026-03-14 03:05"
    assert (value("arrival.how"), value("arrival.referred_by")) == ("taxi", "self")
    assert value("arrival.referred_detail") == "synthetic referral note"
    assert value("companions.people") == [
        {"name": "Synthetic Friend", "relation": "friend", "wants_support": "yes"}
    ]
    assert value("companions.alone_moment_at") == "2026-03-14 03:20"
    assert value("language.language") == "ar"
    assert value("language.interpreter_name") == "Synthetic Interpreter"
    assert value("language.interpreter_mode") == "phone"
    assert (value("contact.voicemail_ok"), value("contact.no_letters_home")) == ("no", "yes")
    assert (value("person.age_years"), value("person.gender")) == (24, "woman")
    assert value("person.vulnerabilities") == ["student"]
    assert value("assault.episodes") == [
        {
            "time_kind": "exact",
            "at": "2026-03-14 01:30",
            "violence": ["rape"],
            "acts": ["vaginal"],
        }
    ]
    assert value("forensic_history.washed") == "no"
    assert value("medical.pregnancy_possible") == "yes"
    assert value("risks.dfsa_suspected") == "yes"
    assert value("safety.sleeps_at") == "with a friend"
    assert value("notes.text") == "Synthetic note typed with the keyboard only."
    assert "identity.name" not in state.fields  # optional, not typed: nothing recorded


def _case_with_episode(window: MainWindow, at: str) -> str:
    session = window.session
    assert session is not None
    case_id, _ = session.record.create_case()
    session.record.record_fields(
        case_id, "assault", {"episodes": [{"time_kind": "exact", "at": at, "acts": ["oral"]}]}
    )
    session.record.record_fields(case_id, "medical", {"pregnancy_possible": "no"})
    return case_id


def _rows(window: MainWindow) -> dict[str, tuple[State, bool, str]]:
    view = window.vault_page.case_view
    assert view is not None
    model = view.clock_panel.model
    rows = {}
    for row in range(model.rowCount()):
        item = model.item(row)
        text = model.data(model.index(row, ClockModel.COL_STATE))
        rows[item.window.id] = (item.state, item.highlight, str(text))
    return rows


def test_the_clock_panel_shows_the_states_of_a_scenario(
    window: MainWindow, demo_accounts, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    # Exposure at 01:00 Brussels on 14 March (00:00 UTC); the clock is at 02:30 UTC.
    exposure = datetime(2026, 3, 14, 0, 0, tzinfo=UTC)
    clock.current = exposure + timedelta(hours=2, minutes=30)
    case_id = _case_with_episode(window, "2026-03-14 01:00")
    window.vault_page.case_panel.refresh()
    window._open_case(case_id)
    rows = _rows(window)
    assert rows["hiv_pep"][0] is State.OPTIMAL and not rows["hiv_pep"][1]
    assert rows["sample_oral"][0] is State.OPTIMAL
    assert rows["ec_levonorgestrel"][0] is State.NOT_APPLICABLE  # pregnancy not possible
    assert rows["sample_vaginal"][0] is State.NOT_APPLICABLE  # oral only
    # The source's HBsAg status is not asked yet: HBIG stays in sight, and says why.
    assert "may apply: a question is not answered yet" in rows["hbv_immunoglobulin"][2]
    view = window.vault_page.case_view
    assert view is not None
    # 70 h after the exposure: PEP closes in 2 h, so it is highlighted.
    clock.current = exposure + timedelta(hours=70)
    view.refresh_clock()
    rows = _rows(window)
    assert rows["hiv_pep"][:2] == (State.REDUCED, True)
    assert "changes in 2 h 00 min" in rows["hiv_pep"][2]
    assert rows["sample_oral"][0] is State.OUTSIDE
    # 72 h and one minute: closed, with the moment it closed (Brussels time).
    clock.current = exposure + timedelta(hours=72, minutes=1)
    view.refresh_clock()
    state, highlight, text = _rows(window)["hiv_pep"]
    assert state is State.CLOSED and not highlight and text.startswith("closed at")
    assert "Mar 17, 2026, 1:00:00" in text
    # The timeline describes the same clock to assistive technology.
    assert "72" in view.clock_panel.timeline.accessibleDescription()


def test_the_case_list_shows_the_next_deadline(
    window: MainWindow, demo_accounts, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    clock.current = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    _case_with_episode(window, "2026-03-14 01:00")
    window.vault_page.case_panel.refresh()
    model = window.vault_page.case_model
    texts = [model.data(model.index(r, model.COL_DEADLINE)) for r in range(model.rowCount())]
    # Several items change 24 h after the exposure: the first by id is shown, with the
    # zone, so an autumn hour that happens twice is never ambiguous. HBIG may apply until
    # the source's HBsAg status is asked.
    assert any(
        t and "Mar 15, 2026, 1:00:00\u202fAM CET" in t and "Hepatitis B immunoglobulin" in t
        for t in texts
    ), texts


def test_consent_is_recorded_from_the_keyboard_and_enforced(
    window: MainWindow, demo_accounts, qtbot
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    kb = Keyboard(qtbot)
    kb.key(Key.Key_N, ALT)
    qtbot.waitUntil(lambda: window.vault_page.case_view is not None)
    view = window.vault_page.case_view
    assert view is not None
    kb.key(Key.Key_2, CTRL)
    assert view.tabs.currentWidget() is view.consent
    kb.at("consentTable")
    kb.key(Key.Key_Down, times=1)  # forensic examination
    kb.tab()
    kb.at("recordConsent")
    kb.key(Key.Key_Space)
    dialog = view.findChild(ConsentDialog, "consentDialog")
    assert dialog is not None and dialog.item.currentData() == "forensic_exam"
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.decision.setFocus()
    kb.at("consentDecision")
    kb.choose(2)  # refused (the first is "given"; nothing is chosen until then)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.isVisible() and "explained" in dialog.message.text()  # calm, nothing lost
    dialog.explained.setFocus()
    kb.at("consentExplained")
    kb.type("The examination helps the file; it can be done later.")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert not dialog.isVisible()
    model = view.consent.model
    row = list(model._rows).index("forensic_exam")
    assert model.data(model.index(row, model.COL_DECISION)) == "refused"
    assert view.state.consents["forensic_exam"].explained.startswith("The examination")


def test_a_refused_centre_protocol_is_shown_to_the_coordinator(
    window: MainWindow, demo_accounts, paths, qapp
) -> None:  # type: ignore[no-untyped-def]
    folder = paths.vault.parent / "protocols"
    folder.mkdir()
    (folder / "ours.toml").write_text('format = 1\nid = "sac-gnt"\nversion = "1"\n[clock\n')
    coordinator = demo_accounts[Role.COORDINATOR]
    _sign_in(window, coordinator.username, coordinator.password)
    boxes = [w for w in qapp.topLevelWidgets() if w.objectName() == "protocolRefusedBox"]
    assert boxes and "sac-be/2026.1" in boxes[0].text()
    assert "ours.toml (line 4)" in boxes[0].detailedText()
    for box in boxes:
        box.close()


def test_reopening_the_open_case_shows_what_was_just_typed(
    window: MainWindow, demo_accounts, qtbot
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    window.new_case()
    view = window.vault_page.case_view
    assert view is not None
    case_id = view.state.case_id
    view.form.show_section("contact")
    phone = view.form.page_by_section["contact"].editors["safe_phone"].widget
    phone.setFocus()
    qtbot.keyClicks(phone, "0470 11 11 11")
    view.form.show_section("person")  # recorded
    view.form.show_section("contact")
    phone.setFocus()
    phone.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(phone, "0470 22 22 22")  # a correction, still a draft
    window._open_case(case_id)  # the same case again, from the list
    again = window.vault_page.case_view
    assert again is not None and again is not view
    assert again.tabs.indexOf(window.vault_page.record_tab) == 7  # the Record tab came along
    shown = again.form.page_by_section["contact"].editors["safe_phone"].value()
    assert shown == "0470 22 22 22"
    assert again.state.value("contact.safe_phone") == "0470 22 22 22"


def test_the_clock_keeps_the_selected_row_and_says_its_source(
    window: MainWindow, demo_accounts, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    clock.current = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    window._open_case(_case_with_episode(window, "2026-03-14 01:00"))
    view = window.vault_page.case_view
    assert view is not None
    panel = view.clock_panel
    panel.view.selectRow(2)
    item = panel.model.item(2)
    assert item.window.source in panel.source.text()  # for the keyboard, not only hover
    clock.current += timedelta(minutes=1)
    view.refresh_clock()
    assert panel.view.currentIndex().row() == 2 and panel.model.item(2) is not item


def test_enter_in_the_consent_dialog_never_records_a_decision(
    window: MainWindow, demo_accounts, qtbot
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    window.new_case()
    view = window.vault_page.case_view
    assert view is not None
    dialog = view.record_consent()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.at_local.setFocus()
    qtbot.keyClick(dialog.at_local, Key.Key_Return)
    assert dialog.decision.currentData() is None
    assert view.state.consents == {}
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.isVisible() and dialog.message.text()  # "choose given or refused"
    assert window.session.record.reread(view.state.case_id).consents == {}  # type: ignore[union-attr]
    dialog.reject()


def test_each_episode_field_names_its_episode_for_a_screen_reader(
    window: MainWindow, demo_accounts
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    window.new_case()
    view = window.vault_page.case_view
    assert view is not None
    episodes = view.form.page_by_section["assault"].editors["episodes"]
    episodes.add()  # type: ignore[attr-defined]
    episodes.add()  # type: ignore[attr-defined]
    names = {w.accessibleName() for w in view.findChildren(QWidget, "episodes2_at")}
    assert names == {"Episode 2: Time"}
    tabs = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert not any("&" in text for text in tabs)  # Alt letters stay for the buttons


def test_the_case_list_deadline_moves_on_with_time(
    window: MainWindow, demo_accounts, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    clock.current = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    case_id = _case_with_episode(window, "2026-03-14 01:00")
    window.vault_page.case_panel.refresh()
    model = window.vault_page.case_model

    def text() -> str:
        for row in range(model.rowCount()):
            if model.data(model.index(row, 0), CASE_ID_ROLE) == case_id:
                return str(model.data(model.index(row, model.COL_DEADLINE)))
        raise AssertionError("case not listed")

    assert text().startswith("Mar 15, 2026, 1:00:00")
    clock.current = datetime(2026, 3, 15, 6, 0, tzinfo=UTC)  # past the 24 h points
    model.refresh_deadlines()  # what the panel's one-minute timer does
    assert text().startswith("Mar 16, 2026, 1:00:00")  # oral swabs, 48 h


def test_a_new_case_without_episodes_speaks_of_no_other_episode(
    window: MainWindow, demo_accounts
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    window.new_case()
    rows = _rows(window)
    assert rows["hbv_vaccine"][0] is State.OPTIMAL  # no closing time: possible any time
    assert "another episode" not in rows["hbv_vaccine"][2]
    assert rows["hiv_pep"][0] is State.UNKNOWN
    arrival = window.vault_page.case_view.form.page_by_section["arrival"]  # type: ignore[union-attr]
    assert arrival.editors["arrived_at"].widget.placeholderText() == "yyyy-mm-dd hh:mm"  # type: ignore[attr-defined]
