"""Which kit samples to suggest, in which order, with what to watch (Qt-free, pure).

The protocol file says what the kit holds (:class:`~sac_desktop.domain.protocol.Sample`:
its consent group, sampling order, clock window and the conditions that call for it);
this module turns a case's intake and clock into the list the nurse works through:

- ordered by the sample's ``order``: urine and oral samples first (before the person
  drinks or uses the toilet), the reference cheek swab after the oral swabs;
- a sample is suggested when any of its ``suggest_when`` conditions holds (none: always);
  when none holds but one is not known yet, it is still suggested, with a warning ("may
  apply"); only when every one is False is it left out;
- a sample whose window is outside guidance (or closed) is still listed: its
  ``window_state`` says so, and the nurse decides;
- the forensic history (washed, brushed teeth, urinated...) never removes a sample: it
  adds warnings, because a reduced yield is still evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sac_desktop.domain.deadlines import CaseClock, evaluate_window
from sac_desktop.domain.intake import YES, conditions
from sac_desktop.domain.protocol import TOXICOLOGY, Protocol, Sample, State
from sac_desktop.i18n import N_

Values = Mapping[str, Mapping[str, Any]]

#: Why a sample is suggested, by the condition that holds.
REASONS: dict[str, str] = {
    "oral_exposure": N_("oral exposure"),
    "vaginal_exposure": N_("vaginal exposure"),
    "anal_exposure": N_("anal exposure"),
    "penile_exposure": N_("penile exposure"),
    "skin_exposure": N_("licked, kissed or bitten"),
    "dfsa_suspected": N_("drug-facilitated assault suspected"),
    "tampon_pad_used": N_("tampon or pad used since the assault"),
}
ALWAYS = N_("always taken")
OPTIONAL = N_("optional: always offered")

MAY_APPLY = N_("May apply: a question is not answered yet")
OUTSIDE_GUIDANCE = N_("Outside guidance: take it only if still useful, and record why")
CLOSED = N_("Past its time limit")
TIME_UNKNOWN = N_("The time of the assault is not known: the clinician decides")

BRUSHED_TEETH = N_("Brushed teeth or rinsed the mouth: take it anyway, yield is reduced")
ATE_DRANK = N_("Ate or drank since the assault: take it anyway, yield is reduced")
VOMITED = N_("Vomited since the assault: take it anyway, yield is reduced")
URINATED = N_("Urinated since the assault")
DEFECATED = N_("Defecated since the assault: take it anyway, yield is reduced")
WASHED = N_("Washed or showered: take it anyway, yield is reduced")
DOUCHED = N_("Douched since the assault: take it anyway, yield is reduced")
CHANGED_CLOTHES = N_("Changed clothes: ask for the clothes worn")
SEDATIVE_GIVEN = N_("A sedative or antiemetic was given before this sample: tell the laboratory")
ENDOCERVICAL_ADVISED = N_("48 hours or more after vaginal ejaculation: take the endocervical swab")

#: Forensic-history answers ("yes") and the sample groups whose yield they reduce.
HISTORY_WARNINGS: tuple[tuple[str, frozenset[str], str], ...] = (
    ("brushed_teeth", frozenset({"oral"}), BRUSHED_TEETH),
    ("ate_drank", frozenset({"oral"}), ATE_DRANK),
    ("vomited", frozenset({"oral"}), VOMITED),
    ("defecated", frozenset({"anal"}), DEFECATED),
    (
        "washed",
        frozenset({"skin", "fingernails", "pubic_hair", "genital", "penile", "anal"}),
        WASHED,
    ),
    ("douched", frozenset({"genital"}), DOUCHED),
    ("changed_clothes", frozenset({"clothing"}), CHANGED_CLOTHES),
)
#: The sample that the "48 h after vaginal ejaculation" rule is about, and the rule.
ENDOCERVICAL_SAMPLE = "endocervical_swab"
ENDOCERVICAL_AFTER_HOURS = 48.0
VAGINAL_SITE = "vulva_vagina"


@dataclass(frozen=True)
class Suggestion:
    sample: Sample
    reason: str  # msgid: why it is suggested ("oral exposure", "always taken", ...)
    #: The clock state of its window ("optimal", "reduced", "outside", "closed",
    #: "unknown"), or None for a sample without a window (the reference swab).
    window_state: str | None
    warnings: tuple[str, ...]  # msgids, most important first
    consent_item: str  # "samples.oral", "toxicology", ...

    @property
    def may_apply(self) -> bool:
        """Suggested only because a question is not answered yet."""
        return MAY_APPLY in self.warnings


def _get(values: Values, section: str, name: str) -> Any:
    section_values = values.get(section)
    return section_values.get(name) if isinstance(section_values, Mapping) else None


def _tri(value: Any) -> bool | None:
    return True if value == YES else False if value == "no" else None


def sample_conditions(values: Values) -> dict[str, bool | None]:
    """The intake's conditions, and those only samples use (``SAMPLE_ONLY_CONDITIONS``):
    ``tampon_pad_used`` from the forensic history's "used a tampon or pad"."""
    result = dict(conditions(values))
    result["tampon_pad_used"] = _tri(_get(values, "forensic_history", "tampon_pad"))
    return result


def any_holds(names: Iterable[str], known: Mapping[str, bool | None]) -> tuple[bool | None, str]:
    """Any one of the conditions holds (True, with the first that does), none can (False),
    or none holds but one is not known yet (None, with the first such). No condition at
    all: True."""
    names = tuple(names)
    if not names:
        return True, ""
    unknown = ""
    for name in names:
        value = known.get(name)
        if value is True:
            return True, name
        if value is None and not unknown:
            unknown = name
    return (None, unknown) if unknown else (False, "")


def window_state(sample: Sample, protocol: Protocol, clock: CaseClock) -> State | None:
    """The state of the sample's window at the clock's ``now``, as the checklist reads it
    (``checklist.item_state``): the clock's own item for that window. A sample may be
    suggested for a reason its window's conditions do not name (a pad used without a
    known vaginal exposure): its window is then read from the clock's times alone."""
    if sample.window is None:
        return None
    for item in clock.items:
        if item.window.id == sample.window and item.state is not State.NOT_APPLICABLE:
            return item.state
    window = protocol.window(sample.window)
    # No conditions given: each is "not known", so the window is evaluated, not skipped.
    return evaluate_window(window, clock.anchors, {}, clock.now, protocol.highlight_hours).state


def _warnings(
    sample: Sample,
    applies: bool | None,
    state: State | None,
    values: Values,
    clock: CaseClock,
) -> tuple[str, ...]:
    found: list[str] = []
    if applies is None:
        found.append(MAY_APPLY)
    if state is State.OUTSIDE:
        found.append(OUTSIDE_GUIDANCE)
    elif state is State.CLOSED:
        found.append(CLOSED)
    elif state is State.UNKNOWN:
        found.append(TIME_UNKNOWN)
    history = values.get("forensic_history") or {}
    if sample.kind == "urine" and _tri(history.get("urinated")) is True:
        found.append(URINATED)
    for name, groups, message in HISTORY_WARNINGS:
        if sample.group in groups and _tri(history.get(name)) is True:
            found.append(message)
    if sample.group == TOXICOLOGY:
        sedative = _get(values, "risks", "sedative_given")
        if isinstance(sedative, str) and sedative.strip():
            found.append(SEDATIVE_GIVEN)
    if sample.id == ENDOCERVICAL_SAMPLE and _vaginal_ejaculation(history):
        # Counted from the earliest possible exposure: the ejaculation may be that old,
        # and the swab is then the one that can still find it.
        earliest = clock.anchors.earliest
        hours = None if earliest is None else (clock.now - earliest) / timedelta(hours=1)
        if hours is not None and hours >= ENDOCERVICAL_AFTER_HOURS:
            found.append(ENDOCERVICAL_ADVISED)
    return tuple(found)


def _vaginal_ejaculation(history: Mapping[str, Any]) -> bool:
    sites = history.get("ejaculation_sites")
    return (
        _tri(history.get("ejaculation")) is not False
        and isinstance(sites, list)
        and VAGINAL_SITE in sites
    )


def suggest(protocol: Protocol, values: Values, clock: CaseClock) -> list[Suggestion]:
    """The kit's samples to suggest for this case, in sampling order.

    ``values`` are the intake's values by section (``intake.section_values``); ``clock``
    the case clock at the moment the list is shown (``deadlines.evaluate``)."""
    known = sample_conditions(values)
    suggestions = []
    for sample in sorted(protocol.samples, key=lambda s: s.order):
        applies, condition = any_holds(sample.suggest_when, known)
        if applies is False:
            continue
        if condition:
            reason = REASONS.get(condition, condition)
        else:
            reason = OPTIONAL if sample.optional else ALWAYS
        state = window_state(sample, protocol, clock)
        suggestions.append(
            Suggestion(
                sample,
                reason,
                None if state is None else state.value,
                _warnings(sample, applies, state, values, clock),
                sample.consent_item,
            )
        )
    return suggestions
