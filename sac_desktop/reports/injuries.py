"""The injuries of a case for a document: each diagram that carries markers, and the
legend table that says what each number is (Qt-free, reportlab).

The reports issue places these in the medical report; they take the reader's language
(a :class:`~sac_desktop.i18n.Translator`) like every report. Only injuries in force are
shown (one entered in error is not), numbered as on screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, Table, TableStyle  # type: ignore[import-untyped]
from reportlab.platypus.flowables import Flowable  # type: ignore[import-untyped]

from sac_desktop.domain import injuries as inj
from sac_desktop.domain.diagrams import Diagram, diagram_label, region_label
from sac_desktop.i18n import N_, Translator
from sac_desktop.reports.diagrams import Marker, diagram_drawing, regular_font

LEGEND_HEADERS = (
    N_("No."),
    N_("Region"),
    N_("Type"),
    N_("Size"),
    N_("Colour, shape, edges"),
    N_("Description"),
)


def _style(size: float = 8.0) -> ParagraphStyle:
    return ParagraphStyle("legend", fontName=regular_font(), fontSize=size, leading=size * 1.25)


def legend_rows(t: Translator, injuries: Sequence[inj.InjuryRecord]) -> list[list[str]]:
    """The legend as text, one row per injury in force (what the table shows)."""
    rows = []
    for record in sorted((r for r in injuries if r.active), key=lambda r: r.number):
        where = region_label(record.region, t._)
        if record.clock_text and record.position is not None:
            where += " · " + t._("%(hours)s o'clock") % {"hours": record.clock_text}
            where += f" ({t._(inj.POSITION_LABELS[record.position])})"
        looks = ", ".join(x for x in (record.colour, record.shape, record.edges) if x)
        notes = [record.pattern, record.description]
        if record.reexamine:
            notes.append(t._("Re-examine on %(date)s") % {"date": record.reexamine_on})
        rows.append(
            [
                str(record.number),
                f"{where} — {diagram_label(record.diagram, t._)}",
                t._(inj.TYPE_LABELS[record.type]),
                record.size_text,
                looks,
                "; ".join(n for n in notes if n),
            ]
        )
    return rows


def legend_table(t: Translator, injuries: Sequence[inj.InjuryRecord], width: float) -> Table:
    """The legend table (numbers as on the diagrams), in the reader's language."""
    style = _style()
    header = [Paragraph(t._(h), _style(8)) for h in LEGEND_HEADERS]
    body = [[Paragraph(_escape(cell), style) for cell in row] for row in legend_rows(t, injuries)]
    fractions = (0.06, 0.26, 0.14, 0.12, 0.18, 0.24)
    table = Table([header, *body], colWidths=[width * f for f in fractions], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.Color(0.6, 0.6, 0.6)),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def marked_diagrams(
    diagrams: Mapping[str, Diagram], injuries: Sequence[inj.InjuryRecord], width_pt: float
) -> list[tuple[str, Flowable]]:
    """Each diagram that carries an injury in force, with its numbered markers, in the
    diagrams' own order: (diagram id, drawing)."""
    shown = []
    for diagram_id, diagram in diagrams.items():
        markers = [
            Marker(r.number, r.x, r.y) for r in injuries if r.active and r.diagram == diagram_id
        ]
        if markers:
            shown.append((diagram_id, diagram_drawing(diagram, markers, width_pt)))
    return shown


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
