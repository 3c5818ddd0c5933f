"""Injuries and the explicit absence of injury, as rules (Qt-free, pure).

An injury is a numbered marker on a body diagram and its description. Every change,
moving the marker included, is a new entry that supersedes the previous one, carrying the
whole description, so the history shows each version as it was recorded. Numbers are
given once per case and never reused (an injury entered in error keeps its number).

Clock-face positions of genital and anal findings only mean something with the patient's
position: they are refused without it. The diagrams are drawn in the supine / lithotomy
orientation (12 o'clock anterior, at the top); in the knee-chest position 12 o'clock is
posterior, so a point on the drawing reads six hours round.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sac_desktop.domain.diagrams import Diagram, clock_hour
from sac_desktop.domain.entries import KIND_INJURY, KIND_NO_INJURY, Entry
from sac_desktop.i18n import N_

__all__ = ["KIND_INJURY", "KIND_NO_INJURY"]

MAX_SIZE_MM = 1000.0  # the longest injury a body can carry, with margin


class InjuryType(StrEnum):
    TEAR = "tear"
    ECCHYMOSIS = "ecchymosis"
    ABRASION = "abrasion"
    REDNESS = "redness"
    SWELLING = "swelling"
    LACERATION = "laceration"
    INCISION = "incision"
    BITE = "bite"
    BURN = "burn"
    PETECHIAE = "petechiae"
    PATTERNED = "patterned"
    OTHER = "other"


#: In the order of the TEARS mnemonic, then the other kinds.
TYPE_LABELS: dict[InjuryType, str] = {
    InjuryType.TEAR: N_("Tear"),
    InjuryType.ECCHYMOSIS: N_("Ecchymosis (bruise)"),
    InjuryType.ABRASION: N_("Abrasion"),
    InjuryType.REDNESS: N_("Redness"),
    InjuryType.SWELLING: N_("Swelling"),
    InjuryType.LACERATION: N_("Laceration"),
    InjuryType.INCISION: N_("Incision"),
    InjuryType.BITE: N_("Bite"),
    InjuryType.BURN: N_("Burn"),
    InjuryType.PETECHIAE: N_("Petechiae"),
    InjuryType.PATTERNED: N_("Patterned injury"),
    InjuryType.OTHER: N_("Other"),
}


class Position(StrEnum):
    """The patient's position during a genital or anal examination."""

    SUPINE_LITHOTOMY = "supine_lithotomy"
    KNEE_CHEST = "knee_chest"


POSITION_LABELS: dict[Position, str] = {
    Position.SUPINE_LITHOTOMY: N_("Supine / lithotomy"),
    Position.KNEE_CHEST: N_("Knee-chest"),
}

#: Suggestions offered in the form; any other words may be typed.
COLOUR_SUGGESTIONS: tuple[str, ...] = (
    N_("red"),
    N_("red-purple"),
    N_("purple"),
    N_("blue"),
    N_("green"),
    N_("yellow"),
    N_("brown"),
    N_("skin-coloured"),
)
SHAPE_SUGGESTIONS: tuple[str, ...] = (
    N_("round"),
    N_("oval"),
    N_("linear"),
    N_("curved"),
    N_("irregular"),
)
EDGE_SUGGESTIONS: tuple[str, ...] = (
    N_("regular, sharp"),
    N_("irregular, ragged"),
    N_("bridged tissue"),
    N_("abraded margins"),
    N_("diffuse"),
)

TANNER_STAGES: tuple[int, ...] = (1, 2, 3, 4, 5)


class Status(StrEnum):
    RECORDED = "recorded"
    ENTERED_IN_ERROR = "entered_in_error"


@dataclass(frozen=True)
class InjuryRecord:
    """One version of one injury, as an entry recorded it."""

    id: str
    number: int
    diagram: str
    x: float
    y: float
    region: str
    type: InjuryType
    length_mm: float | None = None
    width_mm: float | None = None
    colour: str = ""
    shape: str = ""
    edges: str = ""
    pattern: str = ""
    description: str = ""
    reexamine: bool = False
    reexamine_on: str = ""  # ISO date
    position: Position | None = None
    clock_from: int | None = None
    clock_to: int | None = None
    status: Status = Status.RECORDED
    reason: str = ""  # why it was amended or entered in error
    entry_id: str = ""
    author: str = ""
    role: str = ""
    recorded_utc: datetime | None = None
    supersedes: str | None = None

    @property
    def active(self) -> bool:
        return self.status is Status.RECORDED

    @property
    def size_text(self) -> str:
        """ "25 × 10 mm", "25 mm" or "" (numbers without trailing zeros)."""
        if self.length_mm is None:
            return ""
        if self.width_mm is None:
            return f"{_number(self.length_mm)} mm"
        return f"{_number(self.length_mm)} × {_number(self.width_mm)} mm"

    @property
    def clock_text(self) -> str:
        """ "6 o'clock" style, as digits: "6" or "5–7" ("" when not given)."""
        if self.clock_from is None:
            return ""
        if self.clock_to is None or self.clock_to == self.clock_from:
            return str(self.clock_from)
        return f"{self.clock_from}–{self.clock_to}"


@dataclass(frozen=True)
class NoInjuryRecord:
    """ "No injury found", for the whole body or one region of one diagram."""

    id: str
    diagram: str  # "" for the whole body
    region: str  # "" for the whole body or the whole diagram
    note: str
    entry_id: str
    author: str
    recorded_utc: datetime
    void_reason: str = ""

    @property
    def whole_body(self) -> bool:
        return not self.diagram


@dataclass
class Injuries:
    """The injury part of a case's state."""

    current: dict[str, InjuryRecord] = field(default_factory=dict)  # latest per injury
    history: dict[str, list[InjuryRecord]] = field(default_factory=dict)
    none_found: dict[str, NoInjuryRecord] = field(default_factory=dict)  # in force, by id

    def listed(self) -> list[InjuryRecord]:
        """Injuries in force, by number."""
        return sorted((r for r in self.current.values() if r.active), key=lambda r: r.number)

    def next_number(self) -> int:
        return max((r.number for r in self.current.values()), default=0) + 1


class InjuryProblem(ValueError):
    """A description that cannot be recorded as it is; ``message`` is a msgid."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field)
        self.field = field
        self.message = message


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _size(payload: Mapping[str, Any], key: str) -> float | str | None:
    """The size in mm, None when not given, or "bad" when it is not a usable number."""
    value = payload.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "bad"
    number = float(value)
    if not math.isfinite(number) or number <= 0 or number > MAX_SIZE_MM:
        return "bad"
    return round(number, 1)


def _hour(value: Any) -> int | str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
        return "bad"
    return value


def check_injury(
    payload: Mapping[str, Any],
    diagrams: Mapping[str, Diagram],
    *,
    tanner_stage: int | None = None,
    today: date | None = None,
) -> list[InjuryProblem]:
    """What is missing or wrong before this injury can be recorded (empty when fine).

    ``tanner_stage``: the case's, if recorded (a finding on a child's genital diagram
    needs it). ``today``: the examination day, for the re-examination date.
    """
    problems: list[InjuryProblem] = []
    diagram = diagrams.get(str(payload.get("diagram", "")))
    if diagram is None:
        problems.append(InjuryProblem("diagram", N_("Choose the diagram the injury is on.")))
    x, y = payload.get("x"), payload.get("y")
    placed = all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)
    )
    if diagram is not None and (
        not placed or not (0 <= float(x) <= diagram.width and 0 <= float(y) <= diagram.height)  # type: ignore[arg-type]
    ):
        problems.append(InjuryProblem("position", N_("Place the marker on the diagram.")))
    region = _text(payload, "region")
    if diagram is not None and region not in {r.id for r in diagram.regions}:
        problems.append(InjuryProblem("region", N_("Choose the region of the body.")))
    kind = payload.get("type")
    if kind not in {t.value for t in InjuryType}:
        problems.append(InjuryProblem("type", N_("Choose the type of injury.")))
    elif kind == InjuryType.OTHER and not _text(payload, "description"):
        problems.append(
            InjuryProblem("description", N_("Describe the injury (its type is 'other').")),
        )
    length, width = _size(payload, "length_mm"), _size(payload, "width_mm")
    if length == "bad":
        problems.append(
            InjuryProblem("length_mm", N_("Give the length in mm as a number above 0.")),
        )
    if width == "bad":
        problems.append(InjuryProblem("width_mm", N_("Give the width in mm as a number above 0.")))
    if width not in (None, "bad") and length is None:
        problems.append(InjuryProblem("length_mm", N_("Give the length as well as the width.")))
    if isinstance(length, float) and isinstance(width, float) and width > length:
        problems.append(
            InjuryProblem(
                "width_mm",
                N_("The length is the longest dimension: the width cannot be larger."),
            )
        )
    if payload.get("reexamine") is True:
        when = _text(payload, "reexamine_on")
        try:
            day = date.fromisoformat(when) if when else None
        except ValueError:
            day = None
        if day is None:
            problems.append(
                InjuryProblem(
                    "reexamine_on", N_("Give the date of the re-examination (2026-03-16).")
                )
            )
        elif today is not None and day < today:
            problems.append(
                InjuryProblem("reexamine_on", N_("The re-examination date is in the past."))
            )
    start, end = _hour(payload.get("clock_from")), _hour(payload.get("clock_to"))
    if "bad" in (start, end):
        problems.append(
            InjuryProblem("clock_from", N_("Clock-face positions are hours from 1 to 12.")),
        )
    elif end is not None and start is None:
        problems.append(InjuryProblem("clock_from", N_("Give where the finding starts.")))
    position = payload.get("position") or None
    if position is not None and position not in {p.value for p in Position}:
        problems.append(InjuryProblem("position", N_("Choose the patient's position.")))
    elif start is not None and position is None:
        problems.append(
            InjuryProblem(
                "position",
                N_(
                    "A clock-face position only means something with the patient's position: "
                    "record it (supine / lithotomy or knee-chest)."
                ),
            )
        )
    if start is not None and diagram is not None and diagram.clock_centre is None:
        problems.append(
            InjuryProblem(
                "clock_from", N_("Clock-face positions are for genital and anal findings only.")
            )
        )
    if diagram is not None and diagram.child and is_genital(diagram) and tanner_stage is None:
        problems.append(
            InjuryProblem(
                "tanner_stage", N_("Record the child's Tanner stage before genital findings.")
            )
        )
    return problems


def is_genital(diagram: Diagram) -> bool:
    """A genital or anal diagram (where the Tanner stage and clock positions matter)."""
    return diagram.clock_centre is not None or diagram.id.endswith("genital")


def suggested_clock(diagram: Diagram, x: float, y: float, position: Position | None) -> int | None:
    """The clock-face hour of a point, as read in the patient's recorded position."""
    hour = clock_hour(diagram, x, y)
    if hour is None or position is None:
        return None
    if position is Position.KNEE_CHEST:
        return (hour + 5) % 12 + 1  # six hours round: 12 -> 6, 6 -> 12, 3 -> 9
    return hour


def normalise(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of a (checked) description: trimmed text, sizes to 0.1 mm."""
    out: dict[str, Any] = {
        "diagram": str(payload["diagram"]),
        "x": round(float(payload["x"]), 1),
        "y": round(float(payload["y"]), 1),
        "region": _text(payload, "region"),
        "type": str(payload["type"]),
    }
    for key in ("length_mm", "width_mm"):
        size = _size(payload, key)
        if isinstance(size, float):
            out[key] = size
    for key in ("colour", "shape", "edges", "pattern", "description", "reason"):
        text = _text(payload, key)
        if text:
            out[key] = text
    if payload.get("reexamine") is True:
        out["reexamine"] = True
        out["reexamine_on"] = _text(payload, "reexamine_on")
    if payload.get("position"):
        out["position"] = str(payload["position"])
    for key in ("clock_from", "clock_to"):
        if isinstance(payload.get(key), int) and not isinstance(payload.get(key), bool):
            out[key] = int(payload[key])
    return out


def record_from_payload(
    payload: Mapping[str, Any],
    entry_id: str,
    author: str,
    role: str,
    recorded_utc: datetime,
    supersedes: str | None,
) -> InjuryRecord:
    def size(key: str) -> float | None:
        value = payload.get(key)
        return float(value) if isinstance(value, int | float) else None

    def hour(key: str) -> int | None:
        value = payload.get(key)
        return int(value) if isinstance(value, int) else None

    position = payload.get("position")
    return InjuryRecord(
        id=str(payload["id"]),
        number=int(payload["number"]),
        diagram=str(payload["diagram"]),
        x=float(payload["x"]),
        y=float(payload["y"]),
        region=str(payload["region"]),
        type=InjuryType(payload["type"]),
        length_mm=size("length_mm"),
        width_mm=size("width_mm"),
        colour=_text(payload, "colour"),
        shape=_text(payload, "shape"),
        edges=_text(payload, "edges"),
        pattern=_text(payload, "pattern"),
        description=_text(payload, "description"),
        reexamine=bool(payload.get("reexamine", False)),
        reexamine_on=_text(payload, "reexamine_on"),
        position=Position(position) if position else None,
        clock_from=hour("clock_from"),
        clock_to=hour("clock_to"),
        status=Status(payload.get("status", Status.RECORDED)),
        reason=_text(payload, "reason"),
        entry_id=entry_id,
        author=author,
        role=role,
        recorded_utc=recorded_utc,
        supersedes=supersedes,
    )


def fold(injuries: Injuries, entry: Entry) -> None:
    """Apply one injury entry (recorded order) to the case's injury state."""
    kind, payload = entry.kind, entry.payload
    if kind == KIND_INJURY:
        record = record_from_payload(
            payload,
            entry.id,
            entry.author,
            entry.role,
            entry.at_utc,
            entry.supersedes,
        )
        injuries.current[record.id] = record
        injuries.history.setdefault(record.id, []).append(record)
    elif kind == KIND_NO_INJURY:
        voided = payload.get("void_of")
        if voided:
            injuries.none_found.pop(str(voided), None)
            return
        injuries.none_found[str(payload["id"])] = NoInjuryRecord(
            id=str(payload["id"]),
            diagram=_text(payload, "diagram"),
            region=_text(payload, "region"),
            note=_text(payload, "note"),
            entry_id=entry.id,
            author=entry.author,
            recorded_utc=entry.at_utc,
        )


def check_none_found(
    payload: Mapping[str, Any], diagrams: Mapping[str, Diagram]
) -> list[InjuryProblem]:
    """A "no injury found" finding: the whole body, a whole diagram, or one region."""
    diagram_id = _text(payload, "diagram")
    region = _text(payload, "region")
    if not diagram_id:
        return (
            [InjuryProblem("region", N_("A region belongs to a diagram: choose the diagram."))]
            if region
            else []
        )
    diagram = diagrams.get(diagram_id)
    if diagram is None:
        return [InjuryProblem("diagram", N_("Choose the diagram the injury is on."))]
    if region and region not in {r.id for r in diagram.regions}:
        return [InjuryProblem("region", N_("Choose the region of the body."))]
    return []


def contradictions(injuries: Injuries) -> list[tuple[NoInjuryRecord, InjuryRecord]]:
    """ "No injury found" findings that an injury in force lies in (recorded later or not):
    shown side by side, never resolved silently (a bruise can appear days later)."""
    pairs: list[tuple[NoInjuryRecord, InjuryRecord]] = []
    for finding in injuries.none_found.values():
        for injury in injuries.listed():
            if (
                finding.whole_body
                or (finding.region and finding.region == injury.region)  # on any view
                or (not finding.region and finding.diagram == injury.diagram)
            ):
                pairs.append((finding, injury))
    return pairs
