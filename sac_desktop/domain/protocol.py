"""The clinical protocol as versioned data (Qt-free, no I/O but parsing given text).

Every time window, its graded states and its source, the acute limit and the follow-up
schedule live in a TOML file under ``resources/protocols/`` that a centre's physician
reviews. A case records the protocol version it was opened under. A file that is
malformed, contradictory or of an unknown format is refused, naming the line.

Format 1 (see ``resources/protocols/sac-be-2026.1.toml`` for a complete file)::

    format = 1                 # the file format this module reads
    id = "sac-be"              # a protocol family
    version = "2026.1"         # this reviewed version
    [clock]
    acute_limit_hours = 168    # acute: at most this long after the last exposure
    highlight_hours = 4        # the clock panel highlights deadlines this close
    [[window]]
    id = "hiv_pep"
    label = { en = "...", nl = "...", fr = "...", de = "..." }
    applies_when = []          # conditions, all needed (see CONDITIONS)
    bands = [                  # from 0 h after the exposure, each until (inclusive)
      { state = "optimal", until_hours = 24 },
      { state = "reduced", until_hours = 72 },
    ]
    after = "closed"           # a hard stop; or "outside" (outside guidance)
    source = "..."
    [[followup]]
    id = "hiv_test_6w"
    label = { ... }
    anchor = "last_exposure"   # or "first_dose", "visit"
    due_days = 42
    until_days = 49            # optional; not before due_days
    kind = "visit"             # or "call": a case-management contact with the person
    forensic = false           # true: the centre's own forensic step (never handed over)
    source = "..."

The last band of a window without a closing time (the hepatitis B vaccine) leaves out
``until_hours`` and ``after``.

The evidence kit (optional: a file without it has ``kit`` None and no samples)::

    [kit]
    label = { ... }
    number_pattern = '^[A-Z0-9][A-Z0-9-]{3,23}$'   # the kit number typed from the box
    source = "..."
    [[sample]]
    id = "oral_swabs"
    item = "3"                 # the kit's own item number, as printed (unique)
    group = "oral"             # its consent: "samples.<group>" (SAMPLE_GROUP_IDS), or
                               # "toxicology"
    kind = "swab"              # SAMPLE_KINDS
    label = { ... }
    site = { ... }
    order = 30                 # the sampling order (unique)
    window = "sample_oral"     # a [[window]] id; optional
    suggest_when = ["oral_exposure"]   # any one is enough; empty: always
    optional = false           # offered, not insisted on (fingernail scrapings)
    storage = "dry_room"       # STORAGES
    temperature_c = 20
    note = { ... }             # optional
    source = "..."             # optional
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeGuard

FORMAT = 1
LANGUAGES = ("en", "nl", "fr", "de")


class State(StrEnum):
    """Where an item stands on its clock, best first."""

    OPTIMAL = "optimal"
    REDUCED = "reduced"  # reduced yield or efficacy
    OUTSIDE = "outside"  # outside guidance: may still be offered, with a recorded reason
    CLOSED = "closed"  # only for hard stops
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"  # the time of the assault is unknown: the clinician decides


BAND_STATES = (State.OPTIMAL, State.REDUCED, State.OUTSIDE)
_RANK = {State.OPTIMAL: 0, State.REDUCED: 1, State.OUTSIDE: 2, State.CLOSED: 3}
AFTER_STATES = (State.OUTSIDE, State.CLOSED)

#: Conditions a window or follow-up step can depend on (evaluated in ``deadlines``).
CONDITIONS = frozenset(
    {
        "pregnancy_possible",
        "vaginal_exposure",
        "oral_exposure",
        "anal_exposure",
        "penile_exposure",
        "skin_exposure",
        "source_hbsag_positive",
        "hepatitis_a_indicated",
        "dfsa_suspected",
        "hbv_not_immune",
        "hbv_series_needed",
        "not_prepubertal",
        "hpv_eligible",
        "strangulation_reported",
    }
)
ANCHORS = frozenset({"last_exposure", "first_dose", "visit"})
#: Conditions only a sample can depend on, derived from the forensic history by
#: ``sampling.sample_conditions`` (not by ``intake.conditions``).
SAMPLE_ONLY_CONDITIONS = frozenset({"tampon_pad_used"})
SAMPLE_CONDITIONS = CONDITIONS | SAMPLE_ONLY_CONDITIONS
#: The sample groups that have their own consent item ("samples.<group>"); the same keys
#: as ``consent.SAMPLE_GROUPS`` (checked by a test: consent imports this module's users).
SAMPLE_GROUP_IDS = frozenset(
    {
        "reference_dna",
        "oral",
        "skin",
        "fingernails",
        "pubic_hair",
        "genital",
        "penile",
        "anal",
        "clothing",
        "tampon_pad",
    }
)
#: A sample group without a "samples." consent: toxicology has its own consent item.
TOXICOLOGY = "toxicology"
SAMPLE_KINDS = frozenset(
    {"swab", "urine", "blood", "hair", "scraping", "combing", "clothing", "tampon_pad"}
)


class Storage(StrEnum):
    DRY_ROOM = "dry_room"  # air-dried, kept at room temperature
    REFRIGERATE = "refrigerate"
    FREEZE = "freeze"


#: The storage temperatures (°C, inclusive) each way of keeping a sample allows: a value
#: outside its range is a contradiction (a frozen sample at 20 °C).
STORAGE_TEMPERATURES: dict[Storage, tuple[float, float]] = {
    Storage.DRY_ROOM: (10, 30),
    Storage.REFRIGERATE: (0, 10),
    Storage.FREEZE: (-90, -1),
}
#: The longest span a file may give (100 years): beyond it a number is a typo, and
#: infinity or NaN would break the date arithmetic of every case.
MAX_DAYS = 36_525
MAX_HOURS = MAX_DAYS * 24


class ProtocolError(ValueError):
    """A protocol file that cannot be used; ``line`` is 1-based, or None if unknown."""

    def __init__(self, problem: str, line: int | None, source: str = "") -> None:
        where = f" (line {line})" if line else ""
        super().__init__(f"{source}{where}: {problem}" if source else f"{problem}{where}")
        self.problem = problem
        self.line = line
        self.source = source


@dataclass(frozen=True)
class Band:
    state: State
    start_hours: float
    end_hours: float | None  # None: no end (no closing time)


@dataclass(frozen=True)
class Window:
    id: str
    label: Mapping[str, str]
    bands: tuple[Band, ...]
    after: State | None  # None when the last band never ends
    source: str
    applies_when: tuple[str, ...] = ()
    group: str = ""

    @property
    def hard_stop(self) -> bool:
        return self.after is State.CLOSED

    @property
    def limit_hours(self) -> float | None:
        """Where guidance ends (the end of the last band)."""
        return self.bands[-1].end_hours

    def band_at(self, hours: float) -> State:
        """The state ``hours`` after the exposure (band ends are inclusive)."""
        for band in self.bands:
            if band.end_hours is None or hours <= band.end_hours:
                return band.state
        assert self.after is not None
        return self.after

    def text(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]


@dataclass(frozen=True)
class FollowUpStep:
    id: str
    label: Mapping[str, str]
    anchor: str
    due_days: float
    until_days: float | None
    source: str
    applies_when: tuple[str, ...] = ()
    after_item: str = ""  # only once this checklist item was given (its time: first dose)
    kind: str = "visit"  # FOLLOWUP_KINDS: a visit, or a call (a contact with the person)
    forensic: bool = False  # the centre's own forensic step: not handed over to care

    def text(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]


#: What a follow-up step is: a visit (medical follow-up) or a call (case management).
FOLLOWUP_KINDS = frozenset({"visit", "call"})

#: What a drug note can be about (checked against the case's intake values).
WARNING_WHEN = frozenset(
    {"pregnant", "breastfeeding", "weight_over_kg", "age_under", "kidney_disease", "allergy"}
)


@dataclass(frozen=True)
class DrugWarning:
    when: str  # one of WARNING_WHEN
    value: float | str | tuple[str, ...] | None  # threshold (kg, years) or allergy words
    text: Mapping[str, str]  # per language

    def message(self, language: str) -> str:
        return self.text.get(language) or self.text["en"]


@dataclass(frozen=True)
class Drug:
    id: str
    name: str  # a drug's name is not translated
    dose: str  # the usual dose, as the protocol writes it
    route: str
    warnings: tuple[DrugWarning, ...] = ()
    #: A course the person continues at home (the aftercare sheet's schedule): doses a
    #: day and days in all, counted from the first dose; 0: given once, at the centre.
    doses_per_day: int = 0
    course_days: int = 0


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the medical checklist: what the clock says about it (its windows),
    when it applies, the drugs offered for it, and whether declining it is time-critical
    (a re-offer contact is then planned before its deadline)."""

    id: str
    label: Mapping[str, str]
    source: str
    windows: tuple[str, ...] = ()
    applies_when: tuple[str, ...] = ()
    drugs: tuple[str, ...] = ()
    time_critical: bool = False
    reoffer_hours_before: float = 12.0

    def text(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]


@dataclass(frozen=True)
class Kit:
    """The evidence kit the protocol's samples belong to (the Belgian SAS kit)."""

    label: Mapping[str, str]
    number_pattern: str  # a regular expression the whole kit number must match
    source: str

    def text(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]

    def number_ok(self, number: str) -> bool:
        """Whether a kit number typed from the box has the kit's form."""
        return re.fullmatch(self.number_pattern, number) is not None


@dataclass(frozen=True)
class Sample:
    """One item of the kit: what it is, which consent it needs, when it is suggested,
    the clock it follows and how it is kept."""

    id: str
    item: str  # the kit's own item number, as printed
    group: str  # a SAMPLE_GROUP_IDS key, or TOXICOLOGY
    kind: str  # one of SAMPLE_KINDS
    label: Mapping[str, str]
    site: Mapping[str, str]
    order: int  # sampling order: lower first
    window: str | None  # a window id, or None
    suggest_when: tuple[str, ...]  # any one of these conditions; empty: always
    storage: Storage
    temperature_c: float
    note: Mapping[str, str] | None = None
    optional: bool = False
    source: str = ""

    @property
    def consent_item(self) -> str:
        """The consent item it needs: ``samples.oral``, or ``toxicology``."""
        return TOXICOLOGY if self.group == TOXICOLOGY else f"samples.{self.group}"

    def text(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]

    def site_text(self, language: str) -> str:
        return self.site.get(language) or self.site["en"]

    def note_text(self, language: str) -> str:
        if not self.note:
            return ""
        return self.note.get(language) or self.note["en"]


@dataclass(frozen=True)
class Protocol:
    id: str
    version: str
    title: str
    acute_limit_hours: float
    highlight_hours: float
    windows: tuple[Window, ...]
    followups: tuple[FollowUpStep, ...]
    checklist: tuple[ChecklistItem, ...] = ()
    drugs: tuple[Drug, ...] = ()
    kit: Kit | None = None
    samples: tuple[Sample, ...] = ()  # in the file's order (sort by ``order`` to sample)

    @property
    def key(self) -> str:
        """What a case records: ``sac-be/2026.1``."""
        return f"{self.id}/{self.version}"

    def window(self, window_id: str) -> Window:
        for window in self.windows:
            if window.id == window_id:
                return window
        raise KeyError(window_id)

    def item(self, item_id: str) -> ChecklistItem:
        for item in self.checklist:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def drug(self, drug_id: str) -> Drug:
        for drug in self.drugs:
            if drug.id == drug_id:
                return drug
        raise KeyError(drug_id)

    def sample(self, sample_id: str) -> Sample:
        for sample in self.samples:
            if sample.id == sample_id:
                return sample
        raise KeyError(sample_id)


# -- parsing --------------------------------------------------------------------------
_ID = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")
_TOML_LINE = re.compile(r"at line (\d+)")
#: A kit's item number as printed: "3", "12a", "A-4".
_ITEM = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.-]{0,15}$")
#: The coldest and warmest storage temperature a file may give (°C).
MIN_CELSIUS, MAX_CELSIUS = -200, 40
#: A table header, ``[clock]`` or ``[[window]]``, with optional spaces and a comment.
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*(\]\]?)\s*(?:#.*)?$")


def _header(line: str) -> str | None:
    """``[[window]]`` for any spelling of that header line, else None."""
    match = _HEADER.match(line)
    if match is None or len(match.group(1)) != len(match.group(3)):
        return None
    return f"{match.group(1)}{match.group(2)}{match.group(3)}"


def _finite(value: object, limit: float) -> TypeGuard[int | float]:
    """A real number (not a boolean), finite and at most ``limit``."""
    return (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
        and value <= limit
    )


class _Lines:
    """Finds the line of a key in a file tomllib has already accepted.

    tomllib gives no positions, so the text is scanned: ``[[table]]`` headers split the
    file into blocks; a key is found within its block, a band by its order in ``bands``.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        # Every table header once, in order (line index, header): blocks are looked up
        # for each key checked, so the file is not scanned again each time.
        self.headers = [
            (number, header)
            for number, line in enumerate(self.lines)
            if (header := _header(line)) is not None
        ]

    def _block(self, table: str | None, index: int) -> tuple[int, int]:
        ends = [number for number, _header_text in self.headers] + [len(self.lines)]
        if table is None:  # the top level: up to the first table header
            return 0, ends[0]
        wanted = f"[[{table}]]"
        starts = [(n, k) for k, (n, header) in enumerate(self.headers) if header == wanted]
        if index >= len(starts):
            return 0, len(self.lines)
        start, position = starts[index]
        return start, ends[position + 1]

    def containing(self, table: str, index: int, after: int, *texts: str) -> int:
        """The first line from line ``after`` (1-based) to the end of the block that
        contains one of ``texts``; ``after`` itself when none does."""
        _start, end = self._block(table, index)
        for number in range(after - 1, end):
            if any(text in self.lines[number] for text in texts):
                return number + 1
        return after

    def of(self, table: str | None, index: int = 0, key: str | None = None) -> int:
        start, end = self._block(table, index)
        if key is None:
            return start + 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start, end):
            if pattern.match(self.lines[number]):
                return number + 1
        return start + 1

    def of_band(self, index: int, band: int) -> int:
        _start, end = self._block("window", index)
        first = self.of("window", index, "bands") - 1
        seen = -1
        for number in range(first, end):
            text = self.lines[number]
            if number == first:
                text = text.split("=", 1)[1]
            seen += text.count("{")
            if seen >= band:
                return number + 1
        return first + 1


def parse_protocol(text: str, source: str = "") -> Protocol:
    """Read and check a protocol file's text; raises :class:`ProtocolError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        raise ProtocolError(
            f"not valid TOML: {str(exc).split(' (at')[0]}",
            int(match.group(1)) if match else None,
            source,
        ) from exc
    return _Checker(data, _Lines(text), source).protocol()


class _Checker:
    def __init__(self, data: dict[str, Any], lines: _Lines, source: str) -> None:
        self.data = data
        self.lines = lines
        self.source = source

    def fail(self, problem: str, line: int | None) -> ProtocolError:
        return ProtocolError(problem, line, self.source)

    def protocol(self) -> Protocol:
        data, lines = self.data, self.lines
        fmt = data.get("format")
        if fmt != FORMAT:
            raise self.fail(
                f"unknown protocol format {fmt!r}: this version reads format {FORMAT}",
                lines.of(None, key="format"),
            )
        known = {
            "format",
            "id",
            "version",
            "title",
            "clock",
            "window",
            "followup",
            "checklist",
            "drug",
            "kit",
            "sample",
        }
        for key in data:
            if key not in known:
                raise self.fail(f"unknown key {key!r}", lines.of(None, key=key))
        pid = self.text(data, "id", None, 0, pattern=_VERSION)
        version = self.text(data, "version", None, 0, pattern=_VERSION)
        title = self.text(data, "title", None, 0)
        clock = data.get("clock")
        if not isinstance(clock, dict):
            raise self.fail("a [clock] table is needed", None)
        clock_line = self._clock_line
        for key in clock:
            if key not in ("acute_limit_hours", "highlight_hours"):
                raise self.fail(f"unknown key {key!r} in [clock]", clock_line(key))
        acute = self.hours(clock, "acute_limit_hours", clock_line("acute_limit_hours"))
        highlight = self.hours(clock, "highlight_hours", clock_line("highlight_hours"))
        windows = tuple(self.window(w, i) for i, w in enumerate(self.list_of("window")))
        if not windows:
            raise self.fail("a protocol needs at least one [[window]]", None)
        self.unique([w.id for w in windows], "window")
        followups = tuple(self.followup(f, i) for i, f in enumerate(self.list_of("followup")))
        self.unique([f.id for f in followups], "followup")
        drugs = tuple(self.drug(d, i) for i, d in enumerate(self.list_of("drug")))
        self.unique([d.id for d in drugs], "drug")
        window_ids = {w.id for w in windows}
        drug_ids = {d.id for d in drugs}
        checklist = tuple(
            self.checklist_item(c, i, window_ids, drug_ids)
            for i, c in enumerate(self.list_of("checklist"))
        )
        self.unique([c.id for c in checklist], "checklist")
        item_ids = {c.id for c in checklist}
        for index, step in enumerate(followups):
            if step.after_item and step.after_item not in item_ids:
                raise self.fail(
                    f"'after_item' names {step.after_item!r}, which is not a checklist item",
                    self.lines.of("followup", index, "after_item"),
                )
        kit = self.kit()
        samples = tuple(self.sample(s, i, window_ids) for i, s in enumerate(self.list_of("sample")))
        if samples and kit is None:
            raise self.fail("[[sample]] tables need a [kit] table", self.lines.of("sample", 0))
        self.unique([s.id for s in samples], "sample")
        self.unique_values(samples, "item", "the kit item number")
        self.unique_values(samples, "order", "the sampling order")
        return Protocol(
            pid,
            version,
            title,
            acute,
            highlight,
            windows,
            followups,
            checklist,
            drugs,
            kit,
            samples,
        )

    # -- the kit ----------------------------------------------------------------------
    def _table_line(self, header: str, key: str | None = None) -> int | None:
        """The line of ``key`` in the single table ``[header]`` (its header line when
        the key is absent or None); None without that table."""
        lines = self.lines.lines
        for number, line in enumerate(lines):
            if _header(line) == f"[{header}]":
                if key is None:
                    return number + 1
                for later in range(number + 1, len(lines)):
                    text = lines[later].strip()
                    if _header(text) is not None:
                        break
                    if re.match(rf"^{re.escape(key)}\s*=", text):
                        return later + 1
                return number + 1
        return None

    def kit(self) -> Kit | None:
        raw = self.data.get("kit")
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise self.fail(
                "'kit' must be written as a [kit] table", self.lines.of(None, key="kit")
            )
        for key in raw:
            if key not in ("label", "number_pattern", "source"):
                raise self.fail(f"unknown key {key!r} in [kit]", self._table_line("kit", key))
        label = self.translations(raw, "label", self._table_line("kit", "label"))
        if label is None:
            raise self.fail(
                "'label' must give the text in en, nl, fr and de", self._table_line("kit")
            )
        pattern_line = self._table_line("kit", "number_pattern")
        pattern = raw.get("number_pattern")
        if not isinstance(pattern, str) or not pattern.strip():
            raise self.fail("'number_pattern' must be a non-empty regular expression", pattern_line)
        try:
            re.compile(pattern)
        except re.error as exc:
            raise self.fail(
                f"'number_pattern' is not a valid regular expression: {exc}", pattern_line
            ) from exc
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            raise self.fail("'source' must be a non-empty text", self._table_line("kit", "source"))
        return Kit(label, pattern, source)

    def translations(
        self, table: Mapping[str, Any], key: str, line: int | None
    ) -> dict[str, str] | None:
        """A ``{ en = ..., nl = ..., fr = ..., de = ... }`` value; None when absent."""
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(f"{key!r} must give the text in en, nl, fr and de", line)
        missing = [lang for lang in LANGUAGES if not str(value.get(lang, "")).strip()]
        if missing:
            raise self.fail(f"{key!r} has no text for: {', '.join(missing)}", line)
        return {lang: str(value[lang]) for lang in LANGUAGES}

    def sample(self, raw: dict[str, Any], index: int, window_ids: set[str]) -> Sample:
        allowed = {
            "id",
            "item",
            "group",
            "kind",
            "label",
            "site",
            "order",
            "window",
            "suggest_when",
            "optional",
            "storage",
            "temperature_c",
            "note",
            "source",
        }
        self.keys(raw, allowed, "sample", index)

        def line(key: str) -> int:
            return self.lines.of("sample", index, key)

        sid = self.text(raw, "id", "sample", index, pattern=_ID)
        item = raw.get("item")
        if not isinstance(item, str) or not _ITEM.match(item):
            raise self.fail(
                f'\'item\' must be the kit\'s item number as a text ("3", "12a"), not {item!r}',
                line("item"),
            )
        group = raw.get("group")
        groups = SAMPLE_GROUP_IDS | {TOXICOLOGY}
        if group not in groups:
            raise self.fail(
                f"'group' must be one of {', '.join(sorted(groups))}, not {group!r}",
                line("group"),
            )
        kind = raw.get("kind")
        if kind not in SAMPLE_KINDS:
            raise self.fail(
                f"'kind' must be one of {', '.join(sorted(SAMPLE_KINDS))}, not {kind!r}",
                line("kind"),
            )
        label = self.label(raw, "sample", index)
        site = self.translations(raw, "site", line("site"))
        if site is None:
            raise self.fail("'site' must give the text in en, nl, fr and de", line("id"))
        note = self.translations(raw, "note", line("note"))
        order = raw.get("order")
        if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 100_000:
            raise self.fail(
                f"'order' must be a whole number from 0 to 100000, not {order!r}", line("order")
            )
        window = raw.get("window")
        if window is not None and (not isinstance(window, str) or window not in window_ids):
            raise self.fail(
                f"'window' names {window!r}, which this file does not define", line("window")
            )
        suggest = raw.get("suggest_when", [])
        suggest_line = line("suggest_when")
        if not isinstance(suggest, list) or not all(isinstance(v, str) for v in suggest):
            raise self.fail("'suggest_when' must be a list of condition names", suggest_line)
        for condition in suggest:
            if condition not in SAMPLE_CONDITIONS:
                quoted = (f'"{condition}"', f"'{condition}'")
                where = self.lines.containing("sample", index, suggest_line, *quoted)
                raise self.fail(f"unknown condition {condition!r}", where)
        optional = raw.get("optional", False)
        if not isinstance(optional, bool):
            raise self.fail("'optional' must be true or false", line("optional"))
        storage = raw.get("storage")
        if storage not in [s.value for s in Storage]:
            raise self.fail(
                f"'storage' must be one of {', '.join(s.value for s in Storage)}, not {storage!r}",
                line("storage"),
            )
        temperature = raw.get("temperature_c")
        if not _finite(temperature, MAX_CELSIUS) or temperature < MIN_CELSIUS:
            raise self.fail(
                f"'temperature_c' must be a number of °C from {MIN_CELSIUS} to {MAX_CELSIUS}",
                line("temperature_c"),
            )
        low, high = STORAGE_TEMPERATURES[Storage(storage)]
        if not low <= temperature <= high:
            raise self.fail(
                f"contradictory: {storage!r} storage at {temperature:g} °C "
                f"(expected {low:g} to {high:g} °C)",
                line("temperature_c"),
            )
        source = raw.get("source", "")
        if not isinstance(source, str):
            raise self.fail("'source' must be a text", line("source"))
        return Sample(
            sid,
            item,
            str(group),
            str(kind),
            label,
            site,
            order,
            window,
            tuple(suggest),
            Storage(storage),
            float(temperature),
            note,
            optional,
            source,
        )

    def unique_values(self, samples: tuple[Sample, ...], key: str, what: str) -> None:
        seen: set[object] = set()
        for index, sample in enumerate(samples):
            value = getattr(sample, key)
            if value in seen:
                raise self.fail(
                    f"{what} {value!r} is used twice", self.lines.of("sample", index, key)
                )
            seen.add(value)

    def checklist_item(
        self, raw: dict[str, Any], index: int, window_ids: set[str], drug_ids: set[str]
    ) -> ChecklistItem:
        allowed = {
            "id",
            "label",
            "source",
            "windows",
            "applies_when",
            "drugs",
            "time_critical",
            "reoffer_hours_before",
        }
        self.keys(raw, allowed, "checklist", index)
        cid = self.text(raw, "id", "checklist", index, pattern=_ID)
        label = self.label(raw, "checklist", index)
        source = self.text(raw, "source", "checklist", index)
        applies = self.conditions(raw, "checklist", index)
        refs: dict[str, tuple[str, ...]] = {}
        for key, known in (("windows", window_ids), ("drugs", drug_ids)):
            value = raw.get(key, [])
            line = self.lines.of("checklist", index, key)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.fail(f"{key!r} must be a list of ids", line)
            for ref in value:
                if ref not in known:
                    raise self.fail(f"{key!r} names {ref!r}, which this file does not define", line)
            refs[key] = tuple(value)
        critical = raw.get("time_critical", False)
        if not isinstance(critical, bool):
            raise self.fail(
                "'time_critical' must be true or false",
                self.lines.of("checklist", index, "time_critical"),
            )
        before = 12.0
        if "reoffer_hours_before" in raw:
            before = self.hours(
                raw,
                "reoffer_hours_before",
                self.lines.of("checklist", index, "reoffer_hours_before"),
            )
        if critical and not refs["windows"]:
            raise self.fail(
                "contradictory: a time-critical item needs a window (its deadline)",
                self.lines.of("checklist", index, "time_critical"),
            )
        return ChecklistItem(
            cid, label, source, refs["windows"], applies, refs["drugs"], critical, before
        )

    def drug(self, raw: dict[str, Any], index: int) -> Drug:
        self.keys(
            raw,
            {"id", "name", "dose", "route", "warnings", "doses_per_day", "course_days"},
            "drug",
            index,
        )
        did = self.text(raw, "id", "drug", index, pattern=_ID)
        name = self.text(raw, "name", "drug", index)
        dose = self.text(raw, "dose", "drug", index)
        route = self.text(raw, "route", "drug", index)
        raw_warnings = raw.get("warnings", [])
        line = self.lines.of("drug", index, "warnings")
        if not isinstance(raw_warnings, list):
            raise self.fail("'warnings' must be a list of { when = ..., text = ... }", line)
        warnings = []
        for warning in raw_warnings:
            if not isinstance(warning, dict) or warning.get("when") not in WARNING_WHEN:
                raise self.fail(
                    f"a warning's 'when' must be one of {', '.join(sorted(WARNING_WHEN))}", line
                )
            text = warning.get("text")
            if not isinstance(text, dict) or any(
                not str(text.get(lang, "")).strip() for lang in LANGUAGES
            ):
                raise self.fail("a warning's 'text' must give en, nl, fr and de", line)
            value = warning.get("value")
            needs_number = warning["when"] in ("weight_over_kg", "age_under")
            if needs_number and not _finite(value, 1000):
                raise self.fail(f"a {warning['when']!r} warning needs a number 'value'", line)
            if warning["when"] == "allergy":
                words = [value] if isinstance(value, str) else value
                if not (
                    isinstance(words, list)
                    and words
                    and all(isinstance(w, str) and w.strip() for w in words)
                ):
                    raise self.fail(
                        "an 'allergy' warning needs the allergy (or a list of its names) as "
                        "'value'",
                        line,
                    )
                value = tuple(words)
            warnings.append(
                DrugWarning(
                    str(warning["when"]),
                    value if isinstance(value, int | float | str | tuple) else None,
                    {lang: str(text[lang]) for lang in LANGUAGES},
                )
            )
        course = []
        for key, limit in (("doses_per_day", 6), ("course_days", 366)):
            value = raw.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
                raise self.fail(
                    f"'{key}' must be a whole number from 0 to {limit}",
                    self.lines.of("drug", index, key),
                )
            course.append(value)
        if (course[0] == 0) != (course[1] == 0):
            raise self.fail(
                "contradictory: a course needs both 'doses_per_day' and 'course_days'",
                self.lines.of("drug", index, "course_days"),
            )
        return Drug(did, name, dose, route, tuple(warnings), course[0], course[1])

    def _clock_line(self, key: str) -> int:
        for number, line in enumerate(self.lines.lines):
            if _header(line) == "[clock]":
                for later in range(number + 1, len(self.lines.lines)):
                    text = self.lines.lines[later].strip()
                    if _header(text) is not None:
                        break
                    if re.match(rf"^{re.escape(key)}\s*=", text):
                        return later + 1
                return number + 1
        return 1

    def list_of(self, table: str) -> list[dict[str, Any]]:
        value = self.data.get(table, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{table!r} must be written as [[{table}]] tables", None)
        return value

    def unique(self, ids: list[str], table: str) -> None:
        seen: set[str] = set()
        for index, item in enumerate(ids):
            if item in seen:
                raise self.fail(
                    f"the {table} id {item!r} is used twice", self.lines.of(table, index, "id")
                )
            seen.add(item)

    def text(
        self,
        table: Mapping[str, Any],
        key: str,
        name: str | None,
        index: int,
        pattern: re.Pattern[str] | None = None,
    ) -> str:
        value = table.get(key)
        line = self.lines.of(name, index, key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key!r} must be a non-empty text", line)
        if pattern is not None and not pattern.match(value):
            raise self.fail(f"{key!r} has an invalid value {value!r}", line)
        return value

    def hours(self, table: Mapping[str, Any], key: str, line: int) -> float:
        value = table.get(key)
        if not _finite(value, MAX_HOURS) or not value > 0:
            raise self.fail(
                f"{key!r} must be a number greater than 0 and at most {MAX_HOURS}", line
            )
        return float(value)

    def label(self, table: Mapping[str, Any], name: str, index: int) -> dict[str, str]:
        value = table.get("label")
        line = self.lines.of(name, index, "label")
        if not isinstance(value, dict):
            raise self.fail("'label' must give the text in en, nl, fr and de", line)
        missing = [lang for lang in LANGUAGES if not str(value.get(lang, "")).strip()]
        if missing:
            raise self.fail(f"'label' has no text for: {', '.join(missing)}", line)
        return {lang: str(value[lang]) for lang in LANGUAGES}

    def conditions(self, table: Mapping[str, Any], name: str, index: int) -> tuple[str, ...]:
        value = table.get("applies_when", [])
        line = self.lines.of(name, index, "applies_when")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail("'applies_when' must be a list of condition names", line)
        for condition in value:
            if condition not in CONDITIONS:
                # The list may span several lines: name the one with this condition.
                quoted = (f'"{condition}"', f"'{condition}'")
                where = self.lines.containing(name, index, line, *quoted)
                raise self.fail(f"unknown condition {condition!r}", where)
        return tuple(value)

    def keys(self, table: Mapping[str, Any], allowed: set[str], name: str, index: int) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(f"unknown key {key!r}", self.lines.of(name, index, key))

    def window(self, raw: dict[str, Any], index: int) -> Window:
        allowed = {"id", "group", "label", "applies_when", "bands", "after", "source"}
        self.keys(raw, allowed, "window", index)
        wid = self.text(raw, "id", "window", index, pattern=_ID)
        group = raw.get("group", "")
        if not isinstance(group, str):
            raise self.fail("'group' must be a text", self.lines.of("window", index, "group"))
        label = self.label(raw, "window", index)
        source = self.text(raw, "source", "window", index)
        applies = self.conditions(raw, "window", index)
        raw_bands = raw.get("bands")
        bands_line = self.lines.of("window", index, "bands")
        if not isinstance(raw_bands, list) or not raw_bands:
            raise self.fail(f"window {wid!r} needs at least one band", bands_line)
        bands: list[Band] = []
        start = 0.0
        for number, raw_band in enumerate(raw_bands):
            line = self.lines.of_band(index, number)
            if not isinstance(raw_band, dict):
                raise self.fail("a band is { state = ..., until_hours = ... }", line)
            for key in raw_band:
                if key not in ("state", "until_hours"):
                    raise self.fail(f"unknown key {key!r} in a band", line)
            state = raw_band.get("state")
            if state not in [s.value for s in BAND_STATES]:
                raise self.fail(
                    f"a band's state must be optimal, reduced or outside, not {state!r}", line
                )
            if bands and _RANK[State(state)] < _RANK[bands[-1].state]:
                raise self.fail(
                    f"contradictory: a {state} band cannot follow a {bands[-1].state} band "
                    "(time only makes an item worse)",
                    line,
                )
            end = raw_band.get("until_hours")
            last = number == len(raw_bands) - 1
            if end is None:
                if not last:
                    raise self.fail("only the last band may have no 'until_hours'", line)
                bands.append(Band(State(state), start, None))
                break
            if not _finite(end, MAX_HOURS):
                raise self.fail(
                    f"'until_hours' must be a number of hours, at most {MAX_HOURS}", line
                )
            if end <= start:
                raise self.fail(
                    f"contradictory: this band ends at {end} h, before it starts at {start:g} h",
                    line,
                )
            bands.append(Band(State(state), start, float(end)))
            start = float(end)
        after = raw.get("after")
        after_line = self.lines.of("window", index, "after")
        if bands[-1].end_hours is None:
            if after is not None:
                raise self.fail(
                    "contradictory: 'after' is given but the last band never ends", after_line
                )
            after_state = None
        else:
            if after not in [s.value for s in AFTER_STATES]:
                raise self.fail(
                    f"'after' must be closed (a hard stop) or outside, not {after!r}",
                    after_line if after is not None else bands_line,
                )
            after_state = State(after)
        return Window(wid, label, tuple(bands), after_state, source, applies, group)

    def followup(self, raw: dict[str, Any], index: int) -> FollowUpStep:
        allowed = {
            "id",
            "label",
            "anchor",
            "due_days",
            "until_days",
            "applies_when",
            "source",
            "after_item",
            "kind",
            "forensic",
        }
        self.keys(raw, allowed, "followup", index)
        fid = self.text(raw, "id", "followup", index, pattern=_ID)
        label = self.label(raw, "followup", index)
        source = self.text(raw, "source", "followup", index)
        anchor = raw.get("anchor")
        if anchor not in ANCHORS:
            raise self.fail(
                f"'anchor' must be one of {', '.join(sorted(ANCHORS))}, not {anchor!r}",
                self.lines.of("followup", index, "anchor"),
            )
        due = raw.get("due_days")
        due_line = self.lines.of("followup", index, "due_days")
        if not _finite(due, MAX_DAYS) or due < 0:
            raise self.fail(
                f"'due_days' must be a number of days, 0 or more and at most {MAX_DAYS}",
                due_line,
            )
        until = raw.get("until_days")
        if until is not None:
            until_line = self.lines.of("followup", index, "until_days")
            if not _finite(until, MAX_DAYS):
                raise self.fail(
                    f"'until_days' must be a number of days, at most {MAX_DAYS}", until_line
                )
            if until < due:
                raise self.fail(
                    f"contradictory: 'until_days' ({until}) comes before 'due_days' ({due})",
                    until_line,
                )
        applies = self.conditions(raw, "followup", index)
        after = raw.get("after_item", "")
        if not isinstance(after, str):
            raise self.fail(
                "'after_item' must be a checklist item's id",
                self.lines.of("followup", index, "after_item"),
            )
        if anchor == "first_dose" and not after:
            raise self.fail(
                "contradictory: a step counted from the first dose needs 'after_item'",
                self.lines.of("followup", index, "anchor"),
            )
        kind = raw.get("kind", "visit")
        if kind not in FOLLOWUP_KINDS:
            raise self.fail(
                f"'kind' must be one of {', '.join(sorted(FOLLOWUP_KINDS))}, not {kind!r}",
                self.lines.of("followup", index, "kind"),
            )
        forensic = raw.get("forensic", False)
        if not isinstance(forensic, bool):
            raise self.fail(
                "'forensic' must be true or false", self.lines.of("followup", index, "forensic")
            )
        return FollowUpStep(
            fid,
            label,
            str(anchor),
            float(due),
            None if until is None else float(until),
            source,
            applies,
            after,
            str(kind),
            forensic,
        )
