"""The clinical record as a service: cases, drafts, entries, reads (Qt-free).

Every write is one transaction holding the entries, their audit records and the
projection update; every read of a case appends an audit record. Drafts are not the
record: they are saved (encrypted) as typed and become entries when committed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sac_desktop.domain import psychology as psy
from sac_desktop.domain.aftercare import WRITABLE_WHEN_CLOSED
from sac_desktop.domain.audit import Action
from sac_desktop.domain.case_number import CaseNumber
from sac_desktop.domain.clock import Clock, format_utc, utc_offset_minutes
from sac_desktop.domain.consent import (
    ConsentProblem,
    ConsentRecord,
    check_consent,
    consents_needed,
    missing_consent,
)
from sac_desktop.domain.consent import item_text as item_text
from sac_desktop.domain.deadlines import CaseClock, deadline_points
from sac_desktop.domain.entries import (
    CURRENT_SCHEMA,
    KIND_CASE_OPENED,
    KIND_CONSENT,
    KIND_FIELD_SET,
    PROTOCOL_VERSION,
    Entry,
    canonical_json,
    new_id,
)
from sac_desktop.domain.protocol import Protocol
from sac_desktop.domain.roles import Actor
from sac_desktop.domain.state import (
    CaseState,
    FieldVersion,
    changed_fields,
    derive_state,
    section_of,
)
from sac_desktop.domain.upcast import upcast
from sac_desktop.logsafe import get_logger
from sac_desktop.services.audit import AuditTrail
from sac_desktop.services.clock import CLOCK_SECTIONS, case_clock, overlay_state
from sac_desktop.services.intake import IntakeView, intake_view
from sac_desktop.services.permissions import Area, Op, allowed, area_of, require
from sac_desktop.services.protocols import ProtocolRegistry, shipped
from sac_desktop.services.vaults import VaultInfo
from sac_desktop.storage import accounts, projections, records
from sac_desktop.storage.projections import CaseListRow
from sac_desktop.storage.vault import Vault

_log = get_logger("record")


#: Kept among a case's deadlines when no episode time is known: the case list shows
#: "time not known" (it sorts after every real moment, so it is always "to come").
TIME_UNKNOWN_POINT = ("9999-12-31T23:59:59.999999Z", "@time_unknown")


class UnknownCase(LookupError):
    """No case with that id in this vault."""


class ReasonRequired(ValueError):
    """This action needs a reason, recorded in the audit trail."""


class InvalidValue(ValueError):
    """A value that cannot be stored (not plain JSON data)."""


class ConsentMissing(PermissionError):
    """This action needs a consent that is not in force (never given, or withdrawn)."""

    def __init__(self, item: str) -> None:
        super().__init__(item)
        self.item = item


#: Sections whose change moves the follow-up plan without changing the clock: the contact
#: preferences (planned calls go to the person's safe hours).
PLAN_SECTIONS = frozenset({"contact"})


class CaseClosed(PermissionError):
    """The case is closed: only what may still happen to a closed case is recorded
    (domain.aftercare.WRITABLE_WHEN_CLOSED); reopen it first, with the reason."""

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.case_id = case_id


def check_open(state: CaseState, kind: str) -> None:
    """Refuse a write that a closed case does not take."""
    if state.aftercare.closed is not None and kind not in WRITABLE_WHEN_CLOSED:
        raise CaseClosed(state.case_id)


class ConsentIncomplete(ValueError):
    """A consent decision that misses what the record needs (who, why, what explained)."""

    def __init__(self, problems: list[ConsentProblem]) -> None:
        super().__init__(", ".join(p.field for p in problems))
        self.problems = problems


_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _check_values(section: str, values: Mapping[str, Any]) -> None:
    """Plain JSON data only (no NaN, no lone surrogates); names that cannot collide."""
    if not _NAME.match(section) or not all(isinstance(k, str) and _NAME.match(k) for k in values):
        raise InvalidValue("section and field names are lowercase letters, digits and _")
    try:
        json.dumps(dict(values), allow_nan=False, ensure_ascii=False).encode("utf-8")
        canonical_json(dict(values))
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        raise InvalidValue("values must be text, numbers, booleans, lists or maps") from exc


class RecordService:
    def __init__(
        self,
        vault: Vault,
        info: VaultInfo,
        trail: AuditTrail,
        actor: Actor,
        clock: Clock,
        protocols: ProtocolRegistry | None = None,
    ) -> None:
        self.vault = vault
        self.info = info
        self.trail = trail
        self.actor = actor
        self.clock = clock
        self.protocols = protocols if protocols is not None else shipped()
        #: Cases this person opened (an audited read), as last read in full: what derived
        #: views need that the reader does not see (a hidden date of birth), without
        #: reading the case again at every keystroke. Gone with the session.
        self._read: dict[str, CaseState] = {}
        self._stale: set[str] = set()  # opened cases written to since their last read
        self.stuck_drafts = 0  # drafts the last commit_all_drafts had to leave as drafts
        #: Called in the same transaction when a write changes a case's clock (episodes,
        #: conditions): the follow-up plan follows its anchors.
        self.clock_listeners: list[Callable[[Any, CaseState], None]] = []
        #: Called in the same transaction after a consent decision is written, with the
        #: state before it and the new entry (photographs are sealed on a withdrawal).
        self.consent_listeners: list[Callable[[Any, CaseState, Entry], None]] = []

    # -- entries ----------------------------------------------------------------------
    def _entry(
        self,
        case_id: str,
        kind: str,
        payload: Mapping[str, Any],
        supersedes: str | None = None,
        now: datetime | None = None,
        protocol: str | None = None,
    ) -> Entry:
        now = now or self.clock.now_utc()
        return Entry(
            id=new_id(),
            case_id=case_id,
            kind=kind,
            schema_version=CURRENT_SCHEMA[kind],
            payload=dict(payload),
            author=self.actor.user_id,
            role=str(self.actor.role),
            at_utc=now,
            tz=self.clock.zone,
            utc_offset_min=utc_offset_minutes(now, self.clock.zone),
            protocol_version=protocol or PROTOCOL_VERSION,
            supersedes=supersedes,
        )

    def _write(self, conn: Any, entry: Entry) -> None:
        self._stale.add(entry.case_id)
        records.insert_entry(conn, entry)
        projections.apply_entry(conn, entry)
        self.trail.append(
            conn,
            self.actor,
            Action.ENTRY_WRITE,
            case_id=entry.case_id,
            entry_id=entry.id,
            entry_hash=entry.content_hash(),
        )

    def create_case(self) -> tuple[str, str]:
        """Open a new case; returns its id and its pseudonymous number."""
        require(self.actor, Area.CASE, Op.WRITE)
        case_id = new_id()
        protocol = self.protocols.current().key  # the case keeps it for good
        now = self.clock.now_utc()  # read once: the case row and its first entry agree
        year = now.astimezone(ZoneInfo(self.clock.zone)).year  # the centre's year, not UTC's
        with self.vault.transaction() as conn:
            sequence = records.next_case_sequence(
                conn, self.info.centre, self.info.workstation, year
            )
            number = str(CaseNumber(self.info.centre, self.info.workstation, year, sequence))
            records.insert_case(conn, case_id, number, format_utc(now))
            self.trail.append(conn, self.actor, Action.CASE_CREATE, case_id=case_id)
            self._write(
                conn,
                self._entry(
                    case_id,
                    KIND_CASE_OPENED,
                    {"case_number": number, "training": self.info.training, "protocol": protocol},
                    now=now,
                    protocol=protocol,
                ),
            )
        return case_id, number

    def record_fields(
        self, case_id: str, section: str, values: Mapping[str, Any], *, only_changed: bool = True
    ) -> list[str]:
        """Write one entry per (changed) field; returns the new entry ids."""
        require(self.actor, area_of(KIND_FIELD_SET, section), Op.WRITE)
        _check_values(section, values)
        with self.vault.transaction() as conn:
            return self._record_fields(conn, case_id, section, dict(values), only_changed)

    def _record_fields(
        self, conn: Any, case_id: str, section: str, values: dict[str, Any], only_changed: bool
    ) -> list[str]:
        if not records.case_exists(conn, case_id):
            raise UnknownCase(case_id)
        state = self._state(conn, case_id)
        todo = changed_fields(state, section, values) if only_changed else values
        if todo:
            check_open(state, KIND_FIELD_SET)
        for name in todo:
            item = missing_consent(state.consents, section, name)
            if item is not None:
                raise ConsentMissing(item)
        written = []
        for name, value in todo.items():
            previous = state.fields.get(f"{section}.{name}")
            entry = self._entry(
                case_id,
                KIND_FIELD_SET,
                {"section": section, "field": name, "value": value},
                supersedes=None if previous is None else previous.entry_id,
                protocol=state.protocol,
            )
            self._write(conn, entry)
            written.append(entry.id)
        if written and (section in CLOCK_SECTIONS or section in PLAN_SECTIONS):
            # The state as it now is, without reading the case again: the values written.
            after = overlay_state(state, {section: todo})
            if section in CLOCK_SECTIONS:
                self._update_deadlines(conn, case_id, after)
            for listener in self.clock_listeners:  # the plan follows (calls: the hours)
                listener(conn, after)
        return written

    # -- for the other record services (checklist, follow-ups) ------------------------
    def state_for_write(self, conn: Any, case_id: str) -> CaseState:
        """The whole current state inside a write transaction (not a read: nothing shown)."""
        require(self.actor, Area.CASE, Op.WRITE)
        if not records.case_exists(conn, case_id):
            raise UnknownCase(case_id)
        return self._state(conn, case_id)

    def state_unchecked(self, conn: Any, case_id: str) -> CaseState:
        """The whole current state inside a transaction, for a service that checks its own
        rule first (a police inspector's receipt, the coordinator's retention and
        destruction): never shown as it is."""
        if not records.case_exists(conn, case_id):
            raise UnknownCase(case_id)
        return self._state(conn, case_id)

    def append(
        self,
        conn: Any,
        state: CaseState,
        kind: str,
        payload: Mapping[str, Any],
        supersedes: str | None = None,
    ) -> str:
        """One entry of ``kind`` (audited, projected) in the caller's transaction."""
        require(self.actor, area_of(kind), Op.WRITE)
        _check_values("entry", payload)
        check_open(state, kind)
        entry = self._entry(
            state.case_id, kind, payload, supersedes=supersedes, protocol=state.protocol
        )
        self._write(conn, entry)
        return entry.id

    # -- consent ----------------------------------------------------------------------
    def record_consent(self, case_id: str, decision: Mapping[str, Any]) -> str:
        """One consent decision (given, refused, withdrawn) as an entry; returns its id.

        ``decision`` holds item, decision, given_by, at_local, interpreter and, as needed,
        proxy_name and proxy_relation, minor_reason, interpreter_name, explained.
        """
        require(self.actor, Area.CASE, Op.WRITE)
        payload = {k: v for k, v in decision.items() if v not in (None, "")}
        _check_values("consent", payload)
        problems = check_consent(payload)
        if problems:
            raise ConsentIncomplete(problems)
        with self.vault.transaction() as conn:
            if not records.case_exists(conn, case_id):
                raise UnknownCase(case_id)
            state = self._state(conn, case_id)
            previous = state.consents.get(str(payload["item"]))
            entry = self._entry(
                case_id,
                KIND_CONSENT,
                payload,
                supersedes=None if previous is None else previous.entry_id,
                protocol=state.protocol,
            )
            self._write(conn, entry)
            for listener in self.consent_listeners:
                listener(conn, state, entry)
        return entry.id

    def consents(self, state: CaseState) -> dict[str, ConsentRecord]:
        """The decision in force per item of an opened case."""
        return dict(state.consents)

    # -- the clock --------------------------------------------------------------------
    def clock_of(
        self,
        state: CaseState,
        now: datetime | None = None,
        drafts: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> tuple[CaseClock, Protocol, bool]:
        """The case's clock at ``now`` under the protocol it was opened with (and whether
        that protocol is still installed: if not, the current one stands in). ``drafts``
        (what is being typed) count as if recorded, so the clock follows the typing."""
        now = now or self.clock.now_utc()
        return case_clock(state, self.protocols, now, self.clock.zone, drafts)

    def intake_view(
        self, state: CaseState, drafts: Mapping[str, Mapping[str, Any]] | None = None
    ) -> IntakeView:
        """Notes, minors rules and episode times derived from an opened case. The date of
        birth counts for the minors rule even while it is hidden from the reader (the
        view never contains it)."""
        require(self.actor, Area.CASE, Op.READ)
        full = self._read.get(state.case_id)
        if full is None:
            raise UnknownCase(state.case_id)
        if drafts:
            full = overlay_state(full, drafts)
        return intake_view(full, self.info.centre, self.clock)

    def opened_state(self, case_id: str) -> CaseState:
        """The case as this person last read it in full (opened, or re-read after a
        write), without reading it again: safe from a worker thread, and cheap when a
        view asks for sixty pictures one after the other."""
        state = self._read.get(case_id)
        if state is None:
            raise UnknownCase(case_id)
        if case_id in self._stale:  # written since: the seal of a photograph, say
            state = self._read_in_full(case_id)
        return state

    def full_state(self, state: CaseState) -> CaseState:
        """The opened case as last read in full, for what is derived and never shown (a
        hidden date of birth choosing the child diagrams); ``state`` if not opened."""
        return self._read.get(state.case_id, state)

    def _update_deadlines(self, conn: Any, case_id: str, state: CaseState | None = None) -> None:
        if state is None:
            state = self._state(conn, case_id)
        clock, _protocol, _exact = case_clock(
            state, self.protocols, self.clock.now_utc(), self.clock.zone
        )
        points = [(format_utc(at), item) for at, item in deadline_points(clock)]
        if clock.anchors.unknown_episodes and not clock.anchors.any_known:
            points.append(TIME_UNKNOWN_POINT)  # the list says so, rather than nothing
        projections.set_deadlines(conn, case_id, points)

    # -- drafts -----------------------------------------------------------------------
    def save_draft(self, case_id: str, section: str, values: Mapping[str, Any]) -> None:
        """Save what is being typed (not the record; not audited; encrypted like all)."""
        require(self.actor, area_of(KIND_FIELD_SET, section), Op.WRITE)
        _check_values(section, values)
        with self.vault.transaction() as conn:
            if not records.case_exists(conn, case_id):
                raise UnknownCase(case_id)
            if projections.case_closed(conn, case_id):
                raise CaseClosed(case_id)  # not even a draft: it would stay stuck
            if any(consents_needed(section, name) for name in values):
                consents = self._state(conn, case_id).consents
                for name in values:
                    item = missing_consent(consents, section, name)
                    if item is not None:
                        raise ConsentMissing(item)  # not even a draft: it would stay stuck
            records.upsert_draft(
                conn,
                self.actor.user_id,
                case_id,
                section,
                dict(values),
                format_utc(self.clock.now_utc()),
            )

    def draft(self, case_id: str, section: str) -> dict[str, Any] | None:
        require(self.actor, area_of(KIND_FIELD_SET, section), Op.WRITE)
        return records.get_draft(self.vault.conn, self.actor.user_id, case_id, section)

    def commit_draft(self, case_id: str, section: str) -> list[str]:
        """Turn a draft into entries (one per changed field) and drop it, atomically."""
        require(self.actor, area_of(KIND_FIELD_SET, section), Op.WRITE)
        with self.vault.transaction() as conn:
            values = records.get_draft(conn, self.actor.user_id, case_id, section)
            if values is None:
                return []
            written = self._record_fields(conn, case_id, section, values, only_changed=True)
            records.delete_draft(conn, self.actor.user_id, case_id, section)
        return written

    def commit_all_drafts(self) -> int:
        """At lock, sign-out or idle: every draft of this person becomes entries.

        Each draft is committed on its own: one that cannot be (its consent was withdrawn
        meanwhile, a case that is gone) stays a draft, is counted in ``stuck_drafts``, and
        the others are still recorded."""
        count = 0
        self.stuck_drafts = 0
        for case_id, section, _updated in records.list_drafts(self.vault.conn, self.actor.user_id):
            if not allowed(self.actor.role, area_of(KIND_FIELD_SET, section), Op.WRITE):
                # A draft this role may no longer write (the role changed) stays a draft:
                # it is never written under the new role, and never shown to it.
                continue
            try:
                count += len(self.commit_draft(case_id, section))
            except (ConsentMissing, UnknownCase, InvalidValue, CaseClosed):
                # A case closed since (by a colleague): the draft waits for a reopening.
                self.stuck_drafts += 1
                _log.event("record.draft_kept")
        return count

    # -- reads ------------------------------------------------------------------------
    def _state(self, conn: Any, case_id: str) -> CaseState:
        return derive_state(case_id, (upcast(e) for e in records.entries_for_case(conn, case_id)))

    def open_case(self, case_id: str, reason: str | None = None) -> CaseState:
        """Read a case for display (audited), showing only what this role may read."""
        require(self.actor, Area.CASE, Op.READ)
        if not records.case_exists(self.vault.conn, case_id):
            raise UnknownCase(case_id)
        self.trail.record_read(self.actor, Action.CASE_OPEN, case_id, reason)
        return self._visible(self._read_in_full(case_id), revealed=False)

    def _read_in_full(self, case_id: str) -> CaseState:
        self._stale.discard(case_id)
        # Even the kept full state never holds consultation content this role may not
        # read: nothing derived needs it, and opened_state / full_state hand it out.
        state = self._read[case_id] = self._without_psychology(
            self._state(self.vault.conn, case_id)
        )
        return state

    def _without_psychology(self, state: CaseState) -> CaseState:
        """Consultation content withheld unless this role reads it: what remains is that
        a consultation took place (when, how long, by whom, for the person or for a
        member of the support circle, signed off or not), or nothing for a role that
        may not see even that."""
        role = self.actor.role
        if allowed(role, Area.PSYCHOLOGY, Op.READ):
            return state

        def psychology_field(key: str) -> bool:
            return area_of(KIND_FIELD_SET, section_of(key)) is Area.PSYCHOLOGY

        # The old-style psychology field notes, withheld in the kept state too (_visible
        # masks them again for display, or drops them for a role that may not see them).
        fields = {
            k: replace(v, value=None, hidden=True) if psychology_field(k) else v
            for k, v in state.fields.items()
        }
        history = {
            k: [replace(v, value=None, hidden=True) for v in versions]
            if psychology_field(k)
            else versions
            for k, versions in state.history.items()
        }
        if allowed(role, Area.PSYCHOLOGY, Op.SEE_EXISTENCE):
            psychology = psy.masked(state.psychology)
        else:
            psychology = psy.without_consultations(state.psychology)
        return replace(state, fields=fields, history=history, psychology=psychology)

    def reread(self, case_id: str) -> CaseState:
        """The case again after this person wrote to it, within the view that opening it
        audited (not a new read: only a case opened in this session)."""
        require(self.actor, Area.CASE, Op.READ)
        if case_id not in self._read:
            raise UnknownCase(case_id)
        return self._visible(self._read_in_full(case_id), revealed=False)

    def reveal_identity(self, case_id: str, reason: str) -> CaseState:
        """Identity fields in the clear: asks for a reason, which goes into the audit trail."""
        require(self.actor, Area.IDENTITY, Op.REVEAL)
        if not reason.strip():
            raise ReasonRequired()
        if not records.case_exists(self.vault.conn, case_id):
            raise UnknownCase(case_id)
        self.trail.record_read(self.actor, Action.IDENTITY_REVEAL, case_id, reason.strip())
        return self._visible(self._read_in_full(case_id), revealed=True)

    def _visible(self, state: CaseState, revealed: bool) -> CaseState:
        role = self.actor.role

        def shown(key: str) -> bool:
            area = area_of(KIND_FIELD_SET, section_of(key))
            return allowed(role, area, Op.READ) or (area is Area.IDENTITY and revealed)

        def masked(key: str, version: FieldVersion) -> FieldVersion | None:
            area = area_of(KIND_FIELD_SET, section_of(key))
            if shown(key):
                return version
            if area is Area.IDENTITY and allowed(role, area, Op.REVEAL):
                return replace(version, value=None, hidden=True)
            if allowed(role, area, Op.SEE_EXISTENCE):
                return replace(version, value=None, hidden=True)
            return None

        fields = {k: m for k, v in state.fields.items() if (m := masked(k, v)) is not None}
        history = {
            k: [m for v in versions if (m := masked(k, v)) is not None]
            for k, versions in state.history.items()
            if k in fields
        }
        return replace(self._without_psychology(state), fields=fields, history=history)

    def field_history(self, state: CaseState, key: str) -> list[FieldVersion]:
        """Every value a field of an opened case has had, oldest first."""
        return list(state.history.get(key, []))

    def staff_names(self) -> dict[str, str]:
        """Account id -> display name, to show who recorded what (staff, not case data)."""
        require(self.actor, Area.CASE, Op.READ)
        return {a.id: a.display_name for a in accounts.list_accounts(self.vault.conn)}

    def list_cases(self, limit: int = 500) -> list[CaseListRow]:
        """Case list rows from the projection (list rows are not case reads)."""
        require(self.actor, Area.CASE, Op.READ)
        return projections.case_list(self.vault.conn, limit)

    def rebuild_projections(self) -> None:
        require(self.actor, Area.SETTINGS, Op.WRITE)
        with self.vault.transaction() as conn:
            projections.rebuild_case_list(conn)
            for case_id in records.case_ids(conn):
                self._update_deadlines(conn, case_id)
