"""Photograph bytes in the vault: originals and view copies (Qt-free).

Rows are append-only (triggers). Functions take a connection inside the caller's
transaction, or the vault's connection for a read.
"""

from __future__ import annotations

from typing import Any

ORIGINAL = "original"
VIEW = "view"


def insert_blob(
    conn: Any, photo_id: str, kind: str, case_id: str, sha256: str, data: bytes
) -> None:
    conn.execute(
        "INSERT INTO photo_blobs (photo_id, kind, case_id, sha256, size, data)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (photo_id, kind, case_id, sha256, len(data), data),
    )


def get_blob(conn: Any, case_id: str, photo_id: str, kind: str) -> bytes | None:
    row = conn.execute(
        "SELECT data FROM photo_blobs WHERE photo_id = ? AND kind = ? AND case_id = ?",
        (photo_id, kind, case_id),
    ).fetchone()
    return None if row is None else bytes(row[0])


def original_with_hash(conn: Any, case_id: str, sha256: str) -> str | None:
    """The photo id of an original with this SHA-256 in this case, if any."""
    row = conn.execute(
        "SELECT photo_id FROM photo_blobs WHERE case_id = ? AND sha256 = ? AND kind = 'original'",
        (case_id, sha256),
    ).fetchone()
    return None if row is None else str(row[0])


def count_blobs(conn: Any, case_id: str | None = None) -> int:
    if case_id is None:
        return int(conn.execute("SELECT count(*) FROM photo_blobs").fetchone()[0])
    return int(
        conn.execute("SELECT count(*) FROM photo_blobs WHERE case_id = ?", (case_id,)).fetchone()[0]
    )
