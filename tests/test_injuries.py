"""Injuries: the rules (``domain.injuries``) and the use cases (``services.injuries``) on a
real vault: validation, numbering, amendments keeping history, moving a marker,
"no injury found", clock-face positions and the Tanner stage, consent and roles."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sac_desktop.domain import injuries as inj
from sac_desktop.domain.diagrams import Diagram
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.services.diagrams import load_diagrams
from sac_desktop.services.injuries import InjuryProblems, InjuryRefused, InjuryService
from sac_desktop.services.permissions import Forbidden
from sac_desktop.services.record import ConsentMissing, RecordService
from sac_desktop.services.session import Session
from sac_desktop.storage import records
from tests.helpers.cases import consent

DIAGRAMS = load_diagrams()
TODAY = date(2026, 3, 14)


def point_in(diagram: Diagram, region: str | None = None) -> tuple[float, float]:
    """A point well inside ``region`` of ``diagram`` (its first region when None)."""
    wanted = next(r for r in diagram.regions if r.id == (region or diagram.regions[0].id))
    left, top, right, bottom = wanted.box
    best: tuple[float, float, float] | None = None
    y = top + 0.5
    while y < bottom:
        x = left + 0.5
        while x < right:
            if wanted.contains(x, y) and diagram.region_at(x, y) == wanted.id:
                margin = wanted.distance(x, y)
                if best is None or margin > best[2]:
                    best = (round(x, 1), round(y, 1), margin)
            x += 1.5
        y += 1.5
    assert best is not None, f"{wanted.id} not reachable on {diagram.id}"
    return best[0], best[1]


def values(diagram_id: str = "adult_front", **changes: Any) -> dict[str, Any]:
    diagram = DIAGRAMS[diagram_id]
    x, y = point_in(diagram)
    base: dict[str, Any] = {
        "diagram": diagram_id,
        "x": x,
        "y": y,
        "region": diagram.region_at(x, y),
        "type": "ecchymosis",
        "length_mm": 25.0,
        "width_mm": 12.0,
        "colour": "purple",
    }
    base.update(changes)
    return base


def fields(problems: list[inj.InjuryProblem]) -> set[str]:
    return {p.field for p in problems}


# -- rules --------------------------------------------------------------------------------
def test_a_complete_description_passes() -> None:
    assert inj.check_injury(values(), DIAGRAMS, today=TODAY) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"diagram": "no_such_view"}, "diagram"),
        ({"x": None}, "position"),
        ({"x": float("nan")}, "position"),
        ({"y": 99999.0}, "position"),
        ({"region": ""}, "region"),
        ({"region": "not_a_region"}, "region"),
        ({"type": None}, "type"),
        ({"type": "scratch"}, "type"),
        ({"type": "other", "description": "  "}, "description"),
        ({"length_mm": 0}, "length_mm"),
        ({"length_mm": -3.0}, "length_mm"),
        ({"length_mm": float("inf")}, "length_mm"),
        ({"length_mm": "25"}, "length_mm"),
        ({"length_mm": True}, "length_mm"),
        ({"length_mm": 5000.0}, "length_mm"),
        ({"width_mm": 0.0}, "width_mm"),
        ({"length_mm": None}, "length_mm"),  # a width without a length
        ({"length_mm": 10.0, "width_mm": 20.0}, "width_mm"),  # length is the longest
        ({"reexamine": True}, "reexamine_on"),
        ({"reexamine": True, "reexamine_on": "16/03/2026"}, "reexamine_on"),
        ({"reexamine": True, "reexamine_on": "2026-03-13"}, "reexamine_on"),
        ({"clock_from": 6}, "clock_from"),  # not a clock-face diagram
        ({"clock_from": 6}, "position"),  # and no position
    ],
)
def test_a_description_that_cannot_be_recorded_names_its_field(
    changes: dict[str, Any], field: str
) -> None:
    problems = inj.check_injury(values(**changes), DIAGRAMS, today=TODAY)
    assert field in fields(problems)
    assert all(p.message for p in problems)


def test_clock_face_positions_need_the_patients_position() -> None:
    genital = DIAGRAMS["female_genital"]
    x, y = point_in(genital)
    base = values("female_genital", x=x, y=y, region=genital.region_at(x, y), type="tear")
    assert "position" in fields(inj.check_injury({**base, "clock_from": 6}, DIAGRAMS))
    good = {**base, "clock_from": 5, "clock_to": 7, "position": "supine_lithotomy"}
    assert inj.check_injury(good, DIAGRAMS) == []
    assert "clock_from" in fields(inj.check_injury({**good, "clock_from": 13}, DIAGRAMS))
    assert "clock_from" in fields(inj.check_injury({**good, "clock_from": 0}, DIAGRAMS))
    assert "clock_from" in fields(
        inj.check_injury({**good, "clock_from": None, "clock_to": 7}, DIAGRAMS)
    )
    assert "position" in fields(inj.check_injury({**good, "position": "standing"}, DIAGRAMS))


def test_the_clock_hour_of_a_point_reads_six_hours_round_in_knee_chest() -> None:
    genital = DIAGRAMS["anal"]
    assert genital.clock_centre is not None
    cx, cy = genital.clock_centre
    below = (cx, cy + 30)  # posterior, 6 o'clock when supine
    above = (cx, cy - 30)
    right_of_viewer = (cx + 30, cy)  # the patient's left: 3 o'clock when supine
    assert inj.suggested_clock(genital, *below, inj.Position.SUPINE_LITHOTOMY) == 6
    assert inj.suggested_clock(genital, *above, inj.Position.SUPINE_LITHOTOMY) == 12
    assert inj.suggested_clock(genital, *right_of_viewer, inj.Position.SUPINE_LITHOTOMY) == 3
    assert inj.suggested_clock(genital, *below, inj.Position.KNEE_CHEST) == 12
    assert inj.suggested_clock(genital, *above, inj.Position.KNEE_CHEST) == 6
    assert inj.suggested_clock(genital, *right_of_viewer, inj.Position.KNEE_CHEST) == 9
    assert inj.suggested_clock(genital, *below, None) is None
    assert inj.suggested_clock(DIAGRAMS["adult_front"], 100, 100, inj.Position.KNEE_CHEST) is None


def test_a_childs_genital_findings_need_the_tanner_stage() -> None:
    child = DIAGRAMS["child_female_genital"]
    x, y = point_in(child)
    payload = values("child_female_genital", x=x, y=y, region=child.region_at(x, y))
    assert "tanner_stage" in fields(inj.check_injury(payload, DIAGRAMS))
    assert inj.check_injury(payload, DIAGRAMS, tanner_stage=1) == []
    adult = values("adult_front")
    assert inj.check_injury(adult, DIAGRAMS) == []  # no Tanner stage needed


def test_sizes_are_stored_to_a_tenth_of_a_millimetre() -> None:
    stored = inj.normalise(values(length_mm=25.04, width_mm=3, colour="  purple  "))
    assert stored["length_mm"] == 25.0 and stored["width_mm"] == 3.0
    assert stored["colour"] == "purple"
    record = inj.record_from_payload(
        {**stored, "id": "i", "number": 1}, "e", "a", "forensic_nurse", _utc(), None
    )
    assert record.size_text == "25 × 3 mm"


def _utc():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2026, 3, 14, 2, 30, tzinfo=UTC)


# -- the service on a real vault -----------------------------------------------------------
@pytest.fixture
def case(session: Session) -> tuple[InjuryService, str]:
    record = session.record
    case_id, _number = record.create_case()
    consent(record, case_id, "forensic_exam")
    record.open_case(case_id)
    return InjuryService(record), case_id


def _state(service: InjuryService, case_id: str):  # type: ignore[no-untyped-def]
    return service.record.reread(case_id)


def test_injuries_are_numbered_once_and_amendments_keep_every_version(
    case: tuple[InjuryService, str],
) -> None:
    service, case_id = case
    first = service.record_injury(case_id, values())
    second = service.record_injury(case_id, values("adult_back", type="abrasion"))
    state = _state(service, case_id)
    assert [(r.number, r.type) for r in service.injuries(state)] == [
        (1, inj.InjuryType.ECCHYMOSIS),
        (2, inj.InjuryType.ABRASION),
    ]
    service.amend(case_id, first, values(colour="blue-green", length_mm=30.0), "measured again")
    service.enter_in_error(case_id, second, "recorded on the wrong case")
    third = service.record_injury(case_id, values(type="bite"))
    state = _state(service, case_id)
    assert [r.number for r in service.injuries(state)] == [1, 3]  # 2 is not reused
    history = service.history(state, first)
    assert [h.colour for h in history] == ["purple", "blue-green"]
    assert history[1].supersedes == history[0].entry_id
    assert history[1].reason == "measured again"
    assert service.history(state, second)[-1].status is inj.Status.ENTERED_IN_ERROR
    assert state.injuries.current[third].number == 3
    # Nothing was rewritten: every version is its own entry, in order.
    kinds = [e.kind for e in records.entries_for_case(service.record.vault.conn, case_id)]
    assert kinds.count(inj.KIND_INJURY) == 5


def test_an_amendment_without_a_change_writes_nothing(case: tuple[InjuryService, str]) -> None:
    service, case_id = case
    injury = service.record_injury(case_id, values())
    before = records.count_entries(service.record.vault.conn)
    record = _state(service, case_id).injuries.current[injury]
    from sac_desktop.services.injuries import values_of

    service.amend(case_id, injury, values_of(record))
    assert records.count_entries(service.record.vault.conn) == before


def test_moving_a_marker_is_an_amendment_and_its_region_follows(
    case: tuple[InjuryService, str],
) -> None:
    service, case_id = case
    diagram = DIAGRAMS["adult_front"]
    first, second = diagram.regions[0].id, diagram.regions[-1].id
    x, y = point_in(diagram, first)
    injury = service.record_injury(case_id, values(x=x, y=y, region=first))
    nx, ny = point_in(diagram, second)
    service.move(case_id, injury, nx, ny)
    state = _state(service, case_id)
    moved = state.injuries.current[injury]
    assert (moved.x, moved.y, moved.region) == (round(nx, 1), round(ny, 1), second)
    assert [(h.x, h.y) for h in service.history(state, injury)] == [
        (round(x, 1), round(y, 1)),
        (round(nx, 1), round(ny, 1)),
    ]
    # A region chosen by hand stays when the marker moves.
    other = diagram.regions[1].id
    service.amend(case_id, injury, {**values(x=nx, y=ny), "region": other})
    service.move(case_id, injury, x, y)
    assert _state(service, case_id).injuries.current[injury].region == other


def test_a_refused_description_stores_nothing(case: tuple[InjuryService, str]) -> None:
    service, case_id = case
    before = records.count_entries(service.record.vault.conn)
    with pytest.raises(InjuryProblems) as raised:
        service.record_injury(case_id, values(length_mm=-1.0, type=None))
    assert {"length_mm", "type"} <= {p.field for p in raised.value.problems}
    assert records.count_entries(service.record.vault.conn) == before


def test_no_injury_found_per_region_and_for_the_whole_body(
    case: tuple[InjuryService, str],
) -> None:
    service, case_id = case
    diagram = DIAGRAMS["adult_front"]
    region = diagram.regions[0].id
    body = service.record_none_found(case_id, note="examined head to toe")
    one = service.record_none_found(case_id, "adult_front", region)
    with pytest.raises(InjuryProblems):
        service.record_none_found(case_id, "adult_front", "not_a_region")
    with pytest.raises(InjuryProblems):
        service.record_none_found(case_id, "", region)  # a region needs its diagram
    state = _state(service, case_id)
    found = service.none_found(state)
    assert [(f.whole_body, f.region) for f in found] == [(True, ""), (False, region)]
    assert found[0].note == "examined head to toe"
    # An injury later found there is shown beside the finding, never silently resolved.
    x, y = point_in(diagram, region)
    injury = service.record_injury(case_id, values(x=x, y=y, region=region))
    pairs = service.contradictions(_state(service, case_id))
    assert {(f.id, i.id) for f, i in pairs} == {(body, injury), (one, injury)}
    with pytest.raises(InjuryRefused):
        service.withdraw_none_found(case_id, body, "  ")
    service.withdraw_none_found(case_id, body, "the back was not examined")
    assert [f.id for f in service.none_found(_state(service, case_id))] == [one]


def test_the_tanner_stage_and_child_genital_findings(case: tuple[InjuryService, str]) -> None:
    service, case_id = case
    child = DIAGRAMS["child_female_genital"]
    x, y = point_in(child)
    payload = values("child_female_genital", x=x, y=y, region=child.region_at(x, y))
    with pytest.raises(InjuryProblems) as raised:
        service.record_injury(case_id, payload)
    assert "tanner_stage" in {p.field for p in raised.value.problems}
    with pytest.raises(InjuryRefused):
        service.set_tanner_stage(case_id, 6)
    service.set_tanner_stage(case_id, 1)
    service.record_injury(case_id, payload)
    state = _state(service, case_id)
    assert service.tanner_stage(state) == 1
    assert len(service.injuries(state)) == 1


def test_the_child_diagrams_come_first_for_a_young_child(
    case: tuple[InjuryService, str],
) -> None:
    service, case_id = case
    assert not service.prefers_child_diagrams(_state(service, case_id))
    service.record.record_fields(case_id, "person", {"age_years": 7})
    assert service.prefers_child_diagrams(_state(service, case_id))
    service.record.record_fields(case_id, "person", {"age_years": 15})
    assert not service.prefers_child_diagrams(_state(service, case_id))


def test_injuries_need_the_examination_consent(session: Session) -> None:
    record = session.record
    case_id, _ = record.create_case()
    service = InjuryService(record)
    with pytest.raises(ConsentMissing):
        service.record_injury(case_id, values())
    with pytest.raises(ConsentMissing):
        service.record_none_found(case_id)
    consent(record, case_id, "medical_care")
    service.record_injury(case_id, values())


def test_a_psychologist_reads_injuries_and_cannot_record_them(
    session: Session, case: tuple[InjuryService, str]
) -> None:
    service, case_id = case
    service.record_injury(case_id, values())
    psy = Actor(user_id="psy-1", role=Role.PSYCHOLOGIST)
    reader = RecordService(
        session.vault, session.info, session.trail, psy, session.record.clock, session.protocols
    )
    readers = InjuryService(reader)
    state = reader.open_case(case_id)
    assert [r.number for r in readers.injuries(state)] == [1]
    with pytest.raises(Forbidden):
        readers.record_injury(case_id, values())
