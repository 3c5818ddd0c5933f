"""A case's clock: its intake values through the clock engine, under its protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sac_desktop.domain.deadlines import CaseClock, evaluate
from sac_desktop.domain.intake import conditions, exposures, section_values
from sac_desktop.domain.protocol import Protocol
from sac_desktop.domain.state import CaseState, FieldVersion
from sac_desktop.services.protocols import ProtocolRegistry

#: Sections whose values change the clock (episodes, and the conditions of its items).
CLOCK_SECTIONS = frozenset({"assault", "medical", "risks"})


def case_values(
    state: CaseState, overlay: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """The case's values by section; ``overlay`` (drafts being typed) wins per field."""
    values = section_values({k: v.value for k, v in state.fields.items() if not v.hidden})
    for section, fields in (overlay or {}).items():
        values.setdefault(section, {}).update(fields)
    return values


def case_clock(
    state: CaseState,
    registry: ProtocolRegistry,
    now: datetime,
    zone: str,
    overlay: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[CaseClock, Protocol, bool]:
    """The clock of a case (its current values, and drafts if given) at ``now``; the
    protocol used, and whether it is the one the case was opened under."""
    protocol, exact = registry.for_case(state.protocol)
    values = case_values(state, overlay)
    clock = evaluate(protocol, exposures(values, zone, now), conditions(values), now)
    return clock, protocol, exact


def overlay_state(state: CaseState, drafts: Mapping[str, Mapping[str, Any]]) -> CaseState:
    """A copy of ``state`` whose fields show the drafts being typed (for derived views
    only: never written)."""
    fields = dict(state.fields)
    moment = state.last_activity_utc or datetime.min.replace(tzinfo=UTC)
    for section, values in drafts.items():
        for name, value in values.items():
            fields[f"{section}.{name}"] = FieldVersion(value, "draft", "", "", moment, None)
    return replace(state, fields=fields)
