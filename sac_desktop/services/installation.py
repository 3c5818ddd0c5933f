"""One installation: first-run setup, sign-in, recovery and staff accounts (Qt-free).

The files beside the vault: ``vault.sacdb.slots`` (sealed key slots and the account
directory), ``preauth.log`` (failed sign-ins, sealed) and ``signin-throttle.json``.
While someone is signed in, :class:`SignedIn` holds what their slot unlocked (the master
key, their slot key); signing out or locking drops it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from sac_desktop.domain.audit import Action
from sac_desktop.domain.case_number import valid_centre_code, valid_workstation_code
from sac_desktop.domain.clock import Clock, format_utc
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.fsutil import atomic_write
from sac_desktop.paths import Paths
from sac_desktop.security import ca, slots
from sac_desktop.security.anchors import HeadAnchor
from sac_desktop.security.kdf import KdfParams, calibrate
from sac_desktop.security.keys import VaultKey
from sac_desktop.security.keystore import BackendStatus
from sac_desktop.security.passwords import PasswordProblem, check_password
from sac_desktop.security.recovery import RecoveryCode, new_recovery_code, recovery_key
from sac_desktop.security.slots import Derive, DirectoryEntry, SlotsFile, Unlocked
from sac_desktop.services.documents import NoSigningKey, SigningIdentity
from sac_desktop.services.permissions import Area, Op, require
from sac_desktop.services.session import SETTING_LOCK_TIMEOUT, Session
from sac_desktop.services.signin_guard import PreAuthEvent, PreAuthLog, Throttle
from sac_desktop.services.vaults import create_vault, open_vault
from sac_desktop.storage import accounts as account_store
from sac_desktop.storage import audit_log, records
from sac_desktop.storage.vault import Vault

EXTRA_SIGNING_KEY = "signing_key"
EXTRA_CA_KEY = "ca_key"
META_CA_CERT = "ca_certificate_pem"
META_INSTALLATION_KEY = "installation_private_key"
SETTING_KDF = "kdf_params"  # what setup calibrated: new slots use it
SETTING_CLOCK_SEEN = "clock_jumps_shown_up_to_seq"


class SecretStore(Protocol):
    """Where the device secret lives (security.keystore.DeviceSecretStore in production)."""

    def status(self) -> BackendStatus: ...

    def get(self, vault_id: str) -> bytes | None: ...

    def put(self, vault_id: str, secret: bytes) -> None: ...


class PasswordRejected(ValueError):
    def __init__(self, problems: Sequence[PasswordProblem]) -> None:
        super().__init__(",".join(p.value for p in problems))
        self.problems = list(problems)


class DeviceSecretMissing(Exception):
    """The OS keyring lost this installation's device secret: use the recovery code."""


class KeyringUnavailable(Exception):
    """This installation's slots need the OS keyring, which cannot be reached right now."""


class AccountInactive(Exception):
    """This account was deactivated."""


class ReasonRequired(ValueError):
    """Creating or resetting a psychologist account needs a reason."""


class InvalidSetup(ValueError):
    """A setup field is not valid (codes, names)."""


@dataclass(frozen=True)
class SetupRequest:
    centre_code: str
    centre_name: str
    workstation: str
    language: str
    username: str
    display_name: str
    password: str
    training: bool = False


@dataclass(frozen=True)
class SetupResult:
    recovery_code: RecoveryCode
    ca_fingerprint: str
    device_bound: bool  # False: no real OS keyring; the password alone protects the slots


@dataclass
class SignedIn:
    """A signed-in person: the services, and what their slot unlocked (never logged)."""

    session: Session
    account: account_store.AccountRow
    unlocked: Unlocked = field(repr=False)
    notices: list[tuple[int, str, str | None, str | None, str]] = field(default_factory=list)


def slot_fingerprint(slot: slots.Slot) -> str:
    """What identifies the current wrapping of an account's slot (not its sealed parts,
    which change with every rotation)."""
    wrapped = slot.wrapped_private_key
    text = "|".join(
        (
            slot.slot_id,
            slot.salt.hex(),
            slot.kek_check.hex(),
            str(wrapped.get("nonce")),
            str(wrapped.get("ct")),
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _reason(reason: str | None) -> str | None:
    """A reason as the audit trail keeps it: trimmed, or none at all."""
    return (reason or "").strip() or None


def _tell_psychologists(
    conn: object, kind: str, account_id: str, reason: str | None, now: str
) -> None:
    """A notice shown to every psychologist at their next sign-in."""
    account_store.add_notice(
        conn, Role.PSYCHOLOGIST.value, kind, account_id, (reason or "").strip(), now
    )


def _slot_setting(account_id: str, which: str = "current") -> str:
    return f"{which}_slot:{account_id}"


def _begin_slot_change(conn: object, account_id: str, slot: slots.Slot) -> None:
    """Before the slots file is written: this is the slot that will be current."""
    account_store.set_setting(conn, _slot_setting(account_id, "pending"), slot_fingerprint(slot))


def _finish_slot_change(session: Session, account_id: str) -> None:
    """After the slots file was written: the new slot is current, older copies are refused."""
    with session.vault.transaction() as conn:
        pending = account_store.get_setting(conn, _slot_setting(account_id, "pending"))
        if pending:
            account_store.set_setting(conn, _slot_setting(account_id), pending)
            account_store.set_setting(conn, _slot_setting(account_id, "pending"), "")


def _check_new_password(password: str, *context: str) -> None:
    problems = check_password(password, context=context)
    if problems:
        raise PasswordRejected(problems)


class Installation:
    def __init__(
        self,
        paths: Paths,
        clock: Clock,
        derive: Derive,
        kdf_params: KdfParams,
        keystore: SecretStore | None,
        anchors: Sequence[HeadAnchor] = (),
        calibrate_kdf: bool = False,
    ) -> None:
        self.calibrate_kdf = calibrate_kdf  # production: ~0.5 s on this machine, >= floor
        self.paths = paths
        self.clock = clock
        self.derive = derive
        self.kdf_params = kdf_params
        self.keystore = keystore
        self.anchors = list(anchors)

    # -- files ------------------------------------------------------------------------
    @property
    def slots_path(self) -> Path:
        return self.paths.vault.with_name(self.paths.vault.name + ".slots")

    @property
    def pending_slots_path(self) -> Path:
        return self.paths.vault.with_name(self.paths.vault.name + ".slots.next")

    @property
    def throttle(self) -> Throttle:
        return Throttle(self.paths.data / "signin-throttle.json")

    @property
    def preauth(self) -> PreAuthLog:
        return PreAuthLog(self.paths.data / "preauth.log")

    def exists(self) -> bool:
        return self.paths.vault.exists() or self.slots_path.exists()

    def slots(self) -> SlotsFile:
        return SlotsFile.load(self.slots_path)

    def directory(self) -> list[DirectoryEntry]:
        return sorted(self.slots().directory, key=lambda d: d.display_name.casefold())

    def _device_secret_new(self) -> bytes | None:
        if self.keystore is None or self.keystore.status().kind != "real":
            return None
        return secrets.token_bytes(32)

    # -- setup ------------------------------------------------------------------------
    def setup(self, request: SetupRequest) -> SetupResult:
        """Create the vault, the centre CA, the first coordinator and the recovery code."""
        if self.exists():
            raise FileExistsError("this data folder already holds a vault")
        if not valid_centre_code(request.centre_code) or not valid_workstation_code(
            request.workstation
        ):
            raise InvalidSetup("codes")
        if not request.centre_name.strip() or not request.display_name.strip():
            raise InvalidSetup("names")
        if not request.username.strip():
            raise InvalidSetup("username")
        _check_new_password(request.password, request.username, request.display_name)
        params = calibrate() if self.calibrate_kdf else self.kdf_params
        now = self.clock.now_utc()
        master = secrets.token_bytes(32)
        device = self._device_secret_new()
        account_id = str(uuid.uuid4())
        actor = Actor(account_id, Role.COORDINATOR)
        vault = create_vault(
            self.paths.vault,
            VaultKey(master),
            centre=request.centre_code,
            workstation=request.workstation,
            clock=self.clock,
            creator=actor,
            training=request.training,
            anchors=self.anchors,
        )
        try:
            vault_id = vault.vault_id
            if device is not None and self.keystore is not None:
                self.keystore.put(vault_id, device)
            centre_ca = ca.create_centre_ca(request.centre_code, request.centre_name, now)
            ca_der = ca.private_key_to_der(centre_ca.private_key)
            signing_key = ca.new_signing_key()
            certificate = ca.issue_signing_certificate(
                centre_ca,
                account_id=account_id,
                display_name=request.display_name,
                role=Role.COORDINATOR.value,
                public_key=signing_key.public_key(),
                now=now,
            )
            install_private, install_public = slots.new_keypair()
            code = new_recovery_code()
            recovery_slot = slots.make_recovery_slot(
                vault_id=vault_id,
                generation=1,
                recovery_key=recovery_key(code, vault_id),
                master_key=master,
                device_secret=device,
                extra={EXTRA_CA_KEY: ca_der},
            )
            account_slot, _ = slots.make_account_slot(
                vault_id=vault_id,
                generation=1,
                account_id=account_id,
                password=request.password,
                params=params,
                device_secret=device,
                master_key=master,
                derive=self.derive,
                extra={EXTRA_SIGNING_KEY: ca.private_key_to_der(signing_key), EXTRA_CA_KEY: ca_der},
            )
            entry = DirectoryEntry(
                account_id,
                request.username.strip(),
                request.display_name.strip(),
                Role.COORDINATOR.value,
            )
            with vault.transaction() as conn:
                records.set_meta(conn, META_CA_CERT, ca.cert_to_pem(centre_ca.certificate).decode())
                records.set_meta(
                    conn, META_INSTALLATION_KEY, base64.b64encode(install_private).decode()
                )
                account_store.set_setting(conn, "language", request.language)
                account_store.set_setting(conn, SETTING_KDF, json.dumps(params.to_dict()))
                account_store.set_setting(conn, "centre_name", request.centre_name.strip())
                account_store.insert_account(
                    conn,
                    account_store.AccountRow(
                        account_id,
                        entry.username,
                        entry.display_name,
                        Role.COORDINATOR.value,
                        True,
                        request.language,
                        ca.cert_to_pem(certificate).decode(),
                    ),
                    format_utc(now),
                )
                Session(vault, actor, self.clock, self.anchors).trail.append(
                    conn, actor, Action.ACCOUNT_CREATE, reason="first coordinator at setup"
                )
            SlotsFile(vault_id, 1, install_public, (account_slot, recovery_slot), (entry,)).save(
                self.slots_path
            )
        except BaseException:
            # A half-built vault would block setup for ever: nothing in it is worth keeping.
            vault.close()
            self._remove_unfinished_vault()
            raise
        vault.close()
        return SetupResult(code, ca.fingerprint(centre_ca.certificate), device is not None)

    def _remove_unfinished_vault(self) -> None:
        vault = self.paths.vault
        for path in (
            vault,
            *(
                vault.with_name(vault.name + s)
                for s in ("-wal", "-shm", ".keycheck", ".lock", ".slots")
            ),
        ):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    # -- sign-in ----------------------------------------------------------------------
    def sign_in(self, name: str, password: str) -> SignedIn:
        """Unlock a slot and open the vault as that person (the slow part is the KDF)."""
        slots_file = self.slots()
        entry = slots_file.find_account(name)
        now = self.clock.now_utc()
        self.throttle.check(entry.account_id, now)
        slot = slots_file.account_slot(entry.account_id)
        device = None
        if slot.device_bound:
            if self.keystore is None or self.keystore.status().kind != "real":
                raise KeyringUnavailable()  # the keyring is not there: nothing was lost
            device = self.keystore.get(slots_file.vault_id)
            if device is None:
                raise DeviceSecretMissing()
        try:
            unlocked = slots.unlock_account(
                slots_file, entry.account_id, password, device, self.derive
            )
        except slots.WrongPassword:
            self.throttle.record_failure(entry.account_id, now)
            self.preauth.append(
                slots_file.installation_public_key,
                PreAuthEvent(format_utc(now), entry.account_id, "wrong_password"),
            )
            raise
        if self.pending_slots_path.exists():
            # A key rotation was interrupted: finish it (forward only) before opening the
            # vault. Imported here because rotation imports this module.
            from sac_desktop.services.rotation import resolve_pending_rotation

            try:
                slots_file, unlocked = resolve_pending_rotation(
                    self, slots_file, unlocked, password, entry.account_id, self.derive
                )
            except slots.NoSuchAccount:
                # Removed for cause: the password still opens the generation being replaced.
                self.preauth.append(
                    slots_file.installation_public_key,
                    PreAuthEvent(format_utc(now), entry.account_id, "removed_account"),
                )
                raise
        return self._open_as(slots_file, entry.account_id, unlocked)

    def _open_as(self, slots_file: SlotsFile, account_id: str, unlocked: Unlocked) -> SignedIn:
        vault = open_vault(self.paths.vault, VaultKey(unlocked.master_key), self.paths.backups)
        try:
            account = account_store.get_account(vault.conn, account_id)
            if account is None or not account.active:
                raise AccountInactive()
            actor = Actor(account.id, Role(account.role))
            session = Session(vault, actor, self.clock, self.anchors)
            self._merge_preauth(session)
            slot = slots_file.account_slot(account_id)
            recorded = account_store.get_setting(vault.conn, _slot_setting(account_id))
            pending = account_store.get_setting(vault.conn, _slot_setting(account_id, "pending"))
            if pending and pending == slot_fingerprint(slot):
                recorded = None  # the change was written just before a crash: finish it
            if recorded is not None and recorded != slot_fingerprint(slot):
                # An older copy of the slots file (a password since reset or changed): the
                # vault remembers which slot is current and refuses the stale one.
                with vault.transaction() as conn:
                    session.trail.append(conn, actor, Action.SIGN_IN_FAILED, reason="stale_slot")
                raise slots.SlotsDamaged("stale slot")
            with vault.transaction() as conn:
                if recorded is None:
                    account_store.set_setting(
                        conn, _slot_setting(account_id), slot_fingerprint(slot)
                    )
                    account_store.set_setting(conn, _slot_setting(account_id, "pending"), "")
                session.trail.append(conn, actor, Action.SIGN_IN)
            notices = account_store.unseen_notices(vault.conn, account.id, account.role)
        except BaseException:
            vault.close()
            raise
        self.throttle.clear(account_id)
        session.documents.signer = lambda: self._signing_identity(account_id, unlocked, vault)
        return SignedIn(session, account, unlocked, notices)

    def _signing_identity(
        self, account_id: str, unlocked: Unlocked, vault: Vault
    ) -> SigningIdentity:
        """The signed-in person's signing key (from their slot), their certificate and the
        centre CA's, read when a document is signed (never kept on disk in the clear)."""
        der = slots.open_extra(self.slots(), account_id, unlocked, EXTRA_SIGNING_KEY)
        account = account_store.get_account(vault.conn, account_id)
        ca_pem = records.get_meta(vault.conn, META_CA_CERT)
        if account is None or not account.certificate_pem or ca_pem is None:
            raise NoSigningKey()
        return SigningIdentity(
            ca.private_key_from_der(der),
            ca.cert_from_pem(account.certificate_pem.encode()),
            (ca.cert_from_pem(ca_pem.encode()),),
        )

    def _merge_preauth(self, session: Session) -> None:
        key_text = records.get_meta(session.vault.conn, META_INSTALLATION_KEY)
        if key_text is None:
            return
        events, damaged = self.preauth.read(base64.b64decode(key_text))
        if not events and not damaged:
            return
        with session.vault.transaction() as conn:
            for event in events:
                known = account_store.get_account(conn, event.account_id)
                # The role comes from the vault, never from the unauthenticated directory.
                role = Role(known.role) if known is not None else Role.COORDINATOR
                if known is not None or event.event == "recovery_used":
                    actor_id = event.account_id
                else:
                    actor_id = "unknown-account"
                session.trail.append(
                    conn,
                    Actor(actor_id, role),
                    Action.SIGN_IN_FAILED,
                    reason=f"{event.event} at {event.at_utc}",
                )
            if damaged:
                session.trail.append(
                    conn,
                    session.actor,
                    Action.SIGN_IN_FAILED,
                    reason=f"{damaged} unreadable pre-sign-in records",
                )
        self.preauth.clear()

    # -- recovery ---------------------------------------------------------------------
    def change_own_password(
        self, signed_in: SignedIn, current_password: str, new_password: str
    ) -> None:
        """Rewrap the signed-in person's own slot under a new password (audited). The current
        password is asked again: an unattended session must not let anyone take it over."""
        account = signed_in.account
        _check_new_password(new_password, account.username, account.display_name)
        slots_file = self.slots()
        slot = slots_file.account_slot(account.id)
        device = signed_in.unlocked.device_secret if slot.device_bound else None
        slots.unlock_account(slots_file, account.id, current_password, device, self.derive)
        params = slot.kdf if slot.kdf is not None else self.kdf_params
        stored = account_store.get_setting(signed_in.session.vault.conn, SETTING_KDF)
        if stored:
            params = KdfParams.from_dict(json.loads(stored))
        changed = slots.change_password(
            slots_file, account.id, signed_in.unlocked, new_password, params, device, self.derive
        )
        session = signed_in.session
        new_slot = changed.account_slot(account.id)
        with session.vault.transaction() as conn:
            session.trail.append(conn, session.actor, Action.PASSWORD_CHANGE)
            _begin_slot_change(conn, account.id, new_slot)
        changed.save(self.slots_path)
        _finish_slot_change(session, account.id)

    def recover_device_secret(self, code: RecoveryCode) -> bool:
        """The keyring lost the device secret: the recovery slot holds it; write it back.

        Only after proving the recovered master key opens this vault (a planted recovery
        slot must not replace the real secret). Recorded for the audit trail. Returns
        whether anything was written."""
        from sac_desktop.storage.vault import key_opens

        slots_file = self.slots()
        unlocked = slots.unlock_recovery(slots_file, recovery_key(code, slots_file.vault_id))
        if not key_opens(self.paths.vault, unlocked.master_key):
            raise slots.SlotsDamaged("the recovery slot does not open this vault")
        self.preauth.append(
            slots_file.installation_public_key,
            PreAuthEvent(format_utc(self.clock.now_utc()), "recovery-code", "recovery_used"),
        )
        if unlocked.device_secret is None or self.keystore is None:
            return False
        self.keystore.put(slots_file.vault_id, unlocked.device_secret)
        return True


class AccountAdmin:
    """What a signed-in coordinator does with accounts (every call checks the role)."""

    def __init__(self, installation: Installation, signed_in: SignedIn) -> None:
        self.installation = installation
        self.me = signed_in

    def _require(self) -> None:
        require(self.me.session.actor, Area.ACCOUNTS, Op.WRITE)

    def _device(self, slots_file: SlotsFile) -> bytes | None:
        keystore = self.installation.keystore
        slot = slots_file.account_slot(self.me.account.id)
        if not slot.device_bound or keystore is None:
            return None
        return keystore.get(slots_file.vault_id)

    def _ca(self, slots_file: SlotsFile) -> ca.CentreCA:
        der = slots.open_extra(slots_file, self.me.account.id, self.me.unlocked, EXTRA_CA_KEY)
        pem = records.get_meta(self.me.session.vault.conn, META_CA_CERT)
        if pem is None:
            raise slots.SlotsDamaged("CA certificate missing")
        return ca.CentreCA(ca.private_key_from_der(der), ca.cert_from_pem(pem.encode()))

    def export_ca_certificate(self, path: Path) -> None:
        """The centre CA's certificate (public) written as PEM to a chosen file, so a
        prosecutor's office or hospital can trust the centre's signatures in their own
        PDF reader or with ``verify-report --trust``. Atomic, owner-only, audited."""
        self._require()
        pem = records.get_meta(self.me.session.vault.conn, META_CA_CERT)
        if pem is None:
            raise slots.SlotsDamaged("CA certificate missing")
        atomic_write(path, pem.encode())
        session = self.me.session
        with session.vault.transaction() as conn:
            session.trail.append(conn, session.actor, Action.CA_EXPORT)

    def list_accounts(self) -> list[account_store.AccountRow]:
        require(self.me.session.actor, Area.ACCOUNTS, Op.READ)
        return account_store.list_accounts(self.me.session.vault.conn)

    def _new_slot(
        self,
        slots_file: SlotsFile,
        account_id: str,
        display_name: str,
        role: Role,
        password: str,
        username: str,
    ) -> tuple[slots.Slot, str]:
        _check_new_password(password, username, display_name)
        now = self.installation.clock.now_utc()
        centre_ca = self._ca(slots_file)
        signing_key = ca.new_signing_key()
        certificate = ca.issue_signing_certificate(
            centre_ca,
            account_id=account_id,
            display_name=display_name,
            role=role.value,
            public_key=signing_key.public_key(),
            now=now,
        )
        extra = {EXTRA_SIGNING_KEY: ca.private_key_to_der(signing_key)}
        if role is Role.COORDINATOR:
            extra[EXTRA_CA_KEY] = ca.private_key_to_der(centre_ca.private_key)
        stored = account_store.get_setting(self.me.session.vault.conn, SETTING_KDF)
        params = KdfParams.from_dict(json.loads(stored)) if stored else self.installation.kdf_params
        slot, _ = slots.make_account_slot(
            vault_id=slots_file.vault_id,
            generation=slots_file.generation,
            account_id=account_id,
            password=password,
            params=params,
            device_secret=self._device(slots_file),
            master_key=self.me.unlocked.master_key,
            derive=self.installation.derive,
            extra=extra,
        )
        return slot, ca.cert_to_pem(certificate).decode()

    def create_account(
        self,
        username: str,
        display_name: str,
        role: Role,
        password: str,
        reason: str | None = None,
    ) -> str:
        self._require()
        if role is Role.PSYCHOLOGIST and not (reason and reason.strip()):
            raise ReasonRequired()
        slots_file = self.installation.slots()
        if any(d.username.casefold() == username.strip().casefold() for d in slots_file.directory):
            raise InvalidSetup("username taken")
        account_id = str(uuid.uuid4())
        slot, cert_pem = self._new_slot(
            slots_file, account_id, display_name.strip(), role, password, username.strip()
        )
        entry = DirectoryEntry(account_id, username.strip(), display_name.strip(), role.value)
        now = format_utc(self.installation.clock.now_utc())
        session = self.me.session
        with session.vault.transaction() as conn:
            account_store.insert_account(
                conn,
                account_store.AccountRow(
                    account_id,
                    entry.username,
                    entry.display_name,
                    role.value,
                    True,
                    None,
                    cert_pem,
                ),
                now,
            )
            session.trail.append(conn, session.actor, Action.ACCOUNT_CREATE, reason=_reason(reason))
            if role is Role.PSYCHOLOGIST:
                _tell_psychologists(conn, "psychologist_created", account_id, reason, now)
            _begin_slot_change(conn, account_id, slot)
        slots_file.with_slot(slot).with_directory_entry(entry).save(self.installation.slots_path)
        _finish_slot_change(session, account_id)
        return account_id

    def reset_password(self, account_id: str, new_password: str, reason: str | None = None) -> None:
        """A new slot and a new signing certificate; the old certificate is revoked."""
        self._require()
        session = self.me.session
        account = account_store.get_account(session.vault.conn, account_id)
        if account is None or not account.active:
            raise AccountInactive()
        role = Role(account.role)
        if role is Role.PSYCHOLOGIST and not (reason and reason.strip()):
            raise ReasonRequired()
        slots_file = self.installation.slots()
        slot, cert_pem = self._new_slot(
            slots_file, account_id, account.display_name, role, new_password, account.username
        )
        now = format_utc(self.installation.clock.now_utc())
        with session.vault.transaction() as conn:
            if account.certificate_pem:
                old = ca.cert_from_pem(account.certificate_pem.encode())
                account_store.revoke_certificate(
                    conn, str(old.serial_number), account_id, now, "password_reset"
                )
            account_store.update_account(conn, replace(account, certificate_pem=cert_pem), now)
            session.trail.append(conn, session.actor, Action.PASSWORD_RESET, reason=_reason(reason))
            if role is Role.PSYCHOLOGIST:
                _tell_psychologists(conn, "psychologist_reset", account_id, reason, now)
            _begin_slot_change(conn, account_id, slot)
        slots_file.without_account(account_id).with_slot(slot).with_directory_entry(
            DirectoryEntry(account_id, account.username, account.display_name, account.role)
        ).save(self.installation.slots_path)
        _finish_slot_change(session, account_id)
        self.installation.throttle.clear(account_id)

    def deactivate(self, account_id: str, reason: str | None = None) -> None:
        """The account's slot is removed: that password no longer opens anything."""
        self._require()
        if account_id == self.me.account.id:
            raise InvalidSetup("cannot deactivate yourself")
        session = self.me.session
        account = account_store.get_account(session.vault.conn, account_id)
        if account is None:
            raise AccountInactive()
        now = format_utc(self.installation.clock.now_utc())
        with session.vault.transaction() as conn:
            account_store.update_account(conn, replace(account, active=False), now)
            session.trail.append(conn, session.actor, Action.ACCOUNT_DEACTIVATE, reason=reason)
        self.installation.slots().without_account(account_id).save(self.installation.slots_path)

    def edit_account(
        self, account_id: str, display_name: str, role: Role, reason: str | None = None
    ) -> None:
        """Rename an account or change its role. A new role gets a new signing certificate
        (the role is in it; the old one is revoked); becoming a psychologist needs a reason."""
        self._require()
        session = self.me.session
        account = account_store.get_account(session.vault.conn, account_id)
        if account is None or not account.active:
            raise AccountInactive()
        if not display_name.strip():
            raise InvalidSetup("names")
        old_role = Role(account.role)
        # Into or out of the psychologist role: a reason, and the psychologists are told.
        involves_psychologist = Role.PSYCHOLOGIST in (role, old_role) and role is not old_role
        if involves_psychologist and not (reason and reason.strip()):
            raise ReasonRequired()
        if account_id == self.me.account.id and role is not Role.COORDINATOR:
            raise InvalidSetup("a coordinator cannot give up the role themselves")
        slots_file = self.installation.slots()
        slot = slots_file.account_slot(account_id)
        cert_pem = account.certificate_pem
        now_text = format_utc(self.installation.clock.now_utc())
        revoke: str | None = None
        if role is not old_role or display_name.strip() != account.display_name:
            centre_ca = self._ca(slots_file)
            signing_key = ca.new_signing_key()
            certificate = ca.issue_signing_certificate(
                centre_ca,
                account_id=account_id,
                display_name=display_name.strip(),
                role=role.value,
                public_key=signing_key.public_key(),
                now=self.installation.clock.now_utc(),
            )
            slots_file = slots.add_extra(
                slots_file, slot, EXTRA_SIGNING_KEY, ca.private_key_to_der(signing_key)
            )
            if role is Role.COORDINATOR and old_role is not Role.COORDINATOR:
                slot = slots_file.account_slot(account_id)
                slots_file = slots.add_extra(
                    slots_file, slot, EXTRA_CA_KEY, ca.private_key_to_der(centre_ca.private_key)
                )
            if account.certificate_pem:
                revoke = str(ca.cert_from_pem(account.certificate_pem.encode()).serial_number)
            cert_pem = ca.cert_to_pem(certificate).decode()
        if old_role is Role.COORDINATOR and role is not Role.COORDINATOR:
            slot = slots_file.account_slot(account_id)
            extra = {k: v for k, v in slot.sealed_extra.items() if k != EXTRA_CA_KEY}
            slots_file = slots_file.with_slot(replace(slot, sealed_extra=extra))
        with session.vault.transaction() as conn:
            if revoke is not None:
                account_store.revoke_certificate(conn, revoke, account_id, now_text, "superseded")
            account_store.update_account(
                conn,
                replace(
                    account,
                    display_name=display_name.strip(),
                    role=role.value,
                    certificate_pem=cert_pem,
                ),
                now_text,
            )
            session.trail.append(conn, session.actor, Action.ACCOUNT_UPDATE, reason=_reason(reason))
            if involves_psychologist:
                kind = "psychologist_created" if role is Role.PSYCHOLOGIST else "psychologist_left"
                _tell_psychologists(conn, kind, account_id, reason, now_text)
        slots_file.with_directory_entry(
            DirectoryEntry(account_id, account.username, display_name.strip(), role.value)
        ).save(self.installation.slots_path)

    def set_lock_timeout(self, minutes: int) -> None:
        """The idle time before the screen locks: 1 to 15 minutes (audited)."""
        require(self.me.session.actor, Area.SETTINGS, Op.WRITE)
        if not 1 <= minutes <= 15:
            raise ValueError("lock timeout is 1 to 15 minutes")
        session = self.me.session
        with session.vault.transaction() as conn:
            account_store.set_setting(conn, SETTING_LOCK_TIMEOUT, str(minutes))
            session.trail.append(
                conn,
                session.actor,
                Action.SETTING_CHANGE,
                reason=f"{SETTING_LOCK_TIMEOUT}={minutes}",
            )

    def clock_jumps(self) -> list[tuple[str, str | None]]:
        """When the system clock moved backwards, and by how much (coordinators are told)."""
        require(self.me.session.actor, Area.AUDIT, Op.READ)
        rows = audit_log.records_with_action(
            self.me.session.vault.conn, Action.CLOCK_BACKWARDS.value
        )
        return [(r.at_utc, r.reason) for r in rows]

    def new_clock_jumps(self) -> list[tuple[str, str | None]]:
        """Clock jumps no coordinator was shown yet; marks them shown."""
        require(self.me.session.actor, Area.AUDIT, Op.READ)
        session = self.me.session
        seen = int(account_store.get_setting(session.vault.conn, SETTING_CLOCK_SEEN) or 0)
        rows = [
            r
            for r in audit_log.records_with_action(session.vault.conn, Action.CLOCK_BACKWARDS.value)
            if r.seq > seen
        ]
        if rows:
            with session.vault.transaction() as conn:
                account_store.set_setting(conn, SETTING_CLOCK_SEEN, str(max(r.seq for r in rows)))
        return [(r.at_utc, r.reason) for r in rows]

    def lift_throttle(self, account_id: str) -> None:
        require(self.me.session.actor, Area.AUDIT, Op.WRITE)
        session = self.me.session
        with session.vault.transaction() as conn:
            session.trail.append(conn, session.actor, Action.THROTTLE_LIFT, reason=account_id)
        self.installation.throttle.clear(account_id)


def mark_notices_seen(signed_in: SignedIn) -> None:
    """The notices shown at this sign-in are not shown to this person again."""
    if not signed_in.notices:
        return
    session = signed_in.session
    now = format_utc(session.trail.clock.now_utc())
    with session.vault.transaction() as conn:
        for notice in signed_in.notices:
            account_store.mark_notice_seen(conn, notice[0], signed_in.account.id, now)


def production_installation(paths: Paths, throwaway: bool = False) -> Installation:
    """Argon2id in a child process (calibrated at setup), the OS keyring, both anchors.

    A throwaway training vault stays out of the OS keyring (nothing to clean up there).
    """
    from sac_desktop.domain.clock import SystemClock
    from sac_desktop.security.kdf import FLOOR, derive_in_subprocess
    from sac_desktop.security.keystore import DeviceSecretStore
    from sac_desktop.services.session import default_anchors

    if throwaway:
        from sac_desktop.security.anchors import FileAnchor

        return Installation(
            paths, SystemClock(), derive_in_subprocess, FLOOR, None, [FileAnchor(paths.anchors)]
        )
    return Installation(
        paths,
        SystemClock(),
        derive_in_subprocess,
        FLOOR,
        DeviceSecretStore(),
        default_anchors(paths),
        calibrate_kdf=True,
    )


__all__ = [
    "AccountAdmin",
    "DirectoryEntry",
    "Installation",
    "SetupRequest",
    "SetupResult",
    "SignedIn",
]
