"""The injuries as a document shows them: the marked diagrams and the legend table, in
the reader's language, rendered to a real PDF and read back (text and pixels)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.platypus import SimpleDocTemplate, Spacer  # type: ignore[import-untyped]

from sac_desktop.domain import injuries as inj
from sac_desktop.i18n import translator
from sac_desktop.reports.injuries import legend_rows, legend_table, marked_diagrams
from sac_desktop.services.diagrams import load_diagrams
from tests.conftest import require

DIAGRAMS = load_diagrams()
AT = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)


def _injury(number: int, diagram: str, kind: str, **more: object) -> inj.InjuryRecord:
    found = DIAGRAMS[diagram]
    region = found.regions[number % len(found.regions)]
    x = sum(p[0] for p in region.polygon) / len(region.polygon)
    y = sum(p[1] for p in region.polygon) / len(region.polygon)
    return inj.InjuryRecord(
        id=f"i{number}",
        number=number,
        diagram=diagram,
        x=x,
        y=y,
        region=region.id,
        type=inj.InjuryType(kind),
        recorded_utc=AT,
        **more,  # type: ignore[arg-type]
    )


INJURIES = [
    _injury(1, "adult_front", "ecchymosis", length_mm=25.0, width_mm=12.0, colour="paars"),
    _injury(2, "adult_front", "abrasion", description="lineair, 3 strepen"),
    _injury(
        3,
        "female_genital",
        "tear",
        length_mm=4.0,
        position=inj.Position.SUPINE_LITHOTOMY,
        clock_from=6,
    ),
    _injury(4, "adult_back", "bite", status=inj.Status.ENTERED_IN_ERROR),
]


def test_the_legend_lists_injuries_in_force_in_the_readers_language() -> None:
    rows = legend_rows(translator("nl"), INJURIES)
    assert [r[0] for r in rows] == ["1", "2", "3"]  # number 4 was entered in error
    english = legend_rows(translator("en"), INJURIES)
    assert english[0][2] == "Ecchymosis (bruise)" and rows[0][2] != english[0][2]
    assert english[0][3] == "25 × 12 mm"
    assert "6 o'clock" in english[2][1] and "Supine / lithotomy" in english[2][1]
    shown = [diagram_id for diagram_id, _drawing in marked_diagrams(DIAGRAMS, INJURIES, 200)]
    assert shown == ["adult_front", "female_genital"]  # the back only had number 4


@pytest.mark.system
def test_the_diagrams_and_legend_render_to_a_pdf_that_reads_back(tmp_path: Path) -> None:
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils)")
    t = translator("fr")
    pdf = tmp_path / "injuries.pdf"
    story = []
    for _diagram_id, drawing in marked_diagrams(DIAGRAMS, INJURIES, 220):
        story += [drawing, Spacer(1, 8)]
    story.append(legend_table(t, INJURIES, A4[0] - 100))
    SimpleDocTemplate(str(pdf), pagesize=A4).build(story)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    words = " ".join(text.split())  # a cell may wrap its words over lines
    for row in legend_rows(t, INJURIES):
        assert " ".join(row[2].split()) in words  # each type, in French
    assert "25 × 12 mm" in words and "paars" in words
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    page = Image.open(sorted(tmp_path.glob("page*.png"))[0]).convert("RGB")
    red = sum(1 for r, g, b in page.get_flattened_data() if r > 150 and g < 60 and b < 60)
    assert red > 30  # the numbered markers are drawn
