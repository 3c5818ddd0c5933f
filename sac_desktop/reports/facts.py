"""The facts a document of a case is made from, gathered by ``services.documents`` as
the reader may see them (Qt-free, no reportlab: building them never loads the PDF
library)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sac_desktop.domain.disclosure import Section


@dataclass(frozen=True)
class Appointment:
    when_utc: datetime
    kind: str  # "visit", "call" or "psychology"
    label: str  # in the document's language (the protocol's label), "" when discreet
    until_utc: datetime | None = None  # a visit's window: any day until then


@dataclass(frozen=True)
class Course:
    """A medication the person continues at home."""

    name: str
    doses_per_day: int
    days: int
    first_dose: date
    dispensed_days: int | None = None  # doses given to take home, when fewer than the course


@dataclass(frozen=True)
class PartnerContact:
    name: str
    phone: str
    hours: str = ""


@dataclass(frozen=True)
class SheetData:
    centre: str  # the centre's name (left out of the discreet version: ``hospital``)
    hospital: str  # the hospital only
    case_number: str
    training: bool
    zone: str
    appointments: Sequence[Appointment] = ()
    courses: Sequence[Course] = ()
    pep: bool = False
    emergency_contraception: bool = False
    strangulation: bool = False
    partners: Sequence[PartnerContact] = ()
    kept_until: date | None = None  # evidence kept without a complaint
    sections: frozenset[Section] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ItemLine:
    """One checklist item for a handover: its name (in the document's language), its
    status (a msgid), when it was given, and the reason or what was explained."""

    label: str
    status: str
    at_local: str = ""
    note: str = ""
    doses: int | None = None  # doses dispensed to take home


@dataclass(frozen=True)
class MedicationLine:
    name: str
    dose: str
    route: str
    at_local: str
    batch: str


@dataclass(frozen=True)
class HandoverData:
    """The handover to whoever continues care (the HIV reference centre, the GP, a ward):
    what was given, what remains to be done, by when."""

    centre: str
    case_number: str
    training: bool
    zone: str
    recipient: str
    last_exposure_utc: datetime | None
    exposure_known: bool
    items: Sequence[ItemLine] = ()
    medications: Sequence[MedicationLine] = ()
    courses: Sequence[Course] = ()
    followups: Sequence[Appointment] = ()
    sections: frozenset[Section] = field(default_factory=frozenset)
