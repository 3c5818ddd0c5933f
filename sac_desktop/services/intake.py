"""What the intake so far means for care: notes, minors rules, episode times (Qt-free)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sac_desktop.domain.clock import Clock
from sac_desktop.domain.intake import (
    Note,
    Values,
    age_years,
    date_of_birth,
    episode_time,
    episodes_of,
    intake_notes,
    section_values,
)
from sac_desktop.domain.localtime import (
    InvalidLocalTime,
    NonexistentLocalTime,
    local_of,
    parse_local_datetime,
    resolve_local,
)
from sac_desktop.domain.minors import (
    AgeRange,
    ChildProtectionBody,
    MinorAssessment,
    MinorDecisionProblem,
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

    minor: bool | None
    notes: list[Note]
    assessments: list[MinorAssessment]  # one per episode, in order
    child_protection: tuple[ChildProtectionBody, ...]
    minor_problems: list[MinorDecisionProblem]
    episodes: list[tuple[datetime, datetime]]  # known episode times (UTC), for the timeline
    arrival: datetime | None


def _arrival(values: Values, zone: str) -> datetime | None:
    text = values.get("arrival", {}).get("arrived_at")
    if not isinstance(text, str):
        return None
    try:
        return resolve_local(parse_local_datetime(text), zone).latest_utc
    except (InvalidLocalTime, NonexistentLocalTime):
        return None


def _person_age(
    values: Values,
    dob: date | None,
    episode: Mapping[str, Any],
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
    """The derived view of a case, from the values this reader may see (and, for the
    minors rule, the date of birth, which is used without being shown)."""
    zone = clock.zone
    values = section_values({k: v.value for k, v in state.fields.items()})
    today = local_of(clock.now_utc(), zone).date()
    arrival = _arrival(values, zone)
    dob = date_of_birth(values)
    years = age_years(values)
    now_age: AgeRange | None = None
    if dob is not None:
        now_age = AgeRange.exact(max(0, min(130, age_range_between(dob, today, today).min)))
    elif years is not None:
        now_age = AgeRange.exact(years)
    minor = is_minor(now_age)
    assessments: list[MinorAssessment] = []
    episodes: list[tuple[datetime, datetime]] = []
    for episode in episodes_of(values):
        timing = episode_time(episode, zone)
        when = None
        if timing.exposure.earliest is not None and timing.exposure.latest is not None:
            when = (timing.exposure.earliest, timing.exposure.latest)
            episodes.append(when)
        person = _person_age(values, dob, episode, when, arrival, zone, today)
        age = episode.get("assailant_age")
        assailant = AgeRange.exact(age) if isinstance(age, int) and 0 <= age <= 130 else None
        assessments.append(
            assess_episode(
                person,
                assailant,
                episode.get("relationship"),
                prostitution=episode.get("prostitution") == "yes",
            )
        )
    decisions = dict(values.get("minor", {}))
    for name in _YES_NO_DECISIONS:
        if name in decisions:
            decisions[name] = decisions[name] == "yes"
    problems = check_minor_decisions(decisions) if minor is not False else []
    return IntakeView(
        minor=minor,
        notes=intake_notes(values, zone, minor),
        assessments=assessments,
        child_protection=child_protection_bodies(centre),
        minor_problems=problems,
        episodes=episodes,
        arrival=arrival,
    )
