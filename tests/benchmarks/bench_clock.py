"""The clock's cost where staff feel it (run on demand; not part of the suite).

    .venv/bin/python tests/benchmarks/bench_clock.py [--cases N] [--runs N]

Reports, in one run, medians of:
- the clock engine alone (``deadlines.evaluate``) for 1, 10 and 50 episodes;
- what the case view recomputes on every keystroke (intake view + clock, with a draft);
- recording an episode (a clock section: the case list's deadlines are kept) against
  recording a field of a section the clock does not read (the baseline of this run);
- rebuilding the case list with every case's deadlines against the storage rebuild alone.
Targets: a keystroke's recomputation under 10 ms (well inside one 16 ms frame); a clock
section write at most 2x a plain write.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.deadlines import Exposure, evaluate
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.security.anchors import FileAnchor
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.protocols import shipped
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import create_vault, open_vault
from sac_desktop.storage import projections

NURSE = Actor("nurse-1", Role.FORENSIC_NURSE)
COORDINATOR = Actor("coord-1", Role.COORDINATOR)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) / 1e6


def episode(at: datetime, hours: float) -> dict[str, object]:
    local = (at - timedelta(hours=hours)).astimezone().strftime("%Y-%m-%d %H:%M")
    return {"time_kind": "exact", "at": local, "acts": ["vaginal", "oral"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    now = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    protocol = shipped().current()
    conditions: dict[str, bool | None] = {"pregnancy_possible": True, "vaginal_exposure": True}
    rows: list[tuple[str, float, str]] = []
    for count in (1, 10, 50):
        exposures = [
            Exposure(now - timedelta(hours=3 + 5 * i), now - timedelta(hours=2 + 5 * i))
            for i in range(count)
        ]
        ms = median_ms(lambda e=exposures: evaluate(protocol, e, conditions, now), args.runs)
        rows.append((f"evaluate, {count} episode(s)", ms, ""))

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        clock = FixedClock(now)
        anchors = [FileAnchor(root / "anchors")]
        key = VaultKey.generate()
        vault = create_vault(
            root / "vault.db",
            key,
            centre="BXL",
            workstation="A",
            clock=clock,
            creator=NURSE,
            anchors=anchors,
        )
        session = Session(vault, NURSE, clock, anchors)
        record = session.record
        case_id, _ = record.create_case()
        record.record_fields(case_id, "assault", {"episodes": [episode(now, 5)]})
        state = record.open_case(case_id)
        drafts = {"assault": {"episodes": [episode(now, 5), episode(now, 30)]}}

        def keystroke() -> None:
            record.intake_view(state, drafts)
            record.clock_of(state, drafts=drafts)

        rows.append(("keystroke: intake view + clock", median_ms(keystroke, args.runs), "< 10"))

        counter = iter(range(10**9))

        def clock_write() -> None:
            hours = 5 + next(counter) % 50
            record.record_fields(case_id, "assault", {"episodes": [episode(now, hours)]})

        def plain_write() -> None:
            record.record_fields(case_id, "notes", {"text": f"synthetic {next(counter)}"})

        # Interleaved: the case grows by one entry per write, so both see the same sizes.
        plain_times, clock_times = [], []
        for _ in range(max(20, args.runs // 4)):
            plain_times.append(median_ms(plain_write, 1))
            clock_times.append(median_ms(clock_write, 1))
        plain, timed = statistics.median(plain_times), statistics.median(clock_times)
        rows.append(("write, section the clock ignores (baseline)", plain, ""))
        rows.append(("write, episodes (deadlines kept)", timed, f"ratio {timed / plain:.2f} <= 2"))

        with vault.bulk():
            for index in range(args.cases):
                cid, _ = record.create_case()
                record.record_fields(cid, "assault", {"episodes": [episode(now, index % 200)]})
        session.close()
        target = Session(open_vault(root / "vault.db", key, None), COORDINATOR, clock, anchors)
        start = time.perf_counter()
        with target.vault.transaction() as conn:
            projections.rebuild_case_list(conn)
        storage_only = time.perf_counter() - start
        start = time.perf_counter()
        target.record.rebuild_projections()
        full = time.perf_counter() - start
        rows.append(
            (f"rebuild case list, {args.cases + 1} cases (storage only)", storage_only * 1e3, "")
        )
        rows.append(
            (
                f"rebuild with deadlines, {args.cases + 1} cases",
                full * 1e3,
                f"ratio {full / storage_only:.2f}",
            )
        )
        target.close()

    width = max(len(name) for name, _ms, _t in rows)
    print(f"{'measure':<{width}}  {'median ms':>10}  target")
    for name, ms, target_text in rows:
        print(f"{name:<{width}}  {ms:>10.3f}  {target_text}")


if __name__ == "__main__":
    main()
