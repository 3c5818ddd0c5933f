"""Unlock time at production cost (run on demand; not part of the suite).

    .venv/bin/python tests/benchmarks/bench_signin.py [--runs N]

Reports, in one run: one Argon2id derivation at the floor (in-process and in a child
process, as the window does it), what calibration picks on this machine and its cost, and a
full sign-in (slot unlock in a child process + vault open + audit record) at the floor and
at the calibrated cost. Baseline for the ratios: the in-process floor derivation.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sac_desktop.domain.clock import FixedClock
from sac_desktop.paths import resolve_paths
from sac_desktop.security.kdf import FLOOR, calibrate, derive, derive_in_subprocess
from sac_desktop.services.installation import Installation, SetupRequest

PASSWORD = "correct horse battery staple"


def _median(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _sign_in_time(folder: Path, params, runs: int) -> float:  # type: ignore[no-untyped-def]
    paths = resolve_paths(folder).create()
    clock = FixedClock(datetime.now(UTC))
    Installation(paths, clock, derive, params, None, []).setup(
        SetupRequest("BXL", "Bench", "A", "en", "coord", "Coordinator", PASSWORD)
    )
    installation = Installation(paths, clock, derive_in_subprocess, params, None, [])

    def once() -> None:
        installation.sign_in("coord", PASSWORD).session.close()

    once()  # warm-up
    return _median(once, runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    salt = b"s" * 16
    in_process = _median(lambda: derive(PASSWORD, salt, FLOOR), runs)
    child = _median(lambda: derive_in_subprocess(PASSWORD, salt, FLOOR), runs)
    start = time.perf_counter()
    calibrated = calibrate()
    calibration = time.perf_counter() - start
    at_calibrated = _median(lambda: derive(PASSWORD, salt, calibrated), runs)
    with tempfile.TemporaryDirectory() as tmp:
        sign_in_floor = _sign_in_time(Path(tmp) / "floor", FLOOR, runs)
        sign_in_calibrated = _sign_in_time(Path(tmp) / "calibrated", calibrated, runs)
    rows = [
        ("Argon2id at the floor, in-process", in_process),
        ("Argon2id at the floor, child process", child),
        ("calibration (setup, once)", calibration),
        (
            f"Argon2id calibrated ({calibrated.memory_kib // 1024} MiB, "
            f"{calibrated.iterations} it.)",
            at_calibrated,
        ),
        ("sign-in at the floor (child KDF + open + audit)", sign_in_floor),
        ("sign-in at the calibrated cost", sign_in_calibrated),
    ]
    print(f"{'measure':<52} | {'median':>9} | ratio to in-process floor")
    print("-" * 90)
    for name, value in rows:
        print(f"{name:<52} | {value * 1000:7.0f} ms | {value / in_process:5.2f}x")


if __name__ == "__main__":
    main()
