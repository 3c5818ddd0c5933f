"""Crash durability and no plaintext on disk, with real processes killed for real."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sac_desktop.paths import resolve_paths
from sac_desktop.security.anchors import FileAnchor
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.audit import verify_vault
from sac_desktop.services.vaults import open_for_verification
from sac_desktop.storage.vault import SQLITE_HEADER

ROOT = Path(__file__).resolve().parent.parent
CYCLES = 50 if os.environ.get("CI") else 20


def _writer(
    data: Path, key: VaultKey, marker: str, count: int, tmp: Path, *extra: str
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TMPDIR": str(tmp),
        "TEMP": str(tmp),
        "TMP": str(tmp),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.helpers.writer",
            str(data),
            key.hex(),
            marker,
            str(count),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _reported(lines: list[str]) -> list[str]:
    return [line.split()[1] for line in lines if line.startswith("entry ")]


@pytest.mark.slow
def test_killed_writer_loses_no_reported_entry(tmp_path: Path) -> None:
    rng = random.Random(20171025)
    data, tmp = tmp_path / "data", tmp_path / "tmp"
    tmp.mkdir()
    key = VaultKey.generate()
    reported: list[str] = []
    for _cycle in range(CYCLES):
        with _writer(data, key, "m", 10_000, tmp) as proc:
            assert proc.stdout is not None
            wanted = rng.randint(1, 12)
            lines = []
            while len(_reported(lines)) < wanted:
                line = proc.stdout.readline()
                assert line, proc.stderr.read() if proc.stderr else "writer ended"
                lines.append(line)
            time.sleep(rng.random() * 0.03)  # a random moment, mid-transaction or not
            proc.send_signal(signal.SIGKILL)
            rest, _ = proc.communicate(timeout=30)
            lines.extend(rest.splitlines())
            reported.extend(_reported(lines))
    vault = open_for_verification(data / "vault.sacdb", key)
    try:
        assert vault.integrity_problems() == []
        stored = {r[0] for r in vault.conn.execute("SELECT id FROM entries")}
        missing = [e for e in reported if e not in stored]
        assert missing == [], f"{len(missing)} reported entries missing"
        assert len(reported) >= CYCLES
        anchors = [FileAnchor(resolve_paths(data).anchors)]
        assert verify_vault(vault, anchors)[0].verification.intact
    finally:
        vault.close()


def _scan(folders: list[Path], markers: list[bytes]) -> list[str]:
    problems = []
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            data = path.read_bytes()
            if data.startswith(SQLITE_HEADER):
                problems.append(f"plain SQLite header: {path.name}")
            for marker in markers:
                if marker in data:
                    problems.append(f"marker in {path.relative_to(folder)}")
    return problems


@pytest.mark.slow
def test_no_plaintext_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, tmp = tmp_path / "data", tmp_path / "tmp"
    anchors = tmp_path / "anchors"
    monkeypatch.setenv("SAC_ANCHOR_DIR", str(anchors))
    tmp.mkdir()
    key = VaultKey.generate()
    marker = "ZQXJ-MARKER-" + os.urandom(6).hex()
    # One run that exits normally.
    with _writer(data, key, marker, 40, tmp) as proc:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip().endswith("done")
    # One run killed mid-write.
    with _writer(data, key, marker, 10_000, tmp) as proc:
        assert proc.stdout is not None
        for _ in range(30):
            assert proc.stdout.readline()
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    # One run that crashes on an exception whose message holds the marker.
    with _writer(data, key, marker, 10, tmp, "crash") as proc:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode != 0
    crash_files = list((data / "logs" / "crashes").glob("crash-*.txt"))
    assert len(crash_files) == 1
    text = crash_files[0].read_text()
    assert "RuntimeError" in text and "writer.py" in text  # type and frames are there
    assert crash_files[0].stat().st_mode & 0o077 == 0
    assert (data / "logs" / "sac-desktop.log").read_text().count("app.start") == 3
    markers = [marker.encode("utf-8"), marker.encode("utf-16-le")]
    assert _scan([data, tmp, anchors], markers) == []
    # The scan itself can fail: the marker is really stored (encrypted) in the vault.
    vault = open_for_verification(data / "vault.sacdb", key)
    try:
        payloads = [r[0] for r in vault.conn.execute("SELECT payload FROM entries")]
        assert any(marker in p for p in payloads)
    finally:
        vault.close()
