"""Audit-head anchors kept outside the data folder (Qt-free).

Restoring an older copy of the data folder, or cutting off the tail of the audit chain,
leaves the vault shorter than (or different from) the head remembered here. The file
anchor lives in the per-user state folder; the OS keyring (accounts issue) and signed
documents (reports issue) plug in behind the same :class:`HeadAnchor` interface.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sac_desktop.domain.audit import Anchor
from sac_desktop.fsutil import atomic_write

_SAFE_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


def parse_heads(text: str | bytes) -> list[Anchor]:
    """The remembered heads in the JSON body both anchors store (raises on a bad shape)."""
    body = json.loads(text)
    return [Anchor(str(c["chain"]), int(c["seq"]), str(c["hash"])) for c in body["chains"]]


def merged_heads(vault_id: str, stored: list[Anchor], anchor: Anchor) -> str | None:
    """The body with ``anchor`` remembered, or None: an anchor never moves backwards."""
    current = {a.chain: a for a in stored}
    previous = current.get(anchor.chain)
    if previous is not None and previous.seq > anchor.seq:
        return None
    current[anchor.chain] = anchor
    body = {
        "format": "sac-desktop-audit-head",
        "vault_id": vault_id,
        "chains": [{"chain": a.chain, "seq": a.seq, "hash": a.hash} for a in current.values()],
    }
    return json.dumps(body, indent=2)


class AnchorUnreadable(Exception):
    """A remembered audit head exists but cannot be read (damaged file or keyring entry)."""


class HeadAnchor(Protocol):
    name: str

    def load(self, vault_id: str) -> list[Anchor]: ...

    def store(self, vault_id: str, anchor: Anchor) -> None: ...


@dataclass
class FileAnchor:
    """One small JSON file per vault in a folder outside the data folder."""

    folder: Path
    name: str = "file"

    def _path(self, vault_id: str) -> Path:
        if not _SAFE_ID.match(vault_id):
            raise ValueError("unexpected vault id")
        return self.folder / f"audit-head-{vault_id}.json"

    def load(self, vault_id: str) -> list[Anchor]:
        path = self._path(vault_id)
        try:
            return parse_heads(path.read_bytes())
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AnchorUnreadable("file anchor") from exc

    def store(self, vault_id: str, anchor: Anchor) -> None:
        text = merged_heads(vault_id, self.load(vault_id), anchor)
        if text is not None:
            atomic_write(self._path(vault_id), text.encode("utf-8"))


@dataclass
class KeyringAnchor:
    """The same JSON body as :class:`FileAnchor`, kept in the OS keyring.

    Restoring the data folder and the state folder together cannot roll this one back.
    Where there is no usable keyring (none installed, locked, no answer in time) it stays
    out of the way: ``load`` finds nothing and ``store`` does nothing, and the file
    anchor carries on. A plaintext keyring is refused: it raises.
    """

    service: str = "SAC Desktop"
    timeout: float = 5.0
    name: str = "keyring"

    # keystore is imported inside the methods only so this class could be added without
    # touching the module's header; keystore loads keyring lazily, so hoisting it is fine.

    def _username(self, vault_id: str) -> str:
        if not _SAFE_ID.match(vault_id):
            raise ValueError("unexpected vault id")
        return f"audit-head:{vault_id}"

    def _read(self, vault_id: str) -> list[Anchor]:
        from sac_desktop.security.keystore import GuardedKeyring, KeyringEntryDamaged

        text = GuardedKeyring(self.service, self.timeout).get(self._username(vault_id))
        if text is None:
            return []
        try:
            return parse_heads(text)
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringEntryDamaged(
                "The audit head kept in the OS keyring is damaged; the file anchor still "
                "protects the audit trail."
            ) from exc

    def load(self, vault_id: str) -> list[Anchor]:
        from sac_desktop.security.keystore import KeyringEntryDamaged, KeyringUnavailable

        try:
            return self._read(vault_id)
        except KeyringUnavailable:
            return []
        except KeyringEntryDamaged as exc:
            raise AnchorUnreadable("keyring anchor") from exc

    def store(self, vault_id: str, anchor: Anchor) -> None:
        from sac_desktop.security.keystore import GuardedKeyring, KeyringUnavailable

        try:
            # Read first and give up if that fails: writing without knowing the stored
            # head could move it backwards.
            text = merged_heads(vault_id, self._read(vault_id), anchor)
            if text is None:
                return
            GuardedKeyring(self.service, self.timeout).set(self._username(vault_id), text)
        except KeyringUnavailable:
            return
