"""The record cannot be changed in place: the database itself refuses."""

from __future__ import annotations

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from sac_desktop.services.session import Session


@pytest.fixture
def conn(session: Session):  # type: ignore[no-untyped-def]
    case_id, _ = session.record.create_case()
    session.record.record_fields(case_id, "arrival", {"how": "taxi"})
    return session.vault.conn


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE entries SET payload = '{}'",
        "DELETE FROM entries",
        "INSERT OR REPLACE INTO entries SELECT * FROM entries",
        "REPLACE INTO entries SELECT * FROM entries",
        "UPDATE audit SET reason = 'x'",
        "DELETE FROM audit",
        "INSERT OR REPLACE INTO audit SELECT * FROM audit",
        "UPDATE cases SET number = 'X'",
        "DELETE FROM cases",
        "INSERT OR REPLACE INTO cases SELECT * FROM cases",
    ],
)
def test_database_refuses_changes(conn, statement: str) -> None:  # type: ignore[no-untyped-def]
    before = conn.execute("SELECT count(*), group_concat(payload) FROM entries").fetchone()
    audit_before = conn.execute("SELECT count(*), group_concat(hash) FROM audit").fetchone()
    with pytest.raises(sqlcipher.IntegrityError, match="append-only"):
        conn.execute(statement)
    assert conn.execute("SELECT count(*), group_concat(payload) FROM entries").fetchone() == before
    assert conn.execute("SELECT count(*), group_concat(hash) FROM audit").fetchone() == audit_before


def test_replace_is_refused_only_thanks_to_recursive_triggers(conn) -> None:  # type: ignore[no-untyped-def]
    # Proves the pragma matters: without it, REPLACE slips past the DELETE trigger.
    conn.execute("PRAGMA recursive_triggers = OFF")
    conn.execute("BEGIN")
    conn.execute("INSERT OR REPLACE INTO entries SELECT * FROM entries")
    conn.execute("ROLLBACK")
    conn.execute("PRAGMA recursive_triggers = ON")
    with pytest.raises(sqlcipher.IntegrityError):
        conn.execute("INSERT OR REPLACE INTO entries SELECT * FROM entries")
