"""Shared fixtures: every test works in its own temporary folders, never the user's."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.paths import Paths, resolve_paths
from sac_desktop.security.anchors import FileAnchor
from sac_desktop.security.keys import VaultKey
from sac_desktop.security.keystore import BackendStatus
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import create_vault

# No example database on disk; in CI the examples are the same on every run.
settings.register_profile(
    "sac", database=None, deadline=None, derandomize=bool(os.environ.get("CI"))
)
settings.load_profile("sac")

REQUIRE_SYSTEM_TOOLS = os.environ.get("SAC_REQUIRE_SYSTEM_TOOLS") == "1"
NURSE = Actor("nurse-1", Role.FORENSIC_NURSE)
PHYSICIAN = Actor("physician-1", Role.PHYSICIAN)


def require(condition: bool, what: str) -> None:
    """Skip when a system tool is missing, except in CI, where that is a failure."""
    if condition:
        return
    if REQUIRE_SYSTEM_TOOLS:
        pytest.fail(f"{what} is required (SAC_REQUIRE_SYSTEM_TOOLS=1)")
    pytest.skip(f"{what} missing")


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def questions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Modal yes/no questions are answered "yes" and recorded (a modal loop would hang)."""
    from PySide6.QtWidgets import QMessageBox

    asked: list[str] = []

    def answer(_parent: object, _title: str, text: str, *args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    return asked


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAC_DATA_DIR", str(tmp_path / "default-data"))
    monkeypatch.setenv("SAC_ANCHOR_DIR", str(tmp_path / "anchors"))
    # Never the developer's own keyring: only tests/test_keystore.py starts a real one.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return resolve_paths(tmp_path / "data").create()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 14, 2, 30, tzinfo=UTC))


@pytest.fixture
def key() -> VaultKey:
    return VaultKey.generate()


@pytest.fixture
def anchors(paths: Paths) -> list[FileAnchor]:
    return [FileAnchor(paths.anchors)]


@pytest.fixture
def session(
    paths: Paths, key: VaultKey, clock: FixedClock, anchors: list[FileAnchor]
) -> Iterator[Session]:
    vault = create_vault(
        paths.vault,
        key,
        centre="BXL",
        workstation="A",
        clock=clock,
        creator=NURSE,
        anchors=anchors,
    )
    s = Session(vault, NURSE, clock, anchors)
    yield s
    s.close()


@dataclass
class MemoryKeystore:
    """A real-keyring stand-in for service tests (the real one is tested in test_keystore)."""

    kind: str = "real"
    secrets: dict[str, bytes] = field(default_factory=dict)

    def status(self) -> BackendStatus:
        return BackendStatus(self.kind, "tests.MemoryKeystore")  # type: ignore[arg-type]

    def get(self, vault_id: str) -> bytes | None:
        return self.secrets.get(vault_id)

    def put(self, vault_id: str, secret: bytes) -> None:
        self.secrets[vault_id] = secret

    def delete(self, vault_id: str) -> None:
        self.secrets.pop(vault_id, None)


@pytest.fixture
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAC_TEST_ALLOW_CHEAP_KDF", "1")


@pytest.fixture
def keystore() -> MemoryKeystore:
    return MemoryKeystore()


@pytest.fixture
def installation(paths: Paths, clock: FixedClock, keystore: MemoryKeystore, anchors, cheap_kdf):  # type: ignore[no-untyped-def]
    from sac_desktop.security.kdf import TEST_PARAMS, derive
    from sac_desktop.services.installation import Installation

    return Installation(paths, clock, derive, TEST_PARAMS, keystore, anchors)


@pytest.fixture
def demo_accounts(installation, clock):  # type: ignore[no-untyped-def]
    """A training installation with one account per role (cheap KDF)."""
    from sac_desktop.security.kdf import TEST_PARAMS, derive
    from sac_desktop.services.demo import make_demo

    return {
        a.role: a
        for a in make_demo(
            installation.paths,
            cases=6,
            clock=clock,
            derive=derive,
            kdf_params=TEST_PARAMS,
            keystore=installation.keystore,
            anchors=installation.anchors,
        )
    }


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to prove nothing was overwritten)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def tool(name: str) -> str | None:
    return shutil.which(name)


# -- the main window (the UI tests) ---------------------------------------------------
@pytest.fixture
def bugs() -> list[BaseException]:
    return []


@pytest.fixture
def monotonic():  # type: ignore[no-untyped-def]
    from tests.helpers.ui import FakeMonotonic

    return FakeMonotonic()


@pytest.fixture
def window(qtbot, paths, installation, demo_accounts, bugs, monotonic):  # type: ignore[no-untyped-def]
    """A shown main window on a training installation with a demo account per role."""
    from tests.helpers.ui import _window

    return _window(qtbot, paths, installation, bugs, monotonic, list(demo_accounts.values()))
