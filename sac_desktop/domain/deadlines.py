"""The clock engine: one clock since the assault drives every deadline (pure, Qt-free).

Two anchors (DOMAIN.md, "The clock"):
- **eligibility** ("can this still be offered, and how well?") counts from the *latest*
  possible exposure over all episodes: the end of a range, the last episode;
- **urgency** ("act before") counts from the *earliest* possible exposure: the start of
  a range, the first episode. It orders the work and drives the highlights.

Rules this module keeps, each checked by property tests:
- hours are real elapsed hours between aware instants (never wall-clock arithmetic), and
  a band's end is inclusive: "up to 72 h" is still possible at exactly 72 h;
- an exposure cannot lie in the future: a range ending after "now" counts as ending now;
- an episode whose time is unknown may have been the latest one. Then a state computed
  from the known episodes stands only if it is optimal (the unknown one can only make it
  better); otherwise the item is "unknown: clinician decides", never "closed". With no
  time known at all, only an item whose state never changes (no closing time) is known;
- every instant is taken in UTC, whatever zone it is written in;
- a condition that is unknown (``None``) never hides an item: it may apply;
- a later "now" never reopens a closed item; a wider range or an added episode never
  closes an item and never moves an urgency deadline later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sac_desktop.domain.protocol import FollowUpStep, Protocol, State, Window


@dataclass(frozen=True)
class Exposure:
    """When one episode may have happened: both None when unknown (aware UTC instants)."""

    earliest: datetime | None
    latest: datetime | None

    def __post_init__(self) -> None:
        if (self.earliest is None) != (self.latest is None):
            raise ValueError("an exposure is a range (both ends) or unknown (neither)")
        if self.earliest is not None and self.latest is not None:
            if self.earliest.tzinfo is None or self.latest.tzinfo is None:
                raise ValueError("exposure times must be aware instants")
            if self.latest < self.earliest:
                raise ValueError("an exposure range must not end before it starts")
            # Stored in UTC: ``aware + timedelta`` and the difference of two times in the
            # same zone are wall-clock arithmetic in Python, wrong across a DST change.
            object.__setattr__(self, "earliest", self.earliest.astimezone(UTC))
            object.__setattr__(self, "latest", self.latest.astimezone(UTC))

    @property
    def known(self) -> bool:
        return self.earliest is not None

    @classmethod
    def at(cls, moment: datetime) -> Exposure:
        return cls(moment, moment)

    @classmethod
    def unknown(cls) -> Exposure:
        return cls(None, None)


@dataclass(frozen=True)
class Anchors:
    earliest: datetime | None  # the earliest possible exposure over known episodes
    latest: datetime | None  # the latest possible exposure over known episodes
    unknown_episodes: int
    known_episodes: int

    @property
    def any_known(self) -> bool:
        return self.known_episodes > 0


def _utc(moment: datetime) -> datetime:
    """The same instant in UTC, where ``+ timedelta`` and ``-`` are real elapsed time."""
    if moment.tzinfo is None:
        raise ValueError("expected an aware instant")
    return moment.astimezone(UTC)


def anchors_of(exposures: Iterable[Exposure], now: datetime) -> Anchors:
    exposures = list(exposures)
    now = _utc(now)
    unknown = sum(1 for e in exposures if not e.known)
    known = [e for e in exposures if e.known]
    if not known:
        return Anchors(None, None, unknown, 0)
    earliest = min(e.earliest for e in known if e.earliest is not None)
    latest = max(e.latest for e in known if e.latest is not None)
    return Anchors(min(earliest, now), min(latest, now), unknown, len(known))


@dataclass(frozen=True)
class ItemClock:
    """One window's situation at ``now``."""

    window: Window
    applies: bool | None  # None: a condition is not yet known, so it may apply
    state: State  # eligibility: counted from the latest possible exposure
    pessimistic: State  # the same, counted from the earliest: what it may already be
    #: Urgency: each band end counted from the earliest exposure ("act before").
    urgency_deadlines: tuple[datetime, ...]
    #: Eligibility: each band end counted from the latest exposure.
    eligibility_deadlines: tuple[datetime, ...]
    time_uncertain: bool  # an episode's time is unknown: the clinician decides
    next_deadline: datetime | None  # the next moment (either anchor) something changes
    highlight: bool  # eligible and that moment is within the protocol's highlight hours

    @property
    def eligible(self) -> bool:
        return self.state not in (State.CLOSED, State.NOT_APPLICABLE)

    @property
    def act_before(self) -> datetime | None:
        """The end of the best band, counted from the earliest exposure."""
        return self.urgency_deadlines[0] if self.urgency_deadlines else None

    @property
    def closes_at(self) -> datetime | None:
        """For a hard stop: the moment, counted from the latest exposure, it closes."""
        if self.window.hard_stop and self.eligibility_deadlines:
            return self.eligibility_deadlines[-1]
        return None

    @property
    def guidance_ends_at(self) -> datetime | None:
        return self.eligibility_deadlines[-1] if self.eligibility_deadlines else None


@dataclass(frozen=True)
class CaseClock:
    now: datetime
    anchors: Anchors
    acute: bool | None  # None when no episode time is known
    acute_until: datetime | None
    items: tuple[ItemClock, ...]

    @property
    def hours_since_latest(self) -> float | None:
        if self.anchors.latest is None:
            return None
        return _hours(self.anchors.latest, self.now)

    def by_urgency(self) -> list[ItemClock]:
        """Items in the order the work should be done: soonest deadline first."""
        far = datetime.max.replace(tzinfo=self.now.tzinfo)
        order = {item.window.id: n for n, item in enumerate(self.items)}
        return sorted(
            self.items,
            key=lambda i: (
                not i.eligible,
                i.next_deadline or far,
                order[i.window.id],
            ),
        )

    def next_deadline(self) -> ItemClock | None:
        upcoming = [i for i in self.items if i.eligible and i.next_deadline is not None]
        return min(upcoming, key=lambda i: i.next_deadline or self.now, default=None)


def conditions_hold(
    window_conditions: Iterable[str], conditions: Mapping[str, bool | None]
) -> bool | None:
    """All the named conditions hold (True), one is False (False), or one is not known
    yet (None: it may apply). Used for windows, checklist items and follow-up steps."""
    result: bool | None = True
    for name in window_conditions:
        value = conditions.get(name)
        if value is False:
            return False
        if value is None:
            result = None
    return result


def _ends(window: Window, anchor: datetime) -> tuple[datetime, ...]:
    anchor = _utc(anchor)
    return tuple(
        anchor + timedelta(hours=band.end_hours)
        for band in window.bands
        if band.end_hours is not None
    )


def _hours(since: datetime, now: datetime) -> float:
    return (_utc(now) - _utc(since)) / timedelta(hours=1)


def evaluate_window(
    window: Window,
    anchors: Anchors,
    conditions: Mapping[str, bool | None],
    now: datetime,
    highlight_hours: float,
) -> ItemClock:
    now = _utc(now)
    applies = conditions_hold(window.applies_when, conditions)
    uncertain = anchors.unknown_episodes > 0
    if applies is False:
        return ItemClock(window, False, State.NOT_APPLICABLE, State.NOT_APPLICABLE, (), (),
                         uncertain, None, False)  # fmt: skip
    if anchors.earliest is None or anchors.latest is None:
        # No time known. A window whose state never changes (the hepatitis B vaccine,
        # "whatever the delay") does not depend on it; any other is the clinician's call.
        timeless = window.after is None and len({band.state for band in window.bands}) == 1
        state = window.bands[0].state if timeless else State.UNKNOWN
        return ItemClock(window, applies, state, state, (), (), True, None, False)
    state = window.band_at(_hours(anchors.latest, now))
    pessimistic = window.band_at(_hours(anchors.earliest, now))
    if uncertain and state is not State.OPTIMAL:
        state = State.UNKNOWN  # an unknown episode may have been later: never "closed"
    urgency = _ends(window, anchors.earliest)
    eligibility = _ends(window, anchors.latest)
    upcoming = [moment for moment in (*urgency, *eligibility) if moment > now]
    next_deadline = min(upcoming) if upcoming and state is not State.CLOSED else None
    highlight = (
        next_deadline is not None
        and state in (State.OPTIMAL, State.REDUCED, State.UNKNOWN)
        and next_deadline - now <= timedelta(hours=highlight_hours)
    )
    return ItemClock(
        window,
        applies,
        state,
        pessimistic,
        urgency,
        eligibility,
        uncertain,
        next_deadline,
        highlight,
    )


def evaluate(
    protocol: Protocol,
    exposures: Iterable[Exposure],
    conditions: Mapping[str, bool | None],
    now: datetime,
) -> CaseClock:
    """Every window of ``protocol`` at ``now`` for a case with these episodes."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware instant")
    now = _utc(now)
    anchors = anchors_of(list(exposures), now)
    items = tuple(
        evaluate_window(w, anchors, conditions, now, protocol.highlight_hours)
        for w in protocol.windows
    )
    acute: bool | None = None
    acute_until: datetime | None = None
    if anchors.latest is not None:
        acute_until = anchors.latest + timedelta(hours=protocol.acute_limit_hours)
        within = now <= acute_until
        # An unknown episode may have been later: "not acute" is then not certain.
        acute = True if within else (None if anchors.unknown_episodes else False)
    return CaseClock(now, anchors, acute, acute_until, items)


def deadline_points(clock: CaseClock) -> list[tuple[datetime, str]]:
    """Every moment at which an eligible item's situation changes, sorted: what the case
    list keeps, so its "next deadline" is the first point after the time it is shown."""
    points: set[tuple[datetime, str]] = set()
    for item in clock.items:
        if item.state in (State.NOT_APPLICABLE, State.CLOSED):
            continue
        for moment in (*item.urgency_deadlines, *item.eligibility_deadlines):
            points.add((moment, item.window.id))
    return sorted(points)


def followup_due(
    step: FollowUpStep, anchors: Mapping[str, datetime | None]
) -> tuple[datetime, datetime | None] | None:
    """When a follow-up step is due (and until when), from its anchor's moment; None
    while that moment is not known (a first dose not yet given)."""
    start = anchors.get(step.anchor)
    if start is None:
        return None
    start = _utc(start)
    due = start + timedelta(days=step.due_days)
    until = None if step.until_days is None else start + timedelta(days=step.until_days)
    return due, until
