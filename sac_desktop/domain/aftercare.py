"""Aftercare: contacts with the person, referrals to partners, closing a case (Qt-free, pure).

**Contacts.** The forensic nurse follows the person up as case manager. Contacts are
follow-ups (``followup.set`` entries) of kind ``call``: planned from the protocol's
``[[followup]]`` steps marked ``kind = "call"``, or added by hand. Each carries its
channel and, once made, its outcome:

========================  ==================================================
outcome                   what becomes of the contact
========================  ==================================================
reached                   done
not reached               missed (another try may be planned: a new contact)
rescheduled               planned again, at the new time
declined further contact  cancelled, with every other planned contact; the
                          plan makes no new ones (a contact added by hand then
                          needs the reason)
========================  ==================================================

Every contact stays within the person's **contact preferences** from the intake (the
"contact" step): a safe phone number, whether a voicemail may be left, no letters to the
home address, the hours when contact is safe. The hours are read from what staff wrote
("18:00-20:00", "after 18h", "9-12 and 14-16"); a time outside them is refused, and a
planned call is placed at the first safe moment of its day. Hours that cannot be read
are shown as written and not enforced.

**Referrals** go to partners of the centre's directory; each needs the consent for that
kind of referral (``referral.<type>`` in ``domain.consent``).

**Closing** a case records why; closed cases stay readable, can be reopened, and take
only what may still happen to a closed case (a consent withdrawn, custody of kept
evidence, a complaint or a requisition).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sac_desktop.domain.consent import REFERRALS
from sac_desktop.domain.entries import (
    KIND_CASE_CLOSED,
    KIND_CASE_REOPENED,
    KIND_COMPLAINT,
    KIND_CONSENT,
    KIND_CONSULTATION_SIGNED,
    KIND_CUSTODY_MOVE,
    KIND_CUSTODY_RECEIPT,
    KIND_EVIDENCE_RETENTION,
    KIND_PHOTO_SEALED,
    KIND_REFERRAL,
    KIND_REQUISITION,
    KIND_SIGN_OFF,
    Entry,
)
from sac_desktop.domain.intake import LANGUAGES, YES
from sac_desktop.i18n import N_

__all__ = ["KIND_CASE_CLOSED", "KIND_CASE_REOPENED", "KIND_REFERRAL"]

#: What a follow-up is (a protocol step's ``kind``): a visit or a contact with the person.
VISIT = "visit"
CALL = "call"
FOLLOWUP_KINDS = (VISIT, CALL)
#: The step of a contact added by hand (protocol steps are named by their id).
MANUAL_STEP = "contact"
_PHONE_CHARS = frozenset("0123456789 +-./()")


class AftercareProblem(ValueError):
    """A value that cannot be recorded as it is; ``message`` is a msgid."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(field)
        self.field = field
        self.message = message
        self.params = params


# -- contact preferences -----------------------------------------------------------------
Span = tuple[int, int]  # minutes after midnight, start inclusive, end exclusive


@dataclass(frozen=True)
class ContactPreferences:
    """The intake's "contact" step, as the contacts must respect it."""

    safe_phone: str = ""
    voicemail_ok: str = ""  # "yes", "no", "unknown" or "" (not asked)
    no_letters_home: str = ""
    hours_text: str = ""
    hours: tuple[Span, ...] | None = None  # None: not given, or not readable

    @property
    def hours_unreadable(self) -> bool:
        return bool(self.hours_text) and self.hours is None

    @property
    def voicemail_allowed(self) -> bool:
        return self.voicemail_ok == YES

    @property
    def letters_allowed(self) -> bool:
        return self.no_letters_home != YES


def preferences(values: Mapping[str, Any]) -> ContactPreferences:
    """The preferences from the intake's ``contact`` section values."""

    def text(key: str) -> str:
        value = values.get(key)
        return value.strip() if isinstance(value, str) else ""

    hours_text = text("contact_hours")
    return ContactPreferences(
        safe_phone=text("safe_phone"),
        voicemail_ok=text("voicemail_ok"),
        no_letters_home=text("no_letters_home"),
        hours_text=hours_text,
        hours=parse_hours(hours_text) if hours_text else None,
    )


_TIME = r"(\d{1,2})(?:\s*[:.hu]\s*(\d{2})?|\s*uur|\s*uhr)?"
_TO = r"(?:-|–|—|to|tot|till|until|à|a|bis|jusqu'à|en|et|and|und)"
_RANGE = re.compile(
    r"(?:between|tussen|entre|zwischen)?\s*" + _TIME + r"\s*" + _TO + r"\s*" + _TIME, re.I
)
_AFTER = re.compile(r"(?:after|from|na|vanaf|après|apres|dès|des|ab|nach)\s+" + _TIME, re.I)
_BEFORE = re.compile(r"(?:before|voor|vóór|avant|vor)\s+" + _TIME, re.I)
#: Words that may join or frame the hours; any other word (a negation such as "not
#: before 10", "am"/"pm", a weekday, "weekends") makes the text unreadable: shown as
#: written, never guessed at.
_JOINERS = frozenset(
    [
        "and",
        "en",
        "et",
        "und",
        "or",
        "of",
        "ou",
        "oder",
        "also",
        "ook",
        "aussi",
        "auch",
        "between",
        "tussen",
        "entre",
        "zwischen",
        "after",
        "from",
        "na",
        "vanaf",
        "après",
        "apres",
        "dès",
        "des",
        "ab",
        "nach",
        "before",
        "voor",
        "vóór",
        "avant",
        "vor",
        "to",
        "tot",
        "till",
        "until",
        "à",
        "a",
        "bis",
        "jusqu",
        "jusqu'à",
        "h",
        "u",
        "uur",
        "uhr",
    ]
)


def _minutes(hour: str, minute: str | None) -> int | None:
    h, m = int(hour), int(minute or 0)
    if h > 24 or m > 59 or (h == 24 and m):
        return None
    return h * 60 + m


def parse_hours(text: str) -> tuple[Span, ...] | None:
    """The spans of a day when contact is safe, read from what staff wrote: ranges
    ("18:00-20:00", "9h-12h", "18u-20u", "9 tot 12 uur", "tussen 18 en 20 uur", "entre 18h
    et 20h", "14 bis 16 Uhr"), "after 18:00" (until midnight) and "before 9" (from
    midnight), several joined by commas or "and". None when the text holds anything else
    (a negation, "pm", a weekday, "weekends only"): it is then shown as written and not
    enforced, never guessed at. A range that runs past midnight ("21-7") is two spans."""
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.casefold())
    if any(word not in _JOINERS for word in words):
        return None
    spans: list[Span] = []
    rest = text
    for match in _RANGE.finditer(text):
        start, end = _minutes(match[1], match[2]), _minutes(match[3], match[4])
        if start is None or end is None or start == end:
            return None
        if start < end:
            spans.append((start, end))
        else:
            spans.extend([(start, 24 * 60), (0, end)])
        rest = rest.replace(match[0], " ")
    for match in _AFTER.finditer(rest):
        start = _minutes(match[1], match[2])
        if start is None:
            return None
        spans.append((start, 24 * 60))
        rest = rest.replace(match[0], " ")
    for match in _BEFORE.finditer(rest):
        end = _minutes(match[1], match[2])
        if end is None or end == 0:
            return None
        spans.append((0, end))
        rest = rest.replace(match[0], " ")
    if not spans or re.search(r"\d", rest):  # an hour left over that nothing explained
        return None
    return tuple(sorted(set(spans)))


def within(local: datetime, spans: Sequence[Span]) -> bool:
    """Whether a wall-clock time falls in one of the spans."""
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in spans)


#: When nothing was said about hours, planned calls go to office hours of their day.
OFFICE_HOURS: tuple[Span, ...] = ((9 * 60, 17 * 60),)


def fit_into_hours(
    due_utc: datetime, until_utc: datetime | None, spans: Sequence[Span], zone: str
) -> datetime:
    """A planned call's time moved to the first safe moment at or after it (the same
    day or the next ones, at most a week on), not past its window's end; unchanged when
    it already falls in a span or no later safe moment fits."""
    tz = ZoneInfo(zone)
    local = due_utc.astimezone(tz)
    if within(local.replace(tzinfo=None), spans):
        return due_utc
    for day in range(8):
        base = (local + timedelta(days=day)).date()
        for start, _end in sorted(spans):
            moment = datetime.combine(
                base, time(start // 60 % 24, start % 60), tzinfo=tz
            ).astimezone(due_utc.tzinfo)
            if moment <= due_utc:
                continue
            if until_utc is not None and moment > until_utc:
                return due_utc
            return moment
    return due_utc


# -- contacts ------------------------------------------------------------------------------
class Channel(StrEnum):
    PHONE = "phone"
    VIDEO = "video"
    IN_PERSON = "in_person"
    LETTER = "letter"


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.PHONE: N_("phone call"),
    Channel.VIDEO: N_("video call"),
    Channel.IN_PERSON: N_("at the centre"),
    Channel.LETTER: N_("letter"),
}


class Outcome(StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    RESCHEDULED = "rescheduled"
    DECLINED = "declined"


#: Why a contact ended without its own outcome (``ended_by`` of a follow-up).
ENDED_BY_LABELS: dict[str, str] = {
    "declined": N_("ended: the person declined further contact"),
    "closure": N_("ended when the case was closed"),
}

OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.REACHED: N_("reached"),
    Outcome.NOT_REACHED: N_("not reached"),
    Outcome.RESCHEDULED: N_("rescheduled"),
    Outcome.DECLINED: N_("declined further contact"),
}
#: The follow-up status each outcome leaves the contact in (domain.checklist's).
OUTCOME_STATUS: dict[Outcome, str] = {
    Outcome.REACHED: "done",
    Outcome.NOT_REACHED: "missed",
    Outcome.RESCHEDULED: "planned",
    Outcome.DECLINED: "cancelled",
}


def check_contact_time(
    local: datetime, channel: Channel, prefs: ContactPreferences
) -> AftercareProblem | None:
    """A contact at ``local`` (wall-clock) by ``channel`` against the preferences."""
    if channel is Channel.LETTER and not prefs.letters_allowed:
        return AftercareProblem(
            "channel",
            N_("The person asked for no letters to the home address: choose another way."),
        )
    if channel in (Channel.PHONE, Channel.VIDEO) and prefs.hours and not within(local, prefs.hours):
        return AftercareProblem(
            "due_local",
            N_(
                "The person can be contacted safely only at these hours: %(hours)s."
                " Choose a time within them."
            ),
            hours=prefs.hours_text,
        )
    return None


def check_outcome(values: Mapping[str, Any], prefs: ContactPreferences) -> list[AftercareProblem]:
    """What is missing or wrong in a contact's outcome (time checks are the caller's)."""
    problems: list[AftercareProblem] = []
    try:
        outcome = Outcome(str(values.get("outcome")))
    except ValueError:
        return [AftercareProblem("outcome", N_("Choose the outcome of the contact."))]
    voicemail = values.get("voicemail_left") is True
    if voicemail and not prefs.voicemail_allowed:
        problems.append(
            AftercareProblem(
                "voicemail_left",
                N_("No voicemail may be left for this person (intake): leave none."),
            )
        )
    if voicemail and outcome is not Outcome.NOT_REACHED:
        problems.append(
            AftercareProblem("voicemail_left", N_("A voicemail is left only when not reached."))
        )
    if outcome is Outcome.RESCHEDULED and not _text(values, "next_local"):
        problems.append(AftercareProblem("next_local", N_("Give the new time of the contact.")))
    if outcome is Outcome.DECLINED and _text(values, "next_local"):
        problems.append(
            AftercareProblem(
                "next_local", N_("The person declined further contact: plan no next contact.")
            )
        )
    return problems


# -- the partner directory -------------------------------------------------------------------
#: Kinds of partner: one per referral consent item, and those a case is not referred to
#: with a consent of its own (the hospital, the police, the prosecutor's office).
PARTNER_TYPES: dict[str, str] = {
    **REFERRALS,
    "hospital": N_("Hospital"),
    "police": N_("Police"),
    "prosecutor": N_("Public Prosecutor's Office"),
}
COMMUNITIES: tuple[tuple[str, str], ...] = (
    ("flemish", N_("Flemish Community")),
    ("french", N_("French Community")),
    ("german", N_("German-speaking Community")),
    ("bilingual", N_("Brussels (both communities)")),
    ("federal", N_("Federal")),
)
PARTNER_TEXT = ("name", "address", "phone", "hours", "email")


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    type: str
    community: str = ""
    languages: tuple[str, ...] = ()
    address: str = ""
    phone: str = ""
    hours: str = ""
    email: str = ""
    active: bool = True

    @property
    def consent_item(self) -> str | None:
        """The consent a referral to this partner needs; None: not a referral partner."""
        return f"referral.{self.type}" if self.type in REFERRALS else None


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def check_partner(values: Mapping[str, Any]) -> list[AftercareProblem]:
    problems: list[AftercareProblem] = []
    if not _text(values, "name"):
        problems.append(AftercareProblem("name", N_("Give the partner's name.")))
    if _text(values, "type") not in PARTNER_TYPES:
        problems.append(AftercareProblem("type", N_("Choose the kind of partner.")))
    community = _text(values, "community")
    if community and community not in dict(COMMUNITIES):
        problems.append(AftercareProblem("community", N_("Choose the community.")))
    languages = values.get("languages") or ()
    known = dict(LANGUAGES)
    if not isinstance(languages, list | tuple) or any(lang not in known for lang in languages):
        problems.append(AftercareProblem("languages", N_("Choose the languages from the list.")))
    phone = _text(values, "phone")
    if phone and (not set(phone) <= _PHONE_CHARS or sum(c.isdigit() for c in phone) < 3):
        problems.append(
            AftercareProblem("phone", N_("Write the phone number with digits (+32 2 123 45 67)."))
        )
    for key in PARTNER_TEXT:
        if len(_text(values, key)) > 300:
            problems.append(AftercareProblem(key, N_("Keep this under 300 characters.")))
    return problems


def partner_from(values: Mapping[str, Any], partner_id: str) -> Partner:
    languages = values.get("languages") or ()
    return Partner(
        id=partner_id,
        name=_text(values, "name"),
        type=_text(values, "type"),
        community=_text(values, "community"),
        languages=tuple(str(x) for x in languages),
        address=_text(values, "address"),
        phone=_text(values, "phone"),
        hours=_text(values, "hours"),
        email=_text(values, "email"),
        active=values.get("active", True) is not False,
    )


def partner_values(partner: Partner) -> dict[str, Any]:
    return {
        "name": partner.name,
        "type": partner.type,
        "community": partner.community,
        "languages": list(partner.languages),
        "address": partner.address,
        "phone": partner.phone,
        "hours": partner.hours,
        "email": partner.email,
        "active": partner.active,
    }


# -- referrals -------------------------------------------------------------------------------
class ReferralOutcome(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"  # the partner took the person on
    DECLINED_BY_PERSON = "declined_by_person"
    NOT_REACHED = "not_reached"
    CANCELLED = "cancelled"


REFERRAL_OUTCOME_LABELS: dict[ReferralOutcome, str] = {
    ReferralOutcome.PENDING: N_("pending"),
    ReferralOutcome.ACCEPTED: N_("taken on by the partner"),
    ReferralOutcome.DECLINED_BY_PERSON: N_("declined by the person"),
    ReferralOutcome.NOT_REACHED: N_("partner not reached"),
    ReferralOutcome.CANCELLED: N_("cancelled"),
}


@dataclass(frozen=True)
class ReferralRecord:
    """One version of a referral: to whom (the partner as it was then), why, the consent
    it rests on, when, whether the hand-over was warm, and how it went."""

    id: str
    partner_id: str
    partner_name: str
    partner_type: str
    consent_item: str
    reason: str
    at_local: str
    warm_handover: bool
    outcome: ReferralOutcome
    note: str = ""
    consent_entry: str = ""  # the consent decision it rests on
    entry_id: str = ""
    author: str = ""
    recorded_utc: datetime | None = None


def check_referral(values: Mapping[str, Any]) -> list[AftercareProblem]:
    problems: list[AftercareProblem] = []
    if not _text(values, "partner_id"):
        problems.append(AftercareProblem("partner_id", N_("Choose the partner.")))
    if not _text(values, "reason"):
        problems.append(AftercareProblem("reason", N_("Say why the person is referred.")))
    try:
        ReferralOutcome(values.get("outcome") or ReferralOutcome.PENDING)
    except ValueError:
        problems.append(AftercareProblem("outcome", N_("Choose how the referral went.")))
    return problems


def referral_from_payload(payload: Mapping[str, Any], entry: Entry) -> ReferralRecord:
    return ReferralRecord(
        id=str(payload["id"]),
        partner_id=_text(payload, "partner_id"),
        partner_name=_text(payload, "partner_name"),
        partner_type=_text(payload, "partner_type"),
        consent_item=_text(payload, "consent_item"),
        reason=_text(payload, "reason"),
        at_local=_text(payload, "at_local"),
        warm_handover=payload.get("warm_handover") is True,
        outcome=ReferralOutcome(payload.get("outcome") or ReferralOutcome.PENDING),
        note=_text(payload, "note"),
        consent_entry=_text(payload, "consent_entry"),
        entry_id=entry.id,
        author=entry.author,
        recorded_utc=entry.at_utc,
    )


# -- closing -------------------------------------------------------------------------------
class CloseReason(StrEnum):
    COMPLETED = "completed"
    DECLINED = "declined"  # the person wants no further contact
    REFERRED = "referred"  # care continues with a partner
    LOST = "lost"  # lost to follow-up
    OTHER = "other"


CLOSE_REASON_LABELS: dict[CloseReason, str] = {
    CloseReason.COMPLETED: N_("aftercare completed"),
    CloseReason.DECLINED: N_("the person declined further contact"),
    CloseReason.REFERRED: N_("care continues with a partner"),
    CloseReason.LOST: N_("lost to follow-up"),
    CloseReason.OTHER: N_("other (say which)"),
}

#: What may still be written to a closed case: a consent decision (a withdrawal), the
#: custody of kept evidence and what decides it, a photograph sealed, how a referral went
#: (care continues with a partner), a sign-off still due, and the reopening.
WRITABLE_WHEN_CLOSED = frozenset(
    {
        KIND_CONSENT,
        KIND_REFERRAL,
        KIND_SIGN_OFF,
        KIND_CONSULTATION_SIGNED,
        KIND_CUSTODY_MOVE,
        KIND_CUSTODY_RECEIPT,
        KIND_EVIDENCE_RETENTION,
        KIND_COMPLAINT,
        KIND_REQUISITION,
        KIND_PHOTO_SEALED,
        KIND_CASE_REOPENED,
    }
)


@dataclass(frozen=True)
class Closure:
    reason: CloseReason
    note: str
    entry_id: str
    author: str
    at_utc: datetime
    ended: tuple[str, ...] = ()  # the follow-ups it ended


@dataclass(frozen=True)
class Reopening:
    reason: str
    entry_id: str
    author: str
    at_utc: datetime


@dataclass
class Aftercare:
    """Referrals and the closing history of a case's state."""

    referrals: dict[str, ReferralRecord] = field(default_factory=dict)  # latest per referral
    referral_history: dict[str, list[ReferralRecord]] = field(default_factory=dict)
    closed: Closure | None = None
    closings: list[Closure | Reopening] = field(default_factory=list)
    contact_declined: bool = False  # set by a contact's outcome (folded by the state)

    def listed_referrals(self) -> list[ReferralRecord]:
        return sorted(self.referrals.values(), key=lambda r: (r.at_local, r.id))


def check_closing(values: Mapping[str, Any]) -> list[AftercareProblem]:
    try:
        reason = CloseReason(str(values.get("reason")))
    except ValueError:
        return [AftercareProblem("reason", N_("Choose why the case is closed."))]
    if reason is CloseReason.OTHER and not _text(values, "note"):
        return [AftercareProblem("note", N_("Say why the case is closed."))]
    return []


def fold(aftercare: Aftercare, entry: Entry) -> None:
    """Apply one referral, closing or reopening entry (recorded order)."""
    payload = entry.payload
    if entry.kind == KIND_REFERRAL:
        record = referral_from_payload(payload, entry)
        aftercare.referrals[record.id] = record
        aftercare.referral_history.setdefault(record.id, []).append(record)
    elif entry.kind == KIND_CASE_CLOSED:
        closure = Closure(
            reason=CloseReason(payload["reason"]),
            note=_text(payload, "note"),
            entry_id=entry.id,
            author=entry.author,
            at_utc=entry.at_utc,
            ended=tuple(str(x) for x in payload.get("ended") or ()),
        )
        aftercare.closed = closure
        aftercare.closings.append(closure)
    elif entry.kind == KIND_CASE_REOPENED:
        reopening = Reopening(_text(payload, "reason"), entry.id, entry.author, entry.at_utc)
        aftercare.closed = None
        aftercare.closings.append(reopening)


KINDS = frozenset({KIND_REFERRAL, KIND_CASE_CLOSED, KIND_CASE_REOPENED})
