"""Entries: the permanent, append-only clinical record (Qt-free).

An entry is never changed. A correction is a new entry that ``supersedes`` the earlier
one; both stay in the history. Payloads carry a schema version; older versions are
upcast when read (:mod:`sac_desktop.domain.upcast`), never rewritten on disk.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sac_desktop.domain.clock import format_utc

PROTOCOL_VERSION = "none"  # entries written before a case had a protocol (upgrades)

KIND_CASE_OPENED = "case.opened"
KIND_FIELD_SET = "field.set"
KIND_CONSENT = "consent.recorded"  # sac_desktop.domain.consent
KIND_CHECKLIST_ITEM = "checklist.item"  # sac_desktop.domain.checklist
KIND_MEDICATION = "medication.given"
KIND_SIGN_OFF = "checklist.signed_off"
KIND_FOLLOWUP = "followup.set"  # a follow-up planned, moved, done, missed or cancelled
KIND_INJURY = "injury.recorded"  # an injury marker and its description (domain.injuries)
KIND_NO_INJURY = "injury.none_found"  # the explicit absence of injury (region or body)
KIND_PHOTO_IMPORTED = "photo.imported"  # a photograph stored in the vault (domain.photos)
KIND_PHOTO_DESCRIBED = "photo.described"  # its scale note and the injuries it shows
KIND_PHOTO_SEALED = "photo.sealed"  # consent withdrawn: hidden from every view
KIND_EVIDENCE_KIT = "evidence.kit"  # the kit's number, as printed on its box
KIND_EVIDENCE_ITEM = "evidence.item"  # a sample or item collected (domain.evidence)
KIND_EVIDENCE_NOT_TAKEN = "evidence.not_taken"  # a suggested sample deliberately not taken
KIND_EVIDENCE_RETENTION = "evidence.retention"  # an item's retention date set again
KIND_CUSTODY_MOVE = "custody.move"  # sealed, stored, handed over, received, returned, destroyed
KIND_CUSTODY_RECEIPT = "custody.receipt"  # the receiving police inspector's own record
KIND_COMPLAINT = "evidence.complaint"  # the decision to file a police complaint (or not yet)
KIND_REQUISITION = "evidence.requisition"  # a judicial requisition: its own route to justice
KIND_CIRCLE_MEMBER = "circle.member"  # a member of the support circle (domain.psychology)
KIND_CONSULTATION = "psychology.consultation"  # a psychological consultation (each version)
KIND_CONSULTATION_SIGNED = "psychology.signed_off"  # a consultation signed off
KIND_APPOINTMENT = "psychology.appointment"  # a psychologist's appointment (each version)
KIND_REFERRAL = "referral.recorded"  # a referral to a partner (domain.aftercare)
KIND_CASE_CLOSED = "case.closed"  # the case closed, with the reason
KIND_CASE_REOPENED = "case.reopened"  # a closed case opened again, with the reason

#: Current payload schema version of every entry kind.
CURRENT_SCHEMA: dict[str, int] = {
    KIND_CASE_OPENED: 1,
    KIND_FIELD_SET: 1,
    KIND_CONSENT: 1,
    KIND_CHECKLIST_ITEM: 1,
    KIND_MEDICATION: 1,
    KIND_SIGN_OFF: 1,
    KIND_FOLLOWUP: 1,
    KIND_INJURY: 1,
    KIND_NO_INJURY: 1,
    KIND_PHOTO_IMPORTED: 1,
    KIND_PHOTO_DESCRIBED: 1,
    KIND_PHOTO_SEALED: 1,
    KIND_EVIDENCE_KIT: 1,
    KIND_EVIDENCE_ITEM: 1,
    KIND_EVIDENCE_NOT_TAKEN: 1,
    KIND_EVIDENCE_RETENTION: 1,
    KIND_CUSTODY_MOVE: 1,
    KIND_CUSTODY_RECEIPT: 1,
    KIND_COMPLAINT: 1,
    KIND_REQUISITION: 1,
    KIND_CIRCLE_MEMBER: 1,
    KIND_CONSULTATION: 1,
    KIND_CONSULTATION_SIGNED: 1,
    KIND_APPOINTMENT: 1,
    KIND_REFERRAL: 1,
    KIND_CASE_CLOSED: 1,
    KIND_CASE_REOPENED: 1,
}


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Entry:
    id: str
    case_id: str
    kind: str
    schema_version: int
    payload: Mapping[str, Any]
    author: str
    role: str
    at_utc: datetime
    tz: str
    utc_offset_min: int
    protocol_version: str
    supersedes: str | None = None
    seq: int | None = field(default=None, compare=False)

    @property
    def payload_json(self) -> str:
        return canonical_json(self.payload)

    def stored_fields(self) -> tuple[object, ...]:
        """The stored columns, in the order the hash covers them."""
        return (
            self.id,
            self.case_id,
            self.kind,
            self.schema_version,
            self.payload_json,
            self.author,
            self.role,
            format_utc(self.at_utc),
            self.tz,
            self.utc_offset_min,
            self.protocol_version,
            self.supersedes,
        )

    def content_hash(self) -> str:
        return entry_hash(self.stored_fields())


def entry_hash(stored_fields: tuple[object, ...]) -> str:
    """SHA-256 over the stored columns of an entry, as the audit trail records it."""
    return hashlib.sha256(canonical_json(list(stored_fields)).encode("utf-8")).hexdigest()
