"""Worked clinical scenarios through the services: intake, checklist, completed plan.

Each expected outcome is written by hand from DOMAIN.md (the clinical table, "Intake
details that change care", "The clock") with the shipped protocol (sac-be-2026.1):
PEP optimal <= 24 h, reduced <= 72 h, then closed; levonorgestrel the same; ulipristal
and copper IUD <= 120 h; HBIG <= 24 h optimal, <= 14 days reduced; hepatitis A <= 14
days. Follow-up steps, in days: PEP call and bruises visit +1, general review visit +14,
review visit +180; pregnancy retest +21, DFSA hair +28, HIV and syphilis +42, review +90,
all from the last exposure; hepatitis B doses +30 and +120 from the first dose.

Unless a scenario says otherwise it is 14 March 2026 03:30 in Brussels (02:30 UTC) and
the person arrived at 03:00 (02:00 UTC), so the visit steps are due 15 March 03:00,
28 March 03:00 (both winter time) and 10 September 04:00 (summer time: 180 x 24 h after
02:00 UTC). Brussels moves to summer time on 29 March: a step counted in elapsed days from
a winter time shows one hour later on the wall clock from then on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sac_desktop.domain.checklist import FollowUpStatus, Refused, Status
from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.localtime import format_local, parse_local_datetime, resolve_local
from sac_desktop.domain.protocol import State
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.services.checklist import ChecklistService
from sac_desktop.services.permissions import Forbidden
from sac_desktop.services.session import Session

ZONE = "Europe/Brussels"
Payload = Mapping[str, Any]


def utc(local_text: str) -> datetime:
    return resolve_local(parse_local_datetime(local_text), ZONE).latest_utc


def wall(moment: datetime) -> str:
    return format_local(moment, ZONE)


def give(item: str, at: str, **details: Any) -> list[tuple[str, Payload]]:
    """Offered, accepted, given at ``at`` (Brussels)."""
    given: dict[str, Any] = {"status": "given", "at_local": at}
    if details:
        given["details"] = details
    return [(item, {"status": "offered"}), (item, {"status": "accepted"}), (item, given)]


def not_indicated(item: str, reason: str) -> list[tuple[str, Payload]]:
    return [(item, {"status": "not_indicated", "reason": reason})]


#: The intake every scenario starts from (an adult; the scenario changes what it needs).
BASE: dict[str, dict[str, Any]] = {
    "arrival": {"arrived_at": "2026-03-14 03:00", "referred_by": "self"},
    "person": {"age_years": 24, "gender": "woman"},
    "medical": {
        "pregnancy_possible": "yes",
        "pregnant": "no",
        "breastfeeding": "no",
        "weight_kg": 60,
        "allergies": "",
        "kidney_disease": "no",
        "hbv_vaccination": "immune",
        "source_hbsag_positive": "no",
        "hav_indicated": "no",
        "tetanus": "under_5y",
        "hpv": "complete",
    },
    "risks": {"dfsa_suspected": "no", "strangulation": "no"},
}
#: How the driver settles what a scenario does not decide (so the checklist completes).
SETTLE: dict[str, Payload] = {
    "sti_tests": {"status": "given", "details": {"sites": "per exposed site; serology"}},
    "tetanus": {"status": "not_indicated", "reason": "no wound; last dose under 5 years"},
    "wound_care": {"status": "not_indicated", "reason": "no wound"},
    "other_medication": {"status": "not_indicated", "reason": "none needed"},
}
DEFAULT_SETTLE: Payload = {"status": "not_indicated", "reason": "physician's decision"}
V1, V14, V180 = "2026-03-15 03:00", "2026-03-28 03:00", "2026-09-10 04:00"
VISIT = {"bruise_review": V1, "general_review_2w": V14, "review_6m": V180}


def exact(at: str, *acts: str, **more: Any) -> dict[str, Any]:
    return {"time_kind": "exact", "at": at, "acts": list(acts), **more}


@dataclass(frozen=True)
class Scenario:
    name: str
    episodes: Sequence[Mapping[str, Any]]
    intake: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # over BASE
    now: str = "2026-03-14 03:30"
    applies: Mapping[str, bool | None] = field(default_factory=dict)
    states: Mapping[str, State] = field(default_factory=dict)  # the item's best window
    windows: Mapping[str, State] = field(default_factory=dict)  # single windows
    refused: Sequence[tuple[str, str]] = ()  # (item, status) the rules refuse
    warnings: Mapping[str, Sequence[str]] = field(default_factory=dict)  # drug: kinds
    warning_text: Mapping[str, str] = field(default_factory=dict)  # drug: English words
    decisions: Sequence[tuple[str, Payload]] = ()
    followups: Mapping[str, str] = field(default_factory=dict)  # id: Brussels due time


SCENARIOS = [
    Scenario(
        "single assault 80 h ago: PEP closed, ulipristal or IUD, hepatitis B started",
        [exact("2026-03-10 19:30", "vaginal")],  # 18:30 UTC, 80 h before now
        intake={"medical": {"hbv_vaccination": "none"}},
        applies={
            "hiv_pep": True,
            "emergency_contraception": True,
            "hbv_vaccine": True,
            "hbv_immunoglobulin": False,
            "hav_vaccine": False,
        },
        states={
            "hiv_pep": State.CLOSED,
            "emergency_contraception": State.OPTIMAL,
            "hbv_vaccine": State.OPTIMAL,
        },
        windows={
            "ec_levonorgestrel": State.CLOSED,
            "ec_ulipristal": State.OPTIMAL,
            "ec_copper_iud": State.OPTIMAL,
        },
        refused=[("hiv_pep", "offered"), ("hiv_pep", "given")],
        decisions=[
            *not_indicated("hiv_pep", "80 h since the assault: PEP is not started after 72 h"),
            *give("pregnancy_test", "2026-03-14 03:10", result="negative"),
            *give("emergency_contraception", "2026-03-14 03:20", method="ulipristal"),
            *give("hbv_vaccine", "2026-03-14 03:25"),  # 02:25 UTC: the first dose
        ],
        followups={
            **VISIT,
            "pregnancy_retest": "2026-03-31 20:30",  # 18:30 UTC + 21 d, summer time
            "hiv_syphilis_6w": "2026-04-21 20:30",
            "review_3m": "2026-06-08 20:30",
            "hbv_dose_2": "2026-04-13 04:25",  # 02:25 UTC + 30 d
            "hbv_dose_3": "2026-07-12 04:25",  # + 120 d
        },
    ),
    Scenario(
        "range from 90 h to 60 h ago: PEP still possible (reduced)",
        [
            {
                "time_kind": "range",
                "from": "2026-03-10 09:30",
                "to": "2026-03-11 15:30",
                "acts": ["anal"],
            }
        ],
        intake={
            "person": {"age_years": 31, "gender": "man"},
            "medical": {"pregnancy_possible": "no", "hpv": "none"},
        },
        applies={
            "hiv_pep": True,
            "emergency_contraception": False,
            "pregnancy_test": False,
            "hpv_vaccine": False,
        },  # 31: over 26
        states={"hiv_pep": State.REDUCED},
        decisions=give("hiv_pep", "2026-03-14 03:20", regimen="pep_tdf_ftc_dtg", doses=5),
        followups={
            **VISIT,
            "call_24h": "2026-03-15 09:00",  # 24 h after the first dose, at the first office hour
            "hiv_syphilis_6w": "2026-04-22 16:30",  # from the end of the range, 14:30 UTC
            "review_3m": "2026-06-09 16:30",
        },
    ),
    Scenario(
        "pregnant: azithromycin instead of doxycycline, no emergency contraception",
        [exact("2026-03-14 01:00", "vaginal")],  # 00:00 UTC
        intake={"medical": {"pregnant": "yes"}},
        applies={
            "emergency_contraception": False,
            "pregnancy_test": False,
            "sti_presumptive": True,
        },
        warnings={
            "doxycycline": ["pregnant"],
            "azithromycin": [],
            "pep_tdf_ftc_dtg": ["pregnant"],
            "ulipristal": ["pregnant"],
        },
        warning_text={"doxycycline": "azithromycin instead of doxycycline"},
        decisions=[
            *give("hiv_pep", "2026-03-14 03:20"),
            *give(
                "sti_presumptive",
                "2026-03-14 03:25",
                drugs=["ceftriaxone", "azithromycin", "metronidazole"],
            ),
        ],
        followups={
            **VISIT,
            "call_24h": "2026-03-15 09:00",  # 24 h after the first dose, at the first office hour
            "hiv_syphilis_6w": "2026-04-25 02:00",
            "review_3m": "2026-06-12 02:00",
        },  # no pregnancy retest
    ),
    Scenario(
        "a 6-year-old: no presumptive STI treatment, no HPV vaccine yet",
        [exact("2026-03-13 20:00", "digital", sites=["vulva_vagina"])],  # 19:00 UTC
        intake={
            "person": {"age_years": 6, "gender": "not_said"},
            "medical": {"pregnancy_possible": "no", "weight_kg": 21, "hpv": "none"},
        },
        applies={
            "sti_presumptive": False,
            "hpv_vaccine": False,
            "emergency_contraception": False,
            "sti_tests": True,
        },
        warnings={"doxycycline": ["age_under"], "pep_tdf_ftc_dtg": ["age_under"]},
        decisions=not_indicated("hiv_pep", "digital contact only: physician's risk assessment"),
        followups={
            **VISIT,
            "hiv_syphilis_6w": "2026-04-24 21:00",
            "review_3m": "2026-06-11 21:00",
        },
    ),
    Scenario(
        "85 kg: levonorgestrel less effective, ulipristal given",
        [exact("2026-03-13 16:30", "vaginal")],  # 15:30 UTC, 11 h ago
        intake={"medical": {"weight_kg": 85}},
        states={"emergency_contraception": State.OPTIMAL},
        windows={"ec_levonorgestrel": State.OPTIMAL},
        warnings={"levonorgestrel": ["weight_over_kg"], "ulipristal": []},
        warning_text={"levonorgestrel": "Less effective above 70 kg"},
        decisions=[
            *give("pregnancy_test", "2026-03-14 03:10", result="negative"),
            *give("emergency_contraception", "2026-03-14 03:20", method="ulipristal"),
            *give("hiv_pep", "2026-03-14 03:22"),
        ],
        followups={
            **VISIT,
            "call_24h": "2026-03-15 09:00",  # 24 h after the first dose, at the first office hour
            "pregnancy_retest": "2026-04-03 17:30",
            "hiv_syphilis_6w": "2026-04-24 17:30",
            "review_3m": "2026-06-11 17:30",
        },
    ),
    Scenario(
        "breastfeeding: no breastfeeding for a week after ulipristal",
        [exact("2026-03-13 22:30", "vaginal")],  # 21:30 UTC
        intake={"medical": {"breastfeeding": "yes"}},
        warnings={
            "ulipristal": ["breastfeeding"],
            "metronidazole": ["breastfeeding"],
            "pep_tdf_ftc_dtg": ["breastfeeding"],
            "levonorgestrel": [],
        },
        warning_text={"ulipristal": "no breastfeeding for 1 week"},
        decisions=[
            *give("emergency_contraception", "2026-03-14 03:20", method="levonorgestrel"),
            *give("hiv_pep", "2026-03-14 03:22"),
        ],
        followups={
            **VISIT,
            "call_24h": "2026-03-15 09:00",  # 24 h after the first dose, at the first office hour
            "pregnancy_retest": "2026-04-03 23:30",
            "hiv_syphilis_6w": "2026-04-24 23:30",
            "review_3m": "2026-06-11 23:30",
        },
    ),
    Scenario(
        "kidney disease: kidney function before tenofovir",
        [exact("2026-03-14 00:30", "oral")],  # 23:30 UTC on 13 March
        intake={"medical": {"kidney_disease": "yes"}},
        applies={"emergency_contraception": False, "pregnancy_test": True},  # oral only
        warnings={"pep_tdf_ftc_dtg": ["kidney_disease"]},
        warning_text={"pep_tdf_ftc_dtg": "check kidney function before tenofovir"},
        decisions=give("hiv_pep", "2026-03-14 03:20", kidney_function="creatinine requested"),
        followups={
            **VISIT,
            "call_24h": "2026-03-15 09:00",  # 24 h after the first dose, at the first office hour
            "hiv_syphilis_6w": "2026-04-25 01:30",
            "review_3m": "2026-06-12 01:30",
        },
    ),
    Scenario(
        "penicillin allergy: check for a beta-lactam allergy before ceftriaxone",
        [exact("2026-03-13 23:30", "vaginal")],  # 22:30 UTC
        intake={"medical": {"allergies": "Penicillin (hives)"}},
        warnings={"ceftriaxone": ["allergy"], "doxycycline": []},
        warning_text={"ceftriaxone": "penicillin allergy"},
        decisions=give("sti_presumptive", "2026-03-14 03:25", note="no beta-lactam allergy"),
        followups={
            **VISIT,
            "pregnancy_retest": "2026-04-04 00:30",
            "hiv_syphilis_6w": "2026-04-25 00:30",
            "review_3m": "2026-06-12 00:30",
        },
    ),
    Scenario(
        "oro-anal exposure: hepatitis A vaccine",
        [exact("2026-03-13 21:30", "oro_anal")],  # 20:30 UTC
        intake={"person": {"gender": "man"}, "medical": {"pregnancy_possible": "no"}},
        applies={"hav_vaccine": True, "emergency_contraception": False},
        states={"hav_vaccine": State.OPTIMAL},
        decisions=give("hav_vaccine", "2026-03-14 03:20"),
        followups={
            **VISIT,
            "hiv_syphilis_6w": "2026-04-24 22:30",
            "review_3m": "2026-06-11 22:30",
        },
    ),
    Scenario(
        "source known HBsAg-positive 4 h ago: HBIG optimal, vaccine series started",
        [exact("2026-03-13 23:30", "vaginal")],  # 22:30 UTC
        intake={"medical": {"source_hbsag_positive": "yes", "hbv_vaccination": "none"}},
        applies={"hbv_immunoglobulin": True, "hbv_vaccine": True},
        states={"hbv_immunoglobulin": State.OPTIMAL, "hiv_pep": State.OPTIMAL},
        decisions=[
            *give("hbv_immunoglobulin", "2026-03-14 03:20"),
            *give("hbv_vaccine", "2026-03-14 03:25"),
            *give("emergency_contraception", "2026-03-14 03:26", method="levonorgestrel"),
            *give("hiv_pep", "2026-03-14 03:28"),
        ],
        followups={
            **VISIT,
            "call_24h": "2026-03-15 09:00",  # 24 h after the first dose, at the first office hour
            "pregnancy_retest": "2026-04-04 00:30",
            "hiv_syphilis_6w": "2026-04-25 00:30",
            "review_3m": "2026-06-12 00:30",
            "hbv_dose_2": "2026-04-13 04:25",
            "hbv_dose_3": "2026-07-12 04:25",
        },
    ),
    Scenario(
        "strangulation reported: the assessment applies",
        [exact("2026-03-13 22:00", "vaginal")],  # 21:00 UTC
        intake={
            "risks": {"strangulation": "yes", "strangulation_signs": ["petechiae", "voice_change"]}
        },
        applies={"strangulation": True},
        decisions=[
            ("strangulation", {"status": "indicated"}),
            (
                "strangulation",
                {
                    "status": "given",
                    "details": {
                        "imaging": "CT angiography requested",
                        "discharge_warning": "delayed stroke, carotid dissection",
                    },
                },
            ),
        ],
        followups={
            **VISIT,
            "pregnancy_retest": "2026-04-03 23:00",
            "hiv_syphilis_6w": "2026-04-24 23:00",
            "review_3m": "2026-06-11 23:00",
        },
    ),
    Scenario(
        "19 years old, not vaccinated against HPV: vaccinate",
        [exact("2026-03-13 22:00", "vaginal")],
        intake={"person": {"age_years": 19}, "medical": {"hpv": "none"}},
        applies={"hpv_vaccine": True, "strangulation": False},
        decisions=give("hpv_vaccine", "2026-03-14 03:20"),
        followups={
            **VISIT,
            "pregnancy_retest": "2026-04-03 23:00",
            "hiv_syphilis_6w": "2026-04-24 23:00",
            "review_3m": "2026-06-11 23:00",
        },
    ),
    Scenario(
        "30 years old, not vaccinated against HPV: not applicable",
        [exact("2026-03-13 22:00", "vaginal")],
        intake={"person": {"age_years": 30}, "medical": {"hpv": "none"}},
        applies={"hpv_vaccine": False},
        followups={
            **VISIT,
            "pregnancy_retest": "2026-04-03 23:00",
            "hiv_syphilis_6w": "2026-04-24 23:00",
            "review_3m": "2026-06-11 23:00",
        },
    ),
    Scenario(
        "PEP declined at 03:00: a call before 72 h",
        [exact("2026-03-14 01:00", "vaginal")],  # 00:00 UTC; PEP closes 17 March 01:00
        intake={"arrival": {"arrived_at": "2026-03-14 02:40"}},  # 01:40 UTC
        now="2026-03-14 03:00",
        states={"hiv_pep": State.OPTIMAL},
        decisions=[
            ("hiv_pep", {"status": "offered"}),
            (
                "hiv_pep",
                {"status": "declined", "explained": "28-day course, side effects, why before 72 h"},
            ),
            *give("emergency_contraception", "2026-03-14 03:00", method="levonorgestrel"),
        ],
        followups={
            "reoffer_hiv_pep": "2026-03-16 13:00",  # 12 h before 72 h
            "bruise_review": "2026-03-15 02:40",
            "general_review_2w": "2026-03-28 02:40",
            "review_6m": "2026-09-10 03:40",
            "pregnancy_retest": "2026-04-04 02:00",
            "hiv_syphilis_6w": "2026-04-25 02:00",
            "review_3m": "2026-06-12 02:00",
        },
    ),
    Scenario(
        "drug-facilitated assault suspected: hair sample at 4 to 6 weeks",
        [exact("2026-03-13 23:00", "vaginal")],  # 22:00 UTC
        intake={"risks": {"dfsa_suspected": "yes", "sedative_given": "none"}},
        decisions=give("emergency_contraception", "2026-03-14 03:20", method="levonorgestrel"),
        followups={
            **VISIT,
            "dfsa_hair": "2026-04-11 00:00",  # 22:00 UTC + 28 d: midnight
            "pregnancy_retest": "2026-04-04 00:00",
            "hiv_syphilis_6w": "2026-04-25 00:00",
            "review_3m": "2026-06-12 00:00",
        },
    ),
    Scenario(
        "emergency contraception by anatomy, not by recorded gender",
        [exact("2026-03-13 22:00", "vaginal")],
        intake={"person": {"gender": "trans_man"}},
        applies={"emergency_contraception": True, "pregnancy_test": True},
        decisions=give("emergency_contraception", "2026-03-14 03:20", method="ulipristal"),
        followups={
            **VISIT,
            "pregnancy_retest": "2026-04-03 23:00",
            "hiv_syphilis_6w": "2026-04-24 23:00",
            "review_3m": "2026-06-11 23:00",
        },
    ),
    Scenario(
        "repeated assaults by a partner: counted from the last episode",
        [
            exact("2026-03-02 22:00", "vaginal"),
            {
                "time_kind": "range",
                "from": "2026-03-12 21:00",
                "to": "2026-03-12 23:00",
                "acts": ["vaginal"],
            },  # ends 22:00 UTC, 28.5 h ago
            exact("2026-03-09 22:00", "vaginal"),
        ],
        states={"hiv_pep": State.REDUCED, "emergency_contraception": State.OPTIMAL},
        windows={"ec_levonorgestrel": State.REDUCED},
        decisions=[
            *give("hiv_pep", "2026-03-14 03:20"),
            *give("emergency_contraception", "2026-03-14 03:21", method="ulipristal"),
        ],
        followups={
            **VISIT,
            "call_24h": "2026-03-15 09:00",  # 24 h after the first dose, at the first office hour
            "pregnancy_retest": "2026-04-03 00:00",
            "hiv_syphilis_6w": "2026-04-24 00:00",
            "review_3m": "2026-06-11 00:00",
        },
    ),
    Scenario(
        "time of the assault not known: the clinician decides, tests from the arrival",
        [{"time_kind": "unknown", "acts": ["vaginal"]}],
        states={"hiv_pep": State.UNKNOWN, "emergency_contraception": State.UNKNOWN},
        decisions=give("hiv_pep", "2026-03-14 03:20"),
        followups={
            **VISIT,
            "call_24h": "2026-03-15 09:00",  # 24 h after the first dose, at the first office hour
            "pregnancy_retest": "2026-04-04 04:00",
            "hiv_syphilis_6w": "2026-04-25 04:00",
            "review_3m": "2026-06-12 04:00",
        },
    ),
    Scenario(
        "a known episode and one of unknown time: tests from the arrival, not too early",
        [exact("2026-03-12 22:00", "vaginal"), {"time_kind": "unknown", "acts": ["vaginal"]}],
        states={"hiv_pep": State.UNKNOWN},  # 29.5 h from the known one: not optimal
        decisions=give("hiv_pep", "2026-03-14 03:20"),
        followups={
            **VISIT,
            "call_24h": "2026-03-15 09:00",  # 24 h after the first dose, at the first office hour
            "pregnancy_retest": "2026-04-04 04:00",
            "hiv_syphilis_6w": "2026-04-25 04:00",
            "review_3m": "2026-06-12 04:00",
        },
    ),
]


def _intake(scenario: Scenario) -> dict[str, dict[str, Any]]:
    sections = {name: dict(values) for name, values in BASE.items()}
    for name, values in scenario.intake.items():
        sections.setdefault(name, {}).update(values)
    sections["assault"] = {"episodes": [dict(e) for e in scenario.episodes]}
    return sections


def run(session: Session, clock: FixedClock, scenario: Scenario) -> str:
    """The driver: intake, checks, decisions, the rest settled; returns the case id."""
    clock.current = utc(scenario.now)
    case_id, _number = session.record.create_case()
    for section, values in _intake(scenario).items():
        session.record.record_fields(case_id, section, values)
    service = session.checklist
    state = session.record.open_case(case_id)
    case_clock, _protocol, _exact = session.record.clock_of(state)
    rows = {row.item.id: row for row in service.rows(state, case_clock)}
    for item_id, applies in scenario.applies.items():
        assert rows[item_id].applies is applies, item_id
    for item_id, expected in scenario.states.items():
        row_clock = rows[item_id].clock
        assert row_clock is not None and row_clock.state is expected, item_id
    windows = {c.window.id: c.state for c in case_clock.items}
    for window_id, expected in scenario.windows.items():
        assert windows[window_id] is expected, window_id
    for drug, kinds in scenario.warnings.items():
        assert [w.when for w in service.warnings(state, drug)] == list(kinds), drug
    for drug, words in scenario.warning_text.items():
        assert any(words in w.message("en") for w in service.warnings(state, drug)), drug
    for item_id, status in scenario.refused:
        with pytest.raises(Refused):
            service.set_item(case_id, item_id, {"status": status, "reason": "r"})
    for item_id, payload in scenario.decisions:
        service.set_item(case_id, item_id, payload)
    # What the scenario did not decide is settled now; the plan waits for the last one.
    state = session.record.reread(case_id)
    todo = [row.item.id for row in service.rows(state, case_clock) if not row.settled]
    assert todo, "the scenario left nothing for the driver to complete"
    for item_id in todo:
        assert not service.is_complete(state)
        assert all(f.startswith("reoffer_") for f in state.followups)
        service.set_item(case_id, item_id, SETTLE.get(item_id, DEFAULT_SETTLE))
        state = session.record.reread(case_id)
    assert service.is_complete(state)
    # The decisions are what the record now says, each with its text.
    last = dict(scenario.decisions)
    for item_id, payload in last.items():
        record = state.checklist[item_id]
        assert record.status == Status(payload["status"]), item_id
        assert record.reason == payload.get("reason", "") and record.author == "nurse-1"
        assert record.explained == payload.get("explained", "")
        assert record.at_local == payload.get("at_local", "")
    # The medical plan (the case-management calls are tests/test_aftercare.py's; a call
    # a scenario names, such as the PEP call, is checked here too).
    planned = {
        f.id: wall(f.due_utc)
        for f in state.followups.values()
        if f.status is FollowUpStatus.PLANNED and (f.kind == "visit" or f.id in scenario.followups)
    }
    assert planned == dict(scenario.followups)
    return case_id


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(session: Session, clock: FixedClock, scenario: Scenario) -> None:
    run(session, clock, scenario)


def test_there_are_at_least_fifteen_scenarios_with_distinct_names() -> None:
    assert len(SCENARIOS) >= 15
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)


# -- scenarios with steps ---------------------------------------------------------------------
def _case(session: Session, *episodes: Mapping[str, Any], **sections: Any) -> str:
    case_id, _ = session.record.create_case()
    for section, values in {**BASE, **sections}.items():
        session.record.record_fields(case_id, section, values)
    session.record.record_fields(case_id, "assault", {"episodes": list(episodes)})
    return case_id


def test_pep_at_80_hours_is_documented_as_not_indicated_with_the_reason(
    session: Session, clock: FixedClock
) -> None:
    case_id = _case(session, exact("2026-03-10 19:30", "vaginal"))
    service = session.checklist
    with pytest.raises(Refused) as refused:
        service.set_item(case_id, "hiv_pep", {"status": "offered"})
    assert "closed" in refused.value.message
    with pytest.raises(Refused):  # the reason is needed
        service.set_item(case_id, "hiv_pep", {"status": "not_indicated", "reason": " "})
    service.set_item(
        case_id, "hiv_pep", {"status": "not_indicated", "reason": "80 h: not started after 72 h"}
    )
    state = session.record.open_case(case_id)
    record = state.checklist["hiv_pep"]
    assert record.status is Status.NOT_INDICATED
    assert record.reason == "80 h: not started after 72 h"
    assert record.role == "forensic_nurse" and record.recorded_utc == clock.current
    assert "reoffer_hiv_pep" not in state.followups  # nothing left to re-offer
    # emergency contraception declined now is re-offered before ulipristal and the IUD
    # close at 120 h (15 March 18:30 UTC): 12 h earlier, 06:30 UTC
    service.set_item(case_id, "emergency_contraception", {"status": "offered"})
    service.set_item(
        case_id, "emergency_contraception", {"status": "declined", "explained": "options"}
    )
    call = session.record.reread(case_id).followups["reoffer_emergency_contraception"]
    assert call.until_utc is not None
    assert (wall(call.due_utc), wall(call.until_utc)) == ("2026-03-15 07:30", "2026-03-15 19:30")


def test_pep_given_in_time_and_written_down_after_72_hours(
    session: Session, clock: FixedClock
) -> None:
    """Assault at 19:30 on 10 March (18:30 UTC); it is now 80 h later. PEP started at
    17:30 on 13 March (70 h) and only written down now is accepted; one written as
    started at 01:00 on 14 March (77.5 h) is refused: PEP is not started after 72 h."""
    case_id = _case(session, exact("2026-03-10 19:30", "vaginal"))
    service = session.checklist
    with pytest.raises(Refused) as refused:
        service.set_item(case_id, "hiv_pep", {"status": "given", "at_local": "2026-03-14 01:00"})
    assert "closed" in refused.value.message
    with pytest.raises(Refused):  # a time that cannot be read
        service.set_item(case_id, "hiv_pep", {"status": "given", "at_local": "13/03 17:30"})
    service.set_item(case_id, "hiv_pep", {"status": "given", "at_local": "2026-03-13 17:30"})
    state = session.record.open_case(case_id)
    assert state.checklist["hiv_pep"].status is Status.GIVEN
    assert state.checklist["hiv_pep"].at_local == "2026-03-13 17:30"
    # a time before the assault is no PEP for it: judged now, and refused
    other = _case(session, exact("2026-03-10 19:30", "vaginal"))
    with pytest.raises(Refused):
        service.set_item(other, "hiv_pep", {"status": "given", "at_local": "2026-03-04 17:30"})


def test_pep_declined_at_3_is_called_back_before_72_hours(
    session: Session, clock: FixedClock
) -> None:
    clock.current = utc("2026-03-14 03:00")
    case_id = _case(session, exact("2026-03-14 01:00", "vaginal"))
    service = session.checklist
    service.set_item(case_id, "hiv_pep", {"status": "offered"})
    with pytest.raises(Refused):  # what was explained is recorded with a refusal
        service.set_item(case_id, "hiv_pep", {"status": "declined"})
    service.set_item(case_id, "hiv_pep", {"status": "declined", "explained": "PEP explained"})
    call = session.record.open_case(case_id).followups["reoffer_hiv_pep"]
    assert call.status is FollowUpStatus.PLANNED
    assert (wall(call.due_utc), call.until_utc) == ("2026-03-16 13:00", utc("2026-03-17 01:00"))
    # on the morning of 16 March it is on the round, due today
    morning = session.checklist.due(utc("2026-03-16 08:00"))
    assert [r.id for r in morning["today"]] == ["reoffer_hiv_pep"]
    # the nurse moves it to the hours the person can safely be called...
    service.update_followup(case_id, "reoffer_hiv_pep", "planned", "2026-03-16 10:00", "safe hours")
    # ...and an amendment of the decline (more of what was explained) keeps it there
    service.set_item(
        case_id, "hiv_pep", {"status": "declined", "explained": "PEP explained; leaflet given"}
    )
    call = session.record.open_case(case_id).followups["reoffer_hiv_pep"]
    assert (wall(call.due_utc), call.note) == ("2026-03-16 10:00", "safe hours")
    # the person comes back and accepts: PEP given before the deadline
    clock.current = utc("2026-03-16 10:05")
    service.set_item(case_id, "hiv_pep", {"status": "accepted"})
    service.set_item(case_id, "hiv_pep", {"status": "given", "at_local": "2026-03-16 10:04"})
    service.update_followup(case_id, "reoffer_hiv_pep", "done", note="came back, PEP started")
    state = session.record.open_case(case_id)
    assert state.followups["reoffer_hiv_pep"].status is FollowUpStatus.DONE
    with pytest.raises(Refused):  # done is final
        service.update_followup(case_id, "reoffer_hiv_pep", "planned")


def test_the_plan_is_made_when_the_checklist_completes_and_grows_with_later_doses(
    session: Session, clock: FixedClock
) -> None:
    case_id = _case(
        session,
        exact("2026-03-13 22:00", "vaginal"),
        medical={**BASE["medical"], "hbv_vaccination": "none"},
    )
    service = session.checklist
    state = session.record.open_case(case_id)
    rows = service.rows(state, session.record.clock_of(state)[0])
    open_items = [r.item.id for r in rows if not r.settled]
    assert "hbv_vaccine" in open_items and "strangulation" not in open_items
    service.set_item(case_id, "hbv_vaccine", {"status": "offered"})
    service.set_item(case_id, "hbv_vaccine", {"status": "declined", "explained": "series"})
    for item_id in open_items:
        if item_id != "hbv_vaccine":
            assert session.record.reread(case_id).followups == {}
            service.set_item(case_id, item_id, SETTLE.get(item_id, DEFAULT_SETTLE))
    state = session.record.reread(case_id)
    assert service.is_complete(state)
    assert "review_3m" in state.followups and "hbv_dose_2" not in state.followups
    # the nurse moves the 2-week review; the plan never moves it back
    service.update_followup(case_id, "general_review_2w", "planned", "2026-03-30 14:00")
    # the next day the person accepts the vaccine after all
    clock.current = utc("2026-03-15 10:00")
    service.set_item(case_id, "hbv_vaccine", {"status": "offered"})
    service.set_item(case_id, "hbv_vaccine", {"status": "accepted"})
    service.set_item(case_id, "hbv_vaccine", {"status": "given", "at_local": "2026-03-15 10:05"})
    state = session.record.reread(case_id)
    assert wall(state.followups["hbv_dose_2"].due_utc) == "2026-04-14 11:05"  # +30 d, summer
    assert wall(state.followups["hbv_dose_3"].due_utc) == "2026-07-13 11:05"
    assert wall(state.followups["general_review_2w"].due_utc) == "2026-03-30 14:00"


def test_an_amendment_after_sign_off_needs_a_reason_and_keeps_both_versions(
    session: Session, clock: FixedClock
) -> None:
    clock.current = utc("2026-03-13 23:30")  # 1.5 h after the assault
    case_id = _case(
        session, exact("2026-03-13 22:00", "vaginal"), arrival={"arrived_at": "2026-03-13 23:00"}
    )
    service = session.checklist
    for item_id, payload in give("hiv_pep", "2026-03-13 23:20", batch="LOT-1"):
        service.set_item(case_id, item_id, payload)
    physician = Session(session.vault, Actor("physician-1", Role.PHYSICIAN), clock, [])
    physician.checklist.sign_off(case_id)
    signed = session.record.open_case(case_id).signed_off
    assert signed is not None and signed.role == "physician"
    # three days later (PEP's window has closed) the batch number is corrected
    clock.current = utc("2026-03-17 09:00")
    corrected = {"status": "given", "at_local": "2026-03-13 23:20", "details": {"batch": "LOT-2"}}
    with pytest.raises(Refused) as refused:
        service.set_item(case_id, "hiv_pep", corrected)
    assert "amendment" in refused.value.message
    amendment = service.set_item(
        case_id, "hiv_pep", {**corrected, "amendment_reason": "batch number misread"}
    )
    state = session.record.open_case(case_id)
    versions = [r for r in state.checklist_history if r.item == "hiv_pep"]
    assert [r.status for r in versions] == [
        Status.OFFERED,
        Status.ACCEPTED,
        Status.GIVEN,
        Status.GIVEN,
    ]
    first, latest = versions[-2], versions[-1]
    assert first.details == {"batch": "LOT-1"} and first.amendment_reason == ""
    assert latest.details == {"batch": "LOT-2"}
    assert latest.amendment_reason == "batch number misread"
    assert state.checklist["hiv_pep"].entry_id == amendment != first.entry_id
    # a new step (not a correction) after sign-off is an amendment too
    with pytest.raises(Refused):
        service.set_item(case_id, "wound_care", {"status": "not_indicated", "reason": "none"})


def test_medications_are_recorded_with_their_warnings(session: Session, clock: FixedClock) -> None:
    case_id = _case(
        session,
        exact("2026-03-13 22:00", "vaginal"),
        medical={**BASE["medical"], "breastfeeding": "yes", "weight_kg": 82},
    )
    service = session.checklist
    ulipristal = {
        "drug": "ulipristal",
        "name": "Ulipristal acetate 30 mg",
        "dose": "30 mg",
        "route": "oral",
        "at_local": "2026-03-14 03:20",
        "batch": "U-123",
        "prescriber": "physician-1",
        "given_by": "nurse-1",
        "item": "emergency_contraception",
    }
    warnings = service.record_medication(case_id, ulipristal)
    assert [w.when for w in warnings] == ["breastfeeding"]
    levonorgestrel = {**ulipristal, "drug": "levonorgestrel", "name": "Levonorgestrel 1.5 mg"}
    warnings = service.record_medication(case_id, {**levonorgestrel, "dose": "3 mg"})
    assert [w.when for w in warnings] == ["weight_over_kg"]
    free = {**ulipristal, "drug": "", "name": "Paracetamol", "dose": "1 g"}
    assert service.record_medication(case_id, free) == []  # free entry, no notes
    with pytest.raises(Refused):
        service.record_medication(case_id, {**ulipristal, "dose": ""})
    with pytest.raises(Refused):
        service.record_medication(case_id, {**ulipristal, "at_local": "2026-03-29 02:30"})
    given = session.record.open_case(case_id).medications
    assert [(m.name, m.dose, m.batch) for m in given] == [
        ("Ulipristal acetate 30 mg", "30 mg", "U-123"),
        ("Levonorgestrel 1.5 mg", "3 mg", "U-123"),
        ("Paracetamol", "1 g", "U-123"),
    ]


def test_the_morning_round_sorts_overdue_today_and_this_week(
    session: Session, clock: FixedClock
) -> None:
    """Two completed cases; the round is read on later mornings (an injected now)."""
    first = run(session, clock, SCENARIOS[0])  # 80 h case: visit steps from 14 March 03:00
    second = run(session, clock, SCENARIOS[13])  # PEP declined: call 16 March 13:00
    service = session.checklist

    def ids(now: str) -> dict[str, list[tuple[str, str]]]:
        found = service.due(utc(now), kinds=("visit",))  # calls: tests/test_aftercare.py
        return {k: [(r.case_id, r.id) for r in v] for k, v in found.items()}

    round_15 = ids("2026-03-15 08:00")
    assert round_15 == {
        "overdue": [],
        "today": [(second, "bruise_review"), (first, "bruise_review")],  # 02:40, 03:00
        "week": [(second, "reoffer_hiv_pep")],  # 16 March 13:00; reviews on the 28th: later
    }
    round_16 = ids("2026-03-16 00:30")
    # the bruise reviews are late but their window (24-72 h) is still open: today, not
    # overdue; overdue is a window that closed before today
    assert round_16["overdue"] == []
    assert round_16["today"] == [
        (second, "bruise_review"),
        (first, "bruise_review"),
        (second, "reoffer_hiv_pep"),
    ]
    # done steps leave the round; a moved one moves with it
    service.update_followup(first, "bruise_review", "done")
    service.update_followup(second, "bruise_review", "planned", "2026-03-21 11:00")
    round_16 = ids("2026-03-16 00:30")
    assert round_16 == {
        "overdue": [],
        "today": [(second, "reoffer_hiv_pep")],
        "week": [(second, "bruise_review")],
    }
    # a week later: the two-week reviews (28 March) are this week; the call is overdue
    round_22 = ids("2026-03-22 09:00")
    # overdue, the most recently closed first: the moved review (21 March), then the call
    assert round_22["overdue"] == [(second, "bruise_review"), (second, "reoffer_hiv_pep")]
    assert round_22["today"] == []
    assert round_22["week"] == [(second, "general_review_2w"), (first, "general_review_2w")]


def test_a_booster_for_an_unknown_response_is_not_a_new_series(
    session: Session, clock: FixedClock
) -> None:
    """DOMAIN.md: "vaccinated with unknown response: booster"; the further doses at 1-2
    and 4-6 months belong to a series started for an unvaccinated person."""
    case_id = _case(
        session,
        exact("2026-03-13 22:00", "vaginal"),
        medical={**BASE["medical"], "hbv_vaccination": "vaccinated_unknown_response"},
    )
    service = session.checklist
    for item_id, payload in give("hbv_vaccine", "2026-03-14 03:20", dose="booster"):
        service.set_item(case_id, item_id, payload)
    service.plan_followups(case_id)
    state = session.record.open_case(case_id)
    assert "review_6m" in state.followups  # the plan was made
    assert "hbv_dose_2" not in state.followups and "hbv_dose_3" not in state.followups


# -- permissions ------------------------------------------------------------------------------
def _as(session: Session, role: Role) -> Session:
    return Session(session.vault, Actor(f"{role.value}-x", role), session.trail.clock, [])


def _completed(session: Session, clock: FixedClock) -> str:
    return run(session, clock, SCENARIOS[13])  # with a re-offer call and a full plan


def test_a_police_inspector_cannot_read_or_change_the_checklist(
    session: Session, clock: FixedClock
) -> None:
    case_id = _completed(session, clock)
    state = session.record.open_case(case_id)
    case_clock = session.record.clock_of(state)[0]
    police = _as(session, Role.POLICE_INSPECTOR)
    service = ChecklistService(police.record)
    with pytest.raises(Forbidden):
        police.record.open_case(case_id)
    with pytest.raises(Forbidden):
        service.rows(state, case_clock)
    with pytest.raises(Forbidden):
        service.due(clock.current)
    with pytest.raises(Forbidden):
        service.set_item(case_id, "wound_care", {"status": "given"})
    with pytest.raises(Forbidden):
        service.update_followup(case_id, "review_6m", "cancelled")
    assert session.record.reread(case_id).followups["review_6m"].status is FollowUpStatus.PLANNED


def test_a_psychologist_reads_the_checklist_but_cannot_change_it(
    session: Session, clock: FixedClock
) -> None:
    case_id = _completed(session, clock)
    psy = _as(session, Role.PSYCHOLOGIST)
    state = psy.record.open_case(case_id)
    rows = psy.checklist.rows(state, psy.record.clock_of(state)[0])
    assert {r.item.id: r.status for r in rows}["hiv_pep"] is Status.DECLINED
    assert psy.checklist.is_complete(state)
    assert "reoffer_hiv_pep" in {r.id for r in psy.checklist.due(utc("2026-03-16 08:00"))["today"]}
    calls = [
        lambda: psy.checklist.set_item(case_id, "hiv_pep", {"status": "offered"}),
        lambda: psy.checklist.sign_off(case_id),
        lambda: psy.checklist.plan_followups(case_id),
        lambda: psy.checklist.update_followup(case_id, "review_6m", "done"),
        lambda: psy.checklist.record_medication(
            case_id,
            {
                "name": "x",
                "dose": "1",
                "route": "oral",
                "at_local": "2026-03-14 03:00",
                "given_by": "psy",
            },
        ),
    ]
    before = session.record.reread(case_id).entry_count
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    assert session.record.reread(case_id).entry_count == before


def test_a_coordinator_reads_but_cannot_write(session: Session, clock: FixedClock) -> None:
    case_id = _completed(session, clock)
    coordinator = _as(session, Role.COORDINATOR)
    state = coordinator.record.open_case(case_id)
    rows = coordinator.checklist.rows(state, coordinator.record.clock_of(state)[0])
    assert len(rows) == 13 and all(r.settled for r in rows)
    assert coordinator.checklist.due(utc("2026-03-15 08:00"))["today"]
    with pytest.raises(Forbidden):
        coordinator.checklist.set_item(case_id, "hiv_pep", {"status": "offered"})
    with pytest.raises(Forbidden):
        coordinator.checklist.update_followup(case_id, "review_6m", "cancelled")
    with pytest.raises(Forbidden):
        coordinator.checklist.sign_off(case_id)


def test_a_physician_signs_off_and_writes(session: Session, clock: FixedClock) -> None:
    case_id = _case(session, exact("2026-03-13 22:00", "vaginal"))
    physician = _as(session, Role.PHYSICIAN)
    physician.checklist.set_item(
        case_id, "strangulation", {"status": "not_applicable", "reason": "not reported"}
    )
    physician.checklist.sign_off(case_id)
    state = session.record.open_case(case_id)
    assert state.checklist["strangulation"].role == "physician"
    assert state.signed_off is not None and state.signed_off.author == "physician-x"
    assert state.signed_off.at_utc == datetime(2026, 3, 14, 2, 30, tzinfo=UTC)


def test_a_reoffer_call_is_closed_when_the_item_is_accepted_after_all(
    session: Session, clock: FixedClock
) -> None:
    case_id = _case(session, exact("2026-03-14 01:00", "vaginal"))
    service = session.checklist
    service.set_item(case_id, "hiv_pep", {"status": "offered"})
    service.set_item(case_id, "hiv_pep", {"status": "declined", "explained": "Thinking."})
    assert session.record.open_case(case_id).followups["reoffer_hiv_pep"].status.value == (
        "planned"
    )
    service.set_item(case_id, "hiv_pep", {"status": "accepted"})
    call = session.record.open_case(case_id).followups["reoffer_hiv_pep"]
    assert call.status.value == "done"


def test_times_still_to_come_and_late_medications_are_refused(
    session: Session, clock: FixedClock
) -> None:
    case_id = _case(session, exact("2026-03-14 01:00", "vaginal"))
    service = session.checklist
    with pytest.raises(Refused):
        service.set_item(case_id, "sti_tests", {"status": "given", "at_local": "2026-03-14 09:00"})
    medication = {
        "name": "Azithromycin",
        "dose": "1 g",
        "route": "oral",
        "at_local": "2026-03-14 03:20",
        "given_by": "Synthetic Nurse",
    }
    with pytest.raises(Refused):
        service.record_medication(case_id, {**medication, "at_local": "2026-03-15 03:20"})
    service.sign_off(case_id)
    with pytest.raises(Refused):
        service.record_medication(case_id, medication)  # signed off: a reason is needed
    service.record_medication(case_id, {**medication, "amendment_reason": "Written late."})
    assert [m.name for m in session.record.open_case(case_id).medications] == ["Azithromycin"]


def test_a_rebuild_of_the_projections_gives_the_same_morning_round(
    session: Session, clock: FixedClock
) -> None:
    from sac_desktop.storage import projections

    case_id = _case(session, exact("2026-03-14 01:00", "vaginal"))
    service = session.checklist
    service.plan_followups(case_id)
    service.update_followup(case_id, "bruise_review", "done")
    service.update_followup(case_id, "general_review_2w", "planned", "2026-03-20 10:00")
    before = projections.planned_followups(session.vault.conn, "2099-01-01", 100)
    assert before and all(r.id != "bruise_review" for r in before)
    coordinator = _as(session, Role.COORDINATOR)
    coordinator.record.rebuild_projections()
    assert projections.planned_followups(session.vault.conn, "2099-01-01", 100) == before


# -- review fixes -------------------------------------------------------------------------
def test_a_later_episode_moves_the_plan_but_not_a_moved_appointment(
    session: Session, clock: FixedClock
) -> None:
    case_id = _case(session, exact("2026-03-01 22:00", "vaginal"))
    service = session.checklist
    service.plan_followups(case_id)
    before = session.record.open_case(case_id).followups
    service.update_followup(case_id, "review_3m", "planned", "2026-06-05 10:00")  # moved
    session.record.record_fields(
        case_id,
        "assault",
        {"episodes": [exact("2026-03-01 22:00", "vaginal"), exact("2026-03-13 22:00", "oral")]},
    )
    after = session.record.open_case(case_id).followups
    # the HIV and syphilis tests count from the later episode now: 12 days later
    assert after["hiv_syphilis_6w"].due_utc - before["hiv_syphilis_6w"].due_utc == timedelta(
        days=12
    )
    assert wall(after["review_3m"].due_utc) == "2026-06-05 10:00"  # a person moved it
    assert after["bruise_review"].due_utc == before["bruise_review"].due_utc  # the visit


def test_the_chosen_method_holds_its_own_hard_limit(session: Session, clock: FixedClock) -> None:
    case_id = _case(session, exact("2026-03-10 22:30", "vaginal"))  # 80 h ago
    service = session.checklist
    service.set_item(case_id, "emergency_contraception", {"status": "offered"})
    with pytest.raises(Refused):
        service.set_item(
            case_id,
            "emergency_contraception",
            {"status": "given", "details": {"method": "levonorgestrel"}},
        )
    service.set_item(
        case_id,
        "emergency_contraception",
        {"status": "given", "at_local": "2026-03-14 03:25", "details": {"method": "ulipristal"}},
    )
    with pytest.raises(Refused):  # PEP at 80 h: not as a medication either
        service.record_medication(
            case_id,
            {
                "drug": "pep_tdf_ftc_dtg",
                "item": "hiv_pep",
                "name": "PEP",
                "dose": "1",
                "route": "oral",
                "at_local": "2026-03-14 03:25",
                "given_by": "Synthetic Nurse",
            },
        )


def test_a_declined_pep_with_an_unknown_time_still_gets_its_call(
    session: Session, clock: FixedClock
) -> None:
    case_id = _case(session, {"time_kind": "unknown", "acts": ["vaginal"]})
    session.record.record_fields(case_id, "arrival", {"arrived_at": "2026-03-14 03:00"})
    service = session.checklist
    service.set_item(case_id, "hiv_pep", {"status": "offered"})
    service.set_item(case_id, "hiv_pep", {"status": "declined", "explained": "Unsure."})
    call = session.record.open_case(case_id).followups["reoffer_hiv_pep"]
    assert call.until_utc is not None
    assert wall(call.until_utc) == "2026-03-17 03:00"  # 72 h from the arrival


def test_sign_off_records_what_was_still_open_and_happens_once(
    session: Session, clock: FixedClock
) -> None:
    case_id = _case(session, exact("2026-03-14 01:00", "vaginal"))
    service = session.checklist
    service.sign_off(case_id)
    signed = session.record.open_case(case_id).signed_off
    assert signed is not None and "hiv_pep" in signed.open_items
    with pytest.raises(Refused):
        service.sign_off(case_id)


def test_a_given_entered_in_error_is_corrected_and_its_follow_ups_cancelled(
    session: Session, clock: FixedClock
) -> None:
    case_id = _case(session, exact("2026-03-14 01:00", "vaginal"))
    service = session.checklist
    for item_id, payload in give("hiv_pep", "2026-03-14 03:20"):
        service.set_item(case_id, item_id, payload)
    service.plan_followups(case_id)
    assert session.record.open_case(case_id).followups["call_24h"].status.value == "planned"
    with pytest.raises(Refused):
        service.set_item(case_id, "hiv_pep", {"status": "not_indicated", "reason": "x"})
    service.set_item(
        case_id,
        "hiv_pep",
        {"status": "not_indicated", "reason": "not given", "amendment_reason": "wrong item"},
    )
    state = session.record.open_case(case_id)
    assert state.checklist["hiv_pep"].status is Status.NOT_INDICATED
    assert state.followups["call_24h"].status.value == "cancelled"


def test_a_medication_entered_in_error_is_voided_with_its_reason(
    session: Session, clock: FixedClock
) -> None:
    case_id = _case(session, exact("2026-03-14 01:00", "vaginal"))
    service = session.checklist
    service.record_medication(
        case_id,
        {
            "name": "Azithromycin",
            "dose": "5000 mg",
            "route": "oral",
            "at_local": "2026-03-14 03:20",
            "given_by": "Synthetic Nurse",
        },
    )
    wrong = session.record.open_case(case_id).medications[0].entry_id
    with pytest.raises(Refused):
        service.void_medication(case_id, wrong, "  ")
    service.void_medication(case_id, wrong, "entered in error: the dose was 1 g")
    assert session.record.open_case(case_id).medications == []
    kept = session.vault.conn.execute(
        "SELECT count(*) FROM entries WHERE kind = 'medication.given'"
    ).fetchone()[0]
    assert kept == 2  # the first entry and its voiding: nothing is erased
