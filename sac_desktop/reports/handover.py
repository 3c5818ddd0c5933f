"""The handover form for whoever continues care (Qt-free, reportlab): the HIV reference
centre that continues PEP, the GP, a hospital ward. What was given (with times, doses and
batches), what was declined or not indicated (with the reason), the course to continue,
and what remains to be done by when. Nothing forensic or psychological: what it shows is
``domain.disclosure``'s decision for the reader "continuing care"."""

from __future__ import annotations

from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, Table, TableStyle  # type: ignore[import-untyped]
from reportlab.platypus.flowables import Flowable  # type: ignore[import-untyped]

from sac_desktop.domain.disclosure import Section
from sac_desktop.domain.localtime import parse_local_datetime
from sac_desktop.i18n import N_, Translator
from sac_desktop.reports.aftercare_sheet import course_params
from sac_desktop.reports.facts import HandoverData, ItemLine
from sac_desktop.reports.frame import DocumentInfo, render, styles

TITLE = N_("Handover for continuing care")


def _table(rows: list[list[str]], widths: list[float]) -> Table:
    s = styles()
    cells = [[Paragraph(escape(cell), s.small) for cell in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _when(t: Translator, at_local: str) -> str:
    """A recorded local time ("2026-03-14 03:40") in the document's language."""
    try:
        return t.format_day_and_time(parse_local_datetime(at_local)) if at_local else ""
    except ValueError:
        return at_local


def _note(t: Translator, item: ItemLine) -> str:
    parts = [item.note] if item.note else []
    if item.doses is not None:
        parts.append(t._("Doses dispensed: %(doses)s") % {"doses": t.format_number(item.doses)})
    return "; ".join(parts)


def story(data: HandoverData, t: Translator) -> list[Flowable]:
    s = styles()
    shown = data.sections
    out: list[Flowable] = [Paragraph(escape(t._(TITLE)), s.title)]

    def line(text: str) -> None:
        out.append(Paragraph(escape(text), s.body))

    def heading(text: str) -> None:
        out.append(Paragraph(escape(text), s.heading))

    if data.recipient:
        line(t._("For: %(recipient)s") % {"recipient": data.recipient})
    if Section.EXPOSURE_TIMES in shown:
        if data.last_exposure_utc is not None:
            local = data.last_exposure_utc.astimezone(ZoneInfo(data.zone))
            text = t._("Last possible exposure: %(when)s.") % {"when": t.format_day_and_time(local)}
            if not data.exposure_known:
                text += " " + t._("(The time is not known exactly: counted from the latest.)")
            line(text)
        else:
            line(t._("The time of the exposure is not known."))
    if Section.CHECKLIST in shown and data.items:
        heading(t._("What was decided and given"))
        rows = [[t._("Item"), t._("Status"), t._("When"), t._("Reason or details")]]
        rows += [[i.label, t._(i.status), _when(t, i.at_local), _note(t, i)] for i in data.items]
        out.append(_table(rows, [150, 80, 95, 170]))
    if Section.MEDICATIONS in shown and data.medications:
        heading(t._("Medications given"))
        rows = [[t._("Medication"), t._("Dose"), t._("Route"), t._("When"), t._("Batch")]]
        rows += [[m.name, m.dose, m.route, _when(t, m.at_local), m.batch] for m in data.medications]
        out.append(_table(rows, [150, 95, 70, 95, 83]))
    if Section.MEDICATION_SCHEDULE in shown and data.courses:
        heading(t._("To continue"))
        for course in data.courses:
            text = t._(
                "%(name)s: %(schedule)s for %(days)d days, from %(first)s to %(last)s."
            ) % course_params(t, course)
            if course.dispensed_days is not None and course.dispensed_days < course.days:
                text += " " + t._(
                    "Dispensed at the centre: %(days)d days; the rest is to be prescribed."
                ) % {"days": course.dispensed_days}
            line(text)
    if Section.APPOINTMENTS in shown:
        heading(t._("What remains to be done, by when"))
        if not data.followups:
            line(t._("Nothing is planned."))
        zone = ZoneInfo(data.zone)
        for item in sorted(data.followups, key=lambda a: a.when_utc):
            start = t.format_date(item.when_utc.astimezone(zone).date())
            end = t.format_date((item.until_utc or item.when_utc).astimezone(zone).date())
            params = {"what": item.label, "first": start, "last": end}
            line(
                t._("%(what)s: on %(first)s.") % params
                if start == end
                else t._("%(what)s: from %(first)s, at the latest %(last)s.") % params
            )
    return out


def handover_form(data: HandoverData, t: Translator) -> bytes:
    """The form as PDF bytes in ``t``'s language (the same facts give the same bytes)."""
    info = DocumentInfo(t._(TITLE), data.centre, data.case_number, data.training)
    return render(info, t, story(data, t))
