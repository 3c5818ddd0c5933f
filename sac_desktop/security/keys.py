"""Vault keys behind one small interface (Qt-free).

:class:`VaultKey` is the one interface storage sees: 32 bytes, never printed. Where it
comes from (a staff account's sealed slot, the recovery code, the demo vault's public
key, the command line) is decided above storage.
"""

from __future__ import annotations

import hashlib
import secrets

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


#: The demo vault holds synthetic cases only; its key is public on purpose.
DEMO_KEY_LABEL = b"sac-desktop demo vault: synthetic cases only, never real data"


def demo_key() -> VaultKey:
    return VaultKey(hashlib.sha256(DEMO_KEY_LABEL).digest())
