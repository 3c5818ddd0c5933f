"""Injuries on body diagrams and "no injury found", as use cases (Qt-free).

Every change is an entry written with its audit record in one transaction; moving a
marker is an amendment like any other. Recording injuries needs the examination consent
(medical care or the forensic examination) in force. The rules are the domain's
(``domain.injuries``); the diagrams are data (``domain.diagrams``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sac_desktop.domain import injuries as inj
from sac_desktop.domain.diagrams import Diagram
from sac_desktop.domain.entries import new_id
from sac_desktop.domain.intake import age_years, date_of_birth, section_values
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import N_
from sac_desktop.services.diagrams import load_diagrams
from sac_desktop.services.permissions import Area, Op, require
from sac_desktop.services.record import ConsentMissing, RecordService

InjuryProblem = inj.InjuryProblem

#: Either consent lets staff examine and record what they see.
EXAMINATION_CONSENTS = ("forensic_exam", "medical_care")
#: Below this age the child diagrams are offered first (prepubertal proportions).
CHILD_DIAGRAM_AGE = 12


class InjuryRefused(ValueError):
    """A change the record cannot take (an unknown injury, one entered in error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message  # a msgid


class InjuryProblems(ValueError):
    """The description is incomplete or wrong: each problem names its field."""

    def __init__(self, problems: list[inj.InjuryProblem]) -> None:
        super().__init__(", ".join(p.field for p in problems))
        self.problems = problems


class InjuryService:
    def __init__(
        self, record: RecordService, diagrams: Mapping[str, Diagram] | None = None
    ) -> None:
        self.record = record
        self._diagrams = diagrams

    @property
    def diagrams(self) -> Mapping[str, Diagram]:
        """The shipped diagrams, read when first needed (not at every sign-in: 85 ms)."""
        if self._diagrams is None:
            self._diagrams = load_diagrams()
        return self._diagrams

    # -- reads ------------------------------------------------------------------------
    def injuries(self, state: CaseState) -> list[inj.InjuryRecord]:
        """The injuries in force of an opened case, by number."""
        require(self.record.actor, Area.CASE, Op.READ)
        return state.injuries.listed()

    def history(self, state: CaseState, injury_id: str) -> list[inj.InjuryRecord]:
        """Every version of one injury (moves and descriptions), oldest first."""
        require(self.record.actor, Area.CASE, Op.READ)
        return list(state.injuries.history.get(injury_id, []))

    def none_found(self, state: CaseState) -> list[inj.NoInjuryRecord]:
        require(self.record.actor, Area.CASE, Op.READ)
        return sorted(state.injuries.none_found.values(), key=lambda r: r.recorded_utc)

    def contradictions(self, state: CaseState) -> list[tuple[inj.NoInjuryRecord, inj.InjuryRecord]]:
        require(self.record.actor, Area.CASE, Op.READ)
        return inj.contradictions(state.injuries)

    def tanner_stage(self, state: CaseState) -> int | None:
        value = state.value("examination.tanner_stage")
        return value if isinstance(value, int) and value in inj.TANNER_STAGES else None

    def prefers_child_diagrams(self, state: CaseState) -> bool:
        """Whether the child diagrams come first: a young child by age or date of birth
        (the date of birth counts even while hidden from the reader)."""
        full = self.record.full_state(state)
        values = section_values({k: v.value for k, v in full.fields.items()})
        age = age_years(values)
        dob = date_of_birth(values)
        if dob is not None:
            today = self._today()
            age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
        return age is not None and age < CHILD_DIAGRAM_AGE

    def region_at(self, diagram: str, x: float, y: float) -> str | None:
        found = self.diagrams.get(diagram)
        return None if found is None else found.region_at(x, y)

    def suggested_clock(
        self, diagram: str, x: float, y: float, position: inj.Position | None
    ) -> int | None:
        found = self.diagrams.get(diagram)
        return None if found is None else inj.suggested_clock(found, x, y, position)

    # -- writes -----------------------------------------------------------------------
    def _today(self) -> date:
        return self.record.clock.now_utc().astimezone(ZoneInfo(self.record.clock.zone)).date()

    def _check_consent(self, state: CaseState) -> None:
        if not any(
            (c := state.consents.get(item)) is not None and c.in_force
            for item in EXAMINATION_CONSENTS
        ):
            raise ConsentMissing("forensic_exam")

    def _checked(
        self,
        state: CaseState,
        values: Mapping[str, Any],
        previous: inj.InjuryRecord | None,
    ) -> dict[str, Any]:
        # A re-examination date already on record may lie in the past by now.
        kept_date = previous is not None and values.get("reexamine_on") == previous.reexamine_on
        problems = inj.check_injury(
            values,
            self.diagrams,
            tanner_stage=self.tanner_stage(state),
            today=None if kept_date else self._today(),
        )
        if problems:
            raise InjuryProblems(problems)
        return inj.normalise(values)

    def record_injury(self, case_id: str, values: Mapping[str, Any]) -> str:
        """A new numbered injury; returns its id. ``values`` as :func:`inj.check_injury`."""
        with self.record.vault.transaction() as conn:
            state = self.record.state_for_write(conn, case_id)
            self._check_consent(state)
            payload = self._checked(state, values, None)
            injury_id = new_id()
            payload.update(
                id=injury_id, number=state.injuries.next_number(), status=inj.Status.RECORDED
            )
            self.record.append(conn, state, inj.KIND_INJURY, payload)
        return injury_id

    def _current(self, state: CaseState, injury_id: str) -> inj.InjuryRecord:
        current = state.injuries.current.get(injury_id)
        if current is None:
            raise InjuryRefused(N_("That injury is not in this case."))
        if not current.active:
            raise InjuryRefused(N_("That injury was entered in error; it cannot be changed."))
        return current

    def amend(
        self, case_id: str, injury_id: str, values: Mapping[str, Any], reason: str = ""
    ) -> str:
        """A new version of an injury (its whole description); returns the entry id."""
        with self.record.vault.transaction() as conn:
            state = self.record.state_for_write(conn, case_id)
            self._check_consent(state)
            current = self._current(state, injury_id)
            payload = self._checked(state, values, current)
            if reason.strip():
                payload["reason"] = reason.strip()
            else:
                payload.pop("reason", None)
            if payload == _comparable(current, payload):
                return current.entry_id  # nothing changed: no entry
            payload.update(id=injury_id, number=current.number, status=inj.Status.RECORDED)
            return self.record.append(
                conn, state, inj.KIND_INJURY, payload, supersedes=current.entry_id
            )

    def move(self, case_id: str, injury_id: str, x: float, y: float) -> str:
        """Move a marker (an amendment). Its region follows the new position when it was
        the one the old position gave; a region chosen by hand is kept."""
        with self.record.vault.transaction() as conn:
            state = self.record.state_for_write(conn, case_id)
            current = self._current(state, injury_id)
        diagram = self.diagrams.get(current.diagram)
        values = values_of(current)
        values.update(x=x, y=y)
        if diagram is not None and current.region == diagram.region_at(current.x, current.y):
            values["region"] = diagram.region_at(x, y) or current.region
        return self.amend(case_id, injury_id, values)

    def enter_in_error(self, case_id: str, injury_id: str, reason: str) -> str:
        """The injury leaves the list and the diagram; its number is not reused."""
        if not reason.strip():
            raise InjuryRefused(N_("Give the reason why this injury was entered in error."))
        with self.record.vault.transaction() as conn:
            state = self.record.state_for_write(conn, case_id)
            current = self._current(state, injury_id)
            payload = inj.normalise(values_of(current))
            payload.update(
                id=injury_id,
                number=current.number,
                status=inj.Status.ENTERED_IN_ERROR,
                reason=reason.strip(),
            )
            return self.record.append(
                conn, state, inj.KIND_INJURY, payload, supersedes=current.entry_id
            )

    def record_none_found(
        self, case_id: str, diagram: str = "", region: str = "", note: str = ""
    ) -> str:
        """ "No injury found" on the whole body (no diagram), a diagram, or one region."""
        values = {"diagram": diagram, "region": region}
        problems = inj.check_none_found(values, self.diagrams)
        if problems:
            raise InjuryProblems(problems)
        with self.record.vault.transaction() as conn:
            state = self.record.state_for_write(conn, case_id)
            self._check_consent(state)
            record_id = new_id()
            payload = {"id": record_id, **{k: v for k, v in values.items() if v}}
            if note.strip():
                payload["note"] = note.strip()
            self.record.append(conn, state, inj.KIND_NO_INJURY, payload)
        return record_id

    def withdraw_none_found(self, case_id: str, record_id: str, reason: str) -> str:
        """A "no injury found" entered in error (both stay in the history)."""
        if not reason.strip():
            raise InjuryRefused(N_("Give the reason why this finding is withdrawn."))
        with self.record.vault.transaction() as conn:
            state = self.record.state_for_write(conn, case_id)
            current = state.injuries.none_found.get(record_id)
            if current is None:
                raise InjuryRefused(N_("That finding is not in force in this case."))
            return self.record.append(
                conn,
                state,
                inj.KIND_NO_INJURY,
                {"id": new_id(), "void_of": record_id, "reason": reason.strip()},
                supersedes=current.entry_id,
            )

    def set_tanner_stage(self, case_id: str, stage: int) -> list[str]:
        if stage not in inj.TANNER_STAGES:
            raise InjuryRefused(N_("The Tanner stage is a number from 1 to 5."))
        return self.record.record_fields(case_id, "examination", {"tanner_stage": stage})


def values_of(record: inj.InjuryRecord) -> dict[str, Any]:
    """The form values of an injury version (what :meth:`InjuryService.amend` takes)."""
    values: dict[str, Any] = {
        "diagram": record.diagram,
        "x": record.x,
        "y": record.y,
        "region": record.region,
        "type": record.type.value,
        "length_mm": record.length_mm,
        "width_mm": record.width_mm,
        "colour": record.colour,
        "shape": record.shape,
        "edges": record.edges,
        "pattern": record.pattern,
        "description": record.description,
        "reexamine": record.reexamine,
        "reexamine_on": record.reexamine_on,
        "position": record.position.value if record.position else "",
        "clock_from": record.clock_from,
        "clock_to": record.clock_to,
    }
    return values


def _comparable(record: inj.InjuryRecord, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of ``record``, with the reason of ``payload`` (to detect no change)."""
    stored = inj.normalise(values_of(record))
    if "reason" in payload:
        stored["reason"] = payload["reason"]
    return stored
