"""Projection tables for lists over many cases, rebuilt from entries (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sac_desktop.domain.clock import format_utc
from sac_desktop.domain.entries import KIND_CASE_OPENED, Entry
from sac_desktop.storage.records import iter_all_entries


@dataclass(frozen=True)
class CaseListRow:
    case_id: str
    number: str
    training: bool
    opened_utc: str
    last_activity_utc: str
    entry_count: int


def apply_entry(conn: Any, entry: Entry) -> None:
    """Keep the projection current as an entry is written (same transaction)."""
    at = format_utc(entry.at_utc)
    if entry.kind == KIND_CASE_OPENED:
        conn.execute(
            "INSERT INTO proj_case_list (case_id, number, training, opened_utc,"
            " last_activity_utc, entry_count) VALUES (?, ?, ?, ?, ?, 1)",
            (
                entry.case_id,
                str(entry.payload["case_number"]),
                int(bool(entry.payload.get("training", False))),
                at,
                at,
            ),
        )
    else:
        conn.execute(
            "UPDATE proj_case_list SET entry_count = entry_count + 1,"
            " last_activity_utc = max(last_activity_utc, ?) WHERE case_id = ?",
            (at, entry.case_id),
        )


def case_list(conn: Any, limit: int = 500) -> list[CaseListRow]:
    rows = conn.execute(
        "SELECT case_id, number, training, opened_utc, last_activity_utc, entry_count"
        " FROM proj_case_list ORDER BY last_activity_utc DESC, number DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [CaseListRow(r[0], r[1], bool(r[2]), r[3], r[4], int(r[5])) for r in rows]


def rebuild_case_list(conn: Any) -> None:
    """Throw the projection away and fold every entry into it again."""
    conn.execute("DELETE FROM proj_case_list")
    for entry in iter_all_entries(conn):
        apply_entry(conn, entry)
