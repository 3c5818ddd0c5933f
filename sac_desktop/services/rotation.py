"""Removing an account for cause: the vault's master key changes (Qt-free).

A plain deactivation drops the account's slot, but its holder may still know the password
and may have copied the slots file, which would give them the old master key. Removal for
cause therefore rotates the master key: the new key is sealed to every remaining slot's
public key (no one's password is needed) and the database is re-encrypted.

The steps, each a point where a test kills the process (``after_step``):

0. In the vault, under the old key, one transaction: the account row becomes inactive,
   its signing certificate is revoked, ``account.deactivate`` and ``vault.key_rotation``
   are audited with the reason, and the SHA-256 of the next slot generation's exact bytes
   is stored (the *commitment*, see below).
1. The next generation (the old one without the account, re-sealed to a new random key)
   is written beside the slots file (``.slots.next``), atomically and fsynced.
2. SQLCipher rekey: every page re-encrypted under the new key in one transaction.
3. The key-check file is rewritten for the new key (atomically).
4. The vault is closed and reopened with the new key; ``cipher_integrity_check`` must be
   empty; the coordinator's :class:`SignedIn` now holds the new key.
5. ``.slots.next`` replaces the slots file (``os.replace``, then the folder is fsynced):
   the old generation is gone.

Once step 1 is on disk the rotation only goes forward: any later failure leaves the next
generation in place and the next sign-in of any remaining account finishes the work
(:func:`resolve_pending_rotation`); the removed account is not in that generation, so its
sign-in fails from then on. Before step 1 nothing cryptographic has changed; a crash
between steps 0 and 1 leaves the account inactive (the application refuses it) with its
slot still present: :func:`unfinished_removals` lists it so a coordinator runs the removal
again.

The database is rekeyed before the key-check file is rewritten: the key-check file claims
"this key opens the vault", and it must never claim a key before the database holds it.
If the rekey fails cleanly (disk full), database and key-check file still agree on the old
key. After a crash between the two, the key-check file lags; the resolution does not trust
it while a next generation exists, but asks the database itself which key reads it (the
page HMACs decide) and rewrites the key-check file for that key.

The commitment: ``.slots.next`` is not authenticated, and the resolution re-encrypts the
vault under the key it holds. Anyone who can write to the data folder could plant one that
seals a key of their choosing to the staff's public keys, or one that is empty or garbage
to lock everyone out. So the vault, while it still opens with the old key, is asked
whether it recorded the SHA-256 of exactly that file (step 0; only someone holding the old
key could write it there), before the file is parsed or anyone is looked up in it. A file
that does not match, or cannot be read, is set aside, audited, and never used; the
sign-in goes on with the current generation. Once the vault opens only with the next key
the file is proven by the vault itself.

Not covered here: vault backups made before the rotation stay readable with the old key
(they hold only what the removed person could already read); if the removed account was
a coordinator, it had the centre CA's key, which this does not replace.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from cryptography.exceptions import InvalidTag

from sac_desktop.domain.audit import Action
from sac_desktop.domain.clock import format_utc
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.fsutil import atomic_write, fsync_dir
from sac_desktop.security import ca, slots
from sac_desktop.security.slots import Derive, Slot, SlotsFile, Unlocked
from sac_desktop.services.audit import AuditTrail
from sac_desktop.services.installation import (
    AccountInactive,
    DeviceSecretMissing,
    Installation,
    InvalidSetup,
    ReasonRequired,
    SignedIn,
)
from sac_desktop.services.permissions import Area, Op, require
from sac_desktop.services.vaults import read_info
from sac_desktop.storage import accounts as account_store
from sac_desktop.storage import errors, records
from sac_desktop.storage.vault import Vault, key_check_matches, key_opens, write_key_check

#: Called with the step number after each step (tests kill the process there).
AfterStep = Callable[[int], None]

STEP_RECORDED = 0
STEP_NEXT_WRITTEN = 1
STEP_REKEYED = 2
STEP_KEY_CHECK = 3
STEP_VERIFIED = 4
STEP_REPLACED = 5

#: SHA-256 of the exact bytes of the slot generation the latest rotation wrote.
META_NEXT_SLOTS_SHA256 = "key_rotation_next_slots_sha256"
CERT_REVOCATION_REASON = "removed_for_cause"


class RotationPending(Exception):
    """An interrupted rotation is still to be finished: sign in again first."""


def _step(after_step: AfterStep | None, number: int) -> None:
    if after_step is not None:
        after_step(number)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- removal for cause ------------------------------------------------------------------
def remove_for_cause(
    installation: Installation,
    signed_in: SignedIn,
    account_id: str,
    reason: str,
    *,
    after_step: AfterStep | None = None,
) -> None:
    """Remove an account and rotate the master key (coordinators; a reason is required).

    Works for an active account and for one already deactivated (its holder may still
    have the old key). On return ``signed_in`` holds the new key and its session's vault
    is open again under it (the same :class:`Session` object). If anything fails after
    the next generation was written, the session's vault is closed and the error raised:
    the next sign-in finishes the rotation.
    """
    session = signed_in.session
    require(session.actor, Area.ACCOUNTS, Op.WRITE)
    why = (reason or "").strip()
    if not why:
        raise ReasonRequired()
    if account_id == signed_in.account.id:
        raise InvalidSetup("cannot remove yourself")
    if installation.pending_slots_path.exists():
        raise RotationPending()
    vault = session.vault
    account = account_store.get_account(vault.conn, account_id)
    if account is None:
        raise slots.NoSuchAccount()
    current = installation.slots()
    device_secret = _device_secret(installation, signed_in, current)
    new_master = secrets.token_bytes(slots.KEY_BYTES)
    following = slots.reseal(current.without_account(account_id), new_master, device_secret)
    following.account_slot(signed_in.account.id)  # the coordinator stays in it
    data = following.dump()

    now = format_utc(installation.clock.now_utc())
    with vault.transaction() as conn:
        records.set_meta(conn, META_NEXT_SLOTS_SHA256, _sha256(data))
        if account.active:
            account_store.update_account(conn, replace(account, active=False), now)
        if account.certificate_pem:
            serial = ca.cert_from_pem(account.certificate_pem.encode()).serial_number
            account_store.revoke_certificate(
                conn, str(serial), account_id, now, CERT_REVOCATION_REASON
            )
        session.trail.append(
            conn,
            session.actor,
            Action.ACCOUNT_DEACTIVATE,
            reason=f"removed for cause: {why} (account {account_id})",
        )
        session.trail.append(
            conn,
            session.actor,
            Action.KEY_ROTATION,
            reason=f"slot generation {following.generation}: account {account_id} removed",
        )
    _step(after_step, STEP_RECORDED)

    try:
        atomic_write(installation.pending_slots_path, data)  # fsyncs the file and the folder
        _step(after_step, STEP_NEXT_WRITTEN)
        vault.rekey(new_master)
        _step(after_step, STEP_REKEYED)
        write_key_check(vault.path, vault.vault_id, new_master)
        _step(after_step, STEP_KEY_CHECK)
        vault.reopen(new_master)
        _check_integrity(vault)
        signed_in.unlocked = Unlocked(
            new_master, signed_in.unlocked.slot_private_key, signed_in.unlocked.device_secret
        )
        _step(after_step, STEP_VERIFIED)
        _replace_slots(installation)
        _step(after_step, STEP_REPLACED)
    except BaseException:
        if installation.pending_slots_path.exists():
            vault.close()  # the next sign-in rolls forward; this session cannot go on
        raise


def unfinished_removals(installation: Installation, signed_in: SignedIn) -> list[str]:
    """Inactive accounts that still have a slot: run :func:`remove_for_cause` again.

    This is what a crash between step 0 and step 1 leaves (or an interrupted plain
    deactivation): the application refuses the account, but its password still opens
    the current slot generation.
    """
    require(signed_in.session.actor, Area.ACCOUNTS, Op.READ)
    inactive = {
        a.id for a in account_store.list_accounts(signed_in.session.vault.conn) if not a.active
    }
    return sorted(
        s.account_id
        for s in installation.slots().slots
        if s.kind == slots.KIND_ACCOUNT and s.account_id in inactive
    )


def _device_secret(
    installation: Installation, signed_in: SignedIn, current: SlotsFile
) -> bytes | None:
    """What the recovery slot must keep sealed next to the master key."""
    if signed_in.unlocked.device_secret is not None:
        return signed_in.unlocked.device_secret  # it just opened the coordinator's slot
    if not any(s.device_bound for s in current.slots):
        return None
    keystore = installation.keystore
    secret = keystore.get(current.vault_id) if keystore is not None else None
    if secret is None:
        # Re-sealing without it would leave the recovery code unable to restore it.
        raise DeviceSecretMissing()
    return secret


def _check_integrity(vault: Vault) -> None:
    problems = vault.integrity_problems()
    if problems:
        raise errors.VaultDamaged("; ".join(problems[:5]))


def _replace_slots(installation: Installation) -> None:
    os.replace(installation.pending_slots_path, installation.slots_path)
    fsync_dir(installation.slots_path.parent)


# -- finishing an interrupted rotation ------------------------------------------------------
def resolve_pending_rotation(
    installation: Installation,
    slots_file: SlotsFile,
    unlocked: Unlocked | None,
    password: str,
    account_id: str,
    derive: Derive,
) -> tuple[SlotsFile, Unlocked]:
    """At sign-in, when ``.slots.next`` exists: finish the rotation, forward only.

    ``slots_file`` is the current generation and ``unlocked`` what this person's slot
    in it gave (``None``: not unlocked yet; the password unlocks it here first). Returns
    the generation now in force and what this person's slot unlocks in it.

    Nothing in ``.slots.next`` is believed before the vault proves it. While the vault
    still opens with the current key, the file's hash is checked against the one the
    vault recorded (the commitment) before the file is parsed or anyone is looked up in
    it: a file that does not match, or cannot be read, is set aside and audited, and the
    sign-in goes on with the current generation (an inactive account gets
    :class:`AccountInactive` and the file is left for an active one to set aside). Once
    the vault opens only with the next key, the next generation is the one in force.

    Raises :class:`~sac_desktop.security.slots.NoSuchAccount`, changing nothing, when the
    person is not in a proven next generation (the removed account).

    Safe to run again after an interruption of its own: the next generation stays on
    disk until the vault has been verified under its key.
    """
    if unlocked is None:
        unlocked = _unlock_with_password(installation, slots_file, account_id, password, derive)
    if key_opens(installation.paths.vault, unlocked.master_key):
        return _resolve_before_rekey(
            installation, slots_file, unlocked, password, account_id, derive
        )
    return _resolve_after_rekey(installation, slots_file, unlocked, password, account_id, derive)


def _resolve_before_rekey(
    installation: Installation,
    slots_file: SlotsFile,
    unlocked: Unlocked,
    password: str,
    account_id: str,
    derive: Derive,
) -> tuple[SlotsFile, Unlocked]:
    """The vault still opens with the current key: only a committed file may move it."""
    vault_path = installation.paths.vault
    if not key_check_matches(vault_path, unlocked.master_key):
        # key_opens just proved this key reads the database; the key-check file disagreed.
        write_key_check(vault_path, slots_file.vault_id, unlocked.master_key)
    vault = Vault.open(vault_path, unlocked.master_key)
    try:
        committed = records.get_meta(vault.conn, META_NEXT_SLOTS_SHA256)
        data = _read_pending(installation)
        if data is None or committed is None or not hmac.compare_digest(committed, _sha256(data)):
            actor = _active_actor(vault, account_id)  # inactive: leave it, change nothing
            _set_aside(installation, vault, _trail(installation, vault), actor, data is None)
            return slots_file, unlocked
        following = SlotsFile.parse(data)
        _check_follows(following, slots_file)
        mine = following.account_slot(account_id)  # NoSuchAccount: removed, nothing changes
        new = _unlock_next(
            installation, following, mine, slots_file, unlocked, account_id, password, derive
        )
        actor = _active_actor(vault, account_id)
        trail = _trail(installation, vault)
        vault.rekey(new.master_key)
        write_key_check(vault_path, following.vault_id, new.master_key)
        vault.reopen(new.master_key)
        _finish(vault, trail, actor, following, "before")
    finally:
        vault.close()
    _replace_slots(installation)
    return following, new


def _resolve_after_rekey(
    installation: Installation,
    slots_file: SlotsFile,
    unlocked: Unlocked,
    password: str,
    account_id: str,
    derive: Derive,
) -> tuple[SlotsFile, Unlocked]:
    """The current key no longer reads the vault: the next generation must (the vault
    itself proves it). A damaged file is raised and never touched: it is then the only
    way to the key the vault holds."""
    following = SlotsFile.parse(installation.pending_slots_path.read_bytes())
    _check_follows(following, slots_file)
    mine = following.account_slot(account_id)  # NoSuchAccount: removed, nothing changes
    new = _unlock_next(
        installation, following, mine, slots_file, unlocked, account_id, password, derive
    )
    vault_path = installation.paths.vault
    if not key_opens(vault_path, new.master_key):
        raise errors.VaultDamaged("neither the current nor the next key reads the vault")
    if not key_check_matches(vault_path, new.master_key):
        # Proven by the database itself just above; the file lagged (crash after rekey).
        write_key_check(vault_path, following.vault_id, new.master_key)
    vault = Vault.open(vault_path, new.master_key)
    try:
        _finish(
            vault, _trail(installation, vault), _active_actor(vault, account_id), following, "after"
        )
    finally:
        vault.close()
    _replace_slots(installation)
    return following, new


def _read_pending(installation: Installation) -> bytes | None:
    try:
        return installation.pending_slots_path.read_bytes()
    except OSError:
        return None


def _check_follows(following: SlotsFile, current: SlotsFile) -> None:
    if following.vault_id != current.vault_id:
        raise slots.ForeignSlot()
    if following.generation != current.generation + 1:
        raise slots.SlotsDamaged("the next slot generation does not follow the current one")


def _trail(installation: Installation, vault: Vault) -> AuditTrail:
    return AuditTrail(vault, read_info(vault).workstation, installation.clock, installation.anchors)


def _finish(vault: Vault, trail: AuditTrail, actor: Actor, following: SlotsFile, when: str) -> None:
    """The vault is under the next key: verify it and audit the finished rotation."""
    _check_integrity(vault)
    with vault.transaction() as conn:
        trail.append(
            conn,
            actor,
            Action.KEY_ROTATION,
            reason=(
                f"slot generation {following.generation} finished at sign-in after an"
                f" interruption ({when} the rekey)"
            ),
        )


def _unlock_with_password(
    installation: Installation,
    current: SlotsFile,
    account_id: str,
    password: str,
    derive: Derive,
) -> Unlocked:
    """This person's slot in the current generation, as a normal sign-in opens it."""
    slot = current.account_slot(account_id)
    device: bytes | None = None
    if slot.device_bound:
        keystore = installation.keystore
        device = keystore.get(current.vault_id) if keystore is not None else None
        if device is None:
            raise DeviceSecretMissing()
    return slots.unlock_account(current, account_id, password, device, derive)


def _unlock_next(
    installation: Installation,
    following: SlotsFile,
    mine: Slot,
    current: SlotsFile,
    unlocked: Unlocked,
    account_id: str,
    password: str,
    derive: Derive,
) -> Unlocked:
    """The next generation's master key for this person (no second key derivation when
    the slot's key pair is the same in both generations: re-sealing keeps it)."""
    try:
        before = current.account_slot(account_id)
    except slots.NoSuchAccount:
        before = None
    if before is not None and before.public_key == mine.public_key:
        master = _open_master(following, mine, unlocked.slot_private_key)
        return Unlocked(master, unlocked.slot_private_key, unlocked.device_secret)
    device: bytes | None = None
    if mine.device_bound:
        device = unlocked.device_secret
        if device is None and installation.keystore is not None:
            device = installation.keystore.get(following.vault_id)
        if device is None:
            raise DeviceSecretMissing()
    return slots.unlock_account(following, account_id, password, device, derive)


def _open_master(slots_file: SlotsFile, slot: Slot, private_key: bytes) -> bytes:
    aad = slots.sealed_aad(slots_file.vault_id, slot.slot_id, slots_file.generation, "master")
    try:
        master = slots.open_sealed(private_key, slot.sealed, aad)
    except InvalidTag as exc:
        raise slots.SlotsDamaged("sealed master key does not authenticate") from exc
    if len(master) != slots.KEY_BYTES:
        raise slots.SlotsDamaged("master key length")
    return master


def _active_actor(vault: Vault, account_id: str) -> Actor:
    account = account_store.get_account(vault.conn, account_id)
    if account is None or not account.active:
        raise AccountInactive()
    return Actor(account.id, Role(account.role))


def _set_aside(
    installation: Installation, vault: Vault, trail: AuditTrail, actor: Actor, unreadable: bool
) -> None:
    """A next generation the vault never committed to: keep it as evidence, never use it."""
    stamp = installation.clock.now_utc().strftime("%Y%m%dT%H%M%SZ")
    source = installation.pending_slots_path
    target = Path(f"{source}.rejected-{stamp}-{secrets.token_hex(3)}")
    what = (
        "an unreadable next slot generation"
        if unreadable
        else ("a next slot generation the vault did not record")
    )
    try:
        os.replace(source, target)
    except OSError as exc:
        # Still never used: every sign-in checks it against the vault again.
        outcome = f"could not be set aside ({type(exc).__name__}); left unused"
    else:
        fsync_dir(source.parent)
        outcome = f"was set aside as {target.name}, unused"
    with vault.transaction() as conn:
        trail.append(conn, actor, Action.KEY_ROTATION, reason=f"{what} {outcome}")
