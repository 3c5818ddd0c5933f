"""Documents of a case: what each reader may see (``domain.disclosure``), the shared frame
(page x of y, TRAINING, the same bytes for the same facts) and the person's aftercare
sheet with its discreet version, in the four languages; text extracted back from the PDF
with poppler's pdftotext."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sac_desktop.domain import disclosure as dc
from sac_desktop.domain.audit import Action
from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.i18n import translator
from sac_desktop.services.protocols import shipped
from sac_desktop.services.session import Session
from sac_desktop.storage import audit_log
from tests.conftest import require
from tests.helpers.cases import consent

FOLLOWUPS = {f.id: f for f in shipped().current().followups}

S = dc.Section
ALL_GIVEN = {
    "medical_care": True,
    "police_information": True,
    "police_evidence": True,
    "police_photographs": True,
    "referral.victim_support": True,
}


# -- who may see what ----------------------------------------------------------------------
def test_psychological_content_reaches_psychologists_only() -> None:
    for reader in dc.Reader:
        for role in (Role.FORENSIC_NURSE, Role.PHYSICIAN, Role.COORDINATOR):
            try:
                shown = dc.sections(
                    reader, role, ALL_GIVEN, referral_item="referral.victim_support"
                )
            except dc.NotAllowed:
                continue
            assert S.PSYCHOLOGY not in shown, (reader, role)
    assert S.PSYCHOLOGY in dc.sections(dc.Reader.PSYCHOLOGIST, Role.PSYCHOLOGIST, {})
    with pytest.raises(dc.NotAllowed):
        dc.sections(dc.Reader.PSYCHOLOGIST, Role.PHYSICIAN, ALL_GIVEN)


def test_the_police_document_follows_consent_requisition_and_the_physicians_reasons() -> None:
    with pytest.raises(dc.NotAllowed):  # signed by a physician only
        dc.sections(dc.Reader.POLICE, Role.FORENSIC_NURSE, ALL_GIVEN)
    with pytest.raises(dc.NotAllowed):  # no consent, no requisition: nothing
        dc.sections(dc.Reader.POLICE, Role.PHYSICIAN, {"police_information": False})
    shown = dc.sections(dc.Reader.POLICE, Role.PHYSICIAN, {"police_information": True})
    assert S.ASSAULT in shown and S.INJURIES in shown
    assert not shown & {S.PHOTOGRAPHS, S.EVIDENCE, S.PSYCHOLOGY, S.SUPPORT_CIRCLE}
    assert not shown & dc.POLICE_EXCLUDED
    ordered = dc.sections(dc.Reader.POLICE, Role.PHYSICIAN, {}, requisition=True)
    assert {S.PHOTOGRAPHS, S.EVIDENCE} <= ordered and not ordered & dc.POLICE_EXCLUDED
    included = dc.sections(
        dc.Reader.POLICE,
        Role.PHYSICIAN,
        {"police_information": True},
        included={S.TEST_RESULTS: "needed for the charge", S.EARLIER_ASSAULTS: "  "},
    )
    assert S.TEST_RESULTS in included and S.EARLIER_ASSAULTS not in included


def test_the_person_the_partner_care_and_the_access_request() -> None:
    person = dc.sections(dc.Reader.PERSON, Role.FORENSIC_NURSE, {})
    discreet = dc.sections(dc.Reader.PERSON_DISCREET, Role.FORENSIC_NURSE, {})
    assert discreet < person
    assert not discreet & {S.CENTRE_NAME, S.MEDICATIONS, S.EVIDENCE_RETENTION, S.WARNING_SIGNS}
    with pytest.raises(dc.NotAllowed):
        dc.sections(dc.Reader.PARTNER, Role.FORENSIC_NURSE, {}, referral_item="referral.shelter")
    partner = dc.sections(
        dc.Reader.PARTNER, Role.FORENSIC_NURSE, ALL_GIVEN, referral_item="referral.victim_support"
    )
    assert partner == {S.CENTRE_NAME, S.REFERRAL_REASON, S.IDENTITY}
    with pytest.raises(dc.NotAllowed):
        dc.sections(dc.Reader.CONTINUING_CARE, Role.PHYSICIAN, {})
    care = dc.sections(dc.Reader.CONTINUING_CARE, Role.PHYSICIAN, {"medical_care": True})
    assert S.MEDICATIONS in care and not care & {S.ASSAULT, S.EVIDENCE, S.PSYCHOLOGY}
    access = dc.sections(dc.Reader.ACCESS_REQUEST, Role.COORDINATOR, {})
    assert S.ACCESS_LOG in access
    assert not access & {S.STAFF_NAMES, S.REQUISITION_DOCUMENTS, S.SUPPORT_CIRCLE, S.ASSAILANT}
    with pytest.raises(dc.NotAllowed):
        dc.sections(dc.Reader.FILE, Role.POLICE_INSPECTOR, {})


# -- the aftercare sheet -------------------------------------------------------------------
def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return " ".join(done.stdout.split())


def _as(session: Session, role: Role) -> Session:
    return Session(session.vault, Actor(f"{role.value}-x", role), session.trail.clock, [])


@pytest.fixture
def case(session: Session, clock: FixedClock) -> str:
    """An adult who came 90 minutes after the assault: strangled, PEP started (5 days of
    doses given), emergency contraception, referred to victim support, a sample kept."""
    clock.current = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)  # 04:00 in Brussels
    record = session.record
    case_id, _ = record.create_case()
    record.record_fields(case_id, "arrival", {"arrived_at": "2026-03-14 03:00"})
    record.record_fields(case_id, "person", {"age_years": 27, "gender": "woman"})
    record.record_fields(case_id, "risks", {"strangulation": "yes"})
    record.record_fields(
        case_id,
        "contact",
        {
            "safe_phone": "+32 470 99 99 99",
            "contact_hours": "18:00-20:00",
            "no_letters_home": "yes",
        },
    )
    record.record_fields(
        case_id,
        "assault",
        {"episodes": [{"time_kind": "exact", "at": "2026-03-14 01:30", "acts": ["vaginal"]}]},
    )
    for item in ("medical_care", "forensic_exam", "samples.oral", "referral.victim_support"):
        consent(record, case_id, item)
    checklist = session.checklist
    checklist.set_item(case_id, "hiv_pep", {"status": "offered"})
    checklist.set_item(case_id, "hiv_pep", {"status": "accepted"})
    checklist.set_item(
        case_id,
        "hiv_pep",
        {"status": "given", "at_local": "2026-03-14 03:40", "details": {"doses_dispensed": 5}},
    )
    checklist.record_medication(
        case_id,
        {
            "drug": "pep_tdf_ftc_dtg",
            "name": "Tenofovir disoproxil/emtricitabine 245/200 mg + dolutegravir 50 mg",
            "dose": "one tablet of each",
            "route": "oral",
            "at_local": "2026-03-14 03:40",
            "batch": "SYN-1",
            "given_by": "Synthetic Nurse",
            "item": "hiv_pep",
        },
    )
    checklist.set_item(
        case_id, "emergency_contraception", {"status": "given", "at_local": "2026-03-14 03:45"}
    )
    checklist.plan_followups(case_id)
    coordinator = _as(session, Role.COORDINATOR).aftercare
    partner = next(p for p in session.aftercare.partners() if p.type == "victim_support")
    values = {
        "name": partner.name,
        "type": partner.type,
        "community": partner.community,
        "languages": list(partner.languages),
        "phone": "+32 9 000 00 00",
        "hours": "9-17",
    }
    coordinator.save_partner(values, partner.id)
    session.aftercare.refer(case_id, {"partner_id": partner.id, "reason": "support"})
    record.open_case(case_id)
    evidence = session.evidence
    evidence.set_kit(case_id, "SAS-2026-000001")
    evidence.record_item(case_id, {"sample": "oral_swabs", "collected_local": "2026-03-14 03:50"})
    record.open_case(case_id)
    return case_id


@pytest.mark.parametrize("language", ["en", "nl", "fr", "de"])
def test_the_aftercare_sheet_holds_what_the_person_needs(
    session: Session, case: str, tmp_path: Path, language: str
) -> None:
    documents = session.documents
    text = pdftotext(documents.aftercare_sheet(case, language), tmp_path)
    case_number = session.record.opened_state(case).case_number
    assert case_number and case_number in text
    assert "Tenofovir" in text  # drug names are not translated
    assert "+32 9 000 00 00" in text  # the partner's phone
    assert "+32 470 99 99 99" not in text  # the safe number never goes on paper
    assert "112" in text  # strangulation warning signs
    words = {
        # the PEP course's last day, and the evidence kept until 14 September
        "en": ("Appointments", "Page 1 of", "strangulation", "Apr 10, 2026", "Sep 14, 2026"),
        "nl": ("Afspraken", "Pagina 1 van", "wurging", "10 apr 2026", "14 sep 2026"),
        "fr": ("Rendez-vous", "Page 1 sur", "strangulation", "10 avr. 2026", "14 sept. 2026"),
        "de": ("Termine", "Seite 1 von", "Strangulation", "10.04.2026", "14.09.2026"),
    }[language]
    for word in words:
        assert word in text, (language, word)
    # "page x of y": every page says how many there are
    page_word = words[1].split(" 1 ")[0]
    last = text.rsplit(page_word + " ", 1)[1].split()
    total = int(last[2])
    assert [f"{page_word} {n} " in text + " " for n in range(1, total + 1)] == [True] * total


def test_the_discreet_sheet_does_not_say_what_it_is_about(
    session: Session, case: str, tmp_path: Path
) -> None:
    text = pdftotext(session.documents.aftercare_sheet(case, "en", discreet=True), tmp_path)
    assert "once a day for 28 days" in text  # the schedule stays
    assert "we call you" in text
    for word in ("Tenofovir", "HIV", "PEP", "ZSG", "CPVS", "sample", "complaint", "police",
                 "forensic", "medical", "Confidential",
                 "strangulation", "psychologist", "assault", "Sexual", "sexual"):  # fmt: skip
        assert word not in text, word
    assert "Sint-Pieter" in text  # the hospital only: the demo centre is Brussels
    # nor do its properties
    pdf = session.documents.aftercare_sheet(case, "en", discreet=True)
    assert b"SAC Desktop" not in pdf and b"BXL-A" not in pdf.split(b"/Info")[0][-2000:]
    info = subprocess.run(
        ["pdfinfo", "-"], input=pdf, capture_output=True, check=False
    ).stdout.decode()
    assert "SAC" not in info and "BXL" not in info


def test_the_same_facts_give_the_same_bytes_and_making_it_is_audited(
    session: Session, case: str
) -> None:
    first = session.documents.aftercare_sheet(case, "fr")
    assert session.documents.aftercare_sheet(case, "fr") == first
    assert session.documents.aftercare_sheet(case, "nl") != first
    made = [
        r
        for r in audit_log.records_for_case(session.vault.conn, case)
        if r.action == Action.CASE_EXPORT
    ]
    assert [r.reason for r in made] == [
        "document=aftercare_sheet; language=fr",
        "document=aftercare_sheet; language=fr",
        "document=aftercare_sheet; language=nl",
    ]


def test_a_training_vault_marks_every_page(
    demo_accounts: Any, installation: Any, tmp_path: Path
) -> None:
    nurse = next(a for a in demo_accounts.values() if a.role is Role.FORENSIC_NURSE)
    signed = installation.sign_in(nurse.username, nurse.password)
    try:
        session = signed.session
        case_id = session.record.list_cases()[0].case_id
        session.record.open_case(case_id)
        text = pdftotext(session.documents.aftercare_sheet(case_id, "de"), tmp_path)
        pages = text.count("Seite ")  # "Seite x von y" at the foot of each page
        assert pages >= 1
        assert text.count("ÜBUNG: erfundener Fall") == pages  # the line at the top of each
    finally:
        signed.session.close()


# -- the handover for continuing care -------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "nl", "fr", "de"])
def test_the_handover_says_what_was_given_and_what_remains(
    session: Session, case: str, tmp_path: Path, language: str
) -> None:
    physician = _as(session, Role.PHYSICIAN)
    physician.record.open_case(case)
    pdf = physician.documents.handover_form(case, language, "Synthetic HIV reference centre")
    text = pdftotext(pdf, tmp_path)
    assert "Synthetic HIV reference centre" in text
    assert "Tenofovir" in text and "SYN-1" in text  # the medication, its batch
    t = translator(language)
    title = t._("Handover for continuing care")
    assert (title != "Handover for continuing care") is (language != "en")
    exposure = {
        "en": "Mar 14, 2026 01:30",
        "nl": "14 mrt 2026 01:30",
        "fr": "14 mars 2026 01:30",
        "de": "14.03.2026 01:30",
    }[language]
    for word in (title, t._("given"), exposure, "PEP"):
        assert word in text, (language, word)
    # what the recipient continues: the tests, not the centre's forensic steps
    assert FOLLOWUPS["hiv_syphilis_6w"].text(language) in text
    # nothing forensic, psychological or about the assault itself
    for step in ("dfsa_hair", "bruise_review"):  # the centre's own forensic steps
        assert FOLLOWUPS[step].text(language) not in text, step
    for word in ("samples", "oral_swabs", "SAS-2026", "psycholog", "strangul", "Slachtoffer"):
        assert word.lower() not in text.lower(), word


def test_no_handover_without_the_consent_to_medical_care(session: Session, case: str) -> None:
    consent(session.record, case, "medical_care", "withdrawn")
    session.record.open_case(case)
    with pytest.raises(dc.NotAllowed):
        session.documents.handover_form(case, "en")
