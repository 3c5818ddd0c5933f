"""A demo vault of synthetic cases, for training and for trying the application (Qt-free).

Every value here is invented. The demo vault is marked as a training vault and opened
with a public key (``security.keys.demo_key``): it must never hold real data.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.logsafe import get_logger
from sac_desktop.security.anchors import HeadAnchor
from sac_desktop.security.keys import demo_key
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import create_vault

_log = get_logger("demo")

DEMO_CENTRE = "DEMO"
DEMO_WORKSTATION = "T"
DEMO_NURSE = Actor("demo-nurse", Role.FORENSIC_NURSE)
DEMO_PHYSICIAN = Actor("demo-physician", Role.PHYSICIAN)

_HOW = ["on_foot", "taxi", "police", "ambulance", "public_transport"]
_REFERRED = ["self", "police", "emergency_department", "general_practitioner", "other"]
_LANGUAGE = ["nl", "fr", "de", "en", "ar", "uk"]
_SUPPORT = ["friend", "parent", "partner", "sibling", "none"]


def demo_vault_path(demo_dir: Path) -> Path:
    return demo_dir / "vault.sacdb"


def build_demo_vault(
    demo_dir: Path, anchors: list[HeadAnchor], cases: int = 12, seed: int = 2017
) -> Path:
    """Create the demo vault with ``cases`` synthetic cases (deterministic for ``seed``)."""
    path = demo_vault_path(demo_dir)
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=cases + 2)
    clock = FixedClock(start)
    vault = create_vault(
        path,
        demo_key(),
        centre=DEMO_CENTRE,
        workstation=DEMO_WORKSTATION,
        clock=clock,
        creator=DEMO_NURSE,
        training=True,
        anchors=anchors,
    )
    nurse = Session(vault, DEMO_NURSE, clock, anchors)
    physician = Session(vault, DEMO_PHYSICIAN, clock, anchors)
    try:
        for index in range(cases):
            clock.advance(hours=rng.randint(6, 30))
            case_id, _number = nurse.record.create_case()
            clock.advance(minutes=4)
            language = rng.choice(_LANGUAGE)
            nurse.record.record_fields(
                case_id,
                "arrival",
                {
                    "how": rng.choice(_HOW),
                    "referred_by": rng.choice(_REFERRED),
                    "hours_since_assault": rng.choice([3, 9, 20, 40, 70, 100, 150, None]),
                },
            )
            clock.advance(minutes=6)
            nurse.record.record_fields(
                case_id,
                "person",
                {
                    "pseudonym": f"Demo person {index + 1}",
                    "age_years": rng.choice([15, 17, 19, 24, 31, 45, 62]),
                    "language": language,
                    "interpreter_needed": language not in ("nl", "fr", "de", "en"),
                    "companion": rng.choice(_SUPPORT),
                },
            )
            if index % 3 == 0:
                # A correction: the history keeps both values, with who and when.
                clock.advance(minutes=25)
                physician.record.record_fields(
                    case_id,
                    "arrival",
                    {
                        "hours_since_assault": rng.choice([12, 30, 60]),
                    },
                )
            if index % 4 == 1:
                # Work in progress: a draft that has not become the record yet.
                nurse.record.save_draft(case_id, "person", {"companion": "friend"})
        nurse.trail.anchor_now()
    finally:
        vault.close()
    _log.event("demo.created", cases=cases)
    return path


def open_demo(
    demo_dir: Path, anchors: list[HeadAnchor], clock_now: FixedClock | None = None
) -> Session:
    """Open (building it the first time) the demo vault as the demo nurse."""
    from sac_desktop.domain.clock import SystemClock

    path = demo_vault_path(demo_dir)
    if not path.exists():
        build_demo_vault(demo_dir, anchors)
    clock = clock_now or SystemClock()
    return Session.open(path, demo_key(), DEMO_NURSE, clock, anchors, demo_dir / "backups")
