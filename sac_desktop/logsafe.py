"""Logging that cannot carry case data (Qt-free).

Our code logs *events*: a name declared in :data:`EVENTS` with named fields whose values
are numbers, booleans or short lowercase codes. The formatter writes nothing else: a
record that is not such an event (a library's message, an f-string someone slipped in)
is written as "message withheld", and exceptions as type names and stack frames only.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from pathlib import Path
from types import TracebackType
from typing import Final

from sac_desktop.fsutil import open_private_append

EVENTS: Final[dict[str, frozenset[str]]] = {
    "record.draft_kept": frozenset(),  # a draft that could not be committed stays a draft
    "app.start": frozenset({"version", "platform", "frozen"}),
    "app.window_shown": frozenset({"startup_ms"}),
    "app.exit": frozenset({"code"}),
    "app.language": frozenset({"language"}),
    "vault.created": frozenset({"schema"}),
    "vault.opened": frozenset({"schema", "ms"}),
    "vault.open_failed": frozenset({"error_kind"}),
    "vault.closed": frozenset(),
    "vault.migrated": frozenset({"from_version", "to_version"}),
    "vault.migration_failed": frozenset({"from_version", "to_version"}),
    "vault.backup_written": frozenset({"purpose"}),
    "audit.anchored": frozenset({"seq"}),
    "audit.anchor_mismatch": frozenset({"problem"}),
    "audit.verified": frozenset({"intact", "records"}),
    "audit.clock_backwards": frozenset({"seconds"}),
    "demo.created": frozenset({"cases"}),
    "crash.written": frozenset({"error_kind"}),
    "qt.message": frozenset({"level"}),
    "i18n.qt_catalog_missing": frozenset({"language"}),
}

_CODE = re.compile(r"^[a-z0-9_.:+-]{1,48}$")
WITHHELD = "[message withheld]"


def _safe_value(value: object) -> str:
    if value is None or isinstance(value, bool | int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str) and _CODE.match(value):
        return value
    return "<withheld>"


def format_traceback(tb: TracebackType | None) -> list[str]:
    """Stack frames as 'file:line in function': no source lines, no values."""
    lines = []
    for frame in traceback.extract_tb(tb):
        lines.append(f"  {Path(frame.filename).name}:{frame.lineno} in {frame.name}")
    return lines


def exception_chain_summary(exc: BaseException) -> list[str]:
    """Type names and frames of an exception and its causes; never ``str(exc)``."""
    out: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        cls = type(current)
        out.append(f"{cls.__module__}.{cls.__qualname__}")
        out.extend(format_traceback(current.__traceback__))
        current = current.__cause__ or current.__context__
    return out


class AllowListFormatter(logging.Formatter):
    """Formats declared events only; everything else is withheld."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z")
        head = f"{stamp} {record.levelname} {record.name}"
        event = getattr(record, "sac_event", None)
        fields = getattr(record, "sac_fields", {})
        if isinstance(event, str) and event in EVENTS and isinstance(fields, dict):
            allowed = EVENTS[event]
            parts = [f"{k}={_safe_value(v)}" for k, v in sorted(fields.items()) if k in allowed]
            text = " ".join([head, event, *parts])
        else:
            text = f"{head} {WITHHELD}"
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + "\n".join(exception_chain_summary(record.exc_info[1]))
        return text


class SafeLogger:
    """A logger whose only way to write is a declared event."""

    def __init__(self, name: str) -> None:
        self._logger = logging.getLogger(f"sac.{name}")

    def event(self, name: str, level: int = logging.INFO, /, **fields: object) -> None:
        if name not in EVENTS:
            raise ValueError("undeclared log event")  # a bug: declare it in EVENTS
        self._logger.log(level, name, extra={"sac_event": name, "sac_fields": fields})

    def error_event(self, name: str, exc: BaseException, /, **fields: object) -> None:
        self._logger.error(
            name,
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"sac_event": name, "sac_fields": fields},
        )


def get_logger(name: str) -> SafeLogger:
    return SafeLogger(name)


class _PrivateFileHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self, path: Path) -> None:
        fd = open_private_append(path)
        super().__init__(os.fdopen(fd, "a", encoding="utf-8"))

    def close(self) -> None:
        self.acquire()
        try:
            if not self.stream.closed:
                self.stream.close()
        finally:
            self.release()
        super().close()


def configure_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Send every log record (ours and libraries') through the allow-list formatter."""
    path = log_dir / "sac-desktop.log"
    handler = _PrivateFileHandler(path)
    handler.setFormatter(AllowListFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_sac_handler", False):
            root.removeHandler(old)
            old.close()
    handler._sac_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    return path
