"""Documents handed out, kept in the vault byte for byte (the only SQL for them)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any


class DocumentDamaged(ValueError):
    """A stored document no longer matches its SHA-256."""


@dataclass(frozen=True)
class StoredDocument:
    id: str
    case_id: str
    kind: str
    language: str
    sha256: str
    size: int
    signed_by: str | None
    replaces: str | None
    created_utc: str


_COLUMNS = "id, case_id, kind, language, sha256, size, signed_by, replaces, created_utc"


def insert_document(
    conn: Any,
    document_id: str,
    case_id: str,
    kind: str,
    language: str,
    data: bytes,
    signed_by: str | None,
    replaces: str | None,
    created_utc: str,
) -> StoredDocument:
    digest = hashlib.sha256(data).hexdigest()
    conn.execute(
        "INSERT INTO documents (id, case_id, kind, language, sha256, size, data, signed_by,"
        " replaces, created_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            document_id,
            case_id,
            kind,
            language,
            digest,
            len(data),
            data,
            signed_by,
            replaces,
            created_utc,
        ),
    )
    return StoredDocument(
        document_id, case_id, kind, language, digest, len(data), signed_by, replaces, created_utc
    )


def document_bytes(conn: Any, document_id: str) -> tuple[StoredDocument, bytes] | None:
    """A stored document and its bytes, checked against its SHA-256."""
    row = conn.execute(
        f"SELECT {_COLUMNS}, data FROM documents WHERE id = ?", (document_id,)
    ).fetchone()
    if row is None:
        return None
    meta, data = StoredDocument(*row[:-1]), bytes(row[-1])
    if hashlib.sha256(data).hexdigest() != meta.sha256 or len(data) != meta.size:
        raise DocumentDamaged(document_id)
    return meta, data


def documents_of_case(conn: Any, case_id: str) -> list[StoredDocument]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM documents WHERE case_id = ? ORDER BY created_utc, rowid",
        (case_id,),
    ).fetchall()
    return [StoredDocument(*row) for row in rows]
