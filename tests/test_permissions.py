"""The permission table, cell by cell, through the services (never through the widgets)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sac_desktop.domain.audit import Action
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.services.permissions import PERMISSIONS, Area, Forbidden, Op, allowed
from sac_desktop.services.record import ReasonRequired
from sac_desktop.services.session import Session
from sac_desktop.storage import audit_log

ROLES = list(Role)
SECRET = "Synthetic Name Marker"


@pytest.fixture
def case(session: Session) -> str:
    case_id, _ = session.record.create_case()
    session.record.record_fields(case_id, "arrival", {"how": "taxi"})
    session.record.record_fields(case_id, "identity", {"name": SECRET})
    psy = Session(session.vault, Actor("psy-1", Role.PSYCHOLOGIST), session.trail.clock, [])
    psy.record.record_fields(case_id, "psychology", {"note": "synthetic consultation"})
    return case_id


def _as(session: Session, role: Role) -> Session:
    return Session(session.vault, Actor(f"{role.value}-x", role), session.trail.clock, [])


ACTIONS: dict[str, tuple[Area, Op, Callable[[Session, str], object]]] = {
    "create case": (Area.CASE, Op.WRITE, lambda s, c: s.record.create_case()),
    "write clinical field": (
        Area.CASE,
        Op.WRITE,
        lambda s, c: s.record.record_fields(c, "arrival", {"how": "on_foot"}),
    ),
    "save clinical draft": (
        Area.CASE,
        Op.WRITE,
        lambda s, c: s.record.save_draft(c, "arrival", {"how": "x"}),
    ),
    "write identity": (
        Area.IDENTITY,
        Op.WRITE,
        lambda s, c: s.record.record_fields(c, "identity", {"name": "Other"}),
    ),
    "write psychology": (
        Area.PSYCHOLOGY,
        Op.WRITE,
        lambda s, c: s.record.record_fields(c, "psychology", {"note": "n"}),
    ),
    "open case": (Area.CASE, Op.READ, lambda s, c: s.record.open_case(c)),
    "reveal identity": (
        Area.IDENTITY,
        Op.REVEAL,
        lambda s, c: s.record.reveal_identity(c, "needed for the referral"),
    ),
}


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_cell_is_enforced_by_the_services(
    session: Session, case: str, role: Role, action: str
) -> None:
    area, op, call = ACTIONS[action]
    actor_session = _as(session, role)
    if allowed(role, area, op):
        call(actor_session, case)
    else:
        with pytest.raises(Forbidden):
            call(actor_session, case)


def test_police_never_read_the_record() -> None:
    assert not allowed(Role.POLICE_INSPECTOR, Area.CASE, Op.READ)
    # Their own receipts of evidence handed to them are the one thing they read and write.
    others = [a for a in Area if a is not Area.RECEIPT]
    assert all(Role.POLICE_INSPECTOR not in PERMISSIONS[a].get(Op.READ, ()) for a in others)
    assert [r for r in Role if allowed(r, Area.RECEIPT, Op.WRITE)] == [Role.POLICE_INSPECTOR]


def test_only_coordinators_manage_accounts_settings_and_audit() -> None:
    for area in (Area.ACCOUNTS, Area.SETTINGS, Area.AUDIT):
        for op in (Op.READ, Op.WRITE):
            assert [r for r in Role if allowed(r, area, op)] == [Role.COORDINATOR]


@pytest.mark.parametrize(
    "role", [Role.FORENSIC_NURSE, Role.PHYSICIAN, Role.COORDINATOR, Role.PSYCHOLOGIST]
)
def test_what_each_role_sees_of_the_same_case(session: Session, case: str, role: Role) -> None:
    state = _as(session, role).record.open_case(case)
    assert state.value("arrival.how") == "taxi"
    identity = state.fields["identity.name"]
    assert identity.hidden and identity.value is None  # hidden until revealed, for everyone
    psych = state.fields.get("psychology.note")
    assert psych is not None  # everyone who reads the case sees that a consultation exists
    if role is Role.PSYCHOLOGIST:
        assert not psych.hidden and psych.value == "synthetic consultation"
    else:
        assert psych.hidden and psych.value is None
        assert all(v.value is None for v in state.history["psychology.note"])


def test_revealing_identity_needs_a_reason_that_is_audited(session: Session, case: str) -> None:
    with pytest.raises(ReasonRequired):
        session.record.reveal_identity(case, "   ")
    state = session.record.reveal_identity(case, "checking the referral letter")
    assert state.value("identity.name") == SECRET
    last = audit_log.records_for_case(session.vault.conn, case)[-1]
    assert last.action == Action.IDENTITY_REVEAL and last.reason == "checking the referral letter"
    assert SECRET not in repr(audit_log.records_for_case(session.vault.conn, case))


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_maintenance_and_audit_reads_are_coordinator_only(session: Session, role: Role) -> None:
    actor_session = _as(session, role)
    calls = [actor_session.verify, actor_session.record.rebuild_projections]
    for call in calls:
        if role is Role.COORDINATOR:
            call()
        else:
            with pytest.raises(Forbidden):
                call()
