"""Small builders for synthetic cases in tests."""

from __future__ import annotations

from typing import Any

from sac_desktop.services.record import RecordService


def consent(
    record: RecordService, case_id: str, item: str, decision: str = "given", **more: Any
) -> str:
    """The person's own decision on ``item`` at 03:20 (a withdrawal says what stops)."""
    payload: dict[str, Any] = {
        "item": item,
        "decision": decision,
        "given_by": "person",
        "at_local": "2026-03-14 03:20",
        "interpreter": False,
        **more,
    }
    if decision in ("withdrawn", "refused") and "explained" not in payload:
        payload["explained"] = "synthetic: what stops was explained"
    return record.record_consent(case_id, payload)
