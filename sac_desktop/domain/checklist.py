"""The medical checklist, medications and the follow-up plan as rules (Qt-free, pure).

Each checklist item moves through statuses (:data:`TRANSITIONS`); every change is an
entry, and the history keeps them all. What the item *is* (its windows, conditions, drugs,
whether declining it is time-critical) comes from the protocol file; how it may change is
decided here, so the physician who reviews the protocol and this module reviews the
behaviour.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sac_desktop.domain.deadlines import CaseClock, ItemClock, conditions_hold, followup_due
from sac_desktop.domain.entries import (
    KIND_CHECKLIST_ITEM,
    KIND_FOLLOWUP,
    KIND_MEDICATION,
    KIND_SIGN_OFF,
)
from sac_desktop.domain.intake import Field, Kind
from sac_desktop.domain.protocol import ChecklistItem, Drug, DrugWarning, Protocol, State
from sac_desktop.i18n import N_

__all__ = [
    "KIND_CHECKLIST_ITEM",
    "KIND_FOLLOWUP",
    "KIND_MEDICATION",
    "KIND_SIGN_OFF",
]


F = Field
#: What each item records besides its status (the form under the status), by item id.
DETAILS: dict[str, tuple[Field, ...]] = {
    "emergency_contraception": (
        F(
            "method",
            N_("Method"),
            Kind.CHOICE,
            (
                ("levonorgestrel", N_("levonorgestrel")),
                ("ulipristal", N_("ulipristal")),
                ("copper_iud", N_("copper IUD (referral)")),
            ),
        ),
        F("advice_given", N_("Advice given (breastfeeding, hormonal contraception)"), Kind.YES_NO),
        F("vomited_within_3h", N_("Vomited within 3 hours (repeat the dose)"), Kind.YES_NO),
    ),
    "hiv_pep": (
        F("risk_assessment", N_("Exposure and assailant risk"), Kind.TEXT),
        F("regimen", N_("Regimen"), Kind.TEXT),
        F("first_dose_at", N_("First dose at"), Kind.DATETIME),
        F("doses_dispensed", N_("Doses dispensed"), Kind.NUMBER, maximum=28),
        F("course_days", N_("Course (days)"), Kind.NUMBER, maximum=60),
        F(
            "prerequisites",
            N_("Checked before starting"),
            Kind.MULTI,
            (
                ("weight", N_("weight (children)")),
                ("kidney_function", N_("kidney function")),
                ("hbv_status", N_("hepatitis B status")),
                ("pregnancy", N_("pregnancy")),
                ("breastfeeding", N_("breastfeeding")),
            ),
        ),
        F("handover_centre", N_("HIV reference centre for continuation"), Kind.TEXT),
    ),
    "sti_tests": (
        F(
            "sites",
            N_("Sites tested (chlamydia, gonorrhoea)"),
            Kind.MULTI,
            (
                ("pharynx", N_("throat")),
                ("vagina", N_("vagina")),
                ("cervix", N_("cervix")),
                ("urethra", N_("urethra")),
                ("rectum", N_("rectum")),
            ),
        ),
        F(
            "serology",
            N_("Serology"),
            Kind.MULTI,
            (
                ("syphilis", N_("syphilis")),
                ("hiv", N_("HIV")),
                ("hbv", N_("hepatitis B")),
                ("hcv", N_("hepatitis C")),
            ),
        ),
    ),
    "sti_presumptive": (
        F(
            "regimen",
            N_("Regimen"),
            Kind.CHOICE,
            (
                ("standard", N_("ceftriaxone + doxycycline + metronidazole")),
                ("pregnancy", N_("ceftriaxone + azithromycin + metronidazole (pregnancy)")),
            ),
        ),
    ),
    "tetanus": (
        F(
            "wound",
            N_("Wound"),
            Kind.CHOICE,
            (
                ("none", N_("no wound")),
                ("clean", N_("clean wound")),
                ("tetanus_prone", N_("tetanus-prone wound")),
            ),
        ),
    ),
    "strangulation": (
        F("physician_review", N_("Reviewed by the physician"), Kind.YES_NO),
        F(
            "imaging",
            N_("Imaging"),
            Kind.CHOICE,
            (
                ("not_needed", N_("not needed")),
                ("ct_angiography", N_("CT angiography done")),
                ("referred", N_("referred")),
            ),
        ),
        F("discharge_warning", N_("Discharge warning given (delayed stroke)"), Kind.YES_NO),
    ),
    "wound_care": (F("care", N_("Care given"), Kind.TEXT),),
    "other_medication": (F("note", N_("What and why"), Kind.TEXT),),
}


def item_prompts(
    item_id: str, details: Mapping[str, Any], pregnant: bool | None = None
) -> list[str]:
    """What an item's recorded details call for next (msgids)."""
    prompts = []
    if item_id == "sti_presumptive" and pregnant and details.get("regimen") != "pregnancy":
        prompts.append(N_("Pregnant: use the pregnancy regimen (azithromycin, no doxycycline)."))
    if item_id == "emergency_contraception" and details.get("vomited_within_3h") == "yes":
        prompts.append(N_("Vomited within 3 hours: give the dose again."))
    if item_id == "emergency_contraception" and details.get("method") == "ulipristal":
        prompts.append(
            N_("Ulipristal: no breastfeeding for a week; no hormonal contraception for 5 days.")
        )
    if item_id == "hiv_pep" and not details.get("handover_centre"):
        prompts.append(N_("Arrange the continuation with an HIV reference centre."))
    if item_id == "strangulation" and details.get("discharge_warning") != "yes":
        prompts.append(N_("Give the discharge warning about delayed stroke symptoms."))
    return prompts


class Status(StrEnum):
    NOT_ASSESSED = "not_assessed"
    INDICATED = "indicated"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"  # with what was explained
    GIVEN = "given"
    NOT_INDICATED = "not_indicated"  # with the reason
    NOT_APPLICABLE = "not_applicable"  # with the reason


STATUS_LABELS: dict[Status, str] = {
    Status.NOT_ASSESSED: N_("not yet assessed"),
    Status.INDICATED: N_("indicated"),
    Status.OFFERED: N_("offered"),
    Status.ACCEPTED: N_("accepted"),
    Status.DECLINED: N_("declined"),
    Status.GIVEN: N_("given"),
    Status.NOT_INDICATED: N_("not indicated"),
    Status.NOT_APPLICABLE: N_("not applicable"),
}

#: Where an item may go from each status. Staying in a status (adding details: the
#: regimen, the first dose) is always allowed. "Given" is final: a correction is an
#: amendment of the same status, never a step back.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NOT_ASSESSED: frozenset(
        {
            Status.INDICATED,
            Status.OFFERED,
            Status.GIVEN,
            Status.NOT_INDICATED,
            Status.NOT_APPLICABLE,
        }
    ),
    Status.INDICATED: frozenset(
        {Status.OFFERED, Status.GIVEN, Status.NOT_INDICATED, Status.NOT_APPLICABLE}
    ),
    # Offered or accepted, then found not to be needed (a positive pregnancy test before
    # emergency contraception): "not indicated", with the reason.
    Status.OFFERED: frozenset(
        {Status.ACCEPTED, Status.DECLINED, Status.GIVEN, Status.NOT_INDICATED}
    ),
    Status.ACCEPTED: frozenset({Status.GIVEN, Status.DECLINED, Status.NOT_INDICATED}),
    Status.DECLINED: frozenset({Status.OFFERED, Status.ACCEPTED, Status.NOT_INDICATED}),
    Status.GIVEN: frozenset(),
    Status.NOT_INDICATED: frozenset({Status.INDICATED, Status.OFFERED}),
    Status.NOT_APPLICABLE: frozenset({Status.INDICATED, Status.OFFERED}),
}

#: The text each status needs (the payload key).
REASON_NEEDED: dict[Status, str] = {
    Status.DECLINED: "explained",
    Status.NOT_INDICATED: "reason",
    Status.NOT_APPLICABLE: "reason",
}
#: Statuses that mean the item is being done (a closed hard stop refuses them).
ACTIVE = frozenset({Status.OFFERED, Status.ACCEPTED, Status.GIVEN})
#: Statuses that settle an item (the checklist is complete when every applicable item is).
SETTLED = frozenset({Status.GIVEN, Status.DECLINED, Status.NOT_INDICATED, Status.NOT_APPLICABLE})


@dataclass(frozen=True)
class ItemRecord:
    """An item's status as recorded (one entry)."""

    item: str
    status: Status
    reason: str = ""
    explained: str = ""
    outside_reason: str = ""
    amendment_reason: str = ""
    at_local: str = ""  # when it was given (Brussels wall-clock time), for a given item
    details: Mapping[str, Any] = field(default_factory=dict)
    entry_id: str = ""
    author: str = ""
    role: str = ""
    recorded_utc: datetime | None = None


@dataclass(frozen=True)
class MedicationRecord:
    drug: str  # a protocol drug id, or "" for free entry
    name: str
    dose: str
    route: str
    at_local: str
    batch: str
    prescriber: str
    given_by: str
    item: str = ""  # the checklist item it belongs to
    entry_id: str = ""
    author: str = ""
    recorded_utc: datetime | None = None


@dataclass(frozen=True)
class SignOff:
    entry_id: str
    author: str
    role: str
    at_utc: datetime
    open_items: tuple[str, ...] = ()  # items not settled when it was signed off


class FollowUpStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


FOLLOWUP_STATUS_LABELS: dict[FollowUpStatus, str] = {
    FollowUpStatus.PLANNED: N_("planned"),
    FollowUpStatus.DONE: N_("done"),
    FollowUpStatus.MISSED: N_("missed"),
    FollowUpStatus.CANCELLED: N_("cancelled"),
}
FOLLOWUP_TRANSITIONS: dict[FollowUpStatus, frozenset[FollowUpStatus]] = {
    FollowUpStatus.PLANNED: frozenset(FollowUpStatus),  # moved (planned again), or ended
    FollowUpStatus.MISSED: frozenset({FollowUpStatus.PLANNED, FollowUpStatus.CANCELLED}),
    FollowUpStatus.DONE: frozenset(),
    FollowUpStatus.CANCELLED: frozenset({FollowUpStatus.PLANNED}),
}


@dataclass(frozen=True)
class FollowUpRecord:
    """A planned appointment or contact (its latest version)."""

    id: str  # stable across moves: "<step>" or "reoffer_<item>"
    step: str
    due_utc: datetime
    until_utc: datetime | None
    status: FollowUpStatus
    note: str = ""
    entry_id: str = ""
    moved: bool = False  # moved by a person: the plan leaves its time alone
    kind: str = "visit"  # "visit" (medical follow-up) or "call" (domain.aftercare)
    channel: str = ""  # a contact's channel (domain.aftercare.Channel)
    outcome: str = ""  # a contact's outcome once made (domain.aftercare.Outcome)
    next_step: str = ""  # what happens next, as the case manager wrote it
    voicemail_left: bool = False
    ended_by: str = ""  # ended without its own outcome: "declined" or "closure"


class Refused(ValueError):
    """A change the rules do not allow; ``message`` is a msgid with ``params``."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def item_state(item: ChecklistItem, clock: CaseClock, method: str = "") -> ItemClock | None:
    """The clock of an item: the best of its windows (emergency contraception is possible
    while any of its methods is), or, once a method (a drug of the item) is chosen, that
    method's own window (its window id ends with the method: ``ec_levonorgestrel``);
    None for an item without a window."""
    order = {
        State.OPTIMAL: 0,
        State.REDUCED: 1,
        State.UNKNOWN: 2,
        State.OUTSIDE: 3,
        State.CLOSED: 4,
        State.NOT_APPLICABLE: 5,
    }
    clocks = [c for c in clock.items if c.window.id in item.windows]
    chosen = [c for c in clocks if method and c.window.id.endswith(f"_{method}")]
    if chosen:
        return chosen[0]
    if not clocks:
        return None
    return min(clocks, key=lambda c: order[c.state])


def check_change(
    item: ChecklistItem,
    current: ItemRecord | None,
    new: Status,
    payload: Mapping[str, Any],
    clock: ItemClock | None,
    signed_off: bool,
) -> None:
    """Raise :class:`Refused` unless the item may move to ``new`` with this payload."""
    old = current.status if current is not None else Status.NOT_ASSESSED
    correcting = old is Status.GIVEN and new != old and _text(payload, "amendment_reason")
    if new != old and new not in TRANSITIONS[old] and not correcting:
        raise Refused(
            N_("This item cannot go from “%(old)s” to “%(new)s”."),
            old=STATUS_LABELS[old],
            new=STATUS_LABELS[new],
        )
    needed = REASON_NEEDED.get(new)
    if needed == "explained" and not _text(payload, "explained"):
        raise Refused(N_("Record what was explained before it was declined."))
    if needed == "reason" and not _text(payload, "reason"):
        raise Refused(N_("Give the reason."))
    # Staying in a status is adding details (the batch of what was given, an amendment
    # after sign-off), never offering anew: the clock only stands in the way of a move.
    if new in ACTIVE and new != old and clock is not None:
        if clock.state is State.CLOSED:
            raise Refused(
                N_(
                    "Its window closed (a hard limit): it cannot be offered or given any "
                    "more. Record it as not indicated, with the reason."
                )
            )
        if clock.state is State.OUTSIDE and not _text(payload, "outside_reason"):
            raise Refused(N_("It is outside guidance now: give the reason to offer it still."))
    if signed_off and not _text(payload, "amendment_reason"):
        raise Refused(N_("The medical section is signed off: give the reason for this amendment."))


def record_from_payload(
    payload: Mapping[str, Any], entry_id: str, author: str, role: str, at: datetime
) -> ItemRecord:
    details = payload.get("details")
    return ItemRecord(
        item=str(payload["item"]),
        status=Status(payload["status"]),
        reason=_text(payload, "reason"),
        explained=_text(payload, "explained"),
        outside_reason=_text(payload, "outside_reason"),
        amendment_reason=_text(payload, "amendment_reason"),
        at_local=_text(payload, "at_local"),
        details=dict(details) if isinstance(details, Mapping) else {},
        entry_id=entry_id,
        author=author,
        role=role,
        recorded_utc=at,
    )


def medication_from_payload(
    payload: Mapping[str, Any], entry_id: str, author: str, at: datetime
) -> MedicationRecord:
    return MedicationRecord(
        drug=_text(payload, "drug"),
        name=_text(payload, "name"),
        dose=_text(payload, "dose"),
        route=_text(payload, "route"),
        at_local=_text(payload, "at_local"),
        batch=_text(payload, "batch"),
        prescriber=_text(payload, "prescriber"),
        given_by=_text(payload, "given_by"),
        item=_text(payload, "item"),
        entry_id=entry_id,
        author=author,
        recorded_utc=at,
    )


MEDICATION_REQUIRED = ("name", "dose", "route", "at_local", "given_by")


def check_medication(payload: Mapping[str, Any]) -> None:
    missing = [key for key in MEDICATION_REQUIRED if not _text(payload, key)]
    if missing:
        raise Refused(N_("Give the drug, the dose, the route, the time and who gave it."))


@dataclass(frozen=True)
class Facts:
    """What drug notes are checked against (from the intake)."""

    pregnant: bool | None = None
    breastfeeding: bool | None = None
    weight_kg: float | None = None
    age_years: int | None = None
    kidney_disease: bool | None = None
    allergies: str = ""


def _plain(text: str) -> str:
    """Lower case without accents: "Pénicilline" and "penicilline" match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def drug_warnings(drug: Drug, facts: Facts) -> list[DrugWarning]:
    """The protocol's notes for ``drug`` that this person's facts call up."""
    found = []
    for warning in drug.warnings:
        value = warning.value
        hit = {
            "pregnant": facts.pregnant is True,
            "breastfeeding": facts.breastfeeding is True,
            "kidney_disease": facts.kidney_disease is True,
            "weight_over_kg": facts.weight_kg is not None
            and isinstance(value, int | float)
            and facts.weight_kg > value,
            "age_under": facts.age_years is not None
            and isinstance(value, int | float)
            and facts.age_years < value,
            "allergy": isinstance(value, tuple)
            and any(_plain(word) in _plain(facts.allergies) for word in value),
        }.get(warning.when, False)
        if hit:
            found.append(warning)
    return found


class TetanusAdvice(StrEnum):
    NOTHING = "nothing"
    BOOSTER = "booster"
    VACCINATE = "vaccinate"
    VACCINATE_AND_IMMUNOGLOBULIN = "vaccinate_and_immunoglobulin"
    TWO_DOSES = "two_doses"  # > 20 years without a dose: 2 doses 6 months apart (Belgium)


TETANUS_LABELS: dict[TetanusAdvice, str] = {
    TetanusAdvice.NOTHING: N_("no tetanus dose needed"),
    TetanusAdvice.BOOSTER: N_("a booster dose"),
    TetanusAdvice.VACCINATE: N_("vaccinate"),
    TetanusAdvice.VACCINATE_AND_IMMUNOGLOBULIN: N_("vaccinate and give immunoglobulin"),
    TetanusAdvice.TWO_DOSES: N_("two doses six months apart"),
}


def tetanus_advice(history: str | None, wound: str | None) -> TetanusAdvice | None:
    """DOMAIN.md's tetanus table. ``history``: the intake's tetanus code; ``wound``:
    "none", "clean" or "tetanus_prone". None while either is not known."""
    if wound in (None, "") or history in (None, ""):
        return None
    if wound == "none":
        return TetanusAdvice.NOTHING
    if history in ("under_3_doses", "unknown"):
        if wound == "tetanus_prone":
            return TetanusAdvice.VACCINATE_AND_IMMUNOGLOBULIN
        return TetanusAdvice.VACCINATE
    if history == "over_20y":
        return TetanusAdvice.TWO_DOSES
    if history == "under_5y":
        return TetanusAdvice.NOTHING
    if history == "5_10y":
        return TetanusAdvice.BOOSTER if wound == "tetanus_prone" else TetanusAdvice.NOTHING
    return TetanusAdvice.BOOSTER  # 10 to 20 years


@dataclass(frozen=True)
class PlannedStep:
    id: str
    step: str
    due_utc: datetime
    until_utc: datetime | None
    kind: str = "visit"


def given_at(record: ItemRecord | None, parse: Any) -> datetime | None:
    """When a given item was given (its recorded time), via ``parse`` (local text ->
    UTC); None if not given."""
    if record is None or record.status is not Status.GIVEN:
        return None
    if record.at_local:
        moment = parse(record.at_local)
        if moment is not None:
            return moment  # type: ignore[no-any-return]
    return record.recorded_utc


def plan_followups(
    protocol: Protocol,
    conditions: Mapping[str, bool | None],
    items: Mapping[str, ItemRecord],
    last_exposure: datetime | None,
    visit: datetime,
    parse_local: Any,
) -> list[PlannedStep]:
    """The follow-up plan from the protocol: each step from its anchor (the latest
    possible exposure, the visit, or the first dose of the item it follows). A step
    whose condition is False, whose item was not given, or whose anchor is not known
    (no episode time) is left out; one whose condition is unknown is planned (it may
    apply: cancelling is one key press, forgetting is harm)."""
    planned = []
    for step in protocol.followups:
        if any(conditions.get(c) is False for c in step.applies_when):
            continue
        first_dose = None
        if step.after_item:
            first_dose = given_at(items.get(step.after_item), parse_local)
            if first_dose is None:
                continue
        anchors = {"last_exposure": last_exposure, "visit": visit, "first_dose": first_dose}
        due = followup_due(step, anchors)
        if due is None:
            continue
        planned.append(PlannedStep(step.id, step.id, due[0], due[1], step.kind))
    return planned


def reoffer(item: ChecklistItem, clock: ItemClock | None, now: datetime) -> PlannedStep | None:
    """A declined time-critical item: a contact before its deadline (its eligibility
    deadline, from the latest exposure), ``reoffer_hours_before`` ahead of it, or now if
    that is already past. None when there is no deadline left."""
    if not item.time_critical or clock is None or not clock.eligibility_deadlines:
        return None
    deadline = clock.eligibility_deadlines[-1]
    if deadline <= now:
        return None
    due = max(now, deadline - timedelta(hours=item.reoffer_hours_before))
    return PlannedStep(f"reoffer_{item.id}", f"reoffer_{item.id}", due, deadline)


def reoffer_from(
    item: ChecklistItem, protocol: Protocol, last: datetime, now: datetime
) -> PlannedStep | None:
    """The re-offer of a declined time-critical item when no exposure time is known:
    its deadline counted from ``last`` (the latest the exposure can have been)."""
    limits = [
        w.limit_hours
        for w in protocol.windows
        if w.id in item.windows and w.limit_hours is not None
    ]
    if not item.time_critical or not limits:
        return None
    deadline = last + timedelta(hours=max(limits))
    if deadline <= now:
        return None
    due = max(now, deadline - timedelta(hours=item.reoffer_hours_before))
    return PlannedStep(f"reoffer_{item.id}", f"reoffer_{item.id}", due, deadline)


def applicable(item: ChecklistItem, conditions: Mapping[str, bool | None]) -> bool | None:
    return conditions_hold(item.applies_when, conditions)


def complete(
    checklist: Sequence[ChecklistItem],
    items: Mapping[str, ItemRecord],
    conditions: Mapping[str, bool | None],
) -> bool:
    """Every item that applies (or may) is settled."""
    return all(
        applicable(item, conditions) is False
        or (item.id in items and items[item.id].status in SETTLED)
        for item in checklist
    )


def followup_bucket(
    due: datetime,
    until: datetime | None,
    day_start: datetime,
    day_end: datetime,
    week_end: datetime,
) -> str | None:
    """Where a planned follow-up stands on a morning round: "overdue" once its window
    closed before today (a step moved past its window closes when it is due), "today"
    while open and due by tonight, "week" when due before ``week_end``; None later."""
    closes = max(until or due, due)
    if closes < day_start:
        return "overdue"
    if due < day_end:
        return "today"
    if due < week_end:
        return "week"
    return None


def followups_due(
    followups: Iterable[FollowUpRecord],
    day_start: datetime,
    week_end: datetime,
    day_end: datetime | None = None,
) -> dict[str, list[FollowUpRecord]]:
    """Planned follow-ups sorted into overdue, today and this week (``followup_bucket``),
    soonest first."""
    out: dict[str, list[FollowUpRecord]] = {"overdue": [], "today": [], "week": []}
    end = day_end or day_start + timedelta(days=1)
    for record in followups:
        if record.status is not FollowUpStatus.PLANNED:
            continue
        bucket = followup_bucket(record.due_utc, record.until_utc, day_start, end, week_end)
        if bucket is not None:
            out[bucket].append(record)
    for rows in out.values():
        rows.sort(key=lambda r: r.due_utc)
    return out
