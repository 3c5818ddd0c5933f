"""Aftercare: contacts within the person's preferences, the partner directory and
referrals, the combined morning round by role, closing and reopening a case. Rules
(``domain.aftercare``) and use cases (``services.aftercare``) on a real vault."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sac_desktop.domain import aftercare as ac
from sac_desktop.domain.audit import Action
from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.services.aftercare import (
    AftercareProblems,
    AftercareRefused,
    seed_partners,
)
from sac_desktop.services.permissions import Forbidden
from sac_desktop.services.psychology import consultation_values
from sac_desktop.services.record import CaseClosed
from sac_desktop.services.session import Session
from sac_desktop.storage import audit_log, records
from tests.helpers.cases import consent

BRUSSELS = ZoneInfo("Europe/Brussels")


def wall(moment: datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BRUSSELS).astimezone(UTC)


def _as(session: Session, role: Role) -> Session:
    return Session(session.vault, Actor(f"{role.value}-x", role), session.trail.clock, [])


# -- rules: contact hours ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("18:00-20:00", ((1080, 1200),)),
        ("after 18h", ((1080, 1440),)),
        ("na 18 uur", ((1080, 1440),)),
        ("après 18h30", ((1110, 1440),)),
        ("9-12 and 14-16", ((540, 720), (840, 960))),
        ("9h à 12h, ab 19 Uhr", ((540, 720), (1140, 1440))),
        ("before 9", ((0, 540),)),
        ("21-7", ((0, 420), (1260, 1440))),
        ("18u-20u", ((1080, 1200),)),
        ("9:30-12", ((570, 720),)),
        ("18.00-20.00", ((1080, 1200),)),
        ("tussen 18 en 20 uur", ((1080, 1200),)),
        ("entre 18h et 20h", ((1080, 1200),)),
        ("zwischen 18 und 20 Uhr", ((1080, 1200),)),
        ("tussen 9 en 12 of na 18u", ((540, 720), (1080, 1440))),
    ],
)
def test_contact_hours_are_read_as_staff_write_them(
    text: str, spans: tuple[tuple[int, int], ...]
) -> None:
    assert ac.parse_hours(text) == spans


@pytest.mark.parametrize(
    "text",
    [
        "",
        "weekends only",
        "not at home",
        "25-27",
        "10-10",
        # a negation, a 12-hour clock or a weekday is never half understood
        "niet voor 10u",
        "not before 10",
        "jamais avant 10h",
        "nicht vor 10 Uhr",
        "niet na 20u",
        "after 6pm",
        "1-3 pm",
        "weekdays 18-20",
        "10",
    ],
)
def test_hours_that_cannot_be_read_are_not_enforced(text: str) -> None:
    assert ac.parse_hours(text) is None
    prefs = ac.preferences({"contact_hours": text})
    assert prefs.hours is None and prefs.hours_unreadable is bool(text)
    noon = datetime(2026, 3, 20, 12, 0)
    assert ac.check_contact_time(noon, ac.Channel.PHONE, prefs) is None


def test_a_planned_call_moves_to_the_first_safe_moment_of_its_window() -> None:
    evening = ((18 * 60, 20 * 60),)
    zone = "Europe/Brussels"
    # 03:20 at night: the same day's 18:00
    assert wall(ac.fit_into_hours(at("2026-03-15 03:20"), None, evening, zone)) == (
        "2026-03-15 18:00"
    )
    # 21:00: the next day's 18:00, within the window
    until = at("2026-03-17 03:00")
    assert wall(ac.fit_into_hours(at("2026-03-15 21:00"), until, evening, zone)) == (
        "2026-03-16 18:00"
    )
    # already safe: unchanged; nothing safe before the window ends: unchanged
    assert ac.fit_into_hours(at("2026-03-15 18:30"), None, evening, zone) == at("2026-03-15 18:30")
    tight = at("2026-03-15 22:00")
    assert ac.fit_into_hours(at("2026-03-15 21:00"), tight, evening, zone) == at("2026-03-15 21:00")


def test_outcome_rules() -> None:
    no_voicemail = ac.preferences({"voicemail_ok": "no"})
    fields = {p.field for p in ac.check_outcome({"outcome": "x"}, no_voicemail)}
    assert fields == {"outcome"}
    left = {"outcome": "not_reached", "voicemail_left": True}
    assert {p.field for p in ac.check_outcome(left, no_voicemail)} == {"voicemail_left"}
    assert ac.check_outcome(left, ac.preferences({"voicemail_ok": "yes"})) == []
    assert {p.field for p in ac.check_outcome({"outcome": "rescheduled"}, no_voicemail)} == {
        "next_local"
    }
    declined = {"outcome": "declined", "next_local": "2026-04-01 18:00"}
    assert {p.field for p in ac.check_outcome(declined, no_voicemail)} == {"next_local"}


# -- the service ------------------------------------------------------------------------------
CONTACT = {
    "safe_phone": "+32 470 00 00 00",
    "voicemail_ok": "no",
    "no_letters_home": "yes",
    "contact_hours": "18:00-20:00",
}


def make_case(session: Session, **sections: Any) -> str:
    case_id, _ = session.record.create_case()
    base: dict[str, dict[str, Any]] = {
        "arrival": {"arrived_at": "2026-03-14 03:00"},
        "person": {"age_years": 24, "gender": "woman"},
        "contact": CONTACT,
    }
    for section, values in {**base, **sections}.items():
        session.record.record_fields(case_id, section, values)
    episode = {"time_kind": "exact", "at": "2026-03-13 22:00", "acts": ["vaginal"]}
    session.record.record_fields(case_id, "assault", {"episodes": [episode]})
    return case_id


def calls(session: Session, case_id: str) -> dict[str, Any]:
    state = session.record.open_case(case_id)
    return {c.id: c for c in session.aftercare.contacts(state)}


def test_the_plan_puts_each_call_at_the_first_safe_hour_the_person_gave(
    session: Session,
) -> None:
    case_id = make_case(session)
    session.checklist.plan_followups(case_id)
    planned = {k: wall(c.due_utc) for k, c in calls(session, case_id).items()}
    assert planned == {
        "call_3d": "2026-03-16 18:00",  # visit + 2 days (03:00), at 18:00
        # exposure + 38 days: 23:00 in summer time, so the next evening
        "call_6w": "2026-04-21 18:00",
        "call_3m": "2026-06-08 18:00",
        "call_6m": "2026-09-06 18:00",
    }
    state = session.record.open_case(case_id)
    assert all(c.channel == "phone" and c.kind == "call" for c in session.aftercare.contacts(state))
    prefs = session.aftercare.preferences(state)
    assert prefs.safe_phone == CONTACT["safe_phone"] and not prefs.voicemail_allowed
    assert not prefs.letters_allowed and prefs.hours == ((1080, 1200),)


def test_the_scenario_calls_over_three_months_with_one_unreachable(
    session: Session, clock: FixedClock
) -> None:
    case_id = make_case(session)
    session.checklist.plan_followups(case_id)
    service = session.aftercare

    clock.current = at("2026-03-16 18:05")
    service.record_outcome(
        case_id,
        "call_3d",
        {"outcome": "reached", "note": "sleeping badly", "next_step": "psychologist appointment"},
    )
    # six weeks: no answer; no voicemail may be left for this person
    clock.current = at("2026-04-21 18:02")
    with pytest.raises(AftercareProblems) as problems:
        service.record_outcome(
            case_id, "call_6w", {"outcome": "not_reached", "voicemail_left": True}
        )
    assert {p.field for p in problems.value.problems} == {"voicemail_left"}
    # a retry outside the safe hours is refused, inside them planned
    with pytest.raises(AftercareProblems) as problems:
        service.record_outcome(
            case_id, "call_6w", {"outcome": "not_reached", "next_local": "2026-04-22 10:00"}
        )
    assert {p.field for p in problems.value.problems} == {"next_local"}
    assert "18:00-20:00" in problems.value.problems[0].params["hours"]
    retry = service.record_outcome(
        case_id, "call_6w", {"outcome": "not_reached", "next_local": "2026-04-22 18:30"}
    )
    assert retry.startswith("contact-")
    clock.current = at("2026-04-22 18:31")
    service.record_outcome(case_id, retry, {"outcome": "not_reached", "note": "no answer again"})
    # three months: reached
    clock.current = at("2026-06-08 18:10")
    service.record_outcome(case_id, "call_3m", {"outcome": "reached", "next_step": "6-month call"})

    found = calls(session, case_id)
    outcomes = {k: (c.status.value, c.outcome) for k, c in found.items()}
    assert outcomes == {
        "call_3d": ("done", "reached"),
        "call_6w": ("missed", "not_reached"),
        retry: ("missed", "not_reached"),
        "call_3m": ("done", "reached"),
        "call_6m": ("planned", ""),
    }
    assert found["call_3d"].next_step == "psychologist appointment"
    assert found[retry].step == "call_6w" and found[retry].note == "no answer again"
    state = session.record.open_case(case_id)
    history = service.contact_history(state, "call_6w")
    assert [v.status.value for v in history] == ["planned", "missed"]
    # a contact with its outcome takes no second one
    with pytest.raises(AftercareRefused):
        service.record_outcome(case_id, "call_3d", {"outcome": "reached"})


def test_a_contact_by_hand_stays_within_the_preferences(session: Session) -> None:
    case_id = make_case(session)
    service = session.aftercare
    with pytest.raises(AftercareProblems) as problems:
        service.add_contact(case_id, {"due_local": "2026-03-20 18:30", "channel": "letter"})
    assert {p.field for p in problems.value.problems} == {"channel"}
    with pytest.raises(AftercareProblems):
        service.add_contact(case_id, {"due_local": "2026-03-20 09:00", "channel": "phone"})
    with pytest.raises(AftercareProblems):
        service.add_contact(case_id, {"due_local": "2026-03-29 02:30", "channel": "in_person"})
    # at the centre, the phone hours do not apply
    visit = service.add_contact(case_id, {"due_local": "2026-03-20 10:00", "channel": "in_person"})
    phone = service.add_contact(case_id, {"due_local": "2026-03-20 19:00", "note": "results"})
    found = calls(session, case_id)
    assert found[visit].channel == "in_person" and found[phone].channel == "phone"
    assert wall(found[phone].due_utc) == "2026-03-20 19:00" and found[phone].step == "contact"
    # rescheduled: the same contact at its new time
    assert (
        service.record_outcome(
            case_id, phone, {"outcome": "rescheduled", "next_local": "2026-03-21 18:15"}
        )
        == phone
    )
    moved = calls(session, case_id)[phone]
    assert wall(moved.due_utc) == "2026-03-21 18:15" and moved.outcome == "rescheduled"
    assert moved.status.value == "planned"


def test_declining_further_contact_ends_the_calls_and_the_plan_makes_no_new_ones(
    session: Session, clock: FixedClock
) -> None:
    case_id = make_case(session)
    session.checklist.plan_followups(case_id)
    clock.current = at("2026-03-16 18:05")
    session.aftercare.record_outcome(case_id, "call_3d", {"outcome": "declined"})
    found = calls(session, case_id)
    assert {k: c.status.value for k, c in found.items()} == {
        "call_3d": "cancelled",
        "call_6w": "cancelled",
        "call_3m": "cancelled",
        "call_6m": "cancelled",
    }
    assert found["call_3d"].outcome == "declined"
    # a new episode moves the plan: calls stay ended (the medical plan still follows)
    session.record.record_fields(
        case_id,
        "assault",
        {"episodes": [{"time_kind": "exact", "at": "2026-03-13 23:00", "acts": ["vaginal"]}]},
    )
    assert all(c.status.value == "cancelled" for c in calls(session, case_id).values())
    with pytest.raises(AftercareProblems) as problems:
        session.aftercare.add_contact(case_id, {"due_local": "2026-03-25 18:30"})
    assert {p.field for p in problems.value.problems} == {"note"}
    again = session.aftercare.add_contact(
        case_id, {"due_local": "2026-03-25 18:30", "note": "the person called and asked for it"}
    )
    state = session.record.open_case(case_id)
    assert not state.aftercare.contact_declined
    assert state.followups[again].status.value == "planned"


# -- partners and referrals -------------------------------------------------------------------
def test_each_centre_starts_with_its_own_partners_and_nothing_invented() -> None:
    brussels = {(p.type, p.community) for p in seed_partners("BXL")}
    assert ("victim_support", "flemish") in brussels and ("victim_support", "french") in brussels
    assert {p.name for p in seed_partners("BXL") if p.type == "child_protection"} == {
        "Vertrouwenscentrum Kindermishandeling (VK)",
        "SOS-Enfants",
    }
    liege = seed_partners("LIE")
    assert {p.community for p in liege} == {"french"}
    assert any(p.type == "hiv_reference_centre" and "CHU Liège" in p.name for p in liege)
    assert all(not p.address and not p.hours for p in liege)  # the coordinator fills them
    assert [p.phone for p in seed_partners("GNT") if p.type == "child_protection"] == ["1712"]
    assert all(p.consent_item == f"referral.{p.type}" for p in liege)


def test_the_directory_is_the_coordinators_and_audited(session: Session) -> None:
    nurse = session.aftercare
    with pytest.raises(Forbidden):
        nurse.save_partner({"name": "x", "type": "shelter"})
    coordinator = _as(session, Role.COORDINATOR).aftercare
    with pytest.raises(AftercareProblems) as problems:
        coordinator.save_partner({"name": "", "type": "bakery", "phone": "call us"})
    assert {p.field for p in problems.value.problems} == {"name", "type", "phone"}
    shelter = coordinator.save_partner(
        {
            "name": "Synthetic Shelter",
            "type": "shelter",
            "community": "bilingual",
            "languages": ["nl", "fr"],
            "address": "Synthetic street 1, Brussel",
            "phone": "+32 2 000 00 00",
            "hours": "24/7",
        }
    )
    assert any(p.id == shelter and p.hours == "24/7" for p in nurse.partners())
    first = nurse.partners()[0]
    values = {**ac.partner_values(first), "active": False}
    coordinator.save_partner(values, first.id)
    assert first.id not in {p.id for p in nurse.partners()}
    assert first.id in {p.id for p in nurse.partners(include_inactive=True)}
    changes = audit_log.records_with_action(session.vault.conn, Action.SETTING_CHANGE)
    assert len(changes) == 2 and all("partners" in (r.reason or "") for r in changes)


def _partner(session: Session, kind: str) -> str:
    return next(p.id for p in session.aftercare.partners() if p.type == kind)


def test_a_referral_needs_the_consent_for_that_referral(session: Session) -> None:
    case_id = make_case(session)
    victim_support = _partner(session, "victim_support")
    values = {"partner_id": victim_support, "reason": "support with the complaint"}
    with pytest.raises(AftercareRefused) as refused:
        session.aftercare.refer(case_id, values)
    assert refused.value.params["item"] == "Victim support (Justice Houses)"
    consent(session.record, case_id, "referral.victim_support", "refused")
    with pytest.raises(AftercareRefused):
        session.aftercare.refer(case_id, values)
    consent(session.record, case_id, "referral.victim_support")
    referral = session.aftercare.refer(
        case_id, {**values, "at_local": "2026-03-14 05:00", "warm_handover": True}
    )
    session.aftercare.update_referral(case_id, referral, {"outcome": "accepted", "note": "met"})
    state = session.record.open_case(case_id)
    (record,) = session.aftercare.referrals(state)
    assert record.partner_name == "Slachtofferonthaal (Justitiehuis)" and record.warm_handover
    assert record.outcome is ac.ReferralOutcome.ACCEPTED and record.note == "met"
    assert record.consent_item == "referral.victim_support" and record.at_local.startswith(
        "2026-03-14 05:00"
    )
    assert len(session.aftercare.referral_history(state, referral)) == 2
    # consent withdrawn: no new referral of that kind
    consent(session.record, case_id, "referral.victim_support", "withdrawn")
    with pytest.raises(AftercareRefused):
        session.aftercare.refer(case_id, values)
    # a partner a case is not referred to, and an unknown one
    coordinator = _as(session, Role.COORDINATOR).aftercare
    police = coordinator.save_partner({"name": "Synthetic police zone", "type": "police"})
    with pytest.raises(AftercareRefused):
        session.aftercare.refer(case_id, {"partner_id": police, "reason": "r"})
    with pytest.raises(AftercareRefused):
        session.aftercare.refer(case_id, {"partner_id": "nobody", "reason": "r"})


def test_a_minors_case_prompts_child_protection_until_referred(session: Session) -> None:
    case_id = make_case(
        session,
        person={"age_years": 15, "gender": "woman"},
        minor={"child_protection": "not_yet"},
    )
    state = session.record.open_case(case_id)
    prompt = session.aftercare.child_protection_prompt(state)
    assert prompt is not None and not prompt.referred and prompt.intake_decision == "not_yet"
    assert set(prompt.bodies) == {"Vertrouwenscentrum Kindermishandeling (VK)", "SOS-Enfants"}
    consent(session.record, case_id, "referral.child_protection", given_by="proxy",
            proxy_name="Parent Synthetic", proxy_relation="parent")  # fmt: skip
    session.aftercare.refer(
        case_id, {"partner_id": _partner(session, "child_protection"), "reason": "a minor"}
    )
    state = session.record.open_case(case_id)
    prompt = session.aftercare.child_protection_prompt(state)
    assert prompt is not None and prompt.referred
    # an adult's case has no prompt
    adult = make_case(session)
    assert session.aftercare.child_protection_prompt(session.record.open_case(adult)) is None


# -- the morning round by role -------------------------------------------------------------------
def test_the_morning_round_holds_visits_calls_and_appointments_by_role(
    session: Session, clock: FixedClock
) -> None:
    case_id = make_case(session)
    session.checklist.plan_followups(case_id)
    psych = _as(session, Role.PSYCHOLOGIST)
    psych.psychology.record_consultation(
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
    today = at("2026-03-16 08:00")

    def steps(s: Session, mine: bool) -> dict[str, list[tuple[str, str]]]:
        kinds = s.checklist.round_kinds(mine)
        found = s.checklist.due(today, kinds=kinds)
        return {k: [(r.kind, r.step) for r in v] for k, v in found.items()}

    nurse = steps(session, True)
    assert ("call", "call_3d") in nurse["today"] and ("visit", "bruise_review") in nurse["today"]
    assert all(kind != "psychology" for rows in nurse.values() for kind, _ in rows)
    assert session.checklist.round_kinds(False) == ("visit", "call", "psychology")
    everything = steps(session, False)
    assert ("psychology", "psychology_appointment") in everything["today"]
    assert steps(psych, True)["today"] == [("psychology", "psychology_appointment")]
    physician = _as(session, Role.PHYSICIAN)
    assert all(k == "visit" for rows in steps(physician, True).values() for k, _ in rows)
    # never more than the role may see, whatever is asked
    police = _as(session, Role.POLICE_INSPECTOR)
    with pytest.raises(Forbidden):
        police.checklist.due(today, kinds=("psychology",))
    # the appointment is held once the psychologist sees the person that day
    psych.psychology.record_consultation(
        case_id,
        {
            "subject": "person",
            "at_local": "2026-03-16 14:05",
            "duration_min": 50,
            "risk_level": "low",
            "suicide_risk": "none",
        },
    )
    assert steps(psych, True)["today"] == []
    state = psych.record.open_case(case_id)
    (held,) = psych.psychology.appointments(state)
    assert held.status.value == "done" and held.subject == "person"
    # a nurse sees that it took place, not with whom
    state = session.record.open_case(case_id)
    (seen,) = session.psychology.appointments(state)
    assert seen.hidden and seen.from_consultation == "" and seen.status.value == "done"


# -- closing and reopening -------------------------------------------------------------------
def test_a_case_is_closed_when_its_aftercare_is_over_and_reopened_both_audited(
    session: Session, clock: FixedClock
) -> None:
    case_id = make_case(session)
    session.checklist.plan_followups(case_id)
    service = session.aftercare
    with pytest.raises(AftercareProblems):
        service.close_case(case_id, "other")  # "other" needs the words
    with pytest.raises(AftercareRefused) as refused:
        service.close_case(case_id, "completed")
    assert refused.value.params["count"] > 0
    coordinator = _as(session, Role.COORDINATOR).aftercare
    with pytest.raises(AftercareRefused):
        coordinator.close_case(case_id, "lost", end_open=True)
    service.close_case(case_id, "lost", note="three calls unanswered", end_open=True)
    state = session.record.open_case(case_id)
    closed = state.aftercare.closed
    assert closed is not None and closed.reason is ac.CloseReason.LOST
    assert closed.note == "three calls unanswered" and "call_6m" in closed.ended
    assert all(f.status.value == "cancelled" for f in state.followups.values())
    (row,) = [r for r in session.record.list_cases() if r.case_id == case_id]
    assert row.closed_utc is not None
    # readable, but what a closed case does not take is refused
    with pytest.raises(CaseClosed):
        session.record.record_fields(case_id, "medical", {"allergies": "none"})
    with pytest.raises(CaseClosed):
        service.add_contact(case_id, {"due_local": "2026-03-20 18:30"})
    with pytest.raises(AftercareRefused):
        service.close_case(case_id, "completed")
    # a consent can still be withdrawn
    consent(session.record, case_id, "medical_care")
    consent(session.record, case_id, "medical_care", "withdrawn")
    with pytest.raises(AftercareProblems):
        service.reopen_case(case_id, " ")
    coordinator.reopen_case(case_id, "the person called back")
    state = session.record.open_case(case_id)
    assert state.aftercare.closed is None
    assert [type(c).__name__ for c in state.aftercare.closings] == ["Closure", "Reopening"]
    (row,) = [r for r in session.record.list_cases() if r.case_id == case_id]
    assert row.closed_utc is None
    session.record.record_fields(case_id, "medical", {"allergies": "none"})
    entries = {e.id: e for e in records.entries_for_case(session.vault.conn, case_id)}
    closing = [e for e in entries.values() if e.kind in ("case.closed", "case.reopened")]
    assert [(e.kind, e.author) for e in closing] == [
        ("case.closed", "nurse-1"),
        ("case.reopened", "coordinator-x"),
    ]
    # each is in the audit trail: who wrote which entry
    audited = {
        r.entry_id: r.actor
        for r in audit_log.records_for_case(session.vault.conn, case_id)
        if r.action == Action.ENTRY_WRITE
    }
    assert all(audited[e.id] == e.author for e in closing)


def test_a_planned_psychological_appointment_is_the_psychologists_to_end(
    session: Session,
) -> None:
    case_id = make_case(session)
    psych = _as(session, Role.PSYCHOLOGIST)
    psych.psychology.record_consultation(
        case_id,
        {
            "subject": "person",
            "at_local": "2026-03-14 10:00",
            "duration_min": 45,
            "risk_level": "low",
            "suicide_risk": "none",
            "next_appointment": "2026-03-21 10:00",
        },
    )
    with pytest.raises(AftercareRefused):
        session.aftercare.close_case(case_id, "completed")
    state = psych.record.open_case(case_id)
    (appointment,) = psych.psychology.appointments(state)
    with pytest.raises(Forbidden):
        session.psychology.update_appointment(case_id, appointment.id, "cancelled")
    psych.psychology.update_appointment(case_id, appointment.id, "cancelled")
    session.aftercare.close_case(case_id, "completed")
    assert session.record.open_case(case_id).aftercare.closed is not None


def test_a_call_is_never_changed_as_a_bare_follow_up(session: Session) -> None:
    """Moved to 03:00, or back to planned after the person declined, from the Medical
    tab's follow-up buttons: refused; its outcome is the Aftercare tab's."""
    from sac_desktop.services.checklist import Refused

    case_id = make_case(session)
    session.checklist.plan_followups(case_id)
    with pytest.raises(Refused):
        session.checklist.update_followup(case_id, "call_3d", "planned", "2026-03-17 03:00")
    with pytest.raises(Refused):
        session.checklist.update_followup(case_id, "call_3d", "done")
    assert calls(session, case_id)["call_3d"].status.value == "planned"


def test_changed_contact_hours_move_the_planned_calls_not_those_moved_by_hand(
    session: Session,
) -> None:
    case_id = make_case(session)
    session.checklist.plan_followups(case_id)
    session.aftercare.record_outcome(
        case_id, "call_3m", {"outcome": "rescheduled", "next_local": "2026-06-09 19:00"}
    )
    session.record.record_fields(case_id, "contact", {"contact_hours": "9-12"})
    planned = {k: wall(c.due_utc) for k, c in calls(session, case_id).items()}
    assert planned["call_3d"] == "2026-03-16 09:00"  # 03:00 on its day: 09:00
    assert planned["call_6w"] == "2026-04-21 09:00"  # 23:00 the day before: the next 09:00
    assert planned["call_3m"] == "2026-06-09 19:00"  # moved by a person: left alone


def test_unreadable_hours_are_shown_and_calls_go_to_office_hours(session: Session) -> None:
    case_id = make_case(session, contact={"contact_hours": "niet voor 10u"})
    session.checklist.plan_followups(case_id)
    state = session.record.open_case(case_id)
    prefs = session.aftercare.preferences(state)
    assert prefs.hours is None and prefs.hours_unreadable
    assert all(wall(c.due_utc).endswith("09:00") for c in session.aftercare.contacts(state))
    # nothing is refused on hours that could not be read
    session.aftercare.add_contact(case_id, {"due_local": "2026-03-20 09:30"})


def test_a_draft_on_a_case_closed_meanwhile_stays_a_draft(session: Session) -> None:
    case_id = make_case(session)
    session.record.save_draft(case_id, "notes", {"text": "typed before the closing"})
    session.aftercare.close_case(case_id, "completed")
    assert session.record.commit_all_drafts() == 0
    assert session.record.stuck_drafts == 1
    with pytest.raises(CaseClosed):
        session.record.save_draft(case_id, "notes", {"text": "typed after"})
    assert session.record.draft(case_id, "notes") == {"text": "typed before the closing"}


def test_what_a_closed_case_still_takes_and_what_a_reopening_restores(
    session: Session, clock: FixedClock
) -> None:
    case_id = make_case(session)
    session.checklist.plan_followups(case_id)
    consent(session.record, case_id, "referral.victim_support")
    referral = session.aftercare.refer(
        case_id, {"partner_id": _partner(session, "victim_support"), "reason": "support"}
    )
    session.aftercare.close_case(case_id, "referred", end_open=True)
    # care continues with the partner: how the referral went is still recorded
    session.aftercare.update_referral(case_id, referral, {"outcome": "accepted"})
    state = session.record.open_case(case_id)
    record = state.aftercare.referrals[referral]
    assert record.outcome is ac.ReferralOutcome.ACCEPTED
    assert record.consent_entry == state.consents["referral.victim_support"].entry_id
    ended = {k: c.ended_by for k, c in calls(session, case_id).items()}
    assert set(ended.values()) == {"closure"}
    clock.current = at("2026-05-01 12:00")
    session.aftercare.reopen_case(case_id, "the person asked for more support")
    found = calls(session, case_id)
    # the calls still to come are planned again; those whose time passed stay ended
    assert found["call_3m"].status.value == "planned" and found["call_6m"].status.value == "planned"
    assert found["call_3d"].status.value == "cancelled"


def test_an_appointment_is_held_only_by_a_consultation_at_its_time(session: Session) -> None:
    case_id = make_case(session)
    psych = _as(session, Role.PSYCHOLOGIST)
    base = {"subject": "person", "duration_min": 45, "risk_level": "low", "suicide_risk": "none"}
    first = psych.psychology.record_consultation(
        case_id, {**base, "at_local": "2026-03-14 10:00", "next_appointment": "2026-03-21 15:00"}
    )

    def appointment() -> Any:
        (found,) = psych.psychology.appointments(psych.record.open_case(case_id))
        return found

    assert appointment().id != first  # its own id: it names no consultation to others
    # a crisis call in the morning of that day does not stand in for the 15:00 appointment
    psych.psychology.record_consultation(case_id, {**base, "at_local": "2026-03-21 09:00"})
    assert appointment().status.value == "planned"
    # moved by the psychologist; a typo fixed in the first consultation leaves it moved
    psych.psychology.update_appointment(case_id, appointment().id, "planned", "2026-03-22 15:00")
    state = psych.record.open_case(case_id)
    values = consultation_values(state.psychology.consultations[first])
    psych.psychology.amend_consultation(case_id, first, {**values, "plan": "typo fixed"})
    assert appointment().at_local == "2026-03-22 15:00"
    # seen at 14:10 that day: held
    psych.psychology.record_consultation(case_id, {**base, "at_local": "2026-03-22 14:10"})
    assert appointment().status.value == "done"


def test_a_re_offer_before_its_deadline_falls_in_the_persons_hours(session: Session) -> None:
    """PEP declined at 03:30; the deadline is 72 h after the assault (16 March 22:00): the
    re-offer, due 12 h before it (10:00), goes to 18:00, still before the deadline."""
    case_id = make_case(session)
    session.checklist.set_item(case_id, "hiv_pep", {"status": "offered"})
    session.checklist.set_item(
        case_id,
        "hiv_pep",
        {"status": "declined", "explained": "28-day course, side effects, why before 72 h"},
    )
    state = session.record.open_case(case_id)
    reoffer = state.followups["reoffer_hiv_pep"]
    assert wall(reoffer.due_utc) == "2026-03-16 18:00"
    assert reoffer.until_utc is not None and wall(reoffer.until_utc) == "2026-03-16 22:00"
