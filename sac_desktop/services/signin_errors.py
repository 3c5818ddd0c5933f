"""The errors sign-in can end in, for the interface to tell apart (Qt-free re-exports)."""

from sac_desktop.security.kdf import KdfWorkerError, WeakKdfParams
from sac_desktop.security.keystore import KeystoreError
from sac_desktop.security.slots import (
    ForeignSlot,
    NoSuchAccount,
    SlotError,
    SlotsDamaged,
    SlotsMissing,
    WrongPassword,
)

__all__ = [
    "ForeignSlot",
    "KdfWorkerError",
    "KeystoreError",
    "NoSuchAccount",
    "SlotError",
    "SlotsDamaged",
    "SlotsMissing",
    "WeakKdfParams",
    "WrongPassword",
]
