"""Local wall-clock times as staff type them, and what they mean in real time (Qt-free).

Staff enter Brussels times. Twice a year a wall-clock time is not one instant:
- when daylight saving ends, the hour from 02:00 to 03:00 happens twice: such a time is
  **ambiguous** and stands for the range of its two readings (never a guess);
- when daylight saving starts, the hour from 02:00 to 03:00 does not exist: such a time
  is **refused**, with the time it most probably means (one hour later) as a suggestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sac_desktop.domain.clock import DEFAULT_ZONE


class InvalidLocalTime(ValueError):
    """Text that is not a date and time this module understands."""


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped when daylight saving starts."""

    def __init__(self, local: datetime, suggestion: datetime) -> None:
        super().__init__("nonexistent local time")
        self.local = local
        self.suggestion = suggestion  # naive local time: the same instant on the new clock


@dataclass(frozen=True)
class ResolvedTime:
    """A local time and the real instants it can mean (equal unless ambiguous)."""

    local: datetime  # naive wall-clock time, as typed
    earliest_utc: datetime
    latest_utc: datetime

    @property
    def ambiguous(self) -> bool:
        return self.earliest_utc != self.latest_utc


def resolve_local(local: datetime, zone: str = DEFAULT_ZONE) -> ResolvedTime:
    """The instants a naive wall-clock time in ``zone`` can mean."""
    if local.tzinfo is not None:
        raise ValueError("expected a naive local time")
    tz = ZoneInfo(zone)
    readings = []
    for fold in (0, 1):
        aware = local.replace(tzinfo=tz, fold=fold)
        utc = aware.astimezone(UTC)
        if utc.astimezone(tz).replace(tzinfo=None) == local:
            readings.append(utc)
    if not readings:
        # In a gap, fold=0 reads the time with the offset before the change: converted
        # back, that instant shows the wall-clock time the person most likely meant.
        instant = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
        raise NonexistentLocalTime(local, instant.astimezone(tz).replace(tzinfo=None))
    return ResolvedTime(local, min(readings), max(readings))


def local_of(moment: datetime, zone: str = DEFAULT_ZONE) -> datetime:
    """An aware instant as an aware local time in ``zone``."""
    if moment.tzinfo is None:  # astimezone would read it in the computer's own zone
        raise ValueError("expected an aware instant")
    return moment.astimezone(ZoneInfo(zone))


def format_local(moment: datetime, zone: str = DEFAULT_ZONE) -> str:
    """``2026-03-14 02:30`` in the zone's wall-clock time (no seconds)."""
    return local_of(moment, zone).strftime("%Y-%m-%d %H:%M")


def format_naive(local: datetime) -> str:
    return local.strftime("%Y-%m-%d %H:%M")


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2})[:.h](\d{2}))?$")
_EU = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2})[:.h](\d{2}))?$")


def _parts(text: str) -> tuple[int, int, int, int | None, int | None]:
    cleaned = " ".join(text.strip().split())
    if match := _ISO.match(cleaned):
        y, mo, d, h, mi = match.groups()
    elif match := _EU.match(cleaned):
        d, mo, y, h, mi = match.groups()
    else:
        raise InvalidLocalTime(text)
    return (
        int(y),
        int(mo),
        int(d),
        None if h is None else int(h),
        None if mi is None else int(mi),
    )


def parse_local_datetime(text: str) -> datetime:
    """A naive wall-clock time from ``2026-03-14 01:30`` or ``14/03/2026 01:30``.

    Day-first is the only numeric order accepted besides ISO: Belgian usage.
    """
    year, month, day, hour, minute = _parts(text)
    if hour is None or minute is None:
        raise InvalidLocalTime(text)
    try:
        return datetime(year, month, day, hour, minute)
    except ValueError as exc:
        raise InvalidLocalTime(text) from exc


def parse_local_date(text: str) -> date:
    """A date from ``2026-03-14`` or ``14/03/2026``."""
    year, month, day, hour, _minute = _parts(text)
    if hour is not None:
        raise InvalidLocalTime(text)
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidLocalTime(text) from exc


def elapsed_hours(since: datetime, now: datetime) -> float:
    """Real elapsed hours between two aware instants (never wall-clock arithmetic)."""
    if since.tzinfo is None or now.tzinfo is None:
        raise ValueError("expected aware instants")
    # In UTC: Python subtracts two times of the same zone by their wall clocks.
    return (now.astimezone(UTC) - since.astimezone(UTC)) / timedelta(hours=1)
