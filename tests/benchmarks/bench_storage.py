"""Storage benchmark: the SQLCipher vault against stdlib sqlite3, same schema, same code.

Run on demand (not part of the test suite)::

    .venv/bin/python tests/benchmarks/bench_storage.py [--quick] [--dir FOLDER]

Both databases are built the production way: the same ``schema.MIGRATIONS`` through
``schema.migrate``, the same ``vault.apply_pragmas`` (WAL, synchronous=FULL, ...), and the
real services (``Vault``, ``AuditTrail``, ``RecordService`` via ``Session``) on top of the
connection; only the driver differs (``vault.connect(..., driver=sqlite3)`` for the
baseline). The SQLCipher side is created with ``create_vault`` and reopened with
``open_vault``. Measurements of the two drivers are interleaved (alternating order) so
disk and CPU drift hit both alike. Every value written is synthetic; none is printed.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from sac_desktop.domain.audit import Action
from sac_desktop.domain.clock import Clock, FixedClock, SystemClock, format_utc
from sac_desktop.domain.entries import KIND_FIELD_SET
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.audit import AuditTrail, verify_vault
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import create_vault, open_for_verification, open_vault
from sac_desktop.storage import records, schema
from sac_desktop.storage import vault as storage

CENTRE = "BENCH"
WORKSTATION = "B1"
ACTOR = Actor("bench-nurse", Role.FORENSIC_NURSE)
PLAIN, VAULT = "plain", "vault"
DRIVERS = (PLAIN, VAULT)
PRAGMAS = (
    "journal_mode",
    "synchronous",
    "temp_store",
    "foreign_keys",
    "recursive_triggers",
    "page_size",
    "cache_size",
)

# Synthetic fields and values (shapes like the demo's; never printed).
FIELDS: tuple[tuple[str, str, tuple[Any, ...]], ...] = (
    ("arrival", "how", ("on_foot", "taxi", "police", "ambulance", "public_transport")),
    ("arrival", "referred_by", ("self", "police", "general_practitioner", "other")),
    ("arrival", "hours_since_assault", (3, 9, 20, 40, 70, 100, None)),
    ("person", "pseudonym", ("Bench person A", "Bench person B", "Bench person C")),
    ("person", "age_years", (17, 19, 24, 31, 45, 62)),
    ("person", "language", ("nl", "fr", "de", "en", "ar", "uk")),
    ("person", "interpreter_needed", (True, False)),
    ("person", "companion", ("friend", "parent", "partner", "sibling", "none")),
)


@dataclass(frozen=True)
class Counts:
    warmup: int
    commits: int
    drafts: int
    state_entries: int
    state_runs: int
    big_entries: int
    big_per_case: int
    opens: int


FULL = Counts(
    warmup=50,
    commits=500,
    drafts=500,
    state_entries=500,
    state_runs=30,
    big_entries=100_000,
    big_per_case=50,
    opens=20,
)
QUICK = Counts(
    warmup=5,
    commits=40,
    drafts=40,
    state_entries=500,
    state_runs=5,
    big_entries=5_000,
    big_per_case=50,
    opens=5,
)


# -- timing helpers -----------------------------------------------------------------------
def percentile(samples_ns: list[int], q: float) -> float:
    """Nearest-rank percentile in milliseconds."""
    ordered = sorted(samples_ns)
    rank = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[rank] / 1e6


def median_ms(samples_ns: list[int]) -> float:
    return statistics.median(samples_ns) / 1e6


def timed(action: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    action()
    return time.perf_counter_ns() - start


def interleaved(
    actions: dict[str, Callable[[], object]], warmup: int, runs: int
) -> dict[str, list[int]]:
    """Run each driver's action ``warmup + runs`` times, alternating which goes first."""
    samples: dict[str, list[int]] = {name: [] for name in actions}
    names = list(actions)
    gc.collect()
    for i in range(warmup + runs):
        for name in names if i % 2 == 0 else reversed(names):
            elapsed = timed(actions[name])
            if i >= warmup:
                samples[name].append(elapsed)
    return samples


# -- building the two databases the same way -----------------------------------------------
def create_plain_vault(path: Path, key: VaultKey, clock: Clock) -> storage.Vault:
    """What ``services.vaults.create_vault`` does, on a stdlib sqlite3 connection."""
    vault_id = str(uuid.uuid4())
    conn = storage.connect(path, None, driver=sqlite3)
    storage.apply_pragmas(conn)
    vault = storage.Vault(path, conn, None, vault_id)
    schema.migrate(vault, key.raw(), backups_dir=None)
    trail = AuditTrail(vault, WORKSTATION, clock)
    with vault.transaction() as tx:
        for name, value in (
            ("vault_id", vault_id),
            ("centre", CENTRE),
            ("workstation", WORKSTATION),
            ("training", "1"),
            ("created_utc", format_utc(clock.now_utc())),
        ):
            records.set_meta(tx, name, value)
        trail.append(tx, ACTOR, Action.VAULT_CREATE)
    return vault


def new_session(driver: str, path: Path, key: VaultKey, clock: Clock) -> Session:
    if driver == VAULT:
        vault = create_vault(
            path,
            key,
            centre=CENTRE,
            workstation=WORKSTATION,
            clock=clock,
            creator=ACTOR,
            training=True,
        )
    else:
        vault = create_plain_vault(path, key, clock)
    return Session(vault, ACTOR, clock, anchors=[])


def pragma_values(conn: Any) -> tuple[str, ...]:
    return tuple(str(conn.execute(f"PRAGMA {name}").fetchone()[0]) for name in PRAGMAS)


@dataclass
class CaseWriter:
    """Writes field entries to one case the way ``RecordService.record_fields`` does."""

    session: Session
    case_id: str
    rng: random.Random
    latest: dict[str, str] = field(default_factory=dict)
    written: int = 0

    def next_entry(self) -> Any:
        section, name, values = FIELDS[self.written % len(FIELDS)]
        self.written += 1
        key = f"{section}.{name}"
        payload = {"section": section, "field": name, "value": self.rng.choice(values)}
        entry = self.session.record._entry(
            self.case_id, KIND_FIELD_SET, payload, supersedes=self.latest.get(key)
        )
        self.latest[key] = entry.id
        return entry

    def write_in(self, conn: Any) -> None:
        self.session.record._write(conn, self.next_entry())

    def commit_one(self) -> None:
        """One entry + its audit record + projection + last_utc_seen: one transaction."""
        entry = self.next_entry()
        with self.session.vault.transaction() as conn:
            self.session.record._write(conn, entry)


# -- the measures -------------------------------------------------------------------------
@dataclass
class Row:
    measure: str
    plain: str
    vault: str
    ratio: str = ""
    target: str = ""
    met: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def timing(
        self,
        measure: str,
        plain_ms: float,
        vault_ms: float,
        target: str = "",
        ok: bool | None = None,
    ) -> None:
        ratio = vault_ms / plain_ms if plain_ms > 0 else float("nan")
        met = "" if ok is None else ("yes" if ok else "NO")
        if ok is False:
            self.missed.append(measure)
        self.rows.append(
            Row(measure, f"{plain_ms:.3f} ms", f"{vault_ms:.3f} ms", f"{ratio:.2f}x", target, met)
        )

    def print(self) -> None:
        head = Row("measure", "plain sqlite3", "SQLCipher vault", "ratio", "target", "met?")
        table = [head, *self.rows]
        widths = [max(len(getattr(r, col)) for r in table) for col in vars(head)]

        def line(row: Row) -> str:
            cells = [getattr(row, col) for col in vars(head)]
            first = cells[0].ljust(widths[0])
            rest = [
                c.rjust(w) if i < 3 else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells[1:], widths[1:], strict=True))
            ]
            return " | ".join([first, *rest]).rstrip()

        print(line(head))
        print("-+-".join("-" * w for w in widths))
        for row in self.rows:
            print(line(row))


def progress(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


def bench_small(folder: Path, key: VaultKey, counts: Counts, report: Report) -> None:
    """Measures 1-3 on a fresh database per driver (system clock, as in production)."""
    clock = SystemClock()
    sessions = {d: new_session(d, folder / f"work-{d}.sacdb", key, clock) for d in DRIVERS}
    try:
        plain_pragmas = pragma_values(sessions[PLAIN].vault.conn)
        vault_pragmas = pragma_values(sessions[VAULT].vault.conn)
        print("pragmas " + ", ".join(PRAGMAS))
        print(f"  plain sqlite3   : {', '.join(plain_pragmas)}")
        print(f"  SQLCipher vault : {', '.join(vault_pragmas)}")
        print("  (synchronous 2 = FULL, temp_store 2 = MEMORY; page_size and cache_size are")
        print("   each library's default: apply_pragmas does not set them)")
        if plain_pragmas[:5] != vault_pragmas[:5]:
            raise SystemExit("the production pragmas differ between drivers; not comparable")
        print()

        rng = random.Random(2017)
        writers = {d: CaseWriter(s, s.record.create_case()[0], rng) for d, s in sessions.items()}

        # 1. entry commit: RecordService._write in one BEGIN IMMEDIATE ... COMMIT.
        progress(f"entry commit x{counts.commits}")
        got = interleaved(
            {d: w.commit_one for d, w in writers.items()}, counts.warmup, counts.commits
        )
        p_med, v_med = median_ms(got[PLAIN]), median_ms(got[VAULT])
        report.timing(
            f"entry commit, median (n={counts.commits})",
            p_med,
            v_med,
            "<= 1.5x plain",
            v_med <= 1.5 * p_med,
        )
        v_p99 = percentile(got[VAULT], 99)
        report.timing("entry commit, p99", percentile(got[PLAIN], 99), v_p99, "< 10 ms", v_p99 < 10)

        # 1b. (info) the public call: record_fields derives the case state first.
        progress(f"record_fields x{counts.commits}")
        cases = {d: s.record.create_case()[0] for d, s in sessions.items()}
        tick = {d: 0 for d in DRIVERS}

        def record_one(driver: str) -> Callable[[], object]:
            def run() -> object:
                tick[driver] += 1
                section, name, _values = FIELDS[tick[driver] % len(FIELDS)]
                return sessions[driver].record.record_fields(
                    cases[driver], section, {name: tick[driver]}
                )

            return run

        got = interleaved({d: record_one(d) for d in DRIVERS}, counts.warmup, counts.commits)
        report.timing(
            f"record_fields 1 field, median (case grows to {tick[VAULT] + 1})",
            median_ms(got[PLAIN]),
            median_ms(got[VAULT]),
            "(info)",
        )
        report.timing(
            "record_fields 1 field, p99",
            percentile(got[PLAIN], 99),
            percentile(got[VAULT], 99),
            "(info)",
        )

        # 2. save_draft: one upsert in one transaction (not audited).
        progress(f"save_draft x{counts.drafts}")
        draft_cases = {d: s.record.create_case()[0] for d, s in sessions.items()}

        def draft_one(driver: str) -> Callable[[], object]:
            def run() -> object:
                tick[driver] += 1
                values = {
                    "pseudonym": "Bench person",
                    "age_years": tick[driver] % 90,
                    "companion": "friend",
                    "interpreter_needed": False,
                }
                return sessions[driver].record.save_draft(draft_cases[driver], "person", values)

            return run

        got = interleaved({d: draft_one(d) for d in DRIVERS}, counts.warmup, counts.drafts)
        report.timing(
            f"save_draft, median (n={counts.drafts})", median_ms(got[PLAIN]), median_ms(got[VAULT])
        )
        report.timing("save_draft, p99", percentile(got[PLAIN], 99), percentile(got[VAULT], 99))

        # 3. current state of a case holding exactly state_entries entries.
        progress(f"current state, {counts.state_entries} entries x{counts.state_runs}")
        state_cases = {}
        for d, s in sessions.items():
            writer = CaseWriter(s, s.record.create_case()[0], rng)
            with s.vault.transaction() as conn:
                for _ in range(counts.state_entries - 1):  # plus the case.opened entry
                    writer.write_in(conn)
            state_cases[d] = writer.case_id

        def state_of(driver: str) -> Callable[[], object]:
            session = sessions[driver]
            return lambda: session.record._state(session.vault.conn, state_cases[driver])

        for d in DRIVERS:
            state = sessions[d].record._state(sessions[d].vault.conn, state_cases[d])
            if state.entry_count != counts.state_entries:
                raise SystemExit("state case has the wrong number of entries")
        got = interleaved({d: state_of(d) for d in DRIVERS}, 3, counts.state_runs)
        v_state = median_ms(got[VAULT])
        report.timing(
            f"current state, {counts.state_entries} entries, median (n={counts.state_runs})",
            median_ms(got[PLAIN]),
            v_state,
            "< 20 ms",
            v_state < 20,
        )

        # 3b. (info) open_case: the audited read the interface does (audit commit + state).
        def open_case(driver: str) -> Callable[[], object]:
            return lambda: sessions[driver].record.open_case(state_cases[driver])

        got = interleaved({d: open_case(d) for d in DRIVERS}, 3, counts.state_runs)
        report.timing(
            f"open_case (audited read), {counts.state_entries} entries, median",
            median_ms(got[PLAIN]),
            median_ms(got[VAULT]),
            "(info)",
        )
    finally:
        for s in sessions.values():
            s.close()


def build_big(driver: str, path: Path, key: VaultKey, counts: Counts) -> None:
    """A database of ``big_entries`` real entries (with their audit chain), then closed."""
    clock = FixedClock(datetime(2024, 1, 1, 8, 0, tzinfo=UTC))
    session = new_session(driver, path, key, clock)
    rng = random.Random(4242)
    try:
        # Build only: the opens below re-apply synchronous = FULL like production does.
        session.vault.conn.execute("PRAGMA synchronous = OFF")
        total = 0
        while total < counts.big_entries:
            clock.advance(minutes=37)
            writer = CaseWriter(session, session.record.create_case()[0], rng)
            total += 1
            batch = min(counts.big_per_case - 1, counts.big_entries - total)
            with session.vault.transaction() as conn:
                for _ in range(batch):
                    clock.advance(seconds=7)
                    writer.write_in(conn)
            total += batch
        if records.count_entries(session.vault.conn) != counts.big_entries:
            raise SystemExit("big database has the wrong number of entries")
    finally:
        session.close()


def verify_big(driver: str, path: Path, key: VaultKey) -> tuple[bool, int]:
    """Whole-chain verification; returns (intact, nanoseconds)."""
    start = time.perf_counter_ns()
    if driver == VAULT:
        vault = open_for_verification(path, key)
    else:
        conn = storage.connect(path, None, driver=sqlite3)
        storage.apply_pragmas(conn)
        vault = storage.Vault(path, conn, None, records.get_meta(conn, "vault_id") or "")
    try:
        intact = all(r.verification.intact for r in verify_vault(vault))
    finally:
        vault.close()
    return intact, time.perf_counter_ns() - start


def open_plain(path: Path) -> None:
    """What ``open_vault`` + ``Vault.close`` do to the database, without the cipher."""
    conn = storage.connect(path, None, driver=sqlite3)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        storage.apply_pragmas(conn)
        records.get_meta(conn, "vault_id")
        conn.execute("PRAGMA page_count").fetchone()
        conn.execute("PRAGMA user_version").fetchone()
    finally:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()


def bench_open(folder: Path, key: VaultKey, counts: Counts, report: Report) -> None:
    """Measure 4: open (and close) a database holding ``big_entries`` entries."""
    paths = {d: folder / f"big-{d}.sacdb" for d in DRIVERS}
    built: dict[str, float] = {}
    for d in DRIVERS:
        progress(f"building {counts.big_entries:,} entries ({d})")
        start = time.perf_counter()
        build_big(d, paths[d], key, counts)
        built[d] = time.perf_counter() - start
    if hasattr(os, "sync"):
        os.sync()  # let build write-back settle before timing anything
    backups = folder / "backups"

    def open_vault_once() -> None:
        open_vault(paths[VAULT], key, backups).close()

    progress(f"open x{counts.opens}")
    got = interleaved(
        {PLAIN: lambda: open_plain(paths[PLAIN]), VAULT: open_vault_once}, 3, counts.opens
    )
    v_open = median_ms(got[VAULT])
    n = f"{counts.big_entries:,}"
    report.timing(
        f"open + close, {n} entries, median (n={counts.opens})",
        median_ms(got[PLAIN]),
        v_open,
        "< 100 ms",
        v_open < 100,
    )
    if backups.exists() and any(backups.iterdir()):
        raise SystemExit("open_vault wrote a backup: the big vault was not at the latest schema")

    sizes = {d: paths[d].stat().st_size / 2**20 for d in DRIVERS}
    report.rows.append(
        Row(
            f"file size, {n} entries",
            f"{sizes[PLAIN]:.1f} MiB",
            f"{sizes[VAULT]:.1f} MiB",
            f"{sizes[VAULT] / sizes[PLAIN]:.2f}x",
        )
    )
    report.rows.append(
        Row(
            f"build {n} entries (sync off, 1 run)",
            f"{built[PLAIN]:.1f} s",
            f"{built[VAULT]:.1f} s",
            f"{built[VAULT] / built[PLAIN]:.2f}x",
            "(info)",
        )
    )

    progress("verifying both audit chains")
    checks = {d: verify_big(d, paths[d], key) for d in DRIVERS}
    for d, (intact, _ns) in checks.items():
        if not intact:
            raise SystemExit(f"audit chain of the {d} database does not verify")
    report.rows.append(
        Row(
            f"verify audit chain, {n} entries (1 run)",
            f"{checks[PLAIN][1] / 1e9:.1f} s",
            f"{checks[VAULT][1] / 1e9:.1f} s",
            f"{checks[VAULT][1] / checks[PLAIN][1]:.2f}x",
            "(info)",
            "intact",
        )
    )


def cpu_check() -> str:
    """A fixed pure-Python loop: shows when the machine (or VM host) runs slow."""
    samples = [timed(lambda: sum(i * i for i in range(20_000))) for _ in range(25)]
    return f"{median_ms(samples):.2f} ms"


def load_average() -> str:
    if not hasattr(os, "getloadavg"):
        return "n/a"
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def header(counts: Counts, folder: Path, quick: bool) -> None:
    probe = sqlcipher.connect(":memory:")
    probe.execute(f"PRAGMA key = \"x'{'00' * 32}'\"")
    cipher = " ".join(
        str(probe.execute(f"PRAGMA {p}").fetchone()[0])
        for p in ("cipher_version", "cipher_provider")
    )
    engine = probe.execute("SELECT sqlite_version()").fetchone()[0]
    probe.close()
    print(f"SAC Desktop storage benchmark ({'quick' if quick else 'full'} run)")
    print(
        f"python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cpus"
    )
    print(f"plain: stdlib sqlite3, SQLite {sqlite3.sqlite_version}")
    print(f"vault: sqlcipher3, SQLCipher {cipher}, SQLite {engine}")
    print(f"folder: {folder}")
    print(f"load average at start: {load_average()}; cpu check {cpu_check()}")
    print("(other work on the machine, or a slow VM host, skews the timings: compare the")
    print(" cpu check at start and end between runs; the ratios are interleaved, so sturdier)")
    print(f"counts: {counts}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts (smoke run)")
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="parent folder for the temporary databases (default: system temp)",
    )
    args = parser.parse_args(argv)
    counts = QUICK if args.quick else FULL
    key = VaultKey.generate()
    report = Report()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sac-bench-", dir=args.dir) as tmp:
        folder = Path(tmp)
        header(counts, folder, args.quick)
        bench_small(folder, key, counts, report)
        bench_open(folder, key, counts, report)
    print()
    report.print()
    print()
    if report.missed:
        print("targets missed: " + "; ".join(report.missed))
    else:
        print("all targets met")
    print(
        f"total run time {time.perf_counter() - started:.0f} s;"
        f" load average {load_average()}; cpu check {cpu_check()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
