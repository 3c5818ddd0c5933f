"""The support circle and psychological consultations, as use cases (Qt-free).

Every change is an entry written with its audit record in one transaction (the audit
record holds the entry's hash, never its content). The rules are the domain's
(``domain.psychology``).

Who may do what (``services.permissions``):

- the support circle (``Area.CIRCLE``): nurses, physicians and psychologists write it;
  whoever reads the case reads it. It is the staff's list: its members never get access
  to the person's record and nothing here tells them anything.
- consultations (``Area.PSYCHOLOGY``): only psychologists write and read them. Nurses,
  physicians and coordinators see that a consultation took place (when, how long, by
  whom, for the person or for "a member of the support circle", signed off or not): the
  record service masks the content in every state it hands out, and this service masks
  again whatever state it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sac_desktop.domain import psychology as psy
from sac_desktop.domain import questionnaires as qn
from sac_desktop.domain.clock import format_utc
from sac_desktop.domain.entries import new_id
from sac_desktop.domain.intake import normalise_datetime
from sac_desktop.domain.localtime import format_local, parse_local_datetime, resolve_local
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import N_
from sac_desktop.resources import resource
from sac_desktop.services.permissions import Area, Forbidden, Op, allowed, require
from sac_desktop.services.record import RecordService

PsychologyProblem = psy.PsychologyProblem
MemberRecord = psy.MemberRecord
ConsultationRecord = psy.ConsultationRecord
#: Where the intake keeps its companions (``domain.intake``, the "companions" step).
COMPANIONS_KEY = "companions.people"


#: A consultation this long before a planned appointment of the same day stands in for it.
HELD_EARLY_MINUTES = 120


def _minutes_between(earlier_local: str, later_local: str) -> float:
    """Minutes from one stored local time to another (negative when it comes after)."""
    first = parse_local_datetime(earlier_local)
    second = parse_local_datetime(later_local)
    return (second - first).total_seconds() / 60


class PsychologyRefused(ValueError):
    """A change the record cannot take; ``message`` is a msgid saying what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PsychologyProblems(ValueError):
    """The values are incomplete or wrong: each problem names its field."""

    def __init__(self, problems: list[psy.PsychologyProblem]) -> None:
        super().__init__(", ".join(p.field for p in problems))
        self.problems = problems


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def load_questionnaire(questionnaire_id: str) -> qn.Questionnaire | None:
    """A shipped questionnaire (``resources/questionnaires/<id>.toml``), or None."""
    if not psy.QUESTIONNAIRE_ID.match(questionnaire_id):
        return None
    path = resource("questionnaires", f"{questionnaire_id}.toml")
    if not path.is_file():
        return None
    return qn.parse_questionnaire(path.read_text("utf-8"))


class PsychologyService:
    def __init__(self, record: RecordService) -> None:
        self.record = record
        self._questionnaires: dict[str, qn.Questionnaire | None] = {}

    def questionnaire(self, questionnaire_id: str) -> qn.Questionnaire | None:
        """A shipped questionnaire by id ("pcl5"), read once; None when there is none."""
        if questionnaire_id not in self._questionnaires:
            self._questionnaires[questionnaire_id] = load_questionnaire(questionnaire_id)
        return self._questionnaires[questionnaire_id]

    # -- helpers ------------------------------------------------------------------------
    def _local_now(self) -> str:
        return format_local(self.record.clock.now_utc(), self.record.clock.zone)

    def _seen(self, state: CaseState) -> psy.Psychology:
        """The psychology part as this role may see it, whatever state it was given."""
        role = self.record.actor.role
        if allowed(role, Area.PSYCHOLOGY, Op.READ):
            return state.psychology
        if allowed(role, Area.PSYCHOLOGY, Op.SEE_EXISTENCE):
            return psy.masked(state.psychology)
        raise Forbidden(Area.PSYCHOLOGY, Op.SEE_EXISTENCE)

    def _merged(self, state: CaseState) -> dict[str, psy.MemberRecord]:
        return {m.id: m for m in psy.merged_members(state.psychology, state.value(COMPANIONS_KEY))}

    def can_read_consultations(self) -> bool:
        """Whether this role reads consultation content (the interface's courtesy)."""
        return allowed(self.record.actor.role, Area.PSYCHOLOGY, Op.READ)

    def can_write_members(self) -> bool:
        """Whether this role records people of the support circle."""
        return allowed(self.record.actor.role, Area.CIRCLE, Op.WRITE)

    # -- the support circle: reads -------------------------------------------------------
    def members(self, state: CaseState) -> list[psy.MemberRecord]:
        """The circle of an opened case: recorded members (first recorded first), then the
        intake's companions nobody recorded yet (``recorded`` False, ids ``companion-N``)."""
        require(self.record.actor, Area.CIRCLE, Op.READ)
        return list(self._merged(state).values())

    def member_history(self, state: CaseState, member_id: str) -> list[psy.MemberRecord]:
        """Every recorded version of one member, oldest first."""
        require(self.record.actor, Area.CIRCLE, Op.READ)
        return list(state.psychology.member_history.get(member_id, []))

    # -- the support circle: writes ------------------------------------------------------
    def _checked_member(self, values: Mapping[str, Any]) -> dict[str, Any]:
        values = dict(values)
        if _text(values, "contact_consent") and not _text(values, "contact_consent_at"):
            values["contact_consent_at"] = self._local_now()  # answered now
        problems = psy.check_member(values)
        if problems:
            raise PsychologyProblems(problems)
        return psy.normalise_member(values)

    def add_member(self, case_id: str, values: Mapping[str, Any]) -> str:
        """A new member of the support circle; returns their id. ``values``: name,
        relation, phone, language, contact_consent ("yes"/"no") and contact_consent_at
        (Brussels time; now when left empty), wants_support ("yes"/"no"/"unknown")."""
        require(self.record.actor, Area.CIRCLE, Op.WRITE)
        payload = self._checked_member(values)
        payload.pop("reason", None)
        member_id = new_id()
        payload["id"] = member_id
        with self.record.vault.transaction() as conn:
            state = self.record.state_unchecked(conn, case_id)
            self.record.append(conn, state, psy.KIND_CIRCLE_MEMBER, payload)
        return member_id

    def amend_member(
        self, case_id: str, member_id: str, values: Mapping[str, Any], reason: str = ""
    ) -> str:
        """A new version of a member (all their values); returns the member's id. An
        intake companion not recorded yet is recorded now, under a new id (returned)."""
        require(self.record.actor, Area.CIRCLE, Op.WRITE)
        payload = self._checked_member(values)
        payload.pop("reason", None)
        if reason.strip():
            payload["reason"] = reason.strip()
        with self.record.vault.transaction() as conn:
            state = self.record.state_unchecked(conn, case_id)
            current = self._merged(state).get(member_id)
            if current is None:
                raise PsychologyRefused(N_("That person is not in this case's support circle."))
            if not current.recorded:
                return self._pin(conn, state, current, payload)
            stored = psy.normalise_member(psy.member_values(current))
            if "reason" in payload:
                stored["reason"] = payload["reason"]
            if payload == stored:
                return member_id  # nothing changed: no entry
            payload["id"] = member_id
            if current.from_companion:
                payload.update(from_companion=current.from_companion)
                payload.update(intake_name=current.intake_name)
            self.record.append(
                conn, state, psy.KIND_CIRCLE_MEMBER, payload, supersedes=current.entry_id
            )
        return member_id

    def _pin(
        self,
        conn: Any,
        state: CaseState,
        seed: psy.MemberRecord,
        payload: Mapping[str, Any] | None = None,
    ) -> str:
        """Record an intake companion as a member (so what refers to them stays theirs
        even if the intake's list changes); returns the new member id."""
        values = (
            dict(payload) if payload is not None else psy.normalise_member(psy.member_values(seed))
        )
        member_id = new_id()
        values.update(id=member_id, from_companion=seed.id, intake_name=seed.name)
        self.record.append(conn, state, psy.KIND_CIRCLE_MEMBER, values)
        return member_id

    # -- consultations: reads ------------------------------------------------------------
    def consultations(self, state: CaseState) -> list[psy.ConsultationRecord]:
        """Every consultation of an opened case, by time (content withheld unless this
        role reads it: ``hidden`` is then True)."""
        return self._seen(state).listed()

    def person_consultations(self, state: CaseState) -> list[psy.ConsultationRecord]:
        """The consultations with the person themselves."""
        return self._seen(state).listed(psy.SubjectKind.PERSON)

    def circle_consultations(self, state: CaseState) -> list[psy.ConsultationRecord]:
        """The consultations with members of the support circle, listed apart."""
        return self._seen(state).listed(psy.SubjectKind.CIRCLE)

    def consultation_history(
        self, state: CaseState, consultation_id: str
    ) -> list[psy.ConsultationRecord]:
        """Every version of one consultation (drafts and amendments), oldest first."""
        return list(self._seen(state).consultation_history.get(consultation_id, []))

    def subject_name(self, state: CaseState, record: psy.ConsultationRecord) -> str:
        """The circle member a consultation was with ("" for the person, or when hidden)."""
        if record.hidden or record.subject_kind is psy.SubjectKind.PERSON:
            return ""
        member = state.psychology.members.get(record.subject)
        return member.name if member is not None else ""

    # -- consultations: writes -----------------------------------------------------------
    def _checked(self, state: CaseState, values: Mapping[str, Any]) -> dict[str, Any]:
        problems = psy.check_consultation(values, self._merged(state))
        answers, scores, more = psy.score_questionnaires(
            values.get("questionnaires"), self.questionnaire
        )
        problems.extend(more)
        if problems:
            raise PsychologyProblems(problems)
        payload = psy.normalise_consultation({**values, "scores": None})
        payload.pop("amended_reason", None)
        payload.pop("questionnaires", None)
        if answers:
            payload["questionnaires"] = answers
            payload["scores"] = scores
        return payload

    def _subject(self, conn: Any, state: CaseState, payload: dict[str, Any]) -> None:
        """A consultation with an intake companion records that companion first."""
        member = self._merged(state).get(payload["subject"])
        if member is not None and not member.recorded:
            payload["subject"] = self._pin(conn, state, member)

    def record_consultation(self, case_id: str, values: Mapping[str, Any]) -> str:
        """A new consultation (a draft until signed off); returns its id.

        ``values``: subject ("person" or a member id), at_local (Brussels time; now when
        empty), duration_min (1-600), present, psychoeducation, reactions, risk_level and
        suicide_risk ("none", "low", "moderate", "high"), action_taken (required when
        either risk is high), plan, next_appointment (Brussels time, optional),
        questionnaires (optional: ``{"pcl5": {"1": 0..4 or None, ...}}``, scored here:
        the score is stored with the answers)."""
        require(self.record.actor, Area.PSYCHOLOGY, Op.WRITE)
        values = dict(values)
        if not _text(values, "at_local"):
            values["at_local"] = self._local_now()
        consultation_id = new_id()
        with self.record.vault.transaction() as conn:
            state = self.record.state_unchecked(conn, case_id)
            payload = self._checked(state, values)
            self._subject(conn, state, payload)
            payload["id"] = consultation_id
            self.record.append(conn, state, psy.KIND_CONSULTATION, payload)
            self._appointments(conn, state, consultation_id, payload)
        return consultation_id

    def amend_consultation(
        self, case_id: str, consultation_id: str, values: Mapping[str, Any], reason: str = ""
    ) -> str:
        """A new version of a consultation (all its values); returns the entry id. Before
        sign-off this is drafting (a reason is optional); after it, an amendment that
        needs a reason. Nothing changed: no entry (the current version's id)."""
        require(self.record.actor, Area.PSYCHOLOGY, Op.WRITE)
        with self.record.vault.transaction() as conn:
            state = self.record.state_unchecked(conn, case_id)
            current = state.psychology.consultations.get(consultation_id)
            if current is None:
                raise PsychologyRefused(N_("That consultation is not in this case."))
            if current.signed_off and not reason.strip():
                raise PsychologyRefused(
                    N_("This consultation was signed off: give the reason for the amendment.")
                )
            payload = self._checked(state, values)
            stored = psy.normalise_consultation(psy.consultation_values(current))
            stored.pop("amended_reason", None)
            if "questionnaires" in payload and "scores" in stored:
                stored["scores"] = payload["scores"]  # scored again, by the same rules
            if reason.strip():
                payload["amended_reason"] = stored["amended_reason"] = reason.strip()
            if payload == stored:
                return current.entry_id
            self._subject(conn, state, payload)
            payload["id"] = consultation_id
            entry_id = self.record.append(
                conn, state, psy.KIND_CONSULTATION, payload, supersedes=current.entry_id
            )
            self._appointments(
                conn, state, consultation_id, payload, previous=current.next_appointment
            )
            return entry_id

    # -- appointments -------------------------------------------------------------------
    def appointments(self, state: CaseState) -> list[psy.AppointmentRecord]:
        """Every appointment of an opened case (planned, held, missed, cancelled), by
        time; for readers other than psychologists, without whom it is with."""
        found = self._seen(state).appointments.values()
        return sorted(found, key=lambda a: (a.due_utc, a.id))

    def _write_appointment(
        self,
        conn: Any,
        state: CaseState,
        appointment_id: str,
        subject: str,
        at_local: str,
        status: psy.AppointmentStatus,
        from_consultation: str,
        supersedes: str | None,
    ) -> str:
        due = resolve_local(parse_local_datetime(at_local), self.record.clock.zone).latest_utc
        payload = {
            "id": appointment_id,
            "subject": subject,
            "at_local": at_local,
            "due_utc": format_utc(due),
            "status": status.value,
            "from_consultation": from_consultation,
        }
        return self.record.append(conn, state, psy.KIND_APPOINTMENT, payload, supersedes)

    def _appointments(
        self,
        conn: Any,
        state: CaseState,
        consultation_id: str,
        payload: Mapping[str, Any],
        previous: str | None = None,
    ) -> None:
        """After a consultation is written. A new one (``previous`` None) was held in
        place of the subject's planned appointment of that day when it took place no
        more than two hours before it. Its next appointment is planned; an amendment
        moves (or cancels) that appointment only when the next appointment it names
        changed (``previous``: what the earlier version named), so an appointment moved
        since is left alone."""
        subject, at = str(payload["subject"]), str(payload["at_local"])
        planned = psy.AppointmentStatus.PLANNED
        if previous is None:
            for appointment in state.psychology.appointments.values():
                if (
                    appointment.status is planned
                    and appointment.subject == subject
                    and appointment.at_local[:10] == at[:10]
                    and _minutes_between(at, appointment.at_local) <= HELD_EARLY_MINUTES
                ):
                    self._write_appointment(
                        conn,
                        state,
                        appointment.id,
                        appointment.subject,
                        appointment.at_local,
                        psy.AppointmentStatus.DONE,
                        appointment.from_consultation,
                        appointment.entry_id,
                    )
        following = str(payload.get("next_appointment") or "")
        if previous is not None and following == previous:
            return
        current = next(
            (
                a
                for a in state.psychology.appointments.values()
                if a.from_consultation == consultation_id
            ),
            None,
        )
        if following:
            self._write_appointment(
                conn,
                state,
                new_id() if current is None else current.id,
                subject,
                following,
                planned,
                consultation_id,
                None if current is None else current.entry_id,
            )
        elif current is not None and current.status is planned:
            self._write_appointment(
                conn,
                state,
                current.id,
                current.subject,
                current.at_local,
                psy.AppointmentStatus.CANCELLED,
                consultation_id,
                current.entry_id,
            )

    def update_appointment(
        self, case_id: str, appointment_id: str, status: str, at_local: str = ""
    ) -> str:
        """An appointment missed, cancelled, held, or moved (planned at ``at_local``)."""
        require(self.record.actor, Area.PSYCHOLOGY, Op.WRITE)
        try:
            new = psy.AppointmentStatus(status)
        except ValueError:
            raise PsychologyRefused(N_("Choose a status.")) from None
        with self.record.vault.transaction() as conn:
            state = self.record.state_unchecked(conn, case_id)
            current = state.psychology.appointments.get(appointment_id)
            if current is None:
                raise PsychologyRefused(N_("That appointment is not in this case."))
            when = current.at_local
            if at_local.strip():
                problem = psy.time_problem({"at_local": at_local}, "at_local", required=True)
                if problem is not None:
                    raise PsychologyProblems([problem])
                when = str(normalise_datetime(at_local.strip()))
            return self._write_appointment(
                conn,
                state,
                current.id,
                current.subject,
                when,
                new,
                current.from_consultation,
                current.entry_id,
            )

    def sign_off(self, case_id: str, consultation_id: str) -> str:
        """Sign a consultation off (its current version); returns the entry id. From then
        on every change is an amendment with a reason."""
        require(self.record.actor, Area.PSYCHOLOGY, Op.WRITE)
        with self.record.vault.transaction() as conn:
            state = self.record.state_unchecked(conn, case_id)
            current = state.psychology.consultations.get(consultation_id)
            if current is None:
                raise PsychologyRefused(N_("That consultation is not in this case."))
            if current.signed_off:
                raise PsychologyRefused(N_("This consultation is already signed off."))
            return self.record.append(
                conn,
                state,
                psy.KIND_CONSULTATION_SIGNED,
                {"consultation_id": consultation_id, "version": current.entry_id},
            )


def member_values(member: psy.MemberRecord) -> dict[str, Any]:
    """The form values of a member (what :meth:`PsychologyService.amend_member` takes)."""
    return psy.member_values(member)


def consultation_values(record: psy.ConsultationRecord) -> dict[str, Any]:
    """The form values of a consultation (what ``amend_consultation`` takes)."""
    return psy.consultation_values(record)
