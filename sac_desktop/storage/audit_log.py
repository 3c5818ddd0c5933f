"""The audit table: append and read chain records (Qt-free)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sac_desktop.domain.audit import AuditRecord

_COLUMNS = (
    "seq, chain, actor, role, action, case_id, entry_id, entry_hash, at_utc, reason,"
    " prev_hash, hash"
)


def _record(row: Any) -> AuditRecord:
    return AuditRecord(int(row[0]), *row[1:])


def last_record(conn: Any, chain: str) -> AuditRecord | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM audit WHERE chain = ? ORDER BY seq DESC LIMIT 1", (chain,)
    ).fetchone()
    return None if row is None else _record(row)


def append(conn: Any, record: AuditRecord) -> None:
    conn.execute(
        f"INSERT INTO audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.seq,
            record.chain,
            record.actor,
            record.role,
            record.action,
            record.case_id,
            record.entry_id,
            record.entry_hash,
            record.at_utc,
            record.reason,
            record.prev_hash,
            record.hash,
        ),
    )


def iter_all(conn: Any) -> Iterator[AuditRecord]:
    for row in conn.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY seq"):
        yield _record(row)


def records_for_case(conn: Any, case_id: str) -> list[AuditRecord]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM audit WHERE case_id = ? ORDER BY seq", (case_id,)
    ).fetchall()
    return [_record(row) for row in rows]


def record_at(conn: Any, seq: int) -> AuditRecord | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM audit WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else _record(row)


def records_with_action(conn: Any, action: str, limit: int = 50) -> list[AuditRecord]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM audit WHERE action = ? ORDER BY seq DESC LIMIT ?", (action, limit)
    ).fetchall()
    return [_record(row) for row in rows]
