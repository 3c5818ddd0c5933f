"""Forensic evidence of a case as recorded: the kit, the items collected (or deliberately
not), their custody moves, the complaint decision and judicial requisitions (Qt-free).

What may happen to an item is decided by ``domain.custody``; how long it is kept by
``domain.retention``; what to sample by ``domain.sampling``. This module folds the
entries into the case's evidence state, in recorded order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sac_desktop.domain.custody import ItemState, Move
from sac_desktop.domain.entries import (
    KIND_COMPLAINT,
    KIND_CUSTODY_MOVE,
    KIND_CUSTODY_RECEIPT,
    KIND_EVIDENCE_ITEM,
    KIND_EVIDENCE_KIT,
    KIND_EVIDENCE_NOT_TAKEN,
    KIND_EVIDENCE_RETENTION,
    KIND_REQUISITION,
    Entry,
)
from sac_desktop.i18n import N_

__all__ = [
    "KIND_COMPLAINT",
    "KIND_CUSTODY_MOVE",
    "KIND_CUSTODY_RECEIPT",
    "KIND_EVIDENCE_ITEM",
    "KIND_EVIDENCE_KIT",
    "KIND_EVIDENCE_NOT_TAKEN",
    "KIND_EVIDENCE_RETENTION",
    "KIND_REQUISITION",
]

KINDS = frozenset(
    {
        KIND_COMPLAINT,
        KIND_CUSTODY_MOVE,
        KIND_CUSTODY_RECEIPT,
        KIND_EVIDENCE_ITEM,
        KIND_EVIDENCE_KIT,
        KIND_EVIDENCE_NOT_TAKEN,
        KIND_EVIDENCE_RETENTION,
        KIND_REQUISITION,
    }
)

#: Items that must reach the genetics laboratory within 48 hours once with justice.
LIQUID_KINDS = frozenset({"urine", "blood", "swab"})
STORAGE_LABELS: dict[str, str] = {
    "dry_room": N_("dried, room temperature"),
    "refrigerate": N_("refrigerated"),
    "freeze": N_("frozen"),
}


class Complaint(StrEnum):
    UNDECIDED = "undecided"  # nothing recorded yet
    FILED = "filed"  # a complaint was filed (at the centre or later)
    LATER = "later"  # the person decides later: evidence is kept until its date
    DECLINED = "declined"


COMPLAINT_LABELS: dict[Complaint, str] = {
    Complaint.UNDECIDED: N_("not decided"),
    Complaint.FILED: N_("complaint filed"),
    Complaint.LATER: N_("to be decided later"),
    Complaint.DECLINED: N_("declined"),
}


@dataclass(frozen=True)
class Party:
    """Who releases or receives an item: name, service, badge or registry number."""

    name: str
    service: str = ""
    number: str = ""
    account: str = ""  # the receiving inspector's account, when they have one

    @classmethod
    def of(cls, value: Any) -> Party:
        data = value if isinstance(value, Mapping) else {}
        return cls(
            str(data.get("name", "")),
            str(data.get("service", "")),
            str(data.get("number", "")),
            str(data.get("account", "")),
        )

    def text(self) -> str:
        return ", ".join(p for p in (self.name, self.service, self.number) if p)


@dataclass(frozen=True)
class CustodyMove:
    entry_id: str
    move: Move
    from_state: ItemState
    to_state: ItemState
    at_local: str
    released_by: Party
    received_by: Party
    purpose: str
    seal_intact: bool
    note: str
    seal_number: str
    location: str
    laboratory: str
    justice_reference: str
    author: str
    recorded_utc: datetime
    receipt: str = ""  # the inspector's receipt note, once recorded
    receipt_at: str = ""


@dataclass(frozen=True)
class Item:
    """A sample or item collected, as its latest entries describe it."""

    id: str
    item_number: str
    sample: str  # the protocol's sample id ("" for another item, e.g. a garment)
    kind: str
    text: str  # what and where, as recorded
    group: str  # its consent group ("oral", "clothing", "toxicology", …)
    collected_local: str
    collected_by: str  # account id
    storage: str
    temperature_c: float | None
    retention_until: date | None
    retention_version: int
    entry_id: str
    state: ItemState = ItemState.COLLECTED
    seal_number: str = ""
    location: str = ""
    moves: tuple[CustodyMove, ...] = ()

    @property
    def at_centre(self) -> bool:
        return self.state in (
            ItemState.COLLECTED,
            ItemState.SEALED,
            ItemState.STORED,
            ItemState.RETURNED,
        )


@dataclass(frozen=True)
class NotTaken:
    sample: str
    reason: str
    entry_id: str
    author: str


@dataclass(frozen=True)
class ComplaintRecord:
    decision: Complaint
    report_number: str
    inspector: str
    prosecutor_office: str
    at_local: str
    entry_id: str
    author: str


@dataclass(frozen=True)
class Requisition:
    id: str
    magistrate: str
    reference: str
    orders: str
    at_local: str
    entry_id: str


@dataclass
class Evidence:
    """The evidence part of a case's state."""

    kit_number: str = ""
    items: dict[str, Item] = field(default_factory=dict)
    not_taken: dict[str, NotTaken] = field(default_factory=dict)
    complaints: list[ComplaintRecord] = field(default_factory=list)
    requisitions: list[Requisition] = field(default_factory=list)

    @property
    def complaint(self) -> Complaint:
        return self.complaints[-1].decision if self.complaints else Complaint.UNDECIDED

    def listed(self) -> list[Item]:
        return sorted(self.items.values(), key=lambda i: (_sort_key(i.item_number), i.id))

    def move_entry(self, entry_id: str) -> tuple[Item, CustodyMove] | None:
        for item in self.items.values():
            for move in item.moves:
                if move.entry_id == entry_id:
                    return item, move
        return None


def _sort_key(number: str) -> tuple[int, str]:
    digits = "".join(c for c in number if c.isdigit())
    return (int(digits) if digits else 10**6, number)


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def fold(evidence: Evidence, entry: Entry) -> None:
    """Apply one evidence entry (recorded order)."""
    kind, payload, entry_id, author, at_utc = (
        entry.kind,
        entry.payload,
        entry.id,
        entry.author,
        entry.at_utc,
    )
    if kind == KIND_EVIDENCE_KIT:
        evidence.kit_number = _text(payload, "kit_number")
    elif kind == KIND_EVIDENCE_ITEM:
        item_id = str(payload["id"])
        previous = evidence.items.get(item_id)
        temperature = payload.get("temperature_c")
        item = Item(
            id=item_id,
            item_number=_text(payload, "item_number"),
            sample=_text(payload, "sample"),
            kind=_text(payload, "kind"),
            text=_text(payload, "text"),
            group=_text(payload, "group"),
            collected_local=_text(payload, "collected_local"),
            collected_by=_text(payload, "collected_by") or author,
            storage=_text(payload, "storage"),
            temperature_c=float(temperature) if isinstance(temperature, int | float) else None,
            retention_until=_date(payload.get("retention_until")),
            retention_version=int(payload.get("retention_version", 0) or 0),
            entry_id=entry_id,
        )
        if previous is not None:  # an amendment of its description: custody stays
            item = replace(
                item,
                state=previous.state,
                seal_number=previous.seal_number,
                location=previous.location,
                moves=previous.moves,
            )
        evidence.items[item_id] = item
        evidence.not_taken.pop(item.sample, None)
    elif kind == KIND_EVIDENCE_NOT_TAKEN:
        sample = _text(payload, "sample")
        if payload.get("void"):
            evidence.not_taken.pop(sample, None)
        else:
            evidence.not_taken[sample] = NotTaken(
                sample, _text(payload, "reason"), entry_id, author
            )
    elif kind == KIND_EVIDENCE_RETENTION:
        found = evidence.items.get(str(payload["item_id"]))
        if found is not None:
            evidence.items[found.id] = replace(
                found,
                retention_until=_date(payload.get("retention_until")),
                retention_version=int(payload.get("retention_version", 0) or 0),
            )
    elif kind == KIND_CUSTODY_MOVE:
        found = evidence.items.get(str(payload["item_id"]))
        if found is None:
            return
        move = CustodyMove(
            entry_id=entry_id,
            move=Move(payload["move"]),
            from_state=ItemState(payload["from_state"]),
            to_state=ItemState(payload["to_state"]),
            at_local=_text(payload, "at_local"),
            released_by=Party.of(payload.get("released_by")),
            received_by=Party.of(payload.get("received_by")),
            purpose=_text(payload, "purpose"),
            seal_intact=bool(payload.get("seal_intact", True)),
            note=_text(payload, "note"),
            seal_number=_text(payload, "seal_number"),
            location=_text(payload, "location"),
            laboratory=_text(payload, "laboratory"),
            justice_reference=_text(payload, "justice_reference"),
            author=author,
            recorded_utc=at_utc,
        )
        evidence.items[found.id] = replace(
            found,
            state=move.to_state,
            seal_number=move.seal_number or found.seal_number,
            location=move.location if move.move is Move.STORE else found.location,
            moves=(*found.moves, move),
        )
    elif kind == KIND_CUSTODY_RECEIPT:
        located = evidence.move_entry(str(payload["move_entry_id"]))
        if located is not None:
            item, move = located
            updated = replace(
                move, receipt=_text(payload, "note") or "✓", receipt_at=_text(payload, "at_local")
            )
            evidence.items[item.id] = replace(
                item, moves=tuple(updated if m is move else m for m in item.moves)
            )
    elif kind == KIND_COMPLAINT:
        evidence.complaints.append(
            ComplaintRecord(
                decision=Complaint(payload["decision"]),
                report_number=_text(payload, "report_number"),
                inspector=_text(payload, "inspector"),
                prosecutor_office=_text(payload, "prosecutor_office"),
                at_local=_text(payload, "at_local"),
                entry_id=entry_id,
                author=author,
            )
        )
    elif kind == KIND_REQUISITION:
        evidence.requisitions.append(
            Requisition(
                id=str(payload["id"]),
                magistrate=_text(payload, "magistrate"),
                reference=_text(payload, "reference"),
                orders=_text(payload, "orders"),
                at_local=_text(payload, "at_local"),
                entry_id=entry_id,
            )
        )


def must_reach_lab_quickly(item: Item) -> bool:
    """Liquid samples and kits must reach the genetics laboratory within 48 h of being
    handed to justice."""
    return item.kind in LIQUID_KINDS
