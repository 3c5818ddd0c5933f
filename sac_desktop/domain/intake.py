"""The intake as data: its steps and fields, and what care derives from them (Qt-free).

The interface builds the stepped form from :data:`STEPS`; each step is one record
section, saved as a draft while typed and committed as one entry per changed field. The
values are plain JSON: text, numbers, ``"yes" / "no" / "unknown"``, codes, lists of
codes, local wall-clock times as ``YYYY-MM-DD HH:MM`` (Brussels), dates as
``YYYY-MM-DD``, and lists of records (companions, episodes).

Nothing here refuses to *keep* what was typed: a time that cannot be read, or that does
not exist in Brussels, stays in the record as typed and is reported by
:func:`intake_notes`; the clock treats that episode's time as unknown until it is fixed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sac_desktop.domain.deadlines import Exposure
from sac_desktop.domain.localtime import (
    InvalidLocalTime,
    NonexistentLocalTime,
    format_naive,
    parse_local_date,
    parse_local_datetime,
    resolve_local,
)
from sac_desktop.i18n import N_


class Kind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"
    MULTI = "multi"
    YES_NO = "yes_no"  # "yes", "no" or "unknown"
    NUMBER = "number"
    DATETIME = "datetime"  # local wall-clock time, "YYYY-MM-DD HH:MM"
    DATE = "date"
    LIST = "list"  # a list of records, each with ``item_fields``


YES, NO, UNKNOWN = "yes", "no", "unknown"
YES_NO_LABELS = {YES: N_("yes"), NO: N_("no"), UNKNOWN: N_("not known")}


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # msgid
    kind: Kind
    choices: tuple[tuple[str, str], ...] = ()  # (code, msgid)
    item_fields: tuple[Field, ...] = ()
    help: str = ""  # msgid, shown under the field
    maximum: int = 0  # NUMBER: the largest sensible value (0: none)
    item_label: str = ""  # LIST: the name of one record ("Episode")
    #: Only relevant when another field of the same record or step has one of these
    #: values (e.g. the range's ends when the time is a range): (field, values).
    relevant_when: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class Step:
    section: str
    title: str  # msgid
    intro: str  # msgid
    fields: tuple[Field, ...]
    minor_only: bool = False


def _c(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return pairs


HOW_ARRIVED = _c(
    ("on_foot", N_("on foot")),
    ("public_transport", N_("by public transport")),
    ("taxi", N_("by taxi")),
    ("car", N_("by car (brought by someone)")),
    ("police", N_("brought by the police")),
    ("ambulance", N_("by ambulance")),
    ("other", N_("other")),
)
REFERRED_BY = _c(
    ("self", N_("self")),
    ("police", N_("police")),
    ("emergency_department", N_("hospital emergency department")),
    ("hospital_other", N_("other hospital service")),
    ("general_practitioner", N_("general practitioner")),
    ("support_circle", N_("family or friends")),
    ("other", N_("other")),
)
RELATIONS = _c(
    ("partner", N_("partner")),
    ("parent", N_("parent")),
    ("family", N_("other family member")),
    ("friend", N_("friend")),
    ("professional", N_("professional (care worker, teacher)")),
    ("other", N_("other")),
)
LANGUAGES = _c(
    ("nl", N_("Dutch")),
    ("fr", N_("French")),
    ("de", N_("German")),
    ("en", N_("English")),
    ("ar", N_("Arabic")),
    ("uk", N_("Ukrainian")),
    ("ru", N_("Russian")),
    ("es", N_("Spanish")),
    ("tr", N_("Turkish")),
    ("other", N_("other language")),
)
INTERPRETER_MODES = _c(
    ("in_person", N_("in person")),
    ("phone", N_("by phone")),
    ("video", N_("by video")),
)
GENDERS = _c(
    ("woman", N_("woman")),
    ("man", N_("man")),
    ("trans_woman", N_("trans woman")),
    ("trans_man", N_("trans man")),
    ("non_binary", N_("non-binary")),
    ("other", N_("other (in their words, in notes)")),
    ("not_said", N_("prefers not to say")),
)
VULNERABILITIES = _c(
    ("intellectual_disability", N_("intellectual disability")),
    ("physical_disability", N_("physical disability")),
    ("psychiatric", N_("psychiatric condition")),
    ("homeless", N_("homeless")),
    ("no_legal_residence", N_("no legal residence")),
    ("sex_work", N_("sex work")),
    ("pregnant", N_("pregnant")),
    ("student", N_("student")),
)
TIME_KINDS = _c(
    ("exact", N_("exact time")),
    ("range", N_("between two times")),
    ("unknown", N_("not known")),
)
VIOLENCE = _c(
    ("rape", N_("penetration")),
    ("sexual_assault", N_("sexual assault without penetration")),
    ("attempt", N_("attempt")),
    ("physical", N_("physical violence")),
    ("strangulation", N_("strangulation")),
    ("threats", N_("threats or coercion")),
    ("online", N_("online or image-based")),
)
ACTS = _c(
    ("vaginal", N_("vaginal")),
    ("oral", N_("oral")),
    ("anal", N_("anal")),
    ("digital", N_("with fingers")),
    ("object", N_("with an object")),
    ("kissing", N_("kissing")),
    ("licking", N_("licking")),
    ("biting", N_("biting")),
    ("oro_anal", N_("mouth to anus")),
    ("ejaculation", N_("ejaculation")),
)
BODY_SITES = _c(
    ("mouth", N_("mouth")),
    ("vulva_vagina", N_("vulva or vagina")),
    ("penis", N_("penis")),
    ("anus", N_("anus")),
    ("breasts", N_("breasts")),
    ("neck", N_("neck")),
    ("other_skin", N_("other skin")),
)
ASSAILANT_RELATIONSHIPS = _c(  # the codes of sac_desktop.domain.minors.Relationship
    ("partner", N_("partner")),
    ("ex_partner", N_("former partner")),
    ("family_member", N_("family member (or similar position in the family)")),
    ("position_of_trust", N_("position of trust, authority or influence")),
    ("acquaintance", N_("acquaintance")),
    ("stranger", N_("stranger")),
    ("other", N_("other")),
    ("unknown", N_("not known")),
)
LOCATIONS = _c(
    ("own_home", N_("the person's home")),
    ("assailant_home", N_("the assailant's home")),
    ("other_home", N_("someone else's home")),
    ("outdoors", N_("outdoors")),
    ("public_place", N_("bar, club or public place")),
    ("vehicle", N_("vehicle")),
    ("institution", N_("institution (school, care, detention)")),
    ("other", N_("other")),
)
LAST_INTERCOURSE = _c(
    ("within_5_days", N_("within the last 5 days")),
    ("longer", N_("longer ago")),
    ("never", N_("never")),
    ("unknown", N_("not known")),
)
HBV_STATUS = _c(
    ("immune", N_("vaccinated, known response")),
    ("vaccinated_unknown_response", N_("vaccinated, response not known")),
    ("partial", N_("series not completed")),
    ("none", N_("not vaccinated")),
    ("unknown", N_("not known")),
)
TETANUS = _c(
    ("under_5y", N_("last dose under 5 years ago")),
    ("5_10y", N_("5 to 10 years ago")),
    ("10_20y", N_("10 to 20 years ago")),
    ("over_20y", N_("over 20 years ago")),
    ("under_3_doses", N_("fewer than 3 doses")),
    ("unknown", N_("not known")),
)
HPV = _c(
    ("complete", N_("fully vaccinated")),
    ("partial", N_("partly vaccinated")),
    ("none", N_("not vaccinated")),
    ("unknown", N_("not known")),
)
STRANGULATION_SIGNS = _c(
    ("loss_of_consciousness", N_("loss of consciousness")),
    ("incontinence", N_("incontinence")),
    ("voice_change", N_("voice change")),
    ("painful_swallowing", N_("painful swallowing")),
    ("petechiae", N_("petechiae")),
    ("neck_marks", N_("marks on the neck")),
)
CAPACITY = _c(
    ("not_needed", N_("not intoxicated: no assessment needed")),
    ("has_capacity", N_("intoxicated, able to decide")),
    ("lacks_capacity", N_("intoxicated, not able to decide now")),
)
CHILD_PROTECTION = _c(
    ("consulted", N_("consulted")),
    ("referred", N_("referred")),
    ("not_needed", N_("not needed")),
    ("not_yet", N_("not yet decided")),
)
PROSECUTOR = _c(  # sac_desktop.domain.minors.ProsecutorDecision
    ("inform", N_("inform the public prosecutor")),
    ("not_inform", N_("do not inform")),
    ("not_yet_decided", N_("not yet decided")),
)

F = Field
COMPANION_FIELDS = (
    F("name", N_("Name"), Kind.TEXT),
    F("relation", N_("Relation"), Kind.CHOICE, RELATIONS),
    F("wants_support", N_("Wants support for themselves"), Kind.YES_NO),
)
EPISODE_FIELDS = (
    F("time_kind", N_("When"), Kind.CHOICE, TIME_KINDS),
    F(
        "at",
        N_("Time"),
        Kind.DATETIME,
        help=N_("Brussels time, e.g. 2026-03-14 01:30"),
        relevant_when=("time_kind", ("exact",)),
    ),
    F("from", N_("From"), Kind.DATETIME, relevant_when=("time_kind", ("range",))),
    F("to", N_("Until"), Kind.DATETIME, relevant_when=("time_kind", ("range",))),
    F("violence", N_("Type of violence"), Kind.MULTI, VIOLENCE),
    F("acts", N_("Acts"), Kind.MULTI, ACTS),
    F("sites", N_("Body sites involved"), Kind.MULTI, BODY_SITES),
    F("assailants", N_("Number of assailants"), Kind.NUMBER, maximum=50),
    F("assailant_known", N_("Assailant known to the person"), Kind.YES_NO),
    F("relationship", N_("Relationship"), Kind.CHOICE, ASSAILANT_RELATIONSHIPS),
    F("assailant_age", N_("Assailant's approximate age"), Kind.NUMBER, maximum=120),
    F("prostitution", N_("In a context of prostitution"), Kind.YES_NO),
    F("location", N_("Location"), Kind.CHOICE, LOCATIONS),
)

STEPS: tuple[Step, ...] = (
    Step(
        "arrival",
        N_("Arrival"),
        N_("When and how the person came, and who sent them."),
        (
            F("arrived_at", N_("Arrived at"), Kind.DATETIME, help=N_("Brussels time")),
            F("how", N_("How they came"), Kind.CHOICE, HOW_ARRIVED),
            F("referred_by", N_("Referred by"), Kind.CHOICE, REFERRED_BY),
            F("referred_detail", N_("Referral details"), Kind.TEXT),
        ),
    ),
    Step(
        "companions",
        N_("Companions"),
        N_(
            "People from the support circle who came along. Always offer the person a "
            "moment alone: a companion can be the assailant."
        ),
        (
            F(
                "people",
                N_("Companions"),
                Kind.LIST,
                item_fields=COMPANION_FIELDS,
                item_label=N_("Companion"),
            ),
            F("alone_moment_at", N_("Moment alone with the person at"), Kind.DATETIME),
            F("alone_moment_note", N_("Note on the moment alone"), Kind.TEXT),
        ),
    ),
    Step(
        "language",
        N_("Language"),
        N_("An interpreter is never a companion or a relative, above all for a minor."),
        (
            F("language", N_("Language of the person"), Kind.CHOICE, LANGUAGES),
            F("interpreter_needed", N_("Interpreter needed"), Kind.YES_NO),
            F("interpreter_name", N_("Interpreter's name"), Kind.TEXT),
            F("interpreter_agency", N_("Interpreter's agency"), Kind.TEXT),
            F("interpreter_mode", N_("Interpreting"), Kind.CHOICE, INTERPRETER_MODES),
        ),
    ),
    Step(
        "contact",
        N_("Contact"),
        N_("How the centre may contact the person later, safely."),
        (
            F("safe_phone", N_("Safe phone number"), Kind.TEXT),
            F("voicemail_ok", N_("A voicemail may be left"), Kind.YES_NO),
            F("no_letters_home", N_("No letters to the home address"), Kind.YES_NO),
            F("contact_hours", N_("Hours when contact is safe"), Kind.TEXT),
        ),
    ),
    Step(
        "person",
        N_("Person"),
        N_("Age decides the rules for minors. Identity is optional and kept hidden."),
        (
            F("age_years", N_("Age (years)"), Kind.NUMBER, maximum=120),
            F("gender", N_("Gender"), Kind.CHOICE, GENDERS),
            F("vulnerabilities", N_("Vulnerabilities"), Kind.MULTI, VULNERABILITIES),
        ),
    ),
    Step(
        "identity",
        N_("Identity (optional)"),
        N_(
            "Hidden from everyone until shown with a reason. The case number is the "
            "everyday handle."
        ),
        (
            F("name", N_("Name"), Kind.TEXT),
            F("date_of_birth", N_("Date of birth"), Kind.DATE, help=N_("e.g. 2011-05-30")),
            F("address", N_("Address"), Kind.TEXT),
            F("national_number", N_("National register number"), Kind.TEXT),
        ),
    ),
    Step(
        "assault",
        N_("Assault"),
        N_(
            "One episode, or several (repeated assaults). Each: an exact time, a range, or "
            "not known. Only what care needs: the police take the statement."
        ),
        (
            F(
                "episodes",
                N_("Episodes"),
                Kind.LIST,
                item_fields=EPISODE_FIELDS,
                item_label=N_("Episode"),
            ),
        ),
    ),
    Step(
        "forensic_history",
        N_("Since the assault"),
        N_("Asked before any sample: it changes what is worth sampling."),
        (
            F("washed", N_("Washed or showered"), Kind.YES_NO),
            F("changed_clothes", N_("Changed clothes"), Kind.YES_NO),
            F("urinated", N_("Urinated"), Kind.YES_NO),
            F("defecated", N_("Defecated"), Kind.YES_NO),
            F("brushed_teeth", N_("Brushed teeth or rinsed the mouth"), Kind.YES_NO),
            F("ate_drank", N_("Ate or drank"), Kind.YES_NO),
            F("vomited", N_("Vomited"), Kind.YES_NO),
            F("douched", N_("Douched"), Kind.YES_NO),
            F("tampon_pad", N_("Used a tampon or pad"), Kind.YES_NO),
            F("menstruating", N_("Menstruating at the time"), Kind.YES_NO),
            F("last_intercourse", N_("Last consensual intercourse"), Kind.CHOICE, LAST_INTERCOURSE),
            F("condom", N_("Condom used"), Kind.YES_NO),
            F("lubricant", N_("Lubricant used"), Kind.YES_NO),
            F("ejaculation", N_("Ejaculation"), Kind.YES_NO),
            F("ejaculation_sites", N_("Ejaculation: where"), Kind.MULTI, BODY_SITES),
        ),
    ),
    Step(
        "medical",
        N_("Medical"),
        N_("Emergency contraception is decided by anatomy, not by recorded gender."),
        (
            F("last_period", N_("Last menstrual period"), Kind.DATE),
            F("pregnancy_possible", N_("Pregnancy possible"), Kind.YES_NO),
            F("pregnant", N_("Pregnant"), Kind.YES_NO),
            F("breastfeeding", N_("Breastfeeding"), Kind.YES_NO),
            F("contraception", N_("Contraception"), Kind.TEXT),
            F("weight_kg", N_("Weight (kg)"), Kind.NUMBER, maximum=400),
            F("allergies", N_("Allergies"), Kind.TEXT),
            F("medication", N_("Current medication"), Kind.TEXT),
            F("kidney_disease", N_("Kidney disease"), Kind.YES_NO),
            F("hbv_vaccination", N_("Hepatitis B vaccination"), Kind.CHOICE, HBV_STATUS),
            F("source_hbsag_positive", N_("Assailant known to be HBsAg-positive"), Kind.YES_NO),
            F("hav_indicated", N_("Hepatitis A indicated (known source)"), Kind.YES_NO),
            F("tetanus", N_("Tetanus vaccination"), Kind.CHOICE, TETANUS),
            F("hpv", N_("HPV vaccination"), Kind.CHOICE, HPV),
        ),
    ),
    Step(
        "risks",
        N_("Risks"),
        N_("Drugs, strangulation and capacity change what must happen first."),
        (
            F("dfsa_suspected", N_("Drug-facilitated assault suspected"), Kind.YES_NO),
            F("sedative_given", N_("Sedative or antiemetic given before toxicology"), Kind.TEXT),
            F("strangulation", N_("Strangulation"), Kind.YES_NO),
            F("strangulation_signs", N_("Strangulation signs"), Kind.MULTI, STRANGULATION_SIGNS),
            F("intoxicated", N_("Intoxicated now"), Kind.YES_NO),
            F("capacity", N_("Capacity to decide"), Kind.CHOICE, CAPACITY),
            F("capacity_note", N_("Capacity assessment"), Kind.TEXT),
        ),
    ),
    Step(
        "safety",
        N_("Safety"),
        N_("Where the person will be safe tonight."),
        (
            F("sleeps_at", N_("Where the person will sleep"), Kind.TEXT),
            F("assailant_lives_there", N_("The assailant lives there"), Kind.YES_NO),
            F("shelter_offered", N_("Shelter options offered"), Kind.YES_NO),
            F("safety_note", N_("Safety notes"), Kind.LONG_TEXT),
        ),
    ),
    Step(
        "minor",
        N_("Minor"),
        N_(
            "For a person under 18: who decides, who is told, child protection and the "
            "decision on informing the prosecutor, each with a reason."
        ),
        (
            F("consents_alone", N_("The minor consents alone"), Kind.YES_NO),
            F("consents_alone_reason", N_("Why the minor consents alone"), Kind.TEXT),
            F("do_not_inform_parents", N_("Do not inform the parents"), Kind.YES_NO),
            F("do_not_inform_parents_reason", N_("Why the parents are not informed"), Kind.TEXT),
            F("child_protection", N_("Child protection"), Kind.CHOICE, CHILD_PROTECTION),
            F("child_protection_reason", N_("Child protection: reason or details"), Kind.TEXT),
            F(
                "prosecutor_decision",
                N_("Informing the prosecutor (art. 458bis)"),
                Kind.CHOICE,
                PROSECUTOR,
            ),
            F("prosecutor_reason", N_("Reason for that decision"), Kind.TEXT),
        ),
        minor_only=True,
    ),
    Step(
        "notes",
        N_("Notes"),
        N_("Anything else care needs. Spontaneous statements of a child word for word."),
        (F("text", N_("Notes"), Kind.LONG_TEXT),),
    ),
)

STEP_BY_SECTION: dict[str, Step] = {step.section: step for step in STEPS}


def field_of(section: str, name: str) -> Field | None:
    step = STEP_BY_SECTION.get(section)
    if step is None:
        return None
    return next((f for f in step.fields if f.name == name), None)


def choice_label(field: Field, code: str) -> str:
    if field.kind is Kind.YES_NO:
        return YES_NO_LABELS.get(code, code)
    return dict(field.choices).get(code, code)


# -- derived facts -----------------------------------------------------------------------
Values = Mapping[str, Mapping[str, Any]]  # section -> field -> value


def section_values(fields: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"arrival.how": v}`` (a case's current fields) as ``{"arrival": {"how": v}}``."""
    result: dict[str, dict[str, Any]] = {}
    for key, value in fields.items():
        section, _, name = key.partition(".")
        result.setdefault(section, {})[name] = value
    return result


def _get(values: Values, section: str, name: str) -> Any:
    return values.get(section, {}).get(name)


def _tri(value: Any) -> bool | None:
    return True if value == YES else False if value == NO else None


def episodes_of(values: Values) -> list[Mapping[str, Any]]:
    raw = _get(values, "assault", "episodes")
    if not isinstance(raw, list):
        return []
    return [e for e in raw if isinstance(e, Mapping)]


class TimeProblem(StrEnum):
    UNREADABLE = "unreadable"
    NONEXISTENT = "nonexistent"
    REVERSED = "reversed"
    MISSING = "missing"
    LATER = "later"  # after "now" or after the arrival: a typing error, surely


@dataclass(frozen=True)
class EpisodeTime:
    exposure: Exposure
    problem: TimeProblem | None = None
    detail: str = ""  # the time as typed, or the suggested correction
    ambiguous: bool = False
    ends_later: bool = False  # a range ending after the limit: counted as ending then


@dataclass(frozen=True)
class _Reading:
    """A typed local time read: its instants (two for an ambiguous time), or why not."""

    instants: tuple[datetime, datetime] | None = None
    problem: TimeProblem | None = None
    suggestion: str = ""  # for a skipped spring time: the time probably meant
    typed: str = ""

    def episode_time(self) -> EpisodeTime:
        """An unusable reading as an episode's time: unknown, with its problem named."""
        detail = self.suggestion if self.problem is TimeProblem.NONEXISTENT else self.typed
        return EpisodeTime(Exposure.unknown(), self.problem, detail)


def _resolve(text: Any, zone: str) -> _Reading:
    typed = str(text or "")
    if not isinstance(text, str) or not text.strip():
        return _Reading(problem=TimeProblem.MISSING, typed=typed)
    try:
        resolved = resolve_local(parse_local_datetime(text), zone)
    except InvalidLocalTime:
        return _Reading(problem=TimeProblem.UNREADABLE, typed=typed)
    except NonexistentLocalTime as exc:
        return _Reading(
            problem=TimeProblem.NONEXISTENT, suggestion=format_naive(exc.suggestion), typed=typed
        )
    return _Reading((resolved.earliest_utc, resolved.latest_utc), typed=typed)


def episode_time(
    episode: Mapping[str, Any], zone: str, limit: datetime | None = None
) -> EpisodeTime:
    """The exposure an episode stands for; a time that cannot be used counts as unknown,
    with the problem named (never guessed). ``limit`` is the latest an exposure can be
    (now, or the arrival if it is earlier): an episode starting after it is a typing
    error (a wrong month, a wrong day) and is not used, because counting it would make
    the clock look better than it is."""
    timing = _episode_time(episode, zone)
    exposure = timing.exposure
    if limit is None or exposure.earliest is None or exposure.latest is None:
        return timing
    if exposure.earliest > limit:
        typed = episode.get("at") if episode.get("time_kind") == "exact" else episode.get("from")
        return EpisodeTime(Exposure.unknown(), TimeProblem.LATER, str(typed or ""))
    if exposure.latest > limit:
        return replace(timing, exposure=Exposure(exposure.earliest, limit), ends_later=True)
    return timing


def _episode_time(episode: Mapping[str, Any], zone: str) -> EpisodeTime:
    kind = episode.get("time_kind")
    if kind == "exact":
        at = _resolve(episode.get("at"), zone)
        if at.instants is None:
            return at.episode_time()
        first, last = at.instants
        return EpisodeTime(Exposure(first, last), ambiguous=first != last)
    if kind == "range":
        start = _resolve(episode.get("from"), zone)
        end = _resolve(episode.get("to"), zone)
        if start.instants is None:
            return start.episode_time()
        if end.instants is None:
            return end.episode_time()
        if end.instants[1] < start.instants[0]:
            return EpisodeTime(Exposure.unknown(), TimeProblem.REVERSED)
        ambiguous = start.instants[0] != start.instants[1] or end.instants[0] != end.instants[1]
        return EpisodeTime(Exposure(start.instants[0], end.instants[1]), ambiguous=ambiguous)
    return EpisodeTime(Exposure.unknown())  # "not known", or not chosen yet


def arrival_time(values: Values, zone: str) -> datetime | None:
    """When the person arrived (the later reading of an ambiguous time), if usable."""
    instants = _resolve(_get(values, "arrival", "arrived_at"), zone).instants
    return None if instants is None else instants[1]


def exposure_limit(values: Values, zone: str, now: datetime) -> datetime:
    """The latest an exposure can have been: now, or the arrival if that is earlier."""
    arrival = arrival_time(values, zone)
    return min(now, arrival) if arrival is not None else now


def exposures(values: Values, zone: str, now: datetime | None = None) -> list[Exposure]:
    limit = None if now is None else exposure_limit(values, zone, now)
    return [episode_time(e, zone, limit).exposure for e in episodes_of(values)]


#: Acts that say nothing of where on the body: without a body site they may be anywhere.
_SITELESS_ACTS = frozenset({"digital", "object", "ejaculation"})


def _exposure_condition(values: Values, acts: set[str], sites: set[str]) -> bool | None:
    """True if any episode involves one of these acts or sites (or ejaculation was on one
    of these sites); None when it may (acts not recorded, or an act such as "with
    fingers" without its body site); False only when every episode says what happened."""
    episodes = episodes_of(values)
    if not episodes:
        return None
    ejaculation_sites = _get(values, "forensic_history", "ejaculation_sites") or []
    if set(ejaculation_sites) & sites:
        return True
    result: bool | None = False
    for episode in episodes:
        e_acts = set(episode.get("acts") or [])
        e_sites = set(episode.get("sites") or [])
        if e_acts & acts or e_sites & sites:
            return True
        if not e_acts or (sites and e_acts & _SITELESS_ACTS and not e_sites):
            result = None
    return result


def pregnant(values: Values) -> bool | None:
    """Recorded as pregnant, in the medical step or among the person's vulnerabilities."""
    if "pregnant" in (_get(values, "person", "vulnerabilities") or []):
        return True
    return _tri(_get(values, "medical", "pregnant"))


def conditions(values: Values) -> dict[str, bool | None]:
    """The protocol's conditions (``protocol.CONDITIONS``) for this case. An answer not
    yet given is None: the item may apply and stays in sight until it is answered."""
    is_pregnant = pregnant(values)
    possible = _tri(_get(values, "medical", "pregnancy_possible"))
    hbv = _get(values, "medical", "hbv_vaccination")
    oro_anal = _exposure_condition(values, {"oro_anal"}, set())
    hav_known = _tri(_get(values, "medical", "hav_indicated"))
    source = _get(values, "medical", "source_hbsag_positive")
    age = age_years(values)
    return {
        "pregnancy_possible": False if is_pregnant is True else possible,
        "vaginal_exposure": _exposure_condition(values, {"vaginal"}, {"vulva_vagina"}),
        "oral_exposure": _exposure_condition(values, {"oral", "kissing"}, {"mouth"}),
        "anal_exposure": _exposure_condition(values, {"anal", "oro_anal"}, {"anus"}),
        "penile_exposure": _exposure_condition(values, set(), {"penis"}),
        "skin_exposure": _exposure_condition(
            values, {"licking", "biting", "kissing"}, {"breasts", "neck", "other_skin"}
        ),
        # HBIG only for a source known to be HBsAg-positive: "no" and "not known" rule it
        # out; not asked yet keeps it in sight, so the question is asked.
        "source_hbsag_positive": None if source in (None, "") else source == YES,
        "hepatitis_a_indicated": True
        if (oro_anal is True or hav_known is True)
        else (None if oro_anal is None and hav_known is None else False),
        "dfsa_suspected": _tri(_get(values, "risks", "dfsa_suspected")),
        "hbv_not_immune": None if hbv in (None, "") else hbv != "immune",
        # A new series (further doses) only for the unvaccinated or a series not finished;
        # vaccinated with an unknown response: one booster (DOMAIN.md, hepatitis B).
        "hbv_series_needed": None if hbv in (None, "") else hbv in ("none", "partial", "unknown"),
        "not_prepubertal": None if age is None else age >= PREPUBERTAL_UNDER,
        "hpv_eligible": _hpv_eligible(age, _get(values, "medical", "hpv")),
        "strangulation_reported": True
        if (
            _tri(_get(values, "risks", "strangulation"))
            or _get(values, "risks", "strangulation_signs")
        )
        else _tri(_get(values, "risks", "strangulation")),
    }


#: Below this age a child counts as prepubertal (no presumptive STI treatment) unless the
#: physician decides otherwise from the examination (Tanner stage).
PREPUBERTAL_UNDER = 12
HPV_AGES = (9, 26)


def _hpv_eligible(age: int | None, status: Any) -> bool | None:
    if status == "complete":
        return False
    if age is None:
        return None
    return HPV_AGES[0] <= age <= HPV_AGES[1]


MAX_AGE = 130


def age_years(values: Values) -> int | None:
    """The age recorded, if it is a sensible one (anything else counts as not known)."""
    value = _get(values, "person", "age_years")
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_AGE:
        return value
    return None


def date_of_birth(values: Values) -> date | None:
    value = _get(values, "identity", "date_of_birth")
    try:
        return parse_local_date(value) if isinstance(value, str) and value else None
    except InvalidLocalTime:
        return None


# -- notes for staff ----------------------------------------------------------------------
class Level(StrEnum):
    ACTION = "action"  # something to do now
    CHECK = "check"  # something to correct or complete


@dataclass(frozen=True)
class Note:
    level: Level
    message: str  # msgid, with %(...)s placeholders filled from ``params``
    params: Mapping[str, str] = dc_field(default_factory=dict)
    step: str = ""  # the step where it is fixed


def intake_notes(
    values: Values, zone: str, minor: bool | None, now: datetime | None = None
) -> list[Note]:
    """What the intake so far asks of staff: prompts that change care, and values to fix."""
    notes: list[Note] = []
    arrival = _resolve(_get(values, "arrival", "arrived_at"), zone)
    if arrival.problem is TimeProblem.UNREADABLE:
        notes.append(
            Note(
                Level.CHECK,
                N_("Arrival: the time cannot be read. Write it as 2026-03-14 01:30."),
                step="arrival",
            )
        )
    elif arrival.problem is TimeProblem.NONEXISTENT:
        notes.append(
            Note(
                Level.CHECK,
                N_(
                    "Arrival: this time does not exist in Brussels (the clocks jumped "
                    "forward an hour). Did you mean %(suggestion)s?"
                ),
                {"suggestion": arrival.suggestion},
                "arrival",
            )
        )
    elif arrival.instants is not None and now is not None and arrival.instants[0] > now:
        notes.append(
            Note(
                Level.CHECK,
                N_("Arrival: this time is still to come. Check the date."),
                step="arrival",
            )
        )
    limit = None if now is None else exposure_limit(values, zone, now)
    for number, episode in enumerate(episodes_of(values), start=1):
        timing = episode_time(episode, zone, limit)
        n = {"n": str(number)}
        if timing.problem is TimeProblem.LATER:
            notes.append(
                Note(
                    Level.CHECK,
                    N_(
                        "Episode %(n)s: %(typed)s is after the arrival or still to come. "
                        "Check the date; until then the clock treats this time as unknown."
                    ),
                    {**n, "typed": timing.detail},
                    "assault",
                )
            )
            continue
        if timing.ends_later:
            notes.append(
                Note(
                    Level.CHECK,
                    N_(
                        "Episode %(n)s: the range ends after the arrival or still to come; "
                        "it is counted as ending then. Check the date."
                    ),
                    n,
                    "assault",
                )
            )
        if timing.problem is TimeProblem.NONEXISTENT:
            notes.append(
                Note(
                    Level.CHECK,
                    N_(
                        "Episode %(n)s: this time does not exist in Brussels (the clocks "
                        "jumped forward an hour). Did you mean %(suggestion)s? Until it is "
                        "corrected the clock treats this time as unknown."
                    ),
                    {**n, "suggestion": timing.detail},
                    "assault",
                )
            )
        elif timing.problem is TimeProblem.UNREADABLE:
            notes.append(
                Note(
                    Level.CHECK,
                    N_(
                        "Episode %(n)s: the time %(typed)s cannot be read. Write it as "
                        "2026-03-14 01:30. Until then the clock treats it as unknown."
                    ),
                    {**n, "typed": timing.detail},
                    "assault",
                )
            )
        elif timing.problem is TimeProblem.REVERSED:
            notes.append(
                Note(
                    Level.CHECK,
                    N_("Episode %(n)s: the range ends before it starts."),
                    n,
                    "assault",
                )
            )
        elif timing.problem is TimeProblem.MISSING and episode.get("time_kind") in (
            "exact",
            "range",
        ):
            notes.append(
                Note(Level.CHECK, N_("Episode %(n)s: the time is still missing."), n, "assault")
            )
        elif timing.ambiguous:
            notes.append(
                Note(
                    Level.CHECK,
                    N_(
                        "Episode %(n)s: this hour happened twice (the clocks went back). "
                        "Both readings are counted: eligibility from the later one, "
                        "urgency from the earlier one."
                    ),
                    n,
                    "assault",
                )
            )
    companions = _get(values, "companions", "people") or []
    names = {
        str(c.get("name", "")).strip().casefold()
        for c in companions
        if isinstance(c, Mapping) and str(c.get("name", "")).strip()
    }
    interpreter = str(_get(values, "language", "interpreter_name") or "").strip().casefold()
    if interpreter and interpreter in names:
        notes.append(
            Note(
                Level.CHECK,
                N_("The interpreter must never be a companion or a relative. Call an agency."),
                step="language",
            )
        )
    if _tri(_get(values, "risks", "strangulation")) or _get(values, "risks", "strangulation_signs"):
        notes.append(
            Note(
                Level.ACTION,
                N_(
                    "Strangulation: physician review, consider imaging (CT angiography), a "
                    "safety assessment, and a discharge warning about delayed stroke."
                ),
                step="risks",
            )
        )
    if _tri(_get(values, "risks", "dfsa_suspected")):
        notes.append(
            Note(
                Level.ACTION,
                N_(
                    "Drugs suspected: collect the first urine early; note any sedative or "
                    "antiemetic given before the toxicology samples."
                ),
                step="risks",
            )
        )
    if _get(values, "risks", "capacity") == "lacks_capacity":
        notes.append(
            Note(
                Level.ACTION,
                N_(
                    "Not able to decide now: postpone consents that can wait; still secure "
                    "time-critical samples (urine)."
                ),
                step="risks",
            )
        )
    if _tri(_get(values, "risks", "intoxicated")) and not _get(values, "risks", "capacity"):
        notes.append(
            Note(Level.CHECK, N_("Intoxicated: assess and record capacity."), step="risks")
        )
    if _tri(_get(values, "safety", "assailant_lives_there")):
        notes.append(
            Note(
                Level.ACTION,
                N_("The assailant lives where the person will sleep: discuss shelter options."),
                step="safety",
            )
        )
    if minor:
        notes.append(
            Note(
                Level.ACTION,
                N_(
                    "A minor: see the Minor step (who decides, the parents, child "
                    "protection, the prosecutor)."
                ),
                step="minor",
            )
        )
    return notes


def normalise_datetime(text: str) -> str | None:
    """A typed local time in the stored form, or None if it cannot be read."""
    try:
        return format_naive(parse_local_datetime(text))
    except InvalidLocalTime:
        return None


def exists_in_brussels(text: str, zone: str = "Europe/Brussels") -> bool:
    """Whether a normalised local time exists in ``zone`` (not skipped in spring)."""
    try:
        resolve_local(parse_local_datetime(text), zone)
    except NonexistentLocalTime:
        return False
    return True


def choices_of(field: Field) -> Sequence[str]:
    if field.kind is Kind.YES_NO:
        return (YES, NO, UNKNOWN)
    return [code for code, _label in field.choices]
