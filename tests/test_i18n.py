"""Every user-visible string is in every catalog, translated, with the same placeholders."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from sac_desktop.i18n import LANGUAGES, catalog_dir, translator

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "sac_desktop"), keywords=KEYWORDS, comment_tags=()
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with (catalog_dir() / language / "LC_MESSAGES" / "sac_desktop.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_source_has_messages() -> None:
    assert len(_source_messages()) > 50


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_covers_every_source_message(language: str) -> None:
    catalog = _catalog(language)
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}
    missing = sorted(_source_messages() - ids)
    assert missing == [], "run the catalog update described in README.md"


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_catalog_is_fully_translated_with_matching_placeholders(language: str) -> None:
    for message in _catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated in {language}: {ids[0]!r}"
        assert "fuzzy" not in message.flags, f"a guess, not a translation: {ids[0]!r}"
        for text in strings:
            assert set(_PLACEHOLDER.findall(text)) == set(_PLACEHOLDER.findall(ids[0])), ids[0]
            assert text.count("&") <= 1, f"two mnemonics in {language}: {text!r}"
        assert ("&" in ids[0]) == ("&" in strings[0]), f"mnemonic lost in {language}: {ids[0]!r}"


def test_translators_are_independent_and_never_global() -> None:
    import builtins

    nl, fr = translator("nl"), translator("fr")
    assert nl._("Case number") == "Dossiernummer"
    assert fr._("Case number") == "Numéro de dossier"
    assert translator("de")._("Case number") == "Fallnummer"
    assert translator("en")._("Case number") == "Case number"
    assert translator("xx").language == "en"
    assert "_" not in vars(builtins)


def test_plural_forms() -> None:
    t = translator("fr")
    one = t.ngettext(
        "Audit trail intact: %(n)d record verified.",
        "Audit trail intact: %(n)d records verified.",
        1,
    ) % {"n": 1}
    many = t.ngettext(
        "Audit trail intact: %(n)d record verified.",
        "Audit trail intact: %(n)d records verified.",
        3,
    ) % {"n": 3}
    assert one.endswith("1 enregistrement vérifié.") and many.endswith(
        "3 enregistrements vérifiés."
    )


def test_dates_and_numbers_follow_the_language() -> None:
    moment = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    assert "mrt" in translator("nl").format_datetime(moment)
    assert "mars" in translator("fr").format_datetime(moment)
    assert translator("de").format_number(1234.5) == "1.234,5"
    assert translator("fr").format_number(1234.5) == "1\u202f234,5"


def test_compiled_catalogs_match(tmp_path: Path) -> None:
    from sac_desktop.i18n import compile_catalogs

    written = compile_catalogs(tmp_path)
    assert {p.parts[-3] for p in written} == set(LANGUAGES)
