"""The clock engine (``deadlines.evaluate``): unit tests and property tests.

The rules are those of DOMAIN.md, "The clock: two anchors, graded states": eligibility
counts from the latest possible exposure, urgency from the earliest; an unknown time is
"unknown", never "closed"; hours are real elapsed hours, across daylight-saving changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sac_desktop.domain.deadlines import (
    Anchors,
    CaseClock,
    Exposure,
    ItemClock,
    anchors_of,
    deadline_points,
    evaluate,
    evaluate_window,
    followup_due,
)
from sac_desktop.domain.localtime import NonexistentLocalTime, resolve_local
from sac_desktop.domain.protocol import (
    CONDITIONS,
    FollowUpStep,
    Protocol,
    State,
    parse_protocol,
)
from sac_desktop.resources import resource

PROTOCOL: Protocol = parse_protocol(
    resource("protocols", "sac-be-2026.1.toml").read_text(encoding="utf-8")
)
BRUSSELS = ZoneInfo("Europe/Brussels")
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
T0 = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)  # no daylight-saving change near it
ALL_TRUE = dict.fromkeys(CONDITIONS, True)
PROPERTY = settings(max_examples=120, deadline=None)

#: How bad a state is, for "never gets better" (UNKNOWN only ever follows OPTIMAL: an
#: unknown episode leaves an item optimal or unknown, never reduced, outside or closed).
RANK = {
    State.OPTIMAL: 0,
    State.REDUCED: 1,
    State.UNKNOWN: 1,
    State.OUTSIDE: 2,
    State.CLOSED: 3,
}


def items(clock: CaseClock) -> dict[str, ItemClock]:
    return {item.window.id: item for item in clock.items}


def state(clock: CaseClock, window_id: str) -> State:
    return items(clock)[window_id].state


def at(hours_before: float, now: datetime = T0) -> Exposure:
    return Exposure.at(now - timedelta(hours=hours_before))


# -- strategies ----------------------------------------------------------------------------
# Around the autumn 2026 change, so daylight saving is crossed now and then.
BASE = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
OFFSET = st.integers(min_value=-40 * 24 * 60, max_value=6 * 60)  # minutes from BASE
LENGTH = st.integers(min_value=0, max_value=8 * 24 * 60)
NOW = st.integers(min_value=-2 * 24 * 60, max_value=30 * 24 * 60).map(
    lambda m: BASE + timedelta(minutes=m)
)
CONDITION_VALUES = st.fixed_dictionaries(
    {name: st.sampled_from([True, False, None]) for name in sorted(CONDITIONS)}
)


@st.composite
def known_episode(draw: st.DrawFn) -> Exposure:
    start = BASE + timedelta(minutes=draw(OFFSET))
    return Exposure(start, start + timedelta(minutes=draw(LENGTH)))


EPISODE = st.one_of(known_episode(), st.just(Exposure.unknown()))
KNOWN_EPISODES = st.lists(known_episode(), min_size=1, max_size=4)
EPISODES = st.lists(EPISODE, min_size=0, max_size=4)


def assert_not_better(before: CaseClock, after: CaseClock) -> None:
    """``after`` (a later now) is nowhere better than ``before`` for the same case."""
    for old, new in zip(before.items, after.items, strict=True):
        if old.state is State.NOT_APPLICABLE or new.state is State.NOT_APPLICABLE:
            assert old.state is new.state is State.NOT_APPLICABLE
            continue
        assert RANK[new.state] >= RANK[old.state], (old.window.id, old.state, new.state)
        if old.state is State.CLOSED:
            assert new.state is State.CLOSED  # never reopened
        if old.state is State.UNKNOWN:
            assert new.state is State.UNKNOWN
        assert RANK[new.pessimistic] >= RANK[old.pessimistic]


# -- a later "now" -------------------------------------------------------------------------
@PROPERTY
@given(EPISODES, CONDITION_VALUES, NOW, st.integers(min_value=0, max_value=20 * 24 * 60))
def test_a_later_now_never_makes_an_item_better(
    episodes: list[Exposure], conditions: dict[str, bool | None], now: datetime, later: int
) -> None:
    before = evaluate(PROTOCOL, episodes, conditions, now)
    after = evaluate(PROTOCOL, episodes, conditions, now + timedelta(minutes=later))
    assert_not_better(before, after)
    if before.acute is False:
        assert after.acute is False


@PROPERTY
@given(KNOWN_EPISODES, NOW)
def test_a_closed_window_stays_closed_at_every_later_now(
    episodes: list[Exposure], now: datetime
) -> None:
    clock = evaluate(PROTOCOL, episodes, ALL_TRUE, now)
    closed = [item.window.id for item in clock.items if item.state is State.CLOSED]
    for days in (0.001, 1, 3, 30, 365, 3650):
        later = evaluate(PROTOCOL, episodes, ALL_TRUE, now + timedelta(days=days))
        assert all(state(later, window_id) is State.CLOSED for window_id in closed)


def test_pep_walks_through_its_states_as_time_passes() -> None:
    exposure = [Exposure.at(T0)]
    seen = [
        state(evaluate(PROTOCOL, exposure, {}, T0 + timedelta(hours=h)), "hiv_pep")
        for h in (0, 23.9, 24, 24.01, 71.9, 72, 72.01, 500)
    ]
    assert seen == [State.OPTIMAL] * 3 + [State.REDUCED] * 3 + [State.CLOSED] * 2


# -- a wider range, another episode -----------------------------------------------------------
@PROPERTY
@given(
    KNOWN_EPISODES,
    st.data(),
    st.integers(min_value=0, max_value=10 * 24 * 60),
    st.integers(min_value=0, max_value=10 * 24 * 60),
    CONDITION_VALUES,
    NOW,
)
def test_a_wider_range_never_closes_an_item_nor_delays_urgency(
    episodes: list[Exposure],
    data: st.DataObject,
    earlier: int,
    later: int,
    conditions: dict[str, bool | None],
    now: datetime,
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(episodes) - 1))
    narrow = episodes[index]
    assert narrow.earliest is not None and narrow.latest is not None
    wide = Exposure(
        narrow.earliest - timedelta(minutes=earlier), narrow.latest + timedelta(minutes=later)
    )
    before = evaluate(PROTOCOL, episodes, conditions, now)
    after = evaluate(PROTOCOL, [*episodes[:index], wide, *episodes[index + 1 :]], conditions, now)
    for old, new in zip(before.items, after.items, strict=True):
        if old.eligible:
            assert new.eligible, (old.window.id, old.state, new.state)
        if old.state is not State.NOT_APPLICABLE:
            assert RANK[new.state] <= RANK[old.state]  # eligibility: never worse
        assert len(new.urgency_deadlines) == len(old.urgency_deadlines)
        for wider, narrower in zip(new.urgency_deadlines, old.urgency_deadlines, strict=True):
            assert wider <= narrower  # urgency: never later
        for wider, narrower in zip(
            new.eligibility_deadlines, old.eligibility_deadlines, strict=True
        ):
            assert wider >= narrower  # eligibility: never sooner
    if before.acute:
        assert after.acute


@PROPERTY
@given(st.lists(EPISODE, min_size=1, max_size=4), EPISODE, CONDITION_VALUES, NOW)
def test_another_episode_never_removes_eligibility(
    episodes: list[Exposure],
    extra: Exposure,
    conditions: dict[str, bool | None],
    now: datetime,
) -> None:
    before = evaluate(PROTOCOL, episodes, conditions, now)
    after = evaluate(PROTOCOL, [*episodes, extra], conditions, now)
    for old, new in zip(before.items, after.items, strict=True):
        if old.eligible:
            assert new.eligible, (old.window.id, old.state, new.state)
        if old.urgency_deadlines:
            assert len(new.urgency_deadlines) == len(old.urgency_deadlines)
            for more, fewer in zip(new.urgency_deadlines, old.urgency_deadlines, strict=True):
                assert more <= fewer
    if before.acute is True:
        assert after.acute is True


# -- unknown times and unknown conditions -----------------------------------------------------
@PROPERTY
@given(EPISODES, CONDITION_VALUES, NOW)
def test_an_unknown_time_never_yields_closed(
    episodes: list[Exposure], conditions: dict[str, bool | None], now: datetime
) -> None:
    episodes = [*episodes, Exposure.unknown()]
    clock = evaluate(PROTOCOL, episodes, conditions, now)
    for item in clock.items:
        assert item.state is not State.CLOSED
        assert item.state in (State.OPTIMAL, State.UNKNOWN, State.NOT_APPLICABLE)
        assert item.time_uncertain
    assert clock.acute is not False  # "not acute" cannot be certain either
    later = evaluate(PROTOCOL, episodes, conditions, now + timedelta(days=3650))
    assert all(item.state is not State.CLOSED for item in later.items)


@PROPERTY
@given(EPISODES, CONDITION_VALUES, NOW)
def test_not_applicable_only_when_a_condition_is_false(
    episodes: list[Exposure], conditions: dict[str, bool | None], now: datetime
) -> None:
    clock = evaluate(PROTOCOL, episodes, conditions, now)
    for item in clock.items:
        values = [conditions[name] for name in item.window.applies_when]
        assert (item.state is State.NOT_APPLICABLE) == (False in values)
        if False not in values and None in values:
            assert item.applies is None  # "may apply"


def test_unknown_conditions_never_hide_an_item() -> None:
    for conditions in ({}, dict.fromkeys(CONDITIONS)):
        clock = evaluate(PROTOCOL, [at(2)], conditions, T0)
        assert all(item.state is State.OPTIMAL for item in clock.items)
        assert {i.window.id for i in clock.items if i.applies is None} == {
            w.id for w in PROTOCOL.windows if w.applies_when
        }
    no_vaginal = evaluate(PROTOCOL, [at(2)], {"vaginal_exposure": False}, T0)
    assert state(no_vaginal, "ec_ulipristal") is State.NOT_APPLICABLE
    assert items(no_vaginal)["ec_ulipristal"].applies is False


def test_unknown_time_alone() -> None:
    clock = evaluate(PROTOCOL, [Exposure.unknown()], {"source_hbsag_positive": False}, T0)
    assert clock.acute is None and clock.acute_until is None
    assert clock.hours_since_latest is None
    by_id = items(clock)
    assert by_id["hbv_immunoglobulin"].state is State.NOT_APPLICABLE
    # The hepatitis B vaccine is given whatever the delay: the time does not matter.
    assert by_id["hbv_vaccine"].state is State.OPTIMAL
    others = [i for i in clock.items if i.window.id not in ("hbv_immunoglobulin", "hbv_vaccine")]
    assert all(i.state is State.UNKNOWN and i.pessimistic is State.UNKNOWN for i in others)
    assert all(not i.urgency_deadlines and i.next_deadline is None for i in clock.items)
    assert deadline_points(clock) == []
    assert evaluate(PROTOCOL, [], {}, T0).acute is None  # no episode recorded yet


def test_unknown_plus_known_episodes() -> None:
    recent = evaluate(PROTOCOL, [Exposure.unknown(), at(3)], {}, T0)
    assert all(item.state is State.OPTIMAL for item in recent.items)  # optimal stays
    assert recent.acute is True
    old = evaluate(PROTOCOL, [at(200), Exposure.unknown()], {}, T0)
    assert state(old, "hiv_pep") is State.UNKNOWN  # not closed
    assert state(old, "forensic_exam") is State.UNKNOWN  # not outside
    assert state(old, "hbv_vaccine") is State.OPTIMAL
    assert items(old)["hiv_pep"].pessimistic is State.CLOSED  # from the known episode
    assert old.acute is None  # the unknown one may have been within the week


# -- two anchors ------------------------------------------------------------------------------
def test_range_eligibility_from_the_end_urgency_from_the_start() -> None:
    start, end = T0 - 80 * HOUR, T0 - 60 * HOUR
    clock = evaluate(PROTOCOL, [Exposure(start, end)], {}, T0)
    pep = items(clock)["hiv_pep"]
    assert pep.state is State.REDUCED and pep.eligible
    assert pep.pessimistic is State.CLOSED
    assert pep.urgency_deadlines == (start + 24 * HOUR, start + 72 * HOUR)
    assert pep.eligibility_deadlines == (end + 24 * HOUR, end + 72 * HOUR)
    assert all(moment < T0 for moment in pep.urgency_deadlines)
    assert pep.act_before == start + 24 * HOUR
    assert pep.closes_at == end + 72 * HOUR == pep.guidance_ends_at
    assert pep.next_deadline == end + 72 * HOUR
    assert clock.anchors == Anchors(start, end, 0, 1)
    assert clock.hours_since_latest == 60


def test_several_episodes_take_the_first_and_the_last() -> None:
    episodes = [at(300), Exposure(T0 - 50 * HOUR, T0 - 40 * HOUR), at(10), at(100)]
    anchors = anchors_of(episodes, T0)
    assert (anchors.earliest, anchors.latest) == (T0 - 300 * HOUR, T0 - 10 * HOUR)
    assert (anchors.known_episodes, anchors.unknown_episodes) == (4, 0) and anchors.any_known
    clock = evaluate(PROTOCOL, episodes, {}, T0)
    assert state(clock, "hiv_pep") is State.OPTIMAL
    assert items(clock)["hiv_pep"].pessimistic is State.CLOSED


def test_exposure_in_the_future_counts_as_now() -> None:
    clock = evaluate(PROTOCOL, [at(-5)], {}, T0)
    assert clock.anchors.earliest == clock.anchors.latest == T0
    assert clock.hours_since_latest == 0 and clock.acute is True
    assert all(item.state is State.OPTIMAL for item in clock.items)
    ongoing = evaluate(PROTOCOL, [Exposure(T0 - 30 * HOUR, T0 + 5 * HOUR)], {}, T0)
    pep = items(ongoing)["hiv_pep"]
    assert pep.state is State.OPTIMAL and pep.pessimistic is State.REDUCED
    assert pep.eligibility_deadlines == (T0 + 24 * HOUR, T0 + 72 * HOUR)


def test_band_ends_are_inclusive() -> None:
    assert state(evaluate(PROTOCOL, [at(72)], {}, T0), "hiv_pep") is State.REDUCED
    assert state(evaluate(PROTOCOL, [at(72)], {}, T0 + MINUTE), "hiv_pep") is State.CLOSED
    assert state(evaluate(PROTOCOL, [at(120)], {}, T0), "ec_ulipristal") is State.OPTIMAL
    after = evaluate(PROTOCOL, [at(120)], {}, T0 + timedelta(microseconds=1))
    assert state(after, "ec_ulipristal") is State.CLOSED


def test_acute_limit() -> None:
    week = PROTOCOL.acute_limit_hours
    assert week == 168
    exactly = evaluate(PROTOCOL, [at(week)], {}, T0)
    assert exactly.acute is True and exactly.acute_until == T0
    assert evaluate(PROTOCOL, [at(week)], {}, T0 + MINUTE).acute is False
    assert evaluate(PROTOCOL, [at(week), Exposure.unknown()], {}, T0 + MINUTE).acute is None


def test_highlight_and_next_deadline() -> None:
    assert PROTOCOL.highlight_hours == 4
    soon = items(evaluate(PROTOCOL, [at(21)], {}, T0))["hiv_pep"]
    assert soon.next_deadline == T0 + 3 * HOUR and soon.highlight
    calm = items(evaluate(PROTOCOL, [at(10)], {}, T0))["hiv_pep"]
    assert calm.next_deadline == T0 + 14 * HOUR and not calm.highlight
    gone = items(evaluate(PROTOCOL, [at(80)], {}, T0))["hiv_pep"]
    assert gone.next_deadline is None and not gone.highlight and gone.closes_at == T0 - 8 * HOUR
    outside = items(evaluate(PROTOCOL, [at(200)], {}, T0))["forensic_exam"]
    assert outside.state is State.OUTSIDE and outside.eligible and outside.closes_at is None
    assert outside.next_deadline is None
    vaccine = items(evaluate(PROTOCOL, [at(2)], {}, T0))["hbv_vaccine"]
    assert vaccine.urgency_deadlines == () and vaccine.act_before is None
    assert vaccine.guidance_ends_at is None and vaccine.next_deadline is None


def test_by_urgency_and_next_deadline_of_the_case() -> None:
    conditions = {"vaginal_exposure": False, "source_hbsag_positive": True}
    clock = evaluate(PROTOCOL, [at(70)], conditions, T0)
    order = [item.window.id for item in clock.by_urgency()]
    assert order[0] == "hiv_pep"  # closes in 2 h
    not_eligible = {"ec_levonorgestrel", "ec_ulipristal", "ec_copper_iud", "sample_vaginal"}
    assert set(order[-len(not_eligible) :]) == not_eligible
    deadlines = [i.next_deadline for i in clock.by_urgency() if i.next_deadline is not None]
    assert deadlines == sorted(deadlines)
    first = clock.next_deadline()
    assert first is not None and first.window.id == "hiv_pep"
    assert evaluate(PROTOCOL, [at(5000)], {}, T0).next_deadline() is None


# -- deadline points, follow-up ------------------------------------------------------------------
@PROPERTY
@given(EPISODES, CONDITION_VALUES, NOW)
def test_deadline_points_sorted_and_only_for_eligible_items(
    episodes: list[Exposure], conditions: dict[str, bool | None], now: datetime
) -> None:
    clock = evaluate(PROTOCOL, episodes, conditions, now)
    points = deadline_points(clock)
    assert points == sorted(points)
    assert len(points) == len(set(points))
    eligible = {item.window.id: item for item in clock.items if item.eligible}
    assert {window_id for _, window_id in points} <= set(eligible)
    for window_id, item in eligible.items():
        for moment in (*item.urgency_deadlines, *item.eligibility_deadlines):
            assert (moment, window_id) in points


def test_deadline_points_example() -> None:
    clock = evaluate(PROTOCOL, [at(80)], {"vaginal_exposure": False}, T0)
    points = deadline_points(clock)
    ids = {window_id for _, window_id in points}
    assert "hiv_pep" not in ids  # closed
    assert "ec_ulipristal" not in ids  # not applicable
    exposure = T0 - 80 * HOUR
    assert (exposure + 72 * HOUR, "forensic_exam") in points
    assert (exposure + 168 * HOUR, "forensic_exam") in points
    assert points[0][0] == exposure + 24 * HOUR


def test_followup_due() -> None:
    steps = {step.id: step for step in PROTOCOL.followups}
    last = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
    anchors = {"last_exposure": last, "visit": last + 5 * HOUR, "first_dose": None}
    assert followup_due(steps["pregnancy_retest"], anchors) == (
        last + timedelta(days=21),
        last + timedelta(days=28),
    )
    assert followup_due(steps["call_24h"], anchors) is None  # PEP not started yet
    first = last + 6 * HOUR
    assert followup_due(steps["call_24h"], {**anchors, "first_dose": first}) == (
        first + 24 * HOUR,
        first + 48 * HOUR,
    )
    assert followup_due(steps["hbv_dose_2"], anchors) is None  # no first dose yet
    assert followup_due(steps["hbv_dose_2"], {}) is None
    dose = datetime(2026, 10, 11, 10, 0, tzinfo=UTC)
    assert followup_due(steps["hbv_dose_2"], {"first_dose": dose}) == (
        dose + timedelta(days=30),
        dose + timedelta(days=60),
    )
    open_ended = FollowUpStep("x", steps["review_6m"].label, "visit", 3, None, "s")
    assert followup_due(open_ended, anchors) == (last + 5 * HOUR + timedelta(days=3), None)


def test_followup_due_counts_real_days_across_dst() -> None:
    step = next(s for s in PROTOCOL.followups if s.id == "pregnancy_retest")
    local = datetime(2026, 10, 10, 9, 0, tzinfo=BRUSSELS)  # summer time, 3 weeks before winter
    due = followup_due(step, {"last_exposure": local})
    assert due is not None
    assert due[0] - local == timedelta(days=21)
    assert due[0].astimezone(UTC) - local.astimezone(UTC) == timedelta(hours=21 * 24)


# -- validation ------------------------------------------------------------------------------
def test_exposure_validation() -> None:
    with pytest.raises(ValueError, match="both ends"):
        Exposure(T0, None)
    with pytest.raises(ValueError, match="both ends"):
        Exposure(None, T0)
    with pytest.raises(ValueError, match="aware"):
        Exposure(datetime(2026, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(ValueError, match="before it starts"):
        Exposure(T0, T0 - MINUTE)
    with pytest.raises(ValueError, match="aware"):
        evaluate(PROTOCOL, [], {}, datetime(2026, 1, 1))
    assert Exposure.unknown().known is False and Exposure.at(T0).known is True


# -- real hours across daylight-saving changes ----------------------------------------------------
def last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() - 6) % 7)


DST_CASES = [
    pytest.param(year, season, id=f"{year}-{season}")
    for year in range(2024, 2031)
    for season in ("spring", "autumn")
]


@pytest.mark.parametrize(("year", "season"), DST_CASES)
def test_deadlines_are_real_hours_across_daylight_saving(year: int, season: str) -> None:
    change = last_sunday(year, 3 if season == "spring" else 10)
    typed = datetime(change.year, change.month, change.day, 1, 30)  # just before the change
    resolved = resolve_local(typed)
    assert not resolved.ambiguous
    exposure = resolved.earliest_utc
    clock = evaluate(PROTOCOL, [Exposure.at(exposure)], {}, exposure + HOUR)
    pep = items(clock)["hiv_pep"]
    optimal_end, closes = pep.eligibility_deadlines
    assert closes - exposure == timedelta(hours=72)
    assert optimal_end - exposure == timedelta(hours=24)
    assert pep.urgency_deadlines == pep.eligibility_deadlines
    # On the wall clock the same 72 h read 73 h (spring: an hour skipped) or 71 h (autumn).
    wall = closes.astimezone(BRUSSELS).replace(tzinfo=None) - typed
    wall_24 = optimal_end.astimezone(BRUSSELS).replace(tzinfo=None) - typed
    expected_shift = HOUR if season == "spring" else -HOUR
    assert wall == timedelta(hours=72) + expected_shift
    assert wall_24 == timedelta(hours=24) + expected_shift
    # Every band end of every window is exactly its number of hours.
    for item in clock.items:
        ends = [b.end_hours for b in item.window.bands if b.end_hours is not None]
        assert [(m - exposure) / HOUR for m in item.eligibility_deadlines] == ends
    # The state follows real hours: still possible at exactly 72 h, closed a minute later,
    # whatever the wall clock says.
    assert state(evaluate(PROTOCOL, [Exposure.at(exposure)], {}, closes), "hiv_pep") is (
        State.REDUCED
    )
    after = evaluate(PROTOCOL, [Exposure.at(exposure)], {}, closes + MINUTE)
    assert state(after, "hiv_pep") is State.CLOSED
    # Typed one hour later in spring, the time does not exist: refused with a suggestion.
    if season == "spring":
        with pytest.raises(NonexistentLocalTime) as gap:
            resolve_local(typed + HOUR)
        assert gap.value.suggestion == typed + 2 * HOUR


@pytest.mark.parametrize("year", range(2024, 2031))
def test_ambiguous_autumn_time_is_a_range_of_both_readings(year: int) -> None:
    change = last_sunday(year, 10)
    typed = datetime(change.year, change.month, change.day, 2, 30)  # happens twice
    resolved = resolve_local(typed)
    assert resolved.ambiguous
    first, second = resolved.earliest_utc, resolved.latest_utc
    assert second - first == HOUR
    episode = Exposure(first, second)
    # 71 h 45 min after the second reading: 72 h 45 min after the first.
    now = second + timedelta(hours=71, minutes=45)
    pep = items(evaluate(PROTOCOL, [episode], {}, now))["hiv_pep"]
    assert pep.state is State.REDUCED  # eligibility from the later reading
    assert pep.pessimistic is State.CLOSED  # the earlier reading is past 72 h
    assert pep.urgency_deadlines == (first + 24 * HOUR, first + 72 * HOUR)  # from the earlier
    assert pep.eligibility_deadlines == (second + 24 * HOUR, second + 72 * HOUR)
    assert pep.act_before == first + 24 * HOUR and pep.closes_at == second + 72 * HOUR


@PROPERTY
@given(EPISODES, CONDITION_VALUES, NOW)
def test_the_zone_instants_are_written_in_does_not_matter(
    episodes: list[Exposure], conditions: dict[str, bool | None], now: datetime
) -> None:
    """Python adds a timedelta to a Brussels time on the wall clock: the engine must not."""

    def in_brussels(exposure: Exposure) -> Exposure:
        if exposure.earliest is None or exposure.latest is None:
            return exposure
        return Exposure(
            exposure.earliest.astimezone(BRUSSELS), exposure.latest.astimezone(BRUSSELS)
        )

    utc = evaluate(PROTOCOL, episodes, conditions, now)
    local = evaluate(
        PROTOCOL, [in_brussels(e) for e in episodes], conditions, now.astimezone(BRUSSELS)
    )
    assert local.acute == utc.acute and local.acute_until == utc.acute_until
    assert local.hours_since_latest == utc.hours_since_latest
    for a, b in zip(utc.items, local.items, strict=True):
        assert (a.state, a.pessimistic, a.highlight) == (b.state, b.pessimistic, b.highlight)
        assert a.urgency_deadlines == b.urgency_deadlines
        assert a.eligibility_deadlines == b.eligibility_deadlines
        assert a.next_deadline == b.next_deadline
    assert deadline_points(local) == deadline_points(utc)


def test_brussels_times_across_spring_change_use_real_hours() -> None:
    """PEP must not close an hour early when the times are written in Brussels time."""
    exposure = datetime(2026, 3, 29, 1, 30, tzinfo=BRUSSELS)  # 00:30 UTC
    now = datetime(2026, 4, 1, 1, 45, tzinfo=BRUSSELS)  # 71 h 15 min later in real time
    clock = evaluate(PROTOCOL, [Exposure.at(exposure)], {}, now)
    assert clock.hours_since_latest == 71.25
    pep = items(clock)["hiv_pep"]
    assert pep.state is State.REDUCED
    assert pep.closes_at == datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
    # Hand-built anchors in Brussels time are read as instants too.
    anchors = Anchors(exposure, exposure, 0, 1)
    window = PROTOCOL.window("hiv_pep")
    item = evaluate_window(window, anchors, {}, now, PROTOCOL.highlight_hours)
    assert item.state is State.REDUCED
    assert item.eligibility_deadlines[-1] - exposure == timedelta(hours=72)
