"""Consent item by item: recorded as entries, withdrawable, and enforced by the services."""

from __future__ import annotations

from typing import Any

import pytest

from sac_desktop.domain.consent import (
    CONSENT_ITEMS,
    GATES,
    Decision,
    GivenBy,
    check_consent,
    consents_needed,
)
from sac_desktop.services.record import ConsentIncomplete, ConsentMissing
from sac_desktop.services.session import Session
from sac_desktop.storage import audit_log

#: Every consent-gated write: (section, field) -> the consent items it needs.
GATED = [
    ("medical_care", "pep_started"),
    ("forensic_exam", "started_at"),
    ("samples", "oral"),
    ("samples", "reference_dna"),
    ("samples", "clothing"),
    ("toxicology", "urine"),
    ("photographs", "photo_1"),
    ("evidence_storage", "kept_until"),
    ("police_information", "shared"),
    ("police_evidence", "handed_over"),
    ("police_photographs", "shared"),
    ("referrals", "victim_support"),
    ("referrals", "hiv_reference_centre"),
]


def _decision(item: str, decision: Decision = Decision.GIVEN, **extra: Any) -> dict[str, Any]:
    return {
        "item": item,
        "decision": decision.value,
        "given_by": GivenBy.PERSON.value,
        "at_local": "2026-03-14 03:35",
        "interpreter": False,
        **extra,
    }


def test_every_gate_names_known_consent_items() -> None:
    assert {section for section, _f in GATED} == set(GATES)
    for section, field in GATED:
        for item in consents_needed(section, field):
            assert item in CONSENT_ITEMS, (section, field, item)


@pytest.mark.parametrize(("section", "field"), GATED)
def test_gated_action_refused_without_consent_allowed_after_refused_after_withdrawal(
    session: Session, section: str, field: str
) -> None:
    record = session.record
    case_id, _ = record.create_case()
    needed = consents_needed(section, field)
    with pytest.raises(ConsentMissing) as missing:
        record.record_fields(case_id, section, {field: "synthetic value 1"})
    assert missing.value.item == needed[0]
    for item in needed:
        record.record_consent(case_id, _decision(item))
    assert record.record_fields(case_id, section, {field: "synthetic value 1"})
    # A withdrawal of any needed consent stops the next write, naming that consent.
    record.record_consent(
        case_id, _decision(needed[-1], Decision.WITHDRAWN, explained="Stops now.")
    )
    with pytest.raises(ConsentMissing) as withdrawn:
        record.record_fields(case_id, section, {field: "synthetic value 2"})
    assert withdrawn.value.item == needed[-1]
    state = record.open_case(case_id)
    assert state.value(f"{section}.{field}") == "synthetic value 1"  # nothing overwritten


def test_a_refusal_also_blocks_and_records_what_was_explained(session: Session) -> None:
    record = session.record
    case_id, _ = record.create_case()
    with pytest.raises(ConsentIncomplete) as incomplete:
        record.record_consent(case_id, _decision("photographs", Decision.REFUSED))
    assert [p.field for p in incomplete.value.problems] == ["explained"]
    record.record_consent(
        case_id,
        _decision("photographs", Decision.REFUSED, explained="Photos help the file; optional."),
    )
    with pytest.raises(ConsentMissing):
        record.record_fields(case_id, "photographs", {"photo_1": "x"})
    state = record.open_case(case_id)
    refusal = state.consents["photographs"]
    assert refusal.decision is Decision.REFUSED
    assert refusal.explained == "Photos help the file; optional."


def test_history_keeps_every_decision_and_each_is_audited(session: Session) -> None:
    record = session.record
    case_id, _ = record.create_case()
    first = record.record_consent(case_id, _decision("forensic_exam"))
    second = record.record_consent(
        case_id, _decision("forensic_exam", Decision.WITHDRAWN, explained="Too tired.")
    )
    state = record.open_case(case_id)
    assert [c.decision for c in state.consent_history] == [Decision.GIVEN, Decision.WITHDRAWN]
    assert state.consents["forensic_exam"].entry_id == second
    entries = session.vault.conn.execute(
        "SELECT id, supersedes FROM entries WHERE kind = 'consent.recorded' ORDER BY seq"
    ).fetchall()
    assert entries == [(first, None), (second, first)]
    audited = {r.entry_id for r in audit_log.records_for_case(session.vault.conn, case_id)}
    assert {first, second} <= audited


def test_proxy_consent_is_recorded_with_name_and_relation(session: Session) -> None:
    record = session.record
    case_id, _ = record.create_case()
    with pytest.raises(ConsentIncomplete) as incomplete:
        record.record_consent(case_id, _decision("medical_care", given_by="proxy"))
    assert incomplete.value.problems[0].field == "proxy_name"
    record.record_consent(
        case_id,
        _decision(
            "medical_care",
            given_by="proxy",
            proxy_name="Synthetic Guardian",
            proxy_relation="legal guardian",
            interpreter=True,
            interpreter_name="Synthetic Interpreter",
        ),
    )
    consent = record.open_case(case_id).consents["medical_care"]
    assert consent.given_by is GivenBy.PROXY
    assert (consent.proxy_name, consent.proxy_relation) == ("Synthetic Guardian", "legal guardian")
    assert consent.interpreter and consent.interpreter_name == "Synthetic Interpreter"
    assert consent.author == "nurse-1"


def test_a_minor_consenting_alone_needs_and_keeps_the_reason(session: Session) -> None:
    record = session.record
    case_id, _ = record.create_case()
    with pytest.raises(ConsentIncomplete):
        record.record_consent(case_id, _decision("forensic_exam", given_by="minor_alone"))
    record.record_consent(
        case_id,
        _decision(
            "forensic_exam",
            given_by="minor_alone",
            minor_reason="16, understands the examination; the parent is the suspect.",
        ),
    )
    consent = record.open_case(case_id).consents["forensic_exam"]
    assert consent.given_by is GivenBy.MINOR_ALONE and consent.in_force
    assert consent.minor_reason.startswith("16, understands")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"item": "no_such_item"}, "item"),
        ({"decision": "maybe"}, "decision"),
        ({"given_by": "neighbour"}, "given_by"),
        ({"interpreter": True}, "interpreter_name"),
        ({"at_local": ""}, "at_local"),
        ({"at_local": "yesterday evening"}, "at_local"),
        ({"at_local": "2026-03-29 02:30"}, "at_local"),  # skipped when clocks go forward
    ],
)
def test_incomplete_decisions_name_what_is_missing(payload: dict[str, Any], field: str) -> None:
    problems = check_consent({**_decision("medical_care"), **payload})
    assert [p.field for p in problems] == [field]


def test_the_intake_itself_needs_no_consent(session: Session) -> None:
    case_id, _ = session.record.create_case()
    assert session.record.record_fields(case_id, "arrival", {"how": "taxi"})
    assert consents_needed("assault", "episodes") == ()


def test_the_refusal_message_names_the_consent_in_the_readers_language() -> None:
    from sac_desktop.i18n import translator
    from sac_desktop.ui.messages import describe, is_expected

    error = ConsentMissing("samples.oral")
    assert is_expected(error)
    assert "Samples: oral swabs" in describe(translator("en"), error)
    assert "Samples: oral swabs" not in describe(translator("fr"), error)


def test_a_gated_section_cannot_even_be_drafted_without_consent(session: Session) -> None:
    case_id, _ = session.record.create_case()
    with pytest.raises(ConsentMissing):
        session.record.save_draft(case_id, "photographs", {"photo_1": "x"})
    assert session.record.draft(case_id, "photographs") is None


def test_a_draft_whose_consent_was_withdrawn_stays_a_draft_and_the_rest_is_recorded(
    session: Session,
) -> None:
    record = session.record
    case_id, _ = record.create_case()
    record.record_consent(case_id, _decision("photographs"))
    record.save_draft(case_id, "photographs", {"photo_1": "synthetic caption"})
    record.save_draft(case_id, "notes", {"text": "synthetic note"})
    record.record_consent(
        case_id, _decision("photographs", Decision.WITHDRAWN, explained="No photos now.")
    )
    assert record.commit_all_drafts() == 1  # the note
    assert record.stuck_drafts == 1
    assert record.draft(case_id, "photographs") == {"photo_1": "synthetic caption"}
    assert record.open_case(case_id).value("notes.text") == "synthetic note"
    session.close()  # lock still finishes: the stuck draft is kept for later
    assert not session.vault.is_open
