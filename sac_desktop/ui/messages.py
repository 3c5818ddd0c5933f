"""One place that turns an expected error into a calm, translated sentence."""

from __future__ import annotations

from sac_desktop.domain.disclosure import NotAllowed
from sac_desktop.i18n import Translator
from sac_desktop.services.aftercare import AftercareProblems, AftercareRefused
from sac_desktop.services.checklist import Refused
from sac_desktop.services.documents import NoSigningKey
from sac_desktop.services.errors import Forbidden, VaultError
from sac_desktop.services.evidence import EvidenceRefused
from sac_desktop.services.injuries import InjuryProblems, InjuryRefused
from sac_desktop.services.installation import (
    AccountInactive,
    DeviceSecretMissing,
    InvalidSetup,
    KeyringUnavailable,
    PasswordRejected,
    ReasonRequired,
)
from sac_desktop.services.photos import (
    PhotoIntegrityError,
    PhotoRefused,
    PhotoSealed,
    SealedOpenRefused,
    SourceNotDeleted,
    UnknownPhoto,
)
from sac_desktop.services.psychology import PsychologyProblems, PsychologyRefused
from sac_desktop.services.record import CaseClosed, ConsentIncomplete, ConsentMissing, item_text
from sac_desktop.services.setup_checks import PASSWORD_MESSAGES
from sac_desktop.services.signin_errors import (
    ForeignSlot,
    KdfWorkerError,
    KeystoreError,
    NoSuchAccount,
    SlotError,
    SlotsMissing,
    WeakKdfParams,
    WrongPassword,
)
from sac_desktop.services.signin_guard import Throttled

#: Errors that carry their own calm sentence (a msgid in ``message``).
WITH_MESSAGE: tuple[type[BaseException], ...] = (
    InjuryRefused,
    PsychologyRefused,
    PhotoRefused,
    UnknownPhoto,
    PhotoSealed,
    SealedOpenRefused,
    PhotoIntegrityError,
    SourceNotDeleted,
)

EXPECTED: tuple[type[BaseException], ...] = (
    *WITH_MESSAGE,
    NotAllowed,
    NoSigningKey,
    AftercareProblems,
    AftercareRefused,
    CaseClosed,
    EvidenceRefused,
    InjuryProblems,
    PsychologyProblems,
    Refused,
    ConsentMissing,
    ConsentIncomplete,
    VaultError,
    Forbidden,
    SlotError,
    Throttled,
    DeviceSecretMissing,
    KeyringUnavailable,
    AccountInactive,
    PasswordRejected,
    ReasonRequired,
    InvalidSetup,
    KeystoreError,
    KdfWorkerError,
    WeakKdfParams,
    OSError,
)


def is_expected(error: BaseException) -> bool:
    """An error of the user or the environment (a calm message), not a bug (crash dialog)."""
    return isinstance(error, EXPECTED)


def _with_params(t: Translator, message: str, params: dict[str, object]) -> str:
    """A msgid with its values; text values are msgids too (a consent item's name), or
    the person's own words, which no catalog changes."""
    values = {k: t._(v) if isinstance(v, str) else v for k, v in params.items()}
    return t._(message) % values if values else t._(message)


def describe(t: Translator, error: BaseException) -> str:
    if isinstance(error, Refused):  # a rule of the checklist, with its own words
        params = {k: t._(v) for k, v in error.params.items()}
        return t._(error.message) % params if params else t._(error.message)
    if isinstance(error, ConsentMissing):
        return t._(
            "This needs consent first: %(item)s. Record the person's decision on the "
            "Consent tab; nothing was saved."
        ) % {"item": item_text(t._, error.item)}
    if isinstance(error, ConsentIncomplete | InjuryProblems | PsychologyProblems):
        return "\n".join(t._(p.message) for p in error.problems)
    if isinstance(error, NotAllowed):  # what a document may not contain, or not be
        return t._(error.message)
    if isinstance(error, NoSigningKey):
        return t._("No signing key is open for you in this session: sign out and in again.")
    if isinstance(error, AftercareProblems):
        return "\n".join(_with_params(t, p.message, p.params) for p in error.problems)
    if isinstance(error, AftercareRefused):
        return _with_params(t, error.message, error.params)
    if isinstance(error, CaseClosed):
        return t._(
            "This case is closed: nothing was saved. Reopen it first (Aftercare tab), with "
            "the reason."
        )
    if isinstance(error, EvidenceRefused):  # a rule of custody or of the record, in words
        return t._(error.message) % error.params if error.params else t._(error.message)
    if isinstance(error, WITH_MESSAGE):
        return t._(str(getattr(error, "message", "")))
    if isinstance(error, Throttled):
        return t._(
            "Too many wrong passwords for this account. Try again in %(seconds)d seconds, "
            "or ask a coordinator to lift the wait."
        ) % {"seconds": error.seconds_left}
    if isinstance(error, WrongPassword):
        return t._("The password is not right. Check it and try again.")
    if isinstance(error, NoSuchAccount):
        return t._("There is no account with that name on this workstation.")
    if isinstance(error, AccountInactive):
        return t._("This account was deactivated. Ask a coordinator.")
    if isinstance(error, DeviceSecretMissing):
        return t._(
            "This workstation's key store no longer holds its key. Type the recovery "
            "code below to restore it; nothing is lost."
        )
    if isinstance(error, KeyringUnavailable | KeystoreError):
        return t._(
            "The operating system's key store could not be used. Check that you are "
            "signed in to the computer, then try again."
        )
    if isinstance(error, ForeignSlot):
        return t._("This account's key belongs to another installation.")
    if isinstance(error, SlotsMissing):
        return t._("The key file beside the vault is missing. Ask the coordinator.")
    if isinstance(error, SlotError):
        return t._(
            "The key file beside the vault is damaged. Nothing was changed. Ask the "
            "coordinator to restore it from a backup or to use the recovery code."
        )
    if isinstance(error, PasswordRejected):
        return "\n".join(t._(PASSWORD_MESSAGES[p]) for p in error.problems)
    if isinstance(error, ReasonRequired):
        return t._("A reason is needed.")
    if isinstance(error, InvalidSetup):
        return t._("That is not possible with these details; check them and try again.")
    if isinstance(error, KdfWorkerError | WeakKdfParams):
        return t._(
            "Checking the password could not be completed on this computer. Try again; if "
            "it happens again, tell the coordinator."
        )
    if isinstance(error, Forbidden):
        return t._("Your role does not allow this.")
    if isinstance(error, VaultError):
        return t._(error.message) + " " + t._(error.hint)
    if isinstance(error, OSError):
        return t._("The disk reported a problem: nothing was changed. Try again or ask IT.")
    return t._("An unexpected problem occurred. Please report it.")
