"""The audit trail service: append records, anchor the head, verify (Qt-free)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sac_desktop.domain.audit import (
    Action,
    Anchor,
    AuditRecord,
    Finding,
    Problem,
    Verification,
    seal,
    verify_chain,
)
from sac_desktop.domain.clock import Clock, format_utc, parse_utc
from sac_desktop.domain.roles import Actor
from sac_desktop.i18n import N_
from sac_desktop.logsafe import get_logger
from sac_desktop.security.anchors import AnchorUnreadable, HeadAnchor
from sac_desktop.storage import audit_log, records
from sac_desktop.storage.errors import VaultError
from sac_desktop.storage.vault import Vault

_log = get_logger("audit")
META_LAST_UTC = "last_utc_seen"
META_BACKWARDS_REPORTED = "clock_backwards_reported_for"


class AnchorMismatch(VaultError):
    """The chain no longer contains a remembered head: restored older copy or rewritten."""

    kind = "anchor_mismatch"
    message = N_("The audit trail does not match what this workstation remembered of it.")
    hint = N_(
        "Work can go on, and nothing was overwritten. Tell the coordinator: this happens "
        "when an older copy of the data was restored or the trail was changed."
    )


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
            # Once per jump: while the clock catches up, later appends are not re-reported.
            reported = records.get_meta(conn, META_BACKWARDS_REPORTED)
            if now < last_seen and reported != last_seen_text:
                records.set_meta(conn, META_BACKWARDS_REPORTED, last_seen_text)
                seconds = int((last_seen - now).total_seconds())
                self._append(
                    conn,
                    actor,
                    Action.CLOCK_BACKWARDS,
                    None,
                    None,
                    None,
                    f"clock_backwards_seconds={seconds}",
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

    def anchor_problem(self) -> Finding | None:
        """Does the chain still contain every remembered head? (cheap: one row per anchor)"""
        conn = self.vault.conn
        for anchor in self.anchors:
            try:
                remembered = anchor.load(self.vault.vault_id)
            except AnchorUnreadable:
                return Finding(Problem.ANCHOR_UNREADABLE, None)
            for head in remembered:
                if head.chain != self.chain:
                    continue
                record = audit_log.record_at(conn, head.seq)
                if record is None:
                    return Finding(Problem.TRUNCATED, head.seq)
                if record.hash != head.hash:
                    return Finding(Problem.DIVERGED, head.seq)
        return None

    def anchor_now(self) -> Anchor | None:
        """Remember the head outside the data folder (at lock, close and every minute).

        Never over a head this chain no longer contains: that would hide a restored
        older copy or a rewritten history (it is reported instead).
        """
        problem = self.anchor_problem()
        if problem is not None:
            _log.event("audit.anchor_mismatch", problem=problem.problem.value)
            raise AnchorMismatch(problem.problem.value)
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
    The chain's name is taken from its first record, not from editable metadata. When
    anchors are given, a chain none of them remembers is reported (a rollback cannot be
    ruled out).
    """
    conn = vault.conn
    first = audit_log.record_at(conn, 1)
    chain = first.chain if first is not None else (records.get_meta(conn, "workstation") or "")
    remembered: list[Anchor] = []
    try:
        for anchor in anchors:
            remembered.extend(a for a in anchor.load(vault.vault_id) if a.chain == chain)
    except AnchorUnreadable:
        result = Verification(0, Finding(Problem.ANCHOR_UNREADABLE, None))
        _log.event("audit.verified", intact=False, records=0)
        return [ChainReport(chain, result)]
    result = verify_chain(
        audit_log.iter_all(conn), records.stored_entry_hashes(conn), remembered, chain=chain
    )
    if result.intact and anchors and first is not None and not remembered:
        result = Verification(result.records, Finding(Problem.UNANCHORED, None))
    _log.event("audit.verified", intact=result.intact, records=result.records)
    return [ChainReport(chain or "", result)]
