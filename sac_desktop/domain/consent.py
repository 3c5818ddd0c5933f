"""Consent and refusal, item by item (Qt-free).

Each decision is an entry: given or refused, by whom (the person; a proxy with their
relation; a minor consenting alone, with the reason), whether through an interpreter,
when, and who recorded it. A withdrawal is a later entry; nothing is overwritten. The
services refuse an action whose consent is missing or withdrawn (:func:`consents_needed`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sac_desktop.domain.entries import KIND_CONSENT as KIND_CONSENT
from sac_desktop.domain.intake import exists_in_brussels, normalise_datetime
from sac_desktop.i18n import N_


class Decision(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class GivenBy(StrEnum):
    PERSON = "person"
    PROXY = "proxy"  # a parent or legal representative, with their relation
    MINOR_ALONE = "minor_alone"  # law of 22 August 2002, art. 12 §2: with the reason


DECISION_LABELS: dict[Decision, str] = {
    Decision.GIVEN: N_("given"),
    Decision.REFUSED: N_("refused"),
    Decision.WITHDRAWN: N_("withdrawn"),
}
GIVEN_BY_LABELS: dict[GivenBy, str] = {
    GivenBy.PERSON: N_("the person"),
    GivenBy.PROXY: N_("a proxy (parent or legal representative)"),
    GivenBy.MINOR_ALONE: N_("the minor, alone"),
}

SAMPLE_GROUPS: dict[str, str] = {
    "reference_dna": N_("reference DNA (cheek swab)"),
    "oral": N_("oral swabs"),
    "skin": N_("skin swabs"),
    "fingernails": N_("fingernail scrapings or cuttings"),
    "pubic_hair": N_("pubic hair combing"),
    "genital": N_("vulvar, vaginal and endocervical swabs"),
    "penile": N_("penile swabs"),
    "anal": N_("anal and rectal swabs"),
    "clothing": N_("clothing and underwear"),
    "tampon_pad": N_("tampon or pad"),
}
REFERRALS: dict[str, str] = {
    "victim_support": N_("Victim support (Justice Houses)"),
    "child_protection": N_("Child protection (VK / SOS-Enfants)"),
    "hiv_reference_centre": N_("HIV reference centre (PEP continuation)"),
    "sexual_health_clinic": N_("Sexual health clinic"),
    "general_practitioner": N_("General practitioner"),
    "caw": N_("General Welfare Centre (CAW) victim services"),
    "family_justice_centre": N_("Family Justice Centre"),
    "shelter": N_("Shelter"),
    "psychologist": N_("Psychologist outside the centre"),
}

#: Every consent item, in the order staff go through them.
CONSENT_ITEMS: dict[str, str] = {
    "medical_care": N_("Medical care"),
    "forensic_exam": N_("Forensic examination"),
    **{f"samples.{k}": v for k, v in SAMPLE_GROUPS.items()},
    "toxicology": N_("Toxicology (blood, urine, hair)"),
    "photographs": N_("Photographs"),
    "keep_evidence": N_("Keeping evidence without a police complaint"),
    "police_information": N_("Sharing information with the police"),
    "police_evidence": N_("Sharing evidence with the police"),
    "police_photographs": N_("Sharing photographs with the police"),
    **{f"referral.{k}": v for k, v in REFERRALS.items()},
}


#: How a sample group or referral is named on its own: the kind, then the label.
ITEM_KIND_FORMATS: dict[str, str] = {
    "samples": N_("Samples: %(what)s"),
    "referral": N_("Referral: %(what)s"),
}


def item_label(item: str) -> str:
    """The msgid naming a consent item (for samples and referrals: see item_text)."""
    return CONSENT_ITEMS.get(item, item)


def item_text(translate: Callable[[str], str], item: str) -> str:
    """A consent item's name in a language: "Samples: oral swabs", "Medical care"."""
    kind = item.split(".", 1)[0] if "." in item else ""
    label = translate(item_label(item))
    if kind in ITEM_KIND_FORMATS:
        return translate(ITEM_KIND_FORMATS[kind]) % {"what": label}
    return label


@dataclass(frozen=True)
class ConsentRecord:
    """One decision as recorded (an entry)."""

    item: str
    decision: Decision
    given_by: GivenBy
    at_local: str  # when the person decided, Brussels wall-clock time as recorded
    interpreter: bool
    proxy_name: str = ""
    proxy_relation: str = ""
    minor_reason: str = ""
    interpreter_name: str = ""
    explained: str = ""  # for a refusal: what was explained; for a withdrawal: what stops
    entry_id: str = ""
    author: str = ""
    recorded_utc: datetime | None = None

    @property
    def in_force(self) -> bool:
        return self.decision is Decision.GIVEN


class ConsentProblem(ValueError):
    """A consent record that cannot be saved as it is; ``message`` is a msgid."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field)
        self.field = field
        self.message = message


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def check_consent(payload: Mapping[str, Any]) -> list[ConsentProblem]:
    """What is missing before this decision can be recorded (empty when complete)."""
    problems: list[ConsentProblem] = []
    if payload.get("item") not in CONSENT_ITEMS:
        problems.append(ConsentProblem("item", N_("Choose what the consent is about.")))
    if payload.get("decision") not in {d.value for d in Decision}:
        problems.append(
            ConsentProblem("decision", N_("Choose whether consent is given or refused."))
        )
    given_by = payload.get("given_by")
    if given_by not in {g.value for g in GivenBy}:
        problems.append(ConsentProblem("given_by", N_("Choose who decides.")))
    if given_by == GivenBy.PROXY and not (
        _text(payload, "proxy_name") and _text(payload, "proxy_relation")
    ):
        problems.append(
            ConsentProblem("proxy_name", N_("Give the proxy's name and their relation."))
        )
    if given_by == GivenBy.MINOR_ALONE and not _text(payload, "minor_reason"):
        problems.append(
            ConsentProblem(
                "minor_reason",
                N_("Give the reason why the minor decides alone (able to weigh their interests)."),
            )
        )
    if payload.get("decision") == Decision.REFUSED and not _text(payload, "explained"):
        problems.append(
            ConsentProblem("explained", N_("Record what was explained before the refusal."))
        )
    if payload.get("interpreter") is True and not _text(payload, "interpreter_name"):
        problems.append(ConsentProblem("interpreter_name", N_("Give the interpreter's name.")))
    if not _text(payload, "at_local"):
        problems.append(ConsentProblem("at_local", N_("Give the time of the decision.")))
    elif (normal := normalise_datetime(_text(payload, "at_local"))) is None:
        problems.append(
            ConsentProblem("at_local", N_("Write the time of the decision as 2026-03-14 01:30."))
        )
    elif not exists_in_brussels(normal):
        problems.append(
            ConsentProblem(
                "at_local",
                N_(
                    "That time does not exist in Brussels (the clocks jumped forward an "
                    "hour). Check it."
                ),
            )
        )
    return problems


def record_from_payload(
    payload: Mapping[str, Any], entry_id: str, author: str, recorded_utc: datetime
) -> ConsentRecord:
    return ConsentRecord(
        item=str(payload["item"]),
        decision=Decision(payload["decision"]),
        given_by=GivenBy(payload["given_by"]),
        at_local=str(payload.get("at_local", "")),
        interpreter=bool(payload.get("interpreter", False)),
        proxy_name=_text(payload, "proxy_name"),
        proxy_relation=_text(payload, "proxy_relation"),
        minor_reason=_text(payload, "minor_reason"),
        interpreter_name=_text(payload, "interpreter_name"),
        explained=_text(payload, "explained"),
        entry_id=entry_id,
        author=author,
        recorded_utc=recorded_utc,
    )


#: Parts of the record an action writes, and the consent each needs. A section maps to
#: items; ``*`` stands for the field's name (one consent per sample group or referral).
GATES: dict[str, tuple[str, ...]] = {
    "medical_care": ("medical_care",),
    "forensic_exam": ("forensic_exam",),
    "samples": ("forensic_exam", "samples.*"),
    "toxicology": ("toxicology",),
    "photographs": ("photographs",),
    "evidence_storage": ("keep_evidence",),
    "police_information": ("police_information",),
    "police_evidence": ("police_evidence",),
    "police_photographs": ("police_photographs",),
    "referrals": ("referral.*",),
}


def consents_needed(section: str, field: str) -> tuple[str, ...]:
    """The consent items writing ``section.field`` needs (none for most of the record)."""
    return tuple(item.replace("*", field) for item in GATES.get(section, ()))


def missing_consent(current: Mapping[str, ConsentRecord], section: str, field: str) -> str | None:
    """The first consent item that is not in force for this write, or None."""
    for item in consents_needed(section, field):
        record = current.get(item)
        if record is None or not record.in_force:
            return item
    return None
