"""Drafts, entries, current state, field history, case numbers, projections."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sac_desktop.domain.audit import Action
from sac_desktop.domain.case_number import CaseNumber
from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.services.record import InvalidValue, UnknownCase
from sac_desktop.services.session import Session
from sac_desktop.storage import audit_log, projections
from tests.conftest import PHYSICIAN


def test_case_numbers_are_pseudonymous_and_sequential(session: Session) -> None:
    numbers = [session.record.create_case()[1] for _ in range(3)]
    assert numbers == ["BXL-A-2026-00001", "BXL-A-2026-00002", "BXL-A-2026-00003"]
    assert str(CaseNumber.parse(numbers[1])) == numbers[1]


def test_case_number_sequence_restarts_each_year(session: Session, clock: FixedClock) -> None:
    session.record.create_case()
    clock.advance(days=365)
    assert session.record.create_case()[1] == "BXL-A-2027-00001"


@pytest.mark.parametrize(
    "bad", ["bxl-A-2026-00001", "BXL-A-26-00001", "BXL--2026-00001", "BXL-A-2026-1"]
)
def test_case_number_parse_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="case number"):
        CaseNumber.parse(bad)


def test_draft_survives_until_committed_then_becomes_entries(
    session: Session, clock: FixedClock
) -> None:
    case_id, _ = session.record.create_case()
    session.record.save_draft(case_id, "arrival", {"how": "taxi", "referred_by": "self"})
    session.record.save_draft(case_id, "arrival", {"how": "ambulance", "referred_by": "self"})
    assert session.record.draft(case_id, "arrival") == {"how": "ambulance", "referred_by": "self"}
    assert session.record.open_case(case_id).fields == {}  # a draft is not the record
    clock.advance(seconds=30)
    written = session.record.commit_draft(case_id, "arrival")
    assert len(written) == 2
    assert session.record.draft(case_id, "arrival") is None
    state = session.record.open_case(case_id)
    assert state.value("arrival.how") == "ambulance"
    # Committing unchanged values again writes nothing.
    session.record.save_draft(case_id, "arrival", {"how": "ambulance", "referred_by": "self"})
    assert session.record.commit_draft(case_id, "arrival") == []


def test_correction_supersedes_and_history_keeps_both(
    session: Session, clock: FixedClock, paths, key, anchors
) -> None:  # type: ignore[no-untyped-def]
    case_id, _ = session.record.create_case()
    first = session.record.record_fields(case_id, "arrival", {"hours_since_assault": 20})
    clock.advance(minutes=40)
    physician = Session(session.vault, PHYSICIAN, clock, anchors)
    second = physician.record.record_fields(case_id, "arrival", {"hours_since_assault": 30})
    state = session.record.open_case(case_id)
    assert state.value("arrival.hours_since_assault") == 30
    history = session.record.field_history(state, "arrival.hours_since_assault")
    assert [(v.value, v.author, v.role) for v in history] == [
        (20, "nurse-1", "forensic_nurse"),
        (30, "physician-1", "physician"),
    ]
    assert history[1].supersedes == first[0] and history[1].entry_id == second[0]
    assert history[1].at_utc > history[0].at_utc


def test_opening_a_case_is_audited_listing_is_not(session: Session) -> None:
    case_id, _ = session.record.create_case()
    before = len(audit_log.records_for_case(session.vault.conn, case_id))
    session.record.list_cases()
    assert len(audit_log.records_for_case(session.vault.conn, case_id)) == before
    session.record.open_case(case_id)
    records = audit_log.records_for_case(session.vault.conn, case_id)
    assert records[-1].action == Action.CASE_OPEN and records[-1].actor == "nurse-1"
    assert len(records) == before + 1


def test_entry_rows_carry_everything_the_record_needs(session: Session) -> None:
    case_id, _ = session.record.create_case()
    session.record.record_fields(case_id, "arrival", {"how": "taxi"})
    row = session.vault.conn.execute(
        "SELECT kind, schema_version, author, role, at_utc, tz, utc_offset_min, protocol_version"
        " FROM entries ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert row == (
        "field.set",
        1,
        "nurse-1",
        "forensic_nurse",
        "2026-03-14T02:30:00.000000Z",
        "Europe/Brussels",
        60,
        "sac-be/2026.1",  # the protocol the case was opened under
    )


def test_bad_values_and_unknown_cases_are_refused(session: Session) -> None:
    case_id, _ = session.record.create_case()
    with pytest.raises(InvalidValue):
        session.record.record_fields(case_id, "a", {"when": object()})
    with pytest.raises(UnknownCase):
        session.record.record_fields("no-such-case", "a", {"x": 1})
    with pytest.raises(UnknownCase):
        session.record.open_case("no-such-case")


def test_commit_all_drafts_at_close(session: Session, paths, key, clock, anchors) -> None:  # type: ignore[no-untyped-def]
    case_id, _ = session.record.create_case()
    session.record.save_draft(case_id, "person", {"language": "fr"})
    session.close()
    reopened = Session.open(paths.vault, key, session.actor, clock, anchors, paths.backups)
    try:
        assert reopened.record.open_case(case_id).value("person.language") == "fr"
        assert reopened.record.draft(case_id, "person") is None
    finally:
        reopened.close()


_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 500), st.text(max_size=12))
_ops = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from(["arrival", "person"]),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), _values, min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=_ops)
def test_rebuilt_projection_equals_maintained(session: Session, clock: FixedClock, ops) -> None:  # type: ignore[no-untyped-def]
    cases = [session.record.create_case()[0] for _ in range(2)]
    for which, section, values in ops:
        clock.advance(seconds=7)
        if which < 2:
            session.record.record_fields(cases[which], section, values)
        else:
            cases.append(session.record.create_case()[0])
    conn = session.vault.conn
    maintained = sorted(projections.case_list(conn, limit=10_000), key=lambda r: r.case_id)
    coordinator = Session(session.vault, Actor("coord-1", Role.COORDINATOR), clock, [])
    coordinator.record.rebuild_projections()  # a coordinator's maintenance action
    assert sorted(projections.case_list(conn, limit=10_000), key=lambda r: r.case_id) == maintained
    for row in maintained:
        state = session.record.open_case(row.case_id)
        assert state.entry_count == row.entry_count


def test_utc_text_round_trips_and_rejects_other_forms() -> None:
    from datetime import UTC, datetime

    from sac_desktop.domain.clock import format_utc, parse_utc

    moment = datetime(2026, 10, 25, 1, 30, 5, 120, tzinfo=UTC)
    assert parse_utc(format_utc(moment)) == moment
    assert parse_utc(format_utc(moment)).utcoffset() is not None
    for bad in ("2026-10-25 01:30:05.000120Z", "2026-10-25T01:30:05.000120+00:00", ""):
        with pytest.raises(ValueError, match="UTC"):
            parse_utc(bad)


@pytest.mark.parametrize(
    ("section", "values"),
    [
        ("arrival", {"x": float("nan")}),
        ("arrival", {"x": float("inf")}),
        ("arrival", {"x": "\ud800 lone surrogate"}),
        ("a.b", {"c": 1}),
        ("arrival", {"b.c": 1}),
        ("Arrival", {"x": 1}),
        ("arrival", {"": 1}),
    ],
)
def test_values_and_names_that_cannot_be_stored_cleanly(
    session: Session, section: str, values
) -> None:  # type: ignore[no-untyped-def]
    case_id, _ = session.record.create_case()
    with pytest.raises(InvalidValue):
        session.record.record_fields(case_id, section, values)
    with pytest.raises(InvalidValue):
        session.record.save_draft(case_id, section, values)


def test_case_number_uses_the_centres_year(session: Session, clock: FixedClock) -> None:
    from datetime import UTC, datetime

    clock.current = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Brussels
    assert session.record.create_case()[1] == "BXL-A-2027-00001"
    row = session.record.list_cases()[0]
    state = session.record.open_case(row.case_id)
    assert (
        row.opened_utc
        == "2026-12-31T23:30:00.000000Z"
        == state.opened_utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    )
