"""Kit sample suggestions (``domain.sampling``) with the shipped protocol.

Hand-computed from DOMAIN.md ("Evidence and chain of custody", the forensic-samples and
toxicology rows of the clinical table) and the shipped file's sample table. Windows used
(hours after the latest exposure): oral and skin optimal <= 24, reduced <= 48; anal and
penile optimal <= 24, reduced <= 72; vaginal optimal <= 72, reduced <= 168; forensic
examination (fingernails, pubic hair, tampon) optimal <= 72, reduced <= 168; toxicology
blood optimal <= 24, reduced <= 72, urine optimal <= 24, reduced <= 120; all "outside"
after. No daylight-saving change near NOW (Brussels is UTC+2).

Sampling order of the shipped kit: tox_urine, tox_blood, oral_swabs, reference_dna,
clothing, underwear, skin_swabs, fingernails, pubic_hair_combing, vulvar_swabs,
tampon_pad, vaginal_swabs, endocervical_swab, penile_swabs, anal_swabs, rectal_swabs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sac_desktop.domain import sampling
from sac_desktop.domain.consent import CONSENT_ITEMS, SAMPLE_GROUPS
from sac_desktop.domain.deadlines import CaseClock, evaluate
from sac_desktop.domain.intake import conditions, exposures
from sac_desktop.domain.localtime import format_local
from sac_desktop.domain.protocol import (
    SAMPLE_CONDITIONS,
    SAMPLE_GROUP_IDS,
    TOXICOLOGY,
    Protocol,
    parse_protocol,
)
from sac_desktop.domain.sampling import (
    ALWAYS,
    ATE_DRANK,
    BRUSHED_TEETH,
    CHANGED_CLOTHES,
    DEFECATED,
    ENDOCERVICAL_ADVISED,
    MAY_APPLY,
    OPTIONAL,
    OUTSIDE_GUIDANCE,
    SEDATIVE_GIVEN,
    TIME_UNKNOWN,
    URINATED,
    WASHED,
    Suggestion,
    suggest,
)
from sac_desktop.resources import resource

TEXT = resource("protocols", "sac-be-2026.1.toml").read_text("utf-8")
PROTOCOL = parse_protocol(TEXT)
ZONE = "Europe/Brussels"
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)  # 14:00 in Brussels
H = timedelta(hours=1)

#: Samples taken whatever happened (no condition), in sampling order.
ALWAYS_IDS = ("reference_dna", "clothing", "underwear")
#: The history answers that make no sample "may apply" by themselves.
QUIET_HISTORY = {"tampon_pad": "no"}
QUIET_RISKS = {"dfsa_suspected": "no"}


def local(hours_ago: float) -> str:
    return format_local(NOW - hours_ago * H, ZONE)


def case(
    hours_ago: float | None,
    acts: tuple[str, ...] = (),
    sites: tuple[str, ...] = (),
    history: Mapping[str, Any] | None = None,
    risks: Mapping[str, Any] | None = None,
    since_hours: float | None = None,
) -> dict[str, dict[str, Any]]:
    """Intake values with one episode: ``hours_ago`` (exact), or a range from
    ``since_hours`` ago to ``hours_ago`` ago, or an unknown time (None)."""
    episode: dict[str, Any] = {"acts": list(acts), "sites": list(sites)}
    if hours_ago is None:
        episode["time_kind"] = "unknown"
    elif since_hours is not None:
        episode.update(time_kind="range", **{"from": local(since_hours), "to": local(hours_ago)})
    else:
        episode.update(time_kind="exact", at=local(hours_ago))
    return {
        "assault": {"episodes": [episode]},
        "forensic_history": {**QUIET_HISTORY, **(history or {})},
        "risks": {**QUIET_RISKS, **(risks or {})},
    }


def clock_of(values: Mapping[str, Mapping[str, Any]], protocol: Protocol = PROTOCOL) -> CaseClock:
    """The case clock as the application builds it: episodes, intake conditions, now."""
    return evaluate(protocol, exposures(values, ZONE, NOW), conditions(values), NOW)


def run(values: Mapping[str, Mapping[str, Any]], protocol: Protocol = PROTOCOL) -> list[Suggestion]:
    return suggest(protocol, values, clock_of(values, protocol))


def ids(found: list[Suggestion]) -> list[str]:
    return [s.sample.id for s in found]


def by_id(found: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.sample.id: s for s in found}


def states(found: list[Suggestion]) -> dict[str, str | None]:
    return {s.sample.id: s.window_state for s in found}


# -- the combinations ---------------------------------------------------------------------
def test_oral_only_six_hours_ago_oral_first_reference_after() -> None:
    found = run(case(6, acts=("oral",), sites=("mouth",)))
    # No urine: drug-facilitated assault is not suspected.
    assert ids(found) == ["oral_swabs", "reference_dna", "clothing", "underwear", "fingernails"]
    oral, reference, clothing, _underwear, nails = found
    assert (oral.reason, oral.window_state, oral.warnings) == ("oral exposure", "optimal", ())
    assert oral.consent_item == "samples.oral"
    assert (reference.reason, reference.window_state, reference.warnings) == (ALWAYS, None, ())
    assert reference.consent_item == "samples.reference_dna"
    assert (clothing.window_state, clothing.consent_item) == (None, "samples.clothing")
    assert (nails.reason, nails.window_state) == (OPTIONAL, "optimal")
    assert nails.sample.optional


def test_vaginal_with_ejaculation_60_hours_ago_prompts_the_endocervical_swab() -> None:
    history = {"ejaculation": "yes", "ejaculation_sites": ["vulva_vagina"]}
    found = run(case(60, acts=("vaginal",), sites=("vulva_vagina",), history=history))
    assert ids(found) == [
        "reference_dna",
        "clothing",
        "underwear",
        "fingernails",
        "pubic_hair_combing",
        "vulvar_swabs",
        "vaginal_swabs",
        "endocervical_swab",
    ]
    got = by_id(found)
    assert {got[i].window_state for i in ("vulvar_swabs", "vaginal_swabs")} == {"optimal"}
    endocervical = got["endocervical_swab"]
    assert endocervical.warnings == (ENDOCERVICAL_ADVISED,)
    assert endocervical.reason == "vaginal exposure"
    assert endocervical.consent_item == "samples.genital"
    assert endocervical.sample.note is not None and "48 h" in endocervical.sample.note["en"]
    assert got["pubic_hair_combing"].reason == "vaginal exposure"
    assert got["vaginal_swabs"].warnings == ()


def test_vaginal_ejaculation_30_hours_ago_no_endocervical_prompt_yet() -> None:
    history = {"ejaculation": "yes", "ejaculation_sites": ["vulva_vagina"]}
    found = by_id(run(case(30, acts=("vaginal",), sites=("vulva_vagina",), history=history)))
    assert found["endocervical_swab"].warnings == ()
    # A range that began 60 h ago: the ejaculation may be that old (urgency anchor), while
    # the window still counts from its end (30 h: optimal).
    ranged = by_id(
        run(case(30, acts=("vaginal",), sites=("vulva_vagina",), history=history, since_hours=60))
    )
    assert ranged["endocervical_swab"].warnings == (ENDOCERVICAL_ADVISED,)
    assert ranged["endocervical_swab"].window_state == "optimal"


def test_anal_and_oral_30_hours_ago_after_defecating() -> None:
    found = run(
        case(30, acts=("anal", "oral"), sites=("anus", "mouth"), history={"defecated": "yes"})
    )
    assert ids(found) == [
        "oral_swabs",
        "reference_dna",
        "clothing",
        "underwear",
        "fingernails",
        "anal_swabs",
        "rectal_swabs",
    ]
    assert states(found) == {
        "oral_swabs": "reduced",  # 24 < 30 <= 48
        "reference_dna": None,
        "clothing": None,
        "underwear": None,
        "fingernails": "optimal",  # forensic examination: <= 72
        "anal_swabs": "reduced",  # 24 < 30 <= 72
        "rectal_swabs": "reduced",
    }
    got = by_id(found)
    assert got["anal_swabs"].warnings == got["rectal_swabs"].warnings == (DEFECATED,)
    assert got["oral_swabs"].warnings == ()
    assert {got["anal_swabs"].consent_item, got["rectal_swabs"].consent_item} == {"samples.anal"}


def test_dfsa_suspected_urine_and_blood_come_first() -> None:
    values = case(
        10,
        acts=("vaginal",),
        sites=("vulva_vagina",),
        history={"urinated": "yes"},
        risks={"dfsa_suspected": "yes", "sedative_given": "midazolam 1 mg at 11:00"},
    )
    found = run(values)
    assert ids(found) == [
        "tox_urine",
        "tox_blood",
        "reference_dna",
        "clothing",
        "underwear",
        "fingernails",
        "pubic_hair_combing",
        "vulvar_swabs",
        "vaginal_swabs",
        "endocervical_swab",
    ]
    urine, blood = found[0], found[1]
    assert (urine.consent_item, blood.consent_item) == (TOXICOLOGY, TOXICOLOGY)
    assert urine.reason == blood.reason == "drug-facilitated assault suspected"
    assert (urine.window_state, blood.window_state) == ("optimal", "optimal")
    assert urine.warnings == (URINATED, SEDATIVE_GIVEN)
    assert blood.warnings == (SEDATIVE_GIVEN,)


def test_dfsa_30_hours_ago_blood_is_reduced_urine_still_reduced() -> None:
    found = run(case(30, acts=("oral",), sites=("mouth",), risks={"dfsa_suspected": "yes"}))
    assert ids(found)[:4] == ["tox_urine", "tox_blood", "oral_swabs", "reference_dna"]
    assert states(found)["tox_blood"] == "reduced"  # 24 < 30 <= 72
    assert states(found)["tox_urine"] == "reduced"  # 24 < 30 <= 120
    assert by_id(found)["tox_urine"].warnings == ()


def test_licking_and_biting_suggest_skin_swabs_and_washing_is_a_warning() -> None:
    found = run(
        case(20, acts=("licking", "biting"), sites=("neck", "breasts"), history={"washed": "yes"})
    )
    assert ids(found) == ["reference_dna", "clothing", "underwear", "skin_swabs", "fingernails"]
    skin = by_id(found)["skin_swabs"]
    assert (skin.reason, skin.window_state) == ("licked, kissed or bitten", "optimal")
    assert skin.consent_item == "samples.skin"
    assert skin.warnings == (WASHED,)
    assert by_id(found)["fingernails"].warnings == (WASHED,)
    assert by_id(found)["reference_dna"].warnings == ()


def test_penile_exposure_40_hours_ago() -> None:
    # Oral contact with the person's penis: oral and penile exposure both hold.
    found = run(case(40, acts=("oral",), sites=("penis",)))
    assert ids(found) == [
        "oral_swabs",
        "reference_dna",
        "clothing",
        "underwear",
        "fingernails",
        "pubic_hair_combing",
        "penile_swabs",
    ]
    got = by_id(found)
    assert got["penile_swabs"].reason == "penile exposure"
    assert got["penile_swabs"].consent_item == "samples.penile"
    assert got["pubic_hair_combing"].reason == "penile exposure"
    assert states(found)["penile_swabs"] == "reduced"  # 24 < 40 <= 72
    assert states(found)["oral_swabs"] == "reduced"  # 24 < 40 <= 48


def test_washed_brushed_teeth_ate_and_changed_clothes_are_warnings_not_removals() -> None:
    history = {
        "washed": "yes",
        "brushed_teeth": "yes",
        "ate_drank": "yes",
        "changed_clothes": "yes",
        "douched": "no",
        "urinated": "yes",
    }
    found = run(
        case(12, acts=("oral", "vaginal"), sites=("mouth", "vulva_vagina"), history=history)
    )
    assert ids(found) == [
        "oral_swabs",
        "reference_dna",
        "clothing",
        "underwear",
        "fingernails",
        "pubic_hair_combing",
        "vulvar_swabs",
        "vaginal_swabs",
        "endocervical_swab",
    ]
    got = by_id(found)
    assert got["oral_swabs"].warnings == (BRUSHED_TEETH, ATE_DRANK)
    assert got["oral_swabs"].window_state == "optimal"
    assert got["reference_dna"].warnings == ()
    assert got["clothing"].warnings == got["underwear"].warnings == (CHANGED_CLOTHES,)
    for genital in ("vulvar_swabs", "vaginal_swabs", "endocervical_swab", "pubic_hair_combing"):
        assert got[genital].warnings == (WASHED,), genital


def test_nine_days_later_every_window_is_outside_guidance_but_listed() -> None:
    found = run(
        case(216, acts=("oral", "vaginal", "anal"), sites=("mouth", "vulva_vagina", "anus"))
    )
    assert ids(found) == [
        "oral_swabs",
        "reference_dna",
        "clothing",
        "underwear",
        "fingernails",
        "pubic_hair_combing",
        "vulvar_swabs",
        "vaginal_swabs",
        "endocervical_swab",
        "anal_swabs",
        "rectal_swabs",
    ]
    for suggestion in found:
        if suggestion.sample.window is None:
            assert suggestion.window_state is None
            assert OUTSIDE_GUIDANCE not in suggestion.warnings
        else:
            assert suggestion.window_state == "outside", suggestion.sample.id
            assert suggestion.warnings[0] == OUTSIDE_GUIDANCE


def test_acts_not_recorded_every_sample_may_apply() -> None:
    values = case(5)  # an episode 5 h ago, acts not recorded
    values["forensic_history"] = {}  # tampon or pad: not asked yet
    values["risks"] = {}  # drug-facilitated assault: not asked yet
    found = run(values)
    assert ids(found) == [s.id for s in sorted(PROTOCOL.samples, key=lambda s: s.order)]
    for suggestion in found:
        conditional = bool(suggestion.sample.suggest_when)
        assert (MAY_APPLY in suggestion.warnings) is conditional, suggestion.sample.id
        assert suggestion.may_apply is conditional
    got = by_id(found)
    assert got["tox_urine"].reason == "drug-facilitated assault suspected"
    assert got["tox_urine"].window_state == "optimal"
    assert got["tampon_pad"].reason == "tampon or pad used since the assault"
    assert got["pubic_hair_combing"].reason == "vaginal exposure"  # the first that may


def test_one_known_exposure_is_enough_for_an_any_of_sample() -> None:
    # Penile exposure known, vaginal not recorded (fingers without a site): combing is
    # suggested for the penile exposure, without "may apply".
    found = by_id(run(case(5, acts=("digital",), sites=("penis",))))
    combing = found["pubic_hair_combing"]
    assert (combing.reason, combing.warnings) == ("penile exposure", ())


def test_time_not_known_the_clinician_decides() -> None:
    found = run(case(None, acts=("oral",), sites=("mouth",)))
    assert ids(found) == ["oral_swabs", "reference_dna", "clothing", "underwear", "fingernails"]
    oral = by_id(found)["oral_swabs"]
    assert oral.window_state == "unknown"
    assert oral.warnings == (TIME_UNKNOWN,)
    assert by_id(found)["reference_dna"].window_state is None


def test_tampon_used_after_oral_only_is_suggested_from_the_history() -> None:
    found = run(case(6, acts=("oral",), sites=("mouth",), history={"tampon_pad": "yes"}))
    assert ids(found) == [
        "oral_swabs",
        "reference_dna",
        "clothing",
        "underwear",
        "fingernails",
        "tampon_pad",
    ]
    tampon = by_id(found)["tampon_pad"]
    assert tampon.reason == "tampon or pad used since the assault"
    assert (tampon.consent_item, tampon.window_state, tampon.warnings) == (
        "samples.tampon_pad",
        "optimal",
        (),
    )


def test_a_window_whose_own_conditions_are_false_is_still_read_from_the_times() -> None:
    # A local protocol ties the tampon to the vaginal window; vaginal exposure is False,
    # so the clock marks that window not applicable. The sample keeps its times' state.
    old = 'order = 110\nwindow = "forensic_exam"'
    assert TEXT.count(old) == 1
    local_protocol = parse_protocol(TEXT.replace(old, 'order = 110\nwindow = "sample_vaginal"'))
    values = case(100, acts=("oral",), sites=("mouth",), history={"tampon_pad": "yes"})
    tampon = by_id(run(values, local_protocol))["tampon_pad"]
    assert tampon.window_state == "reduced"  # 72 < 100 <= 168


def test_a_protocol_without_a_kit_suggests_nothing() -> None:
    start = TEXT.index("\n[kit]")
    bare = parse_protocol(TEXT[:start])
    assert bare.kit is None and bare.samples == ()
    assert run(case(6, acts=("oral",), sites=("mouth",)), bare) == []


# -- invariants ----------------------------------------------------------------------------
def test_sample_groups_match_the_consent_items() -> None:
    assert set(SAMPLE_GROUPS) == SAMPLE_GROUP_IDS
    for sample in PROTOCOL.samples:
        assert sample.consent_item in CONSENT_ITEMS, sample.id
        assert set(sample.suggest_when) <= SAMPLE_CONDITIONS


def test_the_kit_order_puts_urine_and_oral_first_and_the_reference_after_oral() -> None:
    order = [s.id for s in sorted(PROTOCOL.samples, key=lambda s: s.order)]
    assert order[:4] == ["tox_urine", "tox_blood", "oral_swabs", "reference_dna"]
    assert order.index("anal_swabs") < order.index("rectal_swabs")
    assert order.index("tampon_pad") < order.index("vaginal_swabs")
    assert PROTOCOL.kit is not None and PROTOCOL.kit.number_ok("SAS-2026-0042")


@pytest.mark.parametrize("answer", ["yes", "no", None])
@pytest.mark.parametrize("hours", [1, 30, 100, 400])
def test_history_never_removes_a_sample(answer: str | None, hours: float) -> None:
    fields = ("washed", "changed_clothes", "urinated", "defecated", "brushed_teeth")
    history = dict.fromkeys(fields, answer)
    plain = run(case(hours, acts=("oral", "anal"), sites=("mouth", "anus")))
    changed = run(case(hours, acts=("oral", "anal"), sites=("mouth", "anus"), history=history))
    assert ids(changed) == ids(plain)
    assert [s.window_state for s in changed] == [s.window_state for s in plain]


def test_suggestions_are_frozen_and_reasons_are_known_msgids() -> None:
    found = run(case(6, acts=("oral",), sites=("mouth",)))
    known = {*sampling.REASONS.values(), ALWAYS, OPTIONAL}
    assert {s.reason for s in found} <= known
    with pytest.raises(AttributeError):
        found[0].reason = "x"  # type: ignore[misc]
