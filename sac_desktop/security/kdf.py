"""Argon2id password key derivation with a calibrated cost and a floor (Qt-free)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

ALGORITHM = "argon2id"
KEY_BYTES = 32
MIN_SALT_BYTES = 16
#: Test-only switch: with it set to "1", parameters below :data:`FLOOR` are accepted so the
#: suite can derive keys in microseconds. Production never sets it.
CHEAP_KDF_ENV = "SAC_TEST_ALLOW_CHEAP_KDF"
FROZEN_WORKER_FLAG = "--kdf-worker"

# Bounds on what a stored slot may ask for: a tampered or corrupt slot must not make
# sign-in allocate gigabytes or spin for minutes.
_MAX_MEMORY_KIB = 1024 * 1024
_MAX_ITERATIONS = 64
_MAX_LANES = 16
# calibrate() never asks for more memory than this: slots calibrated on one workstation
# must still open on a smaller one.
CALIBRATE_MAX_MEMORY_KIB = 256 * 1024


class InvalidKdfParams(ValueError):
    """Stored KDF parameters are malformed or out of range."""


class WeakKdfParams(ValueError):
    """KDF parameters below the production floor."""


class KdfWorkerError(RuntimeError):
    """The key-derivation subprocess failed or timed out."""


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: memory in KiB, passes over memory, parallel lanes."""

    memory_kib: int
    iterations: int
    lanes: int

    def __post_init__(self) -> None:
        for name in ("memory_kib", "iterations", "lanes"):
            value = getattr(self, name)
            # bool is an int subclass; "true" lanes is a corrupt slot, not 1 lane.
            if type(value) is not int:
                raise InvalidKdfParams(f"{name} must be an integer")
        if not 1 <= self.lanes <= _MAX_LANES:
            raise InvalidKdfParams(f"lanes must be between 1 and {_MAX_LANES}")
        if not 1 <= self.iterations <= _MAX_ITERATIONS:
            raise InvalidKdfParams(f"iterations must be between 1 and {_MAX_ITERATIONS}")
        # Argon2 needs at least 8 KiB per lane.
        if not 8 * self.lanes <= self.memory_kib <= _MAX_MEMORY_KIB:
            raise InvalidKdfParams(f"memory_kib must be between 8 per lane and {_MAX_MEMORY_KIB}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm": ALGORITHM,
            "memory_kib": self.memory_kib,
            "iterations": self.iterations,
            "lanes": self.lanes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KdfParams:
        if not isinstance(data, Mapping):
            raise InvalidKdfParams("KDF parameters must be an object")
        expected = {"algorithm", "memory_kib", "iterations", "lanes"}
        if set(data) != expected:
            raise InvalidKdfParams("KDF parameters have missing or unexpected fields")
        if data["algorithm"] != ALGORITHM:
            raise InvalidKdfParams("unsupported KDF algorithm")
        return cls(
            memory_kib=data["memory_kib"], iterations=data["iterations"], lanes=data["lanes"]
        )


#: Production minimum (OWASP: Argon2id with >= 64 MiB); calibrate() only goes up from here.
FLOOR = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=1)
#: For tests only; refused unless SAC_TEST_ALLOW_CHEAP_KDF=1.
TEST_PARAMS = KdfParams(memory_kib=64, iterations=1, lanes=1)


def cheap_kdf_allowed() -> bool:
    # Test-only escape hatch (RECIPES.md, "Keeping the suite fast"): the suite sets it so
    # hundreds of tests need not pay ~0.5 s each.
    return os.environ.get(CHEAP_KDF_ENV) == "1"


def check_params(params: KdfParams) -> None:
    """Raise :class:`WeakKdfParams` if any component is below :data:`FLOOR`."""
    if cheap_kdf_allowed():
        return
    if (
        params.memory_kib < FLOOR.memory_kib
        or params.iterations < FLOOR.iterations
        or params.lanes < FLOOR.lanes
    ):
        raise WeakKdfParams("KDF parameters are below the production floor")


def derive(password: str, salt: bytes, params: KdfParams) -> bytes:
    """The 32-byte Argon2id key for ``password`` (NFC, UTF-8) and ``salt``.

    Holds the GIL for the whole derivation: from the GUI, use :func:`derive_in_subprocess`.
    """
    check_params(params)
    if len(salt) < MIN_SALT_BYTES:
        raise ValueError(f"the salt must be at least {MIN_SALT_BYTES} bytes")
    # The same password typed on another keyboard or OS can arrive composed or decomposed.
    secret = unicodedata.normalize("NFC", password).encode("utf-8")
    kdf = Argon2id(
        salt=salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(secret)


def _cost(params: KdfParams) -> int:
    return params.memory_kib * params.iterations


def _ladder(floor: KdfParams) -> Iterator[KdfParams]:
    """Candidates in non-decreasing cost: iterations up to 2x the floor, then double memory.

    Iterations come first so memory (the scarcer resource on an old workstation) only grows
    on fast machines; at each doubling the iterations restart at the floor, so at equal
    cost the candidate with more memory comes later and is preferred.
    """
    params = floor
    while True:
        if params.iterations < 2 * floor.iterations:
            params = replace(params, iterations=params.iterations + 1)
        elif params.memory_kib * 2 <= CALIBRATE_MAX_MEMORY_KIB:
            params = replace(params, memory_kib=params.memory_kib * 2, iterations=floor.iterations)
        elif params.iterations < _MAX_ITERATIONS:
            params = replace(params, iterations=params.iterations + 1)
        else:
            return
        yield params


def _measure(params: KdfParams, clock: Callable[[], float]) -> float:
    started = clock()
    derive("calibration", secrets.token_bytes(MIN_SALT_BYTES), params)
    return clock() - started


def calibrate(
    target_seconds: float = 0.5,
    floor: KdfParams = FLOOR,
    clock: Callable[[], float] = time.perf_counter,
) -> KdfParams:
    """Parameters at or above ``floor`` for which one derivation takes about ``target_seconds``.

    Each step is measured; the walk stops when the next step would land farther from the
    target than the current one (time grows linearly with memory x iterations).
    """
    check_params(floor)
    params, elapsed = floor, _measure(floor, clock)
    for candidate in _ladder(floor):
        if elapsed >= target_seconds:
            break
        predicted = elapsed * _cost(candidate) / _cost(params)
        if predicted - target_seconds > target_seconds - elapsed:
            break
        params, elapsed = candidate, _measure(candidate, clock)
    return params


def worker_command() -> list[str]:
    """How to start the worker: in a PyInstaller build ``sys.executable`` is the app itself."""
    if getattr(sys, "frozen", False):
        return [sys.executable, FROZEN_WORKER_FLAG]
    return [sys.executable, "-m", "sac_desktop.security.kdf_worker"]


def derive_in_subprocess(
    password: str, salt: bytes, params: KdfParams, timeout: float = 60
) -> bytes:
    """:func:`derive` in a child process, so the caller's GIL (the GUI thread) stays free.

    The password travels over the child's stdin only: argv and the environment of a process
    are readable by other local users (``/proc``, ``ps``). The environment is inherited, so
    the test-only cheap-KDF switch reaches the child.
    """
    check_params(params)  # fail fast, without starting a process
    if len(salt) < MIN_SALT_BYTES:
        raise ValueError(f"the salt must be at least {MIN_SALT_BYTES} bytes")
    request = json.dumps(
        {
            "password": password,
            "salt": base64.b64encode(salt).decode("ascii"),
            "params": params.to_dict(),
        }
    ).encode("utf-8")
    # Run from the folder holding the package we were loaded from: the child then imports
    # this very code, never a stray sac_desktop in whatever the current folder is.
    package_root = Path(__file__).resolve().parents[2]
    try:
        result = subprocess.run(
            worker_command(),
            input=request,
            capture_output=True,
            timeout=timeout,
            check=False,
            cwd=package_root if package_root.is_dir() else None,
            # Windows: the frozen app is a console executable; without this flag each
            # sign-in would flash a console window.
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except subprocess.TimeoutExpired:
        raise KdfWorkerError(f"key derivation took longer than {timeout} s") from None
    except OSError as exc:
        raise KdfWorkerError(f"cannot start the key-derivation worker: {exc}") from None
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()[-500:]
        raise KdfWorkerError(f"key-derivation worker failed ({result.returncode}): {detail}")
    try:
        key = bytes.fromhex(result.stdout.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise KdfWorkerError("key-derivation worker returned malformed output") from None
    if len(key) != KEY_BYTES:
        raise KdfWorkerError("key-derivation worker returned a key of the wrong length")
    return key
