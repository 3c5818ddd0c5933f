"""The audit trail as a hash chain, and its verification (Qt-free, no I/O).

Each record carries the hash of the previous one and, for a write, the hash of the entry
it wrote. :func:`verify_chain` names the first record that does not fit. Records never
carry case content: who, role, action, case id, entry id and hash, time, reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sac_desktop.domain.entries import canonical_json
from sac_desktop.i18n import N_

GENESIS = "0" * 64


class Action(StrEnum):
    ENTRY_WRITE = "entry.write"
    CASE_CREATE = "case.create"
    CASE_OPEN = "case.open"
    CASE_PRINT = "case.print"
    CASE_EXPORT = "case.export"
    IDENTITY_REVEAL = "identity.reveal"
    IDENTITY_SEARCH = "identity.search"
    CLOCK_BACKWARDS = "clock.backwards"
    VAULT_MIGRATE = "vault.migrate"
    VAULT_CREATE = "vault.create"
    SIGN_IN = "signin"
    SIGN_IN_FAILED = "signin.failed"
    SIGN_OUT = "signout"
    LOCK = "lock"
    ACCOUNT_CREATE = "account.create"
    ACCOUNT_DEACTIVATE = "account.deactivate"
    ACCOUNT_UPDATE = "account.update"
    PASSWORD_RESET = "account.password_reset"  # noqa: S105 - an action name
    PASSWORD_CHANGE = "account.password_change"  # noqa: S105 - an action name
    THROTTLE_LIFT = "signin.throttle_lift"
    KEY_ROTATION = "vault.key_rotation"
    RECOVERY_USED = "recovery.used"
    SETTING_CHANGE = "setting.change"
    PHOTO_OPEN_SEALED = "photo.open_sealed"  # a sealed photograph opened (reason recorded)
    CA_EXPORT = "ca.export"  # the centre CA's certificate exported (for verifiers)
    DOCUMENT_STORE = "document.store"  # a document handed out, kept byte for byte
    CUSTODY_READ = "custody.read"  # a police inspector read the handovers they took part in


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    chain: str
    actor: str
    role: str
    action: str
    case_id: str | None
    entry_id: str | None
    entry_hash: str | None
    at_utc: str
    reason: str | None
    prev_hash: str
    hash: str

    def hashed_fields(self) -> list[object]:
        return [
            self.seq,
            self.chain,
            self.actor,
            self.role,
            self.action,
            self.case_id,
            self.entry_id,
            self.entry_hash,
            self.at_utc,
            self.reason,
            self.prev_hash,
        ]


def record_hash(fields: list[object]) -> str:
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def seal(
    *,
    seq: int,
    chain: str,
    actor: str,
    role: str,
    action: str,
    case_id: str | None,
    entry_id: str | None,
    entry_hash: str | None,
    at_utc: str,
    reason: str | None,
    prev_hash: str,
) -> AuditRecord:
    """Build the next record of a chain with its hash."""
    draft = AuditRecord(
        seq,
        chain,
        actor,
        role,
        action,
        case_id,
        entry_id,
        entry_hash,
        at_utc,
        reason,
        prev_hash,
        "",
    )
    return AuditRecord(**{**draft.__dict__, "hash": record_hash(draft.hashed_fields())})


class Problem(StrEnum):
    SEQUENCE_GAP = "sequence_gap"  # a record missing, inserted or moved
    BROKEN_LINK = "broken_link"  # prev_hash does not match the record before
    RECORD_ALTERED = "record_altered"  # the record's own hash does not match its fields
    ENTRY_MISSING = "entry_missing"  # a write record whose entry is gone
    ENTRY_ALTERED = "entry_altered"  # an entry whose content no longer matches its record
    ENTRY_UNRECORDED = "entry_unrecorded"  # an entry no audit record wrote
    TRUNCATED = "truncated"  # shorter than the anchored head: tail cut or older copy
    DIVERGED = "diverged"  # the anchored record differs: rewritten history
    ENTRY_REORDERED = "entry_reordered"  # entries stored in another order than written
    UNANCHORED = "unanchored"  # no remembered head for this vault: cannot rule out a rollback
    ANCHOR_UNREADABLE = "anchor_unreadable"  # a remembered head that cannot be read


PROBLEM_LABELS: dict[Problem, str] = {
    Problem.SEQUENCE_GAP: N_("a record is missing, inserted or moved"),
    Problem.BROKEN_LINK: N_("a record does not link to the one before it"),
    Problem.RECORD_ALTERED: N_("a record was changed"),
    Problem.ENTRY_MISSING: N_("an entry the trail recorded is missing"),
    Problem.ENTRY_ALTERED: N_("an entry was changed after it was written"),
    Problem.ENTRY_UNRECORDED: N_("an entry was added outside the application"),
    Problem.TRUNCATED: N_("the trail is shorter than remembered (older copy or cut tail)"),
    Problem.DIVERGED: N_("the trail differs from what was remembered (rewritten)"),
    Problem.ENTRY_REORDERED: N_("entries were put in another order"),
    Problem.UNANCHORED: N_("no remembered head for this vault: a rollback cannot be ruled out"),
    Problem.ANCHOR_UNREADABLE: N_("the remembered head cannot be read"),
}


@dataclass(frozen=True)
class Anchor:
    """A chain head remembered outside the data folder."""

    chain: str
    seq: int
    hash: str


@dataclass(frozen=True)
class Finding:
    problem: Problem
    seq: int | None  # the first bad audit record (or where one is missing)
    entry_id: str | None = None


@dataclass(frozen=True)
class Verification:
    records: int
    finding: Finding | None

    @property
    def intact(self) -> bool:
        return self.finding is None


def verify_chain(
    records: Iterable[AuditRecord],
    entry_hashes: Mapping[str, str],
    anchors: Iterable[Anchor] = (),
    chain: str | None = None,
) -> Verification:
    """Check one chain in stored order against the entries and the anchors.

    ``entry_hashes`` maps every stored entry id to the hash of its stored content; every
    one of them must have been written by a record of this chain. ``chain`` is the name
    every record must carry (default: the first record's).
    """
    expected_seq = 1
    prev = GENESIS
    count = 0
    by_seq: dict[int, str] = {}
    written: dict[str, int] = {}  # entry id -> seq of the record that wrote it, in order
    chain_name = chain
    for record in records:
        count += 1
        chain_name = chain_name or record.chain
        if record.seq != expected_seq:
            return Verification(count, Finding(Problem.SEQUENCE_GAP, expected_seq))
        if record.prev_hash != prev:
            return Verification(count, Finding(Problem.BROKEN_LINK, record.seq))
        if record_hash(record.hashed_fields()) != record.hash or record.chain != chain_name:
            return Verification(count, Finding(Problem.RECORD_ALTERED, record.seq))
        if record.entry_id is not None:
            stored = entry_hashes.get(record.entry_id)
            if stored is None:
                return Verification(
                    count, Finding(Problem.ENTRY_MISSING, record.seq, record.entry_id)
                )
            if stored != record.entry_hash:
                return Verification(
                    count, Finding(Problem.ENTRY_ALTERED, record.seq, record.entry_id)
                )
            written[record.entry_id] = record.seq
        by_seq[record.seq] = record.hash
        prev = record.hash
        expected_seq += 1
    for anchor in sorted(anchors, key=lambda a: a.seq, reverse=True):
        if anchor.seq > count:
            return Verification(count, Finding(Problem.TRUNCATED, count + 1))
        if by_seq.get(anchor.seq) != anchor.hash:
            return Verification(count, Finding(Problem.DIVERGED, anchor.seq))
    for entry_id in entry_hashes:
        if entry_id not in written:
            return Verification(count, Finding(Problem.ENTRY_UNRECORDED, None, entry_id))
    # Entries are read in stored order (a field's value is its latest entry): that order
    # must be the order in which the chain recorded them.
    for stored_id, recorded_id in zip(entry_hashes, written, strict=False):
        if stored_id != recorded_id:
            return Verification(
                count, Finding(Problem.ENTRY_REORDERED, written[recorded_id], recorded_id)
            )
    return Verification(count, None)
