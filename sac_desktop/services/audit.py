"""The audit trail service: append records, anchor the head, verify (Qt-free)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sac_desktop.domain.audit import (
    Action,
    Anchor,
    AuditRecord,
    Verification,
    seal,
    verify_chain,
)
from sac_desktop.domain.clock import Clock, format_utc, parse_utc
from sac_desktop.domain.roles import Actor
from sac_desktop.logsafe import get_logger
from sac_desktop.security.anchors import HeadAnchor
from sac_desktop.storage import audit_log, records
from sac_desktop.storage.vault import Vault

_log = get_logger("audit")
META_LAST_UTC = "last_utc_seen"


@dataclass(frozen=True)
class ChainReport:
    chain: str
    verification: Verification


class AuditTrail:
    """Appends to this workstation's chain inside the caller's transaction."""

    def __init__(
        self, vault: Vault, chain: str, clock: Clock, anchors: Sequence[HeadAnchor] = ()
    ) -> None:
        self.vault = vault
        self.chain = chain
        self.clock = clock
        self.anchors = list(anchors)

    def append(
        self,
        conn: Any,
        actor: Actor,
        action: Action,
        *,
        case_id: str | None = None,
        entry_id: str | None = None,
        entry_hash: str | None = None,
        reason: str | None = None,
    ) -> AuditRecord:
        now = self.clock.now_utc()
        last_seen_text = records.get_meta(conn, META_LAST_UTC)
        if last_seen_text is not None:
            last_seen = parse_utc(last_seen_text)
            if now < last_seen:
                seconds = int((last_seen - now).total_seconds())
                self._append(
                    conn,
                    actor,
                    Action.CLOCK_BACKWARDS,
                    None,
                    None,
                    None,
                    f"clock moved back {seconds} s",
                    format_utc(now),
                )
                _log.event("audit.clock_backwards", seconds=seconds)
        if last_seen_text is None or now > parse_utc(last_seen_text):
            records.set_meta(conn, META_LAST_UTC, format_utc(now))
        return self._append(
            conn, actor, action, case_id, entry_id, entry_hash, reason, format_utc(now)
        )

    def _append(
        self,
        conn: Any,
        actor: Actor,
        action: Action,
        case_id: str | None,
        entry_id: str | None,
        entry_hash: str | None,
        reason: str | None,
        at_utc: str,
    ) -> AuditRecord:
        last = audit_log.last_record(conn, self.chain)
        record = seal(
            seq=1 if last is None else last.seq + 1,
            chain=self.chain,
            actor=actor.user_id,
            role=str(actor.role),
            action=str(action),
            case_id=case_id,
            entry_id=entry_id,
            entry_hash=entry_hash,
            at_utc=at_utc,
            reason=reason,
            prev_hash="0" * 64 if last is None else last.hash,
        )
        audit_log.append(conn, record)
        return record

    def record_read(
        self, actor: Actor, action: Action, case_id: str, reason: str | None = None
    ) -> None:
        """A read of a case (open, print, export, reveal or search identity)."""
        with self.vault.transaction() as conn:
            self.append(conn, actor, action, case_id=case_id, reason=reason)

    def head(self) -> Anchor | None:
        last = audit_log.last_record(self.vault.conn, self.chain)
        return None if last is None else Anchor(self.chain, last.seq, last.hash)

    def anchor_now(self) -> Anchor | None:
        """Remember the head outside the data folder (at lock, close and every minute)."""
        head = self.head()
        if head is not None:
            for anchor in self.anchors:
                anchor.store(self.vault.vault_id, head)
            _log.event("audit.anchored", seq=head.seq)
        return head


def verify_vault(vault: Vault, anchors: Sequence[HeadAnchor] = ()) -> list[ChainReport]:
    """Verify this workstation's chain against every entry and the remembered heads.

    The audit table holds this workstation's chain only (chains of other workstations
    will arrive with sync, in their own table); a record naming another chain is altered.
    """
    conn = vault.conn
    chain = records.get_meta(conn, "workstation")
    remembered: list[Anchor] = []
    for anchor in anchors:
        remembered.extend(a for a in anchor.load(vault.vault_id) if a.chain == chain)
    result = verify_chain(
        audit_log.iter_all(conn), records.stored_entry_hashes(conn), remembered, chain=chain
    )
    _log.event("audit.verified", intact=result.intact, records=result.records)
    return [ChainReport(chain or "", result)]
