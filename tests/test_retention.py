"""How long evidence is kept without a complaint: adults, minors, month ends, leap days."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from sac_desktop.domain.retention import (
    RetentionSettings,
    add_months,
    add_years,
    check_settings,
    due_within,
    past,
    reapplied,
    retention_until,
)

DEFAULT = RetentionSettings()


def test_defaults_follow_practice_seen() -> None:
    expected = RetentionSettings(adult_months=6, minor_years=50, minor_from_birth=True, version=1)
    assert expected == DEFAULT
    assert check_settings(DEFAULT) == []


@pytest.mark.parametrize(
    ("collected", "expected"),
    [
        (date(2024, 3, 10), date(2024, 9, 10)),
        (date(2024, 8, 31), date(2025, 2, 28)),  # month end clamped, common year
        (date(2023, 8, 31), date(2024, 2, 29)),  # month end clamped, leap year
        (date(2024, 7, 31), date(2025, 1, 31)),  # across the year
        (date(2024, 12, 31), date(2025, 6, 30)),
        (date(2024, 2, 29), date(2024, 8, 29)),
    ],
)
def test_adult_calendar_months(collected: date, expected: date) -> None:
    assert retention_until(collected, False, None, DEFAULT) == expected


def test_adult_ignores_a_date_of_birth() -> None:
    assert retention_until(date(2024, 3, 10), False, date(1990, 1, 1), DEFAULT) == date(2024, 9, 10)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 11, 15), 2, date(2025, 1, 15)),
        (date(2024, 1, 1), 120, date(2034, 1, 1)),
        (date(2024, 5, 5), 0, date(2024, 5, 5)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (date(2012, 2, 29), 50, date(2062, 2, 28)),  # common year: 28 Feb
        (date(2012, 2, 29), 4, date(2016, 2, 29)),  # leap year: stays
        (date(2012, 2, 28), 1, date(2013, 2, 28)),
        (date(2012, 3, 1), 1, date(2013, 3, 1)),
    ],
)
def test_add_years_leap_day(start: date, years: int, expected: date) -> None:
    assert add_years(start, years) == expected


def test_minor_counted_from_birth() -> None:
    assert retention_until(date(2024, 5, 1), True, date(2010, 6, 15), DEFAULT) == date(2060, 6, 15)


def test_minor_leap_day_birthday() -> None:
    assert retention_until(date(2024, 5, 1), True, date(2012, 2, 29), DEFAULT) == date(2062, 2, 28)
    four = replace(DEFAULT, minor_years=20)
    assert retention_until(date(2024, 5, 1), True, date(2012, 2, 29), four) == date(2032, 2, 29)


def test_minor_counted_from_collection_when_the_centre_says_so() -> None:
    from_collection = replace(DEFAULT, minor_from_birth=False, version=2)
    assert retention_until(date(2024, 5, 1), True, date(2010, 6, 15), from_collection) == date(
        2074, 5, 1
    )


def test_minor_of_unknown_age_counted_from_collection() -> None:
    assert retention_until(date(2024, 5, 1), True, None, DEFAULT) == date(2074, 5, 1)
    assert retention_until(date(2024, 8, 31), True, None, DEFAULT) == date(2074, 8, 31)


def test_minor_never_earlier_than_the_adult_date() -> None:
    short = replace(DEFAULT, adult_months=24, minor_years=1, version=2)
    # Born 2007-06-01: from birth + 1 year = 2008, long before the adult date.
    collected = date(2024, 5, 31)
    adult = retention_until(collected, False, None, short)
    assert adult == date(2026, 5, 31)
    assert retention_until(collected, True, date(2007, 6, 1), short) == adult
    # From collection too: + 1 year would be shorter than + 24 months.
    assert retention_until(collected, True, None, short) == adult


def test_minor_from_birth_floor_with_default_settings() -> None:
    # A 17-year-old at collection with a 10-year minor period: birth + 10 is already past.
    settings = replace(DEFAULT, minor_years=10, version=2)
    collected = date(2024, 8, 31)
    assert retention_until(collected, True, date(2007, 1, 1), settings) == date(2025, 2, 28)


def test_settings_change_leaves_earlier_results_alone_unless_reapplied() -> None:
    old = DEFAULT
    items = [
        (date(2024, 8, 31), False, None),
        (date(2024, 5, 1), True, date(2010, 6, 15)),
        (date(2024, 5, 1), True, None),
    ]
    recorded = [(c, m, d, retention_until(c, m, d, old)) for c, m, d in items]
    new = RetentionSettings(adult_months=12, minor_years=30, minor_from_birth=False, version=2)
    # A new item follows the new settings ...
    assert retention_until(date(2024, 8, 31), False, None, new) == date(2025, 8, 31)
    # ... the recorded dates are values: untouched by the change.
    assert [r[3] for r in recorded] == [date(2025, 2, 28), date(2060, 6, 15), date(2074, 5, 1)]
    # Reapplied on the coordinator's explicit choice: recomputed, in order.
    assert reapplied(recorded, new) == [date(2025, 8, 31), date(2054, 5, 1), date(2054, 5, 1)]
    # Reapplying the settings they were computed with changes nothing.
    assert reapplied(recorded, old) == [r[3] for r in recorded]
    assert reapplied([], new) == []


@pytest.mark.parametrize(
    ("adult_months", "minor_years", "problems"),
    [
        (1, 1, 0),
        (120, 100, 0),
        (0, 50, 1),
        (121, 50, 1),
        (6, 0, 1),
        (6, 101, 1),
        (-1, 1000, 2),
    ],
)
def test_check_settings_bounds(adult_months: int, minor_years: int, problems: int) -> None:
    found = check_settings(RetentionSettings(adult_months=adult_months, minor_years=minor_years))
    assert len(found) == problems
    assert all(isinstance(p, str) and p for p in found)


def test_check_settings_messages_name_the_bounds() -> None:
    (adult,) = check_settings(RetentionSettings(adult_months=0))
    (minor,) = check_settings(RetentionSettings(minor_years=0))
    assert "120 months" in adult
    assert "100 years" in minor
    assert check_settings(RetentionSettings(version=0)) != []


def test_past_at_the_boundary() -> None:
    until = date(2025, 2, 28)
    assert not past(until, date(2025, 2, 27))
    assert past(until, date(2025, 2, 28))  # the keeping ends on the date
    assert past(until, date(2025, 3, 1))


def test_due_within_at_the_boundaries() -> None:
    today = date(2025, 1, 1)
    assert due_within(date(2025, 1, 31), today)  # exactly 30 days
    assert not due_within(date(2025, 2, 1), today)  # 31 days
    assert due_within(date(2025, 1, 2), today)
    assert not due_within(today, today)  # on the date it is past, not due
    assert not due_within(date(2024, 12, 31), today)
    assert due_within(date(2025, 1, 8), today, days=7)
    assert not due_within(date(2025, 1, 9), today, days=7)


@pytest.mark.parametrize("offset", range(-3, 40))
def test_every_date_is_past_due_or_later_exactly_once(offset: int) -> None:
    today = date(2025, 1, 1)
    until = date.fromordinal(today.toordinal() + offset)
    is_past = past(until, today)
    is_due = due_within(until, today)
    assert not (is_past and is_due)
    assert is_past == (offset <= 0)
    assert is_due == (1 <= offset <= 30)
