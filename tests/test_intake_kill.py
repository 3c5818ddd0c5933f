"""The application killed with SIGKILL mid-intake keeps every value it showed as saved."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sac_desktop.domain.clock import FixedClock
from sac_desktop.paths import resolve_paths
from sac_desktop.security.anchors import FileAnchor
from sac_desktop.security.kdf import TEST_PARAMS, derive
from sac_desktop.services.demo import make_demo
from tests.helpers.intake_app import STEPS

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SAC_ANCHOR_DIR": str(tmp_path / "anchors"),
        "SAC_TEST_ALLOW_CHEAP_KDF": "1",
    }


def _start(tmp_path: Path, data: Path, password: str, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.intake_app", str(data), "nurse", *args],
        cwd=ROOT,
        env=_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(password + "\n")
    proc.stdin.close()
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [3, 9])  # 9: an episode (a list record) included
def test_sigkill_mid_intake_loses_nothing_shown_as_saved(
    tmp_path: Path, kill_after: int, cheap_kdf: None
) -> None:
    data = tmp_path / "data"  # the anchors folder is the one _env() gives the processes
    paths = resolve_paths(data).create()
    accounts = make_demo(
        paths,
        cases=0,
        clock=FixedClock(datetime.now(UTC)),
        derive=derive,
        kdf_params=TEST_PARAMS,
        keystore=None,
        anchors=[FileAnchor(paths.anchors)],
    )
    password = next(a.password for a in accounts if a.username == "nurse")

    proc = _start(tmp_path, data, password, "type")
    assert proc.stdout is not None
    saved: list[tuple[str, str, object]] = []
    case_id = ""
    deadline = time.monotonic() + 120
    while len(saved) < kill_after:
        assert time.monotonic() < deadline, "the typing process did not get far enough"
        line = proc.stdout.readline()
        assert line, f"the process ended early: {proc.stderr.read() if proc.stderr else ''}"
        if line.startswith("CASE "):
            case_id = line.split()[1]
        elif line.startswith("SAVED "):
            section, field, value = json.loads(line[6:])
            saved.append((section, field, value))
    proc.send_signal(signal.SIGKILL)  # no clean-up of any kind: the power is gone
    proc.wait(timeout=30)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    assert proc.returncode == -signal.SIGKILL
    assert case_id

    check = subprocess.run(
        [sys.executable, "-m", "tests.helpers.intake_app", str(data), "nurse", "check", case_id],
        cwd=ROOT,
        env=_env(tmp_path),
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    shown_line = next(line for line in check.stdout.splitlines() if line.startswith("SHOWN "))
    shown = json.loads(shown_line[6:])
    for section, field, value in saved:
        assert shown.get(section, {}).get(field) == value, (section, field, shown)
    # And nothing that was never shown as saved appears from nowhere.
    typed = {(s, f) for s, f, _k, _v in STEPS}
    assert {(s, f) for s in shown for f in shown[s]} <= typed
