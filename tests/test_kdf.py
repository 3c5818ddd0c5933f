"""Argon2id key derivation: parameters, the floor, calibration and the subprocess worker."""

from __future__ import annotations

import argparse
import base64
import io
import itertools
import json
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from sac_desktop.security import kdf
from sac_desktop.security.kdf import (
    CALIBRATE_MAX_MEMORY_KIB,
    CHEAP_KDF_ENV,
    FLOOR,
    TEST_PARAMS,
    InvalidKdfParams,
    KdfParams,
    KdfWorkerError,
    WeakKdfParams,
    calibrate,
    check_params,
    derive,
    derive_in_subprocess,
)
from sac_desktop.security.kdf_worker import KdfWorkerAction
from sac_desktop.security.kdf_worker import main as worker_main

SALT = bytes(range(16))


def _request(password: str, params: KdfParams = TEST_PARAMS, salt: bytes = SALT) -> bytes:
    return json.dumps(
        {"password": password, "salt": base64.b64encode(salt).decode(), "params": params.to_dict()}
    ).encode()


@pytest.fixture
def cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHEAP_KDF_ENV, "1")


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CHEAP_KDF_ENV, raising=False)


# Parameters --------------------------------------------------------------------------


def test_params_round_trip_through_json() -> None:
    params = KdfParams(memory_kib=131072, iterations=4, lanes=2)
    data = json.loads(json.dumps(params.to_dict()))
    assert data == {"algorithm": "argon2id", "memory_kib": 131072, "iterations": 4, "lanes": 2}
    assert KdfParams.from_dict(data) == params


@pytest.mark.parametrize(
    "change",
    [
        {"algorithm": "scrypt"},
        {"memory_kib": "65536"},
        {"memory_kib": 65536.0},
        {"iterations": True},
        {"lanes": None},
        {"iterations": 0},
        {"lanes": 0},
        {"lanes": 17},
        {"memory_kib": 7},
        {"memory_kib": 16, "lanes": 4},  # Argon2 needs 8 KiB per lane
        {"memory_kib": 4 * 1024 * 1024},  # a tampered slot must not claim 4 GiB
        {"iterations": 1000},
        {"extra": 1},
    ],
)
def test_from_dict_rejects_malformed_params(change: dict[str, Any]) -> None:
    data = {**FLOOR.to_dict(), **change}
    with pytest.raises(InvalidKdfParams):
        KdfParams.from_dict(data)


@pytest.mark.parametrize("missing", ["algorithm", "memory_kib", "iterations", "lanes"])
def test_from_dict_rejects_missing_fields(missing: str) -> None:
    data = FLOOR.to_dict()
    del data[missing]
    with pytest.raises(InvalidKdfParams):
        KdfParams.from_dict(data)


def test_from_dict_rejects_non_objects() -> None:
    with pytest.raises(InvalidKdfParams):
        KdfParams.from_dict([1, 2, 3])  # type: ignore[arg-type]


def test_floor_is_at_least_64_mib() -> None:
    assert FLOOR.memory_kib >= 64 * 1024 and FLOOR.iterations >= 1 and FLOOR.lanes >= 1


# The floor ---------------------------------------------------------------------------


@pytest.mark.usefixtures("production")
def test_production_refuses_test_params() -> None:
    with pytest.raises(WeakKdfParams):
        check_params(TEST_PARAMS)
    with pytest.raises(WeakKdfParams):
        derive("correct horse battery", SALT, TEST_PARAMS)
    with pytest.raises(WeakKdfParams):
        derive_in_subprocess("correct horse battery", SALT, TEST_PARAMS)


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize(
    "params",
    [
        KdfParams(memory_kib=65535, iterations=3, lanes=1),
        KdfParams(memory_kib=262144, iterations=2, lanes=1),
    ],
)
def test_production_refuses_params_below_the_floor_in_any_component(
    params: KdfParams,
) -> None:
    with pytest.raises(WeakKdfParams):
        check_params(params)


@pytest.mark.usefixtures("production")
def test_production_accepts_the_floor_and_above() -> None:
    check_params(FLOOR)
    check_params(KdfParams(memory_kib=262144, iterations=4, lanes=2))


def test_only_the_exact_value_1_allows_cheap_params(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHEAP_KDF_ENV, "true")
    with pytest.raises(WeakKdfParams):
        check_params(TEST_PARAMS)
    monkeypatch.setenv(CHEAP_KDF_ENV, "1")
    check_params(TEST_PARAMS)


# derive ------------------------------------------------------------------------------


@pytest.mark.usefixtures("cheap")
def test_derive_is_deterministic_and_depends_on_every_input() -> None:
    key = derive("correct horse battery", SALT, TEST_PARAMS)
    assert len(key) == 32
    assert derive("correct horse battery", SALT, TEST_PARAMS) == key
    others = {
        derive("correct horse batterY", SALT, TEST_PARAMS),
        derive("correct horse battery", bytes(16), TEST_PARAMS),
        derive("correct horse battery", SALT, KdfParams(memory_kib=64, iterations=2, lanes=1)),
        derive("correct horse battery", SALT, KdfParams(memory_kib=128, iterations=1, lanes=1)),
    }
    assert key not in others and len(others) == 4


@pytest.mark.usefixtures("cheap")
def test_derive_normalises_the_password_to_nfc() -> None:
    composed, decomposed = "caf\u00e9-wachtwoord", "cafe\u0301-wachtwoord"
    assert derive(composed, SALT, TEST_PARAMS) == derive(decomposed, SALT, TEST_PARAMS)


@pytest.mark.usefixtures("cheap")
def test_derive_needs_a_16_byte_salt() -> None:
    with pytest.raises(ValueError, match="salt"):
        derive("correct horse battery", bytes(15), TEST_PARAMS)
    derive("correct horse battery", bytes(32), TEST_PARAMS)


@pytest.mark.slow
@pytest.mark.usefixtures("production")
def test_one_derivation_at_the_real_floor_cost() -> None:
    started = time.perf_counter()
    key = derive("correct horse battery", SALT, FLOOR)
    elapsed = time.perf_counter() - started
    assert len(key) == 32
    # 64 MiB of memory-hard work cannot be instant; a regression to cheap params would be.
    assert elapsed > 0.02


# calibrate ---------------------------------------------------------------------------


class FakeMachine:
    """A derive() stand-in whose cost advances a fake clock: seconds per (MiB x pass)."""

    def __init__(self, seconds_per_mib_pass: float) -> None:
        self.rate = seconds_per_mib_pass
        self.now = 0.0
        self.derived: list[KdfParams] = []

    def clock(self) -> float:
        return self.now

    def derive(self, password: str, salt: bytes, params: KdfParams) -> bytes:
        check_params(params)
        self.derived.append(params)
        self.now += self.rate * params.memory_kib / 1024 * params.iterations
        return bytes(32)

    def seconds(self, params: KdfParams) -> float:
        return self.rate * params.memory_kib / 1024 * params.iterations


def _fake(monkeypatch: pytest.MonkeyPatch, floor_seconds: float) -> FakeMachine:
    machine = FakeMachine(floor_seconds / (FLOOR.memory_kib / 1024 * FLOOR.iterations))
    monkeypatch.setattr(kdf, "derive", machine.derive)
    return machine


@pytest.mark.usefixtures("production")
def test_calibrate_keeps_the_floor_on_a_slow_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    machine = _fake(monkeypatch, floor_seconds=0.9)
    assert calibrate(0.5, clock=machine.clock) == FLOOR
    assert machine.derived == [FLOOR]


@pytest.mark.usefixtures("production")
def test_calibrate_adds_iterations_first(monkeypatch: pytest.MonkeyPatch) -> None:
    machine = _fake(monkeypatch, floor_seconds=0.3)  # 0.1 s per pass over 64 MiB
    params = calibrate(0.5, clock=machine.clock)
    assert params == KdfParams(memory_kib=FLOOR.memory_kib, iterations=5, lanes=1)
    assert machine.seconds(params) == pytest.approx(0.5)


@pytest.mark.usefixtures("production")
def test_calibrate_then_adds_memory_up_to_256_mib(monkeypatch: pytest.MonkeyPatch) -> None:
    machine = _fake(monkeypatch, floor_seconds=0.03)
    params = calibrate(0.5, clock=machine.clock)
    assert params.memory_kib == CALIBRATE_MAX_MEMORY_KIB
    assert abs(machine.seconds(params) - 0.5) <= 0.05
    very_fast = _fake(monkeypatch, floor_seconds=0.001)
    params = calibrate(0.5, clock=very_fast.clock)
    assert params.memory_kib == CALIBRATE_MAX_MEMORY_KIB
    assert max(p.memory_kib for p in very_fast.derived) == CALIBRATE_MAX_MEMORY_KIB


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize("floor_seconds", [0.001, 0.02, 0.1, 0.17, 0.2, 0.34, 0.45, 0.5, 2.0])
def test_calibrate_never_goes_below_the_floor_and_lands_near_the_target(
    monkeypatch: pytest.MonkeyPatch, floor_seconds: float
) -> None:
    machine = _fake(monkeypatch, floor_seconds)
    params = calibrate(0.5, clock=machine.clock)
    assert params.memory_kib >= FLOOR.memory_kib
    assert params.iterations >= FLOOR.iterations
    assert params.lanes >= FLOOR.lanes
    if floor_seconds < 0.5 and floor_seconds > 0.002:
        # Within one step of the target (a step is one pass, at most 1/3 of the time).
        assert 0.5 * 2 / 3 <= machine.seconds(params) <= 0.5 * 4 / 3
    assert all(p.memory_kib <= CALIBRATE_MAX_MEMORY_KIB for p in machine.derived[1:])


@pytest.mark.usefixtures("production")
def test_calibrate_refuses_a_weak_floor() -> None:
    with pytest.raises(WeakKdfParams):
        calibrate(0.5, floor=TEST_PARAMS)


@pytest.mark.usefixtures("cheap")
def test_calibrate_with_the_real_derive_and_cheap_params() -> None:
    params = calibrate(0.002, floor=TEST_PARAMS)
    assert params.memory_kib >= TEST_PARAMS.memory_kib
    assert params.iterations >= TEST_PARAMS.iterations


# derive_in_subprocess ----------------------------------------------------------------


@pytest.mark.usefixtures("cheap")
def test_derive_in_subprocess_equals_derive() -> None:
    password = "d\u00e9j\u00e0 vu, \u00e9t\u00e9 2026 \U0001f512"
    assert derive_in_subprocess(password, SALT, TEST_PARAMS) == derive(password, SALT, TEST_PARAMS)


@pytest.mark.usefixtures("cheap")
def test_the_password_goes_over_the_pipe_never_argv_or_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[dict[str, Any]] = []
    real_run = subprocess.run

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append({"args": args, **kwargs})
        return real_run(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    secret = "marker-Pa55word-for-this-test"
    derive_in_subprocess(secret, SALT, TEST_PARAMS)
    (call,) = seen
    assert secret not in json.dumps(call["args"])
    assert call.get("env") is None  # inherited: the test-only switch must reach the worker
    assert secret.encode() in call["input"]


def test_the_worker_is_the_app_itself_in_a_frozen_build(monkeypatch: pytest.MonkeyPatch) -> None:
    assert kdf.worker_command() == [sys.executable, "-m", "sac_desktop.security.kdf_worker"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert kdf.worker_command() == [sys.executable, "--kdf-worker"]


@pytest.mark.usefixtures("cheap")
def test_kdf_worker_flag_runs_the_worker_and_exits(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kdf-worker", action=KdfWorkerAction)
    request = _request("correct horse battery")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(request)))
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["--kdf-worker"])
    assert exit_info.value.code == 0
    assert (
        capsys.readouterr().out.strip() == derive("correct horse battery", SALT, TEST_PARAMS).hex()
    )


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"not json marker",
        b"\xff\xfe marker",
        b'{"marker": 1}',
        b'{"password": "marker", "salt": "!!", "params": {}}',
        json.dumps(
            {"password": "marker", "salt": "AAAAAAAAAAAAAAAAAAAAAA==", "params": {}}
        ).encode(),
        json.dumps(
            {"password": 1, "salt": "AAAAAAAAAAAAAAAAAAAAAA==", "params": FLOOR.to_dict()}
        ).encode(),
        _request("marker", salt=bytes(8)),
    ],
)
def test_worker_rejects_malformed_requests_without_echoing_them(
    request_bytes: bytes, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CHEAP_KDF_ENV, "1")
    out = io.StringIO()
    assert worker_main(io.BytesIO(request_bytes), out) == 2
    assert out.getvalue() == ""
    err = capsys.readouterr().err
    assert err and "marker" not in err


@pytest.mark.usefixtures("production")
def test_worker_refuses_weak_params_and_hides_the_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = io.StringIO()
    assert worker_main(io.BytesIO(_request("marker-secret-password")), out) == 3
    assert out.getvalue() == ""
    assert "marker-secret-password" not in capsys.readouterr().err


@pytest.mark.usefixtures("cheap")
def test_derive_in_subprocess_times_out() -> None:
    with pytest.raises(KdfWorkerError, match="longer than"):
        derive_in_subprocess("correct horse battery", SALT, TEST_PARAMS, timeout=0.001)


@pytest.mark.usefixtures("cheap")
def test_a_failing_worker_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kdf, "worker_command", lambda: [sys.executable, "-c", "exit(7)"])
    with pytest.raises(KdfWorkerError, match=r"\(7\)"):
        derive_in_subprocess("correct horse battery", SALT, TEST_PARAMS)
    monkeypatch.setattr(kdf, "worker_command", lambda: [sys.executable, "-c", "print('zz')"])
    with pytest.raises(KdfWorkerError, match="malformed"):
        derive_in_subprocess("correct horse battery", SALT, TEST_PARAMS)


@pytest.mark.usefixtures("production")
def test_the_gui_thread_keeps_ticking_during_a_floor_cost_derivation() -> None:
    """RECIPES.md: Argon2id in a thread stalled a GUI timer ~170 ms; a subprocess cannot.

    (With cryptography 50.0.2 the in-thread stall measured ~15 ms here: that version seems
    to release the GIL. The subprocess keeps the GUI live whatever the library does.)
    """
    result: list[bytes] = []
    worker = threading.Thread(
        target=lambda: result.append(derive_in_subprocess("correct horse battery", SALT, FLOOR))
    )
    ticks = [time.perf_counter()]
    worker.start()
    while worker.is_alive():
        time.sleep(0.01)
        ticks.append(time.perf_counter())
    worker.join()
    assert len(result) == 1 and len(result[0]) == 32
    longest = max(b - a for a, b in itertools.pairwise(ticks))
    assert len(ticks) > 5, "the derivation finished too fast to measure anything"
    assert longest < 0.1, f"the main thread stalled {longest * 1000:.0f} ms"
