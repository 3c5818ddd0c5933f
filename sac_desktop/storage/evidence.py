"""The evidence projection: every item of every case, for the coordinator's view and a
police inspector's handovers (Qt-free). Rows are written by services.evidence in the
transaction of the entries they follow; they are derived data, never the record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_COLUMNS = (
    "case_id, item_id, case_number, kit_number, item_number, kind, text, state, at_centre,"
    " retention_until, complaint, handed_entry, handed_local, unconfirmed"
)


@dataclass(frozen=True)
class EvidenceRow:
    case_id: str
    item_id: str
    case_number: str
    kit_number: str
    item_number: str
    kind: str
    text: str
    state: str
    at_centre: bool
    retention_until: str | None  # ISO date
    complaint: str
    handed_entry: str | None  # the custody move that handed it to justice
    handed_local: str | None
    unconfirmed: bool  # handed over, its receipt not yet recorded

    def values(self) -> tuple[object, ...]:
        return (
            self.case_id,
            self.item_id,
            self.case_number,
            self.kit_number,
            self.item_number,
            self.kind,
            self.text,
            self.state,
            int(self.at_centre),
            self.retention_until,
            self.complaint,
            self.handed_entry,
            self.handed_local,
            int(self.unconfirmed),
        )


def _row(r: Any) -> EvidenceRow:
    return EvidenceRow(
        str(r[0]),
        str(r[1]),
        str(r[2]),
        str(r[3]),
        str(r[4]),
        str(r[5]),
        str(r[6]),
        str(r[7]),
        bool(r[8]),
        r[9],
        str(r[10]),
        r[11],
        r[12],
        bool(r[13]),
    )


def put_rows(conn: Any, rows: Iterable[EvidenceRow]) -> int:
    count = 0
    for row in rows:
        conn.execute(
            f"INSERT INTO proj_evidence ({_COLUMNS}) VALUES ({', '.join('?' * 14)})"
            " ON CONFLICT(case_id, item_id) DO UPDATE SET"
            " case_number = excluded.case_number, kit_number = excluded.kit_number,"
            " item_number = excluded.item_number, kind = excluded.kind, text = excluded.text,"
            " state = excluded.state, at_centre = excluded.at_centre,"
            " retention_until = excluded.retention_until, complaint = excluded.complaint,"
            " handed_entry = excluded.handed_entry, handed_local = excluded.handed_local,"
            " unconfirmed = excluded.unconfirmed",
            row.values(),
        )
        count += 1
    return count


def kept_until(conn: Any, before: str, limit: int, after: str | None = None) -> list[EvidenceRow]:
    """Items at the centre with no complaint filed whose retention date is before
    ``before`` (and on or after ``after``), soonest first."""
    sql = (
        f"SELECT {_COLUMNS} FROM proj_evidence INDEXED BY proj_evidence_kept"
        " WHERE at_centre = 1 AND retention_until < ? AND complaint != 'filed'"
    )
    params: list[Any] = [before]
    if after is not None:
        sql += " AND retention_until >= ?"
        params.append(after)
    sql += " ORDER BY retention_until, case_number, item_number LIMIT ?"
    return [_row(r) for r in conn.execute(sql, (*params, limit))]


def count_kept_until(conn: Any, before: str, after: str | None = None) -> int:
    sql = (
        "SELECT count(*) FROM proj_evidence INDEXED BY proj_evidence_kept"
        " WHERE at_centre = 1 AND retention_until < ? AND complaint != 'filed'"
    )
    params: list[Any] = [before]
    if after is not None:
        sql += " AND retention_until >= ?"
        params.append(after)
    return int(conn.execute(sql, params).fetchone()[0])


def at_centre(conn: Any, limit: int) -> list[EvidenceRow]:
    return [
        _row(r)
        for r in conn.execute(
            f"SELECT {_COLUMNS} FROM proj_evidence INDEXED BY proj_evidence_kept"
            " WHERE at_centre = 1 ORDER BY retention_until, case_number, item_number LIMIT ?",
            (limit,),
        )
    ]


def count_at_centre(conn: Any) -> int:
    return int(
        conn.execute(
            "SELECT count(*) FROM proj_evidence INDEXED BY proj_evidence_kept WHERE at_centre = 1"
        ).fetchone()[0]
    )


def unconfirmed(conn: Any, limit: int) -> list[EvidenceRow]:
    return [
        _row(r)
        for r in conn.execute(
            f"SELECT {_COLUMNS} FROM proj_evidence INDEXED BY proj_evidence_unconfirmed"
            " WHERE unconfirmed = 1 ORDER BY handed_local, case_number, item_number LIMIT ?",
            (limit,),
        )
    ]


def count_unconfirmed(conn: Any) -> int:
    return int(
        conn.execute(
            "SELECT count(*) FROM proj_evidence INDEXED BY proj_evidence_unconfirmed"
            " WHERE unconfirmed = 1"
        ).fetchone()[0]
    )


@dataclass(frozen=True)
class HandoverRow:
    move_entry: str
    case_id: str
    item_id: str
    account: str
    case_number: str
    kit_number: str
    item_number: str
    text: str
    move: str
    at_local: str
    released_by: str
    seal_number: str
    confirmed_local: str | None


_HANDOVER = (
    "move_entry, case_id, item_id, account, case_number, kit_number, item_number, text,"
    " move, at_local, released_by, seal_number, confirmed_local"
)


def put_handover(conn: Any, row: HandoverRow) -> None:
    conn.execute(
        f"INSERT INTO proj_handovers ({_HANDOVER}) VALUES ({', '.join('?' * 13)})",
        (
            row.move_entry,
            row.case_id,
            row.item_id,
            row.account,
            row.case_number,
            row.kit_number,
            row.item_number,
            row.text,
            row.move,
            row.at_local,
            row.released_by,
            row.seal_number,
            row.confirmed_local,
        ),
    )


def confirm_handover(conn: Any, move_entry: str, at_local: str) -> None:
    conn.execute(
        "UPDATE proj_handovers SET confirmed_local = ? WHERE move_entry = ?", (at_local, move_entry)
    )


def handovers_to(conn: Any, account: str, limit: int = 500) -> list[HandoverRow]:
    """The handovers this inspector took part in, newest first."""
    return [
        HandoverRow(*(r[i] for i in range(13)))
        for r in conn.execute(
            f"SELECT {_HANDOVER} FROM proj_handovers INDEXED BY proj_handovers_by_account"
            " WHERE account = ? ORDER BY at_local DESC LIMIT ?",
            (account, limit),
        )
    ]


def handover(conn: Any, move_entry: str) -> HandoverRow | None:
    r = conn.execute(
        f"SELECT {_HANDOVER} FROM proj_handovers WHERE move_entry = ?", (move_entry,)
    ).fetchone()
    return None if r is None else HandoverRow(*(r[i] for i in range(13)))
