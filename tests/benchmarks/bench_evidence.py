"""The coordinator's evidence view over a 100,000-case vault (on demand; not in the suite).

    .venv/bin/python tests/benchmarks/bench_evidence.py [--cases N] [--runs N]

The vault holds the evidence projection the view reads (rows written in bulk, as the
services keep them: three items per case, most handed over or destroyed long ago, some
kept at the centre with retention dates spread over the next years, some handed over
without a confirmed receipt). Measured on the offscreen Qt platform, median of runs (the
first, cold, run apart):
- the service's overview (four index range scans and four counts);
- the page shown: ``EvidencePage.load`` with its tables filled and painted;
- baseline of this run: the case list's first page at the same size (``case_page``).
Target: the view under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from sac_desktop.domain.clock import FixedClock, format_utc
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.i18n import translator
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import create_vault
from sac_desktop.storage import evidence as rows
from sac_desktop.storage import projections
from sac_desktop.storage.projections import CaseListRow, CaseQuery
from sac_desktop.ui.evidence_page import EvidencePage

COORDINATOR = Actor("bench-coordinator", Role.COORDINATOR)
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 29)


def build(session: Session, cases: int) -> None:
    rng = random.Random(11)
    conn = session.vault.conn
    conn.execute("PRAGMA synchronous = OFF")
    with session.vault.transaction() as tx:
        listed = []
        evidence_rows: list[rows.EvidenceRow] = []
        for index in range(cases):
            case_id = str(uuid.uuid4())
            number = f"BENCH-B-{2020 + index % 7}-{index:06d}"
            opened = NOW - timedelta(days=rng.randint(1, 6 * 365))
            listed.append(
                CaseListRow(case_id, number, False, format_utc(opened), format_utc(opened), 1)
            )
            put = []
            for item in range(3):
                roll = rng.random()
                if roll < 0.05:  # kept at the centre, no complaint
                    state, at_centre, unconfirmed = "stored", True, False
                    until = (TODAY + timedelta(days=rng.randint(-60, 900))).isoformat()
                    complaint = "later"
                elif roll < 0.07:  # handed over, receipt not confirmed
                    state, at_centre, unconfirmed, until = "with_police", False, True, None
                    complaint = "filed"
                else:
                    state, at_centre, unconfirmed, until = "destroyed", False, False, None
                    complaint = "declined"
                put.append(
                    rows.EvidenceRow(
                        case_id,
                        str(uuid.uuid4()),
                        number,
                        f"SAS-{index:07d}",
                        str(item + 3),
                        "swab",
                        "Oral swabs",
                        state,
                        at_centre,
                        until,
                        complaint,
                        None,
                        "2026-11-20 10:00" if unconfirmed else None,
                        unconfirmed,
                    )
                )
            evidence_rows.extend(put)
        projections.insert_listed_cases(tx, listed)
        rows.put_rows(tx, evidence_rows)
    conn.execute("PRAGMA synchronous = FULL")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    app = QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vault.sacdb"
        clock = FixedClock(NOW)
        vault = create_vault(
            path,
            VaultKey.generate(),
            centre="BENCH",
            workstation="B",
            clock=clock,
            creator=COORDINATOR,
            anchors=[],
        )
        session = Session(vault, COORDINATOR, clock, [])
        began = time.perf_counter()
        build(session, args.cases)
        print(f"built {args.cases} cases in {time.perf_counter() - began:.0f} s")
        page = EvidencePage(translator("en"))
        page.resize(1400, 860)
        page.show()
        service = session.evidence
        results: dict[str, list[float]] = {"baseline": [], "overview": [], "page": []}
        for _ in range(args.runs):
            start = time.perf_counter()
            projections.case_page(session.vault.conn, CaseQuery(), 0, 100)
            results["baseline"].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            overview = service.overview(TODAY)
            results["overview"].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            page.load(service, TODAY)
            page.repaint()
            app.processEvents()
            results["page"].append((time.perf_counter() - start) * 1000)
        print(
            f"kept {overview.stored_count}, due within 30 days {overview.due_soon_count},"
            f" past {overview.past_count}, unconfirmed {overview.unconfirmed_count}"
        )
        session.close()
    base = statistics.median(results["baseline"][1:])
    print("| measure | cold | median | × case list page |")
    print("|---|---|---|---|")
    for key, label in (
        ("baseline", "case list, first page (baseline)"),
        ("overview", "EvidenceService.overview"),
        ("page", "evidence view shown (tables filled, painted)"),
    ):
        median = statistics.median(results[key][1:])
        print(f"| {label} | {results[key][0]:.0f} ms | {median:.0f} ms | {median / base:.1f}× |")
    print("target: the view under 300 ms")


if __name__ == "__main__":
    main()
