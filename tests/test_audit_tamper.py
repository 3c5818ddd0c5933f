"""Audit trail: every kind of tampering is detected and located."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sac_desktop.domain.audit import Anchor, Problem, record_hash, seal
from sac_desktop.domain.clock import FixedClock
from sac_desktop.security.anchors import FileAnchor
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.audit import AnchorMismatch, verify_vault
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import create_vault, open_for_verification
from tests.conftest import NURSE

CASES = 3
FIELDS_PER_CASE = 4


class Template:
    def __init__(
        self, folder: Path, key: VaultKey, records: int, entry_records: dict[str, int]
    ) -> None:
        self.folder = folder
        self.key = key
        self.records = records
        self.entry_records = entry_records  # entry id -> seq of the record that wrote it


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    folder = tmp_path_factory.mktemp("template")
    key = VaultKey.generate()
    clock = FixedClock(datetime(2026, 5, 1, 22, 0, tzinfo=UTC))
    anchors = [FileAnchor(folder / "anchors")]
    vault = create_vault(
        folder / "data" / "vault.sacdb",
        key,
        centre="GNT",
        workstation="W1",
        clock=clock,
        creator=NURSE,
        anchors=anchors,
    )
    session = Session(vault, NURSE, clock, anchors)
    for _ in range(CASES):
        case_id, _ = session.record.create_case()
        for f in range(FIELDS_PER_CASE):
            clock.advance(minutes=3)
            session.record.record_fields(case_id, "s", {f"f{f}": f"synthetic value {f}"})
        session.record.open_case(case_id)
    rows = vault.conn.execute(
        "SELECT seq, entry_id FROM audit WHERE entry_id IS NOT NULL"
    ).fetchall()
    count = vault.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    session.close()  # anchors the head
    return Template(folder, key, count, {e: s for s, e in rows})


@contextlib.contextmanager
def copy_of(template: Template, dest: Path) -> Iterator[Path]:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(template.folder, dest)
    yield dest


@contextlib.contextmanager
def raw(folder: Path, key: VaultKey) -> Iterator[Any]:
    """What someone holding the key could do: drop the triggers and edit rows."""
    conn = sqlcipher.connect(str(folder / "data" / "vault.sacdb"), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    for name in ("audit_no_update", "audit_no_delete", "entries_no_update", "entries_no_delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    conn.execute("BEGIN")
    try:
        yield conn
        conn.execute("COMMIT")
    finally:
        conn.close()


def verify(folder: Path, key: VaultKey):  # type: ignore[no-untyped-def]
    vault = open_for_verification(folder / "data" / "vault.sacdb", key)
    try:
        reports = verify_vault(vault, [FileAnchor(folder / "anchors")])
    finally:
        vault.close()
    assert len(reports) == 1
    return reports[0].verification


_COLUMNS = ["chain", "actor", "role", "action", "case_id", "at_utc", "reason", "prev_hash", "hash"]
SETTINGS = settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_untouched_copy_is_intact(template: Template, tmp_path: Path) -> None:
    with copy_of(template, tmp_path / "v") as folder:
        result = verify(folder, template.key)
        assert result.intact and result.records == template.records


@SETTINGS
@given(data=st.data())
def test_flipped_field_is_located(template: Template, tmp_path: Path, data: st.DataObject) -> None:
    seq = data.draw(st.integers(1, template.records))
    column = data.draw(st.sampled_from(_COLUMNS))
    with copy_of(template, tmp_path / "v") as folder:
        with raw(folder, template.key) as conn:
            old = conn.execute(f"SELECT {column} FROM audit WHERE seq = ?", (seq,)).fetchone()[0]
            new = "X" if old is None else (old[:-1] + ("0" if old[-1] != "0" else "1"))
            conn.execute(f"UPDATE audit SET {column} = ? WHERE seq = ?", (new, seq))
        result = verify(folder, template.key)
    assert result.finding is not None
    assert result.finding.seq == seq
    expected = Problem.BROKEN_LINK if column == "prev_hash" else Problem.RECORD_ALTERED
    assert result.finding.problem == expected


@SETTINGS
@given(data=st.data())
def test_deleted_record_is_located(template: Template, tmp_path: Path, data: st.DataObject) -> None:
    seq = data.draw(st.integers(1, template.records))
    with copy_of(template, tmp_path / "v") as folder:
        with raw(folder, template.key) as conn:
            conn.execute("DELETE FROM audit WHERE seq = ?", (seq,))
        result = verify(folder, template.key)
    assert result.finding is not None and result.finding.seq == seq
    if seq == template.records:  # the last one: only the anchor can tell
        assert result.finding.problem == Problem.TRUNCATED
    else:
        assert result.finding.problem == Problem.SEQUENCE_GAP


@SETTINGS
@given(data=st.data())
def test_inserted_record_is_located(
    template: Template, tmp_path: Path, data: st.DataObject
) -> None:
    seq = data.draw(st.integers(2, template.records))
    with copy_of(template, tmp_path / "v") as folder:
        with raw(folder, template.key) as conn:
            # Make room, then forge a well-formed record chained to its predecessor.
            conn.execute("UPDATE audit SET seq = -seq - 1 WHERE seq >= ?", (seq,))
            conn.execute("UPDATE audit SET seq = -seq WHERE seq < 0")
            prev = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq - 1,)).fetchone()[0]
            forged = seal(
                seq=seq,
                chain="W1",
                actor="intruder",
                role="coordinator",
                action="case.open",
                case_id=None,
                entry_id=None,
                entry_hash=None,
                at_utc="2026-05-01T23:00:00.000000Z",
                reason=None,
                prev_hash=prev,
            )
            conn.execute(
                "INSERT INTO audit VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (*forged.hashed_fields(), forged.hash),
            )
        result = verify(folder, template.key)
    assert result.finding is not None
    # The forged record is well-formed; the first one that no longer fits is right after it.
    assert result.finding.seq in (seq, seq + 1)
    assert result.finding.problem in (Problem.RECORD_ALTERED, Problem.BROKEN_LINK)


@SETTINGS
@given(data=st.data())
def test_reordered_records_are_located(
    template: Template, tmp_path: Path, data: st.DataObject
) -> None:
    a = data.draw(st.integers(1, template.records - 1))
    b = data.draw(st.integers(a + 1, template.records))
    with copy_of(template, tmp_path / "v") as folder:
        with raw(folder, template.key) as conn:
            conn.execute("UPDATE audit SET seq = -1 WHERE seq = ?", (a,))
            conn.execute("UPDATE audit SET seq = ? WHERE seq = ?", (a, b))
            conn.execute("UPDATE audit SET seq = ? WHERE seq = -1", (b,))
        result = verify(folder, template.key)
    assert result.finding is not None and result.finding.seq == a
    assert result.finding.problem in (Problem.BROKEN_LINK, Problem.RECORD_ALTERED)


@SETTINGS
@given(data=st.data())
def test_truncated_tail_is_located(template: Template, tmp_path: Path, data: st.DataObject) -> None:
    keep = data.draw(st.integers(0, template.records - 1))
    with copy_of(template, tmp_path / "v") as folder:
        with raw(folder, template.key) as conn:
            conn.execute("DELETE FROM audit WHERE seq > ?", (keep,))
        result = verify(folder, template.key)
    assert result.finding is not None
    assert result.finding.problem == Problem.TRUNCATED and result.finding.seq == keep + 1


@SETTINGS
@given(data=st.data())
def test_edited_entry_payload_is_located(
    template: Template, tmp_path: Path, data: st.DataObject
) -> None:
    entry_id = data.draw(st.sampled_from(sorted(template.entry_records)))
    with copy_of(template, tmp_path / "v") as folder:
        with raw(folder, template.key) as conn:
            payload = conn.execute(
                "SELECT payload FROM entries WHERE id = ?", (entry_id,)
            ).fetchone()[0]
            conn.execute(
                "UPDATE entries SET payload = ? WHERE id = ?",
                (payload[:-1] + ',"forged":true}', entry_id),
            )
        result = verify(folder, template.key)
    assert result.finding is not None
    assert result.finding.problem == Problem.ENTRY_ALTERED
    assert result.finding.entry_id == entry_id
    assert result.finding.seq == template.entry_records[entry_id]


def test_deleted_and_unrecorded_entries(template: Template, tmp_path: Path) -> None:
    entry_id = sorted(template.entry_records)[0]
    with copy_of(template, tmp_path / "deleted") as folder:
        with raw(folder, template.key) as conn:
            conn.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
        result = verify(folder, template.key)
        assert result.finding is not None and result.finding.problem == Problem.ENTRY_MISSING
        assert result.finding.seq == template.entry_records[entry_id]
    with copy_of(template, tmp_path / "smuggled") as folder:
        with raw(folder, template.key) as conn:
            conn.execute(
                "INSERT INTO entries (id, case_id, kind, schema_version, payload, author, role,"
                " at_utc, tz, utc_offset_min, protocol_version)"
                " SELECT 'smuggled', case_id, kind, schema_version, payload, author, role, at_utc,"
                " tz, utc_offset_min, protocol_version FROM entries LIMIT 1"
            )
        result = verify(folder, template.key)
        assert result.finding is not None and result.finding.problem == Problem.ENTRY_UNRECORDED
        assert result.finding.entry_id == "smuggled"


def test_rewritten_chain_diverges_from_anchor(template: Template, tmp_path: Path) -> None:
    """Someone with the key edits a payload and recomputes every hash: the anchor tells."""
    entry_id = sorted(template.entry_records)[0]
    with copy_of(template, tmp_path / "v") as folder:
        with raw(folder, template.key) as conn:
            from sac_desktop.domain.entries import entry_hash
            from sac_desktop.storage.records import stored_entry_hashes

            payload = conn.execute(
                "SELECT payload FROM entries WHERE id = ?", (entry_id,)
            ).fetchone()[0]
            conn.execute(
                "UPDATE entries SET payload = ? WHERE id = ?",
                (payload[:-1] + ',"forged":true}', entry_id),
            )
            hashes = stored_entry_hashes(conn)
            assert entry_hash is not None
            prev = "0" * 64
            for row in conn.execute("SELECT * FROM audit ORDER BY seq").fetchall():
                fields = list(row[:11])
                if fields[6] in hashes:
                    fields[7] = hashes[fields[6]]
                fields[10] = prev
                new_hash = record_hash(fields)
                conn.execute(
                    "UPDATE audit SET entry_hash = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    (fields[7], prev, new_hash, row[0]),
                )
                prev = new_hash
        result = verify(folder, template.key)
    assert result.finding is not None
    assert result.finding.problem == Problem.DIVERGED and result.finding.seq == template.records


def test_restoring_an_older_copy_of_the_data_folder_is_detected(tmp_path: Path) -> None:
    key = VaultKey.generate()
    clock = FixedClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    data, anchor_dir = tmp_path / "data", tmp_path / "anchors"
    anchors = [FileAnchor(anchor_dir)]
    vault = create_vault(
        data / "vault.sacdb",
        key,
        centre="ANT",
        workstation="A",
        clock=clock,
        creator=NURSE,
        anchors=anchors,
    )
    s = Session(vault, NURSE, clock, anchors)
    case_id, _ = s.record.create_case()
    s.close()
    shutil.copytree(data, tmp_path / "old-copy")
    old_count = _count(data, key)
    s = Session.open(data / "vault.sacdb", key, NURSE, clock, anchors, None)
    s.record.record_fields(case_id, "s", {"later": 1})
    s.close()
    shutil.rmtree(data)
    shutil.copytree(tmp_path / "old-copy", data)  # the anchor folder is not rolled back
    vault = open_for_verification(data / "vault.sacdb", key)
    try:
        report = verify_vault(vault, anchors)[0].verification
    finally:
        vault.close()
    assert report.finding is not None
    assert report.finding.problem == Problem.TRUNCATED and report.finding.seq == old_count + 1


def _count(data: Path, key: VaultKey) -> int:
    vault = open_for_verification(data / "vault.sacdb", key)
    try:
        return int(vault.conn.execute("SELECT count(*) FROM audit").fetchone()[0])
    finally:
        vault.close()


def test_anchor_never_moves_backwards(tmp_path: Path) -> None:
    anchor = FileAnchor(tmp_path)
    anchor.store("abc-1", Anchor("A", 10, "h10"))
    anchor.store("abc-1", Anchor("A", 4, "h4"))
    assert anchor.load("abc-1") == [Anchor("A", 10, "h10")]
    assert (tmp_path / "audit-head-abc-1.json").stat().st_mode & 0o077 == 0


def test_clock_moving_backwards_is_recorded(session: Session, clock: FixedClock) -> None:
    case_id, _ = session.record.create_case()
    clock.advance(hours=-2)
    session.record.record_fields(case_id, "s", {"x": 1})
    clock.advance(minutes=5)  # still behind: the same jump is not reported again
    session.record.record_fields(case_id, "s", {"x": 2})
    actions = [r[0] for r in session.vault.conn.execute("SELECT action FROM audit ORDER BY seq")]
    assert actions.count("clock.backwards") == 1
    reason = session.vault.conn.execute(
        "SELECT reason FROM audit WHERE action = 'clock.backwards'"
    ).fetchone()[0]
    assert reason == "clock_backwards_seconds=7200"
    assert verify_vault(session.vault)[0].verification.intact


def _open_use_close(folder: Path, key: VaultKey) -> Session:
    """What a nurse would do next: open the vault, read a case, close it."""
    clock = FixedClock(datetime(2026, 5, 2, 9, 0, tzinfo=UTC))
    anchors = [FileAnchor(folder / "anchors")]
    s = Session.open(folder / "data" / "vault.sacdb", key, NURSE, clock, anchors, None)
    case_id = s.record.list_cases()[0].case_id
    s.record.open_case(case_id)
    return s


def test_using_a_restored_older_copy_never_moves_the_anchor(tmp_path: Path) -> None:
    key = VaultKey.generate()
    clock = FixedClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    data, anchors = tmp_path / "data", [FileAnchor(tmp_path / "anchors")]
    vault = create_vault(
        data / "vault.sacdb",
        key,
        centre="ANT",
        workstation="A",
        clock=clock,
        creator=NURSE,
        anchors=anchors,
    )
    s = Session(vault, NURSE, clock, anchors)
    s.record.create_case()
    s.close()
    shutil.copytree(data, tmp_path / "old")
    s = Session.open(data / "vault.sacdb", key, NURSE, clock, anchors, None)
    s.record.create_case()
    s.close()
    shutil.rmtree(data)
    shutil.copytree(tmp_path / "old", data)
    restored = _open_use_close(tmp_path, key)
    assert restored.anchor_finding is not None
    assert restored.anchor_finding.problem == Problem.TRUNCATED
    with pytest.raises(AnchorMismatch):
        restored.close()
    assert not restored.vault.is_open  # closed all the same
    # Still detected; after more use of the old copy its chain has forked from the anchor.
    assert verify(tmp_path, key).finding.problem in (Problem.TRUNCATED, Problem.DIVERGED)


def test_using_a_rewritten_chain_never_moves_the_anchor(template: Template, tmp_path: Path) -> None:
    with copy_of(template, tmp_path / "v") as folder:
        with raw(folder, template.key) as conn:
            conn.execute("UPDATE audit SET reason = 'forged', hash = 'x' WHERE seq = 3")
            prev = "0" * 64
            for row in conn.execute("SELECT * FROM audit ORDER BY seq").fetchall():
                fields = [*row[:10], prev]
                new_hash = record_hash(fields)
                conn.execute(
                    "UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?",
                    (prev, new_hash, row[0]),
                )
                prev = new_hash
        session = _open_use_close(folder, template.key)
        assert session.anchor_finding is not None
        with pytest.raises(AnchorMismatch):
            session.close()
        assert verify(folder, template.key).finding.problem == Problem.DIVERGED


def _cut_tail(conn: Any, keep: int) -> None:
    """Cut the chain and the entries its tail wrote, leaving a consistent shorter vault."""
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(
        "DELETE FROM entries WHERE id IN (SELECT entry_id FROM audit WHERE seq > ?)", (keep,)
    )
    conn.execute("DELETE FROM audit WHERE seq > ?", (keep,))


def test_a_lost_anchor_or_edited_metadata_is_reported(template: Template, tmp_path: Path) -> None:
    with copy_of(template, tmp_path / "lost") as folder:
        for anchor_file in (folder / "anchors").iterdir():
            anchor_file.unlink()
        with raw(folder, template.key) as conn:
            _cut_tail(conn, 5)
        assert verify(folder, template.key).finding.problem == Problem.UNANCHORED
    with copy_of(template, tmp_path / "meta") as folder:
        with raw(folder, template.key) as conn:
            _cut_tail(conn, 5)
            conn.execute("UPDATE meta SET value = 'ZZ' WHERE key = 'workstation'")
        assert verify(folder, template.key).finding.problem == Problem.TRUNCATED


def test_a_damaged_anchor_is_reported_not_a_crash(template: Template, tmp_path: Path) -> None:
    with copy_of(template, tmp_path / "v") as folder:
        for anchor_file in (folder / "anchors").iterdir():
            anchor_file.write_text("{ not json")
        assert verify(folder, template.key).finding.problem == Problem.ANCHOR_UNREADABLE
        session = _open_use_close(folder, template.key)
        assert session.anchor_finding.problem == Problem.ANCHOR_UNREADABLE
        with pytest.raises(AnchorMismatch):
            session.close()
        assert (folder / "anchors").iterdir().__next__().read_text() == "{ not json"


@SETTINGS
@given(data=st.data())
def test_reordered_entries_are_located(
    template: Template, tmp_path: Path, data: st.DataObject
) -> None:
    ids = sorted(template.entry_records, key=template.entry_records.__getitem__)
    a = data.draw(st.integers(0, len(ids) - 2))
    b = data.draw(st.integers(a + 1, len(ids) - 1))
    with copy_of(template, tmp_path / "v") as folder:
        with raw(folder, template.key) as conn:
            conn.execute("PRAGMA foreign_keys = OFF")
            sa, sb = (
                conn.execute("SELECT seq FROM entries WHERE id = ?", (i,)).fetchone()[0]
                for i in (ids[a], ids[b])
            )
            conn.execute("UPDATE entries SET seq = -1 WHERE seq = ?", (sa,))
            conn.execute("UPDATE entries SET seq = ? WHERE seq = ?", (sa, sb))
            conn.execute("UPDATE entries SET seq = ? WHERE seq = -1", (sb,))
        result = verify(folder, template.key)
    assert result.finding is not None and result.finding.problem == Problem.ENTRY_REORDERED
    assert result.finding.seq == template.entry_records[ids[a]]
