"""The OS keyring: device secrets and the audit-head anchor against a real Secret Service."""

from __future__ import annotations

import base64
import contextlib
import gc
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.core
import pytest
import secretstorage
from jeepney import DBus
from jeepney.io.blocking import open_dbus_connection
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyring.backends.SecretService import Keyring as SecretServiceKeyring
from keyring.compat import properties
from keyring.errors import KeyringLocked, PasswordDeleteError
from secretstorage.util import DBusAddressWrapper, format_secret, open_session

from sac_desktop.domain.audit import Anchor
from sac_desktop.domain.clock import FixedClock
from sac_desktop.paths import Paths
from sac_desktop.security.anchors import AnchorUnreadable, FileAnchor, KeyringAnchor
from sac_desktop.security.keystore import (
    BackendStatus,
    DeviceSecretStore,
    KeyringEntryDamaged,
    KeyringTimeout,
    KeyringUnavailable,
    PlaintextKeyringRefused,
    backend_status,
    new_device_secret,
)
from tests.conftest import require

SECRETS_BUS_NAME = "org.freedesktop.secrets"
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
# Only for the throwaway login keyring the fixture creates in a temporary folder.
LOGIN_PASSWORD = b"test-only login keyring password"
TIMEOUT = 2.0


# -- A private Secret Service ---------------------------------------------------------------


def _secrets_owner_pid() -> int | None:
    """The process answering as the Secret Service on the session bus, if any."""
    with open_dbus_connection("SESSION") as connection:
        bus = DBus()
        if not connection.send_and_get_reply(bus.NameHasOwner(SECRETS_BUS_NAME)).body[0]:
            return None
        reply = connection.send_and_get_reply(bus.GetConnectionUnixProcessID(SECRETS_BUS_NAME))
        return int(reply.body[0])


def _session_bus_is_ours() -> bool:
    """True when nobody answers as the Secret Service yet (dbus-run-session gives a new bus)."""
    try:
        return _secrets_owner_pid() is None
    except OSError:
        return False  # a stale DBUS_SESSION_BUS_ADDRESS: no bus to talk to


def _forget_detected_backends() -> None:
    # keyring works out the viable backends once per process; a detection made before our
    # daemon answered (by any earlier test) would never see the Secret Service.
    vars(keyring.backend.get_all_keyring).pop("saved_result", None)


def _wait_for(condition: Callable[[], bool], what: str, log: Path, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds:g} s; daemon said:\n{log.read_text('utf-8')}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """gnome-keyring answering on this D-Bus session, its files in a temporary folder.

    Yields the folder where the daemon keeps its keyrings.
    """
    daemon = shutil.which("gnome-keyring-daemon")
    require(
        bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS")) and daemon is not None,
        "gnome-keyring in a D-Bus session",
    )
    # Never share a bus with a keyring that answers already: it would be someone's real one.
    require(
        _session_bus_is_ours(),
        "a D-Bus session of its own (run the suite under dbus-run-session)",
    )
    root = tmp_path_factory.mktemp("gnome-keyring")
    folders = {name: root / name for name in ("home", "data", "config", "cache", "runtime")}
    for folder in folders.values():
        folder.mkdir(mode=0o700)
    env = {
        **os.environ,
        "HOME": str(folders["home"]),
        "XDG_DATA_HOME": str(folders["data"]),
        "XDG_CONFIG_HOME": str(folders["config"]),
        "XDG_CACHE_HOME": str(folders["cache"]),
        "XDG_RUNTIME_DIR": str(folders["runtime"]),
    }
    log_path = root / "daemon.log"
    with log_path.open("wb") as log:
        # --foreground keeps the daemon our child, so we know exactly which process to stop.
        daemon_process = subprocess.Popen(
            [daemon, "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        assert daemon_process.stdin is not None
        with daemon_process.stdin:
            # --unlock reads the password until end of input, then creates the login keyring.
            daemon_process.stdin.write(LOGIN_PASSWORD)
        _wait_for(
            lambda: daemon_process.poll() is None and _secrets_owner_pid() == daemon_process.pid,
            "our gnome-keyring-daemon did not answer as the Secret Service",
            log_path,
        )
        with pytest.MonkeyPatch.context() as patch:
            # keyring's own detection, undisturbed by a developer's keyring settings.
            patch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
            patch.setenv("XDG_CONFIG_HOME", str(folders["config"]))
            patch.setattr(keyring.core, "_keyring_backend", None)

            def detected() -> bool:
                _forget_detected_backends()
                keyring.core.init_backend()
                return backend_status().name == SECRET_SERVICE

            _wait_for(detected, "keyring did not pick the Secret Service", log_path)
            try:
                yield folders["data"]
            finally:
                _forget_detected_backends()
    finally:
        daemon_process.terminate()
        try:
            daemon_process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon_process.kill()
            daemon_process.wait()


@pytest.fixture
def service(secret_service: Path) -> str:
    """A service name of this test's own, so no test sees another's entries."""
    return f"SAC Desktop test {uuid.uuid4().hex}"


@contextlib.contextmanager
def _locked_login_keyring() -> Iterator[None]:
    with contextlib.closing(secretstorage.dbus_init()) as connection:
        secretstorage.get_default_collection(connection).lock()
    try:
        yield
    finally:
        # gnome-keyring's own unlock-with-password call: the public Unlock needs a prompt,
        # and there is no display here to show one.
        with contextlib.closing(secretstorage.dbus_init()) as connection:
            internal = DBusAddressWrapper(
                "/org/freedesktop/secrets",
                "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
                connection,
            )
            secret = format_secret(open_session(connection), LOGIN_PASSWORD, "text/plain")
            internal.call(
                "UnlockWithMasterPassword",
                "o(oayays)",
                "/org/freedesktop/secrets/collection/login",
                secret,
            )
            assert not secretstorage.get_default_collection(connection).is_locked()


# -- Test doubles (the real backends are exercised above) -----------------------------------


class _TestOnly(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        # Not viable: keyring's own detection, in any later test, must never pick a double.
        raise RuntimeError("test-only keyring backend")


class PlaintextKeyring(_TestOnly):
    """Where keyrings.alt's file backend would be, keeping values in memory."""

    __module__ = "keyrings.alt.file"

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.values.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class _SecretServiceDouble(SecretServiceKeyring):
    """Classified as the Secret Service (a subclass), but never touches D-Bus."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("test-only keyring backend")


class _StuckSecretService(_SecretServiceDouble):
    """A Secret Service whose collection waits at a prompt nobody answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(10)
        return None


class _FailingSecretService(_SecretServiceDouble):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error


class _Chain(ChainerBackend):
    viable = False  # never picked by keyring's own detection
    # A plain attribute in place of the chainer's class property, so each instance has its own.
    backends: tuple[KeyringBackend, ...] = ()

    def __init__(self, *members: KeyringBackend) -> None:
        super().__init__()
        self.backends = members


@pytest.fixture
def use_backend(monkeypatch: pytest.MonkeyPatch) -> Callable[[KeyringBackend], None]:
    """Install a keyring backend for one test; the one before comes back afterwards."""
    # Saved raw: keyring.get_keyring() would first detect a backend (touching D-Bus).
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    return keyring.set_keyring


# -- Against the real Secret Service --------------------------------------------------------


@pytest.mark.system
def test_test_keyring_lives_in_a_temporary_folder(secret_service: Path) -> None:
    assert (secret_service / "keyrings" / "login.keyring").is_file()
    assert _secrets_owner_pid() is not None


@pytest.mark.system
def test_status_is_real_under_secret_service(service: str) -> None:
    expected = BackendStatus("real", SECRET_SERVICE)
    assert backend_status() == expected
    assert DeviceSecretStore(service, timeout=TIMEOUT).status() == expected


@pytest.mark.system
def test_device_secret_round_trip(service: str) -> None:
    store = DeviceSecretStore(service, timeout=TIMEOUT)
    first, second = new_device_secret(), new_device_secret()
    assert len(first) == 32 and first != second
    assert store.get("vault-1") is None

    store.put("vault-1", first)
    store.put("vault-2", second)

    assert store.get("vault-1") == first
    assert store.get("vault-2") == second
    stored = keyring.get_password(service, "device-secret:vault-1")
    assert stored == base64.b64encode(first).decode("ascii")
    store.put("vault-1", second)
    assert store.get("vault-1") == second


@pytest.mark.system
def test_delete_then_get_is_none(service: str) -> None:
    store = DeviceSecretStore(service, timeout=TIMEOUT)
    store.put("vault-1", new_device_secret())

    store.delete("vault-1")

    assert store.get("vault-1") is None
    store.delete("vault-1")  # nothing left to delete: still fine


@pytest.mark.system
def test_a_damaged_device_secret_is_reported(service: str) -> None:
    keyring.set_password(service, "device-secret:vault-1", "not base64!")
    with pytest.raises(KeyringEntryDamaged, match="recovery code"):
        DeviceSecretStore(service, timeout=TIMEOUT).get("vault-1")


@pytest.mark.system
def test_keyring_anchor_round_trip_writes_the_file_anchor_body(
    service: str, tmp_path: Path
) -> None:
    anchor = KeyringAnchor(service, timeout=TIMEOUT)
    file_anchor = FileAnchor(tmp_path)
    heads = [Anchor("BXL-A", 12, "a" * 64), Anchor("BXL-B", 3, "b" * 64)]
    assert anchor.load("vault-1") == []

    for head in heads:
        anchor.store("vault-1", head)
        file_anchor.store("vault-1", head)

    assert anchor.name == "keyring"
    assert anchor.load("vault-1") == heads
    assert anchor.load("vault-2") == []
    body = keyring.get_password(service, "audit-head:vault-1")
    assert body == (tmp_path / "audit-head-vault-1.json").read_text("utf-8")
    assert json.loads(body)["format"] == "sac-desktop-audit-head"


@pytest.mark.system
def test_keyring_anchor_never_moves_backwards(service: str) -> None:
    anchor = KeyringAnchor(service, timeout=TIMEOUT)
    anchor.store("vault-1", Anchor("BXL-A", 12, "a" * 64))

    anchor.store("vault-1", Anchor("BXL-A", 7, "7" * 64))
    assert anchor.load("vault-1") == [Anchor("BXL-A", 12, "a" * 64)]

    anchor.store("vault-1", Anchor("BXL-A", 13, "d" * 64))
    assert anchor.load("vault-1") == [Anchor("BXL-A", 13, "d" * 64)]


@pytest.mark.system
def test_a_damaged_anchor_is_reported(service: str) -> None:
    keyring.set_password(service, "audit-head:vault-1", "{not json")
    anchor = KeyringAnchor(service, timeout=TIMEOUT)
    # Reported, never read as "no anchor": that would let a store move the head backwards.
    with pytest.raises(AnchorUnreadable):
        anchor.load("vault-1")
    with pytest.raises((AnchorUnreadable, KeyringEntryDamaged)):
        anchor.store("vault-1", Anchor("BXL-A", 1, "a" * 64))
    assert keyring.get_password(service, "audit-head:vault-1") == "{not json"


@pytest.mark.system
def test_a_locked_keyring_never_hangs(service: str) -> None:
    store = DeviceSecretStore(service, timeout=TIMEOUT)
    anchor = KeyringAnchor(service, timeout=TIMEOUT)
    store.put("vault-1", new_device_secret())
    anchor.store("vault-1", Anchor("BXL-A", 5, "a" * 64))

    # keyring leaves its D-Bus connection open when an unlock fails; collect it here,
    # where its ResourceWarning is expected, not in some later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        with _locked_login_keyring():
            # Headless, gnome-keyring cannot show its prompt and says "locked" at once; on a
            # desktop the prompt would wait for someone, and the timeout ends the call.
            start = time.monotonic()
            with pytest.raises(KeyringUnavailable):
                store.get("vault-1")
            assert anchor.load("vault-1") == []
            anchor.store("vault-1", Anchor("BXL-A", 6, "b" * 64))  # gives up quietly
            assert time.monotonic() - start < 3 * TIMEOUT + 1
        gc.collect()

    assert anchor.load("vault-1") == [Anchor("BXL-A", 5, "a" * 64)]


# -- Backends other than a real keyring (no D-Bus needed) -----------------------------------


def test_new_device_secrets_are_32_random_bytes() -> None:
    secrets = {new_device_secret() for _ in range(20)}
    assert len(secrets) == 20 and all(len(s) == 32 for s in secrets)


def test_plaintext_backend_refused(use_backend: Callable[[KeyringBackend], None]) -> None:
    plaintext = PlaintextKeyring()
    use_backend(plaintext)
    store = DeviceSecretStore("SAC Desktop test", timeout=TIMEOUT)

    assert store.status() == BackendStatus("plaintext", "keyrings.alt.file.PlaintextKeyring")
    with pytest.raises(PlaintextKeyringRefused, match=r"keyrings\.alt") as refused:
        store.put("vault-1", new_device_secret())
    assert "Uninstall" in str(refused.value)
    with pytest.raises(PlaintextKeyringRefused):
        store.get("vault-1")
    with pytest.raises(PlaintextKeyringRefused):
        store.delete("vault-1")
    anchor = KeyringAnchor("SAC Desktop test", timeout=TIMEOUT)
    with pytest.raises(PlaintextKeyringRefused):
        anchor.store("vault-1", Anchor("BXL-A", 1, "a" * 64))
    with pytest.raises(PlaintextKeyringRefused):
        anchor.load("vault-1")
    assert plaintext.values == {}


@pytest.mark.parametrize(
    ("members", "kind"),
    [
        ((_SecretServiceDouble(),), "real"),
        ((_SecretServiceDouble(), PlaintextKeyring()), "plaintext"),
        ((PlaintextKeyring(),), "plaintext"),
        ((), "none"),
    ],
    ids=["secret-service", "with-plaintext", "plaintext-only", "empty"],
)
def test_a_chain_is_judged_by_its_members(
    use_backend: Callable[[KeyringBackend], None], members: tuple[KeyringBackend, ...], kind: str
) -> None:
    use_backend(_Chain(*members))
    status = backend_status()
    assert status.kind == kind
    assert status.name.startswith("tests.test_keystore._Chain[")


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_no_keyring_status_is_none(
    use_backend: Callable[[KeyringBackend], None], backend: KeyringBackend
) -> None:
    use_backend(backend)
    store = DeviceSecretStore("SAC Desktop test", timeout=TIMEOUT)
    name = f"{type(backend).__module__}.Keyring"

    assert store.status() == BackendStatus("none", name)
    assert store.get("vault-1") is None
    with pytest.raises(KeyringUnavailable, match="no OS keyring"):
        store.put("vault-1", new_device_secret())
    store.delete("vault-1")
    anchor = KeyringAnchor("SAC Desktop test", timeout=TIMEOUT)
    anchor.store("vault-1", Anchor("BXL-A", 1, "a" * 64))
    assert anchor.load("vault-1") == []


def test_a_keyring_that_does_not_answer_times_out(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    stuck = _StuckSecretService()
    use_backend(stuck)
    try:
        start = time.monotonic()
        with pytest.raises(KeyringTimeout, match=r"did not answer within 0\.3 s"):
            DeviceSecretStore("SAC Desktop test", timeout=0.3).get("vault-1")
        assert time.monotonic() - start < 1.5
        assert KeyringAnchor("SAC Desktop test", timeout=0.3).load("vault-1") == []
    finally:
        stuck.release.set()  # let the abandoned calls finish instead of sleeping on


@pytest.mark.parametrize(
    "error", [KeyringLocked("dismissed"), OSError("bus gone")], ids=["locked", "oserror"]
)
def test_backend_errors_become_unavailable(
    use_backend: Callable[[KeyringBackend], None], error: Exception
) -> None:
    use_backend(_FailingSecretService(error))
    store = DeviceSecretStore("SAC Desktop test", timeout=TIMEOUT)
    with pytest.raises(KeyringUnavailable, match=type(error).__name__) as raised:
        store.put("vault-1", new_device_secret())
    assert raised.value.__cause__ is error
    with pytest.raises(KeyringUnavailable):
        store.get("vault-1")
    anchor = KeyringAnchor("SAC Desktop test", timeout=TIMEOUT)
    anchor.store("vault-1", Anchor("BXL-A", 1, "a" * 64))
    assert anchor.load("vault-1") == []


def test_the_secret_is_never_in_an_error(use_backend: Callable[[KeyringBackend], None]) -> None:
    secret = new_device_secret()
    use_backend(_FailingSecretService(OSError("bus gone")))
    with pytest.raises(KeyringUnavailable) as raised:
        DeviceSecretStore("SAC Desktop test", timeout=TIMEOUT).put("vault-1", secret)
    encoded = base64.b64encode(secret).decode("ascii")
    assert encoded not in str(raised.value) and encoded not in repr(raised.value)


@pytest.mark.parametrize("vault_id", ["", "../etc", "a:b", "x" * 65])
def test_unexpected_vault_ids_are_refused(vault_id: str) -> None:
    with pytest.raises(ValueError, match="vault id"):
        DeviceSecretStore().get(vault_id)
    with pytest.raises(ValueError, match="vault id"):
        KeyringAnchor().load(vault_id)


def test_lost_keyring_entry_is_restored_by_the_recovery_code(
    service: str, paths: Paths, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real Secret Service loses the device secret; the recovery code writes the same one
    back and every account signs in again with all its data."""
    from sac_desktop.domain.roles import Role
    from sac_desktop.security.kdf import TEST_PARAMS, derive
    from sac_desktop.security.recovery import parse_recovery_code
    from sac_desktop.services.installation import (
        AccountAdmin,
        DeviceSecretMissing,
        Installation,
        SetupRequest,
    )

    monkeypatch.setenv("SAC_TEST_ALLOW_CHEAP_KDF", "1")
    store = DeviceSecretStore(service)
    installation = Installation(paths, clock, derive, TEST_PARAMS, store, [])
    result = installation.setup(
        SetupRequest("GNT", "ZSG Gent", "A", "nl", "coord", "Coordinator", "tulip meadow sunrise")
    )
    assert result.device_bound
    vault_id = installation.slots().vault_id
    secret = store.get(vault_id)
    assert secret is not None and len(secret) == 32
    coord = installation.sign_in("coord", "tulip meadow sunrise")
    AccountAdmin(installation, coord).create_account(
        "nurse", "Nurse", Role.FORENSIC_NURSE, "harbour lantern violet"
    )
    coord.session.close()
    nurse_session = installation.sign_in("nurse", "harbour lantern violet").session
    _case_id, number = nurse_session.record.create_case()
    nurse_session.close()

    store.delete(vault_id)
    assert store.get(vault_id) is None
    with pytest.raises(DeviceSecretMissing):
        installation.sign_in("coord", "tulip meadow sunrise")
    installation.recover_device_secret(parse_recovery_code(result.recovery_code.text))
    assert store.get(vault_id) == secret  # the same secret: every password slot works again
    for name, password in (("coord", "tulip meadow sunrise"), ("nurse", "harbour lantern violet")):
        signed = installation.sign_in(name, password)
        try:
            assert number in [row.number for row in signed.session.record.list_cases()]
        finally:
            signed.session.close()
