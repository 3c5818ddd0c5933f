"""Evidence through the services on a real vault: samples taken and kept without a
complaint, a complaint filed later with the handover and its 48-hour flag, a judicial
requisition, destruction after the retention date, a minor's longer period, settings
changes, the coordinator's view and the police inspector's own handovers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from sac_desktop.domain import evidence as ev
from sac_desktop.domain.audit import Action
from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.custody import ItemState, Move
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.services.evidence import EvidenceRefused, EvidenceService
from sac_desktop.services.permissions import Forbidden
from sac_desktop.services.record import ConsentMissing
from sac_desktop.services.session import Session
from sac_desktop.storage import audit_log
from tests.helpers.cases import consent

PHYSICIAN = Actor("physician-1", Role.PHYSICIAN)
COORDINATOR = Actor("coordinator-1", Role.COORDINATOR)
POLICE = Actor("inspector-7", Role.POLICE_INSPECTOR)
OTHER_POLICE = Actor("inspector-8", Role.POLICE_INSPECTOR)
KIT = "SAS-2026-004512"


def _as(session: Session, actor: Actor) -> EvidenceService:
    return EvidenceService(Session(session.vault, actor, session.record.clock, []).record)


def _case(
    session: Session, age: int = 30, groups: tuple[str, ...] = ("oral", "reference_dna")
) -> str:
    record = session.record
    case_id, _ = record.create_case()
    record.record_fields(case_id, "person", {"age_years": age})
    record.record_fields(
        case_id,
        "assault",
        {"episodes": [{"time_kind": "exact", "at": "2026-03-14 01:30", "acts": ["oral"]}]},
    )
    consent(record, case_id, "forensic_exam")
    for group in groups:
        consent(record, case_id, f"samples.{group}")
    record.open_case(case_id)
    return case_id


def _service(session: Session) -> EvidenceService:
    return EvidenceService(session.record)


def _take(service: EvidenceService, case_id: str, sample: str, **more: Any) -> str:
    values = {"sample": sample, "collected_local": "2026-03-14 03:40", **more}
    return service.record_item(case_id, values)


def _state(service: EvidenceService, case_id: str):  # type: ignore[no-untyped-def]
    return service.record.reread(case_id)


def _handover(**more: Any) -> dict[str, Any]:
    return {
        "at_local": "2026-04-03 10:00",
        "released_by": {"name": "Demo Nurse", "service": "SAC Brussels"},
        "received_by": {
            "name": "Inspector Seven",
            "service": "Police zone Brussels-Capital",
            "number": "B-4711",
            "account": POLICE.user_id,
        },
        "justice_reference": "PACOS 2026/123456",
        "purpose": "complaint filed",
        **more,
    }


def test_samples_taken_and_kept_without_a_complaint(session: Session) -> None:
    service = _service(session)
    case_id = _case(session)
    with pytest.raises(EvidenceRefused):
        _take(service, case_id, "oral_swabs")  # the kit number comes first
    with pytest.raises(EvidenceRefused):
        service.set_kit(case_id, "sas 12")  # not as printed
    service.set_kit(case_id, KIT.lower())
    oral = _take(service, case_id, "oral_swabs", seal_number="S-001", location="fridge 2")
    reference = _take(service, case_id, "reference_dna", seal_number="S-002")
    with pytest.raises(EvidenceRefused):
        _take(service, case_id, "oral_swabs")  # item 3 of this kit is already recorded
    with pytest.raises(ConsentMissing) as missing:
        _take(service, case_id, "tox_urine")  # toxicology needs its own consent
    assert missing.value.item == "toxicology"
    service.not_taken(case_id, "skin_swabs", "no licking or kissing reported")
    service.set_complaint(case_id, "later", {"at_local": "2026-03-14 04:10"})
    state = _state(service, case_id)
    evidence = service.evidence(state)
    assert evidence.kit_number == KIT
    assert evidence.complaint is ev.Complaint.LATER
    items = {i.id: i for i in evidence.listed()}
    assert items[oral].state is ItemState.STORED and items[oral].location == "fridge 2"
    assert items[reference].state is ItemState.SEALED
    # Adults: six months from the day it was collected (the default setting).
    assert items[oral].retention_until == date(2026, 9, 14)
    assert evidence.not_taken["skin_swabs"].reason == "no licking or kissing reported"
    # Nothing goes to the police without a complaint or a requisition.
    with pytest.raises(EvidenceRefused):
        service.move(case_id, oral, Move.HAND_TO_POLICE, _handover())


def test_a_complaint_filed_on_day_20_prepares_the_handover_and_the_inspector_confirms(
    session: Session, clock: FixedClock
) -> None:
    service = _service(session)
    case_id = _case(session)
    service.set_kit(case_id, KIT)
    oral = _take(service, case_id, "oral_swabs", seal_number="S-001", location="fridge 2")
    _take(service, case_id, "reference_dna", seal_number="S-002", location="cupboard")
    clock.current = clock.current + timedelta(days=20)
    with pytest.raises(EvidenceRefused):
        service.set_complaint(case_id, "filed", {})  # the PV number is needed
    service.set_complaint(
        case_id,
        "filed",
        {"report_number": "BR.12.LL.004512/2026", "inspector": "Inspector Seven"},
    )
    plan = service.handover_plan(_state(service, case_id))
    assert [p.item.item_number for p in plan] == ["3", "4"]
    assert all(p.within_48h for p in plan)  # swabs: to the laboratory within 48 hours
    with pytest.raises(EvidenceRefused):  # every item handed to justice needs a reference
        service.move(case_id, oral, Move.HAND_TO_POLICE, _handover(justice_reference=""))
    entry = service.move(case_id, oral, Move.HAND_TO_POLICE, _handover())

    # The inspector sees that handover and nothing else, and confirms it.
    police = _as(session, POLICE)
    mine = police.my_handovers()
    assert [(h.item_number, h.kit_number, h.confirmed_local) for h in mine] == [("3", KIT, None)]
    with pytest.raises(Forbidden):
        police.record.open_case(case_id)  # never the clinical record
    with pytest.raises(EvidenceRefused):
        _as(session, OTHER_POLICE).confirm_receipt(entry, "not mine")
    assert _as(session, OTHER_POLICE).my_handovers() == []
    police.confirm_receipt(entry, "received sealed", "2026-04-03 10:05")
    with pytest.raises(EvidenceRefused):
        police.confirm_receipt(entry)  # once
    item = service.evidence(_state(service, case_id)).items[oral]
    assert item.state is ItemState.WITH_POLICE
    assert item.moves[-1].receipt == "received sealed"
    reads = audit_log.records_with_action(session.vault.conn, Action.CUSTODY_READ.value)
    assert len(reads) == 2 and {r.actor for r in reads} == {POLICE.user_id, OTHER_POLICE.user_id}
    overview = _as(session, COORDINATOR).overview(date(2026, 4, 4))
    assert overview.unconfirmed_count == 0 and overview.stored_count == 1


def test_a_judicial_requisition_without_a_complaint_opens_the_route(session: Session) -> None:
    service = _service(session)
    case_id = _case(session, groups=("oral", "reference_dna", "clothing"))
    service.set_kit(case_id, KIT)
    clothing = _take(service, case_id, "underwear", seal_number="S-010", location="dry room")
    with pytest.raises(EvidenceRefused):
        service.record_requisition(case_id, {"magistrate": "Judge D."})
    service.record_requisition(
        case_id,
        {
            "magistrate": "Investigating judge D. (synthetic)",
            "reference": "REQ 26/0042",
            "orders": "deliver the underwear to the NICC",
        },
    )
    state = _state(service, case_id)
    assert state.evidence.complaint is ev.Complaint.UNDECIDED
    service.move(
        case_id,
        clothing,
        Move.LAB_RECEIVED,
        _handover(laboratory="NICC/INCC", received_by={"name": "NICC reception"}),
    )
    item = service.evidence(_state(service, case_id)).items[clothing]
    assert item.state is ItemState.AT_LAB
    overview = _as(session, COORDINATOR).overview(date(2026, 3, 20))
    assert [r.item_number for r in overview.unconfirmed] == ["6"]


def test_retention_reached_without_a_complaint_the_coordinator_destroys(
    session: Session,
) -> None:
    service = _service(session)
    case_id = _case(session)
    service.set_kit(case_id, KIT)
    oral = _take(service, case_id, "oral_swabs", seal_number="S-001", location="fridge 2")
    coordinator = _as(session, COORDINATOR)
    soon = coordinator.overview(date(2026, 8, 20))
    assert [r.item_number for r in soon.due_soon] == ["3"] and soon.past_count == 0
    assert coordinator.overview(date(2026, 7, 1)).due_soon_count == 0
    past = coordinator.overview(date(2026, 9, 15))
    assert [r.item_number for r in past.past] == ["3"]
    with pytest.raises(EvidenceRefused):  # a nurse never destroys
        service.destroy(case_id, oral, "retention reached")
    with pytest.raises(EvidenceRefused):  # before the retention date: refused
        coordinator.destroy(case_id, oral, "retention reached")
    session.record.clock.current = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    with pytest.raises(EvidenceRefused):
        coordinator.destroy(case_id, oral, "")  # a reason
    with pytest.raises(EvidenceRefused):  # the coordinator never hands over
        coordinator.move(case_id, oral, Move.HAND_TO_POLICE, _handover())
    coordinator.destroy(case_id, oral, "retention reached; no complaint; person informed")
    item = service.evidence(_state(service, case_id)).items[oral]
    assert item.state is ItemState.DESTROYED
    assert item.moves[-1].note.startswith("retention reached")
    assert coordinator.overview(date(2026, 9, 16)).stored_count == 0


def test_a_minor_is_kept_for_the_longer_period_from_birth(session: Session) -> None:
    service = _service(session)
    case_id = _case(session, age=15)
    session.record.record_fields(case_id, "identity", {"date_of_birth": "2010-05-02"})
    service.set_kit(case_id, KIT)
    oral = _take(service, case_id, "oral_swabs")
    item = service.evidence(_state(service, case_id)).items[oral]
    assert item.retention_until == date(2060, 5, 2)  # 50 years from the date of birth


def test_a_settings_change_applies_to_new_items_unless_the_coordinator_reapplies(
    session: Session,
) -> None:
    service = _service(session)
    case_id = _case(session)
    service.set_kit(case_id, KIT)
    first = _take(service, case_id, "oral_swabs", seal_number="S-1", location="fridge")
    with pytest.raises(Forbidden):
        service.set_retention_settings(12, 50, True)
    coordinator = _as(session, COORDINATOR)
    with pytest.raises(EvidenceRefused):
        coordinator.set_retention_settings(0, 50, True)
    coordinator.set_retention_settings(12, 50, True)
    second = _take(service, case_id, "reference_dna")
    items = service.evidence(_state(service, case_id)).items
    assert items[first].retention_until == date(2026, 9, 14)  # unchanged
    assert items[second].retention_until == date(2027, 3, 14)  # the new setting
    assert items[second].retention_version == 2
    coordinator.set_retention_settings(9, 50, True, reapply=True)
    items = service.evidence(_state(service, case_id)).items
    assert items[first].retention_until == date(2026, 12, 14)
    changes = audit_log.records_with_action(session.vault.conn, Action.SETTING_CHANGE.value)
    reasons = sorted(c.reason or "" for c in changes if "evidence_retention" in (c.reason or ""))
    assert len(reasons) == 2
    assert "v2; reapplied to kept items: no" in reasons[0]
    assert "v3; reapplied to kept items: yes" in reasons[1]


def test_the_storage_temperature_must_match_how_the_item_is_kept(session: Session) -> None:
    service = _service(session)
    case_id = _case(session)
    service.set_kit(case_id, KIT)
    with pytest.raises(EvidenceRefused):
        _take(service, case_id, "oral_swabs", storage="freeze", temperature_c=20.0)
    with pytest.raises(EvidenceRefused):
        _take(service, case_id, "oral_swabs", storage="in a drawer")
    item = _take(service, case_id, "oral_swabs", storage="freeze", temperature_c=-20.0)
    kept = service.evidence(_state(service, case_id)).items[item]
    assert (kept.storage, kept.temperature_c) == ("freeze", -20.0)


def test_every_kept_item_is_handed_over_together_or_none(session: Session) -> None:
    service = _service(session)
    case_id = _case(session)
    service.set_kit(case_id, KIT)
    sealed = [
        _take(service, case_id, "oral_swabs", seal_number="S-1", location="fridge"),
        _take(service, case_id, "reference_dna", seal_number="S-2"),
    ]
    unsealed = _take(service, case_id, "reference_dna", item_number="4b")
    service.set_complaint(case_id, "filed", {"report_number": "PV 1/2026"})
    with pytest.raises(EvidenceRefused):  # a handover, not a seal
        service.hand_over_all(case_id, Move.SEAL, _handover())
    with pytest.raises(EvidenceRefused):  # no reference: none goes
        service.hand_over_all(case_id, Move.HAND_TO_POLICE, _handover(justice_reference=""))
    items = service.evidence(_state(service, case_id)).items
    assert all(items[i].state is not ItemState.WITH_POLICE for i in sealed)
    entries = service.hand_over_all(case_id, Move.HAND_TO_POLICE, _handover())
    items = service.evidence(_state(service, case_id)).items
    assert len(entries) == 2
    assert [items[i].state for i in sealed] == [ItemState.WITH_POLICE] * 2
    assert items[unsealed].state is ItemState.COLLECTED  # never sealed: it stays
    assert len(_as(session, POLICE).my_handovers()) == 2
