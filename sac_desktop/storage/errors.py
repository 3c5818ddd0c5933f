"""Errors the environment or the user causes, told apart and explained calmly (Qt-free).

Each carries a stable ``kind`` code (logged) and a translatable message and hint (shown).
Anything not mapped to one of these is a bug and goes to the crash handler.
"""

from __future__ import annotations

from sac_desktop.i18n import N_


class VaultError(Exception):
    kind = "vault_error"
    message = N_("The vault could not be used.")
    hint = N_("Nothing was changed. Contact your coordinator.")

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(self.kind)
        #: Technical, case-free detail for the coordinator (page numbers, versions).
        self.detail = detail


class VaultNotFound(VaultError):
    kind = "not_found"
    message = N_("No vault was found in this data folder.")
    hint = N_("Check the data folder, or create a new vault.")


class WrongKey(VaultError):
    kind = "wrong_key"
    message = N_("The key does not open this vault.")
    hint = N_("Nothing was changed. Check the key (or sign in again) and try once more.")


class NotAVault(VaultError):
    kind = "not_a_vault"
    message = N_("This file is not a SAC Desktop vault, or the key does not fit it.")
    hint = N_("Nothing was changed. Check that the right data folder and key are used.")


class PlaintextDatabase(VaultError):
    kind = "plaintext_database"
    message = N_("This file is an unencrypted database, not a SAC Desktop vault.")
    hint = N_("Nothing was changed. It will not be opened: records must stay encrypted.")


class VaultDamaged(VaultError):
    kind = "damaged"
    message = N_("The vault file is damaged.")
    hint = N_(
        "Nothing was changed. Do not use this workstation for new cases; "
        "the coordinator can restore the latest backup."
    )


class SchemaTooNew(VaultError):
    kind = "schema_too_new"
    message = N_("This vault was written by a newer version of SAC Desktop.")
    hint = N_("Nothing was changed. Install the newer version of SAC Desktop to open it.")


class CipherTooOld(VaultError):
    kind = "cipher_too_old"
    message = N_("The encryption library is too old to open vaults safely.")
    hint = N_("Reinstall SAC Desktop; it needs SQLCipher 4 or newer.")


class VaultInUse(VaultError):
    kind = "in_use"
    message = N_("The vault is already open in another SAC Desktop window or program.")
    hint = N_("Close the other SAC Desktop first, then try again.")


class DiskFull(VaultError):
    kind = "disk_full"
    message = N_("The disk is full: the last change could not be saved.")
    hint = N_("What was saved before is safe. Free some disk space (or ask IT), then save again.")


class ReadOnlyStorage(VaultError):
    kind = "read_only"
    message = N_("The data folder cannot be written to (read-only).")
    hint = N_("Nothing was changed. Ask IT to make the data folder writable again.")


class StorageIOError(VaultError):
    kind = "io_error"
    message = N_("The disk reported an error while saving.")
    hint = N_("What was saved before is safe. Check the disk or ask IT, then save again.")


class MigrationFailed(VaultError):
    kind = "migration_failed"
    message = N_("The vault could not be upgraded to this version of SAC Desktop.")
    hint = N_("The vault was left as it was. Contact support.")
