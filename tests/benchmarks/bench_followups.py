"""The follow-ups view over a 100,000-case vault (run on demand; not part of the suite).

    .venv/bin/python tests/benchmarks/bench_followups.py [--cases N] [--runs N]

The vault is built with list rows and follow-up rows written in bulk (the projections the
view reads; no entries, which it never reads): every case has the protocol's ten steps,
most done long ago, some planned, overdue or due this week. Measured on the offscreen
Qt platform, median of runs (the first, cold, run reported apart):
- the service's morning round (``ChecklistService.due``: one index range scan + a join);
- the page shown: ``FollowUpsPage.load`` with its model filled and the view painted;
- baseline of this run: the case list's first page at the same size (``case_page``).
Target: the page's first rows under 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SAC_TEST_ALLOW_CHEAP_KDF", "1")

from PySide6.QtWidgets import QApplication

from sac_desktop.domain.clock import FixedClock, format_utc
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.i18n import translator
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.checklist import ChecklistService
from sac_desktop.services.protocols import shipped
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import create_vault, open_vault
from sac_desktop.storage import projections
from sac_desktop.storage.projections import CaseListRow, CaseQuery, FollowUpRow
from sac_desktop.ui.followups_page import FollowUpsPage

NURSE = Actor("bench-nurse", Role.FORENSIC_NURSE)
STEPS = [f.id for f in shipped().current().followups]


def build(path: Path, key: VaultKey, cases: int, now: datetime) -> None:
    rng = random.Random(5)
    vault = create_vault(
        path, key, centre="BENCH", workstation="B", clock=FixedClock(now), creator=NURSE, anchors=[]
    )
    vault.conn.execute("PRAGMA synchronous = OFF")
    with vault.transaction() as conn:
        for index in range(cases):
            case_id = str(uuid.uuid4())
            opened = now - timedelta(hours=rng.randint(1, 24 * 365 * 3))
            projections.insert_listed_cases(
                conn,
                [
                    CaseListRow(
                        case_id,
                        f"BENCH-B-2026-{index:06d}",
                        False,
                        format_utc(opened),
                        format_utc(opened),
                        20,
                    )
                ],
            )
            rows = []
            for days, step in zip((1, 1, 14, 21, 42, 28, 30, 90, 120, 180), STEPS, strict=False):
                due = opened + timedelta(days=days)
                status = "planned" if due > now - timedelta(days=3) else "done"
                if rng.random() < 0.01:
                    status = "planned"  # a few forgotten ones: overdue
                rows.append(FollowUpRow(case_id, "", step, step, format_utc(due), None, status))
            projections.insert_followup_rows(conn, rows)
    vault.close()


def median_ms(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times[0], statistics.median(times[1:] or times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    now = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    app = QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        path, key = Path(folder) / "vault.sacdb", VaultKey.generate()
        start = time.perf_counter()
        build(path, key, args.cases, now)
        print(f"built {args.cases} cases in {time.perf_counter() - start:.1f} s")
        session = Session(open_vault(path, key, None), NURSE, FixedClock(now), [])
        service = ChecklistService(session.record)
        page = FollowUpsPage(translator("en"))
        page.resize(1200, 700)
        page.show()

        def shown() -> None:
            page.load(service, now, shipped().current())
            page.table.viewport().repaint()
            app.processEvents()

        baseline = median_ms(
            lambda: projections.case_page(session.vault.conn, CaseQuery(), 0, 100), args.runs
        )
        due = median_ms(lambda: service.due(now), args.runs)
        page_ms = median_ms(shown, args.runs)
        rows = page.model.rowCount()
        print(f"{'measure':<48} {'first ms':>9} {'median ms':>10}  ratio to baseline")
        for name, (first, median) in (
            ("case list first page (baseline)", baseline),
            ("morning round: service.due", due),
            (f"follow-ups page shown ({rows} rows)", page_ms),
        ):
            print(f"{name:<48} {first:>9.1f} {median:>10.1f}  {median / baseline[1]:.1f}")
        print(f"target: page shown < 200 ms -> {'met' if page_ms[0] < 200 else 'NOT met'}")
        session.close()


if __name__ == "__main__":
    main()
