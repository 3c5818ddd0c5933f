"""The aftercare sheet the person takes home, in plain language (Qt-free, reportlab):
appointments with dates and places, the medication schedule, what to watch for, phone
numbers of partners, and, where evidence is kept without a complaint, the case number and
the date until which it is kept.

The **discreet** version (chosen when the person's contact preferences ask for it, or on
request) says nothing of what it is about: no centre name, no drug names, no evidence,
no warning signs that tell what happened; dates, times and a schedule only. What each
version shows is ``domain.disclosure``'s decision; this module only lays it out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.platypus import Paragraph, Spacer  # type: ignore[import-untyped]
from reportlab.platypus.flowables import Flowable  # type: ignore[import-untyped]

from sac_desktop.domain.disclosure import Section
from sac_desktop.i18n import N_, Translator
from sac_desktop.reports.facts import Appointment, Course, SheetData
from sac_desktop.reports.frame import DocumentInfo, render, styles

TITLE = N_("After your visit: what happens next")
#: How often a dose is taken (a protocol drug's ``doses_per_day``: 1 to 6).
SCHEDULES = {
    1: N_("once a day"),
    2: N_("twice a day"),
    3: N_("three times a day"),
    4: N_("four times a day"),
    5: N_("five times a day"),
    6: N_("six times a day"),
}
TITLE_DISCREET = N_("Your appointments")


WARNINGS_GENERAL = N_(
    "Call the centre or your doctor if you have a fever, pain that gets worse, bleeding "
    "or discharge, or if you feel you cannot cope."
)
WARNINGS_PEP = N_(
    "The HIV medication can cause nausea, diarrhoea, headache or tiredness in the first "
    "days; keep taking it and tell us. Do not stop on your own: missed doses make it "
    "work less well."
)
WARNINGS_EC = N_("If your next period is more than 7 days late, or unusual, take a pregnancy test.")
WARNINGS_STRANGULATION = N_(
    "After strangulation, go to an emergency department at once (112) if you notice: "
    "a changing or hoarse voice, difficulty swallowing or breathing, pain or swelling in "
    "the neck, drowsiness, confusion, fainting, a seizure, or red spots in your eyes. "
    "These signs can appear hours or days later."
)


def _local(t: Translator, moment: datetime, zone: str) -> str:
    return t.format_day_and_time(moment.astimezone(ZoneInfo(zone)))


def _appointment_line(t: Translator, item: Appointment, zone: str, discreet: bool) -> str:
    when = _local(t, item.when_utc, zone)
    if item.kind == "call":
        return (
            t._("%(when)s: we call you.") % {"when": when}
            if discreet
            else t._("%(when)s: the centre calls you on the number you gave us.") % {"when": when}
        )
    if item.kind == "psychology":
        return (
            t._("%(when)s: appointment.") % {"when": when}
            if discreet
            else t._("%(when)s: appointment with the psychologist.") % {"when": when}
        )
    # A follow-up visit has a window of days, not an hour: the person makes the appointment.
    tz = ZoneInfo(zone)
    first = t.format_date(item.when_utc.astimezone(tz).date())
    last = t.format_date((item.until_utc or item.when_utc).astimezone(tz).date())
    what = item.label if item.label and not discreet else t._("an appointment at the hospital")
    if first == last:
        return t._("On %(first)s: %(what)s.") % {"first": first, "what": what}
    return t._("Between %(first)s and %(last)s: %(what)s.") % {
        "first": first,
        "last": last,
        "what": what,
    }


def course_params(t: Translator, course: Course) -> dict[str, object]:
    """A course's words for a sentence: the drug, how often, how many days, from, to."""
    last = course.first_dose + timedelta(days=course.days - 1)
    return {
        "name": course.name,
        "schedule": t._(SCHEDULES.get(course.doses_per_day, SCHEDULES[6])),
        "days": course.days,
        "first": t.format_date(course.first_dose),
        "last": t.format_date(last),
    }


def _course_line(t: Translator, course: Course, discreet: bool) -> str:
    params = course_params(t, course)
    if discreet:
        line = t._("Your medication: %(schedule)s for %(days)d days, from %(first)s to %(last)s.")
    else:
        line = t._(
            "%(name)s: %(schedule)s for %(days)d days, from %(first)s to %(last)s. Take it at "
            "the same time each day."
        )
    line = line % params
    if course.dispensed_days is not None and course.dispensed_days < course.days:
        line += " " + t._(
            "You received enough for %(days)d days: the rest is given at your next appointment."
        ) % {"days": course.dispensed_days}
    return line


def story(data: SheetData, t: Translator, discreet: bool) -> list[Flowable]:
    s = styles()
    shown = data.sections
    out: list[Flowable] = [Paragraph(escape(t._(TITLE_DISCREET if discreet else TITLE)), s.title)]

    def heading(text: str) -> None:
        out.append(Paragraph(escape(text), s.heading))

    def line(text: str) -> None:
        out.append(Paragraph(escape(text), s.body))

    if Section.APPOINTMENTS in shown:
        heading(t._("Appointments"))
        line(
            t._(
                "For the appointments with a period of days, call the number you were "
                "given to choose the day and time."
            )
            if discreet
            else t._(
                "For the appointments with a period of days, call the centre to choose the "
                "day and time."
            )
        )
        future = sorted(data.appointments, key=lambda a: a.when_utc)
        if not future:
            line(t._("No appointment is planned yet: we will contact you."))
        for item in future:
            line(_appointment_line(t, item, data.zone, discreet))
    if Section.MEDICATION_SCHEDULE in shown and data.courses:
        heading(t._("Medication"))
        for course in data.courses:
            line(_course_line(t, course, discreet or Section.MEDICATIONS not in shown))
    if Section.WARNING_SIGNS in shown:
        heading(t._("What to watch for"))
        line(t._(WARNINGS_GENERAL))
        if data.pep:
            line(t._(WARNINGS_PEP))
        if data.emergency_contraception:
            line(t._(WARNINGS_EC))
        if data.strangulation:
            line(t._(WARNINGS_STRANGULATION))
    if Section.PARTNER_CONTACTS in shown and data.partners:
        heading(t._("Who can help"))
        for partner in data.partners:
            text = f"{partner.name}: {partner.phone}" if partner.phone else partner.name
            if partner.hours:
                text += f" ({partner.hours})"
            line(text)
    if Section.EVIDENCE_RETENTION in shown and data.kept_until is not None:
        heading(t._("Your samples"))
        line(
            t._(
                "The samples taken are kept under number %(number)s until %(date)s. Until "
                "then you can still decide to file a complaint with the police; mention "
                "this number."
            )
            % {"number": data.case_number, "date": t.format_date(data.kept_until)}
        )
    out.append(Spacer(1, 8))
    if discreet:
        line(t._("Keep this sheet with your papers. Questions? Call the number you were given."))
    else:
        line(t._("Keep this sheet. Questions? Call the centre, day and night."))
    return out


def aftercare_sheet(data: SheetData, t: Translator, discreet: bool = False) -> bytes:
    """The sheet as PDF bytes in ``t``'s language (the same facts give the same bytes)."""
    info = DocumentInfo(
        title=t._(TITLE_DISCREET if discreet else TITLE),
        centre=data.hospital if discreet else data.centre,
        case_number=data.case_number,
        training=data.training,
        discreet=discreet,
    )
    return render(info, t, story(data, t, discreet))
