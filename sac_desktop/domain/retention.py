"""How long evidence is kept without a complaint (Qt-free, pure).

Without a complaint, evidence is kept until a retention date. The national period is not
published, so the period is a **per-centre setting**: practice seen is 6 months for adults
and far longer for minors (one centre: 50 years). Serious sexual offences against minors
have had no limitation period since the law of 14 November 2019, so a minor's period may
be counted from the date of birth.

The retention date is the day the keeping ends: from that day on the item is :func:`past`
its date and the coordinator may destroy it (when no complaint or requisition covers it).
A change of the settings applies to new items only; :func:`reapplied` recomputes existing
items when the coordinator explicitly chooses to (the service audits that choice).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sac_desktop.i18n import N_

ADULT_MONTHS_MIN = 1
ADULT_MONTHS_MAX = 120
MINOR_YEARS_MIN = 1
MINOR_YEARS_MAX = 100


@dataclass(frozen=True)
class RetentionSettings:
    """A centre's retention periods; ``version`` is recorded with every item."""

    adult_months: int = 6  # practice seen: 6 months for adults
    minor_years: int = 50  # one centre: 50 years
    # Count a minor's period from the date of birth (no limitation period since the law
    # of 14 November 2019).
    minor_from_birth: bool = True
    version: int = 1  # bumped by each change


def check_settings(s: RetentionSettings) -> list[str]:
    """What is wrong with the settings (msgids); an empty list when they can be saved."""
    problems = []
    if not ADULT_MONTHS_MIN <= s.adult_months <= ADULT_MONTHS_MAX:
        problems.append(N_("Keep the evidence of adults between 1 and 120 months."))
    if not MINOR_YEARS_MIN <= s.minor_years <= MINOR_YEARS_MAX:
        problems.append(N_("Keep the evidence of minors between 1 and 100 years."))
    if s.version < 1:
        problems.append(N_("The settings' version starts at 1."))
    return problems


def add_months(start: date, months: int) -> date:
    """``start`` plus calendar months, the day clamped to the month's end (31 Aug + 6 = 28 Feb)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_years(start: date, years: int) -> date:
    """``start`` plus whole years; a 29 February becomes 28 February in a common year."""
    return add_months(start, 12 * years)


def retention_until(
    collected: date, minor: bool, date_of_birth: date | None, settings: RetentionSettings
) -> date:
    """The retention date of evidence collected on ``collected``.

    Adults: ``collected`` + the adult months. Minors: the date of birth + the minor years
    when the settings count from birth and the date of birth is known, else ``collected`` +
    the minor years (a minor whose age is unknown too); a minor's date is never earlier
    than the adult rule's.
    """
    adult = add_months(collected, settings.adult_months)
    if not minor:
        return adult
    if settings.minor_from_birth and date_of_birth is not None:
        until = add_years(date_of_birth, settings.minor_years)
    else:
        until = add_years(collected, settings.minor_years)
    return max(until, adult)


def past(until: date, today: date) -> bool:
    """The retention date has come (today is the date or later): the keeping has ended."""
    return today >= until


def due_within(until: date, today: date, days: int = 30) -> bool:
    """The retention date comes within ``days`` days (not yet :func:`past`)."""
    return today < until <= today + timedelta(days=days)


def reapplied(
    items: Sequence[tuple[date, bool, date | None, date]], settings: RetentionSettings
) -> list[date]:
    """The retention dates of existing items under ``settings``, in the items' order.

    Each item is ``(collected, minor, date_of_birth, current_until)``; the current date is
    not used in the computation (the caller records old → new). Only called on the
    coordinator's explicit choice: a settings change alone leaves existing items alone.
    """
    return [
        retention_until(collected, minor, date_of_birth, settings)
        for collected, minor, date_of_birth, _current in items
    ]
