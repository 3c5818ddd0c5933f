"""What the intake so far means for care: notes, minors rules, episode times (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sac_desktop.domain.clock import Clock
from sac_desktop.domain.intake import (
    Note,
    Values,
    age_years,
    arrival_time,
    date_of_birth,
    episode_time,
    episodes_of,
    exposure_limit,
    intake_notes,
    section_values,
)
from sac_desktop.domain.localtime import (
    local_of,
)
from sac_desktop.domain.minors import (
    AgeRange,
    ChildProtectionBody,
    MinorAssessment,
    MinorDecisionProblem,
    MinorRule,
    age_on,
    age_range_between,
    age_range_from_years,
    assess_episode,
    check_minor_decisions,
    child_protection_bodies,
    is_minor,
)
from sac_desktop.domain.state import CaseState

_YES_NO_DECISIONS = ("consents_alone", "do_not_inform_parents")


@dataclass(frozen=True)
class IntakeView:
    """Derived from a case's current values (never stored: recomputed on every change)."""

    minor: bool | None  # a minor now (None: age not known)
    minor_at_episode: bool  # possibly a minor at an episode (even if 18 or more now)
    notes: list[Note]
    assessments: list[MinorAssessment]  # one per episode, in order
    child_protection: tuple[ChildProtectionBody, ...]
    minor_problems: list[MinorDecisionProblem]
    episodes: list[tuple[datetime, datetime]]  # known episode times (UTC), for the timeline
    arrival: datetime | None


def _person_age(
    values: Values,
    dob: date | None,
    when: tuple[datetime, datetime] | None,
    arrival: datetime | None,
    zone: str,
    today: date,
) -> AgeRange | None:
    first = local_of(when[0], zone).date() if when else None
    last = local_of(when[1], zone).date() if when else None
    if dob is not None:
        if first is None or last is None:
            # The episode's date is unknown: any time up to arrival (or today).
            last = local_of(arrival, zone).date() if arrival else today
            first = dob
        try:
            return age_range_between(dob, max(first, dob), max(last, dob))
        except ValueError:
            return None
    years = age_years(values)
    if years is None:
        return None
    arrived = local_of(arrival, zone).date() if arrival else today
    try:
        if first is None or last is None:
            return AgeRange(0, years)  # at an unknown earlier time: any age up to now
        return age_range_from_years(years, arrived, last, first)
    except ValueError:
        return None


def intake_view(state: CaseState, centre: str, clock: Clock) -> IntakeView:
    """The derived view of a case. ``state`` may hold values the reader does not see (the
    date of birth): they are used for the minors rule, never returned."""
    zone = clock.zone
    now = clock.now_utc()
    values = section_values({k: v.value for k, v in state.fields.items()})
    today = local_of(now, zone).date()
    arrival = arrival_time(values, zone)
    dob = date_of_birth(values)
    if dob is not None and dob > today:
        dob = None  # a date still to come: a typing error, not an age (the field shows it)
    years = age_years(values)
    now_age: AgeRange | None = None
    if dob is not None:
        now_age = AgeRange.exact(min(130, age_on(dob, today)))
    elif years is not None:
        now_age = AgeRange.exact(years)
    minor = is_minor(now_age)
    limit = exposure_limit(values, zone, now)
    assessments: list[MinorAssessment] = []
    episodes: list[tuple[datetime, datetime]] = []
    for episode in episodes_of(values):
        timing = episode_time(episode, zone, limit)
        when = None
        if timing.exposure.earliest is not None and timing.exposure.latest is not None:
            when = (timing.exposure.earliest, timing.exposure.latest)
            episodes.append(when)
        person = _person_age(values, dob, when, arrival, zone, today)
        age = episode.get("assailant_age")
        assailant = None
        if isinstance(age, int) and not isinstance(age, bool) and 0 <= age <= 130:
            assailant = AgeRange.exact(age)
        assessments.append(
            assess_episode(
                person,
                assailant,
                episode.get("relationship"),
                prostitution=episode.get("prostitution") == "yes",
            )
        )
    # A person of 18 now may have been a minor at an episode: the rules still apply.
    minor_at_episode = any(
        any(rule is not MinorRule.ADULT for rule in a.rules) for a in assessments
    )
    decisions = dict(values.get("minor", {}))
    for name in _YES_NO_DECISIONS:
        if name in decisions:
            decisions[name] = decisions[name] == "yes"
    concerned = minor is not False or minor_at_episode
    problems = check_minor_decisions(decisions) if concerned else []
    return IntakeView(
        minor=minor,
        minor_at_episode=minor_at_episode,
        notes=intake_notes(values, zone, minor is True or minor_at_episode, now),
        assessments=assessments,
        child_protection=child_protection_bodies(centre),
        minor_problems=problems,
        episodes=episodes,
        arrival=arrival,
    )
