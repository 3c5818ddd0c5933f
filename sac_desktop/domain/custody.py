"""The chain of custody of one evidence item as a state machine (Qt-free, pure).

An item is collected, sealed and stored at the centre; it goes to justice (the police, the
court registry, a laboratory) only after a complaint or under a judicial requisition, and
always with a registry number or a police PACOS / SIN reference; it may come back to the
centre, and it is destroyed only by the coordinator, after its retention date, when no
complaint or requisition covers it. Every move is checked here (:func:`next_state`), so
whoever reviews this module reviews what the application lets happen to evidence.

Victims and companions never handle evidence: who may record a move is decided by the
permissions, not here (except that only the coordinator destroys).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sac_desktop.domain.retention import past
from sac_desktop.i18n import N_


class ItemState(StrEnum):
    COLLECTED = "collected"  # at the centre, not sealed yet
    SEALED = "sealed"  # at the centre
    STORED = "stored"  # at the centre
    WITH_POLICE = "with_police"
    AT_REGISTRY = "at_registry"  # court registry (griffie / greffe)
    AT_LAB = "at_lab"
    RETURNED = "returned"  # back at the centre after justice
    DESTROYED = "destroyed"


class Move(StrEnum):
    SEAL = "seal"
    STORE = "store"
    HAND_TO_POLICE = "hand_to_police"
    DEPOSIT_REGISTRY = "deposit_registry"
    LAB_RECEIVED = "lab_received"
    RETURN = "return"
    DESTROY = "destroy"


class Holder(StrEnum):
    CENTRE = "centre"
    POLICE = "police"
    REGISTRY = "registry"
    LABORATORY = "laboratory"
    NONE = "none"  # destroyed


_HOLDERS: dict[ItemState, Holder] = {
    ItemState.COLLECTED: Holder.CENTRE,
    ItemState.SEALED: Holder.CENTRE,
    ItemState.STORED: Holder.CENTRE,
    ItemState.WITH_POLICE: Holder.POLICE,
    ItemState.AT_REGISTRY: Holder.REGISTRY,
    ItemState.AT_LAB: Holder.LABORATORY,
    ItemState.RETURNED: Holder.CENTRE,
    ItemState.DESTROYED: Holder.NONE,
}


def holder(state: ItemState) -> Holder:
    """Who holds an item in ``state`` (exactly one holder; nobody once destroyed)."""
    return _HOLDERS[state]


STATE_LABELS: dict[ItemState, str] = {
    ItemState.COLLECTED: N_("collected, not sealed"),
    ItemState.SEALED: N_("sealed"),
    ItemState.STORED: N_("stored at the centre"),
    ItemState.WITH_POLICE: N_("with the police"),
    ItemState.AT_REGISTRY: N_("at the court registry"),
    ItemState.AT_LAB: N_("at the laboratory"),
    ItemState.RETURNED: N_("returned to the centre"),
    ItemState.DESTROYED: N_("destroyed"),
}

MOVE_LABELS: dict[Move, str] = {
    Move.SEAL: N_("Seal"),
    Move.STORE: N_("Store at the centre"),
    Move.HAND_TO_POLICE: N_("Hand to the police"),
    Move.DEPOSIT_REGISTRY: N_("Deposit at the court registry"),
    Move.LAB_RECEIVED: N_("Received by the laboratory"),
    Move.RETURN: N_("Returned to the centre"),
    Move.DESTROY: N_("Destroy"),
}

#: The allowed moves: state → move → the state it leads to. Nothing leaves DESTROYED.
TRANSITIONS: dict[ItemState, dict[Move, ItemState]] = {
    ItemState.COLLECTED: {Move.SEAL: ItemState.SEALED},
    ItemState.SEALED: {
        Move.STORE: ItemState.STORED,
        Move.HAND_TO_POLICE: ItemState.WITH_POLICE,
        Move.DEPOSIT_REGISTRY: ItemState.AT_REGISTRY,
        Move.DESTROY: ItemState.DESTROYED,
    },
    ItemState.STORED: {
        Move.HAND_TO_POLICE: ItemState.WITH_POLICE,
        Move.DEPOSIT_REGISTRY: ItemState.AT_REGISTRY,
        Move.LAB_RECEIVED: ItemState.AT_LAB,  # only under a requisition
        Move.DESTROY: ItemState.DESTROYED,
    },
    ItemState.WITH_POLICE: {
        Move.DEPOSIT_REGISTRY: ItemState.AT_REGISTRY,
        Move.LAB_RECEIVED: ItemState.AT_LAB,
        Move.RETURN: ItemState.RETURNED,
    },
    ItemState.AT_REGISTRY: {
        Move.LAB_RECEIVED: ItemState.AT_LAB,
        Move.RETURN: ItemState.RETURNED,
    },
    ItemState.AT_LAB: {Move.RETURN: ItemState.RETURNED},
    ItemState.RETURNED: {
        Move.SEAL: ItemState.SEALED,  # a new seal
        Move.STORE: ItemState.STORED,  # it keeps its seal
        Move.DESTROY: ItemState.DESTROYED,
    },
    ItemState.DESTROYED: {},
}

#: Item kinds (``MoveContext.item_kind``).
ITEM_KINDS: tuple[str, ...] = (
    "swab",
    "urine",
    "blood",
    "hair",
    "scraping",
    "combing",
    "clothing",
    "tampon_pad",
    "other",
)
CLOTHING = "clothing"


@dataclass(frozen=True)
class MoveContext:
    """What a move is checked against (the item, the case and the person acting)."""

    item_kind: str  # one of ITEM_KINDS
    complaint_filed: bool  # a police complaint is on record
    requisition: bool  # a judicial requisition covers the evidence
    justice_reference: str  # court registry number or police PACOS / SIN reference ("" if none)
    seal_number: str  # for SEAL: the new seal's number; else the current seal ("" if never)
    location: str  # for STORE: where at the centre
    laboratory: str  # for LAB_RECEIVED: the laboratory (a field, e.g. "NICC/INCC")
    seal_intact: bool  # as found by the receiving party
    note: str  # required when the seal is not intact; the reason for DESTROY
    retention_until: date | None  # the item's retention date (None: not set)
    today: date
    coordinator: bool  # the person acting is the coordinator (DESTROY needs it)


class CustodyRefused(ValueError):
    """A move the rules do not allow: a stable ``code`` and a msgid saying why and what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Refusal codes (stable: services and tests match on them).
NOT_FROM_HERE = "not_from_here"
NO_SEAL_NUMBER = "no_seal_number"
NOT_SEALED = "not_sealed"
NO_LOCATION = "no_location"
NO_LEGAL_ROUTE = "no_legal_route"
NO_JUSTICE_REFERENCE = "no_justice_reference"
LAB_NEEDS_REQUISITION = "lab_needs_requisition"
NO_LABORATORY = "no_laboratory"
CLOTHING_NEEDS_REQUISITION = "clothing_needs_requisition"
KEPT_FOR_JUSTICE = "kept_for_justice"
NO_RETENTION_DATE = "no_retention_date"
BEFORE_RETENTION_DATE = "before_retention_date"
COORDINATOR_ONLY = "coordinator_only"
NO_REASON = "no_reason"
SEAL_NOTE_NEEDED = "seal_note_needed"

#: Why a move cannot follow from a state (code ``not_from_here``), naming the state.
NOT_FROM_HERE_MESSAGES: dict[ItemState, str] = {
    ItemState.COLLECTED: N_("The item is not sealed yet: seal it first, with the seal's number."),
    ItemState.SEALED: N_(
        "The item is sealed at the centre: this step cannot follow from there. "
        "Check where the item is now."
    ),
    ItemState.STORED: N_(
        "The item is stored at the centre: this step cannot follow from there. "
        "Check where the item is now."
    ),
    ItemState.WITH_POLICE: N_(
        "The item is with the police: this step cannot follow from there. "
        "Check where the item is now."
    ),
    ItemState.AT_REGISTRY: N_(
        "The item is at the court registry: this step cannot follow from there. "
        "Check where the item is now."
    ),
    ItemState.AT_LAB: N_(
        "The item is at the laboratory: only its return to the centre can be recorded now."
    ),
    ItemState.RETURNED: N_(
        "The item is back at the centre after justice: from there it can be sealed again, "
        "stored or destroyed."
    ),
    ItemState.DESTROYED: N_("The item was destroyed: nothing more can be recorded on it."),
}

#: The other refusals: code → msgid.
MESSAGES: dict[str, str] = {
    NO_SEAL_NUMBER: N_("Enter the seal's number."),
    NOT_SEALED: N_("The item has no seal on record: seal it first, with the seal's number."),
    NO_LOCATION: N_("Say where at the centre the item is stored."),
    NO_LEGAL_ROUTE: N_(
        "Evidence goes to justice only after a complaint or under a judicial requisition. "
        "Keep the item at the centre until then."
    ),
    NO_JUSTICE_REFERENCE: N_(
        "Every item handed to justice needs a registry number or a PACOS / SIN reference: "
        "enter it first."
    ),
    LAB_NEEDS_REQUISITION: N_(
        "An item goes from the centre straight to a laboratory only under a judicial "
        "requisition. Otherwise hand it to the police or deposit it at the court registry."
    ),
    NO_LABORATORY: N_("Name the laboratory that received the item."),
    CLOTHING_NEEDS_REQUISITION: N_(
        "The laboratory refuses clothing sent without a judicial requisition: "
        "keep it until a requisition covers it."
    ),
    KEPT_FOR_JUSTICE: N_(
        "A complaint or a judicial requisition covers this item: it is kept for justice "
        "and cannot be destroyed."
    ),
    NO_RETENTION_DATE: N_(
        "The item has no retention date, so it cannot be destroyed: set its retention date first."
    ),
    BEFORE_RETENTION_DATE: N_(
        "The item is kept until its retention date: it cannot be destroyed before then."
    ),
    COORDINATOR_ONLY: N_("Only the coordinator records the destruction of evidence."),
    NO_REASON: N_("Give the reason for destroying the item."),
    SEAL_NOTE_NEEDED: N_("The seal is not intact: say what was found."),
}

#: Moves that take the item to justice (the police, the registry or a laboratory).
TO_JUSTICE: frozenset[Move] = frozenset(
    {Move.HAND_TO_POLICE, Move.DEPOSIT_REGISTRY, Move.LAB_RECEIVED}
)


def _refuse(code: str) -> CustodyRefused:
    return CustodyRefused(code, MESSAGES[code])


def _blank(text: str) -> bool:
    return not text.strip()


def next_state(state: ItemState, move: Move, ctx: MoveContext) -> ItemState:
    """The state ``move`` leads to from ``state``; :class:`CustodyRefused` when not allowed."""
    row = TRANSITIONS[state]
    if move not in row:
        raise CustodyRefused(NOT_FROM_HERE, NOT_FROM_HERE_MESSAGES[state])
    if move is Move.SEAL:
        if _blank(ctx.seal_number):
            raise _refuse(NO_SEAL_NUMBER)
    elif move is Move.STORE:
        if _blank(ctx.seal_number):
            raise _refuse(NOT_SEALED)
        if _blank(ctx.location):
            raise _refuse(NO_LOCATION)
    elif move in (Move.HAND_TO_POLICE, Move.DEPOSIT_REGISTRY):
        if _blank(ctx.seal_number):
            raise _refuse(NOT_SEALED)
        if not (ctx.complaint_filed or ctx.requisition):
            raise _refuse(NO_LEGAL_ROUTE)
        if _blank(ctx.justice_reference):
            raise _refuse(NO_JUSTICE_REFERENCE)
    elif move is Move.LAB_RECEIVED:
        if state is ItemState.STORED and not ctx.requisition:
            raise _refuse(LAB_NEEDS_REQUISITION)
        if ctx.item_kind == CLOTHING and not ctx.requisition:
            raise _refuse(CLOTHING_NEEDS_REQUISITION)
        if _blank(ctx.seal_number):
            raise _refuse(NOT_SEALED)
        if _blank(ctx.justice_reference):
            raise _refuse(NO_JUSTICE_REFERENCE)
        if _blank(ctx.laboratory):
            raise _refuse(NO_LABORATORY)
    elif move is Move.DESTROY:
        if ctx.complaint_filed or ctx.requisition:
            raise _refuse(KEPT_FOR_JUSTICE)
        if ctx.retention_until is None:
            raise _refuse(NO_RETENTION_DATE)
        if not past(ctx.retention_until, ctx.today):
            raise _refuse(BEFORE_RETENTION_DATE)
        if not ctx.coordinator:
            raise _refuse(COORDINATOR_ONLY)
        if _blank(ctx.note):
            raise _refuse(NO_REASON)
    if move is not Move.SEAL and not ctx.seal_intact and _blank(ctx.note):
        raise _refuse(SEAL_NOTE_NEEDED)
    return row[move]


def custody_gaps(history: Sequence[tuple[ItemState, Move, ItemState]]) -> list[int]:
    """Indexes of steps whose from-state is not the previous step's to-state ([] when sound)."""
    return [index for index in range(1, len(history)) if history[index][0] != history[index - 1][2]]
