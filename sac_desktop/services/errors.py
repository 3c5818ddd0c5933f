"""The errors the interface shows calmly, in one place for it to import (Qt-free)."""

from sac_desktop.services.audit import AnchorMismatch
from sac_desktop.services.permissions import Forbidden
from sac_desktop.storage.errors import (
    DiskFull,
    NotAVault,
    ReadOnlyStorage,
    VaultDamaged,
    VaultError,
    VaultInUse,
    WrongKey,
)

__all__ = [
    "AnchorMismatch",
    "DiskFull",
    "Forbidden",
    "NotAVault",
    "ReadOnlyStorage",
    "VaultDamaged",
    "VaultError",
    "VaultInUse",
    "WrongKey",
]
