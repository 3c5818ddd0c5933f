"""Printable evidence labels: one label per forensic sample (Qt-free, reportlab).

Each label carries the case number, the kit and item number, what the sample is, when and
by whom it was collected, TRAINING for a training vault, and the same identity in machine
form: a Code 128 barcode of :func:`barcode_value` across the label's full width, and, when
there is room, a QR code of the same value (a 2D imager reads it more easily than the
dense linear symbol). The label is drawn from the record's own fields, so the printed
label and the record cannot disagree.

Two layouts: an A4 sheet of 3 × 8 labels of 70 × 37 mm (a common sheet; ``start_position``
skips labels already used on a partly used sheet), and a roll printer (Brother-type,
62 × 29 mm die-cut labels), one label per page.

The value is short on purpose (``<kit>/<item>``, under 25 characters for the SAS kit's
numbers): in Code 128 that is under 300 modules, so the narrowest bar is two dots of a
300 dpi printer (0.17 mm) or more, which zbar and ordinary scanners read. A bar is a
whole number of printer dots (otherwise bars print unevenly); the fonts give way to the
bars, never the reverse, and a value too long for two-dot bars is refused rather than
printed unreadable. The QR code of the same value beside the text has 4-dot (0.34 mm)
modules: it is what an ordinary 2D imager reads first.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from reportlab.graphics import renderPDF  # type: ignore[import-untyped]
from reportlab.graphics.barcode.code128 import Code128  # type: ignore[import-untyped]
from reportlab.graphics.barcode.qr import QrCodeWidget  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from sac_desktop.i18n import Translator
from sac_desktop.reports.diagrams import _registered, regular_font

SEPARATOR = "/"
ELLIPSIS = "…"

DOT = 25.4 / 300 * mm  # one dot of a 300 dpi printer, in points
MIN_BAR_DOTS = 2  # narrowest Code 128 bar we print: two 300 dpi dots, 0.17 mm
MAX_BAR_DOTS = 4  # 0.34 mm: a short value is not stretched wider than this
QUIET_MODULES = 10  # Code 128 quiet zone, each side, in narrowest-bar widths
QR_MODULES_MIN_DOTS = 3  # a QR code module smaller than 3 dots (0.25 mm): no QR code
QR_MODULES_MAX_DOTS = 4  # 0.34 mm: reads easily, leaves room for the text
QR_QUIET = 4  # QR quiet zone, in modules
QR_LEVEL = "M"
LINE_SPACING = 1.18  # leading as a multiple of the font size
CASE_SCALE = 1.3  # the case number, bold, is this much larger than the other lines
MIN_SHRINK = 0.8  # a line too long is first set down to 80 % of its size, then cut with …
BADGE_PAD = 0.6 * mm  # around TRAINING, white on black
BAR_GAP = 1.2 * mm  # between the text (or the QR code's quiet zone) and the bars
MAX_BAR_HEIGHT = 12 * mm
BOLD = ("DejaVuSans-Bold", "DejaVuSans-Bold.ttf", "Helvetica-Bold")


@dataclass(frozen=True)
class LabelData:
    case_number: str  # e.g. "BXL-A-2026-00012" (pseudonymous; never a name)
    kit_number: str  # e.g. "SAS-2026-004512"
    item_number: str  # the kit's own item number, e.g. "3" or "3b"; "" for the kit label
    item_text: str  # translated type and site, e.g. "Oral swabs (2)"
    collected_local: str  # "2026-03-14 03:40" (Brussels wall clock)
    collector: str  # staff display name
    training: bool  # a training vault: the label says TRAINING


class Layout(StrEnum):
    A4_SHEET = "a4_sheet"  # 3 columns × 8 rows of 70 × 37 mm labels
    PRINTER_62x29 = "printer_62x29"  # one 62 × 29 mm label per page (Brother-type roll)


@dataclass(frozen=True)
class _Spec:
    """The geometry of one label of a layout (points)."""

    width: float
    height: float
    pad_x: float  # blank at the left and right of the text and the QR code
    pad_y: float  # blank at the top and bottom
    bar_span: float  # the widest the Code 128 bars may be (centred; quiet zones outside)
    bar_dot: float  # the printer's dot: a bar is a whole number of these
    bar_height: float
    max_font: float  # the body text size when there is room; the case number is larger


_SPECS = {
    # A sheet label is cut flush with its neighbours: keep clear of the edges, which are
    # also where an office printer cannot print. Office printers have 600 dpi or more.
    Layout.A4_SHEET: _Spec(70 * mm, 37 * mm, 4 * mm, 3 * mm, 62 * mm, DOT / 2, 8 * mm, 8.5),
    # A Brother QL prints 58.9 of the 62 mm across and about 23 of the 29 mm along the
    # roll (696 × 271 dots at 300 dpi, across the roll: its bars are whole 300 dpi dots).
    Layout.PRINTER_62x29: _Spec(62 * mm, 29 * mm, 2 * mm, 3.1 * mm, 696 * DOT, DOT, 6 * mm, 7.5),
}
A4_COLUMNS = 3
A4_ROWS = 8
A4_PER_SHEET = A4_COLUMNS * A4_ROWS


def barcode_value(case_number: str, kit_number: str, item_number: str) -> str:
    """What the barcode holds: ``<kit>/<item>``, or ``<kit>`` on the kit's own label.

    The kit's number is unique (it is printed on the box and recorded in the case) and
    the item's number is unique within the kit, so the pair names the item; the case
    number is printed beside it, not encoded. Kept short on purpose: a 62 mm label
    then carries Code 128 bars two printer dots wide (0.17 mm), which scan at 300 dpi.

    Raises ValueError for a character outside 0x20..0x7E, a ``/`` inside a part, or an
    empty case or kit number (``item_number`` is empty on the kit's own label).
    """
    parts = {"case number": case_number, "kit number": kit_number, "item number": item_number}
    for what, part in parts.items():
        bad = [c for c in part if not 0x20 <= ord(c) <= 0x7E]
        if bad:
            raise ValueError(f"the {what} {part!r} has characters a barcode cannot hold: {bad}")
        if SEPARATOR in part:
            raise ValueError(f"the {what} {part!r} contains {SEPARATOR!r}")
    if not case_number or not kit_number:
        raise ValueError("a label needs a case number and a kit number")
    return f"{kit_number}{SEPARATOR}{item_number}" if item_number else kit_number


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with "…" so that it is at most ``width`` points wide in ``font``."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits with the ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(text[:middle].rstrip() + ELLIPSIS, font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS if low else ""


@dataclass(frozen=True)
class _Line:
    text: str
    bold: bool = False
    scale: float = 1.0  # of the body text size
    badge: bool = False  # white on black


def _lines(label: LabelData, t: Translator, split_collected: bool) -> list[_Line]:
    """What the label says, top to bottom; when and by whom on one line or two."""
    if label.item_number:
        kit = t._("Kit %(kit)s · item %(item)s") % {
            "kit": label.kit_number,
            "item": label.item_number,
        }
    else:
        kit = t._("Kit %(kit)s") % {"kit": label.kit_number}
    lines = [_Line(t._("TRAINING"), bold=True, badge=True)] if label.training else []
    lines += [
        _Line(label.case_number, bold=True, scale=CASE_SCALE),
        _Line(kit),
        _Line(label.item_text),
    ]
    if not (label.collected_local or label.collector):  # the kit's own label
        return lines
    if split_collected:
        lines += [
            _Line(t._("Collected %(when)s") % {"when": label.collected_local}),
            _Line(t._("By %(collector)s") % {"collector": label.collector}),
        ]
    else:
        lines.append(
            _Line(
                t._("Collected %(when)s by %(collector)s")
                % {"when": label.collected_local, "collector": label.collector}
            )
        )
    return lines


@dataclass(frozen=True)
class _Placed:
    text: str  # as drawn: cut with "…" if it had to be
    font: str
    size: float
    baseline: float
    ascent: float
    descent: float  # positive, below the baseline
    badge: bool
    cut: bool  # did not fit at its size and was made smaller or cut


def _height_per_point(lines: Sequence[_Line]) -> float:
    """How tall the lines are set, per point of body text size."""
    regular, bold = regular_font(), _registered(*BOLD)
    first, last = lines[0], lines[-1]
    ascent = pdfmetrics.getAscent(bold if first.bold else regular, first.scale)
    descent = -pdfmetrics.getDescent(bold if last.bold else regular, last.scale)
    return float(ascent + LINE_SPACING * sum(line.scale for line in lines[1:]) + descent)


def _place(
    lines: Sequence[_Line],
    size: float,
    left: float,
    right: float,
    top: float,
    qr_left: float,
    qr_low: float,
) -> list[_Placed]:
    """The lines set from ``top`` down; beside the QR code (above ``qr_low``) a line
    stops at ``qr_left``. A line too long is set smaller (to 80 %), then cut with "…"."""
    regular, bold = regular_font(), _registered(*BOLD)
    placed = []
    baseline = top
    for number, line in enumerate(lines):
        font = bold if line.bold else regular
        line_size = size * line.scale
        ascent = pdfmetrics.getAscent(font, line_size)
        descent = -pdfmetrics.getDescent(font, line_size)
        baseline -= ascent if number == 0 else line_size * LINE_SPACING
        end = qr_left if baseline + ascent > qr_low else right
        width = end - left - (2 * BADGE_PAD if line.badge else 0)
        natural = pdfmetrics.stringWidth(line.text, font, line_size)
        cut = natural > width
        if cut:
            line_size = max(line_size * MIN_SHRINK, line_size * width / natural)
        text = fit_text(line.text, font, line_size, width)
        placed.append(_Placed(text, font, line_size, baseline, ascent, descent, line.badge, cut))
    return placed


def _bar_width(spec: _Spec, value: str) -> float:
    """The narrowest Code 128 bar: the widest whole number of the printer's dots with
    which the bars fit in ``spec.bar_span`` and the quiet zones stay on the label (a
    fraction of a dot would print bars of uneven width)."""
    modules = float(Code128(value, barWidth=1, quiet=0).width)
    room = min(spec.bar_span / modules, spec.width / (modules + 2 * QUIET_MODULES))
    bar = min(math.floor(room / spec.bar_dot + 1e-6) * spec.bar_dot, MAX_BAR_DOTS * DOT)
    if bar < MIN_BAR_DOTS * DOT - 1e-9:
        raise ValueError(
            f"the barcode {value!r} is too long for a {spec.width / mm:.0f} mm label "
            f"(its narrowest bar would be under {MIN_BAR_DOTS * DOT / mm:.3f} mm)"
        )
    return float(bar)


def _qr_module(spec: _Spec, value: str, text_height: float) -> tuple[float, int]:
    """The QR code's module size (whole 300 dpi dots) and module count; 0 when it does
    not fit beside the text."""
    widget = QrCodeWidget(value, barLevel=QR_LEVEL)
    widget.qr.make()
    count = int(widget.qr.getModuleCount())
    # the symbol and its quiet zone below (top and right quiet zones lie in the padding)
    dots = int(text_height / ((count + QR_QUIET) * DOT))
    dots = min(dots, QR_MODULES_MAX_DOTS, int(min(spec.pad_x, spec.pad_y) / (QR_QUIET * DOT)))
    if dots < QR_MODULES_MIN_DOTS:
        return 0.0, count
    return dots * DOT, count


def _draw_label(
    canvas: Canvas, spec: _Spec, x: float, y: float, label: LabelData, t: Translator
) -> None:
    """One label with its lower left corner at (x, y)."""
    value = barcode_value(label.case_number, label.kit_number, label.item_number)
    left, right = x + spec.pad_x, x + spec.width - spec.pad_x
    bottom, top = y + spec.pad_y, y + spec.height - spec.pad_y
    above_bars = top - bottom - spec.bar_height - BAR_GAP  # for the text and the QR code

    module, count = _qr_module(spec, value, above_bars + BAR_GAP)
    side = count * module
    qr_left = right - side - QR_QUIET * module if module else right
    qr_low = top - side - QR_QUIET * module if module else top
    if module:
        drawing = Drawing(side, side)
        drawing.add(
            QrCodeWidget(value, barLevel=QR_LEVEL, barBorder=0, barWidth=side, barHeight=side)
        )
        renderPDF.draw(drawing, canvas, right - side, top - side)

    placed: list[_Placed] = []
    for split in (False, True):  # when and by whom on one line if it fits, else on two
        lines = _lines(label, t, split_collected=split)
        size = min(spec.max_font, above_bars / _height_per_point(lines))
        placed = _place(lines, size, left, right, top, qr_left, qr_low)
        if not placed[-1].cut:
            break

    for line in placed:
        canvas.setFont(line.font, line.size)
        if line.badge:
            canvas.setFillColor(colors.black)
            canvas.rect(
                left,
                line.baseline - line.descent - BADGE_PAD / 2,
                pdfmetrics.stringWidth(line.text, line.font, line.size) + 2 * BADGE_PAD,
                line.ascent + line.descent + BADGE_PAD,
                stroke=0,
                fill=1,
            )
            canvas.setFillColor(colors.white)
            canvas.drawString(left + BADGE_PAD, line.baseline, line.text)
            canvas.setFillColor(colors.black)
        else:
            canvas.drawString(left, line.baseline, line.text)

    # The bars: full width, as tall as the room under the text and the QR code allows.
    text_low = placed[-1].baseline - placed[-1].descent
    bar_top = min(text_low - BAR_GAP, qr_low)
    bar_height = min(max(spec.bar_height, bar_top - bottom), MAX_BAR_HEIGHT)
    bar = _bar_width(spec, value)
    code = Code128(value, barWidth=bar, barHeight=bar_height, quiet=0)
    # on the dot grid from the page's left edge, where a printer's dots start
    start = round((x + (spec.width - code.width) / 2) / spec.bar_dot) * spec.bar_dot
    code.drawOn(canvas, start, bottom)


def render_labels(
    labels: Sequence[LabelData], layout: Layout, t: Translator, start_position: int = 0
) -> bytes:
    """The labels as a PDF, built in memory (no file is written).

    On an A4 sheet the labels run left to right, top to bottom, from ``start_position``
    (0 is the top left label; the positions before it are already used), onto further
    sheets as needed. The roll printer has no positions: ``start_position`` is ignored.
    Raises ValueError for an empty list, a position off the sheet, or a label whose
    barcode cannot be made (see :func:`barcode_value`).
    """
    layout = Layout(layout)
    if not labels:
        raise ValueError("no labels to print")
    for label in labels:  # refuse before drawing anything
        barcode_value(label.case_number, label.kit_number, label.item_number)
    spec = _SPECS[layout]
    buffer = io.BytesIO()
    if layout is Layout.A4_SHEET:
        if not 0 <= start_position < A4_PER_SHEET:
            raise ValueError(f"start position {start_position} is not on the sheet")
        page_width, page_height = A4
        canvas = Canvas(buffer, pagesize=A4, invariant=True)
        margin_top = (page_height - A4_ROWS * spec.height) / 2
        margin_left = (page_width - A4_COLUMNS * spec.width) / 2
        for index, label in enumerate(labels, start=start_position):
            if index and index % A4_PER_SHEET == 0 and index != start_position:
                canvas.showPage()
            position = index % A4_PER_SHEET
            row, column = divmod(position, A4_COLUMNS)
            x = margin_left + column * spec.width
            y = page_height - margin_top - (row + 1) * spec.height
            _draw_label(canvas, spec, x, y, label, t)
        canvas.showPage()
    else:
        canvas = Canvas(buffer, pagesize=(spec.width, spec.height), invariant=True)
        for label in labels:
            _draw_label(canvas, spec, 0, 0, label, t)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()
