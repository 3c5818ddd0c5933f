"""Accounts, certificate revocations, notices and settings tables (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AccountRow:
    id: str
    username: str
    display_name: str
    role: str
    active: bool
    language: str | None
    certificate_pem: str | None


_COLUMNS = "id, username, display_name, role, active, language, certificate_pem"


def _row(row: Any) -> AccountRow:
    return AccountRow(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6])


def insert_account(conn: Any, account: AccountRow, now: str) -> None:
    conn.execute(
        f"INSERT INTO accounts ({_COLUMNS}, created_utc, updated_utc)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            account.id,
            account.username,
            account.display_name,
            account.role,
            int(account.active),
            account.language,
            account.certificate_pem,
            now,
            now,
        ),
    )


def update_account(conn: Any, account: AccountRow, now: str) -> None:
    conn.execute(
        "UPDATE accounts SET username = ?, display_name = ?, role = ?, active = ?,"
        " language = ?, certificate_pem = ?, updated_utc = ? WHERE id = ?",
        (
            account.username,
            account.display_name,
            account.role,
            int(account.active),
            account.language,
            account.certificate_pem,
            now,
            account.id,
        ),
    )


def get_account(conn: Any, account_id: str) -> AccountRow | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE id = ?", (account_id,)).fetchone()
    return None if row is None else _row(row)


def list_accounts(conn: Any) -> list[AccountRow]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM accounts ORDER BY display_name").fetchall()
    return [_row(r) for r in rows]


def revoke_certificate(conn: Any, serial: str, account_id: str, now: str, reason: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO certificate_revocations (serial, account_id, revoked_utc, reason)"
        " VALUES (?, ?, ?, ?)",
        (serial, account_id, now, reason),
    )


def revocations(conn: Any) -> list[tuple[str, str, str]]:
    return [
        (str(r[0]), str(r[1]), str(r[2]))
        for r in conn.execute(
            "SELECT serial, revoked_utc, reason FROM certificate_revocations ORDER BY revoked_utc"
        )
    ]


def add_notice(
    conn: Any, audience_role: str, kind: str, subject: str | None, reason: str | None, now: str
) -> None:
    conn.execute(
        "INSERT INTO notices (audience_role, kind, subject_account, reason, created_utc)"
        " VALUES (?, ?, ?, ?, ?)",
        (audience_role, kind, subject, reason, now),
    )


def unseen_notices(
    conn: Any, account_id: str, role: str
) -> list[tuple[int, str, str | None, str | None, str]]:
    rows = conn.execute(
        "SELECT n.id, n.kind, n.subject_account, n.reason, n.created_utc FROM notices n"
        " WHERE n.audience_role = ? AND NOT EXISTS (SELECT 1 FROM notices_seen s"
        " WHERE s.notice_id = n.id AND s.account_id = ?) ORDER BY n.id",
        (role, account_id),
    ).fetchall()
    return [(int(r[0]), str(r[1]), r[2], r[3], str(r[4])) for r in rows]


def mark_notice_seen(conn: Any, notice_id: int, account_id: str, now: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO notices_seen (notice_id, account_id, seen_utc) VALUES (?, ?, ?)",
        (notice_id, account_id, now),
    )


def get_setting(conn: Any, key: str) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_setting(conn: Any, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
