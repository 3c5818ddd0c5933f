"""Sealed key slots: round trips, wrong passwords, damage, foreign slots, re-sealing."""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path

import pytest

from sac_desktop.security import slots as s
from sac_desktop.security.kdf import TEST_PARAMS, KdfParams


def fake_derive(password: str, salt: bytes, params: KdfParams) -> bytes:
    """Stands in for Argon2id (cost is not what these tests are about)."""
    return hashlib.sha256(f"{password}|{params.to_dict()}".encode() + salt).digest()


VAULT = "0f5a3c1e-1111-4111-8111-000000000001"


@pytest.fixture(autouse=True)
def _cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAC_TEST_ALLOW_CHEAP_KDF", "1")


@pytest.fixture
def master() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def device() -> bytes:
    return secrets.token_bytes(32)


def _file(master: bytes, device: bytes | None, vault: str = VAULT) -> s.SlotsFile:
    _priv, install_pub = s.new_keypair()
    nurse, _ = s.make_account_slot(
        vault_id=vault,
        generation=1,
        account_id="nurse",
        password="correct horse battery",
        params=TEST_PARAMS,
        device_secret=device,
        master_key=master,
        derive=fake_derive,
        extra={"signing_key": b"pkcs8-der-bytes"},
    )
    recovery = s.make_recovery_slot(
        vault_id=vault,
        generation=1,
        recovery_key=b"r" * 32,
        master_key=master,
        device_secret=device,
    )
    return s.SlotsFile(vault, 1, install_pub, (nurse, recovery))


def test_account_and_recovery_round_trip(master: bytes, device: bytes) -> None:
    slots = s.SlotsFile.parse(_file(master, device).dump())
    unlocked = s.unlock_account(slots, "nurse", "correct horse battery", device, fake_derive)
    assert unlocked.master_key == master
    assert s.open_extra(slots, "nurse", unlocked, "signing_key") == b"pkcs8-der-bytes"
    recovered = s.unlock_recovery(slots, b"r" * 32)
    assert recovered.master_key == master and recovered.device_secret == device
    assert "hidden" in repr(unlocked)


def test_wrong_password_and_wrong_or_missing_device_secret(master: bytes, device: bytes) -> None:
    slots = _file(master, device)
    with pytest.raises(s.WrongPassword):
        s.unlock_account(slots, "nurse", "wrong horse battery", device, fake_derive)
    with pytest.raises(s.WrongPassword):
        s.unlock_account(
            slots, "nurse", "correct horse battery", secrets.token_bytes(32), fake_derive
        )
    with pytest.raises(s.WrongPassword):
        s.unlock_account(slots, "nurse", "correct horse battery", None, fake_derive)
    with pytest.raises(s.WrongPassword):
        s.unlock_recovery(slots, b"x" * 32)
    with pytest.raises(s.NoSuchAccount):
        s.unlock_account(slots, "nobody", "correct horse battery", device, fake_derive)


def test_without_device_secret_password_alone_opens(master: bytes) -> None:
    slots = _file(master, None)
    assert (
        s.unlock_account(slots, "nurse", "correct horse battery", None, fake_derive).master_key
        == master
    )
    assert s.unlock_recovery(slots, b"r" * 32).device_secret is None


def test_truncated_and_flipped_files_are_damaged(
    master: bytes, device: bytes, tmp_path: Path
) -> None:
    data = _file(master, device).dump()
    for broken in (
        data[: len(data) // 2],
        data[:-5],
        data.replace(b'"generation": 1', b'"generation": 2'),
        bytes([data[0] ^ 1]) + data[1:],
        b"",
    ):
        with pytest.raises(s.SlotsDamaged):
            s.SlotsFile.parse(broken)
    with pytest.raises(s.SlotsMissing):
        s.SlotsFile.load(tmp_path / "nope")


def _rewrite(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """Edit the body and recompute the checksum, as a deliberate forger would."""
    text = data.decode().rstrip("\n").rpartition("\n")[0]
    body = json.loads(text)
    change(body)
    new = json.dumps(body, indent=1, sort_keys=True)
    return (new + "\n" + "sha256:" + hashlib.sha256(new.encode()).hexdigest() + "\n").encode()


def test_forged_files_fail_authentication(master: bytes, device: bytes) -> None:
    data = _file(master, device).dump()

    def swap_sealed(body):  # type: ignore[no-untyped-def]
        body["slots"][0]["sealed"], body["slots"][1]["sealed"] = (
            body["slots"][1]["sealed"],
            body["slots"][0]["sealed"],
        )

    forged = s.SlotsFile.parse(_rewrite(data, swap_sealed))
    with pytest.raises(s.SlotsDamaged):
        s.unlock_account(forged, "nurse", "correct horse battery", device, fake_derive)

    def rename_account(body):  # type: ignore[no-untyped-def]
        body["slots"][0]["account_id"] = "coordinator"

    renamed = s.SlotsFile.parse(_rewrite(data, rename_account))
    with pytest.raises((s.WrongPassword, s.SlotsDamaged)):
        s.unlock_account(renamed, "coordinator", "correct horse battery", device, fake_derive)


def test_slot_copied_from_another_installation_is_foreign(master: bytes, device: bytes) -> None:
    ours = _file(master, device)
    theirs = _file(secrets.token_bytes(32), device, vault="99999999-2222-4222-8222-000000000002")
    stolen = next(x for x in theirs.slots if x.account_id == "nurse")
    mixed = s.SlotsFile.parse(ours.without_account("nurse").with_slot(stolen).dump())
    with pytest.raises(s.ForeignSlot):
        s.unlock_account(mixed, "nurse", "correct horse battery", device, fake_derive)


def test_reseal_moves_every_slot_to_the_new_master(master: bytes, device: bytes) -> None:
    slots = _file(master, device)
    new_master = secrets.token_bytes(32)
    next_gen = s.reseal(slots, new_master, device)
    assert next_gen.generation == slots.generation + 1
    assert (
        s.unlock_account(next_gen, "nurse", "correct horse battery", device, fake_derive).master_key
        == new_master
    )
    assert s.unlock_recovery(next_gen, b"r" * 32).master_key == new_master
    # An old sealed value cannot be replayed into the new generation.
    old_nurse = slots.account_slot("nurse")
    replayed = next_gen.with_slot(old_nurse)
    with pytest.raises(s.SlotsDamaged):
        s.unlock_account(replayed, "nurse", "correct horse battery", device, fake_derive)


def test_change_password_rewraps_one_slot(master: bytes, device: bytes) -> None:
    slots = _file(master, device)
    unlocked = s.unlock_account(slots, "nurse", "correct horse battery", device, fake_derive)
    changed = s.change_password(
        slots, "nurse", unlocked, "a new long passphrase", TEST_PARAMS, device, fake_derive
    )
    with pytest.raises(s.WrongPassword):
        s.unlock_account(changed, "nurse", "correct horse battery", device, fake_derive)
    again = s.unlock_account(changed, "nurse", "a new long passphrase", device, fake_derive)
    assert again.master_key == master
    assert s.open_extra(changed, "nurse", again, "signing_key") == b"pkcs8-der-bytes"
    assert s.unlock_recovery(changed, b"r" * 32).master_key == master


def test_saved_file_is_owner_only_and_loads(master: bytes, device: bytes, tmp_path: Path) -> None:
    path = tmp_path / "vault.sacdb.slots"
    _file(master, device).save(path)
    assert path.stat().st_mode & 0o077 == 0
    assert s.SlotsFile.load(path).vault_id == VAULT
