"""Sign in at the production KDF cost in a fresh process; print how the GUI thread ticked.

Usage: python -m tests.helpers.responsive DATA_DIR PASSWORD  (prints JSON)
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from datetime import UTC, datetime

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from sac_desktop.domain.clock import FixedClock
from sac_desktop.paths import resolve_paths
from sac_desktop.security.kdf import FLOOR, derive_in_subprocess
from sac_desktop.services.installation import Installation
from sac_desktop.ui.main_window import MainWindow
from sac_desktop.ui.tasks import TaskRunner


def main() -> int:
    app = QApplication([])
    paths = resolve_paths(sys.argv[1])
    clock = FixedClock(datetime.now(UTC))
    installation = Installation(paths, clock, derive_in_subprocess, FLOOR, None, [])
    window = MainWindow(paths, "en", TaskRunner(), lambda exc: None, installation)
    window.show()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    started = time.perf_counter()

    def go() -> None:
        window.signin_page.select("coord")
        window.signin_page.password.edit.setText(sys.argv[2])
        window.signin_page.button.click()

    def check() -> None:
        if window.signed_in is not None or time.perf_counter() - started > 30:
            app.quit()

    QTimer.singleShot(50, go)
    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(5)
    app.exec()
    elapsed = time.perf_counter() - started
    window.close()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    print(
        json.dumps(
            {
                "signed_in": window.signed_in is None and elapsed < 30,
                "elapsed": elapsed,
                "ticks": len(ticks),
                "max_gap": max(gaps or [0]),
                "slow_gaps": sum(g > 0.1 for g in gaps),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
