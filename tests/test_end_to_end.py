"""The real program, started as a user would, against temporary folders."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sac_desktop import __version__
from sac_desktop.cli import main
from sac_desktop.domain.roles import Role
from sac_desktop.security.kdf import TEST_PARAMS, derive
from sac_desktop.services.demo import make_demo
from tests.conftest import MemoryKeystore


def _env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SAC_ANCHOR_DIR": str(tmp_path / "anchors"),
        "TMPDIR": str(tmp_path / "tmp"),
    }


def _wait_for(find, text: str, proc: subprocess.Popen[bytes], seconds: float = 90) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        path = find()
        if path is not None and path.exists() and text in path.read_text():
            return
        assert proc.poll() is None, f"exited early with {proc.returncode}"
        time.sleep(0.1)
    pytest.fail(f"{text!r} not seen in {seconds} s")


@pytest.mark.slow
def test_application_starts_and_closes_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    log = data / "logs" / "sac-desktop.log"
    with subprocess.Popen(
        [sys.executable, "-m", "sac_desktop", "--data-dir", str(data)],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        _wait_for(lambda: log, "app.window_shown", proc)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode(errors="replace")
    assert "app.exit code=0" in log.read_text()
    assert not list((data / "logs").glob("crashes/crash-*"))
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.slow
def test_demo_is_a_throwaway_training_vault(tmp_path: Path) -> None:
    env = _env(tmp_path)

    def log() -> Path | None:
        found = list((tmp_path / "tmp").glob("sac-desktop-training-*/data/logs/sac-desktop.log"))
        return found[0] if found else None

    with subprocess.Popen(
        [sys.executable, "-m", "sac_desktop", "--demo", "--language", "fr"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        _wait_for(log, "app.window_shown", proc)
        text = log().read_text()  # type: ignore[union-attr]
        assert "demo.created cases=12" in text
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode(errors="replace")
    assert list((tmp_path / "tmp").iterdir()) == []  # thrown away, logs and all


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


@pytest.fixture
def training(paths, clock, cheap_kdf):  # type: ignore[no-untyped-def]
    """A training vault whose slots need no keyring (the CLI uses the real one)."""
    accounts = make_demo(
        paths,
        cases=3,
        clock=clock,
        derive=derive,
        kdf_params=TEST_PARAMS,
        keystore=MemoryKeystore(kind="none"),
        anchors=[],
    )
    return {a.role: a for a in accounts}


def test_audit_verify_signs_in_as_a_coordinator(training, paths, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from sac_desktop.security.anchors import FileAnchor
    from sac_desktop.services.installation import production_installation

    # Anchor once as the application would, so verification has a head to compare with.
    signed = production_installation(paths).sign_in(
        "coordinator", training[Role.COORDINATOR].password
    )
    signed.session.trail.anchors = [FileAnchor(paths.anchors)]
    signed.session.close()
    coordinator = training[Role.COORDINATOR]
    args = [
        "audit",
        "verify",
        "--data-dir",
        str(paths.data),
        "--user",
        "coordinator",
        "--password-stdin",
        "--language",
        "en",
    ]
    monkeypatch.setattr(sys, "stdin", _Stdin(coordinator.password + "\n"))
    assert main(args) == 0
    assert re.search(r"Audit trail intact: \d+ records verified\.", capsys.readouterr().out)
    monkeypatch.setattr(sys, "stdin", _Stdin("wrong password entirely\n"))
    assert main(args) == 2
    assert "Signing in failed" in capsys.readouterr().out
    nurse = training[Role.FORENSIC_NURSE]
    monkeypatch.setattr(sys, "stdin", _Stdin(nurse.password + "\n"))
    assert main([*args[:5], "nurse", *args[6:]]) == 2
    assert "Only a coordinator" in capsys.readouterr().out


def test_audit_verify_reports_the_first_bad_record(training, paths, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import sqlcipher3.dbapi2 as sqlcipher

    from sac_desktop.services.installation import production_installation

    coordinator = training[Role.COORDINATOR]
    signed = production_installation(paths).sign_in("coordinator", coordinator.password)
    key = signed.unlocked.master_key
    signed.session.close()
    conn = sqlcipher.connect(str(paths.vault), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET actor = 'someone-else' WHERE seq = 5")
    conn.close()
    monkeypatch.setattr(sys, "stdin", _Stdin(coordinator.password + "\n"))
    code = main(
        [
            "audit",
            "verify",
            "--data-dir",
            str(paths.data),
            "--user",
            "coordinator",
            "--password-stdin",
            "--language",
            "en",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "First bad record: 5" in out and "record_altered" in out


@pytest.mark.slow
def test_make_demo_prints_the_sign_ins_once(tmp_path: Path) -> None:
    env = _env(tmp_path)
    data = tmp_path / "demo"
    cmd = [
        sys.executable,
        "-m",
        "sac_desktop",
        "make-demo",
        "--data-dir",
        str(data),
        "--cases",
        "4",
        "--language",
        "en",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    roles = re.findall(r"\((\w+)\)$", done.stdout, re.MULTILINE)
    assert sorted(roles) == sorted(r.value for r in Role)
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert again.returncode == 2 and "already holds a vault" in again.stdout
