"""Password policy: length in code points, the bundled common list, the user's own names."""

from __future__ import annotations

import pytest

from sac_desktop.resources import resource
from sac_desktop.security.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    PASSWORD_MESSAGES,
    PasswordProblem,
    check_password,
    common_passwords,
)

GOOD = "paarse vlinder op het dak"


def test_a_good_password_has_no_problem() -> None:
    assert check_password(GOOD, context=["jpeeters", "Jan Peeters"]) == []


def test_12_characters_pass_and_11_do_not() -> None:
    assert check_password("kwxz-vlinder") == []
    assert check_password("kwxz-vlinde") == [PasswordProblem.TOO_SHORT]
    assert check_password("") == [PasswordProblem.TOO_SHORT]


def test_long_passphrases_are_accepted_up_to_128() -> None:
    assert check_password("de groene fiets staat achter het oude station van Leuven 1999") == []
    assert check_password("q7" * 32) == []  # 64
    assert check_password("a1b2" * 32) == []  # 128
    assert check_password("a1b2" * 32 + "c") == [PasswordProblem.TOO_LONG]


def test_no_composition_rules() -> None:
    assert check_password("onlylowercaseletters") == []
    assert check_password("875309123456789") == []


def test_common_passwords_of_12_characters_or_more_are_refused() -> None:
    assert "leavemealone" in common_passwords()
    assert check_password("leavemealone") == [PasswordProblem.COMMON]
    assert check_password("LeaveMeAlone") == [PasswordProblem.COMMON]
    assert check_password("1qaz2wsx3edc") == [PasswordProblem.COMMON]
    assert check_password("International") == [PasswordProblem.COMMON]  # a dictionary word


def test_the_common_list_is_small_loaded_once_and_only_long_entries() -> None:
    path = resource("security", "common-passwords.txt")
    assert path.stat().st_size < 200_000
    assert (resource("security") / "README.md").is_file()
    entries = common_passwords()
    assert common_passwords() is entries
    assert len(entries) > 1000
    assert all(len(entry) >= MIN_LENGTH for entry in entries)
    assert all(entry == entry.casefold() for entry in entries)


def test_context_words_are_refused_case_insensitively() -> None:
    assert check_password("mijn-JPeeters-wachtwoord", context=["jpeeters"]) == [
        PasswordProblem.CONTAINS_CONTEXT
    ]
    # Parts of a full name or an address-like account name count too.
    assert check_password("hallo peeters 2026!", context=["Jan Peeters"]) == [
        PasswordProblem.CONTAINS_CONTEXT
    ]
    assert check_password("hallo peeters 2026!", context=["jan.peeters@sac.example"]) == [
        PasswordProblem.CONTAINS_CONTEXT
    ]


def test_context_words_shorter_than_4_characters_are_ignored() -> None:
    assert check_password("jan zegt hallo tegen ons", context=["jan", "Jan Li"]) == []
    assert check_password("anna zegt hallo tegen ons", context=["Anna"]) == [
        PasswordProblem.CONTAINS_CONTEXT
    ]


def test_every_problem_at_once() -> None:
    assert check_password("jpee", context=["jpee"]) == [
        PasswordProblem.TOO_SHORT,
        PasswordProblem.CONTAINS_CONTEXT,
    ]
    assert check_password("w" * 200, context=["wwww"]) == [
        PasswordProblem.TOO_LONG,
        PasswordProblem.CONTAINS_CONTEXT,
    ]


def test_length_counts_code_points_after_nfc() -> None:
    decomposed = "e\u0301" * 12  # 24 code points as typed, 12 characters as seen
    assert len(decomposed) == 24 and check_password(decomposed) == []
    assert check_password("e\u0301" * 11) == [PasswordProblem.TOO_SHORT]
    assert check_password("\u00e9" * 11) == [PasswordProblem.TOO_SHORT]
    # 12 code points, 48 UTF-8 bytes: counted as 12, not as bytes.
    assert check_password("\U0001f512" * 12) == []
    assert check_password("\U0001f512" * 11) == [PasswordProblem.TOO_SHORT]
    assert check_password("\U0001f512" * 128) == []
    assert check_password("\U0001f512" * 129) == [PasswordProblem.TOO_LONG]


def test_every_problem_has_a_message_naming_the_limits() -> None:
    assert set(PASSWORD_MESSAGES) == set(PasswordProblem)
    assert str(MIN_LENGTH) in PASSWORD_MESSAGES[PasswordProblem.TOO_SHORT]
    assert str(MAX_LENGTH) in PASSWORD_MESSAGES[PasswordProblem.TOO_LONG]


@pytest.mark.parametrize("problem", list(PasswordProblem))
def test_problems_are_stable_strings(problem: PasswordProblem) -> None:
    assert problem.value == problem.name.lower()
