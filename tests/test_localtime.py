"""Local wall-clock times as staff type them: parsing, DST resolution, formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sac_desktop.domain.localtime import (
    InvalidLocalTime,
    NonexistentLocalTime,
    ResolvedTime,
    elapsed_hours,
    format_local,
    format_naive,
    local_of,
    parse_local_date,
    parse_local_datetime,
    resolve_local,
)

BRUSSELS = ZoneInfo("Europe/Brussels")


# -- parse_local_datetime -------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2026-03-14 01:30", datetime(2026, 3, 14, 1, 30), id="iso-space"),
        pytest.param("2026-03-14T01:30", datetime(2026, 3, 14, 1, 30), id="iso-T"),
        pytest.param("2026-3-4 7:05", datetime(2026, 3, 4, 7, 5), id="iso-short-fields"),
        pytest.param("2026-03-14 01.30", datetime(2026, 3, 14, 1, 30), id="iso-dot-time"),
        pytest.param("2026-03-14 01h30", datetime(2026, 3, 14, 1, 30), id="iso-h-time"),
        pytest.param("14/03/2026 01:30", datetime(2026, 3, 14, 1, 30), id="be-slash"),
        pytest.param("14.03.2026 23:59", datetime(2026, 3, 14, 23, 59), id="be-dot"),
        pytest.param("14-03-2026 00:00", datetime(2026, 3, 14, 0, 0), id="be-dash"),
        pytest.param("4/3/2026 9h05", datetime(2026, 3, 4, 9, 5), id="be-short-fields"),
        pytest.param("14/03/2026, 01:30", datetime(2026, 3, 14, 1, 30), id="be-comma"),
        pytest.param("  14/03/2026   01:30  ", datetime(2026, 3, 14, 1, 30), id="spaces"),
        pytest.param("29/02/2028 12:00", datetime(2028, 2, 29, 12, 0), id="leap-day"),
    ],
)
def test_parse_local_datetime_accepts(text: str, expected: datetime) -> None:
    parsed = parse_local_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is None  # a wall-clock time: resolve_local gives its instants


def test_day_first_is_the_belgian_order() -> None:
    # 03/04 is the 3rd of April in Belgium, never the 4th of March.
    assert parse_local_datetime("03/04/2026 10:00") == datetime(2026, 4, 3, 10, 0)
    assert parse_local_date("03/04/2026") == date(2026, 4, 3)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("yesterday evening", id="words"),
        pytest.param("2026-03-14", id="date-only"),
        pytest.param("14/03/2026", id="be-date-only"),
        pytest.param("31/02/2026 10:00", id="31-feb"),
        pytest.param("29/02/2026 10:00", id="29-feb-not-leap"),
        pytest.param("2026-02-30 10:00", id="iso-30-feb"),
        pytest.param("2026-13-01 10:00", id="month-13"),
        pytest.param("00/01/2026 10:00", id="day-0"),
        pytest.param("2026-03-14 24:00", id="hour-24"),
        pytest.param("2026-03-14 10:60", id="minute-60"),
        pytest.param("2026-03-14 10:5", id="one-digit-minute"),
        pytest.param("03/14/2026 10:00", id="month-first-us"),
        pytest.param("14/03/26 10:00", id="two-digit-year"),
        pytest.param("2026/03/14 10:00", id="iso-with-slashes"),
        pytest.param("2026-03-14 10:00:00", id="seconds"),
        pytest.param("2026-03-14 10:00 +01:00", id="offset"),
        pytest.param("0000-01-01 10:00", id="year-0"),
    ],
)
def test_parse_local_datetime_refuses(text: str) -> None:
    with pytest.raises(InvalidLocalTime):
        parse_local_datetime(text)


# -- parse_local_date -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2026-03-14", date(2026, 3, 14), id="iso"),
        pytest.param("2026-3-4", date(2026, 3, 4), id="iso-short"),
        pytest.param("14/03/2026", date(2026, 3, 14), id="be-slash"),
        pytest.param("14.03.2026", date(2026, 3, 14), id="be-dot"),
        pytest.param("1-1-2027", date(2027, 1, 1), id="be-dash-short"),
        pytest.param("29/02/2024", date(2024, 2, 29), id="leap-day"),
    ],
)
def test_parse_local_date_accepts(text: str, expected: date) -> None:
    assert parse_local_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("tomorrow", id="word"),
        pytest.param("31/02/2026", id="31-feb"),
        pytest.param("31/04/2026", id="31-apr"),
        pytest.param("29/02/2025", id="29-feb-not-leap"),
        pytest.param("2026-00-10", id="month-0"),
        pytest.param("32/01/2026", id="day-32"),
        pytest.param("14/03/2026 10:00", id="has-a-time"),
        pytest.param("2026-03-14T10:00", id="iso-has-a-time"),
        pytest.param("14/03", id="no-year"),
        pytest.param("20260314", id="compact"),
    ],
)
def test_parse_local_date_refuses(text: str) -> None:
    with pytest.raises(InvalidLocalTime):
        parse_local_date(text)


@settings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)))
def test_both_written_forms_parse_back(moment: datetime) -> None:
    minute = moment.replace(second=0, microsecond=0)
    assert parse_local_datetime(format_naive(minute)) == minute
    belgian = minute.strftime("%d/%m/%Y %H:%M")
    assert parse_local_datetime(belgian) == minute
    assert parse_local_date(minute.strftime("%d/%m/%Y")) == minute.date()
    assert parse_local_date(minute.strftime("%Y-%m-%d")) == minute.date()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=30))
def test_arbitrary_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        parsed = parse_local_datetime(text)
    except InvalidLocalTime:
        return
    assert isinstance(parsed, datetime) and parsed.tzinfo is None


# -- resolve_local --------------------------------------------------------------------
def test_resolve_normal_winter_and_summer_times() -> None:
    winter = resolve_local(datetime(2026, 1, 15, 10, 0))
    assert winter == ResolvedTime(
        datetime(2026, 1, 15, 10, 0),
        datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
        datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
    )
    assert not winter.ambiguous
    summer = resolve_local(datetime(2026, 7, 15, 10, 0))
    assert summer.earliest_utc == summer.latest_utc == datetime(2026, 7, 15, 8, 0, tzinfo=UTC)
    assert not summer.ambiguous


def test_resolve_just_around_the_changes_is_not_ambiguous() -> None:
    # 01:59 before the spring change and 03:00 after it; 01:59 and 03:00 around autumn.
    assert resolve_local(datetime(2026, 3, 29, 1, 59)).earliest_utc == datetime(
        2026, 3, 29, 0, 59, tzinfo=UTC
    )
    assert resolve_local(datetime(2026, 3, 29, 3, 0)).earliest_utc == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    before = resolve_local(datetime(2026, 10, 25, 1, 59))
    after = resolve_local(datetime(2026, 10, 25, 3, 0))
    assert not before.ambiguous and not after.ambiguous
    assert before.earliest_utc == datetime(2026, 10, 24, 23, 59, tzinfo=UTC)
    assert after.earliest_utc == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_resolve_ambiguous_autumn_time_is_the_range_of_both_readings(minute: int) -> None:
    local = datetime(2026, 10, 25, 2, minute)
    resolved = resolve_local(local)
    assert resolved.ambiguous
    assert resolved.local == local
    # First reading on summer time (UTC+2), second on winter time (UTC+1): one hour apart.
    assert resolved.earliest_utc == datetime(2026, 10, 25, 0, minute, tzinfo=UTC)
    assert resolved.latest_utc == datetime(2026, 10, 25, 1, minute, tzinfo=UTC)
    assert resolved.latest_utc - resolved.earliest_utc == timedelta(hours=1)
    for instant in (resolved.earliest_utc, resolved.latest_utc):
        assert instant.astimezone(BRUSSELS).replace(tzinfo=None) == local


@pytest.mark.parametrize(
    ("local", "suggestion"),
    [
        pytest.param(datetime(2026, 3, 29, 2, 0), datetime(2026, 3, 29, 3, 0), id="02:00"),
        pytest.param(datetime(2026, 3, 29, 2, 30), datetime(2026, 3, 29, 3, 30), id="02:30"),
        pytest.param(datetime(2026, 3, 29, 2, 59), datetime(2026, 3, 29, 3, 59), id="02:59"),
        pytest.param(datetime(2025, 3, 30, 2, 15), datetime(2025, 3, 30, 3, 15), id="2025"),
    ],
)
def test_resolve_nonexistent_spring_time_is_refused_with_a_suggestion(
    local: datetime, suggestion: datetime
) -> None:
    with pytest.raises(NonexistentLocalTime) as caught:
        resolve_local(local)
    assert caught.value.local == local
    assert caught.value.suggestion == suggestion
    assert caught.value.suggestion.tzinfo is None
    # The suggestion itself exists and is one real hour after the hour before the gap.
    resolved = resolve_local(caught.value.suggestion)
    assert not resolved.ambiguous


def test_resolve_refuses_an_aware_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        resolve_local(datetime(2026, 1, 1, 10, 0, tzinfo=UTC))


def test_resolve_in_another_zone() -> None:
    resolved = resolve_local(datetime(2026, 1, 15, 10, 0), "America/New_York")
    assert resolved.earliest_utc == datetime(2026, 1, 15, 15, 0, tzinfo=UTC)
    # The US changes on other dates: 2026-03-08 02:30 is skipped there, not in Brussels.
    with pytest.raises(NonexistentLocalTime):
        resolve_local(datetime(2026, 3, 8, 2, 30), "America/New_York")
    assert not resolve_local(datetime(2026, 3, 8, 2, 30)).ambiguous


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31)))
def test_resolve_round_trips_every_existing_time(local: datetime) -> None:
    skipped = (local.month, local.weekday(), local.hour, local.day >= 25) == (3, 6, 2, True)
    if skipped:  # the hour skipped in spring: the last Sunday of March, 02:00 to 03:00
        with pytest.raises(NonexistentLocalTime) as gap:
            resolve_local(local)
        assert gap.value.suggestion == local + timedelta(hours=1)
        return
    resolved = resolve_local(local)
    assert resolved.earliest_utc <= resolved.latest_utc
    assert resolved.latest_utc - resolved.earliest_utc in (timedelta(0), timedelta(hours=1))
    if resolved.ambiguous:
        assert (local.month, local.weekday(), local.hour) == (10, 6, 2)
    for instant in (resolved.earliest_utc, resolved.latest_utc):
        assert instant.tzinfo is UTC
        assert instant.astimezone(BRUSSELS).replace(tzinfo=None) == local


# -- formatting and elapsed time -------------------------------------------------------
def test_format_local_shows_brussels_wall_clock() -> None:
    assert format_local(datetime(2026, 1, 15, 9, 0, tzinfo=UTC)) == "2026-01-15 10:00"
    assert format_local(datetime(2026, 7, 15, 8, 0, 59, tzinfo=UTC)) == "2026-07-15 10:00"
    # Both readings of the repeated autumn hour print the same wall-clock time.
    assert format_local(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "2026-10-25 02:30"
    assert format_local(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "2026-10-25 02:30"
    # Across the spring change the wall clock jumps from 01:59 to 03:00.
    assert format_local(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)) == "2026-03-29 01:59"
    assert format_local(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == "2026-03-29 03:00"
    # Another offset in, Brussels out; another zone out.
    plus_five = timezone(timedelta(hours=5))
    assert format_local(datetime(2026, 1, 15, 15, 0, tzinfo=plus_five)) == "2026-01-15 11:00"
    tokyo = format_local(datetime(2026, 1, 15, 15, 0, tzinfo=UTC), "Asia/Tokyo")
    assert tokyo == "2026-01-16 00:00"


def test_format_local_refuses_a_naive_time() -> None:
    # A naive time would silently be read in the computer's own zone.
    with pytest.raises(ValueError, match="aware"):
        format_local(datetime(2026, 1, 15, 9, 0))
    with pytest.raises(ValueError, match="aware"):
        local_of(datetime(2026, 1, 15, 9, 0))


def test_local_of_keeps_the_instant() -> None:
    moment = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    local = local_of(moment)
    # (PEP 495: a time in the repeated hour never compares equal across zones.)
    assert local.astimezone(UTC) == moment
    assert (local.hour, local.minute, local.fold) == (2, 30, 1)
    assert local.utcoffset() == timedelta(hours=1)
    assert local_of(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)).utcoffset() == timedelta(hours=2)


def test_format_naive() -> None:
    assert format_naive(datetime(2026, 3, 4, 5, 6, 7)) == "2026-03-04 05:06"


def test_elapsed_hours_are_real_hours_across_dst() -> None:
    # Both ends in Brussels time: Python would subtract wall clocks (73 h); real is 72 h.
    since = datetime(2026, 3, 28, 12, 0, tzinfo=BRUSSELS)
    now = datetime(2026, 3, 31, 13, 0, tzinfo=BRUSSELS)
    assert elapsed_hours(since, now) == 72.0
    autumn_since = datetime(2026, 10, 24, 12, 0, tzinfo=BRUSSELS)
    autumn_now = datetime(2026, 10, 27, 11, 0, tzinfo=BRUSSELS)
    assert elapsed_hours(autumn_since, autumn_now) == 72.0
    assert elapsed_hours(now, since) == -72.0
    with pytest.raises(ValueError, match="aware"):
        elapsed_hours(datetime(2026, 1, 1), datetime(2026, 1, 2))
