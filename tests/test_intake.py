"""The intake's derived facts, its notes, the case's protocol and the case list deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sac_desktop.domain.clock import FixedClock, format_utc
from sac_desktop.domain.intake import (
    STEPS,
    Kind,
    Level,
    conditions,
    episode_time,
    exposures,
    intake_notes,
    normalise_datetime,
)
from sac_desktop.domain.protocol import State
from sac_desktop.resources import resource
from sac_desktop.services.protocols import ProtocolRegistry, shipped
from sac_desktop.services.record import TIME_UNKNOWN_POINT, UnknownCase
from sac_desktop.services.session import Session
from sac_desktop.storage import projections

ZONE = "Europe/Brussels"


def _episode(**values: object) -> dict[str, object]:
    return {"time_kind": "exact", "at": "2026-03-14 01:00", **values}


def test_every_step_is_a_valid_section_with_labelled_fields() -> None:
    sections = [s.section for s in STEPS]
    assert len(sections) == len(set(sections))
    for step in STEPS:
        assert step.title and step.intro and step.fields
        for field in step.fields:
            assert field.label
            if field.kind in (Kind.CHOICE, Kind.MULTI):
                assert field.choices, field.name
            if field.kind is Kind.LIST:
                assert field.item_fields, field.name


def test_exposure_conditions_follow_the_acts_and_stay_open_when_not_recorded() -> None:
    assert conditions({})["vaginal_exposure"] is None  # no episode yet: may apply
    oral = {"assault": {"episodes": [_episode(acts=["oral"])]}}
    found = conditions(oral)
    assert found["oral_exposure"] is True and found["vaginal_exposure"] is False
    unknown_acts = {"assault": {"episodes": [_episode(acts=["oral"]), _episode()]}}
    assert conditions(unknown_acts)["vaginal_exposure"] is None
    by_site = {"assault": {"episodes": [_episode(acts=["digital"], sites=["vulva_vagina"])]}}
    assert conditions(by_site)["vaginal_exposure"] is True
    oro_anal = {"assault": {"episodes": [_episode(acts=["oro_anal"])]}}
    assert conditions(oro_anal)["hepatitis_a_indicated"] is True
    assert conditions(oro_anal)["anal_exposure"] is True


def test_pregnancy_and_source_conditions() -> None:
    assert conditions({"medical": {"pregnancy_possible": "yes"}})["pregnancy_possible"] is True
    pregnant = {"medical": {"pregnancy_possible": "yes", "pregnant": "yes"}}
    assert conditions(pregnant)["pregnancy_possible"] is False
    assert conditions({"medical": {"pregnancy_possible": "unknown"}})["pregnancy_possible"] is None
    assert (
        conditions({"medical": {"source_hbsag_positive": "unknown"}})["source_hbsag_positive"]
        is False
    )  # only a source known to be positive
    assert conditions({"medical": {"hbv_vaccination": "immune"}})["hbv_not_immune"] is False
    assert conditions({"medical": {"hbv_vaccination": "partial"}})["hbv_not_immune"] is True
    assert conditions({"risks": {"dfsa_suspected": "no"}})["dfsa_suspected"] is False


def test_a_skipped_spring_hour_is_kept_as_typed_and_named_with_its_correction() -> None:
    values = {"assault": {"episodes": [_episode(at="2026-03-29 02:30")]}}
    timing = episode_time(values["assault"]["episodes"][0], ZONE)  # type: ignore[index]
    assert not timing.exposure.known and timing.detail == "2026-03-29 03:30"
    notes = intake_notes(values, ZONE, minor=False)
    assert notes[0].level is Level.CHECK and notes[0].params["suggestion"] == "2026-03-29 03:30"


def test_a_repeated_autumn_hour_is_a_range_and_is_named() -> None:
    episode = _episode(at="2026-10-25 02:30")
    timing = episode_time(episode, ZONE)
    assert timing.ambiguous
    assert timing.exposure.latest - timing.exposure.earliest == timedelta(hours=1)  # type: ignore[operator]
    notes = intake_notes({"assault": {"episodes": [episode]}}, ZONE, minor=False)
    assert "happened twice" in notes[0].message


def test_unreadable_reversed_and_missing_times_are_named() -> None:
    episodes = [
        _episode(at="yesterday night"),
        {"time_kind": "range", "from": "2026-03-14 02:00", "to": "2026-03-13 02:00"},
        {"time_kind": "exact"},
    ]
    notes = intake_notes({"assault": {"episodes": episodes}}, ZONE, minor=None)
    assert [n.params.get("n") for n in notes] == ["1", "2", "3"]
    assert all(n.step == "assault" for n in notes)


def test_prompts_that_change_care() -> None:
    values = {
        "companions": {"people": [{"name": "Synthetic Cousin", "relation": "family"}]},
        "language": {"interpreter_name": "synthetic cousin"},
        "risks": {"strangulation": "yes", "dfsa_suspected": "yes", "capacity": "lacks_capacity"},
        "safety": {"assailant_lives_there": "yes"},
    }
    steps = sorted(n.step for n in intake_notes(values, ZONE, minor=True))
    assert steps == ["language", "minor", "risks", "risks", "risks", "safety"]


def test_typed_times_are_normalised() -> None:
    assert normalise_datetime("14/03/2026 1:30") == "2026-03-14 01:30"
    assert normalise_datetime("31/02/2026 01:30") is None


def test_a_case_keeps_the_protocol_it_was_opened_under(session: Session) -> None:
    case_id, _ = session.record.create_case()
    state = session.record.open_case(case_id)
    assert state.protocol == shipped().current().key
    versions = {r[0] for r in session.vault.conn.execute("SELECT protocol_version FROM entries")}
    assert versions == {state.protocol}


def test_the_clock_follows_the_record_and_the_case_list_shows_the_next_deadline(
    session: Session, clock: FixedClock
) -> None:
    record = session.record
    case_id, _ = record.create_case()
    assert projections.case_list(session.vault.conn)[0].deadlines == ()
    # 02:30 UTC is 03:30 in Brussels; the assault at 01:00 Brussels: 2.5 h ago.
    record.record_fields(case_id, "assault", {"episodes": [_episode(acts=["vaginal"])]})
    record.record_fields(case_id, "medical", {"pregnancy_possible": "yes"})
    state = record.open_case(case_id)
    case_clock, protocol, exact = record.clock_of(state)
    assert exact and protocol.key == state.protocol
    states = {i.window.id: i.state for i in case_clock.items}
    assert states["hiv_pep"] is State.OPTIMAL and states["ec_levonorgestrel"] is State.OPTIMAL
    row = projections.case_list(session.vault.conn)[0]
    upcoming = row.next_deadline(format_utc(clock.now_utc()))
    exposure = datetime(2026, 3, 14, 0, 0, tzinfo=UTC)  # 01:00 Brussels (winter time)
    # Several items change at +24 h; the list names the first of them (sorted by id).
    assert upcoming == (format_utc(exposure + timedelta(hours=24)), "ec_levonorgestrel")
    # Four days later the next deadline moved on, from the same kept points.
    later = format_utc(clock.now_utc() + timedelta(days=4))
    assert row.next_deadline(later)[0] > later  # type: ignore[index]
    # A drafted change shows in the clock before it is recorded.
    drafted = {"assault": {"episodes": [_episode(at="2026-03-10 01:00")]}}
    draft_clock, _p, _e = record.clock_of(state, drafts=drafted)
    pep = next(i for i in draft_clock.items if i.window.id == "hiv_pep")
    assert pep.state is State.CLOSED


def test_a_rebuilt_case_list_has_the_same_deadlines(session: Session, clock: FixedClock) -> None:
    record = session.record
    for hours in (1, 30, 100):
        case_id, _ = record.create_case()
        at = (clock.now_utc() - timedelta(hours=hours)).astimezone(UTC)
        local = at.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M")
        record.record_fields(case_id, "assault", {"episodes": [_episode(at=local)]})
    coordinator_view_before = projections.case_list(session.vault.conn)
    assert all(r.deadlines for r in coordinator_view_before)
    with session.vault.transaction() as conn:
        projections.rebuild_case_list(conn)
    assert all(not r.deadlines for r in projections.case_list(session.vault.conn))
    with session.vault.transaction() as conn:
        for case_id in [r.case_id for r in coordinator_view_before]:
            record._update_deadlines(conn, case_id)
    assert projections.case_list(session.vault.conn) == coordinator_view_before


def test_a_centre_protocol_wins_and_a_bad_one_is_refused_by_name(tmp_path: Path) -> None:
    shipped_text = resource("protocols", "sac-be-2026.1.toml").read_text(encoding="utf-8")
    centre = tmp_path / "protocols"
    centre.mkdir()
    (centre / "ours.toml").write_text(
        shipped_text.replace('version = "2026.1"', 'version = "2026.1-gnt.2"'), encoding="utf-8"
    )
    (centre / "broken.toml").write_text(shipped_text.replace("format = 1", "format = 7"))
    registry = ProtocolRegistry.load(resource("protocols"), centre)
    assert registry.current().key == "sac-be/2026.1-gnt.2"
    assert [name for name, _error in registry.refused] == ["broken.toml"]
    assert registry.refused[0][1].line == shipped_text.splitlines().index("format = 1") + 1
    # A case opened under the reference version keeps it; an unknown one falls back, said.
    assert registry.for_case("sac-be/2026.1") == (registry.protocols["sac-be/2026.1"], True)
    assert registry.for_case("sac-be/1999.1")[1] is False


@pytest.mark.parametrize("hours", [2, 71, 73, 200])
def test_acute_follows_the_protocol_limit(session: Session, clock: FixedClock, hours: int) -> None:
    record = session.record
    case_id, _ = record.create_case()
    local = (clock.now_utc() - timedelta(hours=hours)).astimezone(ZoneInfo(ZONE))
    record.record_fields(
        case_id, "assault", {"episodes": [_episode(at=local.strftime("%Y-%m-%d %H:%M"))]}
    )
    case_clock, _p, _e = record.clock_of(record.open_case(case_id))
    assert case_clock.acute is (hours <= 168)


def test_a_centre_copy_that_keeps_the_shipped_version_is_refused_by_name(tmp_path: Path) -> None:
    shipped_text = resource("protocols", "sac-be-2026.1.toml").read_text(encoding="utf-8")
    centre = tmp_path / "protocols"
    centre.mkdir()
    (centre / "copy.toml").write_text(shipped_text, encoding="utf-8")  # version unchanged
    registry = ProtocolRegistry.load(resource("protocols"), centre)
    assert [name for name, _e in registry.refused] == ["copy.toml"]
    assert "already installed" in str(registry.refused[0][1])
    assert registry.current().key == "sac-be/2026.1" and not registry.centre_keys


def test_a_time_after_now_or_the_arrival_is_not_used_and_is_named() -> None:
    now = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    typo = {"assault": {"episodes": [_episode(at="2026-04-13 01:30")]}}  # a month late
    assert exposures(typo, ZONE, now)[0].known is False
    notes = intake_notes(typo, ZONE, minor=False, now=now)
    assert notes[0].params["typed"] == "2026-04-13 01:30" and notes[0].step == "assault"
    # After the arrival is as impossible as after now.
    values = {
        "arrival": {"arrived_at": "2026-03-14 02:00"},
        "assault": {"episodes": [_episode(at="2026-03-14 02:30")]},
    }
    assert exposures(values, ZONE, now)[0].known is False
    # A range may end after the limit: it is counted as ending then, and said so.
    ranged = {
        "arrival": {"arrived_at": "2026-03-14 03:00"},
        "assault": {
            "episodes": [
                {"time_kind": "range", "from": "2026-03-13 22:00", "to": "2026-03-14 09:00"}
            ]
        },
    }
    exposure = exposures(ranged, ZONE, now)[0]
    assert exposure.latest == datetime(2026, 3, 14, 2, 0, tzinfo=UTC)  # the arrival
    assert "counted as ending then" in intake_notes(ranged, ZONE, False, now)[0].message


def test_acts_without_a_body_site_keep_site_items_in_sight() -> None:
    fingers = {"assault": {"episodes": [_episode(acts=["digital"])]}}
    found = conditions(fingers)
    assert found["vaginal_exposure"] is None and found["anal_exposure"] is None
    assert found["hepatitis_a_indicated"] is False  # fingers are never mouth to anus
    placed = {"assault": {"episodes": [_episode(acts=["digital"], sites=["mouth"])]}}
    assert conditions(placed)["vaginal_exposure"] is False
    ejaculation = {
        "assault": {"episodes": [_episode(acts=["oral"])]},
        "forensic_history": {"ejaculation_sites": ["vulva_vagina"]},
    }
    assert conditions(ejaculation)["vaginal_exposure"] is True
    assert (
        conditions({"assault": {"episodes": [_episode(sites=["penis"], acts=["oral"])]}})[
            "penile_exposure"
        ]
        is True
    )
    # HBIG: in sight until asked; only a source known to be positive keeps it.
    assert conditions({})["source_hbsag_positive"] is None
    assert (
        conditions({"medical": {"source_hbsag_positive": "unknown"}})["source_hbsag_positive"]
        is False
    )


def test_nonsense_ages_and_a_future_birth_date_never_stop_the_case(
    session: Session, clock: FixedClock
) -> None:
    record = session.record
    case_id, _ = record.create_case()
    record.record_fields(case_id, "person", {"age_years": 999})
    record.record_fields(case_id, "identity", {"date_of_birth": "2031-01-01"})
    record.record_fields(
        case_id, "assault", {"episodes": [_episode(assailant_age=400, relationship="x")]}
    )
    state = record.open_case(case_id)
    view = record.intake_view(state)
    assert view.minor is None and view.assessments[0].needs  # "age not known", no crash


def test_a_hidden_date_of_birth_still_decides_the_minors_rule(
    session: Session, clock: FixedClock
) -> None:
    record = session.record
    case_id, _ = record.create_case()
    record.record_fields(case_id, "identity", {"date_of_birth": "2011-06-01"})  # 14 now
    record.record_fields(case_id, "assault", {"episodes": [_episode(relationship="family_member")]})
    state = record.open_case(case_id)
    assert state.fields["identity.date_of_birth"].hidden
    view = record.intake_view(state)
    assert view.minor is True
    assert [r.value for r in view.assessments[0].rules] == ["relationship_exclusion"]
    assert "2011" not in repr(view)  # the view itself never carries the date


def test_an_adult_who_was_a_minor_at_the_episode_still_gets_the_rules(
    session: Session, clock: FixedClock
) -> None:
    record = session.record
    case_id, _ = record.create_case()
    record.record_fields(case_id, "person", {"age_years": 18})
    record.record_fields(
        case_id,
        "assault",
        {"episodes": [_episode(at="2024-03-01 22:00", relationship="family_member")]},
    )
    view = record.intake_view(record.open_case(case_id))
    assert view.minor is False and view.minor_at_episode
    assert any(n.step == "minor" for n in view.notes)


def test_only_an_opened_case_is_read_again_without_an_audit_record(session: Session) -> None:
    case_id, _ = session.record.create_case()
    with pytest.raises(UnknownCase):
        session.record.reread(case_id)
    session.record.open_case(case_id)
    assert session.record.reread(case_id).case_id == case_id


def test_a_case_with_no_known_time_says_so_in_the_list(session: Session) -> None:
    record = session.record
    case_id, _ = record.create_case()
    record.record_fields(case_id, "assault", {"episodes": [{"time_kind": "unknown"}]})
    row = projections.case_list(session.vault.conn)[0]
    assert row.next_deadline("2026-03-14T02:30:00.000000Z") == TIME_UNKNOWN_POINT
