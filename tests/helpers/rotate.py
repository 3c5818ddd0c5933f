"""A process that removes an account for cause and can be killed after any step.

Usage: python -m tests.helpers.rotate DATA_DIR COORDINATOR PASSWORD ACCOUNT_ID REASON NOW_ISO
With SAC_TEST_KILL_AFTER_STEP=N in the environment, the process kills itself (SIGKILL: no
cleanup, no ``finally``, no atexit) right after step N of the rotation. The installation
has no real keyring (no device secret) and uses the cheap test KDF, so the environment
must hold SAC_TEST_ALLOW_CHEAP_KDF=1. Prints "done" if it was not killed.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime

from sac_desktop.domain.clock import FixedClock
from sac_desktop.paths import resolve_paths
from sac_desktop.security.anchors import FileAnchor
from sac_desktop.security.kdf import TEST_PARAMS, derive
from sac_desktop.services.installation import Installation
from sac_desktop.services.rotation import remove_for_cause
from tests.conftest import MemoryKeystore

KILL_ENV = "SAC_TEST_KILL_AFTER_STEP"


def main() -> int:
    data_dir, coordinator, password, account_id, reason, now = sys.argv[1:7]
    kill_at = os.environ.get(KILL_ENV)

    def after_step(number: int) -> None:
        print(f"step {number}", flush=True)
        if kill_at is not None and number == int(kill_at):
            os.kill(os.getpid(), signal.SIGKILL)

    paths = resolve_paths(data_dir)
    installation = Installation(
        paths,
        FixedClock(datetime.fromisoformat(now)),
        derive,
        TEST_PARAMS,
        MemoryKeystore(kind="none"),
        [FileAnchor(paths.anchors)],
    )
    signed_in = installation.sign_in(coordinator, password)
    remove_for_cause(installation, signed_in, account_id, reason, after_step=after_step)
    signed_in.session.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
