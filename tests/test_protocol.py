"""The clinical protocol file: the shipped ones are valid; bad ones are refused at a line.

Every bad file is the shipped text with one edit; the expected line is found in the
edited text (the line holding a marker), never hard-coded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sac_desktop.domain.protocol import (
    AFTER_STATES,
    BAND_STATES,
    CONDITIONS,
    FORMAT,
    LANGUAGES,
    MAX_DAYS,
    MAX_HOURS,
    SAMPLE_CONDITIONS,
    SAMPLE_GROUP_IDS,
    SAMPLE_KINDS,
    STORAGE_TEMPERATURES,
    TOXICOLOGY,
    Band,
    Protocol,
    ProtocolError,
    State,
    parse_protocol,
)
from sac_desktop.resources import resource

PROTOCOL_DIR = resource("protocols")
SHIPPED_FILES = sorted(PROTOCOL_DIR.glob("*.toml"))
REFERENCE = PROTOCOL_DIR / "sac-be-2026.1.toml"
TEXT = REFERENCE.read_text(encoding="utf-8")


def edit(old: str, new: str, text: str = TEXT) -> str:
    """``text`` with ``old`` (which must occur exactly once) replaced by ``new``."""
    assert text.count(old) == 1, f"not a unique substring: {old!r}"
    return text.replace(old, new)


def line_of(text: str, marker: str) -> int:
    """The 1-based number of the one line of ``text`` containing ``marker``."""
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(numbers) == 1, f"marker {marker!r} on lines {numbers}"
    return numbers[0]


def refused(text: str) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, source="edited.toml")
    return caught.value


def window_block(window_id: str) -> str:
    """The shipped text of one [[window]] table, from its header to the next header."""
    start = TEXT.index(f'[[window]]\nid = "{window_id}"')
    end = TEXT.index("\n[[", start + 1)
    return TEXT[start:end]


# -- the shipped files -------------------------------------------------------------------
def test_there_is_a_shipped_protocol() -> None:
    assert REFERENCE in SHIPPED_FILES


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=[p.name for p in SHIPPED_FILES])
def test_every_shipped_file_parses_and_is_consistent(path: Path) -> None:
    protocol = parse_protocol(path.read_text(encoding="utf-8"), source=path.name)
    assert isinstance(protocol, Protocol)
    # The file name is the protocol's key: sac-be-2026.1.toml is sac-be/2026.1.
    assert path.stem == f"{protocol.id}-{protocol.version}"
    assert protocol.key == f"{protocol.id}/{protocol.version}"
    assert protocol.windows and protocol.followups
    assert protocol.acute_limit_hours > 0 and protocol.highlight_hours > 0
    for window in protocol.windows:
        assert set(window.label) == set(LANGUAGES)
        assert all(window.label[lang].strip() for lang in LANGUAGES)
        assert window.source.strip()
        assert set(window.applies_when) <= CONDITIONS
        assert window.bands[0].start_hours == 0
        for before, after in zip(window.bands, window.bands[1:], strict=False):
            assert before.end_hours is not None and before.end_hours == after.start_hours
        for band in window.bands:
            assert band.state in BAND_STATES
            assert band.end_hours is None or band.end_hours > band.start_hours
        assert (window.after is None) == (window.limit_hours is None)
        assert window.after is None or window.after in AFTER_STATES
    for step in protocol.followups:
        assert step.until_days is None or step.until_days >= step.due_days
        assert set(step.applies_when) <= CONDITIONS
        assert set(step.label) == set(LANGUAGES)


def test_reference_protocol_matches_the_domain_rules() -> None:
    """The numbers of DOMAIN.md's clinical table, as the shipped file gives them."""
    protocol = parse_protocol(TEXT)
    assert protocol.key == "sac-be/2026.1"
    assert protocol.acute_limit_hours == 168  # acute: less than one week

    def shape(window_id: str) -> tuple[tuple[tuple[str, float | None], ...], str | None]:
        window = protocol.window(window_id)
        bands = tuple((b.state.value, b.end_hours) for b in window.bands)
        return bands, None if window.after is None else window.after.value

    assert shape("hiv_pep") == ((("optimal", 24), ("reduced", 72)), "closed")
    assert shape("ec_levonorgestrel") == ((("optimal", 24), ("reduced", 72)), "closed")
    assert shape("ec_ulipristal") == ((("optimal", 120),), "closed")
    assert shape("ec_copper_iud") == ((("optimal", 120),), "closed")
    assert shape("hbv_vaccine") == ((("optimal", None),), None)  # whatever the delay
    assert shape("hbv_immunoglobulin") == ((("optimal", 24), ("reduced", 336)), "outside")
    assert shape("hav_vaccine") == ((("optimal", 336),), "outside")
    assert shape("forensic_exam") == ((("optimal", 72), ("reduced", 168)), "outside")
    assert shape("tox_blood") == ((("optimal", 24), ("reduced", 72)), "outside")
    assert shape("tox_urine") == ((("optimal", 24), ("reduced", 120)), "outside")
    # Only PEP and the emergency contraceptives are hard stops.
    hard = {w.id for w in protocol.windows if w.hard_stop}
    assert hard == {"hiv_pep", "ec_levonorgestrel", "ec_ulipristal", "ec_copper_iud"}
    # EC is decided by anatomy and possible pregnancy; HBIG by a known HBsAg-positive source.
    for ec in ("ec_levonorgestrel", "ec_ulipristal", "ec_copper_iud"):
        assert set(protocol.window(ec).applies_when) == {"pregnancy_possible", "vaginal_exposure"}
    assert protocol.window("hbv_immunoglobulin").applies_when == ("source_hbsag_positive",)
    assert protocol.window("hav_vaccine").applies_when == ("hepatitis_a_indicated",)
    assert protocol.window("hiv_pep").applies_when == ()
    steps = {s.id: s for s in protocol.followups}
    assert (steps["pregnancy_retest"].anchor, steps["pregnancy_retest"].due_days) == (
        "last_exposure",
        21,
    )
    assert (steps["hiv_syphilis_6w"].anchor, steps["hiv_syphilis_6w"].due_days) == (
        "last_exposure",
        42,
    )
    assert steps["hbv_dose_2"].anchor == steps["hbv_dose_3"].anchor == "first_dose"


def test_band_at_is_inclusive_at_each_end() -> None:
    pep = parse_protocol(TEXT).window("hiv_pep")
    assert pep.band_at(0) is State.OPTIMAL
    assert pep.band_at(24) is State.OPTIMAL
    assert pep.band_at(24.001) is State.REDUCED
    assert pep.band_at(72) is State.REDUCED
    assert pep.band_at(72.001) is State.CLOSED
    assert pep.limit_hours == 72 and pep.hard_stop
    assert pep.bands[1] == Band(State.REDUCED, 24.0, 72.0)
    assert pep.text("nl").startswith("HIV-postexpositieprofylaxe")
    assert pep.text("xx") == pep.label["en"]  # an unknown language falls back to English
    vaccine = parse_protocol(TEXT).window("hbv_vaccine")
    assert vaccine.band_at(10**6) is State.OPTIMAL and not vaccine.hard_stop


def test_window_lookup_by_id() -> None:
    protocol = parse_protocol(TEXT)
    assert protocol.window("forensic_exam").group == "forensic"
    with pytest.raises(KeyError):
        protocol.window("no_such_window")


def test_error_names_source_and_line() -> None:
    error = refused(edit("format = 1", "format = 2"))
    assert error.source == "edited.toml"
    assert str(error).startswith(f"edited.toml (line {error.line}): ")
    bare = ProtocolError("problem", None)
    assert bare.line is None and str(bare) == "problem"


# -- malformed TOML ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "marker"),
    [
        pytest.param(
            'id = "hiv_pep"\ngroup',
            'id = "hiv_pep  # MARK\ngroup',
            "MARK",
            id="unterminated-string",
        ),
        pytest.param(
            'after = "closed"\nsource = "FSRH; WHO: up to 120 h"',
            'after = "closed"\nafter = "outside"  # MARK\nsource = "FSRH; WHO: up to 120 h"',
            "MARK",
            id="key-given-twice",
        ),
        pytest.param("[clock]", "[clock  # MARK", "MARK", id="unclosed-header"),
        pytest.param(
            "highlight_hours = 4 ", "highlight_hours = four  # MARK", "MARK", id="bare-word"
        ),
        pytest.param(
            '{ state = "optimal", until_hours = 336 },',
            '{ state = "optimal", until_hours = 336 }, }  # MARK',
            "MARK",
            id="stray-brace",
        ),
    ],
)
def test_malformed_toml_is_refused_at_its_line(old: str, new: str, marker: str) -> None:
    text = edit(old, new)
    error = refused(text)
    assert error.problem.startswith("not valid TOML")
    assert error.line == line_of(text, marker)


def test_text_that_is_not_toml_at_all() -> None:
    error = refused("this is not a protocol\n")
    assert error.problem.startswith("not valid TOML") and error.line == 1


# -- contradictory files -----------------------------------------------------------------
PEP_REDUCED = '  { state = "reduced", until_hours = 72 },\n]\nafter = "closed"\nsource = "CDC'


@pytest.mark.parametrize(
    ("until", "fragment"),
    [
        pytest.param("20", "ends at 20 h, before it starts at 24 h", id="ends-before-start"),
        pytest.param("24", "ends at 24 h, before it starts at 24 h", id="same-as-previous"),
        pytest.param("-5", "ends at -5 h", id="negative"),
    ],
)
def test_band_not_after_the_previous_one_is_refused(until: str, fragment: str) -> None:
    text = edit(PEP_REDUCED, PEP_REDUCED.replace("until_hours = 72", f"until_hours = {until}"))
    error = refused(text)
    assert "contradictory" in error.problem and fragment in error.problem
    assert error.line == line_of(text, f'{{ state = "reduced", until_hours = {until} }}')


def test_first_band_ending_at_zero_is_refused() -> None:
    old = '{ state = "optimal", until_hours = 120 },\n]\nafter = "closed"\nsource = "FSRH; WHO'
    text = edit(old, old.replace("until_hours = 120", "until_hours = 0"))
    error = refused(text)
    assert "contradictory" in error.problem
    assert error.line == line_of(text, "until_hours = 0 ")


def test_bands_on_one_line_name_that_line() -> None:
    old = """bands = [
  { state = "optimal", until_hours = 72 },
  { state = "reduced", until_hours = 168 },
]
after = "outside"
source = "SAC practice"""
    one_line = '{ state = "optimal", until_hours = 72 }, { state = "reduced", until_hours = 7 }'
    new = f'bands = [{one_line}]\nafter = "outside"\nsource = "SAC practice'
    text = edit(old, new)
    error = refused(text)
    assert "contradictory" in error.problem
    assert error.line == line_of(text, "until_hours = 7 }]")


def test_followup_until_before_due_is_refused() -> None:
    old = "due_days = 21\nuntil_days = 28"
    text = edit(old, "due_days = 21\nuntil_days = 14")
    error = refused(text)
    assert "contradictory" in error.problem and "'until_days'" in error.problem
    assert error.line == line_of(text, "until_days = 14")


def test_after_given_when_the_last_band_never_ends_is_refused() -> None:
    old = '  { state = "optimal" },\n]\nsource = "CDC 2021 STI guidelines: whatever'
    new = old.replace("]\n", ']\nafter = "outside"  # MARK\n')
    text = edit(old, new)
    error = refused(text)
    assert "never ends" in error.problem
    assert error.line == line_of(text, "MARK")


def test_only_the_last_band_may_be_open_ended() -> None:
    text = edit(
        '{ state = "optimal", until_hours = 24 },\n  { state = "reduced", until_hours = 336 },',
        '{ state = "optimal" },  # MARK\n  { state = "reduced", until_hours = 336 },',
    )
    error = refused(text)
    assert "only the last band" in error.problem
    assert error.line == line_of(text, "MARK")


def test_closing_window_without_after_is_refused_at_its_bands() -> None:
    old = ']\nafter = "outside"\nsource = "ACIP'
    text = edit(old, ']\nsource = "ACIP')
    error = refused(text)
    assert "'after' must be" in error.problem
    # The window's id (the first of the two "hav_vaccine" ids: the checklist item follows).
    hav = min(
        n for n, line in enumerate(text.splitlines(), start=1) if line == 'id = "hav_vaccine"'
    )
    bands = [n for n, line in enumerate(text.splitlines(), start=1) if line == "bands = ["]
    assert error.line == min(n for n in bands if n > hav)


# -- unknown or wrong values ---------------------------------------------------------------
@pytest.mark.parametrize("value", ["2", "0", '"1"', "1.5"])
def test_unknown_format_version_is_refused(value: str) -> None:
    text = edit("format = 1\n", f"format = {value}\n")
    error = refused(text)
    assert "unknown protocol format" in error.problem and str(FORMAT) in error.problem
    assert error.line == line_of(text, f"format = {value}")


def test_missing_format_is_refused() -> None:
    error = refused(edit("format = 1\n", ""))
    assert "unknown protocol format None" in error.problem


def test_unknown_condition_is_refused() -> None:
    text = edit(
        'applies_when = ["source_hbsag_positive"]\nbands',
        'applies_when = ["source_hbsag_unknown"]\nbands',
    )
    error = refused(text)
    assert error.problem == "unknown condition 'source_hbsag_unknown'"
    assert error.line == line_of(text, "source_hbsag_unknown")


def test_unknown_condition_in_a_list_over_several_lines_names_its_own_line() -> None:
    text = edit(
        'applies_when = ["dfsa_suspected"]\nbands = [\n  { state = "optimal", until_hours = 24 },\n'
        '  { state = "reduced", until_hours = 120 },',
        'applies_when = [\n  "dfsa_suspected",\n  "drugs_suspected",\n]\nbands = [\n'
        '  { state = "optimal", until_hours = 24 },\n  { state = "reduced", until_hours = 120 },',
    )
    error = refused(text)
    assert error.problem == "unknown condition 'drugs_suspected'"
    assert error.line == line_of(text, '"drugs_suspected"')


def test_unknown_condition_in_a_followup_is_refused() -> None:
    old = 'applies_when = ["dfsa_suspected"]\nsource = "Forensic toxicology references: at'
    text = edit(old, old.replace("dfsa_suspected", "hair_ok"))
    error = refused(text)
    assert error.problem == "unknown condition 'hair_ok'"
    assert error.line == line_of(text, "hair_ok")


@pytest.mark.parametrize("language", LANGUAGES)
def test_label_missing_a_language_is_refused(language: str) -> None:
    old = (
        'label = { en = "Hepatitis A vaccine", nl = "Hepatitis A-vaccin", '
        'fr = "Vaccin hépatite A", de = "Hepatitis-A-Impfstoff" }'
    )
    texts = {
        "en": '"Hepatitis A vaccine"',
        "nl": '"Hepatitis A-vaccin"',
        "fr": '"Vaccin hépatite A"',
        "de": '"Hepatitis-A-Impfstoff"',
    }
    new = old.replace(f"{language} = {texts[language]}", f'{language} = "  "')
    text = edit(old, new)
    error = refused(text)
    assert error.problem == f"'label' has no text for: {language}"
    assert error.line == line_of(text, f'{language} = "  "')


def test_label_without_a_language_key_in_a_followup_is_refused() -> None:
    old = (
        'label = { en = "Review at 6 months", nl = "Opvolging na 6 maanden", '
        'fr = "Suivi à 6 mois", de = "Kontrolle nach 6 Monaten" }'
    )
    text = edit(old, 'label = { en = "Review at 6 months", nl = "Opvolging na 6 maanden" }')
    error = refused(text)
    assert error.problem == "'label' has no text for: fr, de"
    assert error.line == line_of(text, 'en = "Review at 6 months"')


def test_duplicate_window_id_is_refused_at_the_second() -> None:
    text = edit('id = "ec_copper_iud"', 'id = "ec_ulipristal"')
    error = refused(text)
    assert error.problem == "the window id 'ec_ulipristal' is used twice"
    second = [n for n, line in enumerate(text.splitlines(), 1) if line == 'id = "ec_ulipristal"']
    assert len(second) == 2 and error.line == second[1]


def test_duplicate_followup_id_is_refused_at_the_second() -> None:
    text = edit('id = "review_6m"', 'id = "call_24h"')
    error = refused(text)
    assert error.problem == "the followup id 'call_24h' is used twice"
    second = [n for n, line in enumerate(text.splitlines(), 1) if line == 'id = "call_24h"']
    assert len(second) == 2 and error.line == second[1]


@pytest.mark.parametrize(
    ("old", "new", "marker", "fragment"),
    [
        pytest.param(
            '{ state = "optimal", until_hours = 336 },',
            '{ state = "optimum", until_hours = 336 },',
            '"optimum"',
            "a band's state must be",
            id="band-optimum",
        ),
        pytest.param(
            '{ state = "optimal", until_hours = 336 },',
            '{ state = "closed", until_hours = 336 },',
            'state = "closed"',
            "a band's state must be",
            id="band-closed",
        ),
        pytest.param(
            '{ state = "optimal", until_hours = 336 },',
            "{ until_hours = 336 },",
            "{ until_hours = 336 }",
            "a band's state must be",
            id="band-no-state",
        ),
        pytest.param(
            ']\nafter = "outside"\nsource = "ACIP',
            ']\nafter = "shut"\nsource = "ACIP',
            '"shut"',
            "'after' must be closed",
            id="after-shut",
        ),
        pytest.param(
            ']\nafter = "outside"\nsource = "ACIP',
            ']\nafter = "optimal"\nsource = "ACIP',
            'after = "optimal"',
            "'after' must be closed",
            id="after-optimal",
        ),
        pytest.param(
            'anchor = "first_dose"\ndue_days = 120',
            'anchor = "second_dose"\ndue_days = 120',
            '"second_dose"',
            "'anchor' must be one of",
            id="anchor",
        ),
    ],
)
def test_wrong_state_or_anchor_name_is_refused(
    old: str, new: str, marker: str, fragment: str
) -> None:
    text = edit(old, new)
    error = refused(text)
    assert fragment in error.problem
    assert error.line == line_of(text, marker)


@pytest.mark.parametrize(
    ("old", "new", "marker", "fragment"),
    [
        pytest.param(
            'id = "sample_oral"',
            'id = "Sample Oral"',
            "Sample Oral",
            "'id' has an invalid value",
            id="window-id-pattern",
        ),
        pytest.param(
            'source = "WHO: ~2 weeks"',
            'source = "  "',
            'source = "  "',
            "'source' must be a non-empty text",
            id="blank-source",
        ),
        pytest.param(
            'version = "2026.1"',
            'version = "2026 1"',
            "2026 1",
            "'version' has an invalid value",
            id="version-pattern",
        ),
        pytest.param(
            "acute_limit_hours = 168",
            "acute_limit_hours = 0",
            "acute_limit_hours = 0",
            "'acute_limit_hours' must be a number greater than 0",
            id="acute-zero",
        ),
        pytest.param(
            "highlight_hours = 4 ",
            "highlight_hours = true ",
            "highlight_hours = true",
            "'highlight_hours' must be a number",
            id="highlight-bool",
        ),
        pytest.param(
            "highlight_hours = 4 ",
            "highlight_minutes = 4 ",
            "highlight_minutes",
            "unknown key 'highlight_minutes' in [clock]",
            id="clock-unknown-key",
        ),
        pytest.param(
            'group = "toxicology"\nlabel = { en = "Toxicology: blood"',
            'group = "toxicology"\nspeed = 3\nlabel = { en = "Toxicology: blood"',
            "speed = 3",
            "unknown key 'speed'",
            id="window-unknown-key",
        ),
        pytest.param(
            '{ state = "reduced", until_hours = 48 },\n]\nafter = "outside"\n'
            'source = "FFLM; RCH Victoria: o',
            '{ state = "reduced", until_hours = 48, until_days = 2 },\n]\nafter = "outside"\n'
            'source = "FFLM; RCH Victoria: o',
            "until_days = 2 }",
            "unknown key 'until_days' in a band",
            id="band-unknown-key",
        ),
        pytest.param(
            "title = ",
            "titel = ",
            "titel = ",
            "unknown key 'titel'",
            id="top-level-unknown-key",
        ),
        pytest.param(
            "due_days = 180",
            "due_days = -1",
            "due_days = -1",
            "'due_days' must be a number of days",
            id="due-negative",
        ),
        pytest.param(
            'due_days = 1\nuntil_days = 3\nforensic = true\nsource = "SAC practice: at 24-72 h"',
            'due_days = "1"\nuntil_days = 3\nforensic = true\nsource = "SAC practice: at 24-72 h"',
            'due_days = "1"',
            "'due_days' must be a number of days",
            id="due-text",
        ),
        pytest.param(
            'until_days = 3\nforensic = true\nsource = "SAC practice: at 24-72 h"',
            'until_days = 3\nforensic = "yes"\nsource = "SAC practice: at 24-72 h"',
            'forensic = "yes"',
            "'forensic' must be true or false",
            id="forensic-text",
        ),
        pytest.param(
            "doses_per_day = 1\ncourse_days = 28",
            "doses_per_day = 1\ncourse_days = 0",
            "course_days = 0",
            "a course needs both",
            id="course-half",
        ),
        pytest.param(
            "doses_per_day = 2\ncourse_days = 7",
            "doses_per_day = 2\ncourse_days = 7.5",
            "course_days = 7.5",
            "'course_days' must be a whole number",
            id="course-days-fraction",
        ),
    ],
)
def test_other_bad_values_are_refused_at_their_line(
    old: str, new: str, marker: str, fragment: str
) -> None:
    text = edit(old, new)
    error = refused(text)
    assert fragment in error.problem
    assert error.line == line_of(text, marker)


@pytest.mark.parametrize(
    "value", ["inf", "+inf", "nan", "1e300", str(MAX_HOURS + 1)], ids=lambda v: f"hours={v}"
)
def test_hours_must_be_finite_and_sane(value: str) -> None:
    """Infinity or NaN would parse in TOML and then break every case's date arithmetic."""
    text = edit(PEP_REDUCED, PEP_REDUCED.replace("until_hours = 72", f"until_hours = {value}"))
    error = refused(text)
    assert "'until_hours' must be a number of hours" in error.problem
    assert error.line == line_of(text, f"until_hours = {value} ")
    clock = edit("acute_limit_hours = 168", f"acute_limit_hours = {value}")
    error = refused(clock)
    assert error.line == line_of(clock, f"acute_limit_hours = {value}")


@pytest.mark.parametrize("value", ["inf", "nan", str(MAX_DAYS + 1)], ids=lambda v: f"days={v}")
def test_days_must_be_finite_and_sane(value: str) -> None:
    text = edit("due_days = 180\nuntil_days = 200", f"due_days = 180\nuntil_days = {value}")
    error = refused(text)
    assert "'until_days' must be a number of days" in error.problem
    assert error.line == line_of(text, f"until_days = {value}")
    due = edit("due_days = 180\nuntil_days = 200", f"due_days = {value}\nuntil_days = 200")
    error = refused(due)
    assert error.line == line_of(due, f"due_days = {value}")


def test_the_largest_sane_numbers_are_accepted() -> None:
    text = edit(PEP_REDUCED, PEP_REDUCED.replace("until_hours = 72", f"until_hours = {MAX_HOURS}"))
    text = edit(
        "due_days = 180\nuntil_days = 200", f"due_days = 180\nuntil_days = {MAX_DAYS}", text
    )
    protocol = parse_protocol(text)
    assert protocol.window("hiv_pep").limit_hours == MAX_HOURS
    assert protocol.followups[-1].until_days == MAX_DAYS


# -- line numbers stay right however the headers are written ---------------------------------
def test_header_with_a_comment_still_counts_as_a_table() -> None:
    """A comment after ``[[window]]`` is valid TOML: the lines after it are still its own."""
    old = '[[window]]\nid = "ec_levonorgestrel"'
    text = edit(old, old.replace("[[window]]", "[[window]]  # levonorgestrel"))
    text = edit('id = "ec_copper_iud"', 'id = "ec_levonorgestrel"  # MARK', text)
    error = refused(text)
    assert "used twice" in error.problem
    assert error.line == line_of(text, "MARK")


def test_spaced_headers_and_clock_comment() -> None:
    text = edit("[clock]", "[ clock ]   # clock settings")
    text = edit('[[followup]]\nid = "review_6m"', '[[ followup ]]\nid = "review_6m"', text)
    assert parse_protocol(text).followups[-1].id == "review_6m"
    bad = edit("acute_limit_hours = 168", "acute_limit_hours = -1", text)
    assert refused(bad).line == line_of(bad, "acute_limit_hours = -1")
    bad = edit("due_days = 180", "due_days = -3", text)
    assert refused(bad).line == line_of(bad, "due_days = -3")


def test_missing_window_and_clock_tables() -> None:
    clockless = edit("[clock]\n", "")
    error = refused(clockless)
    assert error.line is not None  # its keys are then top-level keys: unknown ones
    assert error.line == line_of(clockless, "acute_limit_hours")
    header = TEXT[: TEXT.index("[[window]]")]
    assert "at least one [[window]]" in refused(header).problem


def test_a_band_better_than_the_one_before_is_contradictory() -> None:
    text = SHIPPED_TEXT_FOR_ORDER.replace(
        '  { state = "reduced", until_hours = 72 },\n]\nafter = "closed"\nsource = "CDC nPEP',
        '  { state = "reduced", until_hours = 72 },\n  { state = "optimal", until_hours = 80 },\n'
        ']\nafter = "closed"\nsource = "CDC nPEP',
        1,
    )
    assert text != SHIPPED_TEXT_FOR_ORDER
    with pytest.raises(ProtocolError) as refused:
        parse_protocol(text)
    line = text.splitlines().index('  { state = "optimal", until_hours = 80 },') + 1
    assert refused.value.line == line and "cannot follow" in refused.value.problem


SHIPPED_TEXT_FOR_ORDER = (
    Path(__file__).resolve().parent.parent / "resources" / "protocols" / "sac-be-2026.1.toml"
).read_text(encoding="utf-8")


# -- the kit and its samples ---------------------------------------------------------------
def nth_line_of(text: str, marker: str, nth: int) -> int:
    """The 1-based number of the ``nth`` (1-based) line of ``text`` containing ``marker``."""
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(numbers) >= nth, f"marker {marker!r} on lines {numbers}"
    return numbers[nth - 1]


def test_the_shipped_kit_and_its_samples() -> None:
    protocol = parse_protocol(TEXT)
    kit = protocol.kit
    assert kit is not None
    assert kit.label["en"] == "Belgian sexual assault kit (SAS)"
    assert kit.label["nl"] == "Set Seksuele Agressie (SAS)"
    assert kit.label["fr"] == "Set d'agression sexuelle (SAS)"
    assert kit.label["de"] == "Sexualdelikt-Set (SAS)"
    assert "verify" in kit.source
    assert kit.number_ok("SAS-2026-0042") and kit.number_ok("A1B2")
    assert not kit.number_ok("sas 1") and not kit.number_ok("AB") and not kit.number_ok("")
    assert not kit.number_ok("SAS-2026-0042\n")
    assert len({s.id for s in protocol.samples}) == len(protocol.samples) >= 16
    assert len({s.item for s in protocol.samples}) == len(protocol.samples)
    assert len({s.order for s in protocol.samples}) == len(protocol.samples)
    window_ids = {w.id for w in protocol.windows}
    for sample in protocol.samples:
        assert set(sample.label) == set(sample.site) == set(LANGUAGES)
        assert sample.window is None or sample.window in window_ids
        assert set(sample.suggest_when) <= SAMPLE_CONDITIONS
        assert sample.group in SAMPLE_GROUP_IDS | {TOXICOLOGY}
        assert sample.kind in SAMPLE_KINDS
        low, high = STORAGE_TEMPERATURES[sample.storage]
        assert low <= sample.temperature_c <= high
        assert sample.note is None or set(sample.note) == set(LANGUAGES)
    endocervical = protocol.sample("endocervical_swab")
    assert endocervical.note is not None and "48 h" in endocervical.note["en"]
    assert endocervical.suggest_when == ("vaginal_exposure",)
    assert protocol.sample("pubic_hair_combing").suggest_when == (
        "vaginal_exposure",
        "penile_exposure",
    )
    assert protocol.sample("reference_dna").suggest_when == ()
    assert protocol.sample("tox_urine").consent_item == "toxicology"
    assert protocol.sample("oral_swabs").consent_item == "samples.oral"
    with pytest.raises(KeyError):
        protocol.sample("no_such_sample")


def test_an_older_file_without_a_kit_stays_valid() -> None:
    older = TEXT[: TEXT.index("\n[kit]")]
    protocol = parse_protocol(older)
    assert protocol.kit is None and protocol.samples == ()
    assert protocol.windows == parse_protocol(TEXT).windows


def test_samples_without_a_kit_are_refused() -> None:
    start = TEXT.index("[kit]\n")
    end = TEXT.index("[[sample]]", start)
    bad = TEXT[:start] + TEXT[end:]
    error = refused(bad)
    assert "need a [kit]" in error.problem
    assert error.line == nth_line_of(bad, "[[sample]]", 1)


@pytest.mark.parametrize(
    ("old", "new", "marker", "fragment"),
    [
        ('window = "sample_oral"', 'window = "sample_mouth"', "sample_mouth", "does not define"),
        ('group = "oral"\n', 'group = "mouth"\n', 'group = "mouth"', "'group' must be one of"),
        ('kind = "combing"', 'kind = "comb"', 'kind = "comb"', "'kind' must be one of"),
        ('storage = "refrigerate"', 'storage = "fridge"', "fridge", "'storage' must be one of"),
        ("temperature_c = 4\n", "temperature_c = 25\n", "temperature_c = 25", "contradictory"),
        ("temperature_c = 4\n", 'temperature_c = "4"\n', 'temperature_c = "4"', "°C"),
        ("order = 30\n", "order = 30.5\n", "order = 30.5", "'order' must be a whole number"),
        ("order = 30\n", "order = true\n", "order = true", "'order' must be a whole number"),
        ('item = "3"\n', "item = 3\n", "item = 3", "'item' must be"),
        ('item = "3"\n', 'item = ""\n', 'item = ""', "'item' must be"),
        (
            'suggest_when = ["skin_exposure"]',
            'suggest_when = ["skin_contact"]',
            "skin_contact",
            "unknown condition",
        ),
        ("optional = true", 'optional = "yes"', 'optional = "yes"', "'optional'"),
        ('id = "fingernails"', 'id = "Finger Nails"', "Finger Nails", "invalid value"),
        (
            'order = 10\nwindow = "tox_urine"',
            'order = 10\nwindow = "tox_urine"\ncolour = "red"',
            'colour = "red"',
            "unknown key 'colour'",
        ),
        (
            "number_pattern = '^[A-Z0-9][A-Z0-9-]{3,23}$'",
            "number_pattern = '^[A-Z0-9'",
            "number_pattern = '^[A-Z0-9'",
            "not a valid regular expression",
        ),
        (
            "number_pattern = '^[A-Z0-9][A-Z0-9-]{3,23}$'",
            "number_pattern = ''",
            "number_pattern = ''",
            "'number_pattern' must be",
        ),
        (
            "number_pattern = '^[A-Z0-9][A-Z0-9-]{3,23}$'",
            "number_pattern = '^[A-Z0-9][A-Z0-9-]{3,23}$'\nbarcode = true",
            "barcode = true",
            "unknown key 'barcode' in [kit]",
        ),
        (
            'nl = "Set Seksuele Agressie (SAS)", ',
            'nl = "", ',
            'nl = ""',
            "'label' has no text for: nl",
        ),
        (
            'site = { en = "inside of the cheek", nl = "binnenkant van de wang", ',
            'site = { en = "inside of the cheek", ',
            'site = { en = "inside of the cheek"',
            "'site' has no text for: nl",
        ),
        (
            'note = { en = "After the oral swabs.", nl = "Na de mondwissers.", ',
            'note = { en = "After the oral swabs.", ',
            'note = { en = "After the oral swabs."',
            "'note' has no text for: nl",
        ),
    ],
)
def test_bad_kit_or_sample_values_are_refused_at_their_line(
    old: str, new: str, marker: str, fragment: str
) -> None:
    bad = edit(old, new)
    error = refused(bad)
    assert fragment in error.problem
    assert error.line == line_of(bad, marker)


@pytest.mark.parametrize(
    ("old", "new", "marker", "fragment"),
    [
        ('id = "rectal_swabs"', 'id = "anal_swabs"', 'id = "anal_swabs"', "sample id"),
        ('item = "16"', 'item = "15"', 'item = "15"', "kit item number '15'"),
        ("order = 160", "order = 150", "order = 150", "sampling order 150"),
    ],
)
def test_duplicate_sample_id_item_or_order_is_refused_at_the_second(
    old: str, new: str, marker: str, fragment: str
) -> None:
    bad = edit(old, new)
    error = refused(bad)
    assert fragment in error.problem and "used twice" in error.problem
    assert error.line == nth_line_of(bad, marker, 2)


def test_a_sample_condition_over_several_lines_names_its_own_line() -> None:
    bad = edit(
        'suggest_when = ["vaginal_exposure", "penile_exposure"]',
        'suggest_when = [\n  "vaginal_exposure",\n  "scrotal_exposure",\n]',
    )
    error = refused(bad)
    assert error.line == line_of(bad, "scrotal_exposure")


def test_sample_only_conditions_are_refused_for_windows() -> None:
    bad = edit(
        'applies_when = ["skin_exposure"]',
        'applies_when = ["tampon_pad_used"]',
    )
    error = refused(bad)
    assert "unknown condition" in error.problem
    assert error.line == nth_line_of(bad, "tampon_pad_used", 1)  # the window's line


def test_kit_written_as_a_list_of_tables_is_refused() -> None:
    bad = edit("[kit]\n", "[[kit]]\n")
    assert "[kit] table" in refused(bad).problem
