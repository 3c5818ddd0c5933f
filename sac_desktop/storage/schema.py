"""Schema migrations: numbered steps, recorded in the vault (Qt-free).

Every pending step runs inside one transaction (each in its own savepoint), after an
encrypted backup copy of the vault; any failure rolls all of them back, so a failed
upgrade leaves the vault as it was. Steps never rewrite entry payloads: old payload
versions are upcast when read (``domain.upcast``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sac_desktop import __version__
from sac_desktop.logsafe import get_logger
from sac_desktop.storage import errors
from sac_desktop.storage.vault import Vault

_log = get_logger("storage")


def _append_only(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END""",
    ]


V1_FOUNDATION: list[str] = [
    """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL,
        applied_utc TEXT NOT NULL, app_version TEXT NOT NULL)""",
    """CREATE TABLE cases (
        id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, created_utc TEXT NOT NULL)""",
    *_append_only("cases"),
    """CREATE TABLE case_sequences (
        centre TEXT NOT NULL, workstation TEXT NOT NULL, year INTEGER NOT NULL,
        last INTEGER NOT NULL, PRIMARY KEY (centre, workstation, year))""",
    """CREATE TABLE entries (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        case_id TEXT NOT NULL REFERENCES cases(id),
        kind TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        payload TEXT NOT NULL,
        author TEXT NOT NULL,
        role TEXT NOT NULL,
        at_utc TEXT NOT NULL,
        tz TEXT NOT NULL,
        utc_offset_min INTEGER NOT NULL,
        protocol_version TEXT NOT NULL,
        supersedes TEXT REFERENCES entries(id))""",
    """CREATE INDEX entries_by_case ON entries (case_id, seq)""",
    *_append_only("entries"),
    """CREATE TABLE drafts (
        author TEXT NOT NULL, case_id TEXT NOT NULL, section TEXT NOT NULL,
        payload TEXT NOT NULL, updated_utc TEXT NOT NULL,
        PRIMARY KEY (author, case_id, section))""",
    """CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        chain TEXT NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        action TEXT NOT NULL,
        case_id TEXT,
        entry_id TEXT,
        entry_hash TEXT,
        at_utc TEXT NOT NULL,
        reason TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL)""",
    *_append_only("audit"),
]

V2_PROJECTIONS: list[str] = [
    """CREATE TABLE proj_case_list (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        number TEXT NOT NULL,
        training INTEGER NOT NULL,
        opened_utc TEXT NOT NULL,
        last_activity_utc TEXT NOT NULL,
        entry_count INTEGER NOT NULL)""",
    """CREATE INDEX proj_case_list_by_activity ON proj_case_list (last_activity_utc)""",
    """CREATE INDEX audit_by_case ON audit (case_id, seq)""",
    # Fill the new projection from the entries already recorded (payloads are only read).
    """INSERT INTO proj_case_list (case_id, number, training, opened_utc,
                                   last_activity_utc, entry_count)
       SELECT c.id, c.number,
              COALESCE((SELECT json_extract(e.payload, '$.training') FROM entries e
                        WHERE e.case_id = c.id AND e.kind = 'case.opened'), 0),
              c.created_utc,
              COALESCE((SELECT max(e.at_utc) FROM entries e WHERE e.case_id = c.id),
                       c.created_utc),
              (SELECT count(*) FROM entries e WHERE e.case_id = c.id)
       FROM cases c""",
]


V3_ACCOUNTS: list[str] = [
    """CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL,
        active INTEGER NOT NULL,
        language TEXT,
        certificate_pem TEXT,
        created_utc TEXT NOT NULL,
        updated_utc TEXT NOT NULL)""",
    """CREATE TABLE certificate_revocations (
        serial TEXT PRIMARY KEY, account_id TEXT NOT NULL,
        revoked_utc TEXT NOT NULL, reason TEXT NOT NULL)""",
    # Shown to a role at its members' next sign-in (e.g. a psychologist account created).
    """CREATE TABLE notices (
        id INTEGER PRIMARY KEY, audience_role TEXT NOT NULL, kind TEXT NOT NULL,
        subject_account TEXT, reason TEXT, created_utc TEXT NOT NULL)""",
    """CREATE TABLE notices_seen (
        notice_id INTEGER NOT NULL REFERENCES notices(id), account_id TEXT NOT NULL,
        seen_utc TEXT NOT NULL, PRIMARY KEY (notice_id, account_id))""",
    """CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
]

# The case list pages through 100,000 cases: one index in list order (recency, then
# number: it also covers the search, which matches inside the number) and one for the
# filters (opened date, training), covering so counts never touch the table.
V4_CASE_LIST_INDEXES: list[str] = [
    """DROP INDEX proj_case_list_by_activity""",
    """CREATE INDEX proj_case_list_by_recency ON proj_case_list (last_activity_utc, number)""",
    """CREATE INDEX proj_case_list_by_opened ON proj_case_list (opened_utc, training, number)""",
]

# The case list's "next deadline": the moments each case's clock changes, kept by the
# services (the clock engine), so the list shows the first one after "now" unread.
V5_CASE_DEADLINES: list[str] = [
    """ALTER TABLE proj_case_list ADD COLUMN deadlines TEXT NOT NULL DEFAULT '[]'""",
]

# The follow-ups of every case, for the case manager's morning round (due, overdue).
V6_FOLLOWUPS: list[str] = [
    """CREATE TABLE proj_followups (
        case_id TEXT NOT NULL REFERENCES cases(id),
        id TEXT NOT NULL,
        step TEXT NOT NULL,
        due_utc TEXT NOT NULL,
        until_utc TEXT,
        closes_utc TEXT NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (case_id, id))""",
    # closes_utc: the end of its window (or its due time): after it, it is overdue.
    """CREATE INDEX proj_followups_by_due ON proj_followups (status, due_utc, closes_utc)""",
    """CREATE INDEX proj_followups_by_close ON proj_followups (status, closes_utc)""",
]

# Photographs inside the vault: the original bytes as the camera wrote them and a view
# copy (downscaled JPEG, no metadata), each with its SHA-256; never changed, never deleted
# (sealing is an entry). One original per content per case (a duplicate import is refused).
V7_PHOTOS: list[str] = [
    """CREATE TABLE photo_blobs (
        photo_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('original', 'view')),
        case_id TEXT NOT NULL REFERENCES cases(id),
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (photo_id, kind))""",
    """CREATE UNIQUE INDEX photo_blobs_original_by_case
        ON photo_blobs (case_id, sha256) WHERE kind = 'original'""",
    *_append_only("photo_blobs"),
]

# Evidence of every case for the coordinator's view (kept in the same transaction as the
# entries by services.evidence): where each item is, until when it is kept, whether a
# handover was confirmed by its receiver.
V8_EVIDENCE: list[str] = [
    """CREATE TABLE proj_evidence (
        case_id TEXT NOT NULL REFERENCES cases(id),
        item_id TEXT NOT NULL,
        case_number TEXT NOT NULL,
        kit_number TEXT NOT NULL,
        item_number TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        state TEXT NOT NULL,
        at_centre INTEGER NOT NULL,
        retention_until TEXT,
        complaint TEXT NOT NULL,
        handed_entry TEXT,
        handed_local TEXT,
        unconfirmed INTEGER NOT NULL,
        PRIMARY KEY (case_id, item_id))""",
    # Covering for the coordinator's counts (no row lookups over 100,000 cases).
    """CREATE INDEX proj_evidence_kept ON proj_evidence (at_centre, retention_until, complaint)""",
    """CREATE INDEX proj_evidence_unconfirmed ON proj_evidence (unconfirmed, handed_local)""",
    # Every handover to an inspector with an account: what they may read, and confirm.
    """CREATE TABLE proj_handovers (
        move_entry TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        item_id TEXT NOT NULL,
        account TEXT NOT NULL,
        case_number TEXT NOT NULL,
        kit_number TEXT NOT NULL,
        item_number TEXT NOT NULL,
        text TEXT NOT NULL,
        move TEXT NOT NULL,
        at_local TEXT NOT NULL,
        released_by TEXT NOT NULL,
        seal_number TEXT NOT NULL,
        confirmed_local TEXT)""",
    """CREATE INDEX proj_handovers_by_account ON proj_handovers (account, at_local)""",
]

# Aftercare: the morning round lists visits, calls and psychological appointments (the
# services show each role what it may see); the case list knows which cases are closed.
V9_AFTERCARE: list[str] = [
    """ALTER TABLE proj_followups ADD COLUMN kind TEXT NOT NULL DEFAULT 'visit'""",
    """ALTER TABLE proj_case_list ADD COLUMN closed_utc TEXT""",
    # The round's indexes carry the kind, so filtering by it (and counting what is
    # overdue) still reads the index alone.
    """DROP INDEX proj_followups_by_due""",
    """CREATE INDEX proj_followups_by_due ON proj_followups
        (status, due_utc, closes_utc, kind)""",
    """DROP INDEX proj_followups_by_close""",
    """CREATE INDEX proj_followups_by_close ON proj_followups (status, closes_utc, kind)""",
]

# Documents handed out (a PDF, signed or not), kept so that printing one again gives the
# same bytes; each with its SHA-256; a new version names the one it replaces. Never changed.
V10_DOCUMENTS: list[str] = [
    """CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        kind TEXT NOT NULL,
        language TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL,
        signed_by TEXT,
        replaces TEXT REFERENCES documents(id),
        created_utc TEXT NOT NULL)""",
    """CREATE INDEX documents_by_case ON documents (case_id, created_utc)""",
    *_append_only("documents"),
]

Step = Callable[[Any], None]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: Sequence[str] = ()
    function: Step | None = None

    def apply(self, conn: Any) -> None:
        for statement in self.statements:
            conn.execute(statement)
        if self.function is not None:
            self.function(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "foundation: cases, entries, drafts, audit", V1_FOUNDATION),
    Migration(2, "projections: case list", V2_PROJECTIONS),
    Migration(3, "accounts, certificates, notices, settings", V3_ACCOUNTS),
    Migration(4, "case list indexes: recency, opened date", V4_CASE_LIST_INDEXES),
    Migration(5, "case list: deadlines of the clock", V5_CASE_DEADLINES),
    Migration(6, "follow-ups of every case", V6_FOLLOWUPS),
    Migration(7, "photographs kept in the vault", V7_PHOTOS),
    Migration(8, "evidence of every case, for the coordinator", V8_EVIDENCE),
    Migration(9, "aftercare: kinds of follow-up, closed cases", V9_AFTERCARE),
    Migration(10, "documents handed out, kept byte for byte", V10_DOCUMENTS),
)
LATEST_VERSION = MIGRATIONS[-1].version
META_UNAUDITED_MIGRATION = "migration_not_yet_audited"


def schema_version(vault: Vault) -> int:
    return int(vault.conn.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(vault: Vault, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    version = schema_version(vault)
    if version > migrations[-1].version:
        raise errors.SchemaTooNew(f"vault schema {version}, application {migrations[-1].version}")
    return version


def migrate(
    vault: Vault,
    key: bytes,
    backups_dir: Path | None,
    migrations: Sequence[Migration] = MIGRATIONS,
    target: int | None = None,
) -> list[int]:
    """Bring the vault to ``target`` (default: latest). Returns the versions applied."""
    current = check_not_newer(vault, migrations)
    goal = migrations[-1].version if target is None else target
    pending = [m for m in migrations if current < m.version <= goal]
    if not pending:
        return []
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if current > 0 and backups_dir is not None:
        stamp = now.replace(":", "").replace("-", "").replace(".", "")
        name = f"pre-migration-v{current}-to-v{goal}-{stamp}.sacdb"
        vault.export_encrypted(backups_dir / name, key)
        _log.event("vault.backup_written", purpose="pre_migration")
    try:
        with vault.transaction() as conn:
            for step in pending:
                conn.execute(f"SAVEPOINT step_{step.version}")
                step.apply(conn)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_utc, app_version)"
                    " VALUES (?, ?, ?, ?)",
                    (step.version, step.name, now, __version__),
                )
                conn.execute(f"RELEASE step_{step.version}")
            conn.execute(f"PRAGMA user_version = {int(pending[-1].version)}")
            if current > 0:  # the next person to sign in records the upgrade in the audit
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key)"
                    " DO UPDATE SET value = excluded.value",
                    (META_UNAUDITED_MIGRATION, f"schema_v{current}_to_v{goal}"),
                )
    except errors.VaultError:
        _log.event("vault.migration_failed", from_version=current, to_version=goal)
        raise
    except Exception as exc:
        _log.event("vault.migration_failed", from_version=current, to_version=goal)
        raise errors.MigrationFailed(f"step failed: {type(exc).__name__}") from exc
    _log.event("vault.migrated", from_version=current, to_version=goal)
    return [m.version for m in pending]
