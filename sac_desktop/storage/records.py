"""Repositories over the vault's tables: cases, entries, drafts, meta (Qt-free).

Functions take a connection inside the caller's transaction; the services decide what
goes together.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sac_desktop.domain.clock import format_utc, parse_utc
from sac_desktop.domain.entries import Entry, entry_hash

_ENTRY_COLUMNS = (
    "id, case_id, kind, schema_version, payload, author, role, at_utc, tz, "
    "utc_offset_min, protocol_version, supersedes, seq"
)


# -- meta ---------------------------------------------------------------------------------
def get_meta(conn: Any, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(conn: Any, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


# -- cases --------------------------------------------------------------------------------
def next_case_sequence(conn: Any, centre: str, workstation: str, year: int) -> int:
    row = conn.execute(
        "INSERT INTO case_sequences (centre, workstation, year, last) VALUES (?, ?, ?, 1)"
        " ON CONFLICT(centre, workstation, year) DO UPDATE SET last = last + 1"
        " RETURNING last",
        (centre, workstation, year),
    ).fetchone()
    return int(row[0])


def insert_case(conn: Any, case_id: str, number: str, created_utc: str) -> None:
    conn.execute(
        "INSERT INTO cases (id, number, created_utc) VALUES (?, ?, ?)",
        (case_id, number, created_utc),
    )


def case_ids(conn: Any) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT id FROM cases ORDER BY created_utc, id")]


def case_exists(conn: Any, case_id: str) -> bool:
    return conn.execute("SELECT 1 FROM cases WHERE id = ?", (case_id,)).fetchone() is not None


# -- entries ------------------------------------------------------------------------------
def insert_entry(conn: Any, entry: Entry) -> int:
    cursor = conn.execute(
        "INSERT INTO entries (id, case_id, kind, schema_version, payload, author, role,"
        " at_utc, tz, utc_offset_min, protocol_version, supersedes)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        entry.stored_fields(),
    )
    return int(cursor.lastrowid)


def _entry_from_row(row: Any) -> Entry:
    return Entry(
        id=row[0],
        case_id=row[1],
        kind=row[2],
        schema_version=int(row[3]),
        payload=json.loads(row[4]),
        author=row[5],
        role=row[6],
        at_utc=parse_utc(row[7]),
        tz=row[8],
        utc_offset_min=int(row[9]),
        protocol_version=row[10],
        supersedes=row[11],
        seq=int(row[12]),
    )


def entries_for_case(conn: Any, case_id: str) -> list[Entry]:
    rows = conn.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE case_id = ? ORDER BY seq", (case_id,)
    ).fetchall()
    return [_entry_from_row(row) for row in rows]


def get_entry(conn: Any, entry_id: str) -> Entry | None:
    row = conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE id = ?", (entry_id,)).fetchone()
    return None if row is None else _entry_from_row(row)


def iter_all_entries(conn: Any) -> Iterator[Entry]:
    for row in conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM entries ORDER BY seq"):
        yield _entry_from_row(row)


def stored_entry_hashes(conn: Any) -> dict[str, str]:
    """Entry id -> hash of the entry *as stored* (raw columns, no parsing, no upcasting)."""
    hashes: dict[str, str] = {}
    for row in conn.execute(
        "SELECT id, case_id, kind, schema_version, payload, author, role, at_utc, tz,"
        " utc_offset_min, protocol_version, supersedes FROM entries ORDER BY seq"
    ):
        hashes[row[0]] = entry_hash(tuple(row))
    return hashes


def count_entries(conn: Any) -> int:
    return int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])


# -- drafts -------------------------------------------------------------------------------
def upsert_draft(
    conn: Any, author: str, case_id: str, section: str, payload: dict[str, Any], updated: str
) -> None:
    conn.execute(
        "INSERT INTO drafts (author, case_id, section, payload, updated_utc)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(author, case_id, section)"
        " DO UPDATE SET payload = excluded.payload, updated_utc = excluded.updated_utc",
        (author, case_id, section, json.dumps(payload, ensure_ascii=False), updated),
    )


def get_draft(conn: Any, author: str, case_id: str, section: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT payload FROM drafts WHERE author = ? AND case_id = ? AND section = ?",
        (author, case_id, section),
    ).fetchone()
    return None if row is None else dict(json.loads(row[0]))


def list_drafts(conn: Any, author: str) -> list[tuple[str, str, str]]:
    rows = conn.execute(
        "SELECT case_id, section, updated_utc FROM drafts WHERE author = ? ORDER BY updated_utc",
        (author,),
    ).fetchall()
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def delete_draft(conn: Any, author: str, case_id: str, section: str) -> None:
    conn.execute(
        "DELETE FROM drafts WHERE author = ? AND case_id = ? AND section = ?",
        (author, case_id, section),
    )


__all__ = ["format_utc"]
