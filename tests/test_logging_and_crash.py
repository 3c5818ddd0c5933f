"""Logs and crash files cannot carry case data."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest

from sac_desktop.crash import CrashHandler
from sac_desktop.logsafe import WITHHELD, AllowListFormatter, configure_logging, get_logger

MARKER = "Jeanne Dupont, 12 rue des Lilas"


@pytest.fixture
def log_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = configure_logging(tmp_path / "logs")
    yield path
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_sac_handler", False):
            root.removeHandler(handler)
            handler.close()
    logging.captureWarnings(False)


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_declared_events_are_written_with_allowed_fields(log_file: Path) -> None:
    get_logger("t").event("vault.opened", schema=2, ms=1.5, case=MARKER)
    _flush()
    text = log_file.read_text()
    assert "vault.opened ms=1.5" in text and "schema" not in text.split("vault.opened")[0]
    assert "case" not in text.split("vault.opened")[1] and MARKER not in text
    assert log_file.stat().st_mode & 0o077 == 0


def test_values_that_are_not_codes_are_withheld(log_file: Path) -> None:
    get_logger("t").event("vault.open_failed", error_kind=MARKER)
    _flush()
    text = log_file.read_text()
    assert "error_kind=<withheld>" in text and MARKER not in text


def test_undeclared_events_are_a_bug() -> None:
    with pytest.raises(ValueError, match="undeclared"):
        get_logger("t").event("case.name", name=MARKER)


def test_library_messages_and_exceptions_are_withheld(log_file: Path) -> None:
    logging.getLogger("somelib").warning("patient %s", MARKER)
    try:
        raise ValueError(MARKER)
    except ValueError:
        logging.getLogger("somelib").exception("failed on %s", MARKER)
    _flush()
    text = log_file.read_text()
    assert MARKER not in text
    assert text.count(WITHHELD) == 2
    assert "builtins.ValueError" in text and "test_logging_and_crash.py" in text


def test_formatter_ignores_forged_extra() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, MARKER, None, None)
    record.sac_event = MARKER  # not a declared event
    assert MARKER not in AllowListFormatter().format(record)


def test_crash_file_has_types_and_frames_only(tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path / "crashes")
    notified: list[Path] = []
    handler.notify = notified.append

    def inner(secret: str) -> None:
        raise KeyError(secret)

    try:
        try:
            inner(MARKER)
        except KeyError as exc:
            raise RuntimeError(f"while saving {MARKER}") from exc
    except RuntimeError as exc:
        handler.handle(type(exc), exc, exc.__traceback__)
    assert len(notified) == 1
    text = notified[0].read_text()
    assert MARKER not in text and "Dupont" not in text
    assert "builtins.RuntimeError" in text and "builtins.KeyError" in text
    assert "in inner" in text
    assert notified[0].stat().st_mode & 0o077 == 0


def test_thread_exceptions_reach_the_crash_handler(tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path / "crashes")
    seen: list[Path] = []
    handler.notify = seen.append
    old = threading.excepthook
    threading.excepthook = handler._thread_hook
    try:

        def boom() -> None:
            raise OSError(MARKER)

        worker = threading.Thread(target=boom)
        worker.start()
        worker.join()
    finally:
        threading.excepthook = old
    assert len(seen) == 1 and MARKER not in seen[0].read_text()


@pytest.mark.skipif(sys.platform != "linux", reason="Linux resource limits and prctl")
def test_core_dumps_are_disabled_in_a_child() -> None:
    import subprocess

    code = (
        "import ctypes, resource\n"
        "from sac_desktop.crash import disable_core_dumps\n"
        "libc = ctypes.CDLL(None)\n"
        "before = libc.prctl(3, 0, 0, 0, 0)\n"  # PR_GET_DUMPABLE
        "disable_core_dumps()\n"
        "print(resource.getrlimit(resource.RLIMIT_CORE), before, libc.prctl(3, 0, 0, 0, 0))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(0, 0) 1 0"
