"""Creating and opening vaults as a whole: schema, identity, first audit record (Qt-free)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sac_desktop.domain.audit import Action
from sac_desktop.domain.case_number import valid_centre_code, valid_workstation_code
from sac_desktop.domain.clock import Clock, format_utc
from sac_desktop.domain.roles import Actor
from sac_desktop.logsafe import get_logger
from sac_desktop.security.anchors import HeadAnchor
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.audit import AuditTrail
from sac_desktop.storage import records, schema
from sac_desktop.storage.vault import Vault

_log = get_logger("vaults")


@dataclass(frozen=True)
class VaultInfo:
    vault_id: str
    centre: str
    workstation: str
    training: bool
    schema_version: int


def read_info(vault: Vault) -> VaultInfo:
    conn = vault.conn
    return VaultInfo(
        vault_id=vault.vault_id,
        centre=records.get_meta(conn, "centre") or "",
        workstation=records.get_meta(conn, "workstation") or "",
        training=records.get_meta(conn, "training") == "1",
        schema_version=schema.schema_version(vault),
    )


def create_vault(
    path: Path,
    key: VaultKey,
    *,
    centre: str,
    workstation: str,
    clock: Clock,
    creator: Actor,
    training: bool = False,
    anchors: list[HeadAnchor] | None = None,
) -> Vault:
    """A new vault at the latest schema, with its identity and a first audit record."""
    if not valid_centre_code(centre) or not valid_workstation_code(workstation):
        raise ValueError("invalid centre or workstation code")
    vault_id = str(uuid.uuid4())
    vault = Vault.create(path, key.raw(), vault_id)
    try:
        schema.migrate(vault, key.raw(), backups_dir=None)
        trail = AuditTrail(vault, workstation, clock, anchors or [])
        with vault.transaction() as conn:
            for name, value in (
                ("vault_id", vault_id),
                ("centre", centre),
                ("workstation", workstation),
                ("training", "1" if training else "0"),
                ("created_utc", format_utc(clock.now_utc())),
            ):
                records.set_meta(conn, name, value)
            trail.append(conn, creator, Action.VAULT_CREATE)
        trail.anchor_now()
    except BaseException:
        vault.close()
        raise
    _log.event("vault.created", schema=schema.LATEST_VERSION)
    return vault


def open_vault(path: Path, key: VaultKey, backups_dir: Path | None) -> Vault:
    """Open a vault, refuse one from a newer version, upgrade an older one (after a backup)."""
    vault = Vault.open(path, key.raw())
    try:
        schema.check_not_newer(vault)
        schema.migrate(vault, key.raw(), backups_dir)
    except BaseException:
        vault.close()
        raise
    return vault


def open_for_verification(path: Path, key: VaultKey) -> Vault:
    """Open without upgrading anything (verification only reads)."""
    vault = Vault.open(path, key.raw())
    try:
        schema.check_not_newer(vault)
    except BaseException:
        vault.close()
        raise
    return vault
