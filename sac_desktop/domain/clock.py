"""Clocks: time is passed in, never read globally (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Europe/Brussels"


class Clock(Protocol):
    """Source of the current time and the workstation's time zone."""

    zone: str

    def now_utc(self) -> datetime: ...


@dataclass
class SystemClock:
    zone: str = DEFAULT_ZONE

    def now_utc(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock tests (and the demo builder) move by hand."""

    current: datetime
    zone: str = DEFAULT_ZONE

    def now_utc(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current = self.current + timedelta(**delta)


def utc_offset_minutes(moment: datetime, zone: str) -> int:
    offset = moment.astimezone(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def format_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``: sorts as text, parses back exactly."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    """Parse what :func:`format_utc` wrote (strictly that form; ~30x faster than strptime)."""
    if len(text) != 27 or text[10] != "T" or text[19] != "." or text[-1] != "Z":
        raise ValueError("not a UTC timestamp")
    return datetime.fromisoformat(text)
