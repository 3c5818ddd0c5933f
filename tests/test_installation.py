"""First-run setup, sign-in, throttle, pre-sign-in log, accounts and recovery (services)."""

from __future__ import annotations

import pytest

from sac_desktop.domain.audit import Action
from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Role
from sac_desktop.paths import Paths
from sac_desktop.security import slots
from sac_desktop.security.kdf import TEST_PARAMS, derive
from sac_desktop.security.recovery import parse_recovery_code
from sac_desktop.services.installation import (
    AccountAdmin,
    DeviceSecretMissing,
    Installation,
    PasswordRejected,
    ReasonRequired,
    SetupRequest,
)
from sac_desktop.services.permissions import Forbidden
from sac_desktop.services.signin_guard import Throttled
from sac_desktop.storage import accounts as account_store
from tests.conftest import MemoryKeystore

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAC_TEST_ALLOW_CHEAP_KDF", "1")


def make(paths: Paths, clock: FixedClock, keystore: MemoryKeystore) -> Installation:
    return Installation(paths, clock, derive, TEST_PARAMS, keystore, [])


@pytest.fixture
def installed(paths: Paths, clock: FixedClock, keystore: MemoryKeystore):  # type: ignore[no-untyped-def]
    inst = make(paths, clock, keystore)
    result = inst.setup(
        SetupRequest("GNT", "ZSG Gent", "A", "nl", "coord", "Coordinator One", PASSWORD)
    )
    return inst, result


def test_setup_then_sign_in(installed, paths: Paths) -> None:  # type: ignore[no-untyped-def]
    inst, result = installed
    assert result.device_bound
    assert len(result.ca_fingerprint.split()) == 16
    assert parse_recovery_code(result.recovery_code.text).secret == result.recovery_code.secret
    assert inst.slots_path.stat().st_mode & 0o077 == 0
    signed = inst.sign_in("COORD", PASSWORD)
    try:
        assert signed.account.role == "coordinator"
        assert signed.session.info.centre == "GNT"
        actions = [r[0] for r in signed.session.vault.conn.execute("SELECT action FROM audit")]
        assert actions[-1] == Action.SIGN_IN
    finally:
        signed.session.close()
    with pytest.raises(FileExistsError):
        inst.setup(SetupRequest("GNT", "ZSG Gent", "A", "nl", "c2", "C", PASSWORD))


def test_weak_password_is_refused_at_setup(
    paths: Paths, clock: FixedClock, keystore: MemoryKeystore
) -> None:
    inst = make(paths, clock, keystore)
    with pytest.raises(PasswordRejected) as caught:
        inst.setup(SetupRequest("GNT", "ZSG Gent", "A", "nl", "coord", "C", "short"))
    assert caught.value.problems
    assert not inst.exists()


def test_wrong_then_right_password_and_failures_reach_the_audit(installed) -> None:  # type: ignore[no-untyped-def]
    inst, _ = installed
    with pytest.raises(slots.WrongPassword):
        inst.sign_in("coord", "not the password at all")
    assert inst.preauth.path.exists()
    signed = inst.sign_in("coord", PASSWORD)
    try:
        rows = signed.session.vault.conn.execute(
            "SELECT action, actor, reason FROM audit WHERE action = 'signin.failed'"
        ).fetchall()
        assert len(rows) == 1 and rows[0][1] == signed.account.id
        assert "wrong_password" in rows[0][2]
        assert inst.preauth.path.read_bytes() == b""
        assert b"wrong_password" not in inst.paths.data.joinpath("preauth.log").read_bytes()
    finally:
        signed.session.close()


def test_throttle_grows_survives_restart_and_a_coordinator_can_lift_it(
    installed, clock, keystore
) -> None:  # type: ignore[no-untyped-def]
    inst, _ = installed
    for _ in range(5):
        with pytest.raises(slots.WrongPassword):
            inst.sign_in("coord", "wrong password number")
    restarted = make(inst.paths, clock, keystore)  # a new process sees the same throttle
    with pytest.raises(Throttled) as caught:
        restarted.sign_in("coord", PASSWORD)
    assert 0 < caught.value.seconds_left <= 31
    clock.advance(seconds=31)
    signed = restarted.sign_in("coord", PASSWORD)
    signed.session.close()
    assert restarted.throttle.failures(signed.account.id) == 0
    for _ in range(20):
        clock.advance(minutes=20)
        with pytest.raises(slots.WrongPassword):
            restarted.sign_in("coord", "wrong password number")
    with pytest.raises(Throttled) as capped:
        restarted.sign_in("coord", PASSWORD)
    assert capped.value.seconds_left <= 15 * 60 + 1  # capped, never a lockout
    clock.advance(minutes=16)
    signed = restarted.sign_in("coord", PASSWORD)
    try:
        AccountAdmin(restarted, signed).lift_throttle(signed.account.id)
        last = signed.session.vault.conn.execute(
            "SELECT action FROM audit ORDER BY seq DESC LIMIT 1"
        ).fetchone()[0]
        assert last == Action.THROTTLE_LIFT
    finally:
        signed.session.close()


def test_accounts_psychologist_reason_notice_reset_and_deactivate(installed, clock) -> None:  # type: ignore[no-untyped-def]
    inst, _ = installed
    coord = inst.sign_in("coord", PASSWORD)
    admin = AccountAdmin(inst, coord)
    nurse_id = admin.create_account(
        "nurse", "Nurse One", Role.FORENSIC_NURSE, "tulip meadow sunrise"
    )
    with pytest.raises(ReasonRequired):
        admin.create_account("psy", "Psy One", Role.PSYCHOLOGIST, "granite orchard whisper")
    psy_id = admin.create_account(
        "psy", "Psy One", Role.PSYCHOLOGIST, "granite orchard whisper", reason="new team member"
    )
    coord.session.close()

    psy = inst.sign_in("psy", "granite orchard whisper")
    try:
        assert [n[1] for n in psy.notices] == ["psychologist_created"]
        assert psy.notices[0][3] == "new team member"
        with pytest.raises(Forbidden):
            AccountAdmin(inst, psy).create_account(
                "x", "X", Role.PHYSICIAN, "another long password"
            )
    finally:
        psy.session.close()

    coord = inst.sign_in("coord", PASSWORD)
    admin = AccountAdmin(inst, coord)
    old_cert = account_store.get_account(coord.session.vault.conn, nurse_id).certificate_pem
    admin.reset_password(nurse_id, "harbour lantern violet")
    revoked = account_store.revocations(coord.session.vault.conn)
    assert len(revoked) == 1
    assert account_store.get_account(coord.session.vault.conn, nurse_id).certificate_pem != old_cert
    admin.deactivate(psy_id, reason="left the centre")
    coord.session.close()

    with pytest.raises(slots.WrongPassword):
        inst.sign_in("nurse", "tulip meadow sunrise")
    inst.sign_in("nurse", "harbour lantern violet").session.close()
    with pytest.raises(slots.NoSuchAccount):
        inst.sign_in("psy", "granite orchard whisper")


def test_lost_device_secret_is_restored_by_the_recovery_code(installed, keystore) -> None:  # type: ignore[no-untyped-def]
    inst, result = installed
    secret = dict(keystore.secrets)
    keystore.secrets.clear()
    with pytest.raises(DeviceSecretMissing):
        inst.sign_in("coord", PASSWORD)
    inst.recover_device_secret(parse_recovery_code(result.recovery_code.text.lower()))
    assert keystore.secrets == secret
    inst.sign_in("coord", PASSWORD).session.close()


def test_without_a_real_keyring_the_password_alone_protects(paths, clock) -> None:  # type: ignore[no-untyped-def]
    inst = make(paths, clock, MemoryKeystore(kind="none"))
    result = inst.setup(SetupRequest("LIE", "CPVS Liège", "B", "fr", "coord", "C One", PASSWORD))
    assert not result.device_bound
    inst.sign_in("coord", PASSWORD).session.close()


def _damage(path, how: str) -> None:  # type: ignore[no-untyped-def]
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif how == "flipped":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0x20]) + data[middle + 1 :])


@pytest.mark.parametrize("how", ["truncated", "flipped"])
def test_damaged_slots_file_is_reported_and_never_rewritten(installed, how: str) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import snapshot

    inst, _ = installed
    _damage(inst.slots_path, how)
    before = snapshot(inst.paths.data)
    with pytest.raises(slots.SlotsDamaged):
        inst.sign_in("coord", PASSWORD)
    assert snapshot(inst.paths.data) == before


def test_wrong_password_changes_no_vault_file(installed) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import snapshot

    inst, _ = installed
    before = {
        k: v
        for k, v in snapshot(inst.paths.data).items()
        if "throttle" not in k and "preauth" not in k
    }
    with pytest.raises(slots.WrongPassword):
        inst.sign_in("coord", "not the password at all")
    after = {
        k: v
        for k, v in snapshot(inst.paths.data).items()
        if "throttle" not in k and "preauth" not in k
    }
    assert after == before


def test_a_slot_copied_from_another_installation_is_foreign(
    installed, tmp_path, clock, keystore
) -> None:  # type: ignore[no-untyped-def]
    from sac_desktop.paths import resolve_paths

    inst, _ = installed
    other = make(resolve_paths(tmp_path / "other").create(), clock, keystore)
    other.setup(SetupRequest("LIE", "CPVS Liège", "B", "fr", "intruder", "I", PASSWORD))
    theirs = other.slots()
    stolen = theirs.account_slot(theirs.find_account("intruder").account_id)
    ours = inst.slots()
    entry = theirs.find_account("intruder")
    ours.with_slot(stolen).with_directory_entry(entry).save(inst.slots_path)
    with pytest.raises(slots.ForeignSlot):
        inst.sign_in("intruder", PASSWORD)


def test_production_kdf_is_at_or_above_the_floor(paths) -> None:  # type: ignore[no-untyped-def]
    from sac_desktop.security.kdf import FLOOR
    from sac_desktop.services.installation import production_installation

    prod = production_installation(paths)
    assert prod.kdf_params == FLOOR and prod.calibrate_kdf
    assert FLOOR.memory_kib >= 64 * 1024


def test_edit_account_name_and_role(installed) -> None:  # type: ignore[no-untyped-def]
    inst, _ = installed
    coord = inst.sign_in("coord", PASSWORD)
    admin = AccountAdmin(inst, coord)
    nurse_id = admin.create_account(
        "nurse", "Nurse One", Role.FORENSIC_NURSE, "tulip meadow sunrise"
    )
    before = account_store.get_account(coord.session.vault.conn, nurse_id).certificate_pem
    with pytest.raises(ReasonRequired):
        admin.edit_account(nurse_id, "Nurse One", Role.PSYCHOLOGIST)
    admin.edit_account(nurse_id, "Dr. Nurse One", Role.PHYSICIAN)
    row = account_store.get_account(coord.session.vault.conn, nurse_id)
    assert row.role == "physician" and row.display_name == "Dr. Nurse One"
    assert (
        row.certificate_pem != before
        and len(account_store.revocations(coord.session.vault.conn)) == 1
    )
    coord.session.close()
    signed = inst.sign_in("nurse", "tulip meadow sunrise")  # same password, new role
    try:
        assert signed.session.actor.role is Role.PHYSICIAN
        assert inst.slots().find_account("nurse").display_name == "Dr. Nurse One"
    finally:
        signed.session.close()


def test_change_own_password(installed) -> None:  # type: ignore[no-untyped-def]
    inst, _ = installed
    signed = inst.sign_in("coord", PASSWORD)
    with pytest.raises(PasswordRejected):
        inst.change_own_password(signed, PASSWORD, "short")
    with pytest.raises(slots.WrongPassword):  # the current password is asked again
        inst.change_own_password(signed, "not my password at all", "a completely new passphrase")
    inst.change_own_password(signed, PASSWORD, "a completely new passphrase")
    signed.session.close()
    with pytest.raises(slots.WrongPassword):
        inst.sign_in("coord", PASSWORD)
    inst.sign_in("coord", "a completely new passphrase").session.close()


def test_damaged_guard_files_never_block_a_sign_in(installed, clock) -> None:  # type: ignore[no-untyped-def]
    inst, _ = installed
    inst.throttle.path.write_bytes(b'{"x": 5, "y": {"until": "not a time"}, "z": []}')
    inst.preauth.path.write_bytes(b"\xff\xfe garbage\n[]\n{}\n")
    signed = inst.sign_in("coord", PASSWORD)
    try:
        reasons = [
            r[0]
            for r in signed.session.vault.conn.execute(
                "SELECT reason FROM audit WHERE action = 'signin.failed'"
            )
        ]
        assert reasons == ["3 unreadable pre-sign-in records"]
    finally:
        signed.session.close()


def test_a_wait_is_never_longer_than_the_cap(installed, clock) -> None:  # type: ignore[no-untyped-def]
    import json

    inst, _ = installed
    account_id = inst.slots().find_account("coord").account_id
    inst.throttle.path.write_text(
        json.dumps({account_id: {"failures": 9, "until": "9999-01-01T00:00:00.000000Z"}})
    )
    from sac_desktop.services.signin_guard import Throttled

    with pytest.raises(Throttled) as caught:
        inst.sign_in("coord", PASSWORD)
    assert caught.value.seconds_left <= 15 * 60 + 1


def test_using_the_recovery_code_is_audited(installed, keystore) -> None:  # type: ignore[no-untyped-def]
    inst, result = installed
    keystore.secrets.clear()
    assert inst.recover_device_secret(parse_recovery_code(result.recovery_code.text))
    signed = inst.sign_in("coord", PASSWORD)
    try:
        rows = signed.session.vault.conn.execute(
            "SELECT actor, reason FROM audit WHERE action = 'signin.failed'"
        ).fetchall()
        assert rows and rows[0][0] == "recovery-code" and "recovery_used" in rows[0][1]
    finally:
        signed.session.close()


def test_psychologist_role_changes_need_a_reason_and_notices_are_shown_once(installed) -> None:  # type: ignore[no-untyped-def]
    from sac_desktop.services.installation import mark_notices_seen

    inst, _ = installed
    coord = inst.sign_in("coord", PASSWORD)
    admin = AccountAdmin(inst, coord)
    psy = admin.create_account(
        "psy", "Psy One", Role.PSYCHOLOGIST, "granite orchard whisper", reason="new colleague"
    )
    with pytest.raises(ReasonRequired):  # out of the role without a reason: refused
        admin.edit_account(psy, "Psy One", Role.FORENSIC_NURSE)
    coord.session.close()
    first = inst.sign_in("psy", "granite orchard whisper")
    assert [n[1] for n in first.notices] == ["psychologist_created"]
    mark_notices_seen(first)
    first.session.close()
    again = inst.sign_in("psy", "granite orchard whisper")
    try:
        assert again.notices == []
    finally:
        again.session.close()


def test_an_older_slots_file_cannot_bring_back_an_old_password(installed) -> None:  # type: ignore[no-untyped-def]
    inst, _ = installed
    inst.sign_in("coord", PASSWORD).session.close()  # the current slot is now remembered
    kept = inst.slots_path.read_bytes()  # someone keeps a copy
    signed = inst.sign_in("coord", PASSWORD)
    inst.change_own_password(signed, PASSWORD, "a completely new passphrase")
    admin = AccountAdmin(inst, signed)
    nurse = admin.create_account("nurse", "Nurse One", Role.FORENSIC_NURSE, "tulip meadow sunrise")
    admin.reset_password(nurse, "harbour lantern violet")
    signed.session.close()
    inst.slots_path.write_bytes(kept)  # ... and writes it back later
    with pytest.raises(slots.SlotsDamaged):
        inst.sign_in("coord", PASSWORD)
    current = make(inst.paths, inst.clock, inst.keystore)
    assert current.slots_path.read_bytes() == kept  # refused, nothing rewritten
