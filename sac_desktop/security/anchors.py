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
            body = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return []
        return [Anchor(str(c["chain"]), int(c["seq"]), str(c["hash"])) for c in body["chains"]]

    def store(self, vault_id: str, anchor: Anchor) -> None:
        current = {a.chain: a for a in self.load(vault_id)}
        previous = current.get(anchor.chain)
        if previous is not None and previous.seq > anchor.seq:
            return  # never move an anchor backwards
        current[anchor.chain] = anchor
        body = {
            "format": "sac-desktop-audit-head",
            "vault_id": vault_id,
            "chains": [{"chain": a.chain, "seq": a.seq, "hash": a.hash} for a in current.values()],
        }
        atomic_write(self._path(vault_id), json.dumps(body, indent=2).encode("utf-8"))
