"""Psychological consultations and the support circle, as rules (Qt-free, pure).

The **support circle** is the staff's own list of the people around the person (a parent,
a partner, a friend): how to reach them, whether they agreed to be contacted, whether
they want support for themselves. It starts from the intake's companions and grows as
staff record members. Members never get access to the person's record and nothing here
is sent to them. It is clinical-record data (``circle.member``: nurses, physicians and
psychologists write it; whoever reads the case reads it).

A **consultation** (``psychology.consultation``) is the psychologist's record of seeing
the person or one member of the circle. Only psychologists read its content; other
readers of the case see that it took place, when, for how long, by whom, and whether it
was for the person or for "a member of the support circle" (never which one):
:func:`masked`. A psychologist signs a consultation off (``psychology.signed_off``);
before that a change is drafting, after it every change is an amendment with a reason.
Every change is a new entry carrying the whole consultation and superseding the previous
one: the history keeps each version as it was recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sac_desktop.domain.clock import parse_utc
from sac_desktop.domain.entries import (
    KIND_APPOINTMENT,
    KIND_CIRCLE_MEMBER,
    KIND_CONSULTATION,
    KIND_CONSULTATION_SIGNED,
    Entry,
)
from sac_desktop.domain.intake import (
    LANGUAGES,
    NO,
    RELATIONS,
    UNKNOWN,
    YES,
    exists_in_brussels,
    normalise_datetime,
)
from sac_desktop.domain.questionnaires import Questionnaire, score
from sac_desktop.i18n import N_

__all__ = [
    "KIND_APPOINTMENT",
    "KIND_CIRCLE_MEMBER",
    "KIND_CONSULTATION",
    "KIND_CONSULTATION_SIGNED",
]

MAX_DURATION_MIN = 600
#: Seeded members (the intake's companions, not yet recorded) have ids ``companion-1``...
SEED_PREFIX = "companion-"
_PHONE_CHARS = frozenset("0123456789 +-./()")
QUESTIONNAIRE_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class SubjectKind(StrEnum):
    PERSON = "person"
    CIRCLE = "circle"  # a member of the support circle


PERSON = SubjectKind.PERSON.value

SUBJECT_LABELS: dict[SubjectKind, str] = {
    SubjectKind.PERSON: N_("the person"),
    SubjectKind.CIRCLE: N_("a member of the support circle"),
}


class RiskLevel(StrEnum):
    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


RISK_LABELS: dict[RiskLevel, str] = {
    RiskLevel.NONE: N_("none"),
    RiskLevel.LOW: N_("low"),
    RiskLevel.MODERATE: N_("moderate"),
    RiskLevel.HIGH: N_("high"),
}

#: Text fields of a consultation, in the order the form shows them.
TEXT_FIELDS = ("present", "psychoeducation", "reactions", "action_taken", "plan")


class PsychologyProblem(ValueError):
    """A value that cannot be recorded as it is; ``message`` is a msgid."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field)
        self.field = field
        self.message = message


# -- records ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberRecord:
    """One version of one member of the support circle."""

    id: str
    name: str
    relation: str = ""  # a code of domain.intake.RELATIONS, or ""
    phone: str = ""
    language: str = ""  # a code of domain.intake.LANGUAGES, or ""
    contact_consent: str = ""  # "yes", "no" or "" (not asked)
    contact_consent_at: str = ""  # local Brussels time the answer was given
    wants_support: str = ""  # "yes", "no", "unknown" or ""
    reason: str = ""  # why it was amended
    from_companion: str = ""  # the seed it was recorded from ("companion-2")
    intake_name: str = ""  # the companion's name at that moment (to recognise the seed)
    recorded: bool = True  # False: an intake companion nobody recorded yet
    entry_id: str = ""
    author: str = ""
    recorded_utc: datetime | None = None
    supersedes: str | None = None


@dataclass(frozen=True)
class ConsultationRecord:
    """One version of one consultation. ``hidden``: its content was withheld from this
    reader (only the fields that say it took place remain)."""

    id: str
    subject: str  # "person" or a member id; "circle" when hidden from this reader
    subject_kind: SubjectKind
    at_local: str
    duration_min: int
    present: str = ""
    psychoeducation: str = ""
    reactions: str = ""
    risk_level: RiskLevel | None = None
    suicide_risk: RiskLevel | None = None
    action_taken: str = ""
    plan: str = ""
    next_appointment: str = ""
    questionnaires: Mapping[str, Any] = field(default_factory=dict)
    scores: Mapping[str, Any] = field(default_factory=dict)
    amended_reason: str = ""
    entry_id: str = ""
    author: str = ""
    role: str = ""
    recorded_utc: datetime | None = None
    supersedes: str | None = None
    signed_off: bool = False
    signed_by: str = ""
    signed_utc: datetime | None = None
    hidden: bool = False


class AppointmentStatus(StrEnum):
    """As a follow-up's status (domain.checklist.FollowUpStatus): the morning round reads
    both alike."""

    PLANNED = "planned"
    DONE = "done"  # a consultation with that subject took place
    MISSED = "missed"
    CANCELLED = "cancelled"


APPOINTMENT_STATUS_LABELS: dict[AppointmentStatus, str] = {
    AppointmentStatus.PLANNED: N_("planned"),
    AppointmentStatus.DONE: N_("held"),
    AppointmentStatus.MISSED: N_("missed"),
    AppointmentStatus.CANCELLED: N_("cancelled"),
}


@dataclass(frozen=True)
class AppointmentRecord:
    """One version of a psychologist's appointment with the person or a member of the
    circle (``psychology.appointment``). ``hidden``: which member is withheld."""

    id: str
    subject: str  # "person" or a member id; "circle" when hidden from this reader
    subject_kind: SubjectKind
    at_local: str
    due_utc: datetime
    status: AppointmentStatus
    from_consultation: str = ""  # the consultation whose "next appointment" it is
    entry_id: str = ""
    author: str = ""
    recorded_utc: datetime | None = None
    hidden: bool = False


@dataclass
class Psychology:
    """The support circle and the consultations of a case's state."""

    members: dict[str, MemberRecord] = field(default_factory=dict)  # latest per member
    member_history: dict[str, list[MemberRecord]] = field(default_factory=dict)
    consultations: dict[str, ConsultationRecord] = field(default_factory=dict)  # latest
    consultation_history: dict[str, list[ConsultationRecord]] = field(default_factory=dict)
    appointments: dict[str, AppointmentRecord] = field(default_factory=dict)  # latest

    def planned_appointments(self) -> list[AppointmentRecord]:
        found = [a for a in self.appointments.values() if a.status is AppointmentStatus.PLANNED]
        return sorted(found, key=lambda a: (a.due_utc, a.id))

    def listed(self, kind: SubjectKind | None = None) -> list[ConsultationRecord]:
        """Consultations in force, by local time (all, or of one kind of subject)."""
        found = [c for c in self.consultations.values() if kind is None or c.subject_kind is kind]
        return sorted(found, key=lambda c: (c.at_local, c.id))


# -- helpers ---------------------------------------------------------------------------
def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _codes(choices: tuple[tuple[str, str], ...]) -> frozenset[str]:
    return frozenset(code for code, _label in choices)


def _local(values: Mapping[str, Any], key: str) -> str | None:
    """The stored form of a local time, None when it cannot be read, "" when absent."""
    text = _text(values, key)
    if not text:
        return ""
    return normalise_datetime(text)


def time_problem(values: Mapping[str, Any], key: str, required: bool) -> PsychologyProblem | None:
    text = _text(values, key)
    if not text:
        return PsychologyProblem(key, N_("Give the date and time.")) if required else None
    normal = normalise_datetime(text)
    if normal is None:
        return PsychologyProblem(key, N_("Write the time as 2026-03-14 01:30."))
    if not exists_in_brussels(normal):
        return PsychologyProblem(
            key, N_("That time does not exist in Brussels (the clocks jumped forward an hour).")
        )
    return None


def _duration(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != int(value) or not 1 <= value <= MAX_DURATION_MIN:
        return None
    return int(value)


def _risk(value: Any) -> RiskLevel | None:
    try:
        return RiskLevel(value)
    except ValueError:
        return None


# -- the support circle ----------------------------------------------------------------
def check_member(values: Mapping[str, Any]) -> list[PsychologyProblem]:
    """What is missing or wrong before a member of the circle can be recorded."""
    problems: list[PsychologyProblem] = []
    if not _text(values, "name"):
        problems.append(
            PsychologyProblem("name", N_("Give the member's name (or how the person calls them)."))
        )
    relation = _text(values, "relation")
    if relation and relation not in _codes(RELATIONS):
        problems.append(PsychologyProblem("relation", N_("Choose the relation.")))
    language = _text(values, "language")
    if language and language not in _codes(LANGUAGES):
        problems.append(PsychologyProblem("language", N_("Choose the language.")))
    phone = _text(values, "phone")
    if phone and (
        not set(phone) <= _PHONE_CHARS or sum(ch.isdigit() for ch in phone) < 6 or len(phone) > 40
    ):
        problems.append(
            PsychologyProblem("phone", N_("Write the phone number with digits (+32 470 12 34 56)."))
        )
    consent = _text(values, "contact_consent")
    if consent and consent not in (YES, NO):
        problems.append(
            PsychologyProblem("contact_consent", N_("Answer yes or no: may the centre call them?"))
        )
    if consent:
        problem = time_problem(values, "contact_consent_at", required=True)
        if problem is not None:
            problems.append(problem)
    elif _text(values, "contact_consent_at"):
        problems.append(
            PsychologyProblem("contact_consent", N_("Record the answer as well as its time."))
        )
    wants = _text(values, "wants_support")
    if wants and wants not in (YES, NO, UNKNOWN):
        problems.append(PsychologyProblem("wants_support", N_("Answer yes, no or not known.")))
    return problems


def normalise_member(values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of a (checked) member, without id: trimmed text, only what is given."""
    out: dict[str, Any] = {"name": _text(values, "name")}
    for key in ("relation", "phone", "language", "contact_consent", "wants_support", "reason"):
        text = _text(values, key)
        if text:
            out[key] = text
    if out.get("contact_consent"):
        out["contact_consent_at"] = _local(values, "contact_consent_at")
    return out


def member_from_payload(payload: Mapping[str, Any], meta: Entry) -> MemberRecord:
    return MemberRecord(
        id=str(payload["id"]),
        name=_text(payload, "name"),
        relation=_text(payload, "relation"),
        phone=_text(payload, "phone"),
        language=_text(payload, "language"),
        contact_consent=_text(payload, "contact_consent"),
        contact_consent_at=_text(payload, "contact_consent_at"),
        wants_support=_text(payload, "wants_support"),
        reason=_text(payload, "reason"),
        from_companion=_text(payload, "from_companion"),
        intake_name=_text(payload, "intake_name"),
        entry_id=meta.id,
        author=meta.author,
        recorded_utc=meta.at_utc,
        supersedes=meta.supersedes,
    )


def member_values(member: MemberRecord) -> dict[str, Any]:
    """The form values of a member version (what an amendment takes)."""
    return {
        "name": member.name,
        "relation": member.relation,
        "phone": member.phone,
        "language": member.language,
        "contact_consent": member.contact_consent,
        "contact_consent_at": member.contact_consent_at,
        "wants_support": member.wants_support,
    }


def seeds(companions: Any) -> list[MemberRecord]:
    """The intake's companions (``companions.people``) as not-yet-recorded members."""
    if not isinstance(companions, list):
        return []
    found = []
    for n, companion in enumerate(companions, start=1):
        if not isinstance(companion, Mapping):
            continue
        relation = _text(companion, "relation")
        wants = _text(companion, "wants_support")
        found.append(
            MemberRecord(
                id=f"{SEED_PREFIX}{n}",
                name=_text(companion, "name"),
                relation=relation if relation in _codes(RELATIONS) else "",
                wants_support=wants if wants in (YES, NO, UNKNOWN) else "",
                recorded=False,
            )
        )
    return found


def merged_members(psychology: Psychology, companions: Any) -> list[MemberRecord]:
    """Recorded members (in the order first recorded), then the intake's companions that
    no recorded member stands for: recorded from that companion (same name then, or no
    name), or recorded under the same name."""
    recorded = list(psychology.members.values())
    names = {m.name.casefold() for m in recorded if m.name}
    taken = {(m.from_companion, m.intake_name.casefold()) for m in recorded if m.from_companion}
    rest = [
        s
        for s in seeds(companions)
        if (s.id, s.name.casefold()) not in taken and not (s.name and s.name.casefold() in names)
    ]
    return recorded + rest


# -- consultations ---------------------------------------------------------------------
def check_consultation(
    values: Mapping[str, Any], member_ids: Collection[str]
) -> list[PsychologyProblem]:
    """What is missing or wrong before a consultation can be recorded (empty when fine).
    ``member_ids``: the members of the support circle a consultation may be about."""
    problems: list[PsychologyProblem] = []
    subject = _text(values, "subject")
    if subject != PERSON and subject not in member_ids:
        problems.append(
            PsychologyProblem(
                "subject", N_("Choose who was seen: the person or a member of the support circle.")
            )
        )
    problem = time_problem(values, "at_local", required=True)
    if problem is not None:
        problems.append(problem)
    if _duration(values.get("duration_min")) is None:
        problems.append(
            PsychologyProblem("duration_min", N_("Give the duration in minutes, from 1 to 600."))
        )
    risk, suicide = _risk(values.get("risk_level")), _risk(values.get("suicide_risk"))
    if risk is None:
        problems.append(
            PsychologyProblem("risk_level", N_("Assess the risk: none, low, moderate or high."))
        )
    if suicide is None:
        problems.append(
            PsychologyProblem(
                "suicide_risk", N_("Assess the suicide risk: none, low, moderate or high.")
            )
        )
    if RiskLevel.HIGH in (risk, suicide) and not _text(values, "action_taken"):
        problems.append(
            PsychologyProblem(
                "action_taken",
                N_("The risk is high: record the action taken (safety plan, who was called)."),
            )
        )
    problem = time_problem(values, "next_appointment", required=False)
    if problem is not None:
        problems.append(problem)
    else:
        at, following = _local(values, "at_local"), _local(values, "next_appointment")
        if at and following and following <= at:
            problems.append(
                PsychologyProblem(
                    "next_appointment", N_("The next appointment comes after this consultation.")
                )
            )
    return problems


def normalise_consultation(values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of a (checked) consultation, without id and sign-off."""
    duration = _duration(values.get("duration_min"))
    out: dict[str, Any] = {
        "subject": _text(values, "subject"),
        "at_local": _local(values, "at_local"),
        "duration_min": duration,
        "risk_level": str(values["risk_level"]),
        "suicide_risk": str(values["suicide_risk"]),
    }
    for key in (*TEXT_FIELDS, "amended_reason"):
        text = _text(values, key)
        if text:
            out[key] = text
    following = _local(values, "next_appointment")
    if following:
        out["next_appointment"] = following
    for key in ("questionnaires", "scores"):
        given = values.get(key)
        if isinstance(given, Mapping) and given:
            out[key] = dict(given)
    return out


def consultation_from_payload(payload: Mapping[str, Any], meta: Entry) -> ConsultationRecord:
    subject = _text(payload, "subject")
    questionnaires = payload.get("questionnaires")
    scores = payload.get("scores")
    return ConsultationRecord(
        id=str(payload["id"]),
        subject=subject,
        subject_kind=SubjectKind.PERSON if subject == PERSON else SubjectKind.CIRCLE,
        at_local=_text(payload, "at_local"),
        duration_min=int(payload.get("duration_min") or 0),
        present=_text(payload, "present"),
        psychoeducation=_text(payload, "psychoeducation"),
        reactions=_text(payload, "reactions"),
        risk_level=_risk(payload.get("risk_level")),
        suicide_risk=_risk(payload.get("suicide_risk")),
        action_taken=_text(payload, "action_taken"),
        plan=_text(payload, "plan"),
        next_appointment=_text(payload, "next_appointment"),
        questionnaires=dict(questionnaires) if isinstance(questionnaires, Mapping) else {},
        scores=dict(scores) if isinstance(scores, Mapping) else {},
        amended_reason=_text(payload, "amended_reason"),
        entry_id=meta.id,
        author=meta.author,
        role=meta.role,
        recorded_utc=meta.at_utc,
        supersedes=meta.supersedes,
    )


def consultation_values(record: ConsultationRecord) -> dict[str, Any]:
    """The form values of a consultation version (what an amendment takes)."""
    values: dict[str, Any] = {
        "subject": record.subject,
        "at_local": record.at_local,
        "duration_min": record.duration_min,
        "present": record.present,
        "psychoeducation": record.psychoeducation,
        "reactions": record.reactions,
        "risk_level": record.risk_level.value if record.risk_level else "",
        "suicide_risk": record.suicide_risk.value if record.suicide_risk else "",
        "action_taken": record.action_taken,
        "plan": record.plan,
        "next_appointment": record.next_appointment,
    }
    if record.questionnaires:
        values["questionnaires"] = dict(record.questionnaires)
    if record.scores:
        values["scores"] = dict(record.scores)
    return values


# -- questionnaires -------------------------------------------------------------------
def score_questionnaires(
    given: Any, instruments: Callable[[str], Questionnaire | None]
) -> tuple[dict[str, dict[str, int | None]], dict[str, dict[str, Any]], list[PsychologyProblem]]:
    """A consultation's questionnaire answers (``{"pcl5": {"1": 0..4 or None}}``, item
    numbers as text or numbers) in their stored form, their scores as stored beside them,
    and the problems. ``instruments`` finds a questionnaire by id (None: unknown)."""
    if given is None or given == {}:
        return {}, {}, []
    problem = PsychologyProblem(
        "questionnaires", N_("The questionnaire's answers cannot be read: enter them again.")
    )
    if not isinstance(given, Mapping):
        return {}, {}, [problem]
    answers_out: dict[str, dict[str, int | None]] = {}
    scores_out: dict[str, dict[str, Any]] = {}
    for questionnaire_id, answers in given.items():
        instrument = instruments(str(questionnaire_id))
        if instrument is None or not isinstance(answers, Mapping):
            return {}, {}, [problem]
        try:
            numbered = {_item_number(k): v for k, v in answers.items()}
            result = score(instrument, numbered)
        except (TypeError, ValueError):
            return {}, {}, [problem]
        answers_out[instrument.id] = {str(k): numbered[k] for k in sorted(numbered)}
        scores_out[instrument.id] = {
            "version": instrument.version,
            "total": result.total,
            "estimated": result.estimated,
            "meaning": result.meaning.value,
            "provisional_ptsd": result.provisional_ptsd,
            "message": result.message,
            "params": dict(result.params),
        }
    return answers_out, scores_out, []


def _item_number(key: Any) -> int:
    if isinstance(key, bool):
        raise TypeError("an item number")
    if isinstance(key, int):
        return key
    if isinstance(key, str) and key.isdigit():
        return int(key)
    raise ValueError("an item number")


# -- the fold ------------------------------------------------------------------------
def fold(psychology: Psychology, meta: Entry) -> None:
    """Apply one entry (recorded order) to the case's psychology state."""
    kind, payload = meta.kind, meta.payload
    if kind == KIND_CIRCLE_MEMBER:
        member = member_from_payload(payload, meta)
        psychology.members[member.id] = member
        psychology.member_history.setdefault(member.id, []).append(member)
    elif kind == KIND_CONSULTATION:
        record = consultation_from_payload(payload, meta)
        previous = psychology.consultations.get(record.id)
        if previous is not None and previous.signed_off:  # an amendment after sign-off
            record = replace(
                record,
                signed_off=True,
                signed_by=previous.signed_by,
                signed_utc=previous.signed_utc,
            )
        psychology.consultations[record.id] = record
        psychology.consultation_history.setdefault(record.id, []).append(record)
    elif kind == KIND_APPOINTMENT:
        subject = _text(payload, "subject")
        psychology.appointments[str(payload["id"])] = AppointmentRecord(
            id=str(payload["id"]),
            subject=subject,
            subject_kind=SubjectKind.PERSON if subject == PERSON else SubjectKind.CIRCLE,
            at_local=_text(payload, "at_local"),
            due_utc=parse_utc(str(payload["due_utc"])),
            status=AppointmentStatus(payload["status"]),
            from_consultation=_text(payload, "from_consultation"),
            entry_id=meta.id,
            author=meta.author,
            recorded_utc=meta.at_utc,
        )
    elif kind == KIND_CONSULTATION_SIGNED:
        consultation_id = str(payload["consultation_id"])
        current = psychology.consultations.get(consultation_id)
        if current is None or current.signed_off:
            return
        signed = replace(current, signed_off=True, signed_by=meta.author, signed_utc=meta.at_utc)
        psychology.consultations[consultation_id] = signed
        versions = psychology.consultation_history[consultation_id]
        versions[-1] = signed  # the version that was signed


KINDS = frozenset(
    {KIND_CIRCLE_MEMBER, KIND_CONSULTATION, KIND_CONSULTATION_SIGNED, KIND_APPOINTMENT}
)


# -- what other roles see --------------------------------------------------------------
def mask(record: ConsultationRecord) -> ConsultationRecord:
    """A consultation as a reader without the right to its content sees it: that it
    took place, when, how long, by whom, for the person or for "a member of the support
    circle" (not which one), and whether it was signed off. Everything else is dropped."""
    return ConsultationRecord(
        id=record.id,
        subject=record.subject_kind.value,
        subject_kind=record.subject_kind,
        at_local=record.at_local,
        duration_min=record.duration_min,
        entry_id=record.entry_id,
        author=record.author,
        role=record.role,
        recorded_utc=record.recorded_utc,
        supersedes=record.supersedes,
        signed_off=record.signed_off,
        signed_by=record.signed_by,
        signed_utc=record.signed_utc,
        hidden=True,
    )


def masked(psychology: Psychology) -> Psychology:
    """The psychology part with every consultation's content withheld."""
    return Psychology(
        members=dict(psychology.members),
        member_history={k: list(v) for k, v in psychology.member_history.items()},
        consultations={k: mask(v) for k, v in psychology.consultations.items()},
        consultation_history={
            k: [mask(v) for v in versions]
            for k, versions in psychology.consultation_history.items()
        },
        appointments={
            k: replace(v, subject=v.subject_kind.value, from_consultation="", hidden=True)
            for k, v in psychology.appointments.items()
        },
    )


def without_consultations(psychology: Psychology) -> Psychology:
    """The psychology part for a reader who may not even know consultations took place."""
    return Psychology(
        members=dict(psychology.members),
        member_history={k: list(v) for k, v in psychology.member_history.items()},
    )
