"""The PyInstaller one-folder build (build.spec) bundles what the app needs and runs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sac_desktop import __version__
from tests.conftest import require

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "build.spec"
BUILD_TIMEOUT_S = 480
WINDOW_TIMEOUT_S = 60
EXIT_TIMEOUT_S = 30
LOG_NAME = "sac-desktop.log"

pytestmark = [pytest.mark.slow, pytest.mark.system, pytest.mark.timeout(600)]


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build once for this module; the one-folder bundle's root (holds the executable)."""
    require(_importable("PyInstaller"), "pyinstaller")
    require(shutil.which("objdump") is not None, "objdump (binutils, needed by PyInstaller)")
    out = tmp_path_factory.mktemp("pyinstaller")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--distpath",
            str(out / "dist"),
            "--workpath",
            str(out / "work"),
            str(SPEC),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, f"build failed:\n{_tail(result.stderr)}"
    return out / "dist" / "sac-desktop"


@pytest.fixture
def contents(bundle: Path) -> Path:
    """sys._MEIPASS of the frozen app: PyInstaller 6 puts everything under _internal/."""
    return bundle / "_internal"


@pytest.fixture
def app_env(tmp_path: Path) -> dict[str, str]:
    # No SAC_* from the developer's shell: the app must not touch their real data folder.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAC_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["SAC_ANCHOR_DIR"] = str(tmp_path / "anchors")
    return env


def test_version(bundle: Path, app_env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(bundle / "sac-desktop"), "--version"],
        env=app_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"SAC Desktop {__version__}" in result.stdout


def test_bundles_font_and_catalogs(contents: Path) -> None:
    assert (contents / "resources" / "fonts" / "DejaVuSans.ttf").is_file()
    nl_mo = contents / "resources" / "translations" / "nl" / "LC_MESSAGES" / "sac_desktop.mo"
    assert nl_mo.is_file(), "compiled nl catalog missing (is there a .po to compile?)"
    # Without these Qt's own buttons and dialogs silently stay in English.
    for language in ("nl", "fr", "de"):
        assert (contents / "PySide6" / "Qt" / "translations" / f"qtbase_{language}.qm").is_file()


def test_drops_gtk_stack_and_network_plugins(contents: Path) -> None:
    shipped = {path.name for path in contents.rglob("*.so*")}
    for unwanted in ("libqgtk3.so", "libgtk-3.so.0", "libqvnc.so", "libQt6Network.so.6"):
        assert unwanted not in shipped


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _wait_for(log: Path, text: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in _read(log):
            return
        if proc.poll() is not None:
            pytest.fail(f"app exited with {proc.returncode} before {text!r}:\n{_read(log)}")
        time.sleep(0.1)
    pytest.fail(f"{text!r} not logged within {timeout:.0f} s:\n{_read(log)}")


def test_starts_offscreen_and_exits_cleanly_on_sigterm(
    bundle: Path, app_env: dict[str, str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    log = data / "logs" / LOG_NAME
    output = tmp_path / "app-output.txt"
    # Dutch, so the frozen app must also find Qt's own catalogs through its bundled paths.
    command = [str(bundle / "sac-desktop"), "--data-dir", str(data), "--language", "nl"]
    with (
        output.open("wb") as sink,
        subprocess.Popen(
            command, env=app_env, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
        ) as proc,
    ):
        try:
            _wait_for(log, "app.window_shown", proc, WINDOW_TIMEOUT_S)
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=EXIT_TIMEOUT_S)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = log.read_text(encoding="utf-8")
    assert code == 0, f"exit code {code}\n{text}\n{_read(output)}"
    assert "app.exit code=0" in text
    assert "i18n.qt_catalog_missing" not in text
    assert "crash.written" not in text
