"""Is the disk under a folder encrypted? A best-effort check for the setup warning."""

from __future__ import annotations

import shutil
import subprocess
import sys
from enum import StrEnum
from pathlib import Path


class DiskEncryption(StrEnum):
    ENCRYPTED = "encrypted"
    NOT_ENCRYPTED = "not_encrypted"
    UNKNOWN = "unknown"


def _run(command: list[str]) -> str | None:
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def disk_encryption(folder: Path) -> DiskEncryption:
    """Linux: a dm-crypt layer under the folder's device. Windows: BitLocker. macOS: FileVault."""
    if sys.platform.startswith("linux"):
        source = _run(["findmnt", "-n", "-o", "SOURCE", "-T", str(folder)])
        if not source or not source.strip().startswith("/dev/"):
            return DiskEncryption.UNKNOWN  # tmpfs, overlay, network: cannot tell
        layers = _run(["lsblk", "-n", "-s", "-o", "TYPE", source.strip()])
        if layers is None:
            return DiskEncryption.UNKNOWN
        kinds = {line.strip() for line in layers.splitlines()}
        return DiskEncryption.ENCRYPTED if "crypt" in kinds else DiskEncryption.NOT_ENCRYPTED
    if sys.platform == "win32":  # pragma: no cover - Windows only
        drive = Path(folder).resolve().drive or "C:"
        out = _run(["manage-bde", "-status", drive])
        if out is None:
            return DiskEncryption.UNKNOWN
        return DiskEncryption.ENCRYPTED if "Protection On" in out else DiskEncryption.NOT_ENCRYPTED
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        out = _run(["fdesetup", "status"])
        if out is None:
            return DiskEncryption.UNKNOWN
        return DiskEncryption.ENCRYPTED if "On" in out else DiskEncryption.NOT_ENCRYPTED
    return DiskEncryption.UNKNOWN
