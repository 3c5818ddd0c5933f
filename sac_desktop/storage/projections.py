"""Projection tables for lists over many cases, rebuilt from entries (Qt-free)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sac_desktop.domain.clock import format_utc
from sac_desktop.domain.entries import (
    KIND_APPOINTMENT,
    KIND_CASE_CLOSED,
    KIND_CASE_OPENED,
    KIND_CASE_REOPENED,
    KIND_FOLLOWUP,
    Entry,
)
from sac_desktop.storage.records import iter_all_entries


@dataclass(frozen=True)
class CaseListRow:
    case_id: str
    number: str
    training: bool
    opened_utc: str
    last_activity_utc: str
    entry_count: int
    #: (UTC moment, item) at which the case's clock changes, sorted (format_utc text).
    deadlines: tuple[tuple[str, str], ...] = ()
    closed_utc: str | None = None  # when the case was closed (None: open)

    def next_deadline(self, now_utc: str) -> tuple[str, str] | None:
        """The first deadline after ``now_utc`` (format_utc text), or None."""
        return next((d for d in self.deadlines if d[0] > now_utc), None)


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
    if entry.kind == KIND_FOLLOWUP:
        p = entry.payload
        _followup(
            conn, entry.case_id, str(p["id"]), str(p["step"]), p, str(p.get("kind") or "visit")
        )
    elif entry.kind == KIND_APPOINTMENT:
        p = entry.payload
        _followup(conn, entry.case_id, f"appointment:{p['id']}", APPOINTMENT_STEP, p, PSYCHOLOGY)
    elif entry.kind == KIND_CASE_CLOSED:
        conn.execute(
            "UPDATE proj_case_list SET closed_utc = ? WHERE case_id = ?", (at, entry.case_id)
        )
    elif entry.kind == KIND_CASE_REOPENED:
        conn.execute(
            "UPDATE proj_case_list SET closed_utc = NULL WHERE case_id = ?", (entry.case_id,)
        )


#: The morning round's rows for psychological appointments: their kind and step.
PSYCHOLOGY = "psychology"
APPOINTMENT_STEP = "psychology_appointment"


def _followup(
    conn: Any, case_id: str, row_id: str, step: str, p: Mapping[str, Any], kind: str
) -> None:
    conn.execute(
        "INSERT INTO proj_followups (case_id, id, step, due_utc, until_utc, closes_utc,"
        " status, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, id) DO UPDATE"
        " SET step = excluded.step, due_utc = excluded.due_utc,"
        " until_utc = excluded.until_utc, closes_utc = excluded.closes_utc,"
        " status = excluded.status, kind = excluded.kind",
        (
            case_id,
            row_id,
            step,
            str(p["due_utc"]),
            p.get("until_utc"),
            max(str(p.get("until_utc") or p["due_utc"]), str(p["due_utc"])),
            str(p["status"]),
            kind,
        ),
    )


def case_list(conn: Any, limit: int = 500) -> list[CaseListRow]:
    return case_page(conn, CaseQuery(), 0, limit)


_COLUMNS = (
    "case_id, number, training, opened_utc, last_activity_utc, entry_count, deadlines, closed_utc"
)
_ORDER = "ORDER BY last_activity_utc DESC, number DESC"
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}")
#: How a page is cut. Walking the list in order (recency index) stops once the page is
#: full, so it suits queries matching many cases; with few matches it walks the whole
#: index, and with a filter that index does not hold (training, opened date) it reads the
#: table row by row. Then the matches are found first (a covering index scan) and only
#: they are sorted: for a search whose matches fit in the page, or up to this many
#: matches of such a filter. Measured in tests/benchmarks/bench_case_list.py.
FILTER_FIRST_MAX = 10_000


@dataclass(frozen=True)
class CaseQuery:
    """What the case list shows. Only the pseudonymous number is searchable: identity
    fields never are. Dates are UTC ISO 8601 text as ``format_utc`` writes it, or a
    prefix of it (``2026-03-14``); ``opened_from`` is inclusive, ``opened_to`` exclusive.
    """

    text: str = ""  # found anywhere in the case number, ignoring case
    training: bool | None = None  # None: training and real cases alike
    opened_from: str | None = None
    opened_to: str | None = None

    def __post_init__(self) -> None:
        for moment in (self.opened_from, self.opened_to):
            if moment is not None and not _MOMENT.match(moment):
                raise ValueError("dates are UTC ISO 8601 text, e.g. 2026-03-14")

    @property
    def needle(self) -> str:
        return self.text.strip()


def _where(query: CaseQuery) -> tuple[str, list[Any]]:
    """The filter, most selective and cheapest term first (the number is in both indexes)."""
    terms: list[str] = []
    values: list[Any] = []
    if query.needle:
        escaped = query.needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        terms.append("number LIKE ? ESCAPE '\\'")  # LIKE ignores ASCII case
        values.append(f"%{escaped}%")
    if query.opened_from is not None:
        terms.append("opened_utc >= ?")
        values.append(query.opened_from)
    if query.opened_to is not None:
        terms.append("opened_utc < ?")
        values.append(query.opened_to)
    if query.training is not None:
        terms.append("training = ?")
        values.append(int(query.training))
    return (" WHERE " + " AND ".join(terms)) if terms else "", values


def _outside_recency(query: CaseQuery) -> bool:
    """Whether the query filters on a column the recency index does not hold."""
    dated = query.opened_from is not None or query.opened_to is not None
    return dated or query.training is not None


def _filter_index(query: CaseQuery) -> str:
    """The index a filter scans. A search alone scans the recency index, which the page
    walk reads too: one index stays in the page cache. Alternating between two indexes
    made SQLCipher decrypt their pages again on every keystroke (~45 ms, not ~16 ms, at
    100,000 cases)."""
    if _outside_recency(query):
        return "proj_case_list_by_opened"
    return "proj_case_list_by_recency"


def _row(r: Any) -> CaseListRow:
    deadlines = tuple((str(at), str(item)) for at, item in json.loads(r[6] or "[]"))
    return CaseListRow(r[0], r[1], bool(r[2]), r[3], r[4], int(r[5]), deadlines, r[7])


def set_deadlines(conn: Any, case_id: str, deadlines: Sequence[tuple[str, str]]) -> None:
    """Replace a case's deadlines (kept by the services from the clock engine)."""
    text = json.dumps(sorted([list(d) for d in deadlines]), separators=(",", ":"))
    conn.execute("UPDATE proj_case_list SET deadlines = ? WHERE case_id = ?", (text, case_id))


def count_cases(conn: Any, query: CaseQuery) -> int:
    """How many cases the query matches (one covering index scan at most)."""
    where, values = _where(query)
    table = f"proj_case_list INDEXED BY {_filter_index(query)}" if where else "proj_case_list"
    return int(conn.execute(f"SELECT count(*) FROM {table}{where}", values).fetchone()[0])


def case_page(
    conn: Any, query: CaseQuery, offset: int, limit: int, *, matching: int | None = None
) -> list[CaseListRow]:
    """Rows ``offset`` to ``offset + limit`` of the list, most recent activity first.

    ``matching`` (the query's count, if the caller has it) only picks the plan: the
    rows returned are the same either way.
    """
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    if limit == 0:
        return []
    where, values = _where(query)
    outside_recency = _outside_recency(query)
    if outside_recency and matching is None:
        matching = count_cases(conn, query)
    few = FILTER_FIRST_MAX if outside_recency else limit
    if where and matching is not None and matching <= few:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM proj_case_list WHERE rowid IN"
            f" (SELECT rowid FROM proj_case_list INDEXED BY {_filter_index(query)}{where})"
            f" {_ORDER} LIMIT ? OFFSET ?",
            (*values, limit, offset),
        ).fetchall()
        return [_row(r) for r in rows]
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM proj_case_list INDEXED BY proj_case_list_by_recency{where}"
        f" {_ORDER} LIMIT ? OFFSET ?",
        (*values, limit, offset),
    ).fetchall()
    return [_row(r) for r in rows]


def insert_listed_cases(conn: Any, rows: Iterable[CaseListRow]) -> int:
    """Tests and benchmarks only: cases with their list rows and no entries (a rebuild
    of the projection drops them). Returns how many were written."""
    written = 0
    for row in rows:
        conn.execute(
            "INSERT INTO cases (id, number, created_utc) VALUES (?, ?, ?)",
            (row.case_id, row.number, row.opened_utc),
        )
        conn.execute(
            f"INSERT INTO proj_case_list ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.case_id,
                row.number,
                int(row.training),
                row.opened_utc,
                row.last_activity_utc,
                row.entry_count,
                json.dumps([list(d) for d in row.deadlines]),
                row.closed_utc,
            ),
        )
        written += 1
    return written


@dataclass(frozen=True)
class FollowUpRow:
    case_id: str
    number: str
    id: str
    step: str
    due_utc: str
    until_utc: str | None
    status: str
    kind: str = "visit"  # "visit", "call" or "psychology"


_FOLLOWUP_COLUMNS = "f.case_id, c.number, f.id, f.step, f.due_utc, f.until_utc, f.status, f.kind"
ALL_KINDS = ("visit", "call", PSYCHOLOGY)


def _kinds(kinds: Sequence[str]) -> tuple[str, list[str]]:
    """An ``IN`` clause for the kinds of follow-up a reader may see."""
    chosen = [k for k in ALL_KINDS if k in kinds]
    return f"f.kind IN ({', '.join('?' * len(chosen)) or 'NULL'})", chosen


def overdue_followups(
    conn: Any, day_start: str, limit: int, kinds: Sequence[str] = ALL_KINDS
) -> list[FollowUpRow]:
    """Planned follow-ups whose window closed before ``day_start``, the latest first."""
    clause, chosen = _kinds(kinds)
    rows = conn.execute(
        f"SELECT {_FOLLOWUP_COLUMNS} FROM proj_followups f INDEXED BY proj_followups_by_close"
        " JOIN proj_case_list c ON c.case_id = f.case_id"
        f" WHERE f.status = 'planned' AND f.closes_utc < ? AND {clause}"
        " ORDER BY f.closes_utc DESC LIMIT ?",
        (day_start, *chosen, limit),
    ).fetchall()
    return [FollowUpRow(*row) for row in rows]


def count_overdue_followups(conn: Any, day_start: str, kinds: Sequence[str] = ALL_KINDS) -> int:
    clause, chosen = _kinds(kinds)
    return int(
        conn.execute(
            "SELECT count(*) FROM proj_followups f INDEXED BY proj_followups_by_close"
            f" WHERE f.status = 'planned' AND f.closes_utc < ? AND {clause}",
            (day_start, *chosen),
        ).fetchone()[0]
    )


def open_followups(
    conn: Any,
    day_start: str,
    due_since: str,
    due_before: str,
    limit: int,
    kinds: Sequence[str] = ALL_KINDS,
) -> list[FollowUpRow]:
    """Planned follow-ups still open on ``day_start`` and due before ``due_before``,
    soonest first (today's and this week's). ``due_since`` bounds the index range: no
    window stays open longer than the protocol's longest (the caller knows it)."""
    clause, chosen = _kinds(kinds)
    rows = conn.execute(
        f"SELECT {_FOLLOWUP_COLUMNS} FROM proj_followups f INDEXED BY proj_followups_by_due"
        " JOIN proj_case_list c ON c.case_id = f.case_id"
        " WHERE f.status = 'planned' AND f.due_utc >= ? AND f.due_utc < ?"
        f" AND f.closes_utc >= ? AND {clause} ORDER BY f.due_utc LIMIT ?",
        (due_since, due_before, day_start, *chosen, limit),
    ).fetchall()
    return [FollowUpRow(*row) for row in rows]


def planned_followups(
    conn: Any, before_utc: str, limit: int, kinds: Sequence[str] = ALL_KINDS
) -> list[FollowUpRow]:
    """Every planned follow-up due before ``before_utc``, soonest first."""
    clause, chosen = _kinds(kinds)
    rows = conn.execute(
        f"SELECT {_FOLLOWUP_COLUMNS} FROM proj_followups f INDEXED BY proj_followups_by_due"
        " JOIN proj_case_list c ON c.case_id = f.case_id"
        f" WHERE f.status = 'planned' AND f.due_utc < ? AND {clause}"
        " ORDER BY f.due_utc LIMIT ?",
        (before_utc, *chosen, limit),
    ).fetchall()
    return [FollowUpRow(*row) for row in rows]


def insert_followup_rows(conn: Any, rows: Iterable[FollowUpRow]) -> int:
    """Benchmarks only: follow-up rows without their entries (a rebuild drops them)."""
    written = 0
    for row in rows:
        conn.execute(
            "INSERT INTO proj_followups (case_id, id, step, due_utc, until_utc, closes_utc,"
            " status, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.case_id,
                row.id,
                row.step,
                row.due_utc,
                row.until_utc,
                max(row.until_utc or row.due_utc, row.due_utc),
                row.status,
                row.kind,
            ),
        )
        written += 1
    return written


def rebuild_case_list(conn: Any) -> None:
    """Throw the projections away and fold every entry into them again (the services then
    set each case's deadlines: they need the clock engine and the case's protocol)."""
    conn.execute("DELETE FROM proj_followups")
    conn.execute("DELETE FROM proj_case_list")
    for entry in iter_all_entries(conn):
        apply_entry(conn, entry)


def case_closed(conn: Any, case_id: str) -> bool:
    """Whether the case is closed (its list row: kept with the closing entry)."""
    row = conn.execute(
        "SELECT closed_utc FROM proj_case_list WHERE case_id = ?", (case_id,)
    ).fetchone()
    return row is not None and row[0] is not None
