"""What the setup and sign-in screens check before calling a service (Qt-free re-exports)."""

from sac_desktop.security.disk import DiskEncryption, disk_encryption
from sac_desktop.security.passwords import PASSWORD_MESSAGES, PasswordProblem, check_password
from sac_desktop.security.recovery import InvalidRecoveryCode, parse_recovery_code

__all__ = [
    "PASSWORD_MESSAGES",
    "DiskEncryption",
    "InvalidRecoveryCode",
    "PasswordProblem",
    "check_password",
    "disk_encryption",
    "parse_recovery_code",
]
