"""The support circle and psychological consultations: the rules (``domain.psychology``)
and the use cases (``services.psychology``) on a real vault, with sessions for several
roles on one vault. The heart of it: only psychologists read a consultation's content,
through every route a state leaves the services by."""

from __future__ import annotations

from typing import Any

import pytest

from sac_desktop.domain import psychology as psy
from sac_desktop.domain.entries import KIND_CIRCLE_MEMBER, KIND_CONSULTATION, Entry
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.services.case_list import CaseQuery
from sac_desktop.services.permissions import Area, Forbidden, Op, allowed
from sac_desktop.services.psychology import (
    PsychologyProblems,
    PsychologyRefused,
    consultation_values,
    member_values,
)
from sac_desktop.services.session import Session
from sac_desktop.storage import audit_log, records

#: Synthetic words that only a consultation's content holds.
WORDS = (
    "zebra-lanterns",
    "quasar-teacups",
    "marmalade-glaciers",
    "velvet-thunder",
    "harbour-origami",
    "copper-nightingale",
    "tundra-pianos",
    "saffron-avalanche",
)
PARENT = "Parent Synthetic"


def _as(session: Session, role: Role) -> Session:
    return Session(session.vault, Actor(f"{role.value}-x", role), session.trail.clock, [])


def person_values(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "subject": "person",
        "at_local": "2026-03-14 10:00",
        "duration_min": 50,
        "present": "the person alone, zebra-lanterns",
        "psychoeducation": "normal reactions explained, quasar-teacups",
        "reactions": "marmalade-glaciers",
        "risk_level": "moderate",
        "suicide_risk": "low",
        "plan": "velvet-thunder",
        "next_appointment": "2026-03-21 10:00",
    }
    base.update(changes)
    return base


def parent_values(subject: str, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "subject": subject,
        "at_local": "2026-03-14 11:00",
        "duration_min": 30,
        "present": "the parent, copper-nightingale",
        "reactions": "tundra-pianos",
        "risk_level": "none",
        "suicide_risk": "none",
    }
    base.update(changes)
    return base


def fields(problems: list[psy.PsychologyProblem]) -> set[str]:
    return {p.field for p in problems}


# -- rules ------------------------------------------------------------------------------
def test_a_complete_consultation_passes() -> None:
    assert psy.check_consultation(person_values(), member_ids=()) == []
    assert psy.check_consultation(parent_values("m-1"), member_ids=("m-1",)) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "m-unknown"}, "subject"),
        ({"at_local": ""}, "at_local"),
        ({"at_local": "14/03/2026 ten"}, "at_local"),
        ({"at_local": "2026-03-29 02:30"}, "at_local"),  # the skipped hour in Brussels
        ({"duration_min": 0}, "duration_min"),
        ({"duration_min": 601}, "duration_min"),
        ({"duration_min": "50"}, "duration_min"),
        ({"duration_min": True}, "duration_min"),
        ({"duration_min": 12.5}, "duration_min"),
        ({"duration_min": None}, "duration_min"),
        ({"risk_level": None}, "risk_level"),
        ({"risk_level": "severe"}, "risk_level"),
        ({"suicide_risk": ""}, "suicide_risk"),
        ({"risk_level": "high"}, "action_taken"),
        ({"suicide_risk": "high", "action_taken": "  "}, "action_taken"),
        ({"next_appointment": "next week"}, "next_appointment"),
        ({"next_appointment": "2026-03-14 09:00"}, "next_appointment"),  # before it
    ],
)
def test_a_consultation_that_cannot_be_recorded_names_its_field(
    changes: dict[str, Any], field: str
) -> None:
    problems = psy.check_consultation(person_values(**changes), member_ids=("m-1",))
    assert field in fields(problems)
    assert all(p.message for p in problems)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "A", "relation": "cousin"}, "relation"),
        ({"name": "A", "language": "xx"}, "language"),
        ({"name": "A", "phone": "call me"}, "phone"),
        ({"name": "A", "phone": "12"}, "phone"),
        ({"name": "A", "contact_consent": "maybe"}, "contact_consent"),
        (
            {"name": "A", "contact_consent": "yes", "contact_consent_at": "soon"},
            "contact_consent_at",
        ),
        ({"name": "A", "contact_consent_at": "2026-03-14 10:00"}, "contact_consent"),
        ({"name": "A", "wants_support": "perhaps"}, "wants_support"),
    ],
)
def test_a_member_that_cannot_be_recorded_names_its_field(
    values: dict[str, Any], field: str
) -> None:
    assert field in fields(psy.check_member(values))


def test_masking_keeps_only_that_it_took_place() -> None:
    payload = {**psy.normalise_consultation(parent_values("m-1")), "id": "c-1"}
    meta = Entry(
        "e-1",
        "case-1",
        psy.KIND_CONSULTATION,
        1,
        payload,
        "psy-1",
        "psychologist",
        _utc(),
        "Europe/Brussels",
        60,
        "none",
    )
    record = psy.consultation_from_payload(payload, meta)
    hidden = psy.mask(record)
    assert hidden.hidden and hidden.subject == "circle"
    assert hidden.subject_kind is psy.SubjectKind.CIRCLE
    assert (hidden.at_local, hidden.duration_min, hidden.author) == (
        "2026-03-14 11:00",
        30,
        "psy-1",
    )
    assert hidden.risk_level is None and hidden.suicide_risk is None
    assert not any(w in repr(hidden) for w in WORDS) and "m-1" not in repr(hidden)


def _utc():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


# -- the service on a real vault --------------------------------------------------------------
@pytest.fixture
def case(session: Session) -> str:
    """A nurse's case: a parent came along; an old-style psychology field note too."""
    case_id, _ = session.record.create_case()
    session.record.record_fields(
        case_id,
        "companions",
        {"people": [{"name": PARENT, "relation": "parent", "wants_support": "yes"}]},
    )
    session.record.record_fields(case_id, "arrival", {"how": "taxi"})
    session.record.record_fields(case_id, "identity", {"name": "Synthetic Name Marker"})
    return case_id


@pytest.fixture
def psych(session: Session) -> Session:
    return _as(session, Role.PSYCHOLOGIST)


@pytest.fixture
def seen(psych: Session, case: str) -> dict[str, str]:
    """The scenario: the person and the parent each seen by the psychologist; the
    person's consultation signed off, then amended with a reason."""
    person_id = psych.psychology.record_consultation(case, person_values())
    state = psych.record.open_case(case)
    (seed,) = psych.psychology.members(state)
    parent_id = psych.psychology.record_consultation(case, parent_values(seed.id))
    psych.psychology.sign_off(case, person_id)
    psych.psychology.amend_consultation(
        case,
        person_id,
        person_values(suicide_risk="high", action_taken="safety plan, saffron-avalanche"),
        reason="risk reassessed harbour-origami",
    )
    psych.record.record_fields(case, "psychology", {"note": "old-style note zebra-lanterns"})
    return {"person": person_id, "parent": parent_id}


def test_the_scenario_the_person_and_a_parent_seen_signed_off_and_amended(
    psych: Session, case: str, seen: dict[str, str]
) -> None:
    service = psych.psychology
    state = psych.record.open_case(case)
    # The intake's companion was recorded as a member when the parent was seen.
    (parent,) = service.members(state)
    assert parent.recorded and parent.name == PARENT and parent.relation == "parent"
    assert parent.from_companion == "companion-1" and parent.wants_support == "yes"

    (person,) = service.person_consultations(state)
    (theirs,) = service.circle_consultations(state)
    assert [c.id for c in service.consultations(state)] == [seen["person"], seen["parent"]]
    assert theirs.id == seen["parent"] and theirs.subject == parent.id
    assert service.subject_name(state, theirs) == PARENT
    assert not theirs.signed_off and not theirs.hidden

    assert person.id == seen["person"] and person.signed_off
    assert person.suicide_risk is psy.RiskLevel.HIGH
    assert person.amended_reason == "risk reassessed harbour-origami"
    first, second = service.consultation_history(state, person.id)
    assert first.signed_off and first.suicide_risk is psy.RiskLevel.LOW
    assert first.amended_reason == "" and second.supersedes == first.entry_id
    assert second.signed_by == first.signed_by == "psychologist-x"
    kinds = [e.kind for e in records.entries_for_case(psych.vault.conn, case)]
    assert kinds.count(KIND_CONSULTATION) == 3 and kinds.count(KIND_CIRCLE_MEMBER) == 1


def test_after_sign_off_a_change_needs_a_reason_before_it_does_not(
    psych: Session, case: str, seen: dict[str, str]
) -> None:
    service = psych.psychology
    state = psych.record.open_case(case)
    person = service.person_consultations(state)[0]
    with pytest.raises(PsychologyRefused):
        service.amend_consultation(case, person.id, consultation_values(person) | {"plan": "x"})
    with pytest.raises(PsychologyRefused):
        service.sign_off(case, person.id)  # already signed off
    # Drafting: the parent's consultation, not signed off, changes without a reason.
    parent = service.circle_consultations(state)[0]
    entry = service.amend_consultation(
        case, parent.id, consultation_values(parent) | {"duration_min": 45}
    )
    before = records.count_entries(psych.vault.conn)
    again = service.amend_consultation(
        case, parent.id, consultation_values(parent) | {"duration_min": 45}
    )
    assert again == entry and records.count_entries(psych.vault.conn) == before  # no change
    state = psych.record.reread(case)
    assert [v.duration_min for v in service.consultation_history(state, parent.id)] == [30, 45]
    with pytest.raises(PsychologyRefused):
        service.amend_consultation(case, "no-such-consultation", person_values(), reason="r")


def test_high_suicide_risk_needs_the_action_taken(psych: Session, case: str) -> None:
    service = psych.psychology
    before = records.count_entries(psych.vault.conn)
    with pytest.raises(PsychologyProblems) as refused:
        service.record_consultation(case, person_values(suicide_risk="high"))
    assert fields(refused.value.problems) == {"action_taken"}
    with pytest.raises(PsychologyProblems):
        service.record_consultation(case, person_values(risk_level="high", action_taken=""))
    assert records.count_entries(psych.vault.conn) == before  # nothing stored
    consultation_id = service.record_consultation(
        case, person_values(suicide_risk="high", action_taken="crisis team called")
    )
    state = psych.record.open_case(case)
    recorded = service.person_consultations(state)[0]
    assert recorded.id == consultation_id and recorded.action_taken == "crisis team called"


def test_a_consultation_time_defaults_to_now_and_is_validated(psych: Session, case: str) -> None:
    service = psych.psychology
    consultation_id = service.record_consultation(
        case, person_values(at_local="", next_appointment="")
    )
    state = psych.record.open_case(case)
    assert state.psychology.consultations[consultation_id].at_local == "2026-03-14 03:30"
    with pytest.raises(PsychologyProblems) as refused:
        service.record_consultation(case, person_values(at_local="2026-03-29 02:15"))
    assert "at_local" in fields(refused.value.problems)
    with pytest.raises(PsychologyProblems) as refused:
        service.record_consultation(case, person_values(subject="someone-else"))
    assert "subject" in fields(refused.value.problems)


def test_the_support_circle_members_seeded_added_and_amended(session: Session, case: str) -> None:
    service = session.psychology
    state = session.record.open_case(case)
    (seed,) = service.members(state)
    assert seed.id == "companion-1" and not seed.recorded and seed.name == PARENT
    # A nurse records how to reach the parent: the companion becomes a recorded member.
    values = member_values(seed) | {"phone": "+32 470 12 34 56", "contact_consent": "yes"}
    member_id = service.amend_member(case, seed.id, values)
    assert member_id != seed.id
    friend_id = service.add_member(
        case, {"name": "Friend Synthetic", "relation": "friend", "language": "fr"}
    )
    state = session.record.reread(case)
    parent, friend = service.members(state)  # the seed is not listed twice
    assert (parent.id, friend.id) == (member_id, friend_id)
    assert parent.contact_consent == "yes" and parent.contact_consent_at == "2026-03-14 03:30"
    # An amendment supersedes; both versions stay.
    service.amend_member(
        case, member_id, member_values(parent) | {"contact_consent": "no"}, reason="asked again"
    )
    before = records.count_entries(session.vault.conn)
    state = session.record.reread(case)
    current = service.members(state)[0]
    assert service.amend_member(case, member_id, member_values(current), "asked again") == member_id
    assert records.count_entries(session.vault.conn) == before  # nothing changed
    first, second = service.member_history(state, member_id)
    assert second.supersedes == first.entry_id and second.contact_consent == "no"
    assert second.reason == "asked again" and first.contact_consent == "yes"
    with pytest.raises(PsychologyProblems):
        service.add_member(case, {"name": "X", "phone": "not a number"})
    with pytest.raises(PsychologyRefused):
        service.amend_member(case, "no-such-member", {"name": "X"})


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_who_writes_the_circle_and_consultations(session: Session, case: str, role: Role) -> None:
    actor = _as(session, role)
    member = {"name": "Sibling Synthetic", "relation": "family"}
    if allowed(role, Area.CIRCLE, Op.WRITE):
        actor.psychology.add_member(case, member)
    else:
        with pytest.raises(Forbidden):
            actor.psychology.add_member(case, member)
    if role is Role.PSYCHOLOGIST:
        consultation_id = actor.psychology.record_consultation(case, person_values())
        actor.psychology.sign_off(case, consultation_id)
    else:
        with pytest.raises(Forbidden):
            actor.psychology.record_consultation(case, person_values())
    assert allowed(role, Area.CIRCLE, Op.WRITE) == (
        role in (Role.FORENSIC_NURSE, Role.PHYSICIAN, Role.PSYCHOLOGIST)
    )


def test_a_nurse_cannot_sign_off_or_amend_a_consultation(
    session: Session, case: str, seen: dict[str, str]
) -> None:
    with pytest.raises(Forbidden):
        session.psychology.sign_off(case, seen["parent"])
    with pytest.raises(Forbidden):
        session.psychology.amend_consultation(case, seen["parent"], person_values(), reason="r")


# -- visibility: through every route ------------------------------------------------------
def _no_words(*things: object) -> None:
    text = repr(things)
    assert not [w for w in WORDS if w in text]


@pytest.mark.parametrize("role", [Role.FORENSIC_NURSE, Role.PHYSICIAN, Role.COORDINATOR])
def test_other_roles_see_that_consultations_took_place_and_nothing_else(
    session: Session, case: str, seen: dict[str, str], role: Role
) -> None:
    reader = _as(session, role)
    state = reader.record.open_case(case)
    _no_words(state)
    consultations = {c.id: c for c in reader.psychology.consultations(state)}
    person, parent = consultations[seen["person"]], consultations[seen["parent"]]
    assert person.hidden and parent.hidden
    assert (person.subject, parent.subject) == ("person", "circle")  # not which member
    assert (person.at_local, person.duration_min, person.author) == (
        "2026-03-14 10:00",
        50,
        "psychologist-x",
    )
    assert person.signed_off and not parent.signed_off
    assert person.risk_level is None and person.plan == "" and person.amended_reason == ""
    assert [c.id for c in reader.psychology.person_consultations(state)] == [seen["person"]]
    assert [c.id for c in reader.psychology.circle_consultations(state)] == [seen["parent"]]
    assert reader.psychology.subject_name(state, parent) == ""
    history = reader.psychology.consultation_history(state, seen["person"])
    assert len(history) == 2 and all(v.hidden for v in history)
    # The old-style psychology field stays masked, its history too.
    note = state.fields["psychology.note"]
    assert note.hidden and note.value is None
    assert all(v.value is None for v in reader.record.field_history(state, "psychology.note"))
    # Every other way the state leaves the services.
    _no_words(
        history,
        reader.record.reread(case),
        reader.record.opened_state(case),
        reader.record.full_state(state),
        reader.record.reveal_identity(case, "checking the referral letter"),
        reader.record.intake_view(state),
    )
    # A state holding the content, handed to this role's service, is masked there too.
    full = _as(session, Role.PSYCHOLOGIST).record.open_case(case)
    _no_words(
        reader.psychology.consultations(full),
        reader.psychology.consultation_history(full, seen["person"]),
        reader.psychology.circle_consultations(full),
    )


def test_the_psychologist_sees_it_all(psych: Session, case: str, seen: dict[str, str]) -> None:
    state = psych.record.open_case(case)
    text = repr(state)
    assert all(w in text for w in WORDS)
    assert state.value("psychology.note") == "old-style note zebra-lanterns"
    assert all(not c.hidden for c in psych.psychology.consultations(state))
    assert "zebra-lanterns" in repr(psych.record.reveal_identity(case, "referral letter"))


def test_police_inspectors_see_nothing_of_it(
    session: Session, case: str, seen: dict[str, str]
) -> None:
    police = _as(session, Role.POLICE_INSPECTOR)
    with pytest.raises(Forbidden):
        police.record.open_case(case)
    full = _as(session, Role.PSYCHOLOGIST).record.open_case(case)
    for call in (
        police.psychology.consultations,
        police.psychology.person_consultations,
        police.psychology.circle_consultations,
        police.psychology.members,
    ):
        with pytest.raises(Forbidden):
            call(full)
    with pytest.raises(Forbidden):
        police.psychology.add_member(case, {"name": "X"})


def test_the_case_list_and_the_audit_trail_hold_none_of_it(
    session: Session, case: str, seen: dict[str, str]
) -> None:
    for role in (Role.PSYCHOLOGIST, Role.COORDINATOR, Role.FORENSIC_NURSE):
        reader = _as(session, role)
        reader.record.open_case(case)
        for word in WORDS:
            assert reader.case_list.count(CaseQuery(text=word)) == 0
            assert reader.case_list.page(CaseQuery(text=word), 0, 50) == []
        _no_words(reader.case_list.page(CaseQuery(), 0, 50), reader.record.list_cases())
    trail = audit_log.records_for_case(session.vault.conn, case)
    assert trail  # every write and read is there, without content
    _no_words(trail)
    assert PARENT not in repr(trail)


# -- questionnaires ---------------------------------------------------------------------
def test_pcl5_answers_are_stored_with_their_score_and_hidden_from_others(
    session: Session, psych: Session, case: str
) -> None:
    service = psych.psychology
    answers: dict[str, int | None] = {str(n): 2 for n in range(1, 21)}
    answers["20"] = None  # one unanswered item: an estimated total
    consultation_id = service.record_consultation(
        case, person_values(questionnaires={"pcl5": answers})
    )
    state = psych.record.open_case(case)
    recorded = state.psychology.consultations[consultation_id]
    assert (
        recorded.questionnaires["pcl5"]["1"] == 2 and recorded.questionnaires["pcl5"]["20"] is None
    )
    scored = recorded.scores["pcl5"]
    assert scored["total"] == 40 and scored["estimated"] is True
    assert scored["meaning"] == "at_or_above_cutoff" and scored["message"]
    for bad in ({"pcl5": {"1": 5}}, {"pcl5": {"21": 1}}, {"pcl5": {"one": 1}}, {"bdi": {"1": 1}}):
        with pytest.raises(PsychologyProblems) as refused:
            service.record_consultation(case, person_values(questionnaires=bad))
        assert fields(refused.value.problems) == {"questionnaires"}
    # Amending with the same answers changes nothing.
    entry = service.amend_consultation(case, consultation_id, consultation_values(recorded))
    assert entry == recorded.entry_id
    hidden = session.record.open_case(case).psychology.consultations[consultation_id]
    assert hidden.hidden and hidden.questionnaires == {} and hidden.scores == {}
