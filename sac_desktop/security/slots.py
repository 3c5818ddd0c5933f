"""Sealed key slots: the vault's master key sealed to every account and to the recovery key.

Each slot has an X25519 key pair. The master key (and, for the recovery slot, the device
secret) is sealed to the slot's public key, so a coordinator can add an account or rotate
the master key without knowing anyone's password. The slot's private key is wrapped with
AES-GCM under a key-encryption key derived from the password (Argon2id) and, where the OS
keyring is real, the device secret kept there; the associated data names the vault, the
slot, the account and the KDF parameters, so a slot copied from elsewhere is reported as
foreign and a changed parameter is detected. Qt-free.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sac_desktop.domain.entries import canonical_json
from sac_desktop.fsutil import atomic_write
from sac_desktop.security.kdf import KdfParams, check_params

FORMAT = "sac-desktop-slots"
VERSION = 1
KEY_BYTES = 32
KIND_ACCOUNT = "account"
KIND_RECOVERY = "recovery"

#: derive(password, salt, params) -> 32 bytes; kdf.derive or kdf.derive_in_subprocess.
Derive = Callable[[str, bytes, KdfParams], bytes]


class SlotError(Exception):
    """Base class: each subclass is one situation the user is told about."""


class SlotsMissing(SlotError):
    """No slots file next to the vault."""


class SlotsDamaged(SlotError):
    """The slots file cannot be read: truncated, edited or corrupted. It is never rewritten."""


class ForeignSlot(SlotError):
    """A slot that belongs to another vault (copied from another installation)."""


class WrongPassword(SlotError):
    """The password (or device secret) does not unwrap this account's slot."""


class NoSuchAccount(SlotError):
    """No active slot for that account."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise SlotsDamaged("expected base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise SlotsDamaged("bad base64") from exc


def _hkdf(material: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(material)


def _aad(**parts: object) -> bytes:
    return canonical_json(parts).encode("utf-8")


# -- X25519 sealing ------------------------------------------------------------------------
def new_keypair() -> tuple[bytes, bytes]:
    private = X25519PrivateKey.generate()
    return _raw_private(private), _raw_public(private.public_key())


def _raw_private(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seal(public_key: bytes, plaintext: bytes, aad: bytes) -> dict[str, str]:
    """Encrypt to a public key (ephemeral X25519, HKDF-SHA256, AES-256-GCM)."""
    ephemeral = X25519PrivateKey.generate()
    epk = _raw_public(ephemeral.public_key())
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    key = _hkdf(shared, b"sac-desktop seal v1", salt=epk + public_key)
    nonce = secrets.token_bytes(12)
    ct = AESGCM(key).encrypt(nonce, plaintext, aad)
    return {"epk": _b64(epk), "nonce": _b64(nonce), "ct": _b64(ct)}


def open_sealed(private_key: bytes, sealed: Mapping[str, Any], aad: bytes) -> bytes:
    """Decrypt what :func:`seal` made; raises InvalidTag when it does not authenticate."""
    priv = X25519PrivateKey.from_private_bytes(private_key)
    epk = _unb64(sealed.get("epk"))
    public = _raw_public(priv.public_key())
    try:
        shared = priv.exchange(X25519PublicKey.from_public_bytes(epk))
    except ValueError as exc:
        raise SlotsDamaged("bad ephemeral key") from exc
    key = _hkdf(shared, b"sac-desktop seal v1", salt=epk + public)
    return AESGCM(key).decrypt(_unb64(sealed.get("nonce")), _unb64(sealed.get("ct")), aad)


def _wrap(kek: bytes, plaintext: bytes, aad: bytes) -> dict[str, str]:
    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "ct": _b64(AESGCM(kek).encrypt(nonce, plaintext, aad))}


def _unwrap(kek: bytes, wrapped: Mapping[str, Any], aad: bytes) -> bytes:
    return AESGCM(kek).decrypt(_unb64(wrapped.get("nonce")), _unb64(wrapped.get("ct")), aad)


# -- slots ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    slot_id: str
    kind: str
    vault_id: str
    account_id: str | None
    public_key: bytes
    salt: bytes
    kdf: KdfParams | None
    device_bound: bool
    kek_check: bytes
    wrapped_private_key: Mapping[str, str]
    sealed: Mapping[str, str]  # master key [+ device secret], sealed to public_key
    sealed_extra: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def wrap_aad(self) -> bytes:
        return _aad(
            purpose="slot-private-key",
            vault_id=self.vault_id,
            slot_id=self.slot_id,
            kind=self.kind,
            account_id=self.account_id,
            kdf=None if self.kdf is None else self.kdf.to_dict(),
            device_bound=self.device_bound,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "slot_id": self.slot_id,
            "kind": self.kind,
            "vault_id": self.vault_id,
            "account_id": self.account_id,
            "public_key": _b64(self.public_key),
            "salt": _b64(self.salt),
            "kdf": None if self.kdf is None else self.kdf.to_dict(),
            "device_bound": self.device_bound,
            "kek_check": _b64(self.kek_check),
            "wrapped_private_key": dict(self.wrapped_private_key),
            "sealed": dict(self.sealed),
            "sealed_extra": {k: dict(v) for k, v in self.sealed_extra.items()},
        }

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> Slot:
        try:
            kind = str(body["kind"])
            if kind not in (KIND_ACCOUNT, KIND_RECOVERY):
                raise SlotsDamaged("unknown slot kind")
            kdf = None if body["kdf"] is None else KdfParams.from_dict(body["kdf"])
            account = body["account_id"]
            return cls(
                slot_id=str(body["slot_id"]),
                kind=kind,
                vault_id=str(body["vault_id"]),
                account_id=None if account is None else str(account),
                public_key=_unb64(body["public_key"]),
                salt=_unb64(body["salt"]),
                kdf=kdf,
                device_bound=bool(body["device_bound"]),
                kek_check=_unb64(body["kek_check"]),
                wrapped_private_key={
                    k: str(v) for k, v in dict(body["wrapped_private_key"]).items()
                },
                sealed={k: str(v) for k, v in dict(body["sealed"]).items()},
                sealed_extra={
                    str(k): {a: str(b) for a, b in dict(v).items()}
                    for k, v in dict(body.get("sealed_extra", {})).items()
                },
            )
        except SlotsDamaged:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SlotsDamaged("slot fields") from exc


def sealed_aad(vault_id: str, slot_id: str, generation: int, purpose: str) -> bytes:
    return _aad(purpose=purpose, vault_id=vault_id, slot_id=slot_id, generation=generation)


@dataclass(frozen=True)
class DirectoryEntry:
    """What the sign-in screen lists before any key exists (no case data)."""

    account_id: str
    username: str
    display_name: str
    role: str

    def to_dict(self) -> dict[str, str]:
        return {
            "account_id": self.account_id,
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
        }

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> DirectoryEntry:
        return cls(
            str(body["account_id"]),
            str(body["username"]),
            str(body["display_name"]),
            str(body["role"]),
        )


@dataclass(frozen=True)
class SlotsFile:
    vault_id: str
    generation: int
    installation_public_key: bytes
    slots: tuple[Slot, ...]
    #: Not authenticated: the role that counts is the one in the vault, read after unlock.
    directory: tuple[DirectoryEntry, ...] = ()

    def dump(self) -> bytes:
        body = {
            "format": FORMAT,
            "version": VERSION,
            "vault_id": self.vault_id,
            "generation": self.generation,
            "installation_public_key": _b64(self.installation_public_key),
            "slots": [s.to_dict() for s in self.slots],
            "directory": [d.to_dict() for d in self.directory],
        }
        text = json.dumps(body, indent=1, sort_keys=True)
        # A checksum of the whole file tells damage from a wrong password at a glance.
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return (text + "\n" + f"sha256:{digest}\n").encode("utf-8")

    @classmethod
    def parse(cls, data: bytes) -> SlotsFile:
        try:
            text = data.decode("utf-8")
            body_text, _, trailer = text.rstrip("\n").rpartition("\n")
        except UnicodeDecodeError as exc:
            raise SlotsDamaged("not text") from exc
        if not trailer.startswith("sha256:"):
            raise SlotsDamaged("checksum line missing (truncated?)")
        expected = hashlib.sha256(body_text.encode("utf-8")).hexdigest()
        if not hmac.compare_digest(trailer[7:], expected):
            raise SlotsDamaged("checksum does not match")
        try:
            body = json.loads(body_text)
            if body.get("format") != FORMAT or body.get("version") != VERSION:
                raise SlotsDamaged("unknown format")
            vault_id = str(body["vault_id"])
            slots = tuple(Slot.from_dict(s) for s in body["slots"])
            directory = tuple(DirectoryEntry.from_dict(d) for d in body.get("directory", []))
            parsed = cls(
                vault_id,
                int(body["generation"]),
                _unb64(body["installation_public_key"]),
                slots,
                directory,
            )
        except SlotsDamaged:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SlotsDamaged("fields") from exc
        return parsed

    @classmethod
    def load(cls, path: Path) -> SlotsFile:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError as exc:
            raise SlotsMissing() from exc
        return cls.parse(data)

    def save(self, path: Path) -> None:
        atomic_write(path, self.dump())

    def account_slot(self, account_id: str) -> Slot:
        for slot in self.slots:
            if slot.kind == KIND_ACCOUNT and slot.account_id == account_id:
                if slot.vault_id != self.vault_id:
                    raise ForeignSlot()
                return slot
        raise NoSuchAccount()

    def recovery_slot(self) -> Slot:
        for slot in self.slots:
            if slot.kind == KIND_RECOVERY:
                if slot.vault_id != self.vault_id:
                    raise ForeignSlot()
                return slot
        raise NoSuchAccount()

    def without_account(self, account_id: str) -> SlotsFile:
        return replace(
            self,
            slots=tuple(s for s in self.slots if s.account_id != account_id),
            directory=tuple(d for d in self.directory if d.account_id != account_id),
        )

    def with_directory_entry(self, entry: DirectoryEntry) -> SlotsFile:
        others = tuple(d for d in self.directory if d.account_id != entry.account_id)
        return replace(self, directory=(*others, entry))

    def find_account(self, name: str) -> DirectoryEntry:
        """By user name (case-insensitive) or account id."""
        for entry in self.directory:
            if entry.username.casefold() == name.casefold() or entry.account_id == name:
                return entry
        raise NoSuchAccount()

    def with_slot(self, slot: Slot) -> SlotsFile:
        others = tuple(
            s
            for s in self.slots
            if s.slot_id != slot.slot_id
            and (slot.account_id is None or s.account_id != slot.account_id)
            and not (slot.kind == KIND_RECOVERY and s.kind == KIND_RECOVERY)
        )
        return replace(self, slots=(*others, slot))


def _kek(password_key: bytes, device_secret: bytes | None, vault_id: str, slot_id: str) -> bytes:
    material = password_key + (device_secret or b"")
    return _hkdf(material, f"sac-desktop kek v1|{vault_id}|{slot_id}".encode())


def _check_value(kek: bytes) -> bytes:
    return hmac.new(kek, b"sac-desktop kek check", hashlib.sha256).digest()[:16]


def _sealed_payload(master_key: bytes, device_secret: bytes | None, recovery: bool) -> bytes:
    return master_key + (device_secret or b"") if recovery else master_key


def make_account_slot(
    *,
    vault_id: str,
    generation: int,
    account_id: str,
    password: str,
    params: KdfParams,
    device_secret: bytes | None,
    master_key: bytes,
    derive: Derive,
    extra: Mapping[str, bytes] | None = None,
) -> tuple[Slot, bytes]:
    """A new slot for an account; returns it with the slot's private key."""
    check_params(params)
    slot_id = str(uuid.uuid4())
    private, public = new_keypair()
    salt = secrets.token_bytes(16)
    kek = _kek(derive(password, salt, params), device_secret, vault_id, slot_id)
    draft = Slot(
        slot_id,
        KIND_ACCOUNT,
        vault_id,
        account_id,
        public,
        salt,
        params,
        device_secret is not None,
        _check_value(kek),
        {},
        {},
    )
    slot = replace(
        draft,
        wrapped_private_key=_wrap(kek, private, draft.wrap_aad()),
        sealed=seal(public, master_key, sealed_aad(vault_id, slot_id, generation, "master")),
        sealed_extra={
            name: seal(public, value, sealed_aad(vault_id, slot_id, 0, name))
            for name, value in (extra or {}).items()
        },
    )
    return slot, private


def make_recovery_slot(
    *,
    vault_id: str,
    generation: int,
    recovery_key: bytes,
    master_key: bytes,
    device_secret: bytes | None,
    extra: Mapping[str, bytes] | None = None,
) -> Slot:
    slot_id = str(uuid.uuid4())
    private, public = new_keypair()
    kek = _kek(recovery_key, None, vault_id, slot_id)
    draft = Slot(
        slot_id, KIND_RECOVERY, vault_id, None, public, b"", None, False, _check_value(kek), {}, {}
    )
    payload = _sealed_payload(master_key, device_secret, recovery=True)
    return replace(
        draft,
        wrapped_private_key=_wrap(kek, private, draft.wrap_aad()),
        sealed=seal(public, payload, sealed_aad(vault_id, slot_id, generation, "master")),
        sealed_extra={
            name: seal(public, value, sealed_aad(vault_id, slot_id, 0, name))
            for name, value in (extra or {}).items()
        },
    )


@dataclass(frozen=True)
class Unlocked:
    master_key: bytes
    slot_private_key: bytes
    device_secret: bytes | None = None

    def __repr__(self) -> str:
        return "Unlocked(<keys hidden>)"


def _open_slot(slots: SlotsFile, slot: Slot, kek: bytes) -> tuple[bytes, bytes]:
    if not hmac.compare_digest(_check_value(kek), slot.kek_check):
        raise WrongPassword()
    try:
        private = _unwrap(kek, slot.wrapped_private_key, slot.wrap_aad())
    except InvalidTag as exc:
        raise SlotsDamaged("wrapped key does not authenticate") from exc
    try:
        payload = open_sealed(
            private,
            slot.sealed,
            sealed_aad(slots.vault_id, slot.slot_id, slots.generation, "master"),
        )
    except InvalidTag as exc:
        raise SlotsDamaged("sealed master key does not authenticate") from exc
    return private, payload


def unlock_account(
    slots: SlotsFile,
    account_id: str,
    password: str,
    device_secret: bytes | None,
    derive: Derive,
) -> Unlocked:
    """The master key from an account's slot (the key derivation is the slow part)."""
    slot = slots.account_slot(account_id)
    if slot.kdf is None:
        raise SlotsDamaged("account slot without KDF parameters")
    if slot.device_bound and device_secret is None:
        raise WrongPassword()  # the caller says: device secret missing, use the recovery code
    kek = _kek(
        derive(password, slot.salt, slot.kdf),
        device_secret if slot.device_bound else None,
        slots.vault_id,
        slot.slot_id,
    )
    private, payload = _open_slot(slots, slot, kek)
    if len(payload) != KEY_BYTES:
        raise SlotsDamaged("master key length")
    return Unlocked(payload, private, device_secret if slot.device_bound else None)


def unlock_recovery(slots: SlotsFile, recovery_key: bytes) -> Unlocked:
    """Master key and device secret from the recovery slot."""
    slot = slots.recovery_slot()
    kek = _kek(recovery_key, None, slots.vault_id, slot.slot_id)
    private, payload = _open_slot(slots, slot, kek)
    if len(payload) not in (KEY_BYTES, 2 * KEY_BYTES):
        raise SlotsDamaged("recovery payload length")
    return Unlocked(payload[:KEY_BYTES], private, payload[KEY_BYTES:] or None)


def open_extra(slots: SlotsFile, account_id: str | None, unlocked: Unlocked, name: str) -> bytes:
    """Something else sealed to a slot (an account's signing key, the CA key); None: recovery."""
    slot = slots.recovery_slot() if account_id is None else slots.account_slot(account_id)
    sealed = slot.sealed_extra.get(name)
    if sealed is None:
        raise KeyError(name)
    try:
        return open_sealed(
            unlocked.slot_private_key, sealed, sealed_aad(slots.vault_id, slot.slot_id, 0, name)
        )
    except InvalidTag as exc:
        raise SlotsDamaged("sealed extra does not authenticate") from exc


def reseal(slots: SlotsFile, master_key: bytes, device_secret: bytes | None) -> SlotsFile:
    """The next generation: the (new) master key sealed to every slot's public key."""
    generation = slots.generation + 1
    resealed = []
    for slot in slots.slots:
        payload = _sealed_payload(master_key, device_secret, slot.kind == KIND_RECOVERY)
        resealed.append(
            replace(
                slot,
                sealed=seal(
                    slot.public_key,
                    payload,
                    sealed_aad(slots.vault_id, slot.slot_id, generation, "master"),
                ),
            )
        )
    return replace(slots, generation=generation, slots=tuple(resealed))


def change_password(
    slots: SlotsFile,
    account_id: str,
    unlocked: Unlocked,
    new_password: str,
    params: KdfParams,
    device_secret: bytes | None,
    derive: Derive,
) -> SlotsFile:
    """Rewrap one slot's private key under the new password; the sealed parts stay."""
    check_params(params)
    slot = slots.account_slot(account_id)
    salt = secrets.token_bytes(16)
    kek = _kek(derive(new_password, salt, params), device_secret, slots.vault_id, slot.slot_id)
    draft = replace(
        slot,
        salt=salt,
        kdf=params,
        device_bound=device_secret is not None,
        kek_check=_check_value(kek),
    )
    new_slot = replace(
        draft, wrapped_private_key=_wrap(kek, unlocked.slot_private_key, draft.wrap_aad())
    )
    return slots.with_slot(new_slot)


def add_extra(slots: SlotsFile, slot: Slot, name: str, value: bytes) -> SlotsFile:
    """Seal one more secret to an existing slot (no password needed: it is public-key)."""
    sealed = seal(slot.public_key, value, sealed_aad(slots.vault_id, slot.slot_id, 0, name))
    return slots.with_slot(replace(slot, sealed_extra={**slot.sealed_extra, name: sealed}))
