"""Folders and files written outside the vault."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sac_desktop.fsutil import atomic_write
from sac_desktop.paths import resolve_paths


def test_data_dir_argument_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAC_DATA_DIR", str(tmp_path / "env"))
    paths = resolve_paths(tmp_path / "arg")
    assert paths.data == (tmp_path / "arg").resolve()
    assert paths.logs == paths.data / "logs" and paths.cache == paths.data / "cache"
    assert paths.vault.parent == paths.data


def test_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAC_DATA_DIR", str(tmp_path / "env"))
    assert resolve_paths().data == (tmp_path / "env").resolve()


def test_anchor_folder_is_outside_the_data_folder(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "data")
    assert paths.data not in paths.anchors.parents and paths.anchors != paths.data


def test_platform_defaults_when_nothing_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAC_DATA_DIR")
    paths = resolve_paths()
    assert "SAC-Desktop" in str(paths.data) and "SAC-Desktop" in str(paths.config)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_folders_and_atomic_files_are_owner_only(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "data").create()
    for folder in (paths.data, paths.logs, paths.config, paths.cache, paths.anchors):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    target = paths.config / "settings.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in paths.config.iterdir()] == ["settings.json"]  # no temp left


def test_failed_atomic_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.json"
    atomic_write(target, b"saved")

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"saved"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]
