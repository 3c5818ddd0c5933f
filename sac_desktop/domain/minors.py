"""Which rule of Belgian law applies to a minor, per episode: shown, never qualified (Qt-free).

The application shows the rule (criminal code art. 417/6) and what would decide it; it never
prints a legal qualification. Ages are whole years. When the facts leave several rules
possible, every candidate is listed, most protective first, with what would decide it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import product
from typing import Any

from sac_desktop.i18n import N_

MAX_AGE = 130
AGE_OF_MAJORITY = 18
NO_CONSENT_UNDER = 14  # art. 417/6 §1
GAP_RULE_UNTIL = 16  # art. 417/6 §2 covers 14 and 15
MAX_AGE_GAP = 3  # art. 417/6 §2: "not more than three years"


class Relationship(StrEnum):
    """The other person's relationship to the person (episode field ``relationship``)."""

    PARTNER = "partner"
    EX_PARTNER = "ex_partner"
    FAMILY_MEMBER = "family_member"  # relative, or in a similar position in the family
    POSITION_OF_TRUST = "position_of_trust"  # trust, authority or influence
    ACQUAINTANCE = "acquaintance"
    STRANGER = "stranger"
    OTHER = "other"
    UNKNOWN = "unknown"


RELATIONSHIP_LABELS: dict[Relationship, str] = {
    Relationship.PARTNER: N_("partner"),
    Relationship.EX_PARTNER: N_("ex-partner"),
    Relationship.FAMILY_MEMBER: N_("family member (also step-parent, foster family)"),
    Relationship.POSITION_OF_TRUST: N_(
        "trust, authority or influence (teacher, coach, carer, employer…)"
    ),
    Relationship.ACQUAINTANCE: N_("acquaintance"),
    Relationship.STRANGER: N_("stranger"),
    Relationship.OTHER: N_("other"),
    Relationship.UNKNOWN: N_("not known"),
}

# Art. 417/6 §3: no consent is possible for a minor with these.
_EXCLUDED = frozenset({Relationship.FAMILY_MEMBER, Relationship.POSITION_OF_TRUST})
# Known and outside §3. UNKNOWN (and None, and unrecognised values) may be either.
_NOT_EXCLUDED = frozenset(
    {
        Relationship.PARTNER,
        Relationship.EX_PARTNER,
        Relationship.ACQUAINTANCE,
        Relationship.STRANGER,
        Relationship.OTHER,
    }
)


@dataclass(frozen=True)
class AgeRange:
    """An age in completed years, from ``min`` to ``max`` inclusive (equal when exact)."""

    min: int
    max: int

    def __post_init__(self) -> None:
        if not 0 <= self.min <= self.max <= MAX_AGE:
            raise ValueError(f"an age range needs 0 <= min <= max <= {MAX_AGE}")

    @classmethod
    def exact(cls, years: int) -> AgeRange:
        return cls(years, years)


def age_on(date_of_birth: date, on: date) -> int:
    """Completed years on ``on``.

    Someone born on 29 February turns a year older on 1 March in a common year: the later
    of the two possible days, so a minor is never counted older than they may be.
    """
    if on < date_of_birth:
        raise ValueError("the date is before the date of birth")
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday


def age_range_between(date_of_birth: date, first: date, last: date) -> AgeRange:
    """The age over an episode's dates, ``first`` to ``last`` inclusive.

    Days of the range before the birth are left out (a range given in whole years may
    start before it); a range that ends before the birth is an error.
    """
    if first > last:
        raise ValueError("the episode's first date is after its last date")
    return AgeRange(age_on(date_of_birth, max(first, date_of_birth)), age_on(date_of_birth, last))


def _same_day_years_earlier(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, in a common year
        return date(day.year - years, 2, 28)


def age_range_from_years(
    age_years_at_arrival: int,
    arrival: date,
    episode_last: date,
    episode_first: date | None = None,
) -> AgeRange:
    """The age at an episode when only the age in years at arrival is known.

    Someone aged N on the arrival date was born between the day after the date N + 1 years
    earlier and the date N years earlier. The range is the age at the episode for the
    latest and the earliest of those birth dates, so:

    - an episode on the arrival date, or a whole number of years before it: exact;
    - within a year before arrival: N - 1 to N;
    - between k and k + 1 years before arrival: N - k - 1 to N - k.

    An episode after arrival (reported at a later visit) is worked out the same way.
    Give ``episode_first`` for an episode known as a date range: the youngest age is then
    taken at its first date. The age is never below 0; an episode before any possible
    date of birth is an error.
    """
    if not 0 <= age_years_at_arrival <= MAX_AGE:
        raise ValueError(f"an age needs 0 <= age <= {MAX_AGE}")
    first = episode_last if episode_first is None else episode_first
    if first > episode_last:
        raise ValueError("the episode's first date is after its last date")
    latest_birth = _same_day_years_earlier(arrival, age_years_at_arrival)
    earliest_birth = _same_day_years_earlier(arrival, age_years_at_arrival + 1) + timedelta(1)
    if episode_last < earliest_birth:
        raise ValueError("the episode is before any possible date of birth")
    youngest = age_on(latest_birth, first) if first >= latest_birth else 0
    return AgeRange(youngest, age_on(earliest_birth, episode_last))


def is_minor(age: AgeRange | None) -> bool | None:
    """True when certainly under 18, False when certainly 18 or over, else None."""
    if age is None:
        return None
    if age.max < AGE_OF_MAJORITY:
        return True
    if age.min >= AGE_OF_MAJORITY:
        return False
    return None


class MinorRule(StrEnum):
    ADULT = "adult"
    AGE_UNKNOWN = "age_unknown"
    UNDER_14 = "under_14"
    AGE_14_15_GAP_WITHIN_3 = "age_14_15_gap_within_3"
    AGE_14_15_GAP_OVER_3 = "age_14_15_gap_over_3"
    AGE_14_15_NEEDS_ASSAILANT_AGE = "age_14_15_needs_assailant_age"
    RELATIONSHIP_EXCLUSION = "relationship_exclusion"
    AGE_16_17 = "age_16_17"


MINOR_RULE_TEXT: dict[MinorRule, str] = {
    MinorRule.ADULT: N_("18 or older at the time: no rule for minors applies."),
    MinorRule.AGE_UNKNOWN: N_("Age at the time not known: it decides which rule applies."),
    MinorRule.UNDER_14: N_("Under 14 at the time: the law does not allow consent at this age."),
    MinorRule.AGE_14_15_GAP_WITHIN_3: N_(
        "14 or 15 at the time, age gap of 3 years or less: consent is possible in law."
    ),
    MinorRule.AGE_14_15_GAP_OVER_3: N_(
        "14 or 15 at the time, age gap over 3 years: the law does not allow consent."
    ),
    MinorRule.AGE_14_15_NEEDS_ASSAILANT_AGE: N_(
        "14 or 15 at the time: consent is possible in law only if the age gap is 3 years"
        " or less. The other person's age decides."
    ),
    MinorRule.RELATIONSHIP_EXCLUSION: N_(
        "Under 18 at the time, and the other person is family or in a position of trust,"
        " authority or influence, or in prostitution: the law does not allow consent."
    ),
    MinorRule.AGE_16_17: N_("16 or 17 at the time: consent is possible in law at this age."),
}

# Checked against DOMAIN.md; the exact wording of §3 is to be checked on eJustice.
SOURCE = N_("Criminal code art. 417/6 (since 1 June 2022)")

NEED_PERSON_AGE = "person_age"
NEED_ASSAILANT_AGE = "assailant_age"
NEED_RELATIONSHIP = "relationship"
NEED_LABELS: dict[str, str] = {
    NEED_PERSON_AGE: N_("the person's age at the time"),
    NEED_ASSAILANT_AGE: N_("the other person's age"),
    NEED_RELATIONSHIP: N_("how the other person is related to them"),
}

# Candidates are listed in this order: first the rules under which the law allows no
# consent, then the one that depends on a missing age, then those that allow it.
_MOST_PROTECTIVE_FIRST: tuple[MinorRule, ...] = (
    MinorRule.UNDER_14,
    MinorRule.RELATIONSHIP_EXCLUSION,
    MinorRule.AGE_14_15_GAP_OVER_3,
    MinorRule.AGE_14_15_NEEDS_ASSAILANT_AGE,
    MinorRule.AGE_14_15_GAP_WITHIN_3,
    MinorRule.AGE_16_17,
    MinorRule.ADULT,
    MinorRule.AGE_UNKNOWN,
)


@dataclass(frozen=True)
class MinorAssessment:
    """The rules that may apply (most protective first) and what would decide between them.

    ``needs`` holds :data:`NEED_PERSON_AGE`, :data:`NEED_ASSAILANT_AGE` and
    :data:`NEED_RELATIONSHIP`, in that order, for each fact that would narrow it down.
    """

    rules: tuple[MinorRule, ...]
    needs: tuple[str, ...]
    source: str

    @property
    def decided(self) -> bool:
        return len(self.rules) == 1 and not self.needs


def _point_rule(person: int, assailant: int | None, excluded: bool) -> MinorRule:
    """The rule for one exact person age, other person's age and relationship."""
    if person >= AGE_OF_MAJORITY:
        return MinorRule.ADULT
    if person < NO_CONSENT_UNDER:
        # Already the most protective: a §3 relationship changes nothing and is not listed.
        return MinorRule.UNDER_14
    if excluded:
        return MinorRule.RELATIONSHIP_EXCLUSION
    if person >= GAP_RULE_UNTIL:
        return MinorRule.AGE_16_17
    if assailant is None:
        return MinorRule.AGE_14_15_NEEDS_ASSAILANT_AGE
    if assailant - person <= MAX_AGE_GAP:  # a younger other person counts as within
        return MinorRule.AGE_14_15_GAP_WITHIN_3
    return MinorRule.AGE_14_15_GAP_OVER_3


def _points(age: AgeRange, low: int, high: int) -> range:
    """The ages of ``age`` squeezed into low..high, where every age outside gives the same rule."""
    return range(min(max(age.min, low), high), min(max(age.max, low), high) + 1)


def _relationship(value: Relationship | str | None) -> Relationship:
    if value is None:
        return Relationship.UNKNOWN
    try:
        return Relationship(value)
    except ValueError:
        return Relationship.UNKNOWN


def assess_episode(
    person_age: AgeRange | None,
    assailant_age: AgeRange | None,
    relationship: Relationship | str | None,
    prostitution: bool = False,
) -> MinorAssessment:
    """The rules of art. 417/6 that may apply to one episode.

    Every combination of the possible ages (whole years) and, when the relationship is not
    known, of "§3 relationship or not", is worked out; the rules found are the candidates.
    A fact is needed when changing it alone, the others fixed, changes the rule.
    Precedence for one combination: 18 or older; under 14; a §3 relationship or
    prostitution (any minor from 14); 16-17; the 14-15 age-gap rule.
    """
    if person_age is None:
        return MinorAssessment((MinorRule.AGE_UNKNOWN,), (NEED_PERSON_AGE,), SOURCE)
    # Under 14 and 18 or over do not depend on the exact age: 13 and 18 stand for them.
    persons = _points(person_age, NO_CONSENT_UNDER - 1, AGE_OF_MAJORITY)
    # The gap rule compares the other person's age with 17 (for 14) and 18 (for 15).
    lowest = NO_CONSENT_UNDER + MAX_AGE_GAP
    others: tuple[int | None, ...] = (
        (None,) if assailant_age is None else tuple(_points(assailant_age, lowest, lowest + 2))
    )
    known = _relationship(relationship)
    excluded: tuple[bool, ...]
    if prostitution or known in _EXCLUDED:
        excluded = (True,)
    elif known in _NOT_EXCLUDED:
        excluded = (False,)
    else:
        excluded = (False, True)

    grid = {(p, a, x): _point_rule(p, a, x) for p, a, x in product(persons, others, excluded)}
    found = set(grid.values())

    def varies(axis: int) -> bool:
        seen: dict[tuple[object, ...], MinorRule] = {}
        for key, rule in grid.items():
            rest = key[:axis] + key[axis + 1 :]
            if seen.setdefault(rest, rule) != rule:
                return True
        return False

    needs = []
    if varies(0):
        needs.append(NEED_PERSON_AGE)
    if varies(1) or MinorRule.AGE_14_15_NEEDS_ASSAILANT_AGE in found:
        needs.append(NEED_ASSAILANT_AGE)
    if varies(2):
        needs.append(NEED_RELATIONSHIP)
    rules = tuple(rule for rule in _MOST_PROTECTIVE_FIRST if rule in found)
    return MinorAssessment(rules, tuple(needs), SOURCE)


@dataclass(frozen=True)
class ChildProtectionBody:
    id: str
    name: str  # a proper name: not translated
    contact: str
    community: str  # "flemish" | "french"


VK = ChildProtectionBody("vk", "Vertrouwenscentrum Kindermishandeling (VK)", "1712", "flemish")
SOS_ENFANTS = ChildProtectionBody("sos_enfants", "SOS-Enfants", "one.be", "french")  # via ONE

_BODIES_BY_CENTRE: dict[str, tuple[ChildProtectionBody, ...]] = {
    **dict.fromkeys(("GNT", "ANT", "WVL", "LEU", "LIM"), (VK,)),
    **dict.fromkeys(("LIE", "CRL", "NAM", "LUX"), (SOS_ENFANTS,)),
    "BXL": (VK, SOS_ENFANTS),
}


def child_protection_bodies(centre_code: str) -> tuple[ChildProtectionBody, ...]:
    """The child-protection bodies for a centre; none for a centre not listed.

    A new centre, the German-speaking community (whose body was not found) and the demo
    get theirs from the centre's settings: none is invented here.
    """
    return _BODIES_BY_CENTRE.get(centre_code.strip().upper(), ())


class ChildProtection(StrEnum):
    """Field ``child_protection``: contact with the child-protection body."""

    CONSULTED = "consulted"
    REFERRED = "referred"
    NOT_NEEDED = "not_needed"
    NOT_YET = "not_yet"


CHILD_PROTECTION_LABELS: dict[ChildProtection, str] = {
    ChildProtection.CONSULTED: N_("consulted"),
    ChildProtection.REFERRED: N_("referred"),
    ChildProtection.NOT_NEEDED: N_("not needed"),
    ChildProtection.NOT_YET: N_("not yet"),
}


class ProsecutorDecision(StrEnum):
    """Art. 458bis: a right, not a duty, to inform the public prosecutor."""

    INFORM = "inform"
    NOT_INFORM = "not_inform"
    NOT_YET_DECIDED = "not_yet_decided"


PROSECUTOR_DECISION_LABELS: dict[ProsecutorDecision, str] = {
    ProsecutorDecision.INFORM: N_("inform the public prosecutor"),
    ProsecutorDecision.NOT_INFORM: N_("do not inform the public prosecutor"),
    ProsecutorDecision.NOT_YET_DECIDED: N_("not yet decided"),
}


@dataclass(frozen=True)
class MinorDecisionProblem:
    field: str
    message: str


CHOOSE_AN_OPTION = N_("Choose one of the listed options.")

# (choice field, reason field, {value needing a reason: message}) in the order shown.
_YES_NO: tuple[tuple[str, str, str], ...] = (
    (
        "consents_alone",
        "consents_alone_reason",
        N_("Give the reason why the minor consents alone."),
    ),
    (
        "do_not_inform_parents",
        "do_not_inform_parents_reason",
        N_("Give the reason for not informing the parents."),
    ),
)
_CHOICES: tuple[tuple[str, str, frozenset[str], dict[str, str]], ...] = (
    (
        "child_protection",
        "child_protection_reason",
        frozenset(ChildProtection),
        {ChildProtection.NOT_NEEDED: N_("Give the reason why child protection is not needed.")},
    ),
    (
        "prosecutor_decision",
        "prosecutor_reason",
        frozenset(ProsecutorDecision),
        {
            ProsecutorDecision.INFORM: N_("Give the reason for informing the public prosecutor."),
            ProsecutorDecision.NOT_INFORM: N_(
                "Give the reason for not informing the public prosecutor."
            ),
        },
    ),
)


def _has_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def check_minor_decisions(values: Mapping[str, Any]) -> list[MinorDecisionProblem]:
    """What needs attention in a case's "minor" section (field -> value).

    A choice not yet made (absent, None or "") is not a problem here; a choice that needs
    a reason (law of 22 August 2002 art. 12 §2; criminal code art. 458bis) must have one
    that is not only blank.
    """
    problems = []
    for choice, reason, message in _YES_NO:
        value = values.get(choice)
        if value is None:
            continue
        if not isinstance(value, bool):
            problems.append(MinorDecisionProblem(choice, CHOOSE_AN_OPTION))
        elif value and not _has_text(values.get(reason)):
            problems.append(MinorDecisionProblem(reason, message))
    for choice, reason, allowed, messages in _CHOICES:
        value = values.get(choice)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or value not in allowed:
            problems.append(MinorDecisionProblem(choice, CHOOSE_AN_OPTION))
        elif value in messages and not _has_text(values.get(reason)):
            problems.append(MinorDecisionProblem(reason, messages[value]))
    return problems
