"""Documents of a case, made from what the reader may see (Qt-free).

The facts come from the opened case (an audited read); what each document may show is
``domain.disclosure``'s decision; the layout is ``reports``'. Making a document is audited
(``case.export``, with the document and its language, never its content). Signing,
storing and printing come with the reports issue's next steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509

from sac_desktop.domain import aftercare as ac
from sac_desktop.domain import checklist as ck
from sac_desktop.domain import disclosure as dc
from sac_desktop.domain.audit import Action
from sac_desktop.domain.centres import CENTRES
from sac_desktop.domain.clock import format_utc
from sac_desktop.domain.entries import new_id
from sac_desktop.domain.evidence import Complaint
from sac_desktop.domain.intake import conditions
from sac_desktop.domain.localtime import parse_local_datetime
from sac_desktop.domain.protocol import Protocol
from sac_desktop.domain.psychology import PERSON, AppointmentStatus
from sac_desktop.domain.state import CaseState
from sac_desktop.fsutil import atomic_write
from sac_desktop.i18n import LANGUAGES, translator
from sac_desktop.reports.facts import (
    Appointment,
    Course,
    HandoverData,
    ItemLine,
    MedicationLine,
    PartnerContact,
    SheetData,
)
from sac_desktop.services.aftercare import AftercareService
from sac_desktop.services.clock import case_values
from sac_desktop.services.permissions import Area, Op, require
from sac_desktop.services.record import RecordService
from sac_desktop.storage import accounts
from sac_desktop.storage import documents as docs

SETTING_CENTRE_NAME = "centre_name"


def _consents(state: CaseState) -> dict[str, bool]:
    return {item: record.in_force for item, record in state.consents.items()}


@dataclass(frozen=True)
class SigningIdentity:
    """What signs for the signed-in person: their key (unwrapped from their slot at
    sign-in, held only in memory), their certificate and the centre CA's."""

    key: Any = field(repr=False)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


class NoSigningKey(PermissionError):
    """This session cannot sign (no key was unlocked for it)."""


class DocumentService:
    def __init__(self, record: RecordService, aftercare: AftercareService) -> None:
        self.record = record
        self.aftercare = aftercare
        #: Set at sign-in (services.installation): the signed-in person's signing key.
        self.signer: Callable[[], SigningIdentity] | None = None

    # -- keeping what was handed out ----------------------------------------------------
    def store(
        self,
        case_id: str,
        kind: str,
        language: str,
        pdf: bytes,
        *,
        sign: bool,
        replaces: str | None = None,
    ) -> docs.StoredDocument:
        """Keep a document as it was handed out (signed first when ``sign``: the first
        signature certifies it, and carries the audit chain head); printing it again gives
        these bytes. A new version names the one it ``replaces``. Audited."""
        from sac_desktop.reports.signing import sign as sign_pdf  # pyHanko: when used

        require(self.record.actor, Area.CASE, Op.READ)
        if replaces is not None:
            earlier = docs.document_bytes(self.record.vault.conn, replaces)
            if earlier is None or earlier[0].case_id != case_id:
                raise ValueError("replaces a document of another case")
        signed_by = None
        if sign:
            if self.signer is None:
                raise NoSigningKey()
            identity = self.signer()
            head = self.record.trail.head()
            pdf = sign_pdf(
                pdf,
                identity.key,
                identity.certificate,
                list(identity.chain),
                reason=f"SAC Desktop {kind}",
                audit_head=head.hash if head is not None else "none",
            )
            signed_by = self.record.actor.user_id
        now = format_utc(self.record.clock.now_utc())
        with self.record.vault.transaction() as conn:
            stored = docs.insert_document(
                conn, new_id(), case_id, kind, language, pdf, signed_by, replaces, now
            )
            self.record.trail.append(
                conn,
                self.record.actor,
                Action.DOCUMENT_STORE,
                case_id=case_id,
                reason=f"document={kind}; language={language}; sha256={stored.sha256}"
                + (f"; replaces={replaces}" if replaces else ""),
            )
        return stored

    def stored(self, case_id: str) -> list[docs.StoredDocument]:
        require(self.record.actor, Area.CASE, Op.READ)
        return docs.documents_of_case(self.record.vault.conn, case_id)

    def reprint(self, document_id: str) -> bytes:
        """A kept document's bytes, checked against its SHA-256 (printing it again is
        audited as a print)."""
        require(self.record.actor, Area.CASE, Op.READ)
        found = docs.document_bytes(self.record.vault.conn, document_id)
        if found is None:
            raise KeyError(document_id)
        meta, data = found
        self.record.trail.record_read(
            self.record.actor, Action.CASE_PRINT, meta.case_id, f"document={document_id}"
        )
        return data

    # -- the centre -----------------------------------------------------------------------
    def _centre_names(self) -> tuple[str, str]:
        """The centre's name, and the hospital's alone for a discreet document ("" when
        it is not known: a discreet document then names no place at all)."""
        code = self.record.info.centre
        known = next((c for c in CENTRES if c.code == code), None)
        if known is not None:
            return known.name, known.hospital
        name = accounts.get_setting(self.record.vault.conn, SETTING_CENTRE_NAME) or code
        return name, ""

    # -- the aftercare sheet ------------------------------------------------------------
    def sheet_data(self, case_id: str, discreet: bool, language: str) -> SheetData:
        """The facts of the person's aftercare sheet, as the reader may see them."""
        require(self.record.actor, Area.CASE, Op.READ)
        state = self.record.opened_state(case_id)
        reader = dc.Reader.PERSON_DISCREET if discreet else dc.Reader.PERSON
        shown = dc.sections(reader, self.record.actor.role, _consents(state))
        now = self.record.clock.now_utc()
        zone = self.record.clock.zone
        protocol = self.record.protocols.for_case(state.protocol)[0]
        labels = {f.id: f.text(language) for f in protocol.followups}
        appointments = [
            Appointment(f.due_utc, f.kind, labels.get(f.step, ""), f.until_utc)
            for f in state.followups.values()
            if f.status is ck.FollowUpStatus.PLANNED and f.due_utc >= now - timedelta(hours=1)
        ]
        appointments += [
            Appointment(a.due_utc, "psychology", "")
            for a in state.psychology.appointments.values()
            if a.status is AppointmentStatus.PLANNED and a.subject == PERSON and a.due_utc >= now
        ]
        courses = _courses(state, protocol, now.date())
        values = case_values(state)
        given = {item for item, r in state.checklist.items() if r.status is ck.Status.GIVEN}
        partners = []
        directory = {p.id: p for p in self.aftercare.partners(include_inactive=True)}
        for referral in state.aftercare.listed_referrals():
            if referral.outcome is ac.ReferralOutcome.CANCELLED:
                continue
            partner = directory.get(referral.partner_id)
            partners.append(
                PartnerContact(
                    referral.partner_name,
                    partner.phone if partner is not None else "",
                    partner.hours if partner is not None else "",
                )
            )
        kept = [
            i.retention_until
            for i in state.evidence.items.values()
            if i.at_centre and i.retention_until is not None
        ]
        kept_until = max(kept) if kept and state.evidence.complaint is not Complaint.FILED else None
        centre, hospital = self._centre_names()
        return SheetData(
            centre=centre,
            hospital=hospital,
            case_number=state.case_number or "",
            training=state.training,
            zone=zone,
            appointments=tuple(appointments),
            courses=tuple(courses),
            pep="hiv_pep" in given,
            emergency_contraception="emergency_contraception" in given,
            strangulation=conditions(values).get("strangulation_reported") is True,
            partners=tuple(partners),
            kept_until=kept_until,
            sections=shown,
        )

    # -- the handover for continuing care ----------------------------------------------
    def handover_data(self, case_id: str, language: str, recipient: str = "") -> HandoverData:
        """What whoever continues care needs: decisions, medications, the course to
        continue, the follow-ups still planned. Needs the consent to medical care."""
        require(self.record.actor, Area.CASE, Op.READ)
        state = self.record.opened_state(case_id)
        shown = dc.sections(dc.Reader.CONTINUING_CARE, self.record.actor.role, _consents(state))
        now = self.record.clock.now_utc()
        clock, protocol, _exact = self.record.clock_of(state, now)
        items = []
        for item in protocol.checklist:
            record = state.checklist.get(item.id)
            if record is None or record.status is ck.Status.NOT_ASSESSED:
                continue
            doses = record.details.get("doses_dispensed")
            items.append(
                ItemLine(
                    item.text(language),
                    ck.STATUS_LABELS[record.status],
                    record.at_local,
                    record.reason or record.explained,
                    doses if isinstance(doses, int) and doses > 0 else None,
                )
            )
        medications = [
            MedicationLine(m.name, m.dose, m.route, m.at_local, m.batch) for m in state.medications
        ]
        labels = {f.id: f.text(language) for f in protocol.followups}
        forensic = {f.id for f in protocol.followups if f.forensic}
        followups = [
            Appointment(f.due_utc, f.kind, labels.get(f.step, f.step), f.until_utc)
            for f in state.followups.values()
            if f.status is ck.FollowUpStatus.PLANNED
            and f.kind == ac.VISIT
            and f.step not in forensic
            and not f.step.startswith("reoffer_")
        ]
        return HandoverData(
            centre=self._centre_names()[0],
            case_number=state.case_number or "",
            training=state.training,
            zone=self.record.clock.zone,
            recipient=recipient.strip(),
            last_exposure_utc=clock.anchors.latest,
            exposure_known=not clock.anchors.unknown_episodes,
            items=tuple(items),
            medications=tuple(medications),
            courses=tuple(_courses(state, protocol, now.date())),
            followups=tuple(followups),
            sections=shown,
        )

    def handover_form(self, case_id: str, language: str, recipient: str = "") -> bytes:
        """The handover form in ``language``, as PDF bytes. Audited."""
        from sac_desktop.reports.handover import handover_form  # reportlab: when used

        if language not in LANGUAGES:
            raise ValueError(language)
        pdf = handover_form(self.handover_data(case_id, language, recipient), translator(language))
        self._audit(case_id, "handover", language, saved=False)
        return pdf

    def sheet_defaults(self, state: CaseState, interface_language: str) -> tuple[str, bool]:
        """The language the sheet is offered in (the person's, when it is one of the
        four; else the interface's) and whether the discreet version is offered first
        (the person asked for no letters at home, or for no voicemail)."""
        spoken = state.value("language.language")
        language = spoken if spoken in LANGUAGES else interface_language
        prefs = self.aftercare.preferences(state)
        return language, (not prefs.letters_allowed) or prefs.voicemail_ok == "no"

    def _sheet(self, case_id: str, language: str, discreet: bool) -> bytes:
        from sac_desktop.reports.aftercare_sheet import aftercare_sheet  # reportlab: when used

        if language not in LANGUAGES:
            raise ValueError(language)
        data = self.sheet_data(case_id, discreet, language)
        return aftercare_sheet(data, translator(language), discreet)

    def _audit(self, case_id: str, document: str, language: str, saved: bool) -> None:
        with self.record.vault.transaction() as conn:
            self.record.trail.append(
                conn,
                self.record.actor,
                Action.CASE_EXPORT,
                case_id=case_id,
                reason=f"document={document}; language={language}{'; saved' if saved else ''}",
            )

    def aftercare_sheet(self, case_id: str, language: str, discreet: bool = False) -> bytes:
        """The person's aftercare sheet in ``language`` (nl, fr, de, en), as PDF bytes;
        ``discreet`` leaves out everything that says what it is about. Audited."""
        pdf = self._sheet(case_id, language, discreet)
        self._audit(case_id, _sheet_name(discreet), language, saved=False)
        return pdf

    def save_aftercare_sheet(
        self, case_id: str, path: Path, language: str, discreet: bool = False
    ) -> docs.StoredDocument:
        """The sheet kept in the vault (so it prints again byte for byte) and written to
        a file the person chose (atomic, owner-only: never a half-written file)."""
        pdf = self._sheet(case_id, language, discreet)
        stored = self.store(case_id, _sheet_name(discreet), language, pdf, sign=False)
        atomic_write(path, pdf)
        self._audit(case_id, _sheet_name(discreet), language, saved=True)
        return stored

    def save_handover(
        self, case_id: str, path: Path, language: str, recipient: str, sign: bool = True
    ) -> docs.StoredDocument:
        """The handover form, signed with the author's key (the first signature certifies
        it), kept in the vault and written to the chosen file (atomic, owner-only)."""
        from sac_desktop.reports.handover import handover_form  # reportlab: when used

        if language not in LANGUAGES:
            raise ValueError(language)
        data = self.handover_data(case_id, language, recipient)
        pdf = handover_form(data, translator(language))
        stored = self.store(case_id, "handover", language, pdf, sign=sign)
        found = docs.document_bytes(self.record.vault.conn, stored.id)
        assert found is not None
        atomic_write(path, found[1])
        self._audit(case_id, "handover", language, saved=True)
        return stored

    def can_sign(self) -> bool:
        return self.signer is not None


def _courses(state: CaseState, protocol: Protocol, today: date) -> list[Course]:
    """The medications the person continues at home (a protocol drug with a course),
    from the first dose, with the days of doses taken home when fewer than the course."""
    courses = []
    drugs = {d.id: d for d in protocol.drugs}
    for medication in state.medications:
        drug = drugs.get(medication.drug)
        if drug is None or not drug.course_days:
            continue
        # The recorded time, else the day it was recorded: never "today" (the same facts
        # give the same document on any day).
        recorded = medication.recorded_utc.date() if medication.recorded_utc else today
        first = _day(medication.at_local) or recorded
        details = state.checklist.get(medication.item)
        dispensed = None
        if details is not None:
            value = details.details.get("doses_dispensed")
            if isinstance(value, int) and value >= drug.doses_per_day:
                dispensed = value // drug.doses_per_day  # whole days of doses
        courses.append(Course(drug.name, drug.doses_per_day, drug.course_days, first, dispensed))
    return courses


def _sheet_name(discreet: bool) -> str:
    return "aftercare_sheet_discreet" if discreet else "aftercare_sheet"


def _day(at_local: str) -> date | None:
    try:
        return parse_local_datetime(at_local).date() if at_local else None
    except ValueError:
        return None
