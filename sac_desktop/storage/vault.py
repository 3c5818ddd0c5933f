"""The vault: one SQLCipher database opened with a raw 256-bit key (Qt-free).

Open checks, in order, so each failure gets its own calm error and no file is written:
file present; folder writable; not plaintext SQLite; whole pages; single user (lock
file); SQLCipher ≥ 4; the key matches the key-check file; the database reads; schema not
newer than this application. Migrations run after an encrypted backup copy.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from sac_desktop.fsutil import OWNER_ONLY_FILE, atomic_write, ensure_private_dir, fsync_dir
from sac_desktop.logsafe import get_logger
from sac_desktop.storage import errors
from sac_desktop.storage.lockfile import LockFile

_log = get_logger("storage")

PAGE_SIZE = 4096
KEY_BYTES = 32
SQLITE_HEADER = b"SQLite format 3\x00"
KEYFILE_FORMAT = "sac-desktop-keycheck"
_KEYCHECK_LABEL = b"sac-desktop vault key check v1"


def key_check_value(key: bytes, vault_id: str) -> str:
    return hmac.new(key, _KEYCHECK_LABEL + vault_id.encode(), hashlib.sha256).hexdigest()


def keyfile_path(vault_path: Path) -> Path:
    return vault_path.with_name(vault_path.name + ".keycheck")


def lock_path(vault_path: Path) -> Path:
    return vault_path.with_name(vault_path.name + ".lock")


@dataclass(frozen=True)
class KeyFile:
    """Beside the vault: its id and a check value that tells a wrong key from damage."""

    vault_id: str
    key_check: str

    def dump(self) -> bytes:
        body = {
            "format": KEYFILE_FORMAT,
            "version": 1,
            "vault_id": self.vault_id,
            "key_check": self.key_check,
        }
        return json.dumps(body, indent=2).encode()

    @classmethod
    def load(cls, path: Path) -> KeyFile | None:
        try:
            body = json.loads(path.read_bytes())
            if body.get("format") != KEYFILE_FORMAT:
                return None
            return cls(str(body["vault_id"]), str(body["key_check"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


def classify(exc: BaseException) -> errors.VaultError | None:
    """Map an SQLite error caused by the environment to a calm error; ``None`` for bugs."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if name == "SQLITE_FULL" or "disk is full" in text:
        return errors.DiskFull()
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return errors.ReadOnlyStorage()
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return errors.StorageIOError()
    if name.startswith("SQLITE_BUSY") or "database is locked" in text:
        return errors.VaultInUse()
    if name.startswith("SQLITE_CORRUPT") or "malformed" in text:
        return errors.VaultDamaged()
    if name == "SQLITE_CANTOPEN" or "unable to open database" in text:
        return errors.ReadOnlyStorage()
    if name == "SQLITE_NOTADB" or "file is not a database" in text:
        return errors.NotAVault()
    return None


def _key_pragma(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError("vault key must be 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect(path: Path, key: bytes | None, driver: ModuleType = sqlcipher) -> Any:
    """A connection with the vault's pragmas. ``driver=sqlite3`` is for benchmarks only."""
    conn = driver.connect(str(path), isolation_level=None, check_same_thread=False, timeout=2.0)
    if driver is sqlcipher:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is None:
            raise ValueError("a vault key is required")
        conn.execute(_key_pragma(key))
    return conn


def apply_pragmas(conn: Any) -> None:
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA recursive_triggers = ON")


def cipher_version(conn: Any) -> tuple[int, ...]:
    row = conn.execute("PRAGMA cipher_version").fetchone()
    if not row or not row[0]:
        return (0,)
    numbers = str(row[0]).split()[0].split(".")
    return tuple(int(part) for part in numbers if part.isdigit())


def _folder_read_only(folder: Path) -> bool:
    if hasattr(os, "statvfs"):
        with contextlib.suppress(OSError):
            if os.statvfs(folder).f_flag & os.ST_RDONLY:
                return True
    return not os.access(folder, os.W_OK)


def _precheck_file(path: Path) -> None:
    if not path.is_file():
        raise errors.VaultNotFound()
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
    if head == SQLITE_HEADER:
        raise errors.PlaintextDatabase()
    if size == 0:
        raise errors.NotAVault("empty file")


def _runtime_error(exc: BaseException, folder: Path) -> BaseException:
    """An SQLite error while the vault is open, as the user must hear it (or the bug)."""
    mapped = classify(exc)
    if isinstance(mapped, errors.NotAVault | errors.VaultDamaged):
        # The key was right at open, so an unreadable page is damage, not a wrong file.
        return errors.VaultDamaged("a page could not be read or authenticated")
    if isinstance(mapped, errors.StorageIOError | errors.ReadOnlyStorage) and _disk_full(folder):
        return errors.DiskFull()
    return mapped or exc


def _disk_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < 64 * 1024
    except OSError:
        return False


class _GuardedCursor:
    def __init__(self, cursor: Any, folder: Path) -> None:
        self._cursor = cursor
        self._folder = folder

    def _call(self, method: Callable[[], Any]) -> Any:
        try:
            return method()
        except sqlcipher.DatabaseError as exc:
            raise _runtime_error(exc, self._folder) from exc

    def fetchone(self) -> Any:
        return self._call(self._cursor.fetchone)

    def fetchall(self) -> Any:
        return self._call(self._cursor.fetchall)

    def __iter__(self) -> Iterator[Any]:
        while True:
            row = self.fetchone()
            if row is None:
                return
            yield row

    @property
    def lastrowid(self) -> Any:
        return self._cursor.lastrowid


class GuardedConnection:
    """The vault's connection: every SQLite error leaves storage as a calm VaultError
    (damage, disk full, read-only) or, if it is a bug, as itself."""

    def __init__(self, raw: Any, folder: Path) -> None:
        self.raw = raw
        self._folder = folder

    def execute(self, sql: str, parameters: Any = ()) -> _GuardedCursor:
        try:
            return _GuardedCursor(self.raw.execute(sql, parameters), self._folder)
        except sqlcipher.DatabaseError as exc:
            raise _runtime_error(exc, self._folder) from exc

    def close(self) -> None:
        self.raw.close()


class Vault:
    """An open vault. Use :meth:`create` or :meth:`open`; always :meth:`close`."""

    def __init__(self, path: Path, conn: Any, lock: LockFile | None, vault_id: str) -> None:
        self.path = path
        self._conn = conn
        self._guarded = GuardedConnection(conn, path.parent)
        self._lock = lock
        self.vault_id = vault_id
        self.on_close: list[Callable[[], None]] = []
        #: One connection serves every thread (a photograph stored from a worker thread):
        #: transactions take turns instead of failing with "transaction within transaction".
        self._tx_lock = threading.RLock()

    # -- life cycle -------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, key: bytes, vault_id: str) -> Vault:
        """Create a new, empty vault (schema applied by the caller's migrations)."""
        path = Path(path)
        ensure_private_dir(path.parent)
        if path.exists() or keyfile_path(path).exists():
            raise FileExistsError("a vault already exists here")
        if _folder_read_only(path.parent):
            raise errors.ReadOnlyStorage()
        lock = LockFile.acquire(lock_path(path))
        try:
            # Pre-create the file owner-only so SQLite never makes it world-readable.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE))
            conn = connect(path, key)
            if cipher_version(conn) < (4,):
                raise errors.CipherTooOld()
            apply_pragmas(conn)
            atomic_write(
                keyfile_path(path), KeyFile(vault_id, key_check_value(key, vault_id)).dump()
            )
        except BaseException:
            lock.release()
            raise
        return cls(path, conn, lock, vault_id)

    @classmethod
    def open(cls, path: Path, key: bytes) -> Vault:
        """Open an existing vault, telling apart every way that can fail."""
        path = Path(path)
        started = time.perf_counter()
        try:
            vault = cls._open(path, key)
        except errors.VaultError as exc:
            _log.event("vault.open_failed", error_kind=exc.kind)
            raise
        _log.event("vault.opened", ms=round((time.perf_counter() - started) * 1000, 1))
        return vault

    @classmethod
    def _open(cls, path: Path, key: bytes) -> Vault:
        _precheck_file(path)
        if _folder_read_only(path.parent):
            raise errors.ReadOnlyStorage()
        keyfile = KeyFile.load(keyfile_path(path))
        key_verified = False
        if keyfile is not None:
            if not hmac.compare_digest(keyfile.key_check, key_check_value(key, keyfile.vault_id)):
                raise errors.WrongKey()
            key_verified = True
        try:
            lock = LockFile.acquire(lock_path(path))
        except PermissionError as exc:
            raise errors.ReadOnlyStorage() from exc
        conn: Any = None
        try:
            conn = connect(path, key)
            if cipher_version(conn) < (4,):
                raise errors.CipherTooOld()
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlcipher.DatabaseError as exc:
                mapped = classify(exc) or errors.NotAVault()
                if isinstance(mapped, errors.NotAVault) and key_verified:
                    # The key is right, so the file itself is damaged: say which pages.
                    pages = integrity_problems(conn)
                    raise errors.VaultDamaged("; ".join(pages[:5]) or None) from exc
                raise mapped from exc
            apply_pragmas(conn)
            vault_id = _read_vault_id(conn)
            if keyfile is not None and vault_id is not None and vault_id != keyfile.vault_id:
                raise errors.NotAVault("key-check file belongs to another vault")
            _check_length(conn, path)
        except BaseException as exc:
            if conn is not None:
                with contextlib.suppress(sqlcipher.Error):
                    conn.close()
            lock.release()
            if isinstance(exc, sqlcipher.DatabaseError):
                mapped = classify(exc) or errors.VaultDamaged()
                if isinstance(mapped, errors.StorageIOError) and _disk_full(path.parent):
                    mapped = errors.DiskFull()
                raise mapped from exc
            raise
        return cls(path, conn, lock, vault_id or (keyfile.vault_id if keyfile else ""))

    def close(self) -> None:
        for callback in self.on_close:
            callback()
        self.on_close.clear()
        # A transaction still running on a worker thread (a photograph being stored when
        # the screen locks) ends first: it commits or rolls back whole, never cut off.
        with self._tx_lock:
            if self._conn is not None:
                with contextlib.suppress(sqlcipher.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._conn.close()
                self._conn = None
                _log.event("vault.closed")
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def conn(self) -> Any:
        if self._conn is None:
            raise RuntimeError("vault is closed")
        return self._guarded

    # -- transactions -----------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[Any]:
        """Reads from a worker thread: no transaction of another thread runs meanwhile,
        and the vault is not closed under them (it is closed under the same lock)."""
        with self._tx_lock:
            yield self.conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on any error; disk errors mapped.

        Serialised between threads (a re-entrant lock held until COMMIT or ROLLBACK): the
        connection is shared, so a second thread waits rather than nesting a transaction.
        """
        with self._tx_lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlcipher.Error):
                    conn.raw.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """Building a synthetic training vault only: no fsync per commit, FULL again after."""
        self.conn.raw.execute("PRAGMA synchronous = OFF")
        try:
            yield
        finally:
            self.conn.raw.execute("PRAGMA synchronous = FULL")

    # -- key rotation (services/rotation.py) --------------------------------------------
    def rekey(self, new_key: bytes) -> None:
        """Re-encrypt every page under ``new_key`` (SQLCipher ``PRAGMA rekey``).

        SQLCipher does it in one write transaction: in WAL mode the re-encrypted pages are
        committed to the WAL together, so an interruption leaves the database under the old
        key or under the new one, never a mix. ``PRAGMA rekey`` answers "ok" even when it
        did nothing, so a second connection proves the new key reads the committed state.
        The key-check file is not touched: rewriting it is the caller's next step.
        """
        raw = self._conn
        if raw is None:
            raise RuntimeError("vault is closed")
        if raw.in_transaction:
            raise RuntimeError("rekey inside a transaction")
        statement = _key_pragma(new_key).replace("PRAGMA key", "PRAGMA rekey", 1)
        try:
            raw.execute(statement).fetchall()
            raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher.DatabaseError as exc:
            raise _runtime_error(exc, self.path.parent) from exc
        if not _key_reads(self.path, new_key):
            raise errors.VaultDamaged("the new key does not read the vault after rekey")

    def reopen(self, key: bytes) -> None:
        """Close the connection and open the file again with ``key`` (after :meth:`rekey`).

        Every open check runs again, the key-check file included. Objects holding this
        Vault (a session, its services) keep working; ``on_close`` callbacks do not run,
        since the vault is not closed for its users. If the open fails, the vault is left
        closed and the error raised.
        """
        if self._conn is None:
            raise RuntimeError("vault is closed")
        with contextlib.suppress(sqlcipher.Error):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._conn.close()
        self._conn = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        fresh = Vault.open(self.path, key)
        if fresh.vault_id != self.vault_id:
            fresh.close()
            raise errors.NotAVault("another vault was found on reopening")
        self._conn, self._guarded, self._lock = fresh._conn, fresh._guarded, fresh._lock
        fresh._conn = None
        fresh._lock = None

    # -- maintenance ------------------------------------------------------------------
    def integrity_problems(self) -> list[str]:
        return integrity_problems(self.conn)

    def export_encrypted(self, target: Path, key: bytes) -> None:
        """Write an encrypted copy (never a plaintext intermediate), atomically, 0600."""
        try:
            export_encrypted(self.conn.raw, target, key)
        except sqlcipher.DatabaseError as exc:
            raise _runtime_error(exc, Path(target).parent) from exc
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise errors.DiskFull() from exc
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise errors.ReadOnlyStorage() from exc
            raise


# -- key rotation helpers (services/rotation.py) ----------------------------------------
def write_key_check(vault_path: Path, vault_id: str, key: bytes) -> None:
    """Rewrite the key-check file for ``key`` (atomically: temp file, fsync, replace)."""
    atomic_write(keyfile_path(vault_path), KeyFile(vault_id, key_check_value(key, vault_id)).dump())


def key_check_matches(vault_path: Path, key: bytes) -> bool:
    """Whether the key-check file names ``key`` (False when it is missing or unreadable)."""
    keyfile = KeyFile.load(keyfile_path(vault_path))
    return keyfile is not None and hmac.compare_digest(
        keyfile.key_check, key_check_value(key, keyfile.vault_id)
    )


def _key_reads(path: Path, key: bytes) -> bool:
    """One throwaway connection: does ``key`` decrypt the committed pages? (no lock taken)"""
    conn = connect(path, key)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError as exc:
        mapped = classify(exc)
        if mapped is None or isinstance(mapped, errors.NotAVault):
            return False
        raise mapped from exc
    finally:
        conn.close()
    return True


def key_opens(path: Path, key: bytes) -> bool:
    """Whether ``key`` decrypts the vault, ignoring the key-check file.

    For key rotation only, which must find out which of two keys the database holds
    after an interruption (the key-check file may lag behind a committed rekey). Holds
    the vault's lock while it looks; changes no content.
    """
    path = Path(path)
    _precheck_file(path)
    try:
        lock = LockFile.acquire(lock_path(path))
    except PermissionError as exc:
        raise errors.ReadOnlyStorage() from exc
    try:
        return _key_reads(path, key)
    finally:
        lock.release()


def integrity_problems(conn: Any) -> list[str]:
    """``cipher_integrity_check`` rows (empty when every page authenticates)."""
    conn = getattr(conn, "raw", conn)
    try:
        return [str(row[0]) for row in conn.execute("PRAGMA cipher_integrity_check")]
    except sqlcipher.DatabaseError as exc:
        return [type(exc).__name__]


def _read_vault_id(conn: Any) -> str | None:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if not exists:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
    return str(row[0]) if row else None


def _check_length(conn: Any, path: Path) -> None:
    """A file shorter than its own page count was cut off (a page-aligned truncation)."""
    size = path.stat().st_size
    if size % PAGE_SIZE != 0:
        raise errors.VaultDamaged("size is not a whole number of pages")
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return  # pages may live in the WAL until the next checkpoint
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    if pages * PAGE_SIZE > size:
        raise errors.VaultDamaged("file shorter than its page count")


def export_encrypted(conn: Any, target: Path, key: bytes) -> None:
    target = Path(target)
    ensure_private_dir(target.parent)
    tmp = target.with_name(f".{target.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE))
    try:
        conn.execute(f"ATTACH DATABASE ? AS sac_export KEY \"x'{key.hex()}'\"", (str(tmp),))
        try:
            conn.execute("SELECT sqlcipher_export('sac_export')").fetchall()
            # sqlcipher_export copies the schema and rows, not the header's user_version.
            version = int(conn.execute("PRAGMA main.user_version").fetchone()[0])
            conn.execute(f"PRAGMA sac_export.user_version = {version}")
        finally:
            conn.execute("DETACH DATABASE sac_export")
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


__all__ = ["Vault", "classify", "connect", "export_encrypted", "sqlite3"]
