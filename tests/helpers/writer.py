"""A writer process for durability and no-plaintext tests.

Usage: python -m tests.helpers.writer DATA_DIR KEY_HEX MARKER COUNT [crash]
Prints each entry id only after the commit that wrote it has returned.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sac_desktop.crash import CrashHandler
from sac_desktop.domain.clock import SystemClock
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.logsafe import configure_logging, get_logger
from sac_desktop.paths import resolve_paths
from sac_desktop.security.anchors import FileAnchor
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import create_vault


def main() -> int:
    data_dir, key_hex, marker, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    crash = len(sys.argv) > 5 and sys.argv[5] == "crash"
    paths = resolve_paths(data_dir).create()
    configure_logging(paths.logs)
    handler = CrashHandler(paths.crash_dir)
    handler.install()
    key = VaultKey.from_hex(key_hex)
    actor = Actor("writer", Role.FORENSIC_NURSE)
    clock = SystemClock()
    anchors = [FileAnchor(paths.anchors)]
    if not Path(paths.vault).exists():
        create_vault(
            paths.vault,
            key,
            centre="BXL",
            workstation="K",
            clock=clock,
            creator=actor,
            anchors=anchors,
        ).close()
    session = Session.open(paths.vault, key, actor, clock, anchors, paths.backups)
    get_logger("app").event("app.start", version="test", platform=sys.platform, frozen=False)
    case_id, _ = session.record.create_case()
    print(f"case {case_id}", flush=True)
    for i in range(count):
        session.record.save_draft(case_id, "notes", {"draft": f"{marker} draft {i}"})
        for entry_id in session.record.record_fields(case_id, "notes", {f"n{i}": f"{marker} {i}"}):
            print(f"entry {entry_id}", flush=True)
        if crash and i == count // 2:
            raise RuntimeError(f"failure while handling {marker}")
    session.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
