"""One Qt-free translation mechanism for the interface and the reports (gettext + Babel).

Nothing is installed into builtins: whoever shows text holds a :class:`Translator` for the
language they show it in (a window for the user's language, a report for its reader's).
Catalogs are gettext ``.po`` files under ``resources/translations``; a compiled ``.mo``
next to them is used when it is up to date (frozen builds), else the ``.po`` is compiled
in memory (development runs), so no build step is needed to run from a checkout.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from sac_desktop.resources import resource

DOMAIN = "sac_desktop"
LANGUAGES: tuple[str, ...] = ("nl", "fr", "de", "en")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message


def catalog_dir() -> Path:
    return resource("translations")


def _po_path(language: str) -> Path:
    return catalog_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def _load(language: str) -> gettext.NullTranslations:
    po = _po_path(language)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not po.exists():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Translator:
    """Translations and locale formatting for one language."""

    language: str
    _catalog: gettext.NullTranslations = field(repr=False, compare=False)

    def _(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self._catalog.ngettext(singular, plural, count)

    def format_datetime(self, moment: datetime) -> str:
        from babel.dates import format_datetime

        return str(format_datetime(moment, format="medium", locale=self.language))

    def format_day_and_time(self, moment: datetime) -> str:
        """A date and a 24-hour time, for documents ("30 nov. 2026 09:00"): no seconds."""
        from babel.dates import format_date, format_skeleton

        day = format_date(moment, format="medium", locale=self.language)
        return f"{day} {format_skeleton('Hm', moment, locale=self.language)}"

    def format_date(self, day: date) -> str:
        from babel.dates import format_date

        return str(format_date(day, format="medium", locale=self.language))

    def format_number(self, number: float) -> str:
        from babel.numbers import format_decimal

        return str(format_decimal(number, locale=self.language))


def translator(language: str) -> Translator:
    """The translator for ``language``; an unknown code falls back to English."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    return Translator(language, _load(language))


def compile_catalogs(target: Path | None = None) -> list[Path]:
    """Compile every ``.po`` to ``.mo`` (used by the PyInstaller build)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written: list[Path] = []
    for language in LANGUAGES:
        po = _po_path(language)
        if not po.exists():
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        out = (
            (target / language / "LC_MESSAGES" / f"{DOMAIN}.mo")
            if target
            else po.with_suffix(".mo")
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(out)
    return written
