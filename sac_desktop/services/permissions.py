"""Who may do what: one table, role x area x operation, enforced here in the services.

Hiding a button is a courtesy; this table is the rule. Each later feature adds its rows.
Qt-free.
"""

from __future__ import annotations

from enum import StrEnum

from sac_desktop.domain.entries import KIND_CASE_OPENED, KIND_FIELD_SET
from sac_desktop.domain.roles import Actor, Role


class Op(StrEnum):
    READ = "read"
    WRITE = "write"
    REVEAL = "reveal"  # identity fields: shown only on request, with a reason
    SEE_EXISTENCE = "see_existence"  # that something took place, when and by whom


class Area(StrEnum):
    """A part of the record, or of the application, that permissions speak about."""

    CASE = "case"  # opening a case, its number and its clinical record
    IDENTITY = "identity"  # name, date of birth, address, national register number
    PSYCHOLOGY = "psychology"  # content of psychological consultations
    CUSTODY = "custody"  # evidence and its chain of custody
    ACCOUNTS = "accounts"
    SETTINGS = "settings"
    AUDIT = "audit"  # verifying the trail, lifting a sign-in throttle
    RECEIPT = "receipt"  # a police inspector's record of receiving evidence handed to them
    CIRCLE = "circle"  # the support circle: the staff's list of the person's companions
    REFERRAL = "referral"  # referrals of a case to partners of the directory
    CLOSURE = "closure"  # closing a case, and reopening it


NURSE, DOCTOR, PSY, POLICE, COORD = (
    Role.FORENSIC_NURSE,
    Role.PHYSICIAN,
    Role.PSYCHOLOGIST,
    Role.POLICE_INSPECTOR,
    Role.COORDINATOR,
)

#: The table. Police inspectors never read the record itself: only custody records they
#: take part in and the documents issued to them (checked by those features).
PERMISSIONS: dict[Area, dict[Op, frozenset[Role]]] = {
    Area.CASE: {
        Op.READ: frozenset({NURSE, DOCTOR, PSY, COORD}),
        Op.WRITE: frozenset({NURSE, DOCTOR}),
    },
    Area.IDENTITY: {
        Op.READ: frozenset(),  # never shown in the clear without a reason
        Op.REVEAL: frozenset({NURSE, DOCTOR, PSY, COORD}),
        Op.WRITE: frozenset({NURSE, DOCTOR, COORD}),
    },
    Area.PSYCHOLOGY: {
        Op.READ: frozenset({PSY}),
        Op.WRITE: frozenset({PSY}),
        Op.SEE_EXISTENCE: frozenset({NURSE, DOCTOR, PSY, COORD}),
    },
    Area.CUSTODY: {
        Op.READ: frozenset({NURSE, DOCTOR, COORD}),
        # The coordinator writes one move only, the destruction after the retention date
        # (services.evidence checks it): never a handover.
        Op.WRITE: frozenset({NURSE, DOCTOR, COORD}),
        Op.SEE_EXISTENCE: frozenset({NURSE, DOCTOR, COORD, POLICE}),
    },
    # Police inspectors read the handovers they took part in (nothing else of a case) and
    # record their own receipt of them.
    Area.RECEIPT: {
        Op.READ: frozenset({POLICE, NURSE, DOCTOR, COORD}),
        Op.WRITE: frozenset({POLICE}),
    },
    # The support circle (``circle.member`` entries) is clinical-record data that the
    # psychologist keeps too (companions are offered support): written like the case,
    # and by psychologists; read by whoever reads the case.
    Area.CIRCLE: {
        Op.READ: frozenset({NURSE, DOCTOR, PSY, COORD}),
        Op.WRITE: frozenset({NURSE, DOCTOR, PSY}),
    },
    # Referrals: the case manager, the physician and the psychologist refer; the
    # coordinator reads them (the directory itself is a setting: the coordinator's).
    Area.REFERRAL: {
        Op.READ: frozenset({NURSE, DOCTOR, PSY, COORD}),
        Op.WRITE: frozenset({NURSE, DOCTOR, PSY}),
    },
    # Closing a case when its aftercare is over, and reopening it: the case manager, the
    # physician, and the coordinator (a case lost to follow-up).
    Area.CLOSURE: {
        Op.READ: frozenset({NURSE, DOCTOR, PSY, COORD}),
        Op.WRITE: frozenset({NURSE, DOCTOR, COORD}),
    },
    Area.ACCOUNTS: {Op.READ: frozenset({COORD}), Op.WRITE: frozenset({COORD})},
    Area.SETTINGS: {Op.READ: frozenset({COORD}), Op.WRITE: frozenset({COORD})},
    Area.AUDIT: {Op.READ: frozenset({COORD}), Op.WRITE: frozenset({COORD})},
}

#: Field sections that belong to an area other than the clinical record.
SECTION_AREAS: dict[str, Area] = {"identity": Area.IDENTITY, "psychology": Area.PSYCHOLOGY}


class Forbidden(PermissionError):
    """The acting role may not do this (a calm message in the interface; audited nowhere)."""

    def __init__(self, area: Area, op: Op) -> None:
        super().__init__(f"{op.value} {area.value}")
        self.area = area
        self.op = op


def allowed(role: Role, area: Area, op: Op) -> bool:
    return role in PERMISSIONS.get(area, {}).get(op, frozenset())


def require(actor: Actor, area: Area, op: Op) -> None:
    if not allowed(actor.role, area, op):
        raise Forbidden(area, op)


#: Entry kinds whose area is not the one their prefix names.
KIND_AREAS: dict[str, Area] = {
    "custody.receipt": Area.RECEIPT,
    "evidence.retention": Area.SETTINGS,  # the coordinator sets retention dates again
    "case.closed": Area.CLOSURE,
    "case.reopened": Area.CLOSURE,
}


def area_of(kind: str, section: str | None = None) -> Area:
    """The area an entry belongs to, by its kind (and section for field entries)."""
    if kind in KIND_AREAS:
        return KIND_AREAS[kind]
    if kind == KIND_FIELD_SET and section is not None:
        return SECTION_AREAS.get(section, Area.CASE)
    if kind in (KIND_CASE_OPENED, KIND_FIELD_SET):
        return Area.CASE
    prefix = kind.split(".", 1)[0]
    try:
        return Area(prefix)
    except ValueError:
        return Area.CASE
