"""Validated screening questionnaires as data, and their scoring (Qt-free, no I/O).

A clinical psychologist may give a validated, free-to-use screening questionnaire; the
app scores it and shows what the score means. The instrument (its texts, answer labels,
items and scoring rules) lives in a TOML file under ``resources/questionnaires/``; this
module reads the *text* of such a file (the caller loads it) and refuses a malformed or
contradictory one, naming the line. The first is the PCL-5 (``pcl5.toml``).

Texts are ``{ en = "..." }`` tables: English is required, ``nl``, ``fr`` and ``de`` may be
added by a centre from a validated, licensed translation (never translated here). A
language is offered only when every text of the questionnaire has it
(:attr:`Questionnaire.languages`).

Format 1 (see ``resources/questionnaires/pcl5.toml`` for a complete file)::

    format = 1
    id = "pcl5"
    name = "..."                # the instrument's name (not translated)
    version = "2013-08-14"      # the published version
    source = "..."              # citation and URL
    translation_note = "..."    # optional: where the translations come from
    instruction = { en = "..." }
    stem = { en = "..." }       # optional: the line above the items
    answers = [ { en = "Not at all" }, ... ]   # the labels of 0 .. answer_max, in order
    [scoring]
    item_count = 20             # the items, numbered 1 .. item_count in file order
    answer_max = 4
    total_max = 80              # must be item_count × answer_max
    cutoff = 33                 # a total at or above it is "at or above the cutoff"
    cutoff_note = "..."         # optional: where the cutoff comes from
    max_missing = 2             # up to this many unanswered items: a prorated total
    endorsed_from = 2           # an item rated this or higher is an endorsed symptom
    [[cluster]]
    id = "B"
    name = { en = "..." }
    minimum = 1                 # endorsed items needed for a provisional diagnosis
    [[item]]
    number = 1
    cluster = "B"
    text = { en = "..." }

Scoring (:func:`score`): the total is the sum of the answers. With some unanswered items,
at most ``max_missing``, it is the mean of the answered items × ``item_count``, rounded
half up, and marked estimated; with more there is no total. A cluster's subtotal is
None when one of its items is unanswered. The provisional diagnosis is True when every
cluster has at least its minimum of endorsed items, False when one cannot reach it even
if its unanswered items were endorsed, and None (not determinable) when the unanswered
items could decide it either way.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sac_desktop.i18n import N_

FORMAT = 1
#: The languages a text may have; English is required (the published original).
LANGUAGES = ("en", "nl", "fr", "de")
REQUIRED_LANGUAGE = "en"
#: Limits that keep a typo from becoming a questionnaire of a million items.
MAX_ITEMS = 200
MAX_ANSWER = 20


class QuestionnaireError(ValueError):
    """A questionnaire file that cannot be used; ``line`` is 1-based, or None."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(f"{problem} (line {line})" if line else problem)
        self.problem = problem
        self.line = line


@dataclass(frozen=True)
class Item:
    number: int  # 1-based, as printed
    cluster: str  # a Cluster id
    text: Mapping[str, str]  # per language; "en" always

    def wording(self, language: str) -> str:
        """The item in ``language``, else in English."""
        return self.text.get(language) or self.text[REQUIRED_LANGUAGE]


@dataclass(frozen=True)
class Questionnaire:
    id: str
    name: str
    version: str
    source: str
    instruction: Mapping[str, str]
    answers: tuple[Mapping[str, str], ...]  # the labels of 0 .. len(answers) - 1
    items: tuple[Item, ...]  # numbered 1 .. len(items), in order
    cutoff: int
    max_missing: int
    endorsed_from: int
    cluster_minimum: Mapping[str, int]  # cluster id -> endorsed items needed, file order
    cluster_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    stem: Mapping[str, str] = field(default_factory=dict)
    cutoff_note: str = ""
    translation_note: str = ""

    @property
    def answer_max(self) -> int:
        return len(self.answers) - 1

    @property
    def total_max(self) -> int:
        return len(self.items) * self.answer_max

    @property
    def key(self) -> str:
        """What a record of a completed questionnaire names: ``pcl5/2013-08-14``."""
        return f"{self.id}/{self.version}"

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages every text of the questionnaire is given in ("en" first)."""
        texts = [self.instruction, *self.answers, *(item.text for item in self.items)]
        if self.stem:
            texts.append(self.stem)
        return tuple(lang for lang in LANGUAGES if all(lang in text for text in texts))

    def item(self, number: int) -> Item:
        if not 1 <= number <= len(self.items):
            raise KeyError(number)
        return self.items[number - 1]

    def cluster_items(self, cluster: str) -> tuple[int, ...]:
        """The numbers of the items of ``cluster``."""
        return tuple(item.number for item in self.items if item.cluster == cluster)

    def instruction_text(self, language: str) -> str:
        return self.instruction.get(language) or self.instruction[REQUIRED_LANGUAGE]

    def stem_text(self, language: str) -> str:
        if not self.stem:
            return ""
        return self.stem.get(language) or self.stem[REQUIRED_LANGUAGE]

    def answer_label(self, value: int, language: str) -> str:
        label = self.answers[value]
        return label.get(language) or label[REQUIRED_LANGUAGE]

    def cluster_name(self, cluster: str, language: str) -> str:
        name = self.cluster_names.get(cluster)
        if not name:
            return cluster
        return name.get(language) or name[REQUIRED_LANGUAGE]


# -- scoring --------------------------------------------------------------------------
class Meaning(StrEnum):
    BELOW = "below_cutoff"
    ABOVE = "at_or_above_cutoff"
    NOT_SCORABLE = "not_scorable"


#: What a score means, said calmly; ``Score.params`` fills the placeholders.
MSG_ABOVE = N_(
    "Total %(total)s (at or above %(cutoff)s): probable PTSD; confirm with a clinical interview."
)
MSG_ABOVE_ESTIMATED = N_(
    "Estimated total %(total)s from %(answered)s of %(items)s items (at or above "
    "%(cutoff)s): probable PTSD; confirm with a clinical interview."
)
MSG_BELOW = N_(
    "Total %(total)s (below %(cutoff)s): probable PTSD is not indicated; this does not rule "
    "out distress that needs care."
)
MSG_BELOW_ESTIMATED = N_(
    "Estimated total %(total)s from %(answered)s of %(items)s items (below %(cutoff)s): "
    "probable PTSD is not indicated; this does not rule out distress that needs care."
)
MSG_NOT_SCORABLE = N_(
    "Not scorable: %(answered)s of %(items)s items answered; a total needs at least %(needed)s."
)


@dataclass(frozen=True)
class Score:
    total: int | None  # None: too many unanswered items
    estimated: bool  # prorated over unanswered items
    missing: tuple[int, ...]  # the unanswered item numbers, ascending
    clusters: Mapping[str, int | None]  # subtotal per cluster; None if one is unanswered
    meaning: Meaning
    provisional_ptsd: bool | None  # None: the unanswered items could decide it
    message: str  # an N_() msgid: translate it, then fill in ``params``
    params: Mapping[str, str]


def _round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, in exact integer arithmetic."""
    return (2 * numerator + denominator) // (2 * denominator)


def score(q: Questionnaire, answers: Mapping[int, int | None]) -> Score:
    """Score ``answers`` (item number -> 0 .. answer_max, or None when unanswered; an
    item left out is unanswered). Raises ValueError for an unknown item number or an
    answer out of range."""
    count = len(q.items)
    for number, value in answers.items():
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= count:
            raise ValueError(f"{q.id} has no item {number!r}")
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= q.answer_max
        ):
            raise ValueError(
                f"item {number} of {q.id} is answered 0 to {q.answer_max}, not {value!r}"
            )
    given = {item.number: answers.get(item.number) for item in q.items}
    missing = tuple(number for number, value in given.items() if value is None)
    answered = {number: value for number, value in given.items() if value is not None}

    clusters: dict[str, int | None] = {}
    determined: list[bool | None] = []
    for cluster, minimum in q.cluster_minimum.items():
        numbers = q.cluster_items(cluster)
        unanswered = sum(1 for number in numbers if number in missing)
        values = [answered[number] for number in numbers if number in answered]
        clusters[cluster] = None if unanswered else sum(values)
        endorsed = sum(1 for value in values if value >= q.endorsed_from)
        if endorsed >= minimum:
            determined.append(True)
        elif endorsed + unanswered < minimum:
            determined.append(False)
        else:
            determined.append(None)
    provisional: bool | None
    if False in determined:
        provisional = False
    elif None in determined:
        provisional = None
    else:
        provisional = True

    params = {
        "cutoff": str(q.cutoff),
        "answered": str(len(answered)),
        "items": str(count),
        "needed": str(count - q.max_missing),
        "missing": ", ".join(str(number) for number in missing),
    }
    if len(missing) > q.max_missing or not answered:
        return Score(
            None, False, missing, clusters, Meaning.NOT_SCORABLE, provisional,
            MSG_NOT_SCORABLE, params,
        )  # fmt: skip
    raw = sum(answered.values())
    estimated = bool(missing)
    total = _round_half_up(raw * count, len(answered)) if estimated else raw
    params["total"] = str(total)
    above = total >= q.cutoff
    if above:
        message = MSG_ABOVE_ESTIMATED if estimated else MSG_ABOVE
    else:
        message = MSG_BELOW_ESTIMATED if estimated else MSG_BELOW
    meaning = Meaning.ABOVE if above else Meaning.BELOW
    return Score(total, estimated, missing, clusters, meaning, provisional, message, params)


# -- parsing --------------------------------------------------------------------------
_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")
_CLUSTER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
_TOML_LINE = re.compile(r"at line (\d+)")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*(\]\]?)\s*(?:#.*)?$")
_TOP = {
    "format",
    "id",
    "name",
    "version",
    "source",
    "translation_note",
    "instruction",
    "stem",
    "answers",
    "scoring",
    "cluster",
    "item",
}
_SCORING = {
    "item_count",
    "answer_max",
    "total_max",
    "cutoff",
    "cutoff_note",
    "max_missing",
    "endorsed_from",
}


class _Lines:
    """Finds the line of a key in a file tomllib has accepted (tomllib gives none):
    table headers split the text into blocks, a key is looked for in its block."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[int, str]] = []
        for number, line in enumerate(self.lines):
            match = _HEADER.match(line)
            if match and len(match.group(1)) == len(match.group(3)):
                self.headers.append((number, f"{match.group(1)}{match.group(2)}{match.group(3)}"))

    def block(self, header: str | None, index: int = 0) -> tuple[int, int] | None:
        """The 0-based line range of the ``index``-th ``header`` table (None: the top
        level); None when there is no such table."""
        ends = [number for number, _ in self.headers] + [len(self.lines)]
        if header is None:
            return 0, ends[0]
        found = [k for k, (_, text) in enumerate(self.headers) if text == header]
        if index >= len(found):
            return None
        position = found[index]
        return self.headers[position][0], ends[position + 1]

    def of(self, header: str | None, index: int = 0, key: str | None = None) -> int | None:
        """The line of ``key`` in a table (its header line when the key is absent)."""
        block = self.block(header, index)
        if block is None:
            return None
        start, end = block
        if key is not None:
            pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
            for number in range(start, end):
                if pattern.match(self.lines[number]):
                    return number + 1
        return start + 1 if header is not None else None

    def entry(self, key_line: int | None, position: int) -> int | None:
        """The line of the ``position``-th ``{ ... }`` entry of the array at ``key_line``."""
        if key_line is None:
            return None
        seen = -1
        for number in range(key_line - 1, len(self.lines)):
            text = self.lines[number]
            if number == key_line - 1:
                text = text.split("=", 1)[1]
            seen += text.count("{")
            if seen >= position:
                return number + 1
        return key_line


def parse_questionnaire(text: str) -> Questionnaire:
    """Read and check a questionnaire file's text; raises :class:`QuestionnaireError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        raise QuestionnaireError(
            f"not valid TOML: {str(exc).split(' (at')[0]}",
            int(match.group(1)) if match else None,
        ) from exc
    return _Checker(data, _Lines(text)).questionnaire()


def _whole(value: object, low: int, high: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and low <= value <= high


class _Checker:
    def __init__(self, data: dict[str, Any], lines: _Lines) -> None:
        self.data = data
        self.lines = lines

    def keys(
        self, table: Mapping[str, Any], allowed: set[str], header: str | None, index: int = 0
    ) -> None:
        for key in table:
            if key not in allowed:
                where = f" in {header}" if header else ""
                raise QuestionnaireError(
                    f"unknown key {key!r}{where}", self.lines.of(header, index, key)
                )

    def text(
        self, table: Mapping[str, Any], key: str, line: int | None, *, optional: bool = False
    ) -> str:
        value = table.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise QuestionnaireError(f"{key!r} must be a non-empty text", line)
        return value

    def translations(self, value: object, what: str, line: int | None) -> dict[str, str]:
        """A ``{ en = "...", nl = "..." }`` table: English required, known languages only."""
        if not isinstance(value, dict):
            raise QuestionnaireError(f'{what} must be a table of texts, {{ en = "..." }}', line)
        for language, text in value.items():
            if language not in LANGUAGES:
                raise QuestionnaireError(
                    f"{what} has an unknown language {language!r} (known: {', '.join(LANGUAGES)})",
                    line,
                )
            if not isinstance(text, str) or not text.strip():
                raise QuestionnaireError(f"{what} has an empty text for {language!r}", line)
        if REQUIRED_LANGUAGE not in value:
            raise QuestionnaireError(f"{what} needs the published English text (en)", line)
        return {language: value[language] for language in LANGUAGES if language in value}

    def number(
        self, table: Mapping[str, Any], key: str, low: int, high: int, line: int | None
    ) -> int:
        value = table.get(key)
        if not _whole(value, low, high):
            raise QuestionnaireError(
                f"{key!r} must be a whole number from {low} to {high}, not {value!r}", line
            )
        assert isinstance(value, int)
        return value

    def tables(self, key: str) -> list[dict[str, Any]]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise QuestionnaireError(
                f"{key!r} must be written as [[{key}]] tables", self.lines.of(None, key=key)
            )
        return value

    def questionnaire(self) -> Questionnaire:
        data, lines = self.data, self.lines

        def top(key: str) -> int | None:
            return lines.of(None, key=key)

        fmt = data.get("format")
        if fmt != FORMAT or isinstance(fmt, bool):
            raise QuestionnaireError(
                f"unknown questionnaire format {fmt!r}: this version reads format {FORMAT}",
                top("format"),
            )
        self.keys(data, _TOP, None)
        qid = self.text(data, "id", top("id"))
        if not _ID.match(qid):
            raise QuestionnaireError(f"'id' has an invalid value {qid!r}", top("id"))
        name = self.text(data, "name", top("name"))
        version = self.text(data, "version", top("version"))
        if not _VERSION.match(version):
            raise QuestionnaireError(f"'version' has an invalid value {version!r}", top("version"))
        source = self.text(data, "source", top("source"))
        translation_note = self.text(
            data, "translation_note", top("translation_note"), optional=True
        )
        instruction = self.translations(
            data.get("instruction"), "'instruction'", top("instruction")
        )
        stem = self.translations(data["stem"], "'stem'", top("stem")) if "stem" in data else {}

        scoring = data.get("scoring")
        if not isinstance(scoring, dict):
            raise QuestionnaireError("a [scoring] table is needed", top("scoring"))
        self.keys(scoring, _SCORING, "[scoring]")

        def at(key: str) -> int | None:
            return lines.of("[scoring]", 0, key)

        item_count = self.number(scoring, "item_count", 1, MAX_ITEMS, at("item_count"))
        answer_max = self.number(scoring, "answer_max", 1, MAX_ANSWER, at("answer_max"))
        total_max = self.number(scoring, "total_max", 1, MAX_ITEMS * MAX_ANSWER, at("total_max"))
        if total_max != item_count * answer_max:
            raise QuestionnaireError(
                f"contradictory: {item_count} items answered 0 to {answer_max} give a total "
                f"of at most {item_count * answer_max}, not {total_max}",
                at("total_max"),
            )
        cutoff = self.number(scoring, "cutoff", 1, total_max, at("cutoff"))
        cutoff_note = self.text(scoring, "cutoff_note", at("cutoff_note"), optional=True)
        max_missing = self.number(scoring, "max_missing", 0, item_count - 1, at("max_missing"))
        endorsed_from = self.number(scoring, "endorsed_from", 1, answer_max, at("endorsed_from"))

        answers = self.answers(answer_max, top("answers"))
        names, minimum = self.clusters()
        items = self.items(item_count, minimum)
        for index, cluster in enumerate(minimum):
            has = sum(1 for item in items if item.cluster == cluster)
            if has < minimum[cluster]:
                raise QuestionnaireError(
                    f"contradictory: cluster {cluster!r} needs {minimum[cluster]} endorsed "
                    f"items but has {has}",
                    lines.of("[[cluster]]", index, "minimum"),
                )
        return Questionnaire(
            qid,
            name,
            version,
            source,
            instruction,
            answers,
            items,
            cutoff,
            max_missing,
            endorsed_from,
            minimum,
            names,
            stem,
            cutoff_note,
            translation_note,
        )

    def answers(self, answer_max: int, line: int | None) -> tuple[dict[str, str], ...]:
        raw = self.data.get("answers")
        if not isinstance(raw, list):
            raise QuestionnaireError(
                f"'answers' must list the labels of 0 to {answer_max}: [{{ en = \"...\" }}, ...]",
                line,
            )
        if len(raw) != answer_max + 1:
            raise QuestionnaireError(
                f"'answers' gives {len(raw)} labels; answers 0 to {answer_max} need "
                f"{answer_max + 1}",
                line,
            )
        return tuple(
            self.translations(label, f"the label of answer {value}", self.lines.entry(line, value))
            for value, label in enumerate(raw)
        )

    def clusters(self) -> tuple[dict[str, dict[str, str]], dict[str, int]]:
        names: dict[str, dict[str, str]] = {}
        minimum: dict[str, int] = {}
        raw_clusters = self.tables("cluster")
        if not raw_clusters:
            raise QuestionnaireError("a questionnaire needs at least one [[cluster]]", None)
        for index, raw in enumerate(raw_clusters):
            self.keys(raw, {"id", "name", "minimum"}, "[[cluster]]", index)

            def at(key: str, index: int = index) -> int | None:
                return self.lines.of("[[cluster]]", index, key)

            cid = raw.get("id")
            if not isinstance(cid, str) or not _CLUSTER.match(cid):
                raise QuestionnaireError(f"a cluster's 'id' is a short name, not {cid!r}", at("id"))
            if cid in minimum:
                raise QuestionnaireError(f"the cluster {cid!r} is defined twice", at("id"))
            names[cid] = self.translations(raw.get("name"), f"cluster {cid!r}'s 'name'", at("name"))
            minimum[cid] = self.number(raw, "minimum", 0, MAX_ITEMS, at("minimum"))
        return names, minimum

    def items(self, item_count: int, clusters: Mapping[str, int]) -> tuple[Item, ...]:
        raw_items = self.tables("item")
        items: list[Item] = []
        seen: set[int] = set()
        for index, raw in enumerate(raw_items):
            self.keys(raw, {"number", "cluster", "text"}, "[[item]]", index)

            def at(key: str, index: int = index) -> int | None:
                return self.lines.of("[[item]]", index, key)

            number = self.number(raw, "number", 1, item_count, at("number"))
            if number in seen:
                raise QuestionnaireError(f"the item number {number} is used twice", at("number"))
            seen.add(number)
            if number != index + 1:
                raise QuestionnaireError(
                    f"the items must be numbered 1 to {item_count} in order: item {index + 1} "
                    f"is expected here, not {number}",
                    at("number"),
                )
            cluster = raw.get("cluster")
            if cluster not in clusters:
                raise QuestionnaireError(
                    f"item {number}'s cluster must be one of {', '.join(clusters)}, "
                    f"not {cluster!r}",
                    at("cluster"),
                )
            text = self.translations(raw.get("text"), f"item {number}'s 'text'", at("text"))
            items.append(Item(number, str(cluster), text))
        if len(items) != item_count:
            raise QuestionnaireError(
                f"the file has {len(items)} [[item]] tables, but 'item_count' is {item_count}",
                self.lines.of("[scoring]", 0, "item_count"),
            )
        return tuple(items)
