"""Photographs in the vault: importing and reading back a 12-megapixel JPEG (on demand).

    .venv/bin/python tests/benchmarks/bench_photos.py [--runs N] [--dir FOLDER]

Reports medians, in one run, of:
- the baseline: reading the same file from disk and computing its SHA-256 (what any
  import costs at least);
- ``PhotoService.prepare`` (validate with a full decode, SHA-256, EXIF, view copy);
- ``PhotoService.store`` (original + view copy + entry + audit, one transaction,
  synchronous=FULL in the SQLCipher vault);
- the whole import (``import_file``: read + prepare + store);
- reading back the original and the view copy (SHA-256 checked).
Target: an import under 1 s. Each run imports into a fresh case (a duplicate is refused).
The picture is synthetic (gradient and noise), about 7 MB; nothing is printed of it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.security.anchors import FileAnchor
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.photos import PhotoService
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import create_vault

NURSE = Actor("bench-nurse", Role.FORENSIC_NURSE)
CONSENT = {
    "item": "photographs",
    "decision": "given",
    "given_by": "person",
    "at_local": "2026-03-14 03:35",
    "interpreter": False,
}


def picture_12mp() -> bytes:
    size = (4000, 3000)
    noise = Image.effect_noise(size, 40)
    grad = Image.linear_gradient("L").resize(size)
    radial = Image.radial_gradient("L").resize(size)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:03:14 03:12:45"
    out = io.BytesIO()
    Image.merge("RGB", (grad, noise, radial)).save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter_ns()
    result = fn()
    return (time.perf_counter_ns() - start) / 1e6, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    data = picture_12mp()
    clock = FixedClock(datetime(2026, 3, 14, 2, 30, tzinfo=UTC))
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        root = Path(folder)
        source = root / "camera" / "IMG_0042.JPG"
        source.parent.mkdir()
        source.write_bytes(data)
        anchors = [FileAnchor(root / "anchors")]
        vault = create_vault(
            root / "data" / "vault.sacdb",
            VaultKey.generate(),
            centre="BENCH",
            workstation="B1",
            clock=clock,
            creator=NURSE,
            anchors=anchors,
        )
        session = Session(vault, NURSE, clock, anchors)
        photos = PhotoService(session.record)
        rows: dict[str, list[float]] = {
            k: []
            for k in (
                "baseline: read file + SHA-256",
                "prepare (decode, EXIF, view copy)",
                "store (one transaction)",
                "import_file (read + prepare + store)",
                "read back original (checked)",
                "read back view copy (checked)",
            )
        }
        names = list(rows)
        try:
            for _ in range(args.runs):
                case_id, _n = session.record.create_case()
                session.record.record_consent(case_id, CONSENT)
                rows[names[0]].append(
                    timed(lambda: hashlib.sha256(source.read_bytes()).hexdigest())[0]
                )
                ms, prepared = timed(lambda: photos.prepare(data, source.name))
                rows[names[1]].append(ms)
                ms, photo_id = timed(lambda: photos.store(case_id, prepared))  # type: ignore[arg-type]  # noqa: B023
                rows[names[2]].append(ms)
                other, _n = session.record.create_case()
                session.record.record_consent(other, CONSENT)
                rows[names[3]].append(timed(lambda: photos.import_file(other, source))[0])  # noqa: B023
                session.record.open_case(case_id)
                pid = str(photo_id)
                rows[names[4]].append(timed(lambda: photos.original(case_id, pid))[0])  # noqa: B023
                rows[names[5]].append(timed(lambda: photos.view_copy(case_id, pid))[0])  # noqa: B023
        finally:
            session.close()
    baseline = statistics.median(rows[names[0]])
    print(f"12-MP JPEG, {len(data) / 1e6:.1f} MB, {args.runs} runs (median)")
    width = max(len(n) for n in names)
    print(f"{'measure':<{width}}  {'ms':>8}  {'x baseline':>10}  target")
    for name in names:
        ms = statistics.median(rows[name])
        target = ""
        if name.startswith("import_file"):
            target = f"< 1000 ms: {'met' if ms < 1000 else 'NOT met'}"
        print(f"{name:<{width}}  {ms:>8.1f}  {ms / baseline:>10.1f}  {target}")


if __name__ == "__main__":
    main()
