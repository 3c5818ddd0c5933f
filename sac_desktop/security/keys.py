"""Vault keys behind one small interface (Qt-free).

For now the caller supplies the raw 256-bit key (a test, the command line, the demo
vault). Sealed key slots per staff account replace :class:`RawKeySource` with the next
issue; nothing else needs to change.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol

KEY_BYTES = 32


class InvalidKeyText(ValueError):
    """The text is not 64 hexadecimal characters."""


class VaultKey:
    """A 256-bit key. Python cannot promise to wipe memory; :meth:`wipe` does its best."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("a vault key is 32 bytes")
        self._key = bytearray(key)

    def __repr__(self) -> str:
        return "VaultKey(<hidden>)"

    @classmethod
    def generate(cls) -> VaultKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_hex(cls, text: str) -> VaultKey:
        cleaned = "".join(text.split())
        if len(cleaned) != 2 * KEY_BYTES:
            raise InvalidKeyText("expected 64 hexadecimal characters")
        try:
            return cls(bytes.fromhex(cleaned))
        except ValueError as exc:
            raise InvalidKeyText("expected 64 hexadecimal characters") from exc

    def raw(self) -> bytes:
        return bytes(self._key)

    def hex(self) -> str:
        return self._key.hex()

    def wipe(self) -> None:
        for i in range(len(self._key)):
            self._key[i] = 0


class KeySource(Protocol):
    """Where the vault key comes from (raw key now; sealed key slots next)."""

    def vault_key(self) -> VaultKey: ...


@dataclass
class RawKeySource:
    key: VaultKey

    def vault_key(self) -> VaultKey:
        return self.key


#: The demo vault holds synthetic cases only; its key is public on purpose.
DEMO_KEY_LABEL = b"sac-desktop demo vault: synthetic cases only, never real data"


def demo_key() -> VaultKey:
    return VaultKey(hashlib.sha256(DEMO_KEY_LABEL).digest())
