"""The medical checklist's rules (``domain.checklist``), with the shipped protocol.

Hand-computed from DOMAIN.md (the clinical table, "Intake details that change care", "The
clock"). Brussels is UTC+1 until 2026-03-29 02:00 and UTC+2 from then until 2026-10-25
03:00; every due time below is given both as the instant and as the wall clock it shows.

Windows used (hours after the exposure): PEP optimal <= 24, reduced <= 72, then closed
(a hard stop); levonorgestrel the same; ulipristal and copper IUD optimal <= 120, closed;
hepatitis B vaccine: no closing time; HBIG optimal <= 24, reduced <= 336, then outside
guidance; hepatitis A optimal <= 336, outside. Follow-up steps (days): bruises and PEP
call visit +1, general review visit +14, pregnancy retest last exposure +21, DFSA hair
last exposure +28, HIV/syphilis last exposure +42, review last exposure +90, review visit
+180, hepatitis B doses first dose +30 and +120.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sac_desktop.domain import checklist as ck
from sac_desktop.domain.checklist import (
    ACTIVE,
    REASON_NEEDED,
    SETTLED,
    TRANSITIONS,
    Facts,
    FollowUpRecord,
    FollowUpStatus,
    ItemRecord,
    Refused,
    Status,
    TetanusAdvice,
)
from sac_desktop.domain.deadlines import CaseClock, Exposure, evaluate
from sac_desktop.domain.intake import exposures
from sac_desktop.domain.localtime import format_local, parse_local_datetime, resolve_local
from sac_desktop.domain.protocol import Drug, DrugWarning, State, parse_protocol
from sac_desktop.resources import resource

PROTOCOL = parse_protocol(resource("protocols", "sac-be-2026.1.toml").read_text("utf-8"))
ZONE = "Europe/Brussels"
NOW = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)  # 03:30 in Brussels
H = timedelta(hours=1)
D = timedelta(days=1)

#: Every condition true: each window and step applies.
ALL_TRUE: Mapping[str, bool | None] = {
    "pregnancy_possible": True,
    "vaginal_exposure": True,
    "oral_exposure": True,
    "anal_exposure": True,
    "penile_exposure": True,
    "skin_exposure": True,
    "source_hbsag_positive": True,
    "hepatitis_a_indicated": True,
    "dfsa_suspected": True,
    "hbv_not_immune": True,
    "hbv_series_needed": True,
    "not_prepubertal": True,
    "hpv_eligible": True,
    "strangulation_reported": True,
}
#: The full text each status needs, so a transition test fails only on the table.
FULL_PAYLOAD = {"reason": "synthetic reason", "explained": "risks and benefits explained"}


def utc(local_text: str) -> datetime:
    """A Brussels wall-clock time as its (later) instant."""
    return resolve_local(parse_local_datetime(local_text), ZONE).latest_utc


def wall(moment: datetime) -> str:
    return format_local(moment, ZONE)


def parse_local(text: str) -> datetime | None:
    return utc(text)


def item(item_id: str) -> Any:
    return PROTOCOL.item(item_id)


def rec(item_id: str, status: Status, **kw: Any) -> ItemRecord:
    return ItemRecord(item=item_id, status=status, entry_id=f"e-{item_id}", **kw)


def clock_at(
    latest: datetime | None,
    earliest: datetime | None = None,
    now: datetime = NOW,
    conditions: Mapping[str, bool | None] = ALL_TRUE,
    unknown_episodes: int = 0,
) -> CaseClock:
    found = []
    if latest is not None:
        found.append(Exposure(earliest or latest, latest))
    found += [Exposure.unknown()] * unknown_episodes
    return evaluate(PROTOCOL, found, conditions, now)


def item_clock(item_id: str, hours_ago: float | None, now: datetime = NOW) -> Any:
    latest = None if hours_ago is None else now - hours_ago * H
    return ck.item_state(
        item(item_id), clock_at(latest, now=now, unknown_episodes=int(latest is None))
    )


# -- status transitions ----------------------------------------------------------------
PAIRS = list(itertools.product(list(Status), repeat=2))


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{o.value}->{n.value}" for o, n in PAIRS])
def test_each_status_pair_is_accepted_exactly_when_the_table_allows_it(
    old: Status, new: Status
) -> None:
    """The table is the rule: every pair, with every text a status needs supplied, is
    accepted if it stays or is listed in TRANSITIONS, refused otherwise."""
    wound = item("wound_care")  # no window: only the table and the texts decide
    current = None if old is Status.NOT_ASSESSED else rec("wound_care", old)
    allowed = new == old or new in TRANSITIONS[old]
    payload = {"status": new.value, **FULL_PAYLOAD}
    if allowed:
        ck.check_change(wound, current, new, payload, None, signed_off=False)
    else:
        with pytest.raises(Refused) as refused:
            ck.check_change(wound, current, new, payload, None, signed_off=False)
        assert refused.value.params == {
            "old": ck.STATUS_LABELS[old],
            "new": ck.STATUS_LABELS[new],
        }


def test_the_table_covers_every_status_and_never_leads_back_to_not_assessed() -> None:
    assert set(TRANSITIONS) == set(Status)
    assert all(Status.NOT_ASSESSED not in targets for targets in TRANSITIONS.values())
    reachable = {Status.NOT_ASSESSED}
    frontier = [Status.NOT_ASSESSED]
    while frontier:
        for target in TRANSITIONS[frontier.pop()] - reachable:
            reachable.add(target)
            frontier.append(target)
    assert reachable == set(Status)  # every status can be reached from the start
    assert set(ck.STATUS_LABELS) == set(Status)


#: Clinically meaningful moves, written by hand (not read from the table).
CLINICAL = [
    # "given" is final: a medicine given cannot be un-given, declined or re-decided
    (Status.GIVEN, Status.DECLINED, False),
    (Status.GIVEN, Status.NOT_INDICATED, False),
    (Status.GIVEN, Status.OFFERED, False),
    (Status.GIVEN, Status.NOT_APPLICABLE, False),
    (Status.GIVEN, Status.GIVEN, True),  # adding details (the batch) to what was given
    # a declined treatment can be offered again (and then accepted): the re-offer
    (Status.DECLINED, Status.OFFERED, True),
    (Status.DECLINED, Status.ACCEPTED, True),
    # something is declined only after it was offered (or accepted, then refused)
    (Status.NOT_ASSESSED, Status.DECLINED, False),
    (Status.OFFERED, Status.DECLINED, True),
    (Status.ACCEPTED, Status.DECLINED, True),
    # given straight away (an emergency), or after being offered and accepted
    (Status.NOT_ASSESSED, Status.GIVEN, True),
    (Status.ACCEPTED, Status.GIVEN, True),
    # a physician who reconsiders can indicate what was first ruled out
    (Status.NOT_INDICATED, Status.OFFERED, True),
    (Status.NOT_APPLICABLE, Status.INDICATED, True),
    # nothing goes back to "not yet assessed"
    (Status.DECLINED, Status.NOT_ASSESSED, False),
    (Status.INDICATED, Status.NOT_ASSESSED, False),
]


@pytest.mark.parametrize(("old", "new", "ok"), CLINICAL)
def test_clinically_meaningful_moves(old: Status, new: Status, ok: bool) -> None:
    pep = item("hiv_pep")
    clock = item_clock("hiv_pep", 2)  # optimal: the clock does not stand in the way
    assert clock is not None and clock.state is State.OPTIMAL
    payload = {"status": new.value, **FULL_PAYLOAD}
    current = rec("hiv_pep", old)
    if ok:
        ck.check_change(pep, current, new, payload, clock, signed_off=False)
    else:
        with pytest.raises(Refused):
            ck.check_change(pep, current, new, payload, clock, signed_off=False)


# -- the texts each status needs -------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "needed", "wrong"),
    [
        (Status.OFFERED, Status.DECLINED, "explained", "reason"),
        (Status.NOT_ASSESSED, Status.NOT_INDICATED, "reason", "explained"),
        (Status.NOT_ASSESSED, Status.NOT_APPLICABLE, "reason", "explained"),
        (Status.DECLINED, Status.NOT_INDICATED, "reason", "explained"),
    ],
)
def test_each_status_asks_for_its_own_text(
    old: Status, new: Status, needed: str, wrong: str
) -> None:
    assert REASON_NEEDED[new] == needed
    pep = item("hiv_pep")
    current = None if old is Status.NOT_ASSESSED else rec("hiv_pep", old)
    for payload in (
        {},  # nothing
        {needed: "   \n"},  # only blanks
        {needed: 42},  # not text
        {wrong: "the other text is not enough"},
    ):
        with pytest.raises(Refused):
            ck.check_change(pep, current, new, payload, None, signed_off=False)
    ck.check_change(pep, current, new, {needed: "risks explained"}, None, signed_off=False)


def test_statuses_without_a_needed_text_do_not_ask_for_one() -> None:
    pep = item("hiv_pep")
    for old, new in [
        (None, Status.INDICATED),
        (None, Status.OFFERED),
        (rec("hiv_pep", Status.OFFERED), Status.ACCEPTED),
        (rec("hiv_pep", Status.ACCEPTED), Status.GIVEN),
    ]:
        ck.check_change(pep, old, new, {}, None, signed_off=False)
    assert set(REASON_NEEDED) == {Status.DECLINED, Status.NOT_INDICATED, Status.NOT_APPLICABLE}


# -- the clock: hard stops and outside guidance ----------------------------------------
@pytest.mark.parametrize(
    ("old", "new"),
    [
        (Status.NOT_ASSESSED, Status.OFFERED),
        (Status.INDICATED, Status.OFFERED),
        (Status.DECLINED, Status.OFFERED),  # no re-offer after the hard stop
        (Status.OFFERED, Status.ACCEPTED),
        (Status.ACCEPTED, Status.GIVEN),
        (Status.NOT_ASSESSED, Status.GIVEN),
    ],
)
def test_a_closed_hard_stop_refuses_offering_accepting_and_giving(old: Status, new: Status) -> None:
    clock = item_clock("hiv_pep", 80)  # 80 h: PEP is not started after 72 h
    assert clock is not None and clock.state is State.CLOSED
    current = None if old is Status.NOT_ASSESSED else rec("hiv_pep", old)
    with pytest.raises(Refused) as refused:
        ck.check_change(item("hiv_pep"), current, new, {"outside_reason": "x"}, clock, False)
    assert "closed" in refused.value.message


def test_a_closed_item_is_documented_as_not_indicated_or_declined() -> None:
    clock = item_clock("hiv_pep", 80)
    pep = item("hiv_pep")
    ck.check_change(pep, None, Status.NOT_INDICATED, {"reason": "80 h: over 72 h"}, clock, False)
    ck.check_change(
        pep, rec("hiv_pep", Status.OFFERED), Status.DECLINED, {"explained": "x"}, clock, False
    )


def test_the_hard_stop_is_inclusive_and_only_for_hard_stops() -> None:
    pep = item("hiv_pep")
    at_72 = item_clock("hiv_pep", 72)  # exactly 72 h: still possible (reduced)
    assert at_72 is not None and at_72.state is State.REDUCED
    ck.check_change(pep, None, Status.OFFERED, {}, at_72, False)
    # HBIG after 14 days is outside guidance, never closed: offered with a reason
    hbig = item("hbv_immunoglobulin")
    late = item_clock("hbv_immunoglobulin", 15 * 24)
    assert late is not None and late.state is State.OUTSIDE
    with pytest.raises(Refused) as refused:
        ck.check_change(hbig, None, Status.OFFERED, {}, late, False)
    assert "outside guidance" in refused.value.message
    with pytest.raises(Refused):
        ck.check_change(hbig, None, Status.OFFERED, {"outside_reason": "  "}, late, False)
    ck.check_change(
        hbig, None, Status.OFFERED, {"outside_reason": "source confirmed today"}, late, False
    )
    # hepatitis A within 2 weeks needs no reason; after, it does
    hav = item("hav_vaccine")
    ck.check_change(hav, None, Status.OFFERED, {}, item_clock("hav_vaccine", 13 * 24), False)
    with pytest.raises(Refused):
        ck.check_change(hav, None, Status.GIVEN, {}, item_clock("hav_vaccine", 15 * 24), False)


def test_an_unknown_time_never_blocks_a_time_critical_item() -> None:
    clock = item_clock("hiv_pep", None)  # the time of the assault is not known
    assert clock is not None and clock.state is State.UNKNOWN
    ck.check_change(item("hiv_pep"), None, Status.OFFERED, {}, clock, False)
    ck.check_change(item("hiv_pep"), None, Status.GIVEN, {}, clock, False)


def test_adding_details_to_a_given_item_after_its_window_closed_is_allowed() -> None:
    """PEP given at 20 h; at 80 h the batch number is added (or, after sign-off, an
    amendment corrects it). Staying in a status is adding details, never offering."""
    closed = item_clock("hiv_pep", 80)
    given = rec("hiv_pep", Status.GIVEN, at_local="2026-03-11 02:30")
    ck.check_change(
        item("hiv_pep"), given, Status.GIVEN, {"details": {"batch": "B1"}}, closed, False
    )
    ck.check_change(
        item("hiv_pep"),
        given,
        Status.GIVEN,
        {"amendment_reason": "batch number corrected"},
        closed,
        signed_off=True,
    )
    hbig = rec("hbv_immunoglobulin", Status.GIVEN)
    outside = item_clock("hbv_immunoglobulin", 15 * 24)
    ck.check_change(item("hbv_immunoglobulin"), hbig, Status.GIVEN, {}, outside, False)


# -- sign-off -----------------------------------------------------------------------------
def test_after_sign_off_every_change_is_an_amendment_with_a_reason() -> None:
    pep = item("hiv_pep")
    clock = item_clock("hiv_pep", 3)
    offered = rec("hiv_pep", Status.OFFERED)
    for payload in ({"explained": "x"}, {"explained": "x", "amendment_reason": "  "}):
        with pytest.raises(Refused) as refused:
            ck.check_change(pep, offered, Status.DECLINED, payload, clock, signed_off=True)
        assert "amendment" in refused.value.message
    # even adding details without changing the status
    with pytest.raises(Refused):
        ck.check_change(pep, offered, Status.OFFERED, {"details": {"x": 1}}, clock, True)
    ck.check_change(
        pep,
        offered,
        Status.DECLINED,
        {"explained": "x", "amendment_reason": "decision recorded late"},
        clock,
        signed_off=True,
    )
    # an amendment reason does not open a transition the table refuses...
    with pytest.raises(Refused):
        ck.check_change(
            pep,
            offered,
            Status.NOT_ASSESSED,
            {"amendment_reason": "wrong item"},
            clock,
            signed_off=True,
        )
    # ...except the correction of a "given" entered in error (on the wrong item): with the
    # reason, before or after sign-off; never without one.
    given = rec("hiv_pep", Status.GIVEN)
    for signed in (False, True):
        ck.check_change(
            pep,
            given,
            Status.DECLINED,
            {"explained": "x", "amendment_reason": "entered on the wrong item"},
            clock,
            signed_off=signed,
        )
        with pytest.raises(Refused):
            ck.check_change(pep, given, Status.DECLINED, {"explained": "x"}, clock, signed)


# -- clock-driven states ----------------------------------------------------------------
def _windows(clock: CaseClock) -> dict[str, State]:
    return {c.window.id: c.state for c in clock.items}


def test_emergency_contraception_at_80_hours_shows_its_best_method() -> None:
    clock = clock_at(NOW - 80 * H)
    states = _windows(clock)
    assert states["ec_levonorgestrel"] is State.CLOSED  # <= 72 h
    assert states["ec_ulipristal"] is State.OPTIMAL  # <= 120 h
    assert states["ec_copper_iud"] is State.OPTIMAL
    best = ck.item_state(item("emergency_contraception"), clock)
    assert best is not None and best.state is State.OPTIMAL
    assert best.window.id in ("ec_ulipristal", "ec_copper_iud")
    pep = ck.item_state(item("hiv_pep"), clock)
    assert pep is not None and pep.state is State.CLOSED


@pytest.mark.parametrize(
    ("hours", "ec", "levonorgestrel"),
    [
        (10, State.OPTIMAL, State.OPTIMAL),
        (30, State.OPTIMAL, State.REDUCED),  # ulipristal still optimal
        (72, State.OPTIMAL, State.REDUCED),
        (120, State.OPTIMAL, State.CLOSED),  # band ends are inclusive
        (121, State.CLOSED, State.CLOSED),  # every method closed
    ],
)
def test_emergency_contraception_over_time(hours: float, ec: State, levonorgestrel: State) -> None:
    clock = clock_at(NOW - hours * H)
    assert _windows(clock)["ec_levonorgestrel"] is levonorgestrel
    best = ck.item_state(item("emergency_contraception"), clock)
    assert best is not None and best.state is ec


def test_item_state_counts_eligibility_from_the_latest_exposure() -> None:
    # a range that started 90 h ago and ended 60 h ago: PEP is still possible (reduced)
    clock = clock_at(NOW - 60 * H, earliest=NOW - 90 * H)
    pep = ck.item_state(item("hiv_pep"), clock)
    assert pep is not None
    assert pep.state is State.REDUCED
    assert pep.pessimistic is State.CLOSED  # counted from the start it would be closed
    assert pep.eligibility_deadlines[-1] == NOW + 12 * H
    assert pep.act_before == NOW - 66 * H  # urgency: from the earliest exposure


def test_item_state_for_items_without_a_window_and_unknown_times() -> None:
    clock = clock_at(NOW - 5 * H)
    assert ck.item_state(item("wound_care"), clock) is None
    assert ck.item_state(item("strangulation"), clock) is None
    unknown = clock_at(None, unknown_episodes=1)
    hbv = ck.item_state(item("hbv_vaccine"), unknown)
    assert hbv is not None and hbv.state is State.OPTIMAL  # whatever the delay
    ec = ck.item_state(item("emergency_contraception"), unknown)
    assert ec is not None and ec.state is State.UNKNOWN  # never "closed"
    not_applicable = clock_at(NOW - 5 * H, conditions={**ALL_TRUE, "pregnancy_possible": False})
    ec = ck.item_state(item("emergency_contraception"), not_applicable)
    assert ec is not None and ec.state is State.NOT_APPLICABLE


# -- drug warnings ------------------------------------------------------------------------
def _whens(drug_id: str, facts: Facts) -> list[str]:
    return [w.when for w in ck.drug_warnings(PROTOCOL.drug(drug_id), facts)]


def test_pregnancy_calls_up_azithromycin_instead_of_doxycycline() -> None:
    found = ck.drug_warnings(PROTOCOL.drug("doxycycline"), Facts(pregnant=True))
    assert [w.when for w in found] == ["pregnant"]
    assert "azithromycin" in found[0].message("en").lower()
    assert "azitromycine" in found[0].message("nl")
    assert _whens("doxycycline", Facts(pregnant=False)) == []
    assert _whens("doxycycline", Facts(pregnant=None)) == []  # not known: no note
    assert _whens("pep_tdf_ftc_dtg", Facts(pregnant=True)) == ["pregnant"]
    assert _whens("azithromycin", Facts(pregnant=True)) == []


def test_breastfeeding_notes() -> None:
    facts = Facts(breastfeeding=True)
    found = ck.drug_warnings(PROTOCOL.drug("ulipristal"), facts)
    assert [w.when for w in found] == ["breastfeeding"]
    assert "1 week" in found[0].message("en")
    assert _whens("metronidazole", facts) == ["breastfeeding"]
    assert _whens("pep_tdf_ftc_dtg", facts) == ["breastfeeding"]
    assert _whens("levonorgestrel", facts) == []
    assert _whens("ulipristal", Facts(breastfeeding=False)) == []


@pytest.mark.parametrize(
    ("weight", "warned"), [(85, True), (70.5, True), (70, False), (55, False), (None, False)]
)
def test_levonorgestrel_above_70_kg(weight: float | None, warned: bool) -> None:
    assert _whens("levonorgestrel", Facts(weight_kg=weight)) == (
        ["weight_over_kg"] if warned else []
    )
    assert _whens("ulipristal", Facts(weight_kg=weight)) == []


@pytest.mark.parametrize(
    ("age", "doxycycline", "pep"),
    [(6, True, True), (7, True, True), (8, False, True), (17, False, True), (18, False, False)],
)
def test_age_under(age: int, doxycycline: bool, pep: bool) -> None:
    facts = Facts(age_years=age)
    assert ("age_under" in _whens("doxycycline", facts)) is doxycycline  # under 8
    assert ("age_under" in _whens("pep_tdf_ftc_dtg", facts)) is pep  # under 18
    assert _whens("doxycycline", Facts(age_years=None)) == []


def test_kidney_disease_before_tenofovir() -> None:
    found = ck.drug_warnings(PROTOCOL.drug("pep_tdf_ftc_dtg"), Facts(kidney_disease=True))
    assert [w.when for w in found] == ["kidney_disease"]
    assert "tenofovir" in found[0].message("en")
    assert _whens("pep_tdf_ftc_dtg", Facts(kidney_disease=False)) == []
    assert _whens("ceftriaxone", Facts(kidney_disease=True)) == []


@pytest.mark.parametrize(
    ("allergies", "expected"),
    [
        ("penicillin", ["penicillin"]),
        ("PENICILLIN (rash as a child)", ["penicillin"]),
        ("latex; Penicillins", ["penicillin"]),
        ("Cephalosporin", ["cephalosporin"]),
        ("penicillin, cephalosporins", ["penicillin", "cephalosporin"]),
        ("latex", []),
        ("", []),
    ],
)
def test_allergy_keywords_are_matched_case_insensitively(
    allergies: str, expected: list[str]
) -> None:
    found = ck.drug_warnings(PROTOCOL.drug("ceftriaxone"), Facts(allergies=allergies))
    assert [w.value[0] for w in found if isinstance(w.value, tuple)] == expected
    assert all(w.when == "allergy" for w in found)


@pytest.mark.parametrize(
    "allergies",
    ["allergie à la pénicilline", "penicilline-allergie", "Amoxicilline", "Penizillin"],
)
def test_allergies_written_in_other_languages_call_up_the_warning(allergies: str) -> None:
    found = ck.drug_warnings(PROTOCOL.drug("ceftriaxone"), Facts(allergies=allergies))
    expected = [] if allergies == "Penizillin" else ["penicillin"]  # German spelling: z
    assert [w.value[0] for w in found if isinstance(w.value, tuple)] == expected


def test_each_warning_kind_on_a_synthetic_drug() -> None:
    """One note per kind, to show each kind is read on its own."""
    text = {"en": "note"}
    drug = Drug(
        "synthetic",
        "Synthetic",
        "1 mg",
        "oral",
        (
            DrugWarning("pregnant", None, text),
            DrugWarning("breastfeeding", None, text),
            DrugWarning("weight_over_kg", 100, text),
            DrugWarning("age_under", 16, text),
            DrugWarning("kidney_disease", None, text),
            DrugWarning("allergy", ("Sulfa",), text),
        ),
    )
    cases = {
        "pregnant": Facts(pregnant=True),
        "breastfeeding": Facts(breastfeeding=True),
        "weight_over_kg": Facts(weight_kg=101),
        "age_under": Facts(age_years=15),
        "kidney_disease": Facts(kidney_disease=True),
        "allergy": Facts(allergies="SULFAmethoxazole"),
    }
    for when, facts in cases.items():
        assert [w.when for w in ck.drug_warnings(drug, facts)] == [when]
    assert ck.drug_warnings(drug, Facts()) == []
    everything = Facts(True, True, 120, 3, True, "sulfa")
    assert [w.when for w in ck.drug_warnings(drug, everything)] == list(cases)


# -- tetanus ------------------------------------------------------------------------------
A = TetanusAdvice
TETANUS_TABLE = [
    # >= 3 doses: clean wound, booster if last > 10 y; tetanus-prone, booster if > 5 y
    ("under_5y", "clean", A.NOTHING),
    ("under_5y", "tetanus_prone", A.NOTHING),
    ("5_10y", "clean", A.NOTHING),
    ("5_10y", "tetanus_prone", A.BOOSTER),
    ("10_20y", "clean", A.BOOSTER),
    ("10_20y", "tetanus_prone", A.BOOSTER),
    # Belgium: > 20 years without a dose, 2 doses 6 months apart
    ("over_20y", "clean", A.TWO_DOSES),
    ("over_20y", "tetanus_prone", A.TWO_DOSES),
    # < 3 doses or unknown: vaccinate; immunoglobulin only for tetanus-prone wounds
    ("under_3_doses", "clean", A.VACCINATE),
    ("under_3_doses", "tetanus_prone", A.VACCINATE_AND_IMMUNOGLOBULIN),
    ("unknown", "clean", A.VACCINATE),
    ("unknown", "tetanus_prone", A.VACCINATE_AND_IMMUNOGLOBULIN),
]


@pytest.mark.parametrize(("history", "wound", "advice"), TETANUS_TABLE)
def test_tetanus_table(history: str, wound: str, advice: TetanusAdvice) -> None:
    assert ck.tetanus_advice(history, wound) is advice
    assert ck.tetanus_advice(history, "none") is A.NOTHING  # no wound: nothing to do


def test_tetanus_needs_both_answers() -> None:
    for history, wound in [(None, "clean"), ("", "clean"), ("unknown", None), ("5_10y", "")]:
        assert ck.tetanus_advice(history, wound) is None
    assert set(ck.TETANUS_LABELS) == set(TetanusAdvice)


# -- the follow-up plan ---------------------------------------------------------------------
def plan(
    last: datetime | None,
    visit: datetime,
    conditions: Mapping[str, bool | None] = ALL_TRUE,
    items: Mapping[str, ItemRecord] | None = None,
) -> dict[str, ck.PlannedStep]:
    steps = ck.plan_followups(PROTOCOL, conditions, items or {}, last, visit, parse_local)
    return {s.id: s for s in steps}


def test_the_plan_counts_each_step_from_its_anchor() -> None:
    last = utc("2026-03-10 19:30")  # 18:30 UTC
    visit = utc("2026-03-14 03:00")  # 02:00 UTC
    steps = plan(last, visit)
    # nothing was given: no PEP call, no hepatitis B doses
    assert set(steps) == {
        "bruise_review",
        "general_review_2w",
        "pregnancy_retest",
        "hiv_syphilis_6w",
        "dfsa_hair",
        "review_3m",
        "review_6m",
        "call_3d",
        "call_6w",
        "call_3m",
        "call_6m",
    }
    assert {k for k, s in steps.items() if s.kind == "call"} == {
        "call_3d",
        "call_6w",
        "call_3m",
        "call_6m",
    }
    due = {
        k: (wall(s.due_utc), s.until_utc and wall(s.until_utc))
        for k, s in steps.items()
        if s.kind == "visit"
    }
    assert due == {
        # from the visit (still winter time)
        "bruise_review": ("2026-03-15 03:00", "2026-03-17 03:00"),
        "general_review_2w": ("2026-03-28 03:00", "2026-04-04 04:00"),
        # from the last exposure, across the change to summer time: one hour later
        "pregnancy_retest": ("2026-03-31 20:30", "2026-04-07 20:30"),
        "dfsa_hair": ("2026-04-07 20:30", "2026-04-21 20:30"),
        "hiv_syphilis_6w": ("2026-04-21 20:30", "2026-04-28 20:30"),
        "review_3m": ("2026-06-08 20:30", "2026-06-22 20:30"),
        "review_6m": ("2026-09-10 04:00", "2026-09-30 04:00"),
    }
    assert steps["hiv_syphilis_6w"].due_utc == datetime(2026, 4, 21, 18, 30, tzinfo=UTC)


def test_a_plan_across_the_spring_change_is_counted_in_elapsed_hours() -> None:
    """21 days after 2026-03-20 22:00 (winter time, 21:00 UTC) is exactly 504 hours later:
    2026-04-10 21:00 UTC, which the Brussels wall clock shows as 23:00 (summer time)."""
    last = utc("2026-03-20 22:00")
    steps = plan(last, utc("2026-03-21 10:00"))
    retest = steps["pregnancy_retest"].due_utc
    assert retest - last == 21 * 24 * H
    assert retest == datetime(2026, 4, 10, 21, 0, tzinfo=UTC)
    assert wall(retest) == "2026-04-10 23:00"  # not 22:00: the clocks went forward
    hair = steps["dfsa_hair"].due_utc  # 28 days: 2026-04-17 21:00 UTC
    assert hair - last == 28 * 24 * H and wall(hair) == "2026-04-17 23:00"


def test_a_plan_across_the_autumn_change() -> None:
    """2026-10-10 12:00 summer time is 10:00 UTC; 21 days later is 2026-10-31 10:00 UTC,
    shown as 11:00 winter time (the clocks went back on 25 October)."""
    last = utc("2026-10-10 12:00")
    retest = plan(last, utc("2026-10-10 18:00"))["pregnancy_retest"].due_utc
    assert retest - last == 504 * H
    assert wall(retest) == "2026-10-31 11:00"


def test_repeated_episodes_count_from_the_last_one() -> None:
    """A partner's repeated assaults: three episodes, listed out of order; the latest
    possible exposure is the end of the range on 12 March 22:00 (21:00 UTC)."""
    values = {
        "assault": {
            "episodes": [
                {"time_kind": "exact", "at": "2026-03-01 23:00", "acts": ["vaginal"]},
                {
                    "time_kind": "range",
                    "from": "2026-03-12 20:00",
                    "to": "2026-03-12 22:00",
                    "acts": ["vaginal"],
                },
                {"time_kind": "exact", "at": "2026-03-07 21:00", "acts": ["vaginal"]},
            ]
        }
    }
    clock = evaluate(PROTOCOL, exposures(values, ZONE, NOW), ALL_TRUE, NOW)
    assert clock.anchors.latest == datetime(2026, 3, 12, 21, 0, tzinfo=UTC)
    assert clock.anchors.earliest == datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    steps = plan(clock.anchors.latest, utc("2026-03-14 03:00"))
    assert wall(steps["hiv_syphilis_6w"].due_utc) == "2026-04-23 23:00"  # 42 d after 21:00 UTC
    assert wall(steps["pregnancy_retest"].due_utc) == "2026-04-02 23:00"
    assert wall(steps["review_3m"].due_utc) == "2026-06-10 23:00"
    # PEP is possible from the last episode (29.5 h: reduced), not closed by the first
    pep = ck.item_state(item("hiv_pep"), clock)
    assert pep is not None and pep.state is State.REDUCED


def test_hepatitis_b_doses_count_from_the_first_dose_only_once_given() -> None:
    last, visit = utc("2026-03-13 22:00"), utc("2026-03-14 03:00")
    for status in (Status.INDICATED, Status.OFFERED, Status.ACCEPTED, Status.DECLINED):
        steps = plan(last, visit, items={"hbv_vaccine": rec("hbv_vaccine", status)})
        assert "hbv_dose_2" not in steps and "hbv_dose_3" not in steps
    given = rec("hbv_vaccine", Status.GIVEN, at_local="2026-03-14 04:10")  # 03:10 UTC
    steps = plan(last, visit, items={"hbv_vaccine": given})
    dose_2, dose_3 = steps["hbv_dose_2"], steps["hbv_dose_3"]
    assert dose_2.due_utc == datetime(2026, 4, 13, 3, 10, tzinfo=UTC)  # +30 d
    assert wall(dose_2.due_utc) == "2026-04-13 05:10"
    assert dose_2.until_utc is not None and wall(dose_2.until_utc) == "2026-05-13 05:10"
    assert wall(dose_3.due_utc) == "2026-07-12 05:10"  # +120 d
    # without a recorded time, the moment it was recorded counts as the first dose
    recorded = rec(
        "hbv_vaccine", Status.GIVEN, recorded_utc=datetime(2026, 3, 14, 2, 45, tzinfo=UTC)
    )
    steps = plan(last, visit, items={"hbv_vaccine": recorded})
    assert steps["hbv_dose_2"].due_utc == datetime(2026, 4, 13, 2, 45, tzinfo=UTC)
    # immune: no doses even if a dose was given
    immune = {**ALL_TRUE, "hbv_not_immune": False, "hbv_series_needed": False}
    assert "hbv_dose_2" not in plan(last, visit, immune, {"hbv_vaccine": given})
    # vaccinated, response not known: one booster, no new series
    booster = {**ALL_TRUE, "hbv_series_needed": False}
    assert "hbv_dose_2" not in plan(last, visit, booster, {"hbv_vaccine": given})


def test_the_pep_call_only_once_pep_was_given_counted_from_the_first_dose() -> None:
    last, visit = utc("2026-03-13 22:00"), utc("2026-03-14 03:00")
    assert "call_24h" not in plan(last, visit, items={"hiv_pep": rec("hiv_pep", Status.DECLINED)})
    given = rec("hiv_pep", Status.GIVEN, at_local="2026-03-14 03:40")
    call = plan(last, visit, items={"hiv_pep": given})["call_24h"]
    assert wall(call.due_utc) == "2026-03-15 03:40"  # 24 h after the first dose
    assert call.until_utc is not None and wall(call.until_utc) == "2026-03-16 03:40"


def test_a_false_condition_drops_a_step_an_unknown_one_keeps_it() -> None:
    last, visit = utc("2026-03-13 22:00"), utc("2026-03-14 03:00")
    for name, step in [
        ("dfsa_suspected", "dfsa_hair"),
        ("pregnancy_possible", "pregnancy_retest"),
        ("vaginal_exposure", "pregnancy_retest"),
    ]:
        assert step not in plan(last, visit, {**ALL_TRUE, name: False}), name
        assert step in plan(last, visit, {**ALL_TRUE, name: None}), name
        assert step in plan(last, visit, {k: v for k, v in ALL_TRUE.items() if k != name}), name
    # steps without a condition never drop
    nothing = {name: False for name in ALL_TRUE}
    assert set(plan(last, visit, nothing)) == {
        "bruise_review",
        "general_review_2w",
        "hiv_syphilis_6w",
        "review_3m",
        "review_6m",
        "call_3d",
        "call_6w",
        "call_3m",
        "call_6m",
    }


def test_without_an_exposure_time_only_the_anchors_that_are_known_count() -> None:
    visit = utc("2026-03-14 03:00")
    steps = plan(None, visit)
    assert {"bruise_review", "general_review_2w", "review_6m"} <= set(steps)
    assert "hiv_syphilis_6w" not in steps  # the service passes the latest possible moment


# -- re-offering a declined time-critical item ---------------------------------------------
def test_a_declined_pep_is_reoffered_12_hours_before_its_deadline() -> None:
    """PEP declined at 03:00 (02:00 UTC), 2 h after an assault at 01:00 (00:00 UTC): the
    deadline is 72 h after the exposure, 17 March 01:00; the call is 12 h before."""
    exposure, now = utc("2026-03-14 01:00"), utc("2026-03-14 03:00")
    clock = ck.item_state(item("hiv_pep"), clock_at(exposure, now=now))
    step = ck.reoffer(item("hiv_pep"), clock, now)
    assert step is not None
    assert step.id == step.step == "reoffer_hiv_pep"
    assert step.until_utc == exposure + 72 * H
    assert step.due_utc == exposure + 60 * H
    assert (wall(step.due_utc), wall(step.until_utc)) == ("2026-03-16 13:00", "2026-03-17 01:00")


def test_a_reoffer_is_now_when_the_usual_moment_has_passed_and_none_after_the_deadline() -> None:
    exposure = utc("2026-03-10 01:00")
    pep = item("hiv_pep")
    late = exposure + 65 * H  # after 60 h: call now, the deadline is 7 h away
    step = ck.reoffer(pep, ck.item_state(pep, clock_at(exposure, now=late)), late)
    assert step is not None and step.due_utc == late and step.until_utc == exposure + 72 * H
    closed = exposure + 73 * H
    assert ck.reoffer(pep, ck.item_state(pep, clock_at(exposure, now=closed)), closed) is None
    # exactly at the deadline nothing is left to offer
    at = exposure + 72 * H
    assert ck.reoffer(pep, ck.item_state(pep, clock_at(exposure, now=at)), at) is None


def test_a_range_counts_the_reoffer_from_its_end() -> None:
    """Range 90 h to 60 h ago: PEP closes 12 h from now, so the call is now."""
    clock = clock_at(NOW - 60 * H, earliest=NOW - 90 * H)
    step = ck.reoffer(item("hiv_pep"), ck.item_state(item("hiv_pep"), clock), NOW)
    assert step is not None and step.due_utc == NOW and step.until_utc == NOW + 12 * H


def test_emergency_contraception_is_reoffered_before_its_best_method_closes() -> None:
    ec = item("emergency_contraception")
    exposure = NOW - 80 * H  # levonorgestrel closed; ulipristal and IUD until 120 h
    step = ck.reoffer(ec, ck.item_state(ec, clock_at(exposure)), NOW)
    assert step is not None
    assert step.until_utc == exposure + 120 * H and step.due_utc == exposure + 108 * H
    # at 10 h every method is open: the call comes before the first closes (72 h)
    early = NOW - 10 * H
    step = ck.reoffer(ec, ck.item_state(ec, clock_at(early)), NOW)
    assert step is not None and step.due_utc == early + 60 * H and step.due_utc > NOW


def test_no_reoffer_for_items_that_are_not_time_critical_or_have_no_known_deadline() -> None:
    clock = clock_at(NOW - 5 * H)
    hbv = item("hbv_vaccine")
    assert not hbv.time_critical
    assert ck.reoffer(hbv, ck.item_state(hbv, clock), NOW) is None
    assert ck.reoffer(item("hiv_pep"), None, NOW) is None
    unknown = ck.item_state(item("hiv_pep"), clock_at(None, unknown_episodes=1))
    assert ck.reoffer(item("hiv_pep"), unknown, NOW) is None  # the clinician decides


# -- applicability and completeness -------------------------------------------------------
def test_applicable_false_wins_unknown_keeps_it_in_sight() -> None:
    ec = item("emergency_contraception")  # pregnancy possible and vaginal exposure
    assert ck.applicable(ec, ALL_TRUE) is True
    assert ck.applicable(ec, {**ALL_TRUE, "vaginal_exposure": None}) is None
    assert ck.applicable(ec, {"pregnancy_possible": False, "vaginal_exposure": None}) is False
    assert ck.applicable(ec, {}) is None
    assert ck.applicable(item("wound_care"), {}) is True  # no condition


def test_complete_when_every_item_that_applies_or_may_is_settled() -> None:
    checklist = PROTOCOL.checklist
    conditions = {**ALL_TRUE, "strangulation_reported": None, "hpv_eligible": False}
    settled = {
        i.id: rec(i.id, Status.NOT_INDICATED, reason="r")
        for i in checklist
        if i.id not in ("hpv_vaccine",)  # not applicable: needs no status
    }
    assert ck.complete(checklist, settled, conditions)
    for status in Status:
        items = {**settled, "strangulation": rec("strangulation", status)}
        assert ck.complete(checklist, items, conditions) is (status in SETTLED)
    missing = {k: v for k, v in settled.items() if k != "strangulation"}  # may apply
    assert not ck.complete(checklist, missing, conditions)
    assert SETTLED.isdisjoint(ACTIVE - {Status.GIVEN})


# -- medications and the follow-ups view -----------------------------------------------------
def test_a_medication_needs_drug_dose_route_time_and_who_gave_it() -> None:
    full = {
        "name": "Ulipristal acetate 30 mg",
        "dose": "30 mg",
        "route": "oral",
        "at_local": "2026-03-14 03:40",
        "given_by": "nurse-1",
    }
    ck.check_medication(full)
    for key in ck.MEDICATION_REQUIRED:
        with pytest.raises(Refused):
            ck.check_medication({**full, key: " "})


def _followup(fid: str, due: datetime, status: FollowUpStatus = FollowUpStatus.PLANNED) -> Any:
    return FollowUpRecord(fid, fid, due, None, status)


def test_followups_due_sorts_planned_steps_into_overdue_today_and_week() -> None:
    day = datetime(2026, 3, 13, 23, 0, tzinfo=UTC)  # 14 March 00:00 in Brussels
    week_end = day + 8 * D
    records = [
        _followup("late", day - 1 * H),
        _followup("today_late", day + 23 * H),
        _followup("today_early", day),
        _followup("tomorrow", day + 24 * H),
        _followup("far", week_end),
        _followup("done", day - 5 * H, FollowUpStatus.DONE),
        _followup("cancelled", day + 2 * H, FollowUpStatus.CANCELLED),
        _followup("missed", day - 3 * D, FollowUpStatus.MISSED),
    ]
    found = ck.followups_due(records, day, week_end)
    assert {k: [r.id for r in v] for k, v in found.items()} == {
        "overdue": ["late"],
        "today": ["today_early", "today_late"],
        "week": ["tomorrow"],
    }
    # late but its window (until) still open today: today, not overdue
    open_window = FollowUpRecord("open", "open", day - 1 * D, day + 1 * D, FollowUpStatus.PLANNED)
    assert [r.id for r in ck.followups_due([open_window], day, week_end)["today"]] == ["open"]


def test_a_done_followup_is_final_a_cancelled_one_can_be_planned_again() -> None:
    T = ck.FOLLOWUP_TRANSITIONS
    assert T[FollowUpStatus.DONE] == frozenset()
    assert FollowUpStatus.PLANNED in T[FollowUpStatus.CANCELLED]
    assert FollowUpStatus.PLANNED in T[FollowUpStatus.MISSED]
    assert set(T[FollowUpStatus.PLANNED]) == set(FollowUpStatus)


def test_recorded_details_call_for_the_next_step() -> None:
    from sac_desktop.domain.checklist import item_prompts

    assert item_prompts("emergency_contraception", {"vomited_within_3h": "yes"}) == [
        "Vomited within 3 hours: give the dose again."
    ]
    assert (
        "no hormonal contraception for 5 days"
        in item_prompts("emergency_contraception", {"method": "ulipristal"})[0]
    )
    assert item_prompts("hiv_pep", {"handover_centre": "synthetic ARC"}) == []
    assert item_prompts("hiv_pep", {}) == ["Arrange the continuation with an HIV reference centre."]
    assert item_prompts("strangulation", {"discharge_warning": "yes"}) == []
    assert item_prompts("tetanus", {"wound": "clean"}) == []
