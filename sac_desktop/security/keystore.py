"""The device secret in the OS keyring: real keyrings only, every call under a timeout (Qt-free)."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

# keyring is imported where it is used: services import this module for BackendStatus,
# and the first window must not wait for keyring (test_startup_imports_stay_lean).
if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

DEVICE_SECRET_BYTES = 32
DEFAULT_SERVICE = "SAC Desktop"
DEFAULT_TIMEOUT = 5.0

BackendKind = Literal["real", "plaintext", "none"]

# Keyrings that encrypt at rest and are unlocked by the OS session. A subclass counts too
# (the check walks the class's MRO), so a thin wrapper around one of these is still real.
_REAL_BACKENDS = frozenset(
    {
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        # KWallet is KDE's encrypted wallet: an OS keyring like GNOME Keyring.
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.kwallet.DBusKeyringKWallet4",
        "keyring.backends.Windows.WinVaultKeyring",
        "keyring.backends.macOS.Keyring",
    }
)
# Every keyrings.alt backend keeps its data in a file under the user's home: the plain one
# is base64, the "encrypted" ones rest on a password the library itself has to supply.
_PLAINTEXT_PACKAGE = "keyrings.alt"
_SAFE_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")

T = TypeVar("T")


class KeystoreError(Exception):
    """The OS keyring could not do what was asked; the message says what to do."""


class KeyringUnavailable(KeystoreError):
    """No usable OS keyring right now (none installed, no session, or the backend failed)."""


class KeyringTimeout(KeyringUnavailable):
    """The OS keyring did not answer in time (often a locked keyring waiting at a prompt)."""


class PlaintextKeyringRefused(KeystoreError):
    """The keyring in use stores secrets in a file anyone with the disk can read."""


class KeyringEntryDamaged(KeystoreError, ValueError):
    """An entry we wrote to the OS keyring no longer has the shape we wrote."""


@dataclass(frozen=True)
class BackendStatus:
    """What kind of keyring is in use, and its class path for support."""

    kind: BackendKind
    name: str


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_plaintext(cls: type) -> bool:
    module = cls.__module__
    return module == _PLAINTEXT_PACKAGE or module.startswith(_PLAINTEXT_PACKAGE + ".")


def _classify(backend: KeyringBackend) -> BackendStatus:
    from keyring.backends.chainer import ChainerBackend

    cls = type(backend)
    name = _class_path(cls)
    if any(_is_plaintext(c) for c in cls.__mro__):
        return BackendStatus("plaintext", name)
    if any(_class_path(c) in _REAL_BACKENDS for c in cls.__mro__):
        return BackendStatus("real", name)
    if isinstance(backend, ChainerBackend):
        # The chainer writes to the first member that accepts a value, so one plaintext
        # member is enough for a secret to end up in a file: refuse the whole chain.
        members = [_classify(member) for member in backend.backends]
        chain = f"{name}[{', '.join(m.name for m in members)}]"
        kinds = {m.kind for m in members}
        if "plaintext" in kinds:
            return BackendStatus("plaintext", chain)
        return BackendStatus("real" if "real" in kinds else "none", chain)
    # keyring's fail and null backends, and any backend we do not know: we cannot vouch
    # that it encrypts at rest, so the device secret stays out of it.
    return BackendStatus("none", name)


def backend_status() -> BackendStatus:
    """Classify the keyring backend ``keyring`` would use now (may touch D-Bus)."""
    import keyring

    return _classify(keyring.get_keyring())


def new_device_secret() -> bytes:
    return secrets.token_bytes(DEVICE_SECRET_BYTES)


def call_with_timeout(call: Callable[[], T], timeout: float) -> T:
    """Run one keyring call in a daemon thread; raise :class:`KeyringTimeout` after ``timeout``.

    A locked collection can open a prompt and block until someone answers it; the call
    is abandoned, not cancelled (Python cannot stop a thread), and a daemon thread never
    keeps the application from exiting. Backend errors become :class:`KeyringUnavailable`.
    """
    done = threading.Event()
    result: list[T] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # handed over to the caller's thread below
            errors.append(exc)
        finally:
            done.set()

    threading.Thread(target=work, name="sac-keyring-call", daemon=True).start()
    if not done.wait(timeout):
        raise KeyringTimeout(
            f"The OS keyring did not answer within {timeout:g} s. If it is asking for a "
            "password, unlock it and try again."
        )
    if errors:
        error = errors[0]
        if isinstance(error, KeystoreError) or not isinstance(error, Exception):
            raise error
        # The type name only: a backend's message is not ours to vouch for.
        raise KeyringUnavailable(
            f"The OS keyring could not be used ({type(error).__name__}). Check that you are "
            "signed in to this computer's desktop session, then try again."
        ) from error
    return result[0]


def _refuse_plaintext(status: BackendStatus) -> PlaintextKeyringRefused:
    return PlaintextKeyringRefused(
        "SAC Desktop will not keep its secrets in this keyring: it stores them in a file "
        f"({status.name}). Uninstall the keyrings.alt package from SAC Desktop's Python "
        "environment, or set PYTHON_KEYRING_BACKEND to the operating system's keyring "
        "(Windows Credential Manager, macOS Keychain, GNOME Keyring or KWallet)."
    )


@dataclass(frozen=True)
class GuardedKeyring:
    """String entries under one service name, through a real OS keyring only, with a timeout.

    Plaintext backends are refused on every call. Where there is no keyring, reads find
    nothing, deletes have nothing to do, and writes raise :class:`KeyringUnavailable`.
    """

    service: str = DEFAULT_SERVICE
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError("the keyring timeout must be positive")

    def status(self) -> BackendStatus:
        # Under the timeout too: the first call detects the backend, which talks to D-Bus.
        return call_with_timeout(backend_status, self.timeout)

    def get(self, username: str) -> str | None:
        def call() -> str | None:
            backend, _ = self._usable_backend()
            return None if backend is None else backend.get_password(self.service, username)

        return call_with_timeout(call, self.timeout)

    def set(self, username: str, value: str) -> None:
        def call() -> None:
            backend, status = self._usable_backend()
            if backend is None:
                raise KeyringUnavailable(
                    "There is no OS keyring on this computer for SAC Desktop to use "
                    f"({status.name}). Sign in to the computer's desktop session "
                    "(where Windows Credential Manager, macOS Keychain or GNOME Keyring run) "
                    "and try again."
                )
            backend.set_password(self.service, username, value)

        call_with_timeout(call, self.timeout)

    def delete(self, username: str) -> None:
        def call() -> None:
            from keyring.errors import PasswordDeleteError

            backend, _ = self._usable_backend()
            if backend is None:
                return
            try:
                backend.delete_password(self.service, username)
            except PasswordDeleteError:
                return  # nothing stored under that name: already the state we want

        call_with_timeout(call, self.timeout)

    @staticmethod
    def _usable_backend() -> tuple[KeyringBackend | None, BackendStatus]:
        """The backend to call (None where there is none); runs inside the timed thread."""
        import keyring

        backend = keyring.get_keyring()
        status = _classify(backend)
        if status.kind == "plaintext":
            raise _refuse_plaintext(status)
        return (backend if status.kind == "real" else None), status


def _check_vault_id(vault_id: str) -> str:
    if not _SAFE_ID.match(vault_id):
        raise ValueError("unexpected vault id")
    return vault_id


class DeviceSecretStore:
    """The per-vault device secret, base64 under ``device-secret:<vault id>``.

    ``get`` returning None means "no secret here"; callers that need one decide from
    :meth:`status` whether that is because there is no keyring at all.
    """

    def __init__(self, service: str = DEFAULT_SERVICE, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._keyring = GuardedKeyring(service, timeout)

    def __repr__(self) -> str:
        return f"DeviceSecretStore(service={self._keyring.service!r})"

    @staticmethod
    def _username(vault_id: str) -> str:
        return f"device-secret:{_check_vault_id(vault_id)}"

    def status(self) -> BackendStatus:
        return self._keyring.status()

    def get(self, vault_id: str) -> bytes | None:
        text = self._keyring.get(self._username(vault_id))
        if text is None:
            return None
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (UnicodeEncodeError, binascii.Error) as exc:
            raise KeyringEntryDamaged(
                "The device secret kept in the OS keyring is damaged. Sign in with the "
                "recovery code to write it again."
            ) from exc

    def put(self, vault_id: str, secret: bytes) -> None:
        if not secret:
            raise ValueError("a device secret cannot be empty")
        self._keyring.set(self._username(vault_id), base64.b64encode(secret).decode("ascii"))

    def delete(self, vault_id: str) -> None:
        self._keyring.delete(self._username(vault_id))
