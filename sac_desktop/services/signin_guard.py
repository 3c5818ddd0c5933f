"""Before the vault is open: the per-account throttle and the sealed pre-sign-in log.

A failed sign-in cannot write to the vault (there is no key yet). It is appended to a
small log sealed to the installation's public key, and merged into the audit chain at
the next successful sign-in. The throttle is per account and persisted, so a restart
does not reset it; it is never a sleep, only a time before which the next try is refused.
Qt-free.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sac_desktop.domain.clock import format_utc, parse_utc
from sac_desktop.domain.entries import canonical_json
from sac_desktop.fsutil import atomic_write, open_private_append
from sac_desktop.security.slots import open_sealed, seal

FREE_ATTEMPTS = 5
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
_AAD = b"sac-desktop pre-sign-in log v1"
#: The only events the log may carry; anything else is counted as unreadable.
EVENTS = frozenset({"wrong_password", "removed_account", "recovery_used"})
MAX_EVENTS = 10_000


class Throttled(Exception):
    """Too many failed sign-ins for this account: wait, or ask a coordinator."""

    def __init__(self, seconds_left: int) -> None:
        super().__init__("throttled")
        self.seconds_left = seconds_left


def delay_after(failures: int) -> timedelta:
    """No delay for the first few failures, then doubling delays, capped; never a lockout."""
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    delay: timedelta = FIRST_DELAY * (2 ** min(failures - FREE_ATTEMPTS, 16))
    return min(MAX_DELAY, delay)


@dataclass
class Throttle:
    path: Path

    def _load(self) -> dict[str, dict[str, object]]:
        """Entries of the right shape only: a damaged file never blocks a sign-in."""
        try:
            body = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(body, dict):
            return {}
        return {k: v for k, v in body.items() if isinstance(k, str) and isinstance(v, dict)}

    def check(self, account_id: str, now: datetime) -> None:
        state = self._load().get(account_id)
        if not state or not isinstance(state.get("until"), str):
            return
        try:
            until = parse_utc(str(state["until"]))
        except ValueError:
            return
        # Never longer than the cap from now: a clock that was fast, or an edited file,
        # must not turn a wait into a lockout.
        until = min(until, now + MAX_DELAY)
        if now < until:
            raise Throttled(int((until - now).total_seconds()) + 1)

    def failures(self, account_id: str) -> int:
        state = self._load().get(account_id) or {}
        value = state.get("failures", 0)
        return value if isinstance(value, int) else 0

    def record_failure(self, account_id: str, now: datetime) -> int:
        body = self._load()
        failures = self.failures(account_id) + 1
        body[account_id] = {"failures": failures, "until": format_utc(now + delay_after(failures))}
        atomic_write(self.path, json.dumps(body, sort_keys=True).encode())
        return failures

    def clear(self, account_id: str) -> None:
        body = self._load()
        if body.pop(account_id, None) is not None:
            atomic_write(self.path, json.dumps(body, sort_keys=True).encode())


@dataclass(frozen=True)
class PreAuthEvent:
    at_utc: str
    account_id: str
    event: str


@dataclass
class PreAuthLog:
    path: Path

    def append(self, public_key: bytes, event: PreAuthEvent) -> None:
        body = canonical_json(
            {"at": event.at_utc, "account": event.account_id, "event": event.event}
        )
        line = json.dumps(seal(public_key, body.encode("utf-8"), _AAD)) + "\n"
        fd = open_private_append(self.path)
        try:
            os.write(fd, line.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self, private_key: bytes) -> tuple[list[PreAuthEvent], int]:
        """Events that decrypt, and the number of lines that did not (damaged or foreign)."""
        try:
            lines = self.path.read_bytes().splitlines()
        except FileNotFoundError:
            return [], 0
        events, bad = [], 0
        for line in lines[:MAX_EVENTS]:
            if not line.strip():
                continue
            try:
                sealed = json.loads(line)
                body = json.loads(open_sealed(private_key, sealed, _AAD))
                event = PreAuthEvent(str(body["at"]), str(body["account"]), str(body["event"]))
                parse_utc(event.at_utc)
                if event.event not in EVENTS or len(event.account_id) > 64:
                    raise ValueError("unexpected event")
                events.append(event)
            except Exception:  # any damaged, foreign or forged line: counted, never trusted
                bad += 1
        bad += max(0, len(lines) - MAX_EVENTS)
        return events, bad

    def clear(self) -> None:
        if self.path.exists():
            atomic_write(self.path, b"")
