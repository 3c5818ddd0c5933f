"""Password policy in the OWASP ASVS style: length and a common-password list (Qt-free)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from enum import StrEnum
from functools import lru_cache

from sac_desktop.i18n import N_
from sac_desktop.resources import resource

MIN_LENGTH = 12
MAX_LENGTH = 128
# Shorter context words (a 3-letter first name) would reject too many good passwords.
MIN_CONTEXT_WORD = 4
_WORD_SPLIT = re.compile(r"[\W_]+")


class PasswordProblem(StrEnum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"
    CONTAINS_CONTEXT = "contains_context"


PASSWORD_MESSAGES: dict[PasswordProblem, str] = {
    PasswordProblem.TOO_SHORT: N_("Use at least 12 characters."),
    PasswordProblem.TOO_LONG: N_("Use at most 128 characters."),
    PasswordProblem.COMMON: N_(
        "This password is too common: it is on a list of leaked passwords and common words."
    ),
    PasswordProblem.CONTAINS_CONTEXT: N_(
        "The password must not contain your name or your account name."
    ),
}


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list (entries of 12+ characters), read once on first use."""
    text = resource("security", "common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def _context_words(context: Sequence[str]) -> set[str]:
    # "Jan.Peeters" is also checked as "peeters": people reuse parts of their name.
    words: set[str] = set()
    for item in context:
        item = unicodedata.normalize("NFC", item).strip().casefold()
        for word in [item, *_WORD_SPLIT.split(item)]:
            if len(word) >= MIN_CONTEXT_WORD:
                words.add(word)
    return words


def check_password(password: str, *, context: Sequence[str] = ()) -> list[PasswordProblem]:
    """Every problem with ``password`` (empty: acceptable); no composition rules.

    ``context``: the user name, account name and similar words the password must not
    contain. Length counts Unicode code points after NFC, so "é" typed as e + accent is one
    character, as the person sees it.
    """
    normalized = unicodedata.normalize("NFC", password)
    folded = normalized.casefold()
    problems: list[PasswordProblem] = []
    if len(normalized) < MIN_LENGTH:
        problems.append(PasswordProblem.TOO_SHORT)
    if len(normalized) > MAX_LENGTH:
        problems.append(PasswordProblem.TOO_LONG)
    if folded in common_passwords():
        problems.append(PasswordProblem.COMMON)
    if any(word in folded for word in _context_words(context)):
        problems.append(PasswordProblem.CONTAINS_CONTEXT)
    return problems
