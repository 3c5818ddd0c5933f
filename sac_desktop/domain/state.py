"""The current state of a case, derived from its entries (Qt-free)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sac_desktop.domain import aftercare as ac
from sac_desktop.domain import checklist as ck
from sac_desktop.domain import evidence as ev
from sac_desktop.domain import injuries as inj
from sac_desktop.domain import psychology as psy
from sac_desktop.domain.clock import parse_utc
from sac_desktop.domain.consent import KIND_CONSENT, ConsentRecord, record_from_payload
from sac_desktop.domain.entries import KIND_CASE_OPENED, KIND_FIELD_SET, Entry
from sac_desktop.domain.photos import PHOTO_KINDS, PhotoRecord, fold_photo


def field_key(section: str, name: str) -> str:
    return f"{section}.{name}"


@dataclass(frozen=True)
class FieldVersion:
    """One value a field had: who set it, when, and which entry it corrected."""

    value: Any
    entry_id: str
    author: str
    role: str
    at_utc: datetime
    supersedes: str | None
    hidden: bool = False  # withheld from this reader (identity not revealed)


@dataclass
class CaseState:
    case_id: str
    case_number: str | None = None
    training: bool = False
    opened_utc: datetime | None = None
    fields: dict[str, FieldVersion] = field(default_factory=dict)
    history: dict[str, list[FieldVersion]] = field(default_factory=dict)
    entry_count: int = 0
    last_activity_utc: datetime | None = None
    protocol: str | None = None  # the protocol version the case was opened under
    consents: dict[str, ConsentRecord] = field(default_factory=dict)  # the latest per item
    consent_history: list[ConsentRecord] = field(default_factory=list)
    checklist: dict[str, ck.ItemRecord] = field(default_factory=dict)  # the latest per item
    checklist_history: list[ck.ItemRecord] = field(default_factory=list)
    medications: list[ck.MedicationRecord] = field(default_factory=list)
    signed_off: ck.SignOff | None = None
    followups: dict[str, ck.FollowUpRecord] = field(default_factory=dict)
    #: Every version of each follow-up (a contact's attempts and outcomes), oldest first.
    followup_history: dict[str, list[ck.FollowUpRecord]] = field(default_factory=dict)
    photos: dict[str, PhotoRecord] = field(default_factory=dict)  # sealed ones included
    injuries: inj.Injuries = field(default_factory=inj.Injuries)
    evidence: ev.Evidence = field(default_factory=ev.Evidence)
    #: The support circle and psychological consultations (content masked for readers
    #: other than psychologists by services.record).
    psychology: psy.Psychology = field(default_factory=psy.Psychology)
    #: Referrals to partners, and whether (and why) the case is closed.
    aftercare: ac.Aftercare = field(default_factory=ac.Aftercare)

    def value(self, key: str, default: Any = None) -> Any:
        version = self.fields.get(key)
        return default if version is None else version.value


def derive_state(case_id: str, entries: Iterable[Entry]) -> CaseState:
    """Fold entries (in recorded order) into the case's current state and field history.

    The latest entry for a field is its value; earlier ones stay in ``history``.
    """
    state = CaseState(case_id=case_id)
    for entry in entries:
        if entry.case_id != case_id:
            continue
        state.entry_count += 1
        state.last_activity_utc = entry.at_utc
        if entry.kind == KIND_CASE_OPENED:
            state.case_number = str(entry.payload["case_number"])
            state.training = bool(entry.payload.get("training", False))
            state.opened_utc = entry.at_utc
            protocol = entry.payload.get("protocol")
            state.protocol = str(protocol) if protocol else None
        elif entry.kind == KIND_CONSENT:
            record = record_from_payload(entry.payload, entry.id, entry.author, entry.at_utc)
            state.consents[record.item] = record
            state.consent_history.append(record)
        elif entry.kind == ck.KIND_CHECKLIST_ITEM:
            item = ck.record_from_payload(
                entry.payload, entry.id, entry.author, entry.role, entry.at_utc
            )
            state.checklist[item.item] = item
            state.checklist_history.append(item)
        elif entry.kind == ck.KIND_MEDICATION:
            voided = entry.payload.get("void_of")
            if voided:  # entered in error: it leaves the list (the history keeps both)
                state.medications = [m for m in state.medications if m.entry_id != voided]
            else:
                state.medications.append(
                    ck.medication_from_payload(entry.payload, entry.id, entry.author, entry.at_utc)
                )
        elif entry.kind == ck.KIND_SIGN_OFF:
            open_items = entry.payload.get("open_items") or []
            state.signed_off = ck.SignOff(
                entry.id, entry.author, entry.role, entry.at_utc, tuple(map(str, open_items))
            )
        elif entry.kind == ck.KIND_FOLLOWUP:
            payload = entry.payload
            until = payload.get("until_utc")
            followup = state.followups[str(payload["id"])] = ck.FollowUpRecord(
                id=str(payload["id"]),
                step=str(payload["step"]),
                due_utc=parse_utc(str(payload["due_utc"])),
                until_utc=parse_utc(str(until)) if until else None,
                status=ck.FollowUpStatus(payload["status"]),
                note=str(payload.get("note", "")),
                entry_id=entry.id,
                moved=bool(payload.get("moved", False)),
                kind=str(payload.get("kind") or "visit"),
                channel=str(payload.get("channel") or ""),
                outcome=str(payload.get("outcome") or ""),
                next_step=str(payload.get("next_step") or ""),
                voicemail_left=payload.get("voicemail_left") is True,
                ended_by=str(payload.get("ended_by") or ""),
            )
            state.followup_history.setdefault(followup.id, []).append(followup)
            if payload.get("outcome") == "declined":
                state.aftercare.contact_declined = True
            elif payload.get("resumed") is True:
                state.aftercare.contact_declined = False
        elif entry.kind in ev.KINDS:
            ev.fold(state.evidence, entry)
        elif entry.kind in (inj.KIND_INJURY, inj.KIND_NO_INJURY):
            inj.fold(state.injuries, entry)
        elif entry.kind in ac.KINDS:
            ac.fold(state.aftercare, entry)
        elif entry.kind in psy.KINDS:
            psy.fold(state.psychology, entry)
        elif entry.kind in PHOTO_KINDS:
            fold_photo(state.photos, entry)
        elif entry.kind == KIND_FIELD_SET:
            key = field_key(str(entry.payload["section"]), str(entry.payload["field"]))
            version = FieldVersion(
                value=entry.payload.get("value"),
                entry_id=entry.id,
                author=entry.author,
                role=entry.role,
                at_utc=entry.at_utc,
                supersedes=entry.supersedes,
            )
            state.fields[key] = version
            state.history.setdefault(key, []).append(version)
    return state


def section_of(key: str) -> str:
    return key.split(".", 1)[0]


def changed_fields(state: CaseState, section: str, values: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``values`` that differ from the case's current state."""
    return {
        name: value
        for name, value in values.items()
        if field_key(section, name) not in state.fields
        or state.fields[field_key(section, name)].value != value
    }
