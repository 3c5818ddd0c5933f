"""Aftercare: contacts with the person, the partner directory and referrals, closing a
case (Qt-free). The rules are in ``domain.aftercare``; this service applies them to the
record, checks who may act, and keeps every change an entry (or, for the directory, an
audited setting).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sac_desktop.domain import aftercare as ac
from sac_desktop.domain import checklist as ck
from sac_desktop.domain.audit import Action
from sac_desktop.domain.centres import CENTRES
from sac_desktop.domain.clock import format_utc
from sac_desktop.domain.consent import CONSENT_ITEMS
from sac_desktop.domain.entries import new_id
from sac_desktop.domain.localtime import (
    InvalidLocalTime,
    NonexistentLocalTime,
    format_naive,
    local_of,
    parse_local_datetime,
    resolve_local,
)
from sac_desktop.domain.minors import child_protection_bodies
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import N_
from sac_desktop.services.clock import case_values
from sac_desktop.services.permissions import Area, Op, allowed, require
from sac_desktop.services.record import RecordService
from sac_desktop.storage import accounts

AftercareProblem = ac.AftercareProblem
SETTING_PARTNERS = "partners"


class AftercareRefused(ValueError):
    """A change the record cannot take; ``message`` is a msgid saying what to do."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class AftercareProblems(ValueError):
    """The values are incomplete or wrong: each problem names its field."""

    def __init__(self, problems: list[ac.AftercareProblem]) -> None:
        super().__init__(", ".join(p.field for p in problems))
        self.problems = problems


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key, "")
    return value.strip() if isinstance(value, str) else ""


# -- the directory a centre starts with ----------------------------------------------------
def seed_partners(centre_code: str) -> list[ac.Partner]:
    """The partners a centre starts with (the coordinator completes addresses, phone
    numbers and hours): the secondary partners of its community and the centre's own
    hospital. No address or number is invented."""
    centre = next((c for c in CENTRES if c.code == centre_code.strip().upper()), None)
    french = centre is not None and centre.language == "fr"
    both = centre is not None and centre.code == "BXL"
    found: list[ac.Partner] = []

    def add(
        name: str, kind: str, community: str, languages: tuple[str, ...], phone: str = ""
    ) -> None:
        partner_id = f"seed-{len(found) + 1}"
        found.append(ac.Partner(partner_id, name, kind, community, languages, phone=phone))

    if not french or both:
        add("Slachtofferonthaal (Justitiehuis)", "victim_support", "flemish", ("nl",))
        add("CAW Slachtofferhulp", "caw", "flemish", ("nl",))
    if french or both:
        add("Accueil des victimes (Maison de justice)", "victim_support", "french", ("fr",))
        add("Service d'aide aux victimes", "caw", "french", ("fr",))
    for body in child_protection_bodies(centre_code):
        phone = body.contact if any(ch.isdigit() for ch in body.contact) else ""
        languages = ("fr",) if body.community == "french" else ("nl",)
        add(body.name, "child_protection", body.community, languages, phone=phone)
    if centre is not None:
        hospital = centre.hospital or centre.name
        community = "bilingual" if both else ("french" if french else "flemish")
        add(
            f"HIV-referentiecentrum / Centre de référence SIDA ({hospital})"
            if both
            else (
                f"Centre de référence SIDA ({hospital})"
                if french
                else f"HIV-referentiecentrum ({hospital})"
            ),
            "hiv_reference_centre",
            community,
            ("nl", "fr") if both else (centre.language,),
        )
    return found


def _followup_payload(
    followup: ck.FollowUpRecord, status: ck.FollowUpStatus, ended_by: str = ""
) -> dict[str, Any]:
    """A follow-up's next version at a new status, all else kept (its time, its kind and
    channel, whether a person moved it); ``ended_by`` says why it ended without an
    outcome of its own ("declined", "closure")."""
    payload: dict[str, Any] = {
        "id": followup.id,
        "step": followup.step,
        "kind": followup.kind,
        "due_utc": format_utc(followup.due_utc),
        "until_utc": None if followup.until_utc is None else format_utc(followup.until_utc),
        "status": status.value,
        "note": followup.note,
        "moved": followup.moved,
    }
    if followup.kind == ac.CALL:
        payload["channel"] = followup.channel or ac.Channel.PHONE.value
    if ended_by:
        payload["ended_by"] = ended_by
    return payload


@dataclass(frozen=True)
class ChildProtectionPrompt:
    """For a minor's case: the child-protection bodies, what the intake decided, and
    whether a referral to child protection is recorded."""

    bodies: tuple[str, ...]
    intake_decision: str  # a code of domain.intake.CHILD_PROTECTION, or ""
    referred: bool


class AftercareService:
    def __init__(self, record: RecordService) -> None:
        self.record = record

    # -- helpers --------------------------------------------------------------------------
    @property
    def zone(self) -> str:
        return self.record.clock.zone

    def _utc(self, text: str, field: str) -> tuple[datetime, datetime]:
        """A typed Brussels time as (UTC instant, naive local); a calm problem if not."""
        try:
            local = parse_local_datetime(text)
            return resolve_local(local, self.zone).latest_utc, local
        except InvalidLocalTime:
            raise AftercareProblems(
                [ac.AftercareProblem(field, N_("Write the time as 2026-03-14 01:30."))]
            ) from None
        except NonexistentLocalTime:
            raise AftercareProblems(
                [
                    ac.AftercareProblem(
                        field,
                        N_(
                            "That time does not exist in Brussels (the clocks jumped forward"
                            " an hour)."
                        ),
                    )
                ]
            ) from None

    def preferences(self, state: CaseState) -> ac.ContactPreferences:
        """The person's contact preferences from the intake."""
        return ac.preferences(case_values(state).get("contact", {}))

    # -- contacts ---------------------------------------------------------------------------
    def contacts(self, state: CaseState) -> list[ck.FollowUpRecord]:
        """Every contact with the person (planned, made, ended), by time."""
        require(self.record.actor, Area.CASE, Op.READ)
        found = [f for f in state.followups.values() if f.kind == ac.CALL]
        return sorted(found, key=lambda f: (f.due_utc, f.id))

    def contact_history(self, state: CaseState, contact_id: str) -> list[ck.FollowUpRecord]:
        """Every version of one contact: its attempts and outcomes, oldest first."""
        require(self.record.actor, Area.CASE, Op.READ)
        return list(state.followup_history.get(contact_id, []))

    def _check_time(
        self, when: datetime, channel: ac.Channel, prefs: ac.ContactPreferences, field: str
    ) -> None:
        problem = ac.check_contact_time(local_of(when, self.zone), channel, prefs)
        if problem is not None:
            name = field if problem.field == "due_local" else problem.field
            raise AftercareProblems([ac.AftercareProblem(name, problem.message, **problem.params)])

    def add_contact(self, case_id: str, values: Mapping[str, Any]) -> str:
        """A contact planned by hand; returns its id. ``values``: due_local (Brussels
        time), channel (phone, video, in_person, letter), note (what it is for; required
        after the person declined further contact: why they are contacted again)."""
        due_text = _text(values, "due_local")
        if not due_text:
            raise AftercareProblems(
                [ac.AftercareProblem("due_local", N_("Give the date and time."))]
            )
        try:
            channel = ac.Channel(values.get("channel") or ac.Channel.PHONE)
        except ValueError:
            raise AftercareProblems(
                [ac.AftercareProblem("channel", N_("Choose how the person is contacted."))]
            ) from None
        due, _local = self._utc(due_text, "due_local")
        note = _text(values, "note")
        record = self.record
        with record.vault.transaction() as conn:
            state = record.state_for_write(conn, case_id)
            prefs = self.preferences(state)
            self._check_time(due, channel, prefs, "due_local")
            resumed = state.aftercare.contact_declined
            if resumed and not note:
                raise AftercareProblems(
                    [
                        ac.AftercareProblem(
                            "note",
                            N_(
                                "The person declined further contact: say why they are"
                                " contacted again (for example, they asked for it)."
                            ),
                        )
                    ]
                )
            contact_id = f"contact-{new_id()}"
            payload: dict[str, Any] = {
                "id": contact_id,
                "step": ac.MANUAL_STEP,
                "kind": ac.CALL,
                "channel": channel.value,
                "due_utc": format_utc(due),
                "until_utc": None,
                "status": ck.FollowUpStatus.PLANNED.value,
                "note": note,
                "moved": True,  # placed by a person: the plan leaves it alone
            }
            if resumed:
                payload["resumed"] = True
            record.append(conn, state, ck.KIND_FOLLOWUP, payload)
        return contact_id

    def record_outcome(self, case_id: str, contact_id: str, values: Mapping[str, Any]) -> str:
        """The outcome of a contact; returns the id of the next contact planned, or "".

        ``values``: outcome (reached, not_reached, rescheduled, declined), note,
        next_step (what happens next, in words), voicemail_left (only when not reached,
        and only when the intake allows one), next_local (rescheduled: the new time of
        this contact; reached or not reached: a next contact, planned now)."""
        record = self.record
        with record.vault.transaction() as conn:
            state = record.state_for_write(conn, case_id)
            current = state.followups.get(contact_id)
            if current is None or current.kind != ac.CALL:
                raise AftercareRefused(N_("That contact is not in this case."))
            if current.status is not ck.FollowUpStatus.PLANNED:
                raise AftercareRefused(
                    N_("This contact already has its outcome: plan a new contact instead.")
                )
            prefs = self.preferences(state)
            problems = ac.check_outcome(values, prefs)
            if problems:
                raise AftercareProblems(problems)
            outcome = ac.Outcome(values["outcome"])
            channel = ac.Channel(current.channel or ac.Channel.PHONE)
            next_text = _text(values, "next_local")
            following = None
            if next_text:
                following, _local = self._utc(next_text, "next_local")
                if following <= record.clock.now_utc():
                    raise AftercareProblems(
                        [
                            ac.AftercareProblem(
                                "next_local", N_("The next contact comes later than now.")
                            )
                        ]
                    )
                self._check_time(following, channel, prefs, "next_local")
            base = {
                "id": current.id,
                "step": current.step,
                "kind": ac.CALL,
                "channel": channel.value,
                "until_utc": None if current.until_utc is None else format_utc(current.until_utc),
                "note": _text(values, "note"),
                "next_step": _text(values, "next_step"),
                "outcome": outcome.value,
                "voicemail_left": values.get("voicemail_left") is True,
            }
            if outcome is ac.Outcome.RESCHEDULED:
                assert following is not None
                payload = {
                    **base,
                    "due_utc": format_utc(following),
                    "until_utc": None,
                    "status": ck.FollowUpStatus.PLANNED.value,
                    "moved": True,
                }
                record.append(conn, state, ck.KIND_FOLLOWUP, payload, supersedes=current.entry_id)
                return current.id
            payload = {
                **base,
                "due_utc": format_utc(current.due_utc),
                "status": ac.OUTCOME_STATUS[outcome],
                "moved": current.moved,
            }
            record.append(conn, state, ck.KIND_FOLLOWUP, payload, supersedes=current.entry_id)
            if outcome is ac.Outcome.DECLINED:
                for other in state.followups.values():
                    if (
                        other.kind == ac.CALL
                        and other.id != current.id
                        and other.status is ck.FollowUpStatus.PLANNED
                    ):
                        payload = _followup_payload(other, ck.FollowUpStatus.CANCELLED, "declined")
                        record.append(conn, state, ck.KIND_FOLLOWUP, payload, other.entry_id)
                return ""
            if following is None:
                return ""
            next_id = f"contact-{new_id()}"
            record.append(
                conn,
                state,
                ck.KIND_FOLLOWUP,
                {
                    "id": next_id,
                    "step": current.step,
                    "kind": ac.CALL,
                    "channel": channel.value,
                    "due_utc": format_utc(following),
                    "until_utc": None,
                    "status": ck.FollowUpStatus.PLANNED.value,
                    "note": _text(values, "next_step"),
                    "moved": True,
                },
            )
            return next_id

    # -- the partner directory --------------------------------------------------------------
    def _stored_partners(self) -> tuple[int, list[ac.Partner]] | None:
        raw = accounts.get_setting(self.record.vault.conn, SETTING_PARTNERS)
        if not raw:
            return None
        data = json.loads(raw)
        partners = [ac.partner_from(p, str(p["id"])) for p in data["partners"]]
        return int(data["version"]), partners

    def partners(self, include_inactive: bool = False) -> list[ac.Partner]:
        """The centre's directory (seeded for the centre until the coordinator saves it)."""
        require(self.record.actor, Area.REFERRAL, Op.READ)
        stored = self._stored_partners()
        found = stored[1] if stored is not None else seed_partners(self.record.info.centre)
        return [p for p in found if include_inactive or p.active]

    def save_partner(self, values: Mapping[str, Any], partner_id: str | None = None) -> str:
        """Add a partner (``partner_id`` None) or change one (set ``active`` False to take
        it out of the choices: referrals already made keep its name). Coordinator only,
        audited. Returns the partner's id."""
        actor = self.record.actor
        require(actor, Area.SETTINGS, Op.WRITE)
        problems = ac.check_partner(values)
        if problems:
            raise AftercareProblems(problems)
        with self.record.vault.transaction() as conn:
            stored = self._stored_partners()
            version, partners = (
                stored if stored is not None else (0, seed_partners(self.record.info.centre))
            )
            if partner_id is None:
                partner_id = new_id()
                partners.append(ac.partner_from(values, partner_id))
            else:
                if not any(p.id == partner_id for p in partners):
                    raise AftercareRefused(N_("That partner is not in the directory."))
                partners = [
                    ac.partner_from(values, partner_id) if p.id == partner_id else p
                    for p in partners
                ]
            data = {
                "version": version + 1,
                "partners": [{"id": p.id, **ac.partner_values(p)} for p in partners],
            }
            accounts.set_setting(conn, SETTING_PARTNERS, json.dumps(data, ensure_ascii=False))
            self.record.trail.append(
                conn,
                actor,
                Action.SETTING_CHANGE,
                reason=f"{SETTING_PARTNERS}: partner {partner_id} saved; v{version + 1}",
            )
        return partner_id

    # -- referrals --------------------------------------------------------------------------
    def referrals(self, state: CaseState) -> list[ac.ReferralRecord]:
        require(self.record.actor, Area.REFERRAL, Op.READ)
        return state.aftercare.listed_referrals()

    def referral_history(self, state: CaseState, referral_id: str) -> list[ac.ReferralRecord]:
        require(self.record.actor, Area.REFERRAL, Op.READ)
        return list(state.aftercare.referral_history.get(referral_id, []))

    def refer(self, case_id: str, values: Mapping[str, Any]) -> str:
        """A referral to a partner of the directory; returns its id. ``values``:
        partner_id, reason, at_local (Brussels time; now when empty), warm_handover
        (True when staff handed the person over in person or by phone), outcome
        (pending by default), note. Needs the consent for that kind of referral."""
        require(self.record.actor, Area.REFERRAL, Op.WRITE)
        problems = ac.check_referral(values)
        if problems:
            raise AftercareProblems(problems)
        partner = next((p for p in self.partners() if p.id == _text(values, "partner_id")), None)
        if partner is None:
            raise AftercareRefused(N_("That partner is not in the directory: choose another."))
        item = partner.consent_item
        if item is None:
            raise AftercareRefused(
                N_("Cases are not referred to this kind of partner: choose a referral partner.")
            )
        at_text = _text(values, "at_local")
        at = (
            self._utc(at_text, "at_local")[1]
            if at_text
            else local_of(self.record.clock.now_utc(), self.zone).replace(tzinfo=None)
        )
        referral_id = new_id()
        with self.record.vault.transaction() as conn:
            state = self.record.state_unchecked(conn, case_id)
            consent = state.consents.get(item)
            if consent is None or not consent.in_force:
                raise AftercareRefused(
                    N_(
                        "This referral needs the person's consent (%(item)s): record it on"
                        " the Consent tab first."
                    ),
                    item=CONSENT_ITEMS[item],
                )
            payload = {
                "id": referral_id,
                "partner_id": partner.id,
                "partner_name": partner.name,
                "partner_type": partner.type,
                "consent_item": item,
                "consent_entry": consent.entry_id,
                "reason": _text(values, "reason"),
                "at_local": format_naive(at),
                "warm_handover": values.get("warm_handover") is True,
                "outcome": str(values.get("outcome") or ac.ReferralOutcome.PENDING.value),
                "note": _text(values, "note"),
            }
            self.record.append(conn, state, ac.KIND_REFERRAL, payload)
        return referral_id

    def update_referral(self, case_id: str, referral_id: str, values: Mapping[str, Any]) -> str:
        """How a referral went: outcome, warm_handover, note. Returns the entry id."""
        require(self.record.actor, Area.REFERRAL, Op.WRITE)
        try:
            outcome = ac.ReferralOutcome(str(values.get("outcome")))
        except ValueError:
            raise AftercareProblems(
                [ac.AftercareProblem("outcome", N_("Choose how the referral went."))]
            ) from None
        with self.record.vault.transaction() as conn:
            state = self.record.state_unchecked(conn, case_id)
            current = state.aftercare.referrals.get(referral_id)
            if current is None:
                raise AftercareRefused(N_("That referral is not in this case."))
            payload = {
                "id": current.id,
                "partner_id": current.partner_id,
                "partner_name": current.partner_name,
                "partner_type": current.partner_type,
                "consent_item": current.consent_item,
                "consent_entry": current.consent_entry,
                "reason": current.reason,
                "at_local": current.at_local,
                "warm_handover": values.get("warm_handover", current.warm_handover) is True,
                "outcome": outcome.value,
                "note": _text(values, "note") or current.note,
            }
            return self.record.append(
                conn, state, ac.KIND_REFERRAL, payload, supersedes=current.entry_id
            )

    def child_protection_prompt(self, state: CaseState) -> ChildProtectionPrompt | None:
        """For a case where the person is (or was at an episode) a minor: the prompt to
        consider child protection; None for an adult."""
        view = self.record.intake_view(state)
        if view.minor is not True and not view.minor_at_episode:
            return None
        referred = any(
            r.partner_type == "child_protection" and r.outcome is not ac.ReferralOutcome.CANCELLED
            for r in state.aftercare.referrals.values()
        )
        decision = state.value("minor.child_protection")
        return ChildProtectionPrompt(
            bodies=tuple(b.name for b in view.child_protection),
            intake_decision=decision if isinstance(decision, str) else "",
            referred=referred,
        )

    # -- closing --------------------------------------------------------------------------
    def open_followups(self, state: CaseState) -> list[tuple[str, datetime]]:
        """What keeps a case open: planned follow-ups and contacts, and planned
        psychological appointments (kind, step or "psychology_appointment", due)."""
        found: list[tuple[str, datetime]] = [
            (f.step, f.due_utc)
            for f in state.followups.values()
            if f.status is ck.FollowUpStatus.PLANNED
        ]
        found += [
            ("psychology_appointment", a.due_utc) for a in state.psychology.planned_appointments()
        ]
        return sorted(found, key=lambda x: x[1])

    def can_refer(self) -> bool:
        return allowed(self.record.actor.role, Area.REFERRAL, Op.WRITE)

    def can_close(self) -> bool:
        return allowed(self.record.actor.role, Area.CLOSURE, Op.WRITE)

    def close_case(self, case_id: str, reason: str, note: str = "", end_open: bool = False) -> str:
        """Close a case, with the reason. Its planned follow-ups and contacts must be done
        or ended: ``end_open`` ends (cancels) them in the same transaction. A planned
        psychological appointment is the psychologist's to end first. Audited (an entry)."""
        require(self.record.actor, Area.CLOSURE, Op.WRITE)
        problems = ac.check_closing({"reason": reason, "note": note})
        if problems:
            raise AftercareProblems(problems)
        record = self.record
        with record.vault.transaction() as conn:
            state = record.state_unchecked(conn, case_id)
            if state.aftercare.closed is not None:
                raise AftercareRefused(N_("This case is already closed."))
            if state.psychology.planned_appointments():
                raise AftercareRefused(
                    N_(
                        "A psychological appointment is still planned: the psychologist ends"
                        " it before the case is closed."
                    )
                )
            planned = [f for f in state.followups.values() if f.status is ck.FollowUpStatus.PLANNED]
            if planned and not end_open:
                raise AftercareRefused(
                    N_(
                        "Follow-ups or contacts are still planned (%(count)d): record them, or"
                        " choose to end them with the closing."
                    ),
                    count=len(planned),
                )
            if planned and not allowed(record.actor.role, Area.CASE, Op.WRITE):
                raise AftercareRefused(
                    N_(
                        "Follow-ups or contacts are still planned: the case manager or a"
                        " physician ends them before the case is closed."
                    )
                )
            for followup in planned:
                payload = _followup_payload(followup, ck.FollowUpStatus.CANCELLED, "closure")
                record.append(conn, state, ck.KIND_FOLLOWUP, payload, followup.entry_id)
            return record.append(
                conn,
                state,
                ac.KIND_CASE_CLOSED,
                {
                    "reason": reason,
                    "note": note.strip(),
                    "ended": sorted(f.id for f in planned),
                },
            )

    def reopen_case(self, case_id: str, reason: str) -> str:
        """Reopen a closed case, with the reason (audited, an entry)."""
        require(self.record.actor, Area.CLOSURE, Op.WRITE)
        if not reason.strip():
            raise AftercareProblems(
                [ac.AftercareProblem("reason", N_("Say why the case is reopened."))]
            )
        with self.record.vault.transaction() as conn:
            state = self.record.state_unchecked(conn, case_id)
            closure = state.aftercare.closed
            if closure is None:
                raise AftercareRefused(N_("This case is open."))
            entry_id = self.record.append(
                conn, state, ac.KIND_CASE_REOPENED, {"reason": reason.strip()}
            )
            # What the closing ended and is still to come is planned again.
            state = self.record.state_unchecked(conn, case_id)  # open again
            now = self.record.clock.now_utc()
            for followup_id in closure.ended:
                followup = state.followups.get(followup_id)
                if (
                    followup is None
                    or followup.ended_by != "closure"
                    or followup.due_utc <= now
                    or not allowed(self.record.actor.role, Area.CASE, Op.WRITE)
                ):
                    continue
                payload = _followup_payload(followup, ck.FollowUpStatus.PLANNED)
                self.record.append(conn, state, ck.KIND_FOLLOWUP, payload, followup.entry_id)
            return entry_id
