"""The real program, started as a user would, against a temporary data folder."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sac_desktop import __version__
from sac_desktop.cli import main
from sac_desktop.security.anchors import FileAnchor
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.demo import build_demo_vault
from sac_desktop.services.vaults import create_vault
from tests.conftest import NURSE

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SAC_ANCHOR_DIR": str(tmp_path / "anchors"),
        "TMPDIR": str(tmp_path / "tmp"),
    }


def _wait_for(path: Path, text: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        content = path.read_text() if path.exists() else ""
        if text in content:
            return content
        assert proc.poll() is None, f"exited early with {proc.returncode}"
        time.sleep(0.1)
    pytest.fail(f"{text!r} not seen in {seconds} s")


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["--demo", "--language", "fr"]])
def test_application_starts_and_closes_cleanly(tmp_path: Path, extra: list[str]) -> None:
    data = tmp_path / "data"
    (tmp_path / "tmp").mkdir()
    log = data / "logs" / "sac-desktop.log"
    with subprocess.Popen(
        [sys.executable, "-m", "sac_desktop", "--data-dir", str(data), *extra],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        _wait_for(log, "app.window_shown", proc)
        if extra:
            _wait_for(log, "vault.opened", proc)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode(errors="replace")
    content = log.read_text()
    assert "app.exit code=0" in content
    if extra:
        assert "audit.anchored" in content.split("vault.opened")[-1]  # head anchored at close
    assert not list((data / "logs").glob("crashes/crash-*"))
    assert list((tmp_path / "tmp").iterdir()) == []


def test_version_flag() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sac_desktop", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"SAC Desktop {__version__}"


class _Stdin(io.StringIO):
    def isatty(self) -> bool:
        return False


def test_audit_verify_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, clock
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    key = VaultKey.generate()
    vault = create_vault(
        data / "vault.sacdb",
        key,
        centre="LEU",
        workstation="A",
        clock=clock,
        creator=NURSE,
        anchors=[FileAnchor(tmp_path / "anchors")],
    )
    vault.close()
    monkeypatch.setattr(sys, "stdin", _Stdin(key.hex() + "\n"))
    assert main(["audit", "verify", "--data-dir", str(data), "--language", "en"]) == 0
    assert "Audit trail intact: 1 record verified." in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", _Stdin(VaultKey.generate().hex() + "\n"))
    assert main(["--language", "nl", "audit", "verify", "--data-dir", str(data)]) == 2
    assert "Deze sleutel opent deze kluis niet." in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", _Stdin("not a key\n"))
    assert main(["audit", "verify", "--data-dir", str(data)]) == 2


def test_audit_verify_subprocess_reports_first_bad_record(tmp_path: Path) -> None:
    import sqlcipher3.dbapi2 as sqlcipher

    data = tmp_path / "data"
    build_demo_vault(data / "demo", [FileAnchor(tmp_path / "anchors")], cases=2)
    env = _env(tmp_path)
    (tmp_path / "tmp").mkdir()
    cmd = [
        sys.executable,
        "-m",
        "sac_desktop",
        "audit",
        "verify",
        "--demo",
        "--data-dir",
        str(data),
    ]
    ok = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    from sac_desktop.security.keys import demo_key

    conn = sqlcipher.connect(str(data / "demo" / "vault.sacdb"), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{demo_key().hex()}'\"")
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET actor = 'someone-else' WHERE seq = 5")
    conn.close()
    bad = subprocess.run(
        [*cmd, "--language", "en"], capture_output=True, text=True, env=env, check=False
    )
    assert bad.returncode == 1
    assert "First bad record: 5" in bad.stdout and "record_altered" in bad.stdout
