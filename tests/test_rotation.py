"""Removal for cause: the master key changes, crash-safely (services/rotation.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from sac_desktop.domain.audit import Action
from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Role
from sac_desktop.paths import Paths
from sac_desktop.security import slots
from sac_desktop.security.anchors import FileAnchor
from sac_desktop.security.kdf import TEST_PARAMS, derive
from sac_desktop.security.recovery import RecoveryCode, recovery_key
from sac_desktop.services import rotation
from sac_desktop.services.installation import (
    AccountAdmin,
    AccountInactive,
    Installation,
    InvalidSetup,
    ReasonRequired,
    SetupRequest,
    SignedIn,
)
from sac_desktop.services.permissions import Area, Forbidden, Op, allowed
from sac_desktop.storage import accounts as account_store
from sac_desktop.storage import records
from sac_desktop.storage.errors import WrongKey
from sac_desktop.storage.vault import Vault, connect, key_opens, keyfile_path
from tests.helpers.rotate import KILL_ENV
from tests.test_installation import PASSWORD, MemoryKeystore

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = {
    "coord": PASSWORD,
    "coord2": "quiet river under moonlight",
    "nurse": "tulip meadow sunrise",
    "doctor": "granite orchard whisper",
    "mallory": "harbour lantern violet",
}
REMAINING = ("coord", "coord2", "nurse", "doctor")
REASON = "kept a copy of the data folder after leaving"


@pytest.fixture(autouse=True)
def _cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAC_TEST_ALLOW_CHEAP_KDF", "1")


# Installation.sign_in calls resolve_pending_rotation once the patch in the rotation
# report is applied; until then this helper does it first, exactly as the patch does.
_SIGN_IN_RESOLVES = "resolve_pending_rotation" in Installation.sign_in.__code__.co_names


def sign_in(inst: Installation, name: str, password: str) -> SignedIn:
    if not _SIGN_IN_RESOLVES and inst.pending_slots_path.exists():
        current = inst.slots()
        entry = current.find_account(name)
        slot = current.account_slot(entry.account_id)
        device = None
        if slot.device_bound and inst.keystore is not None:
            device = inst.keystore.get(current.vault_id)
        unlocked = slots.unlock_account(current, entry.account_id, password, device, inst.derive)
        rotation.resolve_pending_rotation(
            inst, current, unlocked, password, entry.account_id, inst.derive
        )
    return inst.sign_in(name, password)


@dataclass
class World:
    inst: Installation
    code: RecoveryCode
    ids: dict[str, str]
    cases: dict[str, str]  # case id -> the value recorded in it
    old_master: bytes
    old_slots: bytes  # what a removed person may have copied


def build(paths: Paths, clock: FixedClock, keystore: MemoryKeystore) -> World:
    inst = Installation(paths, clock, derive, TEST_PARAMS, keystore, [FileAnchor(paths.anchors)])
    setup = inst.setup(
        SetupRequest("GNT", "ZSG Gent", "A", "nl", "coord", "Coordinator One", PASSWORD)
    )
    coord = inst.sign_in("coord", PASSWORD)
    admin = AccountAdmin(inst, coord)
    ids = {"coord": coord.account.id}
    for name, display, role in (
        ("coord2", "Coordinator Two", Role.COORDINATOR),
        ("nurse", "Nurse One", Role.FORENSIC_NURSE),
        ("doctor", "Doctor One", Role.PHYSICIAN),
        ("mallory", "Mallory", Role.FORENSIC_NURSE),
    ):
        ids[name] = admin.create_account(name, display, role, PASSWORDS[name])
    old_master = coord.unlocked.master_key
    coord.session.close()
    cases = {}
    for name in ("nurse", "doctor", "mallory"):
        person = inst.sign_in(name, PASSWORDS[name])
        case_id, _ = person.session.record.create_case()
        person.session.record.record_fields(case_id, "arrival", {"how": f"by {name}"})
        cases[case_id] = f"by {name}"
        person.session.close()
    return World(inst, setup.recovery_code, ids, cases, old_master, inst.slots_path.read_bytes())


def audit_rows(signed: SignedIn) -> list[tuple[str, str | None]]:
    rows = signed.session.vault.conn.execute("SELECT action, reason FROM audit ORDER BY seq")
    return [(str(r[0]), r[1]) for r in rows]


def assert_rotated(world: World, removed: tuple[str, ...] = ("mallory",)) -> bytes:
    """Every remaining account works and sees everything; the old key and the removed
    accounts do not; recovery still works. Returns the master key now in force."""
    inst = world.inst
    path = inst.paths.vault
    remaining = [n for n in REMAINING if n not in removed]
    masters = set()
    verified = 0
    for name in remaining:
        person = sign_in(inst, name, PASSWORDS[name])
        try:
            masters.add(person.unlocked.master_key)
            listed = {row.case_id for row in person.session.record.list_cases()}
            assert set(world.cases) <= listed
            for case_id, value in world.cases.items():
                assert person.session.record.open_case(case_id).value("arrival.how") == value
            if allowed(person.session.actor.role, Area.AUDIT, Op.READ):  # coordinators
                reports = person.session.verify()
                assert reports and all(r.verification.intact for r in reports), reports
                verified += 1
        finally:
            person.session.close()
    assert len(masters) == 1 and verified
    (master,) = masters
    assert master != world.old_master
    assert not inst.pending_slots_path.exists()

    for name in removed:
        with pytest.raises(slots.NoSuchAccount):
            sign_in(inst, name, PASSWORDS[name])
    # The old key, as a copied slots file and a known password still give it, opens nothing.
    copied = slots.SlotsFile.parse(world.old_slots)
    device = inst.keystore.get(copied.vault_id) if inst.keystore is not None else None
    for name in removed:
        stolen = slots.unlock_account(copied, world.ids[name], PASSWORDS[name], device, inst.derive)
        assert stolen.master_key == world.old_master
    with pytest.raises(WrongKey):
        Vault.open(path, world.old_master)
    assert not key_opens(path, world.old_master)
    raw = connect(path, world.old_master)  # bypassing the key-check file
    try:
        with pytest.raises(sqlcipher.DatabaseError):
            raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        raw.close()

    current = inst.slots()
    recovered = slots.unlock_recovery(current, recovery_key(world.code, current.vault_id))
    assert recovered.master_key == master
    vault = Vault.open(path, recovered.master_key)
    try:
        assert vault.integrity_problems() == []
    finally:
        vault.close()
    return master


def run_rotation(world: World, clock: FixedClock, kill_after: int | None) -> int:
    env = {k: v for k, v in os.environ.items() if k != KILL_ENV}
    env["SAC_TEST_ALLOW_CHEAP_KDF"] = "1"
    if kill_after is not None:
        env[KILL_ENV] = str(kill_after)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.helpers.rotate",
            str(world.inst.paths.data),
            "coord",
            PASSWORD,
            world.ids["mallory"],
            REASON,
            (clock.now_utc() + timedelta(hours=1)).isoformat(),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    clock.advance(hours=2)  # after the child's clock: no backwards-clock record
    if kill_after is None:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[-1] == "done"
    else:
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert proc.stdout.splitlines()[-1] == f"step {kill_after}"
    return proc.returncode


# -- in one process ---------------------------------------------------------------------
def test_remove_for_cause_with_a_device_secret(paths: Paths, clock: FixedClock) -> None:
    keystore = MemoryKeystore()
    world = build(paths, clock, keystore)
    inst = world.inst
    coord = inst.sign_in("coord", PASSWORD)
    session = coord.session
    rotation.remove_for_cause(inst, coord, world.ids["mallory"], REASON)
    try:
        # The same SignedIn goes on working under the new key.
        assert coord.session is session and session.vault.is_open
        assert coord.unlocked.master_key != world.old_master
        assert set(world.cases) <= {r.case_id for r in session.record.list_cases()}
        row = account_store.get_account(session.vault.conn, world.ids["mallory"])
        assert row is not None and not row.active
        assert [r[2] for r in account_store.revocations(session.vault.conn)] == [
            rotation.CERT_REVOCATION_REASON
        ]
        actions = audit_rows(coord)
        deactivate = [r for a, r in actions if a == Action.ACCOUNT_DEACTIVATE]
        rotated = [r for a, r in actions if a == Action.KEY_ROTATION]
        assert len(deactivate) == 1 and REASON in deactivate[0]
        assert world.ids["mallory"] in deactivate[0]
        assert len(rotated) == 1 and "generation 2" in rotated[0]
        # An account created afterwards gets the new key (the SignedIn's, not the old one).
        AccountAdmin(inst, coord).create_account(
            "nurse2", "Nurse Two", Role.FORENSIC_NURSE, "copper kettle autumn"
        )
        assert rotation.unfinished_removals(inst, coord) == []
    finally:
        session.close()
    newcomer = inst.sign_in("nurse2", "copper kettle autumn")
    assert newcomer.unlocked.master_key == coord.unlocked.master_key
    newcomer.session.close()

    master = assert_rotated(world)
    current = inst.slots()
    assert current.generation == 2
    recovered = slots.unlock_recovery(current, recovery_key(world.code, current.vault_id))
    assert recovered.device_secret == keystore.secrets[current.vault_id]
    # The recovery code still restores a lost device secret after the rotation.
    keystore.secrets.clear()
    inst.recover_device_secret(world.code)
    again = inst.sign_in("nurse", PASSWORDS["nurse"])
    assert again.unlocked.master_key == master
    again.session.close()


def test_a_coordinator_removed_after_another_rotation(paths: Paths, clock: FixedClock) -> None:
    world = build(paths, clock, MemoryKeystore())
    inst = world.inst
    coord = inst.sign_in("coord", PASSWORD)
    try:
        rotation.remove_for_cause(inst, coord, world.ids["mallory"], REASON)
        rotation.remove_for_cause(inst, coord, world.ids["coord2"], "shared the password")
    finally:
        coord.session.close()
    assert inst.slots().generation == 3
    assert_rotated(world, removed=("mallory", "coord2"))


def test_an_account_already_deactivated_can_be_removed_for_cause(
    paths: Paths, clock: FixedClock
) -> None:
    world = build(paths, clock, MemoryKeystore(kind="none"))
    inst = world.inst
    coord = inst.sign_in("coord", PASSWORD)
    try:
        AccountAdmin(inst, coord).deactivate(world.ids["mallory"], reason="left")
    finally:
        coord.session.close()
    # Deactivation drops the slot, but a copied slots file still gives the key in force.
    assert key_opens(inst.paths.vault, world.old_master)
    coord = inst.sign_in("coord", PASSWORD)
    try:
        rotation.remove_for_cause(inst, coord, world.ids["mallory"], REASON)
    finally:
        coord.session.close()
    assert_rotated(world)


def test_permission_reason_and_self(paths: Paths, clock: FixedClock) -> None:
    world = build(paths, clock, MemoryKeystore(kind="none"))
    inst = world.inst
    nurse = inst.sign_in("nurse", PASSWORDS["nurse"])
    try:
        with pytest.raises(Forbidden):
            rotation.remove_for_cause(inst, nurse, world.ids["mallory"], REASON)
    finally:
        nurse.session.close()
    coord = inst.sign_in("coord", PASSWORD)
    try:
        with pytest.raises(ReasonRequired):
            rotation.remove_for_cause(inst, coord, world.ids["mallory"], "  ")
        with pytest.raises(InvalidSetup):
            rotation.remove_for_cause(inst, coord, world.ids["coord"], REASON)
        with pytest.raises(slots.NoSuchAccount):
            rotation.remove_for_cause(inst, coord, "no-such-account", REASON)
        assert records.get_meta(coord.session.vault.conn, rotation.META_NEXT_SLOTS_SHA256) is None
    finally:
        coord.session.close()
    assert not inst.pending_slots_path.exists()
    assert inst.slots_path.read_bytes() == world.old_slots
    inst.sign_in("mallory", PASSWORDS["mallory"]).session.close()


@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_a_failure_after_the_next_generation_rolls_forward(
    paths: Paths, clock: FixedClock, step: int
) -> None:
    world = build(paths, clock, MemoryKeystore(kind="none"))
    inst = world.inst
    coord = inst.sign_in("coord", PASSWORD)

    def fail(number: int) -> None:
        if number == step:
            raise OSError("simulated failure")

    with pytest.raises(OSError, match="simulated"):
        rotation.remove_for_cause(inst, coord, world.ids["mallory"], REASON, after_step=fail)
    assert not coord.session.vault.is_open  # this session cannot go on; sign in again
    assert inst.pending_slots_path.exists()
    with pytest.raises(slots.NoSuchAccount):
        sign_in(inst, "mallory", PASSWORDS["mallory"])
    assert_rotated(world)


def test_a_planted_next_generation_is_set_aside(paths: Paths, clock: FixedClock) -> None:
    """Someone who can write the data folder cannot choose the key the vault moves to."""
    world = build(paths, clock, MemoryKeystore(kind="none"))
    inst = world.inst
    chosen = bytes(range(32))
    planted = slots.reseal(inst.slots(), chosen, None)
    planted.save(inst.pending_slots_path)
    nurse = sign_in(inst, "nurse", PASSWORDS["nurse"])
    try:
        assert nurse.unlocked.master_key == world.old_master
        rotated = [r for a, r in audit_rows(nurse) if a == Action.KEY_ROTATION]
        assert len(rotated) == 1 and "set aside" in (rotated[0] or "")
    finally:
        nurse.session.close()
    assert not inst.pending_slots_path.exists()
    assert len(list(paths.data.glob("*.slots.next.rejected-*"))) == 1
    assert inst.slots_path.read_bytes() == world.old_slots
    assert not key_opens(inst.paths.vault, chosen)
    assert key_opens(inst.paths.vault, world.old_master)


# -- killed in a separate process ----------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("step", [1, 2, 3, 4, 5])
def test_killed_after_each_step(paths: Paths, clock: FixedClock, step: int) -> None:
    world = build(paths, clock, MemoryKeystore(kind="none"))
    inst = world.inst
    run_rotation(world, clock, kill_after=step)
    assert inst.pending_slots_path.exists() == (step < 5)
    # Before anyone remaining signs in: the removed account fails and changes nothing.
    with pytest.raises(slots.NoSuchAccount):
        sign_in(inst, "mallory", PASSWORDS["mallory"])
    assert inst.pending_slots_path.exists() == (step < 5)
    path = inst.paths.vault
    assert key_opens(path, world.old_master) == (step < 2)

    master = assert_rotated(world)  # the nurse signs in first and finishes the rotation
    coord = sign_in(inst, "coord", PASSWORD)
    try:
        assert coord.unlocked.master_key == master
        actions = audit_rows(coord)
        deactivate = [r for a, r in actions if a == Action.ACCOUNT_DEACTIVATE]
        rotated = [r or "" for a, r in actions if a == Action.KEY_ROTATION]
        assert len(deactivate) == 1 and REASON in (deactivate[0] or "")
        finished = [r for r in rotated if "finished at sign-in" in r]
        assert len(finished) == (1 if step < 5 else 0)
        if finished:
            assert ("before the rekey" in finished[0]) == (step < 2)
        assert rotation.unfinished_removals(inst, coord) == []
        row = account_store.get_account(coord.session.vault.conn, world.ids["mallory"])
        assert row is not None and not row.active
    finally:
        coord.session.close()


@pytest.mark.slow
def test_killed_before_the_next_generation_is_written(paths: Paths, clock: FixedClock) -> None:
    """Step 0 only recorded the removal: the account is refused, and listed as unfinished."""
    world = build(paths, clock, MemoryKeystore(kind="none"))
    inst = world.inst
    run_rotation(world, clock, kill_after=0)
    assert not inst.pending_slots_path.exists()
    with pytest.raises(AccountInactive):
        inst.sign_in("mallory", PASSWORDS["mallory"])
    coord = inst.sign_in("coord", PASSWORD)
    try:
        assert rotation.unfinished_removals(inst, coord) == [world.ids["mallory"]]
        rotation.remove_for_cause(inst, coord, world.ids["mallory"], REASON)
        assert rotation.unfinished_removals(inst, coord) == []
    finally:
        coord.session.close()
    assert_rotated(world)


@pytest.mark.slow
def test_the_helper_runs_to_completion_when_not_killed(paths: Paths, clock: FixedClock) -> None:
    world = build(paths, clock, MemoryKeystore(kind="none"))
    run_rotation(world, clock, kill_after=None)
    assert_rotated(world)


def test_resolution_without_a_current_unlock_uses_the_password(
    paths: Paths, clock: FixedClock
) -> None:
    world = build(paths, clock, MemoryKeystore(kind="none"))
    inst = world.inst
    coord = inst.sign_in("coord", PASSWORD)

    def fail(number: int) -> None:
        if number == rotation.STEP_NEXT_WRITTEN:
            raise OSError("simulated failure")

    with pytest.raises(OSError, match="simulated"):
        rotation.remove_for_cause(inst, coord, world.ids["mallory"], REASON, after_step=fail)
    current = inst.slots()
    with pytest.raises(slots.WrongPassword):
        rotation.resolve_pending_rotation(
            inst, current, None, "not the password", world.ids["doctor"], derive
        )
    assert key_opens(inst.paths.vault, world.old_master)  # nothing changed
    in_force, unlocked = rotation.resolve_pending_rotation(
        inst, current, None, PASSWORDS["doctor"], world.ids["doctor"], derive
    )
    assert in_force.generation == current.generation + 1
    assert unlocked.master_key != world.old_master
    assert inst.slots_path.read_bytes() == in_force.dump()
    assert_rotated(world)


def _unrecorded(kind: str, current: slots.SlotsFile) -> bytes:
    if kind == "no_slots":  # well formed, the right vault and generation, nobody in it
        return replace(current, generation=current.generation + 1, slots=(), directory=()).dump()
    if kind == "cut_off":
        return b'{"format": "sac-desktop-slots"'
    return bytes(range(256)) * 3  # garbage


@pytest.mark.parametrize("kind", ["no_slots", "cut_off", "garbage", "unreadable"])
def test_an_unrecorded_next_generation_locks_no_one_out(
    paths: Paths, clock: FixedClock, kind: str
) -> None:
    """Write access to the data folder is not enough to stop anyone signing in."""
    world = build(paths, clock, MemoryKeystore(kind="none"))
    inst = world.inst
    key_check = keyfile_path(inst.paths.vault).read_bytes()
    planted = _unrecorded(kind, inst.slots())
    everyone = (*REMAINING, "mallory")
    for turn, name in enumerate(everyone, start=1):
        if kind == "unreadable":
            inst.pending_slots_path.mkdir()
        else:
            inst.pending_slots_path.write_bytes(planted)
        person = sign_in(inst, name, PASSWORDS[name])
        try:
            assert person.account.id == world.ids[name]
            assert person.unlocked.master_key == world.old_master
            rows = audit_rows(person)
            rotated = [r or "" for a, r in rows if a == Action.KEY_ROTATION]
            assert len(rotated) == turn and all("set aside" in r for r in rotated), rotated
            assert ("unreadable" in rotated[-1]) == (kind == "unreadable")
            # No failed sign-in (no "removed_account") was recorded for anyone.
            assert not [r for a, r in rows if a == Action.SIGN_IN_FAILED]
        finally:
            person.session.close()
        assert not inst.pending_slots_path.exists()
        clock.advance(minutes=1)
    rejected = sorted(paths.data.glob("*.slots.next.rejected-*"))
    assert len(rejected) == len(everyone)
    for path in rejected:
        assert path.is_dir() if kind == "unreadable" else path.read_bytes() == planted
    # Nothing else changed: the same slots, key-check file and key.
    assert inst.slots_path.read_bytes() == world.old_slots
    assert keyfile_path(inst.paths.vault).read_bytes() == key_check
    assert key_opens(inst.paths.vault, world.old_master)


def test_an_inactive_account_leaves_an_unrecorded_next_generation_alone(
    paths: Paths, clock: FixedClock
) -> None:
    world = build(paths, clock, MemoryKeystore(kind="none"))
    inst = world.inst
    coord = inst.sign_in("coord", PASSWORD)
    try:
        AccountAdmin(inst, coord).deactivate(world.ids["mallory"], reason="left")
    finally:
        coord.session.close()
    # As after a crash between steps 0 and 1: inactive, and the slot still there.
    inst.slots_path.write_bytes(world.old_slots)
    planted = _unrecorded("no_slots", inst.slots())
    inst.pending_slots_path.write_bytes(planted)
    with pytest.raises(AccountInactive):
        sign_in(inst, "mallory", PASSWORDS["mallory"])
    assert inst.pending_slots_path.read_bytes() == planted
    nurse = sign_in(inst, "nurse", PASSWORDS["nurse"])
    try:
        rotated = [r or "" for a, r in audit_rows(nurse) if a == Action.KEY_ROTATION]
        assert len(rotated) == 1 and "set aside" in rotated[0]
    finally:
        nurse.session.close()
    assert not inst.pending_slots_path.exists()
    assert len(list(paths.data.glob("*.slots.next.rejected-*"))) == 1


def test_a_damaged_next_generation_before_the_rekey_is_set_aside(
    paths: Paths, clock: FixedClock
) -> None:
    """The real next generation, damaged before the rekey: the current one stays in force,
    the removed account stays refused, and the removal is listed to run again."""
    world = build(paths, clock, MemoryKeystore(kind="none"))
    inst = world.inst
    coord = inst.sign_in("coord", PASSWORD)

    def fail(number: int) -> None:
        if number == rotation.STEP_NEXT_WRITTEN:
            raise OSError("simulated failure")

    with pytest.raises(OSError, match="simulated"):
        rotation.remove_for_cause(inst, coord, world.ids["mallory"], REASON, after_step=fail)
    genuine = inst.pending_slots_path.read_bytes()
    inst.pending_slots_path.write_bytes(genuine[: len(genuine) // 2])
    with pytest.raises(AccountInactive):
        sign_in(inst, "mallory", PASSWORDS["mallory"])
    coord = sign_in(inst, "coord", PASSWORD)
    try:
        assert coord.unlocked.master_key == world.old_master
        assert not inst.pending_slots_path.exists()
        assert rotation.unfinished_removals(inst, coord) == [world.ids["mallory"]]
        rotation.remove_for_cause(inst, coord, world.ids["mallory"], REASON)
    finally:
        coord.session.close()
    assert_rotated(world)


def test_a_damaged_next_generation_after_the_rekey_is_reported_and_left_alone(
    paths: Paths, clock: FixedClock
) -> None:
    """Once the vault is under the next key, that file is the only way to it: kept."""
    world = build(paths, clock, MemoryKeystore(kind="none"))
    inst = world.inst
    coord = inst.sign_in("coord", PASSWORD)

    def fail(number: int) -> None:
        if number == rotation.STEP_REKEYED:
            raise OSError("simulated failure")

    with pytest.raises(OSError, match="simulated"):
        rotation.remove_for_cause(inst, coord, world.ids["mallory"], REASON, after_step=fail)
    genuine = inst.pending_slots_path.read_bytes()
    inst.pending_slots_path.write_bytes(genuine[:-10])
    with pytest.raises(slots.SlotsDamaged):
        sign_in(inst, "nurse", PASSWORDS["nurse"])
    assert inst.pending_slots_path.read_bytes() == genuine[:-10]
    assert inst.slots_path.read_bytes() == world.old_slots
    assert not key_opens(inst.paths.vault, world.old_master)
    inst.pending_slots_path.write_bytes(genuine)  # restored: the rotation finishes
    assert_rotated(world)
