"""Forensic evidence as use cases: the kit, samples taken or not, custody moves, the
complaint decision, judicial requisitions, retention, the coordinator's view and the
police inspector's receipts (Qt-free).

Every change is an entry with its audit record, in one transaction with the evidence
projection the coordinator's view reads. The rules are the domain's: what may move where
(``domain.custody``), how long an item is kept (``domain.retention``), what to sample
(``domain.sampling``, from the protocol file).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sac_desktop.domain import evidence as ev
from sac_desktop.domain.audit import Action
from sac_desktop.domain.custody import (
    CustodyRefused,
    ItemState,
    Move,
    MoveContext,
    holder,
    next_state,
)
from sac_desktop.domain.entries import new_id
from sac_desktop.domain.intake import (
    age_years,
    date_of_birth,
    exists_in_brussels,
    normalise_datetime,
    section_values,
)
from sac_desktop.domain.localtime import format_local
from sac_desktop.domain.protocol import STORAGE_TEMPERATURES, Sample, Storage
from sac_desktop.domain.retention import RetentionSettings, check_settings, retention_until
from sac_desktop.domain.roles import Role
from sac_desktop.domain.sampling import Suggestion, suggest
from sac_desktop.domain.state import CaseState
from sac_desktop.fsutil import atomic_write
from sac_desktop.i18n import N_
from sac_desktop.services.permissions import Area, Op, allowed, require
from sac_desktop.services.record import ConsentMissing, RecordService, UnknownCase
from sac_desktop.storage import accounts, records
from sac_desktop.storage import evidence as rows
from sac_desktop.storage.evidence import EvidenceRow as EvidenceRow
from sac_desktop.storage.evidence import HandoverRow as HandoverRow

SETTING_RETENTION = "evidence_retention"
#: Moves that hand an item to justice (the receiver is recorded; an inspector confirms).
HANDOVERS = frozenset({Move.HAND_TO_POLICE, Move.DEPOSIT_REGISTRY, Move.LAB_RECEIVED})


class EvidenceRefused(ValueError):
    """What the record cannot take as it is; ``message`` is a msgid saying what to do."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Overview:
    """The coordinator's view on a given day (each list capped; the counts are whole)."""

    today: date
    due_soon: list[EvidenceRow]  # kept without a complaint, retention within 30 days
    due_soon_count: int
    past: list[EvidenceRow]  # retention date passed: awaiting a decision
    past_count: int
    unconfirmed: list[EvidenceRow]  # handed to justice, receipt not recorded
    unconfirmed_count: int
    stored: list[EvidenceRow]  # everything at the centre
    stored_count: int


@dataclass(frozen=True)
class HandoverItem:
    """An item kept at the centre when a complaint is filed: what to hand over."""

    item: ev.Item
    within_48h: bool  # liquid samples and kits must reach the laboratory within 48 h


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key, "")
    return value.strip() if isinstance(value, str) else ""


class EvidenceService:
    def __init__(self, record: RecordService) -> None:
        self.record = record

    # -- settings -----------------------------------------------------------------------
    def retention_settings(self) -> RetentionSettings:
        raw = accounts.get_setting(self.record.vault.conn, SETTING_RETENTION)
        if not raw:
            return RetentionSettings()
        data = json.loads(raw)
        return RetentionSettings(
            adult_months=int(data["adult_months"]),
            minor_years=int(data["minor_years"]),
            minor_from_birth=bool(data["minor_from_birth"]),
            version=int(data["version"]),
        )

    def set_retention_settings(
        self, adult_months: int, minor_years: int, minor_from_birth: bool, reapply: bool = False
    ) -> RetentionSettings:
        """The centre's retention periods (coordinator). They apply to items collected
        from now on; ``reapply`` sets every item kept at the centre again (audited)."""
        actor = self.record.actor
        require(actor, Area.SETTINGS, Op.WRITE)
        current = self.retention_settings()
        settings = RetentionSettings(
            adult_months, minor_years, minor_from_birth, version=current.version + 1
        )
        problems = check_settings(settings)
        if problems:
            raise EvidenceRefused(problems[0])
        with self.record.vault.transaction() as conn:
            accounts.set_setting(conn, SETTING_RETENTION, json.dumps(asdict(settings)))
            self.record.trail.append(
                conn,
                actor,
                Action.SETTING_CHANGE,
                reason=(
                    f"{SETTING_RETENTION}=adult {adult_months} months, minor {minor_years} years"
                    f"{' from birth' if minor_from_birth else ''}; v{settings.version};"
                    f" reapplied to kept items: {'yes' if reapply else 'no'}"
                ),
            )
            if reapply:
                for case_id in records.case_ids(conn):
                    self._reapply(conn, case_id, settings)
        return settings

    def _reapply(self, conn: Any, case_id: str, settings: RetentionSettings) -> None:
        state = self.record.state_unchecked(conn, case_id)
        kept = [i for i in state.evidence.items.values() if i.at_centre]
        if not kept:
            return
        for item in kept:
            day = self._collected_day(item)
            minor, dob = self._minor(state, day)
            until = retention_until(day, minor, dob, settings)
            self.record.append(
                conn,
                state,
                ev.KIND_EVIDENCE_RETENTION,
                {
                    "item_id": item.id,
                    "retention_until": until.isoformat(),
                    "retention_version": settings.version,
                },
                supersedes=item.entry_id,
            )
        self._project(conn, case_id)

    # -- reads ----------------------------------------------------------------------------
    def can_read(self) -> bool:
        """Whether this role reads evidence and custody (psychologists do not)."""
        return allowed(self.record.actor.role, Area.CUSTODY, Op.READ)

    def evidence(self, state: CaseState) -> ev.Evidence:
        require(self.record.actor, Area.CUSTODY, Op.READ)
        return state.evidence

    def protocol_samples(self, state: CaseState) -> tuple[Sample, ...]:
        protocol, _exact = self.record.protocols.for_case(state.protocol)
        return protocol.samples

    def suggestions(self, state: CaseState) -> list[Suggestion]:
        """What to sample and in which order, from the acts, the history since the
        assault and the clock (the nurse decides)."""
        require(self.record.actor, Area.CUSTODY, Op.READ)
        full = self.record.full_state(state)
        clock, protocol, _exact = self.record.clock_of(full)
        values = section_values({k: v.value for k, v in full.fields.items()})
        return suggest(protocol, values, clock)

    def handover_plan(self, state: CaseState) -> list[HandoverItem]:
        """Every item kept at the centre (sealed), to hand over once a complaint is filed."""
        require(self.record.actor, Area.CUSTODY, Op.READ)
        return [
            HandoverItem(item, ev.must_reach_lab_quickly(item))
            for item in state.evidence.listed()
            if item.state in (ItemState.SEALED, ItemState.STORED, ItemState.RETURNED)
        ]

    # -- writes: the kit and the items ----------------------------------------------------
    def _local_now(self) -> str:
        return format_local(self.record.clock.now_utc(), self.record.clock.zone)

    def _at(self, values: Mapping[str, Any], key: str = "at_local") -> str:
        text = _text(values, key) or self._local_now()
        normal = normalise_datetime(text)
        if normal is None:
            raise EvidenceRefused(N_("Write the time as 2026-03-14 01:30."))
        if not exists_in_brussels(normal):
            raise EvidenceRefused(
                N_("That time does not exist in Brussels (the clocks jumped forward an hour).")
            )
        return normal

    def set_kit(self, case_id: str, kit_number: str) -> str:
        number = kit_number.strip().upper()
        with self.record.vault.transaction() as conn:
            state = self.record.state_for_write(conn, case_id)
            protocol, _exact = self.record.protocols.for_case(state.protocol)
            if protocol.kit is None:
                raise EvidenceRefused(N_("The protocol in use has no kit: ask the coordinator."))
            if not protocol.kit.number_ok(number):
                raise EvidenceRefused(
                    N_("Type the kit number exactly as printed on the box (letters and digits).")
                )
            entry = self.record.append(conn, state, ev.KIND_EVIDENCE_KIT, {"kit_number": number})
            self._project(conn, case_id)
            return entry

    def _check_consent(self, state: CaseState, group: str) -> None:
        needed = ["forensic_exam", "toxicology" if group == "toxicology" else f"samples.{group}"]
        for item in needed:
            consent = state.consents.get(item)
            if consent is None or not consent.in_force:
                raise ConsentMissing(item)

    def _minor(self, state: CaseState, on: date | None = None) -> tuple[bool, date | None]:
        """Whether the person is a minor (by the date of birth on ``on``, else the age
        recorded) and the date of birth. ``state`` is a full state read for a write: the
        date of birth counts even when the reader may not see it."""
        values = section_values({k: v.value for k, v in state.fields.items()})
        dob = date_of_birth(values)
        if dob is not None:
            day = (
                on
                or self.record.clock.now_utc().astimezone(ZoneInfo(self.record.clock.zone)).date()
            )
            years = day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
            return years < 18, dob
        age = age_years(values)
        return age is not None and age < 18, None

    def _collected_day(self, item: ev.Item) -> date:
        normal = normalise_datetime(item.collected_local) or ""
        try:
            return date.fromisoformat(normal[:10])
        except ValueError:
            return self.record.clock.now_utc().astimezone(ZoneInfo(self.record.clock.zone)).date()

    def record_item(self, case_id: str, values: Mapping[str, Any]) -> str:
        """A sample or item collected; returns its id. ``values``: sample (a protocol
        sample id) or kind, text and group for another item; item_number, collected_local,
        collected_by (an account id; default: who records), storage, temperature_c, and
        optionally seal_number (sealed now) and location (stored now)."""
        with self.record.vault.transaction() as conn:
            state = self.record.state_for_write(conn, case_id)
            protocol, _exact = self.record.protocols.for_case(state.protocol)
            sample_id = _text(values, "sample")
            sample = next((s for s in protocol.samples if s.id == sample_id), None)
            if sample_id and sample is None:
                raise EvidenceRefused(N_("That sample is not in the protocol in use."))
            kind = sample.kind if sample is not None else _text(values, "kind")
            group = sample.group if sample is not None else _text(values, "group") or "clothing"
            text = _text(values, "text") or (sample.label.get("en", "") if sample else "")
            number = _text(values, "item_number") or (sample.item if sample else "")
            if not kind or not text:
                raise EvidenceRefused(N_("Say what the item is (type and site)."))
            if not number:
                raise EvidenceRefused(N_("Give the item's number in the kit."))
            if not state.evidence.kit_number:
                raise EvidenceRefused(N_("Record the kit number first (it is on the box)."))
            if any(i.item_number == number for i in state.evidence.items.values()):
                raise EvidenceRefused(
                    N_("Item %(number)s of this kit is already recorded."), number=number
                )
            self._check_consent(state, group)
            collected = self._at(values, "collected_local")
            temperature = values.get("temperature_c")
            if temperature is not None and not isinstance(temperature, int | float):
                raise EvidenceRefused(N_("Give the storage temperature in °C as a number."))
            storage = _text(values, "storage") or (str(sample.storage.value) if sample else "")
            if storage not in {s.value for s in Storage}:
                raise EvidenceRefused(N_("Choose how the item is kept."))
            low, high = STORAGE_TEMPERATURES[Storage(storage)]
            if isinstance(temperature, int | float) and not low <= temperature <= high:
                raise EvidenceRefused(
                    N_("That temperature does not match how the item is kept: check both."),
                )
            day = date.fromisoformat(collected[:10])
            minor, dob = self._minor(state, day)
            settings = self.retention_settings()
            until = retention_until(day, minor, dob, settings)
            item_id = new_id()
            payload: dict[str, Any] = {
                "id": item_id,
                "sample": sample_id,
                "kind": kind,
                "group": group,
                "text": text,
                "item_number": number,
                "collected_local": collected,
                "collected_by": _text(values, "collected_by") or self.record.actor.user_id,
                "storage": storage,
                "retention_until": until.isoformat(),
                "retention_version": settings.version,
            }
            if isinstance(temperature, int | float):
                payload["temperature_c"] = float(temperature)
            elif sample is not None:
                payload["temperature_c"] = sample.temperature_c
            self.record.append(conn, state, ev.KIND_EVIDENCE_ITEM, payload)
            seal, location = _text(values, "seal_number"), _text(values, "location")
            if seal or location:
                state = self.record.state_unchecked(conn, case_id)
                if seal:
                    self._move(conn, state, item_id, Move.SEAL, {"seal_number": seal})
                    state = self.record.state_unchecked(conn, case_id)
                if location:
                    self._move(conn, state, item_id, Move.STORE, {"location": location})
            self._project(conn, case_id)
        return item_id

    def not_taken(self, case_id: str, sample: str, reason: str) -> str:
        """A suggested sample deliberately not taken, with the reason."""
        if not reason.strip():
            raise EvidenceRefused(N_("Give the reason why this sample is not taken."))
        with self.record.vault.transaction() as conn:
            state = self.record.state_for_write(conn, case_id)
            return self.record.append(
                conn,
                state,
                ev.KIND_EVIDENCE_NOT_TAKEN,
                {"sample": sample, "reason": reason.strip()},
            )

    # -- custody --------------------------------------------------------------------------
    def move(self, case_id: str, item_id: str, move: Move, values: Mapping[str, Any]) -> str:
        """One custody move of one item (a nurse or physician; the coordinator only
        destroys). Returns the entry id; refused with the reason by the custody rules."""
        actor = self.record.actor
        require(actor, Area.CUSTODY, Op.WRITE)
        if actor.role is Role.COORDINATOR and move is not Move.DESTROY:
            raise EvidenceRefused(N_("The coordinator records destruction only."))
        with self.record.vault.transaction() as conn:
            if not records.case_exists(conn, case_id):
                raise UnknownCase(case_id)
            state = self.record.state_unchecked(conn, case_id)
            entry = self._move(conn, state, item_id, move, values)
            self._project(conn, case_id)
            return entry

    def hand_over_all(self, case_id: str, move: Move, values: Mapping[str, Any]) -> list[str]:
        """Every item kept at the centre handed over together (a complaint was filed): one
        move each, all in one transaction; if one cannot go, none goes."""
        if move not in HANDOVERS:
            raise EvidenceRefused(
                N_("Choose a handover to the police, the registry or a laboratory.")
            )
        require(self.record.actor, Area.CUSTODY, Op.WRITE)
        with self.record.vault.transaction() as conn:
            state = self.record.state_unchecked(conn, case_id)
            kept = [entry.item.id for entry in self.handover_plan(state)]
            if not kept:
                raise EvidenceRefused(N_("No item is kept at the centre."))
            entries = []
            for item_id in kept:
                state = self.record.state_unchecked(conn, case_id)
                entries.append(self._move(conn, state, item_id, move, values))
            self._project(conn, case_id)
            return entries

    def destroy(self, case_id: str, item_id: str, reason: str, at_local: str = "") -> str:
        """Destruction after the retention date: the coordinator, with a reason."""
        return self.move(
            case_id,
            item_id,
            Move.DESTROY,
            {"note": reason, "at_local": at_local, "released_by": {"name": "centre"}},
        )

    def _move(
        self,
        conn: Any,
        state: CaseState,
        item_id: str,
        move: Move,
        values: Mapping[str, Any],
    ) -> str:
        item = state.evidence.items.get(item_id)
        if item is None:
            raise EvidenceRefused(N_("That item is not in this case."))
        evidence = state.evidence
        today = self.record.clock.now_utc().astimezone(ZoneInfo(self.record.clock.zone)).date()
        seal_intact = values.get("seal_intact", True) is not False
        context = MoveContext(
            item_kind=item.kind,
            complaint_filed=evidence.complaint is ev.Complaint.FILED,
            requisition=bool(evidence.requisitions),
            justice_reference=_text(values, "justice_reference"),
            seal_number=_text(values, "seal_number") if move is Move.SEAL else item.seal_number,
            location=_text(values, "location"),
            laboratory=_text(values, "laboratory"),
            seal_intact=seal_intact,
            note=_text(values, "note"),
            retention_until=item.retention_until,
            today=today,
            coordinator=self.record.actor.role is Role.COORDINATOR,
        )
        try:
            after = next_state(item.state, move, context)
        except CustodyRefused as refused:
            raise EvidenceRefused(refused.message) from refused
        received = ev.Party.of(values.get("received_by"))
        if move in HANDOVERS and not received.name:
            raise EvidenceRefused(N_("Say who receives the item (name, service, number)."))
        released = ev.Party.of(values.get("released_by"))
        payload: dict[str, Any] = {
            "item_id": item_id,
            "move": move.value,
            "from_state": item.state.value,
            "to_state": after.value,
            "at_local": self._at(values),
            "released_by": asdict(released),
            "received_by": asdict(received),
            "purpose": _text(values, "purpose"),
            "seal_intact": seal_intact,
        }
        for key in ("note", "seal_number", "location", "laboratory", "justice_reference"):
            if _text(values, key):
                payload[key] = _text(values, key)
        entry = self.record.append(conn, state, ev.KIND_CUSTODY_MOVE, payload)
        if move in HANDOVERS and received.account:
            rows.put_handover(
                conn,
                rows.HandoverRow(
                    entry,
                    state.case_id,
                    item_id,
                    received.account,
                    state.case_number or "",
                    evidence.kit_number,
                    item.item_number,
                    item.text,
                    move.value,
                    str(payload["at_local"]),
                    released.text(),
                    item.seal_number,
                    None,
                ),
            )
        return entry

    # -- the complaint and requisitions ---------------------------------------------------
    def set_complaint(self, case_id: str, decision: str, details: Mapping[str, Any]) -> str:
        """Filed (report number, inspector, prosecutor's office), later, or declined; each
        change is a new entry."""
        try:
            choice = ev.Complaint(decision)
        except ValueError:
            raise EvidenceRefused(N_("Choose the person's decision about a complaint.")) from None
        if choice is ev.Complaint.UNDECIDED:
            raise EvidenceRefused(N_("Choose the person's decision about a complaint."))
        if choice is ev.Complaint.FILED and not _text(details, "report_number"):
            raise EvidenceRefused(N_("Give the police report (PV) number of the complaint."))
        with self.record.vault.transaction() as conn:
            state = self.record.state_for_write(conn, case_id)
            payload = {"decision": choice.value, "at_local": self._at(details)}
            for key in ("report_number", "inspector", "prosecutor_office"):
                if _text(details, key):
                    payload[key] = _text(details, key)
            entry = self.record.append(conn, state, ev.KIND_COMPLAINT, payload)
            self._project(conn, case_id)
            return entry

    def record_requisition(self, case_id: str, details: Mapping[str, Any]) -> str:
        """A judicial requisition (magistrate, reference, what it orders): its own route to
        evidence and documents, separate from consent."""
        magistrate, reference = _text(details, "magistrate"), _text(details, "reference")
        orders = _text(details, "orders")
        if not (magistrate and reference and orders):
            raise EvidenceRefused(
                N_("Give the magistrate, the requisition's reference and what it orders.")
            )
        with self.record.vault.transaction() as conn:
            state = self.record.state_for_write(conn, case_id)
            requisition = new_id()
            self.record.append(
                conn,
                state,
                ev.KIND_REQUISITION,
                {
                    "id": requisition,
                    "magistrate": magistrate,
                    "reference": reference,
                    "orders": orders,
                    "at_local": self._at(details),
                },
            )
            self._project(conn, case_id)
            return requisition

    def export(self, case_id: str, path: Path, data: bytes, what: str) -> None:
        """A document about a case written to a file the person chose (owner-only, atomic,
        never a half-written file); the export is audited with what it was."""
        actor = self.record.actor
        require(actor, Area.CUSTODY, Op.READ)
        atomic_write(path, data)
        with self.record.vault.transaction() as conn:
            self.record.trail.append(conn, actor, Action.CASE_EXPORT, case_id=case_id, reason=what)

    # -- the coordinator's view -----------------------------------------------------------
    def overview(self, today: date | None = None, limit: int = 500) -> Overview:
        require(self.record.actor, Area.CUSTODY, Op.READ)
        if today is None:
            today = self.record.clock.now_utc().astimezone(ZoneInfo(self.record.clock.zone)).date()
        conn = self.record.vault.conn
        soon = (today + timedelta(days=30)).isoformat()
        day = today.isoformat()
        return Overview(
            today=today,
            due_soon=rows.kept_until(conn, soon, limit, after=day),
            due_soon_count=rows.count_kept_until(conn, soon, after=day),
            past=rows.kept_until(conn, day, limit),
            past_count=rows.count_kept_until(conn, day),
            unconfirmed=rows.unconfirmed(conn, limit),
            unconfirmed_count=rows.count_unconfirmed(conn),
            stored=rows.at_centre(conn, limit),
            stored_count=rows.count_at_centre(conn),
        )

    # -- police inspectors ------------------------------------------------------------------
    def my_handovers(self) -> list[HandoverRow]:
        """The handovers this inspector took part in (nothing else of any case); the read
        is audited."""
        actor = self.record.actor
        require(actor, Area.RECEIPT, Op.READ)
        found = rows.handovers_to(self.record.vault.conn, actor.user_id)
        with self.record.vault.transaction() as conn:
            self.record.trail.append(conn, actor, Action.CUSTODY_READ, reason=f"{len(found)}")
        return found

    def confirm_receipt(self, move_entry: str, note: str = "", at_local: str = "") -> str:
        """The receiving inspector records the receipt on their side."""
        actor = self.record.actor
        require(actor, Area.RECEIPT, Op.WRITE)
        with self.record.vault.transaction() as conn:
            handover = rows.handover(conn, move_entry)
            if handover is None or handover.account != actor.user_id:
                raise EvidenceRefused(N_("Only the receiving inspector records this receipt."))
            if handover.confirmed_local:
                raise EvidenceRefused(N_("This receipt is already recorded."))
            state = self.record.state_unchecked(conn, handover.case_id)
            when = self._at({"at_local": at_local})
            entry = self.record.append(
                conn,
                state,
                ev.KIND_CUSTODY_RECEIPT,
                {"move_entry_id": move_entry, "note": note.strip(), "at_local": when},
            )
            rows.confirm_handover(conn, move_entry, when)
            self._project(conn, handover.case_id)
            return entry

    # -- the projection ---------------------------------------------------------------------
    def _project(self, conn: Any, case_id: str) -> None:
        state = self.record.state_unchecked(conn, case_id)
        evidence = state.evidence
        put = []
        for item in evidence.items.values():
            handed = next((m for m in reversed(item.moves) if m.move in HANDOVERS), None)
            unconfirmed = (
                handed is not None
                and not handed.receipt
                and holder(item.state).value in ("police", "registry", "laboratory")
            )
            put.append(
                rows.EvidenceRow(
                    case_id=case_id,
                    item_id=item.id,
                    case_number=state.case_number or "",
                    kit_number=evidence.kit_number,
                    item_number=item.item_number,
                    kind=item.kind,
                    text=item.text,
                    state=item.state.value,
                    at_centre=item.at_centre,
                    retention_until=item.retention_until.isoformat()
                    if item.retention_until
                    else None,
                    complaint=evidence.complaint.value,
                    handed_entry=handed.entry_id if handed else None,
                    handed_local=handed.at_local if handed else None,
                    unconfirmed=unconfirmed,
                )
            )
        rows.put_rows(conn, put)


__all__ = ["EvidenceRow", "HandoverRow"]
