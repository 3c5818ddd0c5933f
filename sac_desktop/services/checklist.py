"""The medical checklist, medications, sign-off and follow-ups as use cases (Qt-free).

Every change is an entry (audited, in one transaction with its projections); the rules
are the domain's (``domain.checklist``) and the protocol's. Reading goes through an
opened case's state, so the permissions of the record apply: police inspectors never
read it, psychologists read it and cannot change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sac_desktop.domain import aftercare as ac
from sac_desktop.domain import checklist as ck
from sac_desktop.domain.clock import format_utc, parse_utc
from sac_desktop.domain.deadlines import CaseClock, ItemClock
from sac_desktop.domain.intake import (
    age_years,
    conditions,
    exposure_limit,
    pregnant,
    section_values,
)
from sac_desktop.domain.localtime import (
    InvalidLocalTime,
    NonexistentLocalTime,
    parse_local_datetime,
    resolve_local,
)
from sac_desktop.domain.protocol import ChecklistItem, Drug, DrugWarning, Protocol
from sac_desktop.domain.roles import Role
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import N_
from sac_desktop.services.permissions import Area, Op, allowed, require
from sac_desktop.services.record import RecordService, UnknownCase
from sac_desktop.storage import projections
from sac_desktop.storage.projections import FollowUpRow as FollowUpRow

Refused = ck.Refused

#: The kinds of follow-up in the morning round: visits (medical follow-up), calls (case
#: management) and psychological appointments.
VISIT, CALL, PSYCHOLOGY = "visit", "call", projections.PSYCHOLOGY
#: What each role's own round holds ("for my role"); the whole round holds every kind
#: the role may see (psychological appointments: that they take place, not with whom).
ROLE_KINDS: dict[Role, tuple[str, ...]] = {
    Role.FORENSIC_NURSE: (VISIT, CALL),
    Role.PHYSICIAN: (VISIT,),
    Role.PSYCHOLOGIST: (PSYCHOLOGY,),
    Role.COORDINATOR: (VISIT, CALL, PSYCHOLOGY),
}


@dataclass(frozen=True)
class ChecklistRow:
    """One item as the checklist shows it."""

    item: ChecklistItem
    applies: bool | None  # None: may apply (a question is not answered yet)
    clock: ItemClock | None  # its best window, if it has one
    record: ck.ItemRecord | None  # its current status (None: not yet assessed)

    @property
    def status(self) -> ck.Status:
        return self.record.status if self.record is not None else ck.Status.NOT_ASSESSED

    @property
    def settled(self) -> bool:
        return self.applies is False or self.status in ck.SETTLED

    @property
    def allowed(self) -> list[ck.Status]:
        """The statuses it may move to now (its own first: adding details)."""
        return [self.status, *sorted(ck.TRANSITIONS[self.status], key=list(ck.Status).index)]


def _values(state: CaseState) -> dict[str, dict[str, Any]]:
    return section_values({k: v.value for k, v in state.fields.items() if not v.hidden})


def facts(state: CaseState) -> ck.Facts:
    values = _values(state)
    medical = values.get("medical", {})
    weight = medical.get("weight_kg")
    return ck.Facts(
        pregnant=pregnant(values),
        breastfeeding=medical.get("breastfeeding") == "yes"
        if medical.get("breastfeeding")
        else None,
        weight_kg=float(weight) if isinstance(weight, int | float) else None,
        age_years=age_years(values),
        kidney_disease=medical.get("kidney_disease") == "yes"
        if medical.get("kidney_disease")
        else None,
        allergies=str(medical.get("allergies") or ""),
    )


class ChecklistService:
    def __init__(self, record: RecordService) -> None:
        self.record = record
        record.clock_listeners.append(self._replan_after_intake)  # one per session

    # -- reading ----------------------------------------------------------------------
    def protocol_of(self, state: CaseState) -> Protocol:
        return self.record.protocols.for_case(state.protocol)[0]

    def rows(self, state: CaseState, clock: CaseClock) -> list[ChecklistRow]:
        """Every item of the case's protocol with its applicability, clock and status."""
        require(self.record.actor, Area.CASE, Op.READ)
        found = conditions(_values(state))
        return [
            ChecklistRow(
                item,
                ck.applicable(item, found),
                ck.item_state(item, clock),
                state.checklist.get(item.id),
            )
            for item in self.protocol_of(state).checklist
        ]

    def is_complete(self, state: CaseState) -> bool:
        protocol = self.protocol_of(state)
        return ck.complete(protocol.checklist, state.checklist, conditions(_values(state)))

    def warnings(self, state: CaseState, drug_id: str) -> list[DrugWarning]:
        """The protocol's notes for this drug that the person's intake calls up."""
        try:
            drug: Drug = self.protocol_of(state).drug(drug_id)
        except KeyError:
            return []
        return ck.drug_warnings(drug, facts(state))

    # -- writing ----------------------------------------------------------------------
    def set_item(self, case_id: str, item_id: str, payload: Mapping[str, Any]) -> str:
        """Move an item to ``payload["status"]`` (with its reason, explanation, details,
        time given). A declined time-critical item gets a re-offer contact before its
        deadline, in the same transaction. Raises :class:`Refused` with the rule."""
        record = self.record
        now = record.clock.now_utc()
        with record.vault.transaction() as conn:
            state = record.state_for_write(conn, case_id)
            protocol = self.protocol_of(state)
            try:
                item = protocol.item(item_id)
            except KeyError:
                raise Refused(N_("This item is not in the case's protocol.")) from None
            try:
                new = ck.Status(str(payload.get("status")))
            except ValueError:
                raise Refused(N_("Choose a status.")) from None
            clock, _p, _exact = record.clock_of(state, now)
            current = state.checklist.get(item_id)
            details = payload.get("details") or (current.details if current else {})
            method = str(details.get("method") or "") if isinstance(details, Mapping) else ""
            item_clock = ck.item_state(item, clock, method)
            given_at = str(payload.get("at_local") or "")
            given_utc = self._utc(given_at) if new is ck.Status.GIVEN and given_at else None
            if new is ck.Status.GIVEN and given_at and given_utc is None:
                raise Refused(N_("Write the time it was given as 2026-03-14 01:30."))
            if given_utc is not None and given_utc > now + timedelta(minutes=5):
                raise Refused(N_("That time is still to come: write when it was given."))
            # A dose given in time and written down later counts when it was given (after
            # the latest exposure, before now): the hard stop is about starting a treatment
            # too late, not about documenting it late.
            check_clock = item_clock
            latest = clock.anchors.latest
            if given_utc is not None and latest is not None and latest <= given_utc < now:
                check_clock = ck.item_state(item, record.clock_of(state, given_utc)[0], method)
            ck.check_change(item, current, new, payload, check_clock, state.signed_off is not None)
            clean = {k: v for k, v in payload.items() if v not in (None, "", {}, [])}
            clean["item"] = item_id
            clean["status"] = new.value
            entry_id = record.append(
                conn,
                state,
                ck.KIND_CHECKLIST_ITEM,
                clean,
                supersedes=None if current is None else current.entry_id,
            )
            # A new decision to decline (not an amendment of one) plans the re-offer; one
            # already planned is kept as it is (it may have been moved to the hours the
            # person can safely be called).
            if new is ck.Status.DECLINED and (current is None or current.status != new):
                step = ck.reoffer(item, item_clock, now)
                if step is None and clock.anchors.latest is None:
                    # The time is not known: the latest it can have been is the arrival
                    # (or now); the call comes before the deadline counted from there.
                    last = exposure_limit(_values(state), record.clock.zone, now)
                    step = ck.reoffer_from(item, self.protocol_of(state), last, now)
                planned = None if step is None else state.followups.get(step.id)
                if step is not None and (
                    planned is None or planned.status is not ck.FollowUpStatus.PLANNED
                ):
                    self._plan(conn, state, step)
            # A "given" corrected as entered in error: what it planned (the PEP call, the
            # next hepatitis B doses) is cancelled with it.
            if current is not None and current.status is ck.Status.GIVEN and new != current.status:
                planned_after = {f.id for f in protocol.followups if f.after_item == item_id}
                for followup in state.followups.values():
                    if (
                        followup.step in planned_after
                        and followup.status is ck.FollowUpStatus.PLANNED
                    ):
                        self._set_followup(conn, state, followup, ck.FollowUpStatus.CANCELLED)
            # Accepted or given after all: the planned re-offer call has served its purpose.
            reoffer_call = state.followups.get(f"reoffer_{item_id}")
            if (
                new in (ck.Status.ACCEPTED, ck.Status.GIVEN)
                and reoffer_call is not None
                and reoffer_call.status is ck.FollowUpStatus.PLANNED
            ):
                self._set_followup(conn, state, reoffer_call, ck.FollowUpStatus.DONE)
            # The plan is made when the checklist is complete, and completed as items are
            # given later (hepatitis B doses count from the first dose): in the same
            # transaction, from the state with this change.
            after = record.state_for_write(conn, case_id)
            plan_made = any(not f.startswith("reoffer_") for f in after.followups)
            if plan_made or self.is_complete(after):
                self._plan_in(conn, after, add_new=True)
        return entry_id

    def record_medication(self, case_id: str, payload: Mapping[str, Any]) -> list[DrugWarning]:
        """A medication given or dispensed; returns the protocol's notes it calls up (shown
        to the person recording it, who has already decided)."""
        ck.check_medication(payload)
        given = self._utc(str(payload.get("at_local", "")))
        if given is None:
            raise Refused(N_("Write the time it was given as 2026-03-14 01:30."))
        record = self.record
        if given > record.clock.now_utc() + timedelta(minutes=5):
            raise Refused(N_("That time is still to come: write when it was given."))
        with record.vault.transaction() as conn:
            state = record.state_for_write(conn, case_id)
            item_id = str(payload.get("item") or "")
            drug_id = str(payload.get("drug") or "")
            protocol = self.protocol_of(state)
            if item_id in {i.id for i in protocol.checklist} and drug_id:
                # A hard limit holds for the drug as for the item: PEP is not started
                # after 72 h, levonorgestrel not after its limit.
                at_given = record.clock_of(state, given)[0]
                drug_clock = ck.item_state(protocol.item(item_id), at_given, drug_id)
                if drug_clock is not None and drug_clock.state.value == "closed":
                    raise Refused(
                        N_(
                            "Its window closed (a hard limit) before that time: it cannot be "
                            "given. Record the item as not indicated, with the reason."
                        )
                    )
            if (
                state.signed_off is not None
                and not str(payload.get("amendment_reason") or "").strip()
            ):
                raise Refused(
                    N_("The medical section is signed off: give the reason for this amendment.")
                )
            clean = {k: v for k, v in payload.items() if v not in (None, "")}
            record.append(conn, state, ck.KIND_MEDICATION, clean)
        drug = str(payload.get("drug") or "")
        return self.warnings(state, drug) if drug else []

    def void_medication(self, case_id: str, entry_id: str, reason: str) -> str:
        """A medication recorded in error (a wrong dose, the wrong person) is voided, with
        the reason: a new entry superseding it; the record keeps both."""
        if not reason.strip():
            raise Refused(N_("Give the reason (for example: entered in error)."))
        record = self.record
        with record.vault.transaction() as conn:
            state = record.state_for_write(conn, case_id)
            if entry_id not in {m.entry_id for m in state.medications}:
                raise UnknownCase(entry_id)
            return record.append(
                conn,
                state,
                ck.KIND_MEDICATION,
                {"void_of": entry_id, "reason": reason.strip()},
                supersedes=entry_id,
            )

    def sign_off(self, case_id: str) -> str:
        """The medical section is signed off: later changes are amendments with a reason."""
        record = self.record
        with record.vault.transaction() as conn:
            state = record.state_for_write(conn, case_id)
            if state.signed_off is not None:
                raise Refused(N_("The medical section is already signed off."))
            # Signing off with items still open is allowed (the physician decides), and
            # the items left open are recorded with the sign-off and shown.
            clock, _p, _e = record.clock_of(state)
            still_open = [r.item.id for r in self.rows(state, clock) if not r.settled]
            return record.append(
                conn,
                state,
                ck.KIND_SIGN_OFF,
                {"by_role": str(record.actor.role), "open_items": still_open},
            )

    def plan_followups(self, case_id: str) -> list[str]:
        """The follow-up plan from the protocol: new steps are added; a planned step
        nobody moved follows its anchor (a later episode, an amended first dose); a moved,
        done, missed or cancelled one is left as it is. Returns the new follow-up ids."""
        record = self.record
        with record.vault.transaction() as conn:
            state = record.state_for_write(conn, case_id)
            return self._plan_in(conn, state, add_new=True)

    def _replan_after_intake(self, conn: Any, state: CaseState) -> None:
        """The intake's clock changed (an episode, a condition): the plan, once made,
        follows it in the same transaction."""
        if any(not f.startswith("reoffer_") for f in state.followups):
            self._plan_in(conn, state, add_new=False)

    def _plan_in(self, conn: Any, state: CaseState, add_new: bool) -> list[str]:
        record = self.record
        now = record.clock.now_utc()
        clock, _p, _e = record.clock_of(state, now)
        values = _values(state)
        arrival = self._utc(str(values.get("arrival", {}).get("arrived_at") or ""))
        visit = arrival or state.opened_utc or now
        # Tests count from the latest possible exposure. An episode whose time is not
        # known may have been the latest one, up to the arrival (or now): then the
        # tests count from there, later rather than too early, and are never left out.
        last = clock.anchors.latest
        if last is None or clock.anchors.unknown_episodes:
            last = exposure_limit(values, record.clock.zone, now)
        steps = ck.plan_followups(
            self.protocol_of(state),
            conditions(values),
            state.checklist,
            last,
            visit,
            self._utc,
        )
        prefs = ac.preferences(values.get("contact", {}))  # read once for the whole plan
        steps = [
            self._fitted(s, prefs)
            for s in steps
            # The person declined further contact: the plan makes no new calls.
            if not (s.kind == ac.CALL and state.aftercare.contact_declined)
        ]
        new = []
        for step in steps:
            current = state.followups.get(step.id)
            if current is None:
                if add_new:
                    self._plan(conn, state, step)
                    new.append(step.id)
            elif (
                current.status is ck.FollowUpStatus.PLANNED
                and not current.moved
                and (current.due_utc, current.until_utc) != (step.due_utc, step.until_utc)
            ):
                self._set_followup(
                    conn, state, current, current.status, step.due_utc, until=step.until_utc
                )
        return new

    def update_followup(
        self,
        case_id: str,
        followup_id: str,
        status: str,
        due_local: str | None = None,
        note: str = "",
    ) -> str:
        """Mark a follow-up done, missed or cancelled, or move it (planned, a new time)."""
        record = self.record
        with record.vault.transaction() as conn:
            state = record.state_for_write(conn, case_id)
            current = state.followups.get(followup_id)
            if current is None:
                raise UnknownCase(followup_id)
            if current.kind != ac.VISIT:
                # A contact with the person gets its outcome within their contact
                # preferences (services.aftercare), never a bare status here.
                raise Refused(N_("Record this contact's outcome on the Aftercare tab."))
            try:
                new = ck.FollowUpStatus(status)
            except ValueError:
                raise Refused(N_("Choose a status.")) from None
            if new != current.status and new not in ck.FOLLOWUP_TRANSITIONS[current.status]:
                raise Refused(
                    N_("This follow-up cannot go from “%(old)s” to “%(new)s”."),
                    old=ck.FOLLOWUP_STATUS_LABELS[current.status],
                    new=ck.FOLLOWUP_STATUS_LABELS[new],
                )
            due = current.due_utc
            if due_local:
                moved = self._utc(due_local)
                if moved is None:
                    raise Refused(N_("Write the new time as 2026-03-14 01:30."))
                due = moved
            # Moved by a person: the plan no longer moves it when its anchor changes.
            return self._set_followup(
                conn, state, current, new, due, note, moved=current.moved or bool(due_local)
            )

    # -- across cases -----------------------------------------------------------------
    def _day(self, now: datetime) -> tuple[datetime, datetime, datetime]:
        """The Brussels day of ``now`` (start, end) and the end of the coming week."""
        zone = ZoneInfo(self.record.clock.zone)
        day_start = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        today_end = (day_start + timedelta(days=1, hours=3)).replace(hour=0)
        week_end = (day_start + timedelta(days=8, hours=3)).replace(hour=0)
        return day_start, today_end, week_end

    def round_kinds(self, mine: bool = True) -> tuple[str, ...]:
        """The kinds of follow-up in this person's round: those of their role (``mine``)
        or every kind they may see."""
        role = self.record.actor.role
        visible = [VISIT, CALL] if allowed(role, Area.CASE, Op.READ) else []
        if allowed(role, Area.PSYCHOLOGY, Op.SEE_EXISTENCE):
            visible.append(PSYCHOLOGY)
        wanted = ROLE_KINDS.get(role, ()) if mine else tuple(visible)
        return tuple(k for k in wanted if k in visible)

    def due(
        self, now: datetime, limit: int = 500, kinds: tuple[str, ...] | None = None
    ) -> dict[str, list[FollowUpRow]]:
        """The morning round: planned follow-ups of every case. Overdue: its window closed
        before today (the latest first, at most ``limit``); today: open today and due by
        tonight; this week: due in the coming seven days. List rows only (the case
        number), not case reads. ``kinds``: visits, calls, psychological appointments
        (default: every kind this role may see; never more)."""
        require(self.record.actor, Area.CASE, Op.READ)
        visible = self.round_kinds(mine=False)
        kinds = visible if kinds is None else tuple(k for k in kinds if k in visible)
        day_start, today_end, week_end = self._day(now)
        conn = self.record.vault.conn
        start = format_utc(day_start)
        # The longest a follow-up's window stays open (a moved one closes when it is due):
        # older ones are either overdue or done, so the index range starts there.
        longest = max(
            (
                (f.until_days or f.due_days) - f.due_days
                for p in self.record.protocols.protocols.values()
                for f in p.followups
            ),
            default=0.0,
        )
        since = format_utc(day_start - timedelta(days=longest + 1))
        rows = projections.open_followups(conn, start, since, format_utc(week_end), limit, kinds)
        found: dict[str, list[FollowUpRow]] = {
            "overdue": projections.overdue_followups(conn, start, limit, kinds),
            "today": [],
            "week": [],
        }
        for row in rows:  # the index chose them; the domain's rule says where they stand
            until = parse_utc(row.until_utc) if row.until_utc else None
            bucket = ck.followup_bucket(
                parse_utc(row.due_utc), until, day_start, today_end, week_end
            )
            if bucket in ("today", "week"):
                found[bucket].append(row)
        return found

    def overdue_count(self, now: datetime, kinds: tuple[str, ...] | None = None) -> int:
        """All overdue follow-ups (the round lists the latest ``limit`` of them)."""
        require(self.record.actor, Area.CASE, Op.READ)
        visible = self.round_kinds(mine=False)
        kinds = visible if kinds is None else tuple(k for k in kinds if k in visible)
        day_start, _today, _week = self._day(now)
        return projections.count_overdue_followups(
            self.record.vault.conn, format_utc(day_start), kinds
        )

    # -- helpers ----------------------------------------------------------------------
    def _set_followup(
        self,
        conn: Any,
        state: CaseState,
        current: ck.FollowUpRecord,
        status: ck.FollowUpStatus,
        due: datetime | None = None,
        note: str = "",
        *,
        until: datetime | None = None,
        moved: bool | None = None,
    ) -> str:
        until = until if until is not None else current.until_utc
        payload: dict[str, Any] = {
            "id": current.id,
            "step": current.step,
            "due_utc": format_utc(due or current.due_utc),
            "until_utc": None if until is None else format_utc(until),
            "status": status.value,
            "note": note.strip(),
            "moved": current.moved if moved is None else moved,
        }
        if current.kind != ac.VISIT:
            payload.update(kind=current.kind, channel=current.channel or ac.Channel.PHONE.value)
        return self.record.append(
            conn, state, ck.KIND_FOLLOWUP, payload, supersedes=current.entry_id
        )

    def _fitted(self, step: ck.PlannedStep, prefs: ac.ContactPreferences) -> ck.PlannedStep:
        """A step that is a contact with the person, at the first safe moment the intake's
        contact hours allow: a case-management call (office hours when none were given or
        they cannot be read), a re-offer (only within hours the person gave: its deadline
        comes first)."""
        if step.kind == ac.CALL:
            hours = prefs.hours or ac.OFFICE_HOURS
        elif step.step.startswith("reoffer_") and prefs.hours:
            hours = prefs.hours
        else:
            return step
        zone = self.record.clock.zone
        return replace(step, due_utc=ac.fit_into_hours(step.due_utc, step.until_utc, hours, zone))

    def _plan(self, conn: Any, state: CaseState, step: ck.PlannedStep, note: str = "") -> None:
        step = self._fitted(step, ac.preferences(_values(state).get("contact", {})))
        payload: dict[str, Any] = {
            "id": step.id,
            "step": step.step,
            "due_utc": format_utc(step.due_utc),
            "until_utc": None if step.until_utc is None else format_utc(step.until_utc),
            "status": ck.FollowUpStatus.PLANNED.value,
            "note": note,
        }
        if step.kind != ac.VISIT:
            payload.update(kind=step.kind, channel=ac.Channel.PHONE.value)
        current = state.followups.get(step.id)
        self.record.append(
            conn,
            state,
            ck.KIND_FOLLOWUP,
            payload,
            supersedes=None if current is None else current.entry_id,
        )

    def _utc(self, text: str) -> datetime | None:
        """A Brussels wall-clock time as the instant it means (the later reading of an
        ambiguous one); None if it cannot be read or does not exist."""
        if not text.strip():
            return None
        try:
            return resolve_local(parse_local_datetime(text), self.record.clock.zone).latest_utc
        except (InvalidLocalTime, NonexistentLocalTime):
            return None
