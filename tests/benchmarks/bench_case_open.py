"""Opening a case with 40 injuries and 60 photographs (run on demand; not in the suite).

    .venv/bin/python tests/benchmarks/bench_case_open.py [--runs N]

Two cases in one vault, the same intake in both: the baseline has nothing else; the
heavy one has 40 injuries on four diagrams (each amended once) and 60 photographs
(synthetic 1600 x 1200 JPEGs, each linked to an injury). Measured on the offscreen Qt
platform, median of runs (the first, cold, run reported apart):
- ``open_case`` (the audited read: every entry folded into the state);
- the case view built and painted with the Injuries tab shown: markers, the injury list
  and the photograph list with their text (a usable view);
- every small picture in the list (read from the vault, decoded, scaled off the GUI
  thread, one at a time).
Target: a usable view under 300 ms; the pictures arrive after it.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtWidgets import QApplication, QWidget

from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.i18n import translator
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import create_vault
from sac_desktop.ui.case_view import CaseView
from sac_desktop.ui.messages import describe, is_expected
from sac_desktop.ui.tasks import TaskRunner

NURSE = Actor("bench-nurse", Role.FORENSIC_NURSE)
NOW = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)


def picture(seed: int) -> bytes:
    size = (1600, 1200)
    image = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.effect_noise(size, 20 + seed % 40),
            Image.radial_gradient("L").resize(size),
        ),
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def intake(session: Session, case_id: str) -> None:
    record = session.record
    record.record_fields(case_id, "arrival", {"arrived_at": "2026-03-14 03:00", "how": "taxi"})
    record.record_fields(case_id, "person", {"age_years": 31})
    record.record_fields(
        case_id,
        "assault",
        {"episodes": [{"time_kind": "exact", "at": "2026-03-14 01:30", "acts": ["vaginal"]}]},
    )
    for item in ("forensic_exam", "photographs"):
        record.record_consent(
            case_id,
            {
                "item": item,
                "decision": "given",
                "given_by": "person",
                "at_local": "2026-03-14 03:10",
                "interpreter": False,
            },
        )


def build(session: Session) -> tuple[str, str]:
    rng = random.Random(7)
    baseline, _ = session.record.create_case()
    intake(session, baseline)
    heavy, _ = session.record.create_case()
    intake(session, heavy)
    injuries = session.injuries
    views = ["adult_front", "adult_back", "adult_left", "female_genital"]
    ids = []
    for number in range(40):
        diagram = injuries.diagrams[views[number % 4]]
        while True:
            x, y = rng.uniform(0, diagram.width), rng.uniform(0, diagram.height)
            region = diagram.region_at(x, y)
            if region:
                break
        values = {
            "diagram": diagram.id,
            "x": x,
            "y": y,
            "region": region,
            "type": rng.choice(["ecchymosis", "abrasion", "redness", "laceration"]),
            "length_mm": 20.0,
            "width_mm": 8.0,
        }
        injury = injuries.record_injury(heavy, values)
        injuries.amend(heavy, injury, {**values, "colour": "purple"}, "colour seen later")
        ids.append(injury)
    session.record.open_case(heavy)
    for number in range(60):
        photo = session.photos.store(
            heavy, session.photos.prepare(picture(number), f"P{number}.JPG")
        )
        session.photos.describe(heavy, photo, "ABFO scale", [ids[number % 40]])
    return baseline, heavy


def open_view(
    session: Session, case_id: str, app: QApplication, runner: TaskRunner
) -> tuple[float, float, float, CaseView]:
    t = translator("en")
    start = time.perf_counter()
    state = session.record.open_case(case_id)
    opened = time.perf_counter()
    view = CaseView(
        t,
        session.record,
        state,
        QWidget(),
        lambda error: None,
        lambda error: describe(t, error),
        is_expected,
        session.checklist,
        session.injuries,
        session.photos,
        runner,
        session.evidence,
        session.psychology,
    )
    view.resize(1400, 860)
    view.tabs.setCurrentWidget(view.injuries)
    view.show()
    view.repaint()  # painted now; the small pictures arrive on the next turns of the loop
    usable = time.perf_counter()
    photos = view.injuries.photos
    expected = photos.list.count()
    while len(photos.pictures) < expected:
        app.processEvents()
        time.sleep(0.001)
    done = time.perf_counter()
    return (opened - start) * 1000, (usable - start) * 1000, (done - start) * 1000, view


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    app = QApplication([])
    runner = TaskRunner()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vault.sacdb"
        key = VaultKey.generate()
        clock = FixedClock(NOW)
        vault = create_vault(
            path, key, centre="BENCH", workstation="B", clock=clock, creator=NURSE, anchors=[]
        )
        session = Session(vault, NURSE, clock, [])
        began = time.perf_counter()
        baseline, heavy = build(session)
        size = path.stat().st_size / 1e6
        print(f"built in {time.perf_counter() - began:.1f} s; vault {size:.0f} MB")
        results: dict[str, list[tuple[float, float, float]]] = {"baseline": [], "heavy": []}
        for _ in range(args.runs):
            for name, case_id in (("baseline", baseline), ("heavy", heavy)):
                opened, usable, done, view = open_view(session, case_id, app, runner)
                results[name].append((opened, usable, done))
                view.wipe()
                view.deleteLater()
                app.processEvents()
        session.close()
    print("| measure | baseline case | 40 injuries + 60 photos | ratio |")
    print("|---|---|---|---|")
    labels = ("open_case (audited read)", "usable view (painted)", "all pictures shown")
    for column, label in enumerate(labels):
        cold_b, cold_h = results["baseline"][0][column], results["heavy"][0][column]
        warm_b = statistics.median(r[column] for r in results["baseline"][1:])
        warm_h = statistics.median(r[column] for r in results["heavy"][1:])
        print(f"| {label}, median | {warm_b:.0f} ms | {warm_h:.0f} ms | {warm_h / warm_b:.1f}× |")
        print(f"| {label}, cold | {cold_b:.0f} ms | {cold_h:.0f} ms | |")
    print("target: usable view under 300 ms")


if __name__ == "__main__":
    main()
