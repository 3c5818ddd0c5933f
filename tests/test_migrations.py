"""Migrations: every earlier schema upgrades; a failure leaves the vault as it was."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sac_desktop.domain.audit import GENESIS, Action, seal
from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.entries import Entry, entry_hash
from sac_desktop.domain.upcast import UnknownPayloadVersion, upcast
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.audit import verify_vault
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import open_vault
from sac_desktop.storage import errors, schema
from sac_desktop.storage.vault import Vault
from tests.conftest import NURSE, snapshot


def _vault_at(path: Path, key: VaultKey, version: int) -> None:
    """A vault built by the migrations up to ``version``, holding a case with entries."""
    vault = Vault.create(path, key.raw(), "3f1c2a4e-0000-4000-8000-000000000001")
    try:
        schema.migrate(vault, key.raw(), None, target=version)
        conn = vault.conn
        conn.execute("INSERT INTO meta VALUES ('vault_id', ?)", (vault.vault_id,))
        for name, value in (("centre", "BXL"), ("workstation", "A"), ("training", "0")):
            conn.execute("INSERT INTO meta VALUES (?, ?)", (name, value))
        conn.execute(
            "INSERT INTO cases VALUES ('c1', 'BXL-A-2025-00001', '2025-01-01T00:00:00.000000Z')"
        )
        conn.execute(
            "INSERT INTO entries (id, case_id, kind, schema_version, payload, author, role,"
            " at_utc, tz, utc_offset_min, protocol_version) VALUES"
            " ('e1', 'c1', 'case.opened', 1,"
            ' \'{"case_number":"BXL-A-2025-00001","training":false}\','
            " 'u', 'forensic_nurse', '2025-01-01T00:00:00.000000Z', 'Europe/Brussels', 60, 'none')"
        )
        # The audit record the application at that version wrote with the entry.
        stored = conn.execute(
            "SELECT id, case_id, kind, schema_version, payload, author, role, at_utc, tz,"
            " utc_offset_min, protocol_version, supersedes FROM entries"
        ).fetchone()
        record = seal(
            seq=1,
            chain="A",
            actor="u",
            role="forensic_nurse",
            action="entry.write",
            case_id="c1",
            entry_id="e1",
            entry_hash=entry_hash(tuple(stored)),
            at_utc="2025-01-01T00:00:00.000000Z",
            reason=None,
            prev_hash=GENESIS,
        )
        conn.execute(
            "INSERT INTO audit VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (*record.hashed_fields(), record.hash),
        )
        if version >= 2:  # as the application at that version kept it
            conn.execute(
                "INSERT INTO proj_case_list (case_id, number, training, opened_utc,"
                " last_activity_utc, entry_count) VALUES ('c1', 'BXL-A-2025-00001', 0,"
                " '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z', 1)"
            )
    finally:
        vault.close()


@pytest.mark.parametrize("version", range(1, schema.LATEST_VERSION))
def test_every_earlier_version_upgrades(tmp_path: Path, key: VaultKey, version: int) -> None:
    path = tmp_path / "vault.sacdb"
    _vault_at(path, key, version)
    payload_before = _payloads(path, key)
    vault = open_vault(path, key, tmp_path / "backups")
    try:
        assert schema.schema_version(vault) == schema.LATEST_VERSION
        applied = [
            r[0]
            for r in vault.conn.execute("SELECT version FROM schema_migrations ORDER BY version")
        ]
        assert applied == list(range(1, schema.LATEST_VERSION + 1))
        rows = vault.conn.execute("SELECT number, entry_count FROM proj_case_list").fetchall()
        assert rows == [("BXL-A-2025-00001", 1)]
    finally:
        vault.close()
    assert _payloads(path, key) == payload_before  # payloads never rewritten
    backups = list((tmp_path / "backups").glob("pre-migration-v*.sacdb"))
    assert len(backups) == 1
    assert backups[0].stat().st_mode & 0o077 == 0
    # The backup is itself an encrypted vault at the old version.
    assert backups[0].read_bytes()[:16] != b"SQLite format 3\x00"
    old = Vault.open(backups[0], key.raw())
    try:
        assert schema.schema_version(old) == version
    finally:
        old.close()
    # The upgraded vault is whole and in use: verified, the upgrade audited, writable.
    s = Session.open(path, key, NURSE, FixedClock(datetime(2026, 1, 5, tzinfo=UTC)), [], None)
    try:
        actions = [r[0] for r in s.vault.conn.execute("SELECT action, reason FROM audit")]
        assert actions[-1] == Action.VAULT_MIGRATE
        s.record.record_fields("c1", "arrival", {"how": "taxi"})
        assert s.record.open_case("c1").value("arrival.how") == "taxi"
        assert verify_vault(s.vault)[0].verification.intact
    finally:
        s.close()


def _payloads(path: Path, key: VaultKey) -> list[tuple[str, str]]:
    vault = Vault.open(path, key.raw())
    try:
        return vault.conn.execute("SELECT id, payload FROM entries ORDER BY seq").fetchall()
    finally:
        vault.close()


def test_failed_migration_leaves_vault_as_it_was(tmp_path: Path, key: VaultKey) -> None:
    path = tmp_path / "vault.sacdb"
    _vault_at(path, key, 1)
    before = snapshot(tmp_path)

    def explode(conn: object) -> None:
        raise RuntimeError("boom")

    broken = (
        *schema.MIGRATIONS,
        schema.Migration(3, "half-done step", ["CREATE TABLE half (x)"], function=explode),
    )
    vault = Vault.open(path, key.raw())
    try:
        with pytest.raises(errors.MigrationFailed):
            schema.migrate(vault, key.raw(), tmp_path / "backups", migrations=broken)
        assert schema.schema_version(vault) == 1
        tables = {r[0] for r in vault.conn.execute("SELECT name FROM sqlite_master")}
        assert "half" not in tables and "proj_case_list" not in tables
    finally:
        vault.close()
    after = snapshot(tmp_path)
    assert after["vault.sacdb"] == before["vault.sacdb"]
    assert any(name.startswith("backups/pre-migration-v1-to-v3") for name in after)


def test_created_vault_verifies(session) -> None:  # type: ignore[no-untyped-def]
    assert all(r.verification.intact for r in verify_vault(session.vault))


def _entry(version: int, payload: dict[str, object]) -> Entry:
    from datetime import UTC, datetime

    return Entry(
        "e",
        "c",
        "field.set",
        version,
        payload,
        "u",
        "physician",
        datetime(2026, 1, 1, tzinfo=UTC),
        "Europe/Brussels",
        60,
        "none",
    )


def test_old_payload_versions_are_upcast_on_read() -> None:
    upcasters = {
        ("field.set", 1): lambda p: {**p, "unit": None},
        ("field.set", 2): lambda p: {**p, "source": "staff"},
    }
    current = {"field.set": 3}
    old = _entry(1, {"section": "a", "field": "b", "value": 1})
    new = upcast(old, current, upcasters)
    assert new.schema_version == 3
    assert new.payload == {
        "section": "a",
        "field": "b",
        "value": 1,
        "unit": None,
        "source": "staff",
    }
    assert old.payload == {"section": "a", "field": "b", "value": 1}  # the stored one is untouched
    assert upcast(replace(old, schema_version=3), current, upcasters).payload == old.payload
    with pytest.raises(UnknownPayloadVersion):
        upcast(replace(old, schema_version=4), current, upcasters)
    with pytest.raises(UnknownPayloadVersion):
        upcast(old, current, {})
