"""Case list benchmark: 100,000 cases, first rows shown, a search keystroke, peak memory.

Run on demand (not part of the test suite)::

    .venv/bin/python tests/benchmarks/bench_case_list.py [--cases N] [--quick] [--dir FOLDER]

A child process builds the vault (``create_vault``, then list rows written in bulk by
``projections.insert_listed_cases`` with synchronous OFF: real rows in ``cases`` and
``proj_case_list``, without entries, which the list never reads). This process opens it
the production way (``open_vault``: pragmas, migrations check) and measures on the
offscreen Qt platform:

- first rows shown: ``CaseListPanel`` construction (model, count, first page) plus a shown
  ``QTableView`` processing events until its viewport has painted the rows; the first run
  after opening (cold SQLite cache) is the one held to the target;
- a search keystroke without the debounce: ``count`` + first ``page`` through the service,
  for each prefix of a typed number and a few other searches (median of repeats per
  query; the worst query is held to the target), and the same through the panel with a
  repaint (info);
- scrolling: jumps to the middle and the end, then the whole list in steps of one page;
- peak memory: ``ru_maxrss`` of this process (the build ran in another one) with the vault
  open, the view shown and the whole list scrolled through.

Every value is synthetic; none is printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtWidgets import QAbstractItemView, QApplication, QTableView

from sac_desktop.domain.clock import FixedClock, format_utc
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.i18n import Translator, translator
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.case_list import CaseListRow, CaseListService, CaseQuery
from sac_desktop.services.vaults import create_vault, open_vault
from sac_desktop.storage import projections
from sac_desktop.ui.app import register_fonts
from sac_desktop.ui.case_list import PAGE_SIZE, CaseListPanel

CENTRE, WORKSTATION = "BENCH", "B1"
ACTOR = Actor("bench-nurse", Role.FORENSIC_NURSE)
FIRST_ROWS_MS, KEYSTROKE_MS, PEAK_MB = 300.0, 50.0, 250.0


# -- building (child process) -------------------------------------------------------------
def synthetic_rows(count: int, seed: int = 4242) -> Iterator[CaseListRow]:
    """Cases opened over about seven years, active for up to 200 days after opening."""
    rng = random.Random(seed)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    step = timedelta(days=7 * 365) / count
    sequence: dict[int, int] = {}
    for i in range(count):
        opened = start + step * i + timedelta(minutes=rng.randint(0, 30))
        sequence[opened.year] = sequence.get(opened.year, 0) + 1
        last = opened + timedelta(seconds=rng.randint(0, 200 * 86400))
        yield CaseListRow(
            case_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            number=f"{CENTRE}-{WORKSTATION}-{opened.year}-{sequence[opened.year]:05d}",
            training=False,
            opened_utc=format_utc(opened),
            last_activity_utc=format_utc(last),
            entry_count=rng.randint(1, 400),
        )


def build(path: Path, key: VaultKey, count: int) -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    vault = create_vault(
        path, key, centre=CENTRE, workstation=WORKSTATION, clock=clock, creator=ACTOR
    )
    try:
        # Build only: open_vault below re-applies synchronous = FULL like production.
        vault.conn.execute("PRAGMA synchronous = OFF")
        with vault.transaction() as conn:
            written = projections.insert_listed_cases(conn, synthetic_rows(count))
        if written != count:
            raise SystemExit("wrong number of cases written")
    finally:
        vault.close()


# -- measuring ----------------------------------------------------------------------------
@dataclass
class Report:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def add(
        self, measure: str, value: str, target: str = "(info)", met: bool | None = None
    ) -> None:
        self.rows.append((measure, value, target, "" if met is None else "yes" if met else "NO"))
        if met is False:
            self.missed.append(measure)

    def print(self) -> None:
        head = ("measure", "value", "target", "met?")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(4)]
        for line in [head, tuple("-" * w for w in widths), *self.rows]:
            print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))


class PaintWatch(QObject):
    """Counts paint events of one widget (the table's viewport)."""

    def __init__(self, target: QObject) -> None:
        super().__init__()
        self.paints = 0
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def wait_for_paint(app: QApplication, watch: PaintWatch, timeout_s: float = 10.0) -> None:
    """Process events until the watched widget has been painted once more."""
    before = watch.paints
    deadline = time.perf_counter() + timeout_s
    while watch.paints == before:
        app.processEvents()
        if time.perf_counter() > deadline:
            raise SystemExit("the view never painted")
    app.processEvents()  # whatever the paint itself queued


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def rss_mb() -> float:
    """This process's resident memory now (Linux), in MiB."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
    except OSError:
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


def first_rows(
    app: QApplication, t: Translator, service: CaseListService
) -> tuple[float, CaseListPanel]:
    started = time.perf_counter()
    panel = CaseListPanel(t, service)
    watch = PaintWatch(panel.view.viewport())
    panel.resize(1100, 700)
    panel.show()
    wait_for_paint(app, watch)
    elapsed = time.perf_counter() - started
    top = panel.view.indexAt(QPoint(2, 2))
    if top.row() != 0 or not panel.model.data(top):
        raise SystemExit("the first row is not shown")
    return elapsed, panel


def typed(text: str) -> list[str]:
    return [text[:i] for i in range(1, len(text) + 1)]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(path: Path, key: VaultKey, count: int, runs: int, report: Report) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    register_fonts(app)
    warm = QTableView()  # Qt's own first-widget costs, paid before any timing
    warm.show()
    app.processEvents()
    warm.close()
    del warm

    t = translator("nl")  # the window's translator, loaded before any list is shown
    backups = path.parent / "backups"
    started = time.perf_counter()
    vault = open_vault(path, key, backups)
    report.add("open vault (info)", ms(time.perf_counter() - started))
    try:
        service = CaseListService(vault, ACTOR)
        n = f"{count:,}"

        # 1. First rows shown: cold (first after open), then warm.
        cold, panel = first_rows(app, t, service)
        report.add(
            f"first rows shown, {n} cases, cold",
            ms(cold),
            f"< {FIRST_ROWS_MS:.0f} ms",
            cold * 1000 < FIRST_ROWS_MS,
        )
        panel.close()
        panel.deleteLater()
        warm_runs = []
        for _ in range(runs):
            elapsed, other = first_rows(app, t, service)
            warm_runs.append(elapsed)
            other.close()
            other.deleteLater()
            app.processEvents()
        report.add(f"first rows shown, warm, median of {runs}", ms(statistics.median(warm_runs)))

        # 2. A keystroke: count + first page, each search typed as a person would.
        year = 2023
        searches = [
            *typed(f"{year}-0042"),
            *typed(f"{CENTRE}-{WORKSTATION}-{year}-01234".lower())[-3:],
            "7",
            "zzz",  # nothing matches
        ]
        samples: dict[str, list[float]] = {text: [] for text in searches}
        for _ in range(runs):
            for text in searches:
                query = CaseQuery(text=text)
                samples[text].append(
                    timed(lambda q=query: service.count(q) and service.page(q, 0, PAGE_SIZE))
                )
        medians = {text: statistics.median(s) for text, s in samples.items()}
        worst_text = max(medians, key=lambda text: medians[text])
        worst = medians[worst_text]
        report.add(
            f"search keystroke (count + first page), worst of {len(searches)}: {worst_text!r}",
            ms(worst),
            f"< {KEYSTROKE_MS:.0f} ms",
            worst * 1000 < KEYSTROKE_MS,
        )
        report.add(
            "search keystroke, median over all searches",
            ms(statistics.median(medians.values())),
        )

        # The same through the panel, with the view's reset and repaint (no debounce).
        panel = CaseListPanel(t, service)
        panel.resize(1100, 700)
        panel.show()
        watch = PaintWatch(panel.view.viewport())
        wait_for_paint(app, watch)
        shown: list[float] = []
        for text in searches:
            started = time.perf_counter()
            panel.search.setText(text)
            panel.search_now()
            panel.view.viewport().update()
            wait_for_paint(app, watch)
            shown.append(time.perf_counter() - started)
        report.add("search in the panel incl. repaint, worst (info)", ms(max(shown)))
        panel.search.setText("")
        panel.search_now()

        # Filters the search box does not set (info): how the page plans behave.
        for label, query in (
            ("training cases only (none here)", CaseQuery(training=True)),
            (
                "opened in one month of 2021",
                CaseQuery(opened_from="2021-05-01", opened_to="2021-06-01"),
            ),
            ("opened since 2020", CaseQuery(opened_from="2020-01-01")),
        ):
            spent = statistics.median(
                timed(lambda q=query: service.count(q) and service.page(q, 0, PAGE_SIZE))
                for _ in range(runs)
            )
            report.add(f"filter {label}: count + first page (info)", ms(spent))

        # 3. Scrolling: jumps, then every page of the list in turn.
        app.processEvents()
        bar = panel.view.verticalScrollBar()
        for label, value in (("middle", bar.maximum() // 2), ("end", bar.maximum())):
            started = time.perf_counter()
            bar.setValue(value)
            wait_for_paint(app, watch)
            report.add(
                f"jump to the {label} of the list, until painted (info)",
                ms(time.perf_counter() - started),
            )
        before = rss_mb()
        steps: list[float] = []
        bar.setValue(0)
        wait_for_paint(app, watch)
        per_item = panel.view.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem
        step = PAGE_SIZE if per_item else PAGE_SIZE * panel.view.rowHeight(0)
        value = 0
        while value < bar.maximum():
            value = min(bar.maximum(), value + step)
            started = time.perf_counter()
            bar.setValue(value)
            wait_for_paint(app, watch)
            steps.append(time.perf_counter() - started)
        steps.sort()
        report.add(
            f"scroll the whole list a page at a time ({len(steps)} steps), median / max (info)",
            f"{ms(statistics.median(steps))} / {ms(steps[-1])}",
        )
        report.add(
            "memory held after scrolling through (info)",
            f"{rss_mb() - before:+.1f} MiB; {len(panel.model.cached_pages)} pages cached",
        )

        # 4. Peak memory of this process, vault open and view shown.
        peak = peak_rss_mb()
        report.add(
            "peak resident memory (ru_maxrss)",
            f"{peak:.0f} MiB",
            f"< {PEAK_MB:.0f} MB",
            peak < PEAK_MB,
        )
        panel.close()
    finally:
        vault.close()


def cpu_check() -> str:
    """A fixed pure-Python loop (as in bench_storage.py): shows when the machine runs slow."""
    samples = [timed(lambda: sum(i * i for i in range(20_000))) for _ in range(25)]
    return f"{statistics.median(samples) * 1000:.2f} ms"


def load_average() -> str:
    if not hasattr(os, "getloadavg"):
        return "n/a"
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 cases, fewer repeats")
    parser.add_argument("--dir", type=Path, default=None, help="parent of the temp folder")
    parser.add_argument("--build-into", type=Path, help=argparse.SUPPRESS)  # child process
    args = parser.parse_args(argv)
    count = 5_000 if args.quick else args.cases
    if args.build_into is not None:
        build(args.build_into, VaultKey.from_hex(sys.stdin.read().strip()), count)
        return 0

    runs = 3 if args.quick else 9
    key = VaultKey.generate()
    report = Report()
    with tempfile.TemporaryDirectory(prefix="sac-bench-", dir=args.dir) as tmp:
        path = Path(tmp) / "list.sacdb"
        print(f"SAC Desktop case list benchmark: {count:,} cases")
        print(
            f"python {platform.python_version()} on {platform.system()} {platform.machine()},"
            f" {os.cpu_count()} cpus; folder {tmp}"
        )
        print(f"load average at start: {load_average()}; cpu check {cpu_check()}")
        print("(other work on the machine skews the timings: compare the cpu check between runs)")
        print(f"building the vault in a child process ({count:,} cases) …", flush=True)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--build-into", str(path), "--cases", str(count)],
            input=key.hex(),
            text=True,
            check=True,
        )
        report.add(
            f"build {count:,} cases (sync off, child process) (info)",
            f"{time.perf_counter() - started:.1f} s",
        )
        report.add("vault file size (info)", f"{path.stat().st_size / 2**20:.1f} MiB")
        measure(path, key, count, runs, report)
    print()
    report.print()
    print()
    print("targets missed: " + "; ".join(report.missed) if report.missed else "all targets met")
    print(f"load average at end: {load_average()}; cpu check {cpu_check()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
