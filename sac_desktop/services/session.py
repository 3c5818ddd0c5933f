"""An open vault with the person using it: the services the interface calls (Qt-free)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sac_desktop.domain.clock import Clock
from sac_desktop.domain.roles import Actor
from sac_desktop.security.anchors import HeadAnchor
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.audit import AuditTrail, ChainReport, verify_vault
from sac_desktop.services.record import RecordService
from sac_desktop.services.vaults import VaultInfo, open_vault, read_info
from sac_desktop.storage.vault import Vault


class Session:
    def __init__(
        self, vault: Vault, actor: Actor, clock: Clock, anchors: Sequence[HeadAnchor]
    ) -> None:
        self.vault = vault
        self.actor = actor
        self.info: VaultInfo = read_info(vault)
        self.trail = AuditTrail(vault, self.info.workstation, clock, anchors)
        self.record = RecordService(vault, self.info, self.trail, actor, clock)

    @classmethod
    def open(
        cls,
        path: Path,
        key: VaultKey,
        actor: Actor,
        clock: Clock,
        anchors: Sequence[HeadAnchor],
        backups_dir: Path | None,
    ) -> Session:
        return cls(open_vault(path, key, backups_dir), actor, clock, anchors)

    def verify(self) -> list[ChainReport]:
        return verify_vault(self.vault, self.trail.anchors)

    def checkpoint(self) -> None:
        """Every minute: remember the audit head outside the data folder."""
        if self.vault.is_open:
            self.trail.anchor_now()

    def close(self) -> None:
        """Commit drafts, anchor the head, close the database (SQLCipher drops its key)."""
        if not self.vault.is_open:
            return
        try:
            self.record.commit_all_drafts()
            self.trail.anchor_now()
        finally:
            self.vault.close()
