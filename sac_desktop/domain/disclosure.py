"""What each document may contain: decided by its reader, its author's role and the
person's recorded consent, here and nowhere else (Qt-free, pure).

Every document builder asks :func:`sections` which parts of the record it may show and
shows nothing else. The rules (DOMAIN.md, "What goes to the police", "Records law and
privacy"):

- psychological content reaches psychologists only;
- the police and the prosecutor get what the person consented to share (or what a
  judicial requisition orders), in a document signed by a physician; test results (HIV,
  STI, pregnancy), psychiatric history and earlier assaults stay out unless the
  physician includes them with a recorded reason;
- whoever continues care gets what care needs (under the medical-care consent), never
  the forensic or psychological record;
- a partner gets only what the referral's consent covers;
- the person gets their own aftercare; the discreet version leaves out every word that
  would reveal what it is about;
- an access request (GDPR article 15) gets everything about the person and the dates
  and purposes of access, without staff names, documents made under a judicial
  requisition, or data about third parties (companions, the assailant).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from sac_desktop.domain.roles import Role
from sac_desktop.i18n import N_


class Reader(StrEnum):
    PERSON = "person"  # the aftercare sheet
    PERSON_DISCREET = "person_discreet"  # the same, not revealing its subject
    CONTINUING_CARE = "continuing_care"  # the HIV reference centre, the GP, a ward
    POLICE = "police"  # the police or the prosecutor
    PARTNER = "partner"  # a referral letter
    PSYCHOLOGIST = "psychologist"  # the consultation summary
    FILE = "file"  # the case summary, the medical report for the hospital record
    ACCESS_REQUEST = "access_request"  # the person's own record (GDPR art. 15)


class Section(StrEnum):
    CENTRE_NAME = "centre_name"  # the centre's own name (it says what the centre is for)
    ASSAULT = "assault"  # episodes, acts, the history since
    EXPOSURE_TIMES = "exposure_times"  # when exposures were: what PEP and tests count from
    CHECKLIST = "checklist"  # decisions of the medical checklist
    MEDICATIONS = "medications"  # by name, dose and batch
    MEDICATION_SCHEDULE = "medication_schedule"  # what to take at home, when
    TEST_RESULTS = "test_results"  # HIV, STI, pregnancy
    PSYCHIATRIC_HISTORY = "psychiatric_history"
    EARLIER_ASSAULTS = "earlier_assaults"
    INJURIES = "injuries"
    PHOTOGRAPHS = "photographs"
    EVIDENCE = "evidence"  # items, seals, custody
    EVIDENCE_RETENTION = "evidence_retention"  # until when evidence is kept
    APPOINTMENTS = "appointments"  # follow-ups, calls, the person's own psy appointments
    WARNING_SIGNS = "warning_signs"  # what to watch for (by what happened)
    PARTNER_CONTACTS = "partner_contacts"  # phone numbers of partners
    REFERRAL_REASON = "referral_reason"
    PSYCHOLOGY = "psychology"  # what a consultation says
    SUPPORT_CIRCLE = "support_circle"  # third parties: companions
    ASSAILANT = "assailant"  # third party
    IDENTITY = "identity"  # name, date of birth, address, national number
    STAFF_NAMES = "staff_names"
    ACCESS_LOG = "access_log"  # dates and purposes of access (not who)
    REQUISITION_DOCUMENTS = "requisition_documents"


#: Sections the police document leaves out unless a physician includes them, with a reason.
POLICE_EXCLUDED = frozenset(
    {Section.TEST_RESULTS, Section.PSYCHIATRIC_HISTORY, Section.EARLIER_ASSAULTS}
)

_PERSON = frozenset(
    {
        Section.CENTRE_NAME,
        Section.MEDICATIONS,
        Section.MEDICATION_SCHEDULE,
        Section.EVIDENCE_RETENTION,
        Section.APPOINTMENTS,
        Section.WARNING_SIGNS,
        Section.PARTNER_CONTACTS,
    }
)
#: The discreet sheet: dates, times and a schedule; no drug names, no centre name, no
#: evidence, no warning signs that say what happened.
_DISCREET = frozenset({Section.MEDICATION_SCHEDULE, Section.APPOINTMENTS})
_CARE = frozenset(
    {
        Section.CENTRE_NAME,
        Section.EXPOSURE_TIMES,
        Section.CHECKLIST,
        Section.MEDICATIONS,
        Section.MEDICATION_SCHEDULE,
        Section.TEST_RESULTS,
        Section.APPOINTMENTS,
        Section.IDENTITY,
        Section.STAFF_NAMES,
    }
)
_POLICE = frozenset(
    {
        Section.CENTRE_NAME,
        Section.ASSAULT,
        Section.EXPOSURE_TIMES,
        Section.INJURIES,
        Section.STAFF_NAMES,
        Section.IDENTITY,
    }
)
_FILE = frozenset(Section) - {Section.PSYCHOLOGY, Section.ACCESS_LOG}
_ACCESS_REQUEST = frozenset(Section) - {
    Section.STAFF_NAMES,
    Section.REQUISITION_DOCUMENTS,
    Section.SUPPORT_CIRCLE,
    Section.ASSAILANT,
}


class NotAllowed(PermissionError):
    """This author may not make this document (a msgid in ``message``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _given(consents: Mapping[str, bool], item: str) -> bool:
    return consents.get(item) is True


def sections(
    reader: Reader,
    author: Role,
    consents: Mapping[str, bool],
    *,
    requisition: bool = False,
    included: Mapping[Section, str] | None = None,
    referral_item: str = "",
) -> frozenset[Section]:
    """The parts of the record a document for ``reader`` made by ``author`` shows.

    ``consents``: each consent item in force (True) or not; ``requisition``: a judicial
    requisition orders the police document; ``included``: sections a physician includes
    in the police document with the recorded reason; ``referral_item``: the consent item
    a referral letter rests on. Raises :class:`NotAllowed` when this author may not make
    the document at all."""
    included = included or {}
    if reader is Reader.PSYCHOLOGIST:
        if author is not Role.PSYCHOLOGIST:
            raise NotAllowed(N_("Only a psychologist makes a consultation summary."))
        return frozenset({Section.CENTRE_NAME, Section.PSYCHOLOGY, Section.STAFF_NAMES})
    if author is Role.POLICE_INSPECTOR:
        raise NotAllowed(N_("Police inspectors do not make documents of a case."))
    if reader is Reader.POLICE:
        if author is not Role.PHYSICIAN:
            raise NotAllowed(N_("The document for the police is made and signed by a physician."))
        if not requisition and not _given(consents, "police_information"):
            raise NotAllowed(
                N_(
                    "Nothing may go to the police: the person did not consent to sharing "
                    "information, and no judicial requisition is recorded."
                )
            )
        found = set(_POLICE)
        if requisition or _given(consents, "police_photographs"):
            found.add(Section.PHOTOGRAPHS)
        if requisition or _given(consents, "police_evidence"):
            found.add(Section.EVIDENCE)
        found |= {s for s, reason in included.items() if s in POLICE_EXCLUDED and reason.strip()}
        return frozenset(found)
    if reader is Reader.CONTINUING_CARE:
        if not _given(consents, "medical_care"):
            raise NotAllowed(N_("Passing care on needs the person's consent to medical care."))
        return _CARE
    if reader is Reader.PARTNER:
        if not referral_item or not _given(consents, referral_item):
            raise NotAllowed(N_("A referral letter needs the consent for that referral."))
        return frozenset({Section.CENTRE_NAME, Section.REFERRAL_REASON, Section.IDENTITY})
    if reader is Reader.PERSON:
        return _PERSON
    if reader is Reader.PERSON_DISCREET:
        return _DISCREET
    if reader is Reader.ACCESS_REQUEST:
        found = set(_ACCESS_REQUEST)
        if author is not Role.PSYCHOLOGIST:
            found.discard(Section.PSYCHOLOGY)  # a psychologist adds their own part
        return frozenset(found)
    if reader is Reader.FILE:
        return _FILE
    raise ValueError(reader)
