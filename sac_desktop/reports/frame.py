"""The frame every document of a case shares (Qt-free, reportlab): A4, an embedded Unicode
font, the centre and the case number at the top of each page, "page x of y" and a
confidentiality line at the bottom, and TRAINING across every page of a training vault.

A document is made from the same facts into the same bytes: reportlab's ``invariant``
mode fixes the file's dates and identifier, and nothing here reads the clock. The text
comes from the translation catalogs of the document's own language (a
:class:`~sac_desktop.i18n.Translator`), never from the interface's.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import SimpleDocTemplate  # type: ignore[import-untyped]
from reportlab.platypus.flowables import Flowable  # type: ignore[import-untyped]

from sac_desktop.i18n import N_, Translator
from sac_desktop.reports.diagrams import _registered, regular_font

MARGIN = 18 * mm
CONFIDENTIAL = N_(
    "Confidential: medical and forensic information. Do not pass it on without the "
    "person's consent."
)
#: The footer of a discreet document: nothing in it says what it is about.
PERSONAL = N_("Personal document: keep it for yourself.")
PAGE_OF = N_("Page %(page)d of %(pages)d")
TRAINING = N_("TRAINING")
TRAINING_LINE = N_("TRAINING: synthetic case, not a real person")


def bold_font() -> str:
    return _registered("DejaVuSans-Bold", "DejaVuSans-Bold.ttf", "Helvetica-Bold")


@dataclass(frozen=True)
class DocumentInfo:
    """What every page says: the document's title (translated), the centre (as the reader
    may see it: a discreet document names the hospital only), the case number."""

    title: str
    centre: str
    case_number: str
    training: bool
    discreet: bool = False  # a neutral footer instead of "medical and forensic"


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle


def styles() -> Styles:
    regular, bold = regular_font(), bold_font()
    return Styles(
        title=ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, spaceAfter=6),
        heading=ParagraphStyle(
            "heading", fontName=bold, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=3
        ),
        body=ParagraphStyle("body", fontName=regular, fontSize=10, leading=13.5, spaceAfter=3),
        small=ParagraphStyle("small", fontName=regular, fontSize=8.5, leading=11),
    )


def _canvas_class(info: DocumentInfo, t: Translator) -> type[Canvas]:
    """A canvas that keeps each page until the last, then draws the header and footer
    of every page knowing how many there are ("page x of y")."""

    class FramedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, page in enumerate(self._pages, start=1):
                self.__dict__.update(page)
                _decorate(self, info, t, number, total)
                super().showPage()
            super().save()

    return FramedCanvas


def _decorate(canvas: Canvas, info: DocumentInfo, t: Translator, page: int, pages: int) -> None:
    width, height = A4
    regular, bold = regular_font(), bold_font()
    canvas.saveState()
    if info.training:
        canvas.setFillColor(colors.Color(0.75, 0.1, 0.1, alpha=0.13))
        canvas.setFont(bold, 88)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(50)
        canvas.drawCentredString(0, -30, t._(TRAINING))
        canvas.restoreState()
        canvas.saveState()
        canvas.setFillColor(colors.Color(0.55, 0.1, 0.1))
        canvas.setFont(bold, 9)
        canvas.drawCentredString(width / 2, height - 9 * mm, t._(TRAINING_LINE))
    canvas.setFillColor(colors.black)
    canvas.setFont(bold, 9)
    canvas.drawString(MARGIN, height - 13 * mm, info.centre)
    canvas.drawRightString(width - MARGIN, height - 13 * mm, info.case_number)
    canvas.setFont(regular, 8.5)
    canvas.drawString(MARGIN, height - 17 * mm, info.title)
    canvas.setStrokeColor(colors.grey)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, height - 19 * mm, width - MARGIN, height - 19 * mm)
    canvas.line(MARGIN, 15 * mm, width - MARGIN, 15 * mm)
    canvas.setFont(regular, 7.5)
    canvas.drawString(MARGIN, 11 * mm, t._(PERSONAL if info.discreet else CONFIDENTIAL))
    canvas.drawRightString(width - MARGIN, 7 * mm, t._(PAGE_OF) % {"page": page, "pages": pages})
    canvas.restoreState()


def render(info: DocumentInfo, t: Translator, story: Sequence[Flowable]) -> bytes:
    """The document as PDF bytes: the same ``info`` and ``story`` give the same bytes."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=24 * mm,
        bottomMargin=20 * mm,
        title=info.title,
        author="",  # never a staff name in the file's properties
        # A discreet document's properties name neither the application nor the case.
        creator="" if info.discreet else "SAC Desktop",
        producer="" if info.discreet else "SAC Desktop",
        subject="" if info.discreet else info.case_number,
        lang=t.language,
        invariant=1,
    )
    document.build(list(story), canvasmaker=_canvas_class(info, t))
    return buffer.getvalue()
