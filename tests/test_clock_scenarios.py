"""Worked clock scenarios, computed by hand from DOMAIN.md ("The clock" and the clinical
table), checked against the engine with the shipped protocol.

Every time is Brussels wall-clock time as staff type it. Elapsed hours are counted by
hand in real time (in May there is no daylight-saving change; the DST rows spell out the
UTC instants in their comments). The rules used:

- eligibility (the state) from the latest possible exposure, urgency from the earliest;
- band ends inclusive; an exposure in the future counts as now;
- an unknown time: "unknown", never "closed"; a known state stands only when optimal;
- a condition not recorded (None) may apply: never "not applicable";
- acute: at most one week (168 h) since the last exposure; unknown when it cannot be told.

Windows (hours): PEP optimal <= 24, reduced <= 72, closed. Levonorgestrel the same.
Ulipristal and copper IUD optimal <= 120, closed. HBV vaccine: always (no closing time).
HBIG optimal <= 24, reduced <= 336 (14 days), outside. Hepatitis A optimal <= 336,
outside. Forensic examination and vaginal samples optimal <= 72, reduced <= 168, outside.
Oral and skin samples optimal <= 24, reduced <= 48, outside; anal <= 24, <= 72, outside.
Toxicology blood optimal <= 24, reduced <= 72; urine <= 24, <= 120; outside after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from sac_desktop.domain.deadlines import CaseClock, Exposure, ItemClock, evaluate
from sac_desktop.domain.localtime import format_local, parse_local_datetime, resolve_local
from sac_desktop.domain.protocol import State, parse_protocol
from sac_desktop.resources import resource

PROTOCOL = parse_protocol(resource("protocols", "sac-be-2026.1.toml").read_text("utf-8"))

ITEMS = {
    "pep": "hiv_pep",
    "levo": "ec_levonorgestrel",
    "ulip": "ec_ulipristal",
    "iud": "ec_copper_iud",
    "hbv": "hbv_vaccine",
    "hbig": "hbv_immunoglobulin",
    "hav": "hav_vaccine",
    "fx": "forensic_exam",
    "oral": "sample_oral",
    "skin": "sample_skin",
    "anal": "sample_anal",
    "pen": "sample_penile",
    "vag": "sample_vaginal",
    "blood": "tox_blood",
    "urine": "tox_urine",
}
STATES = {
    "O": State.OPTIMAL,
    "R": State.REDUCED,
    "X": State.OUTSIDE,
    "C": State.CLOSED,
    "NA": State.NOT_APPLICABLE,
    "U": State.UNKNOWN,
}

#: A typical record: vaginal and oral exposure, pregnancy possible, not HBV-immune;
#: no anal or skin exposure, source not known HBsAg-positive, no DFSA, no hepatitis A.
BASE_CONDITIONS: Mapping[str, bool | None] = {
    "pregnancy_possible": True,
    "vaginal_exposure": True,
    "oral_exposure": True,
    "anal_exposure": False,
    "penile_exposure": False,
    "skin_exposure": False,
    "source_hbsag_positive": False,
    "hepatitis_a_indicated": False,
    "dfsa_suspected": False,
    "hbv_not_immune": True,
}
ALL_SITES = {
    "anal_exposure": True,
    "penile_exposure": True,
    "skin_exposure": True,
    "dfsa_suspected": True,
}


def cond(**changes: bool | None) -> dict[str, bool | None]:
    """The typical record with changes; penile swabs follow the anal ones (same limits
    in the protocol), so every row states both."""
    if "anal_exposure" in changes and "penile_exposure" not in changes:
        changes["penile_exposure"] = changes["anal_exposure"]
    return {**BASE_CONDITIONS, **changes}


#: One episode: an exact local time, a (start, end) range, or None (unknown).
Episode = str | tuple[str, str] | None
NOW = "2026-05-10 14:00"


@dataclass(frozen=True)
class Scenario:
    id: str
    episodes: tuple[Episode, ...]
    expected: str  # "pep=R levo=C ...": every item's state at `now`
    acute: bool | None
    now: str = NOW
    arrival: str | None = None  # when the person arrived (default: now)
    conditions: Mapping[str, bool | None] = field(default_factory=lambda: BASE_CONDITIONS)
    at_arrival: str = ""  # states at arrival, where they differ from those at now
    pessimistic: str = ""  # counted from the earliest exposure
    may_apply: tuple[str, ...] = ()  # items whose condition is not recorded
    act_before: Mapping[str, str] = field(default_factory=dict)  # local, from the earliest
    closes_at: Mapping[str, str] = field(default_factory=dict)  # local, from the latest
    urgency_past: tuple[str, ...] = ()  # items whose every urgency deadline has passed


SCENARIOS = [
    Scenario(
        "2h-after",
        ("2026-05-10 12:00",),
        "pep=O levo=O ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=O skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
        arrival="2026-05-10 13:00",
        at_arrival="pep=O levo=O fx=O",
        act_before={"pep": "2026-05-11 12:00", "fx": "2026-05-13 12:00"},
        closes_at={"pep": "2026-05-13 12:00", "ulip": "2026-05-15 12:00"},
    ),
    Scenario(
        "exactly-24h",
        ("2026-05-09 14:00",),
        "pep=O levo=O ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=O skin=O anal=O pen=O vag=O "
        "blood=O urine=O",
        acute=True,
        conditions=cond(**ALL_SITES),
    ),
    Scenario(
        "24h-and-1-min",
        ("2026-05-09 13:59",),
        "pep=R levo=R ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=R skin=R anal=R pen=R vag=O "
        "blood=R urine=R",
        acute=True,
        conditions=cond(**ALL_SITES),
    ),
    Scenario(
        "exactly-72h",
        ("2026-05-07 14:00",),
        "pep=R levo=R ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=X skin=X anal=R pen=R vag=O "
        "blood=R urine=R",
        acute=True,
        conditions=cond(**ALL_SITES),
        closes_at={"pep": NOW, "levo": NOW},
    ),
    Scenario(
        "72h-and-1-min-arrived-in-time",
        ("2026-05-07 13:59",),
        "pep=C levo=C ulip=O iud=O hbv=O hbig=NA hav=NA fx=R oral=X skin=X anal=X pen=X vag=R "
        "blood=X urine=R",
        acute=True,
        arrival="2026-05-10 13:30",  # 71 h 31 min: PEP was still possible on arrival
        conditions=cond(**ALL_SITES),
        at_arrival="pep=R levo=R ulip=O fx=O anal=R pen=R vag=O blood=R",
        closes_at={"pep": "2026-05-10 13:59"},
    ),
    Scenario(
        "100h",
        ("2026-05-06 10:00",),
        "pep=C levo=C ulip=O iud=O hbv=O hbig=NA hav=NA fx=R oral=X skin=NA anal=NA pen=NA vag=R "
        "blood=X urine=R",
        acute=True,
        conditions=cond(dfsa_suspected=True),
    ),
    Scenario(
        "exactly-120h",
        ("2026-05-05 14:00",),
        "pep=C levo=C ulip=O iud=O hbv=O hbig=NA hav=NA fx=R oral=X skin=NA anal=NA pen=NA vag=R "
        "blood=X urine=R",
        acute=True,
        conditions=cond(dfsa_suspected=True),
        closes_at={"ulip": NOW, "iud": NOW},
    ),
    Scenario(
        "120h-and-1-min",
        ("2026-05-05 13:59",),
        "pep=C levo=C ulip=C iud=C hbv=O hbig=NA hav=NA fx=R oral=X skin=NA anal=NA pen=NA vag=R "
        "blood=X urine=X",
        acute=True,
        conditions=cond(dfsa_suspected=True),
    ),
    Scenario(
        "6-days",
        ("2026-05-04 14:00",),
        "pep=C levo=C ulip=C iud=C hbv=O hbig=NA hav=NA fx=R oral=X skin=NA anal=NA pen=NA vag=R "
        "blood=NA urine=NA",
        acute=True,
    ),
    Scenario(
        "8-days",
        ("2026-05-02 14:00",),
        "pep=C levo=C ulip=C iud=C hbv=O hbig=R hav=O fx=X oral=X skin=NA anal=NA pen=NA vag=X "
        "blood=NA urine=NA",
        acute=False,
        conditions=cond(source_hbsag_positive=True, hepatitis_a_indicated=True),
    ),
    Scenario(
        "15-days-outside-not-closed",
        ("2026-04-25 14:00",),
        "pep=C levo=C ulip=C iud=C hbv=O hbig=X hav=X fx=X oral=X skin=NA anal=NA pen=NA vag=X "
        "blood=NA urine=NA",
        acute=False,
        conditions=cond(source_hbsag_positive=True, hepatitis_a_indicated=True),
    ),
    Scenario(
        "range-80h-to-60h-ago",
        (("2026-05-07 06:00", "2026-05-08 02:00"),),
        "pep=R levo=R ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=X skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
        pessimistic="pep=C levo=C ulip=O iud=O fx=R oral=X vag=R",
        act_before={"pep": "2026-05-08 06:00"},
        closes_at={"pep": "2026-05-11 02:00", "levo": "2026-05-11 02:00"},
        urgency_past=("pep", "levo"),
    ),
    Scenario(
        "partner-violence-weeks-last-10h",
        (("2026-04-12 20:00", "2026-04-30 23:00"), "2026-05-03 21:00", "2026-05-10 04:00"),
        "pep=O levo=O ulip=O iud=O hbv=O hbig=O hav=O fx=O oral=O skin=NA anal=O pen=O vag=O "
        "blood=NA urine=NA",
        acute=True,
        conditions=cond(source_hbsag_positive=True, hepatitis_a_indicated=True, anal_exposure=True),
        pessimistic="pep=C levo=C ulip=C iud=C hbig=X hav=X fx=X anal=X pen=X vag=X",
        act_before={"pep": "2026-04-13 20:00"},
        closes_at={"pep": "2026-05-13 04:00"},
        urgency_past=("pep", "levo", "fx"),
    ),
    Scenario(
        "unknown-time-alone",
        (None,),
        "pep=U levo=U ulip=U iud=U hbv=O hbig=NA hav=NA fx=U oral=U skin=NA anal=NA pen=NA vag=U "
        "blood=NA urine=NA",
        acute=None,
    ),
    Scenario(
        "episodes-not-recorded-yet",
        (),
        "pep=U levo=U ulip=U iud=U hbv=O hbig=NA hav=NA fx=U oral=U skin=NA anal=NA pen=NA vag=U "
        "blood=NA urine=NA",
        acute=None,
    ),
    Scenario(
        "unknown-plus-recent-3h",
        (None, "2026-05-10 11:00"),
        "pep=O levo=O ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=O skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
    ),
    Scenario(
        "unknown-plus-old-9-days",
        (None, "2026-05-01 14:00"),
        "pep=U levo=U ulip=U iud=U hbv=O hbig=U hav=NA fx=U oral=U skin=NA anal=NA pen=NA vag=U "
        "blood=NA urine=NA",
        acute=None,
        conditions=cond(source_hbsag_positive=True),
        pessimistic="pep=C ulip=C hbig=R fx=X",
    ),
    Scenario(
        "unknown-plus-50h",
        ("2026-05-08 12:00", None),
        "pep=U levo=U ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=U skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
    ),
    Scenario(
        "no-vaginal-exposure",
        ("2026-05-10 12:00",),
        "pep=O levo=NA ulip=NA iud=NA hbv=O hbig=NA hav=NA fx=O oral=O skin=NA anal=NA pen=NA "
        "vag=NA blood=NA urine=NA",
        acute=True,
        conditions=cond(vaginal_exposure=False),
    ),
    Scenario(
        "acts-not-recorded",
        ("2026-05-10 12:00",),
        "pep=O levo=O ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=O skin=O anal=O pen=O vag=O "
        "blood=NA urine=NA",
        acute=True,
        conditions=cond(
            vaginal_exposure=None, oral_exposure=None, anal_exposure=None, skin_exposure=None
        ),
        may_apply=("levo", "ulip", "iud", "oral", "skin", "anal", "pen", "vag"),
    ),
    Scenario(
        "pregnancy-not-possible",
        ("2026-05-09 20:00",),
        "pep=O levo=NA ulip=NA iud=NA hbv=O hbig=NA hav=NA fx=O oral=O skin=NA anal=NA pen=NA "
        "vag=O blood=NA urine=NA",
        acute=True,
        conditions=cond(pregnancy_possible=False),
    ),
    Scenario(
        "dfsa-suspected-20h",
        ("2026-05-09 18:00",),
        "pep=O levo=O ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=O skin=NA anal=NA pen=NA vag=O "
        "blood=O urine=O",
        acute=True,
        conditions=cond(dfsa_suspected=True),
    ),
    Scenario(
        "dfsa-not-suspected-20h",
        ("2026-05-09 18:00",),
        "pep=O levo=O ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=O skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
        conditions=cond(dfsa_suspected=False),
    ),
    Scenario(
        "dfsa-not-recorded-30h",
        ("2026-05-09 08:00",),
        "pep=R levo=R ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=R skin=NA anal=NA pen=NA vag=O "
        "blood=R urine=R",
        acute=True,
        conditions=cond(dfsa_suspected=None),
        may_apply=("blood", "urine"),
    ),
    Scenario(
        "source-hbsag-positive-30h",
        ("2026-05-09 08:00",),
        "pep=R levo=R ulip=O iud=O hbv=O hbig=R hav=NA fx=O oral=R skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
        conditions=cond(source_hbsag_positive=True),
    ),
    Scenario(
        "source-not-known-positive-30h",
        ("2026-05-09 08:00",),
        "pep=R levo=R ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=R skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
        conditions=cond(source_hbsag_positive=False),
    ),
    Scenario(
        "source-hbsag-not-recorded-30h",
        ("2026-05-09 08:00",),
        "pep=R levo=R ulip=O iud=O hbv=O hbig=R hav=NA fx=O oral=R skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
        conditions=cond(source_hbsag_positive=None),
        may_apply=("hbig",),
    ),
    Scenario(
        "hbv-immune-hepatitis-a-10-days",
        ("2026-04-30 14:00",),
        "pep=C levo=C ulip=C iud=C hbv=NA hbig=NA hav=O fx=X oral=X skin=NA anal=NA pen=NA vag=X "
        "blood=NA urine=NA",
        acute=False,
        conditions=cond(hbv_not_immune=False, hepatitis_a_indicated=True),
    ),
    # 00:30 CEST = 2026-10-24 22:30 UTC; 03:30 CET = 02:30 UTC; now 03:00 CET = 10-28
    # 02:00 UTC: 71.5 h after the end, 75.5 h after the start (74.5 h on the wall clock).
    Scenario(
        "range-across-autumn-dst",
        (("2026-10-25 00:30", "2026-10-25 03:30"),),
        "pep=R levo=R ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=X skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
        now="2026-10-28 03:00",
        pessimistic="pep=C levo=C ulip=O fx=R oral=X vag=R",
        act_before={"pep": "2026-10-25 23:30"},  # 22:30 UTC + 24 h, on winter time
        closes_at={"pep": "2026-10-28 03:30"},
        urgency_past=("pep", "levo"),
    ),
    # 02:30 happens twice: 00:30 and 01:30 UTC. Now 02:15 CET = 10-28 01:15 UTC: 71.75 h
    # after the second reading, 72.75 h after the first.
    Scenario(
        "ambiguous-autumn-hour",
        ("2026-10-25 02:30",),
        "pep=R levo=R ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=X skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
        now="2026-10-28 02:15",
        pessimistic="pep=C levo=C",
        act_before={"pep": "2026-10-26 01:30"},  # 00:30 UTC + 24 h
        closes_at={"pep": "2026-10-28 02:30"},  # 01:30 UTC + 72 h
    ),
    # 01:30 CET = 00:30 UTC; now 02:15 CEST on 04-01 = 00:15 UTC: 71.75 h real, although
    # the wall clock shows 72 h 45 min.
    Scenario(
        "spring-dst-real-hours",
        ("2026-03-29 01:30",),
        "pep=R levo=R ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=X skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
        now="2026-04-01 02:15",
        act_before={"pep": "2026-03-30 02:30"},
        closes_at={"pep": "2026-04-01 02:30"},
    ),
    Scenario(
        "exposure-in-the-future-clamped-to-now",
        ("2026-05-10 17:00",),
        "pep=O levo=O ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=O skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
        pessimistic="pep=O levo=O ulip=O fx=O",
        act_before={"pep": "2026-05-11 14:00"},
        closes_at={"pep": "2026-05-13 14:00"},
    ),
    Scenario(
        "range-ending-in-the-future",
        (("2026-05-09 10:00", "2026-05-10 18:00"),),
        "pep=O levo=O ulip=O iud=O hbv=O hbig=NA hav=NA fx=O oral=O skin=NA anal=NA pen=NA vag=O "
        "blood=NA urine=NA",
        acute=True,
        pessimistic="pep=R levo=R ulip=O fx=O oral=R",
        act_before={"pep": "2026-05-10 10:00"},
        closes_at={"pep": "2026-05-13 14:00"},
        urgency_past=(),
    ),
]


def parse_states(text: str) -> dict[str, State]:
    pairs = (entry.split("=") for entry in text.split())
    return {ITEMS[name]: STATES[value] for name, value in pairs}


def instant(text: str, *, latest: bool = False) -> datetime:
    resolved = resolve_local(parse_local_datetime(text))
    return resolved.latest_utc if latest else resolved.earliest_utc


def exposure(episode: Episode) -> Exposure:
    if episode is None:
        return Exposure.unknown()
    start, end = (episode, episode) if isinstance(episode, str) else episode
    # An ambiguous time stands for both readings: the range from the first to the second.
    return Exposure(instant(start), instant(end, latest=True))


def by_id(clock: CaseClock) -> dict[str, ItemClock]:
    return {item.window.id: item for item in clock.items}


def test_the_table_is_complete() -> None:
    assert len(SCENARIOS) >= 25
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)
    every_window = {window.id for window in PROTOCOL.windows}
    assert set(ITEMS.values()) == every_window
    for scenario in SCENARIOS:
        assert set(parse_states(scenario.expected)) == every_window, scenario.id
        now = instant(scenario.now)
        assert instant(scenario.now, latest=True) == now  # "now" is never ambiguous
        if scenario.arrival is not None:
            assert instant(scenario.arrival) <= now


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(scenario: Scenario) -> None:
    now = instant(scenario.now)
    episodes = [exposure(e) for e in scenario.episodes]
    clock = evaluate(PROTOCOL, episodes, scenario.conditions, now)
    items = by_id(clock)

    actual = {window_id: items[window_id].state for window_id in parse_states(scenario.expected)}
    assert actual == parse_states(scenario.expected)
    assert clock.acute is scenario.acute

    pessimistic = parse_states(scenario.pessimistic)
    assert {k: items[k].pessimistic for k in pessimistic} == pessimistic

    may_apply = {ITEMS[name] for name in scenario.may_apply}
    assert {k for k, item in items.items() if item.applies is None} == may_apply

    for name, local in scenario.act_before.items():
        moment = items[ITEMS[name]].act_before
        assert moment is not None and format_local(moment) == local, name
    for name, local in scenario.closes_at.items():
        moment = items[ITEMS[name]].closes_at
        assert moment is not None and format_local(moment) == local, name
    for name in scenario.urgency_past:
        deadlines = items[ITEMS[name]].urgency_deadlines
        assert deadlines and all(moment < now for moment in deadlines), name

    # Whatever the row: "closed" only for a hard stop, and never with an unknown time.
    for item in clock.items:
        if item.state is State.CLOSED:
            assert item.window.hard_stop and not item.time_uncertain

    if scenario.arrival is not None:
        on_arrival = by_id(
            evaluate(PROTOCOL, episodes, scenario.conditions, instant(scenario.arrival))
        )
        expected = parse_states(scenario.at_arrival)
        assert {k: on_arrival[k].state for k in expected} == expected
