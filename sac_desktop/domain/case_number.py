"""Pseudonymous case numbers unique across workstations, e.g. ``BXL-A-2026-00042``."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERN = re.compile(
    r"^(?P<centre>[A-Z]{2,5})-(?P<ws>[A-Z0-9]{1,4})-(?P<year>\d{4})-(?P<seq>\d{5,})$"
)
_CENTRE = re.compile(r"^[A-Z]{2,5}$")
_WORKSTATION = re.compile(r"^[A-Z0-9]{1,4}$")


def valid_centre_code(code: str) -> bool:
    return bool(_CENTRE.match(code))


def valid_workstation_code(code: str) -> bool:
    return bool(_WORKSTATION.match(code))


@dataclass(frozen=True, order=True)
class CaseNumber:
    centre: str
    workstation: str
    year: int
    sequence: int

    def __post_init__(self) -> None:
        if not valid_centre_code(self.centre):
            raise ValueError("centre code must be 2-5 capital letters")
        if not valid_workstation_code(self.workstation):
            raise ValueError("workstation code must be 1-4 capital letters or digits")
        if not 2000 <= self.year <= 9999 or self.sequence < 1:
            raise ValueError("year or sequence out of range")

    def __str__(self) -> str:
        return f"{self.centre}-{self.workstation}-{self.year}-{self.sequence:05d}"

    @classmethod
    def parse(cls, text: str) -> CaseNumber:
        match = _PATTERN.match(text.strip())
        if match is None:
            raise ValueError("not a case number")
        return cls(match["centre"], match["ws"], int(match["year"]), int(match["seq"]))
