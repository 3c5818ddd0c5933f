"""The rule of art. 417/6 shown per episode, the ages behind it, and the minor's decisions."""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sac_desktop.domain.minors import (
    CHOOSE_AN_OPTION,
    MAX_AGE,
    MINOR_RULE_TEXT,
    NEED_LABELS,
    PROSECUTOR_DECISION_LABELS,
    RELATIONSHIP_LABELS,
    SOS_ENFANTS,
    SOURCE,
    VK,
    AgeRange,
    MinorAssessment,
    MinorDecisionProblem,
    MinorRule,
    ProsecutorDecision,
    Relationship,
    age_on,
    age_range_between,
    age_range_from_years,
    assess_episode,
    check_minor_decisions,
    child_protection_bodies,
    is_minor,
)

R = MinorRule
EXACT = AgeRange.exact
EXCLUDED = [Relationship.FAMILY_MEMBER, Relationship.POSITION_OF_TRUST]
NOT_EXCLUDED = [
    Relationship.PARTNER,
    Relationship.EX_PARTNER,
    Relationship.ACQUAINTANCE,
    Relationship.STRANGER,
    Relationship.OTHER,
]


def _decided(assessment: MinorAssessment, rule: MinorRule) -> None:
    assert assessment.rules == (rule,)
    assert assessment.needs == ()
    assert assessment.decided
    assert assessment.source == SOURCE


# --- the age bands -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "rule"),
    [
        (0, R.UNDER_14),
        (13, R.UNDER_14),
        (14, R.AGE_14_15_GAP_WITHIN_3),
        (15, R.AGE_14_15_GAP_WITHIN_3),
        (16, R.AGE_16_17),
        (17, R.AGE_16_17),
        (18, R.ADULT),
        (40, R.ADULT),
    ],
)
def test_each_age_band_has_its_rule(age: int, rule: MinorRule) -> None:
    # The other person is 16: within 3 years of 14 and 15, so only the age band decides.
    _decided(assess_episode(EXACT(age), EXACT(16), Relationship.STRANGER), rule)


def test_unknown_person_age_asks_for_it() -> None:
    assessment = assess_episode(None, EXACT(30), Relationship.STRANGER)
    assert assessment.rules == (R.AGE_UNKNOWN,)
    assert assessment.needs == ("person_age",)
    assert not assessment.decided


# --- 14 and 15: the age gap ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "other", "rule"),
    [
        (14, 17, R.AGE_14_15_GAP_WITHIN_3),  # gap 3: allowed
        (14, 18, R.AGE_14_15_GAP_OVER_3),  # gap 4: not
        (15, 18, R.AGE_14_15_GAP_WITHIN_3),
        (15, 19, R.AGE_14_15_GAP_OVER_3),
        (15, 15, R.AGE_14_15_GAP_WITHIN_3),  # same age
        (15, 12, R.AGE_14_15_GAP_WITHIN_3),  # the other person is younger
        (14, 0, R.AGE_14_15_GAP_WITHIN_3),
        (14, MAX_AGE, R.AGE_14_15_GAP_OVER_3),
    ],
)
def test_age_gap_at_14_and_15(person: int, other: int, rule: MinorRule) -> None:
    _decided(assess_episode(EXACT(person), EXACT(other), Relationship.ACQUAINTANCE), rule)


@pytest.mark.parametrize("person", [14, 15])
def test_unknown_other_age_at_14_and_15_asks_for_it(person: int) -> None:
    assessment = assess_episode(EXACT(person), None, Relationship.STRANGER)
    assert assessment.rules == (R.AGE_14_15_NEEDS_ASSAILANT_AGE,)
    assert assessment.needs == ("assailant_age",)
    assert not assessment.decided


def test_other_age_range_across_the_limit_lists_both_rules() -> None:
    # 15 and 17 to 19: the gap is 2 to 4 years.
    assessment = assess_episode(EXACT(15), AgeRange(17, 19), Relationship.STRANGER)
    assert assessment.rules == (R.AGE_14_15_GAP_OVER_3, R.AGE_14_15_GAP_WITHIN_3)
    assert assessment.needs == ("assailant_age",)
    assert not assessment.decided


def test_other_age_range_on_one_side_of_the_limit_decides() -> None:
    # Worst case 15 - 14 and best case 25 - 14: certainly within / certainly over.
    _decided(
        assess_episode(AgeRange(14, 15), AgeRange(10, 17), Relationship.STRANGER),
        R.AGE_14_15_GAP_WITHIN_3,
    )
    _decided(
        assess_episode(AgeRange(14, 15), AgeRange(19, 60), Relationship.STRANGER),
        R.AGE_14_15_GAP_OVER_3,
    )


def test_both_ranges_imprecise_need_whichever_would_decide() -> None:
    # The other person is exactly 18: only the person's own age (14 or 15) decides.
    only_person = assess_episode(AgeRange(14, 15), EXACT(18), Relationship.STRANGER)
    assert only_person.rules == (R.AGE_14_15_GAP_OVER_3, R.AGE_14_15_GAP_WITHIN_3)
    assert only_person.needs == ("person_age",)
    both = assess_episode(AgeRange(14, 15), AgeRange(17, 19), Relationship.STRANGER)
    assert both.rules == (R.AGE_14_15_GAP_OVER_3, R.AGE_14_15_GAP_WITHIN_3)
    assert both.needs == ("person_age", "assailant_age")


# --- the relationship exclusion (§3) -------------------------------------------------------


@pytest.mark.parametrize("age", [14, 15, 16, 17])
@pytest.mark.parametrize("relationship", EXCLUDED)
def test_excluded_relationship_for_a_minor(age: int, relationship: Relationship) -> None:
    # It takes precedence over the gap rule: a gap of 0 changes nothing, nor does a
    # missing age of the other person.
    _decided(assess_episode(EXACT(age), EXACT(age), relationship), R.RELATIONSHIP_EXCLUSION)
    _decided(assess_episode(EXACT(age), None, relationship), R.RELATIONSHIP_EXCLUSION)
    _decided(assess_episode(EXACT(age), None, relationship.value), R.RELATIONSHIP_EXCLUSION)


@pytest.mark.parametrize("age", [14, 15, 16, 17])
@pytest.mark.parametrize("relationship", [*NOT_EXCLUDED, Relationship.UNKNOWN, None])
def test_prostitution_for_a_minor(age: int, relationship: Relationship | None) -> None:
    _decided(
        assess_episode(EXACT(age), EXACT(age), relationship, prostitution=True),
        R.RELATIONSHIP_EXCLUSION,
    )


@pytest.mark.parametrize("age", [18, 19, 40])
@pytest.mark.parametrize("prostitution", [False, True])
@pytest.mark.parametrize("relationship", [*EXCLUDED, Relationship.UNKNOWN, None])
def test_exclusion_does_not_apply_to_adults(
    age: int, prostitution: bool, relationship: Relationship | None
) -> None:
    _decided(assess_episode(EXACT(age), EXACT(50), relationship, prostitution), R.ADULT)


@pytest.mark.parametrize("age", [0, 13])
@pytest.mark.parametrize("relationship", EXCLUDED)
def test_under_14_stays_the_one_rule_with_an_excluded_relationship(
    age: int, relationship: Relationship
) -> None:
    _decided(assess_episode(EXACT(age), None, relationship, prostitution=True), R.UNDER_14)


@pytest.mark.parametrize("relationship", NOT_EXCLUDED)
def test_known_relationship_outside_the_exclusion(relationship: Relationship) -> None:
    _decided(assess_episode(EXACT(16), None, relationship), R.AGE_16_17)


@pytest.mark.parametrize("relationship", [Relationship.UNKNOWN, None, "unknown", "neighbour", ""])
@pytest.mark.parametrize(
    ("age", "without_exclusion"),
    [(16, R.AGE_16_17), (17, R.AGE_16_17), (15, R.AGE_14_15_GAP_WITHIN_3)],
)
def test_unknown_relationship_lists_the_exclusion_as_a_candidate(
    relationship: Relationship | str | None, age: int, without_exclusion: MinorRule
) -> None:
    assessment = assess_episode(EXACT(age), EXACT(age), relationship)
    assert assessment.rules == (R.RELATIONSHIP_EXCLUSION, without_exclusion)
    assert assessment.needs == ("relationship",)
    assert not assessment.decided


# --- the person's age range across 14, 16 or 18 --------------------------------------------


@pytest.mark.parametrize(
    ("person", "rules"),
    [
        (AgeRange(13, 14), (R.UNDER_14, R.AGE_14_15_GAP_WITHIN_3)),
        (AgeRange(15, 16), (R.AGE_14_15_GAP_WITHIN_3, R.AGE_16_17)),
        (AgeRange(17, 18), (R.AGE_16_17, R.ADULT)),
        (
            AgeRange(5, 40),
            (R.UNDER_14, R.AGE_14_15_GAP_WITHIN_3, R.AGE_16_17, R.ADULT),
        ),
    ],
)
def test_person_age_range_across_a_limit_lists_the_candidates(
    person: AgeRange, rules: tuple[MinorRule, ...]
) -> None:
    assessment = assess_episode(person, EXACT(16), Relationship.STRANGER)
    assert assessment.rules == rules
    assert assessment.needs == ("person_age",)
    assert not assessment.decided


def test_person_age_range_across_14_with_unknown_other_age() -> None:
    assessment = assess_episode(AgeRange(13, 14), None, Relationship.STRANGER)
    assert assessment.rules == (R.UNDER_14, R.AGE_14_15_NEEDS_ASSAILANT_AGE)
    assert assessment.needs == ("person_age", "assailant_age")


def test_person_age_range_inside_one_band_decides() -> None:
    _decided(assess_episode(AgeRange(2, 13), None, None), R.UNDER_14)
    _decided(assess_episode(AgeRange(16, 17), None, Relationship.STRANGER), R.AGE_16_17)
    _decided(assess_episode(AgeRange(18, MAX_AGE), None, None), R.ADULT)


def test_is_minor() -> None:
    assert is_minor(AgeRange(0, 17)) is True
    assert is_minor(AgeRange(18, 90)) is False
    assert is_minor(AgeRange(17, 18)) is None
    assert is_minor(None) is None


@pytest.mark.parametrize(("low", "high"), [(-1, 5), (6, 5), (0, MAX_AGE + 1)])
def test_age_range_is_checked(low: int, high: int) -> None:
    with pytest.raises(ValueError, match="age range"):
        AgeRange(low, high)


def test_exact_age_range() -> None:
    assert AgeRange.exact(12) == AgeRange(12, 12)


# --- ages from dates -------------------------------------------------------------------------


def test_age_on_the_day_before_and_on_a_birthday() -> None:
    born = date(2010, 6, 15)
    assert age_on(born, date(2024, 6, 14)) == 13
    assert age_on(born, date(2024, 6, 15)) == 14
    assert age_on(born, born) == 0


def test_age_on_with_a_29_february_birthday() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17  # a common year: not yet 18 ...
    assert age_on(born, date(2026, 3, 1)) == 18  # ... until 1 March
    assert age_on(born, date(2028, 2, 28)) == 19
    assert age_on(born, date(2028, 2, 29)) == 20  # a leap year: on the day


def test_age_on_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the date of birth"):
        age_on(date(2010, 1, 2), date(2010, 1, 1))


def test_age_range_between_over_a_birthday() -> None:
    born = date(2010, 6, 15)
    over = age_range_between(born, date(2024, 6, 1), date(2024, 7, 1))
    assert over == AgeRange(13, 14)
    assessment = assess_episode(over, EXACT(30), Relationship.STRANGER)
    assert assessment.rules == (R.UNDER_14, R.AGE_14_15_GAP_OVER_3)
    assert age_range_between(born, date(2024, 6, 15), date(2024, 7, 1)) == EXACT(14)


def test_age_range_between_checks_its_dates() -> None:
    born = date(2010, 6, 15)
    # A range starting before the birth counts from the birth.
    assert age_range_between(born, date(2009, 1, 1), date(2011, 1, 1)) == AgeRange(0, 0)
    with pytest.raises(ValueError, match="after its last"):
        age_range_between(born, date(2024, 7, 1), date(2024, 6, 1))
    with pytest.raises(ValueError, match="before the date of birth"):
        age_range_between(born, date(2009, 1, 1), date(2009, 2, 1))


ARRIVAL = date(2024, 5, 10)


@pytest.mark.parametrize(
    ("episode", "expected"),
    [
        (ARRIVAL, EXACT(15)),  # the arrival date
        (date(2024, 5, 9), AgeRange(14, 15)),  # the day before: may have had a birthday
        (date(2023, 5, 11), AgeRange(14, 15)),  # within a year
        (date(2023, 5, 10), EXACT(14)),  # exactly a year before
        (date(2023, 5, 9), AgeRange(13, 14)),
        (date(2021, 1, 1), AgeRange(11, 12)),  # between 3 and 4 years before
        (date(2025, 6, 1), AgeRange(16, 17)),  # reported at a later visit
    ],
)
def test_age_range_from_years(episode: date, expected: AgeRange) -> None:
    assert age_range_from_years(15, ARRIVAL, episode) == expected


def test_age_range_from_years_over_an_episode_range() -> None:
    # Youngest at the first date, oldest at the last.
    assert age_range_from_years(15, ARRIVAL, ARRIVAL, date(2023, 1, 1)) == AgeRange(13, 15)
    with pytest.raises(ValueError, match="after its last"):
        age_range_from_years(15, ARRIVAL, date(2023, 1, 1), ARRIVAL)


def test_age_range_from_years_on_29_february_and_at_birth() -> None:
    leap = date(2024, 2, 29)
    # 1 on 29 February 2024: born between 1 March 2022 and 28 February 2023.
    assert age_range_from_years(1, leap, date(2023, 3, 1)) == AgeRange(0, 1)
    assert age_range_from_years(1, leap, date(2023, 2, 28)) == AgeRange(0, 0)
    assert age_range_from_years(1, leap, date(2023, 2, 27)) == AgeRange(0, 0)
    # A baby of 0 cannot have been born more than a year before arrival.
    assert age_range_from_years(0, ARRIVAL, date(2023, 5, 11)) == EXACT(0)
    with pytest.raises(ValueError, match="before any possible date of birth"):
        age_range_from_years(0, ARRIVAL, date(2023, 5, 10))
    with pytest.raises(ValueError, match="an age"):
        age_range_from_years(-1, ARRIVAL, ARRIVAL)


@given(
    born=st.dates(date(1950, 1, 1), date(2024, 12, 31)),
    after_birth=st.integers(0, 60 * 366),
    arrival_after_episode=st.integers(-3 * 366, 10 * 366),
)
def test_age_range_from_years_always_holds_the_true_age(
    born: date, after_birth: int, arrival_after_episode: int
) -> None:
    episode = born + timedelta(after_birth)
    arrival = max(born, episode + timedelta(arrival_after_episode))
    found = age_range_from_years(age_on(born, arrival), arrival, episode)
    assert found.min <= age_on(born, episode) <= found.max
    assert found.max - found.min <= 1


# --- child protection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "bodies"),
    [
        *[(code, (VK,)) for code in ("GNT", "ANT", "WVL", "LEU", "LIM")],
        *[(code, (SOS_ENFANTS,)) for code in ("LIE", "CRL", "NAM", "LUX")],
        ("BXL", (VK, SOS_ENFANTS)),
        ("gnt ", (VK,)),
        ("XYZ", ()),
        ("DEMO", ()),
        ("", ()),
    ],
)
def test_child_protection_bodies(code: str, bodies: tuple[object, ...]) -> None:
    assert child_protection_bodies(code) == bodies


def test_child_protection_bodies_contacts() -> None:
    assert (VK.id, VK.contact, VK.community) == ("vk", "1712", "flemish")
    assert (SOS_ENFANTS.id, SOS_ENFANTS.community) == ("sos_enfants", "french")
    assert SOS_ENFANTS.name == "SOS-Enfants"
    assert not re.search(r"\d{3}", SOS_ENFANTS.contact)  # no invented phone number


# --- the minor's decisions -------------------------------------------------------------------

REASONS = [
    ({"consents_alone": True}, "consents_alone_reason"),
    ({"do_not_inform_parents": True}, "do_not_inform_parents_reason"),
    ({"child_protection": "not_needed"}, "child_protection_reason"),
    ({"prosecutor_decision": "inform"}, "prosecutor_reason"),
    ({"prosecutor_decision": ProsecutorDecision.NOT_INFORM}, "prosecutor_reason"),
]


@pytest.mark.parametrize(("choice", "reason"), REASONS)
@pytest.mark.parametrize("missing", [None, "", "   \n\t"])
def test_a_choice_without_its_reason(
    choice: dict[str, object], reason: str, missing: str | None
) -> None:
    values = {**choice, reason: missing} if missing is not None else dict(choice)
    problems = check_minor_decisions(values)
    assert [p.field for p in problems] == [reason]
    assert problems[0].message.startswith("Give the reason")


@pytest.mark.parametrize(("choice", "reason"), REASONS)
def test_a_choice_with_its_reason(choice: dict[str, object], reason: str) -> None:
    assert check_minor_decisions({**choice, reason: "The father is the suspect."}) == []


def test_choices_that_need_no_reason() -> None:
    values = {
        "consents_alone": False,
        "do_not_inform_parents": False,
        "child_protection": "consulted",
        "prosecutor_decision": "not_yet_decided",
    }
    assert check_minor_decisions(values) == []
    assert check_minor_decisions({"child_protection": "referred"}) == []
    assert check_minor_decisions({"child_protection": "not_yet"}) == []
    assert check_minor_decisions({}) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("consents_alone", "yes"),
        ("do_not_inform_parents", 1),
        ("child_protection", "maybe"),
        ("child_protection", "NOT_NEEDED"),
        ("prosecutor_decision", "perhaps"),
        ("prosecutor_decision", 3),
    ],
)
def test_an_unknown_choice_value(field: str, value: object) -> None:
    assert check_minor_decisions({field: value}) == [MinorDecisionProblem(field, CHOOSE_AN_OPTION)]


def test_every_problem_is_reported_in_field_order() -> None:
    problems = check_minor_decisions(
        {
            "consents_alone": True,
            "do_not_inform_parents": True,
            "child_protection": "not_needed",
            "prosecutor_decision": "bogus",
        }
    )
    assert [p.field for p in problems] == [
        "consents_alone_reason",
        "do_not_inform_parents_reason",
        "child_protection_reason",
        "prosecutor_decision",
    ]


# --- the texts shown -------------------------------------------------------------------------


def test_every_value_has_a_calm_plain_text() -> None:
    texts = [
        *MINOR_RULE_TEXT.values(),
        *RELATIONSHIP_LABELS.values(),
        *PROSECUTOR_DECISION_LABELS.values(),
        *NEED_LABELS.values(),
        SOURCE,
    ]
    assert set(MINOR_RULE_TEXT) == set(MinorRule)
    assert set(RELATIONSHIP_LABELS) == set(Relationship)
    assert set(PROSECUTOR_DECISION_LABELS) == set(ProsecutorDecision)
    for text in texts:
        assert text.strip() and len(text) <= 200, text
        assert "{" not in text, text  # %(name)s placeholders only
        # Show the rule, never a qualification.
        assert not re.search(r"\b(rape|raped|assault|abuse|victim|guilty|crime)\b", text, re.I)


# --- properties ------------------------------------------------------------------------------

ages = st.builds(
    lambda a, b: AgeRange(min(a, b), max(a, b)), st.integers(0, MAX_AGE), st.integers(0, MAX_AGE)
)
relationships = st.one_of(st.none(), st.sampled_from(Relationship), st.text(max_size=12))


@given(
    person=st.none() | ages,
    other=st.none() | ages,
    relationship=relationships,
    prostitution=st.booleans(),
)
def test_assess_episode_always_answers(
    person: AgeRange | None,
    other: AgeRange | None,
    relationship: Relationship | str | None,
    prostitution: bool,
) -> None:
    assessment = assess_episode(person, other, relationship, prostitution)
    assert len(assessment.rules) >= 1
    assert assessment.decided == (len(assessment.rules) == 1 and not assessment.needs)
    assert len(set(assessment.rules)) == len(assessment.rules)
    if len(assessment.rules) > 1:
        assert assessment.needs  # never several rules without saying what decides
    assert set(assessment.needs) <= {"person_age", "assailant_age", "relationship"}
    assert all(need in NEED_LABELS for need in assessment.needs)


def _reference(
    person: AgeRange, other: AgeRange | None, relationship: Relationship | None, paid: bool
) -> set[MinorRule]:
    """Art. 417/6 for every exact pair of ages, written out without shortcuts."""
    found = set()
    others = [None] if other is None else range(other.min, other.max + 1)
    known = relationship not in (None, Relationship.UNKNOWN)
    for p, a, family in product(
        range(person.min, person.max + 1), others, [relationship in EXCLUDED or paid]
    ):
        for excluded in [family] if known or paid else [False, True]:
            if p >= 18:
                found.add(R.ADULT)
            elif p < 14:
                found.add(R.UNDER_14)
            elif excluded:
                found.add(R.RELATIONSHIP_EXCLUSION)
            elif p >= 16:
                found.add(R.AGE_16_17)
            elif a is None:
                found.add(R.AGE_14_15_NEEDS_ASSAILANT_AGE)
            else:
                found.add(R.AGE_14_15_GAP_WITHIN_3 if a - p <= 3 else R.AGE_14_15_GAP_OVER_3)
    return found


small_ages = st.builds(
    lambda a, b: AgeRange(min(a, b), max(a, b)), st.integers(0, 45), st.integers(0, 45)
)


@given(
    person=small_ages,
    other=st.none() | small_ages,
    relationship=st.none() | st.sampled_from(Relationship),
    prostitution=st.booleans(),
)
def test_candidates_are_exactly_the_rules_of_some_exact_ages(
    person: AgeRange, other: AgeRange | None, relationship: Relationship | None, prostitution: bool
) -> None:
    assessment = assess_episode(person, other, relationship, prostitution)
    assert set(assessment.rules) == _reference(person, other, relationship, prostitution)


@given(
    person=ages,
    other=st.none() | ages,
    relationship=relationships,
    prostitution=st.booleans(),
    wider_below=st.integers(0, MAX_AGE),
    wider_above=st.integers(0, MAX_AGE),
)
def test_widening_the_person_age_never_decides_more(
    person: AgeRange,
    other: AgeRange | None,
    relationship: Relationship | str | None,
    prostitution: bool,
    wider_below: int,
    wider_above: int,
) -> None:
    wider = AgeRange(max(0, person.min - wider_below), min(MAX_AGE, person.max + wider_above))
    narrow = assess_episode(person, other, relationship, prostitution)
    wide = assess_episode(wider, other, relationship, prostitution)
    assert set(narrow.rules) <= set(wide.rules)
    if not narrow.decided:
        assert not wide.decided
    if wide.decided:
        assert narrow.rules == wide.rules
