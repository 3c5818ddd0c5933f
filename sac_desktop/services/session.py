"""An open vault with the person using it: the services the interface calls (Qt-free)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sac_desktop.domain.audit import Action
from sac_desktop.domain.clock import Clock
from sac_desktop.domain.roles import Actor
from sac_desktop.paths import Paths
from sac_desktop.security.anchors import FileAnchor, HeadAnchor, KeyringAnchor
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.aftercare import AftercareService
from sac_desktop.services.audit import AuditTrail, ChainReport, verify_vault
from sac_desktop.services.case_list import CaseListService
from sac_desktop.services.checklist import ChecklistService
from sac_desktop.services.documents import DocumentService
from sac_desktop.services.evidence import EvidenceService
from sac_desktop.services.injuries import InjuryService
from sac_desktop.services.permissions import Area, Op, require
from sac_desktop.services.photos import PhotoService
from sac_desktop.services.protocols import registry_for
from sac_desktop.services.psychology import PsychologyService
from sac_desktop.services.record import RecordService
from sac_desktop.services.vaults import VaultInfo, open_vault, read_info
from sac_desktop.storage import accounts, records
from sac_desktop.storage.schema import META_UNAUDITED_MIGRATION
from sac_desktop.storage.vault import Vault

SETTING_LOCK_TIMEOUT = "lock_timeout_minutes"
DEFAULT_LOCK_MINUTES = 5


def default_anchors(paths: Paths) -> list[HeadAnchor]:
    """The file in the state folder, and the OS keyring where it is real."""
    return [FileAnchor(paths.anchors), KeyringAnchor()]


class Session:
    def __init__(
        self, vault: Vault, actor: Actor, clock: Clock, anchors: Sequence[HeadAnchor]
    ) -> None:
        self.vault = vault
        self.actor = actor
        self.info: VaultInfo = read_info(vault)
        self.trail = AuditTrail(vault, self.info.workstation, clock, anchors)
        #: The shipped protocols and the centre's own, in a ``protocols`` folder beside the
        #: vault (files that were refused are listed for the coordinator).
        self.protocols = registry_for(vault.path.parent)
        self.record = RecordService(vault, self.info, self.trail, actor, clock, self.protocols)
        self.case_list = CaseListService(vault, actor)
        self.checklist = ChecklistService(self.record)
        self.injuries = InjuryService(self.record)
        self.photos = PhotoService(self.record)
        self.evidence = EvidenceService(self.record)
        self.psychology = PsychologyService(self.record)
        self.aftercare = AftercareService(self.record)
        self.documents = DocumentService(self.record, self.aftercare)
        #: Checked at every open: the interface tells the coordinator, work goes on.
        self.anchor_finding = self.trail.anchor_problem()
        upgrade = records.get_meta(vault.conn, META_UNAUDITED_MIGRATION)
        if upgrade:
            with vault.transaction() as conn:
                self.trail.append(conn, actor, Action.VAULT_MIGRATE, reason=upgrade)
                records.set_meta(conn, META_UNAUDITED_MIGRATION, "")

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
        require(self.actor, Area.AUDIT, Op.READ)
        return verify_vault(self.vault, self.trail.anchors)

    def checkpoint(self) -> None:
        """Every minute: remember the audit head outside the data folder."""
        if self.vault.is_open:
            self.trail.anchor_now()

    def close(self, action: Action | None = None) -> None:
        """Commit drafts, record why (lock, sign-out), anchor the head, close the database
        (SQLCipher drops its key)."""
        if not self.vault.is_open:
            return
        try:
            self.record.commit_all_drafts()
            if action is not None:
                with self.vault.transaction() as conn:
                    self.trail.append(conn, self.actor, action)
            self.trail.anchor_now()
        finally:
            self.vault.close()

    def lock_timeout_minutes(self) -> int:
        """The coordinator's setting (1 to 15), default 5."""
        value = accounts.get_setting(self.vault.conn, SETTING_LOCK_TIMEOUT)
        try:
            return min(15, max(1, int(value))) if value else DEFAULT_LOCK_MINUTES
        except ValueError:
            return DEFAULT_LOCK_MINUTES


__all__ = ["HeadAnchor", "Session", "default_anchors"]
