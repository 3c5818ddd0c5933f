"""Opening a vault: every bad input gets its own calm error and no file changes."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from sac_desktop.paths import Paths
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import create_vault, open_vault
from sac_desktop.storage import errors
from sac_desktop.storage.vault import PAGE_SIZE, Vault, keyfile_path
from tests.conftest import NURSE, is_root, require, snapshot, tool


def _unchanged(before: dict[str, bytes], folder: Path) -> None:
    after = snapshot(folder)
    for name, data in before.items():
        assert after.get(name) == data, f"{name} changed"
    extra = {n for n in after if n not in before and not n.endswith(("-wal", "-shm"))}
    assert not extra, f"new files: {extra}"


@pytest.fixture
def closed_vault(session: Session, paths: Paths) -> Path:
    case_id, _ = session.record.create_case()
    session.record.record_fields(case_id, "arrival", {"how": "taxi"})
    session.close()
    return paths.vault


def test_opens_with_the_right_key(closed_vault: Path, key: VaultKey, paths: Paths) -> None:
    vault = open_vault(closed_vault, key, paths.backups)
    try:
        assert vault.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert vault.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert vault.conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
        assert vault.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert vault.conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 1
        version = vault.conn.execute("PRAGMA cipher_version").fetchone()[0]
        assert int(version.split(".")[0]) >= 4
    finally:
        vault.close()


def test_missing_vault(paths: Paths, key: VaultKey) -> None:
    with pytest.raises(errors.VaultNotFound):
        open_vault(paths.vault, key, paths.backups)
    assert not paths.vault.exists()


def test_wrong_key(closed_vault: Path, paths: Paths) -> None:
    before = snapshot(paths.data)
    with pytest.raises(errors.WrongKey) as caught:
        open_vault(closed_vault, VaultKey.generate(), paths.backups)
    assert caught.value.message and caught.value.hint
    _unchanged(before, paths.data)


def test_wrong_key_without_keycheck_file_is_not_a_vault(closed_vault: Path, paths: Paths) -> None:
    keyfile_path(closed_vault).unlink()
    before = snapshot(paths.data)
    with pytest.raises(errors.NotAVault):
        open_vault(closed_vault, VaultKey.generate(), paths.backups)
    _unchanged(before, paths.data)


def test_random_file_named_as_vault(tmp_path: Path, key: VaultKey) -> None:
    folder = tmp_path / "random"
    folder.mkdir()
    target = folder / "vault.sacdb"
    target.write_bytes(os.urandom(PAGE_SIZE * 8))
    before = snapshot(folder)
    with pytest.raises(errors.NotAVault):
        open_vault(target, key, None)
    _unchanged(before, folder)


def test_plaintext_sqlite_is_refused(tmp_path: Path, key: VaultKey) -> None:
    target = tmp_path / "plain" / "vault.sacdb"
    target.parent.mkdir()
    with contextlib.closing(sqlite3.connect(target)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    before = snapshot(target.parent)
    with pytest.raises(errors.PlaintextDatabase):
        open_vault(target, key, None)
    _unchanged(before, target.parent)


@pytest.mark.parametrize("cut", ["page_aligned", "mid_page"])
def test_truncated_vault(session: Session, paths: Paths, key: VaultKey, cut: str) -> None:
    case_id, _ = session.record.create_case()
    for i in range(300):
        session.record.record_fields(case_id, "notes", {f"n{i}": "x" * 200})
    session.close()
    size = paths.vault.stat().st_size
    keep = (size // PAGE_SIZE // 2) * PAGE_SIZE
    with paths.vault.open("r+b") as handle:
        handle.truncate(keep if cut == "page_aligned" else keep + 100)
    before = snapshot(paths.data)
    with pytest.raises(errors.VaultDamaged):
        open_vault(paths.vault, key, paths.backups)
    _unchanged(before, paths.data)


def test_flipped_byte_names_the_page(closed_vault: Path, paths: Paths, key: VaultKey) -> None:
    with closed_vault.open("r+b") as handle:
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    before = snapshot(paths.data)
    with pytest.raises(errors.VaultDamaged) as caught:
        open_vault(closed_vault, key, paths.backups)
    assert caught.value.detail is not None and "page 1" in caught.value.detail
    _unchanged(before, paths.data)


def test_newer_schema_is_refused(closed_vault: Path, paths: Paths, key: VaultKey) -> None:
    with contextlib.closing(sqlcipher.connect(str(closed_vault))) as conn:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA user_version = 99")
        conn.commit()
    before = snapshot(paths.data)
    with pytest.raises(errors.SchemaTooNew):
        open_vault(closed_vault, key, paths.backups)
    _unchanged(before, paths.data)


def test_vault_in_use_by_another_process(closed_vault: Path, paths: Paths, key: VaultKey) -> None:
    holder = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sac_desktop.security.keys import VaultKey\n"
        "from sac_desktop.storage.vault import Vault\n"
        "v = Vault.open(Path(sys.argv[1]), VaultKey.from_hex(sys.argv[2]).raw())\n"
        "print('open', flush=True)\n"
        "sys.stdin.read()\n"
        "v.close()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", holder, str(closed_vault), key.hex()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().strip() == "open"
        with pytest.raises(errors.VaultInUse):
            open_vault(closed_vault, key, paths.backups)
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    open_vault(closed_vault, key, paths.backups).close()


@contextlib.contextmanager
def _tmpfs(mountpoint: Path, size: str) -> Iterator[Path]:
    mountpoint.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mountpoint)],
        check=True,
    )
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def _can_mount() -> bool:
    return is_root() and tool("mount") is not None


@pytest.mark.system
def test_read_only_data_folder(tmp_path: Path, key: VaultKey, clock) -> None:  # type: ignore[no-untyped-def]
    require(_can_mount() or not is_root(), "root with mount (a read-only tmpfs)")
    folder = tmp_path / "ro"
    with contextlib.ExitStack() as stack:
        if is_root():
            stack.enter_context(_tmpfs(folder, "8m"))
        else:
            folder.mkdir()
        vault_path = folder / "vault.sacdb"
        vault = create_vault(
            vault_path, key, centre="GNT", workstation="B", clock=clock, creator=NURSE
        )
        vault.close()
        before = snapshot(folder)
        if is_root():
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        else:
            folder.chmod(0o500)
            stack.callback(folder.chmod, 0o700)
        with pytest.raises(errors.ReadOnlyStorage):
            open_vault(vault_path, key, None)
        _unchanged(before, folder)


@pytest.mark.system
def test_disk_full_keeps_what_was_saved(tmp_path: Path, key: VaultKey, clock) -> None:  # type: ignore[no-untyped-def]
    require(_can_mount(), "root with mount (a small tmpfs)")
    folder = tmp_path / "full"
    with _tmpfs(folder, "1m"):
        vault = create_vault(
            folder / "vault.sacdb", key, centre="LIE", workstation="C", clock=clock, creator=NURSE
        )
        s = Session(vault, NURSE, clock, [])
        case_id, _ = s.record.create_case()
        saved = s.record.record_fields(case_id, "a", {"kept": "yes"})
        with pytest.raises(errors.DiskFull):
            for i in range(10_000):
                s.record.record_fields(case_id, "filler", {f"f{i}": os.urandom(2000).hex()})
        s.vault.close()
        # Reopen: what was committed before the disk filled is all there and sound.
        reopened = Vault.open(folder / "vault.sacdb", key.raw())
        try:
            assert reopened.integrity_problems() == []
            ids = {r[0] for r in reopened.conn.execute("SELECT id FROM entries")}
            assert set(saved) <= ids
        finally:
            reopened.close()


def test_old_sqlcipher_is_refused(
    closed_vault: Path, paths: Paths, key: VaultKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sac_desktop.storage import vault as vault_module

    monkeypatch.setattr(vault_module, "cipher_version", lambda conn: (3, 4, 1))
    before = snapshot(paths.data)
    with pytest.raises(errors.CipherTooOld):
        open_vault(closed_vault, key, paths.backups)
    _unchanged(before, paths.data)
    monkeypatch.undo()
    open_vault(closed_vault, key, paths.backups).close()


def test_damage_beyond_the_first_page_is_reported_calmly(
    session: Session, paths: Paths, key: VaultKey, clock
) -> None:  # type: ignore[no-untyped-def]
    case_id, _ = session.record.create_case()
    for i in range(200):
        session.record.record_fields(case_id, "notes", {f"n{i}": "x" * 300})
    session.close()
    pages = paths.vault.stat().st_size // PAGE_SIZE
    with paths.vault.open("r+b") as handle:  # one flipped byte in every page of the 2nd half
        for page in range(pages // 2, pages):
            handle.seek(page * PAGE_SIZE + 100)
            byte = handle.read(1)
            handle.seek(page * PAGE_SIZE + 100)
            handle.write(bytes([byte[0] ^ 0xFF]))
    opened = Session.open(paths.vault, key, NURSE, clock, [], None)  # page 1 and meta are fine
    try:
        with pytest.raises(errors.VaultDamaged):
            opened.record.open_case(case_id)
        with pytest.raises(errors.VaultDamaged):
            opened.record.record_fields(case_id, "notes", {"later": 1})
        problems = opened.vault.integrity_problems()
        assert problems and any("page" in p for p in problems)
    finally:
        opened.vault.close()
