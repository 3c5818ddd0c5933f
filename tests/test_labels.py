"""Evidence labels: the barcode value, and labels that scan back to exactly that value."""

from __future__ import annotations

import gettext
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sac_desktop.i18n import Translator, translator
from sac_desktop.reports.labels import (
    A4_COLUMNS,
    A4_PER_SHEET,
    LabelData,
    Layout,
    barcode_value,
    render_labels,
)
from tests.conftest import require

MM = 72 / 25.4  # points
DPI = 300  # the roll printer's resolution: the QR codes must read at it
BAR_DPI = 300  # Code 128 reads at the printer's own resolution too
CELL = {Layout.A4_SHEET: (70.0, 37.0), Layout.PRINTER_62x29: (62.0, 29.0)}  # mm
PADDING = {Layout.A4_SHEET: (4.0, 3.0), Layout.PRINTER_62x29: (2.0, 3.1)}  # mm, x and y
A4_TOP = 0.5  # mm above the first row (8 × 37 mm on 297 mm)
ITEMS = [
    ("", "Sexual assault evidence kit"),
    ("1", "Oral swabs (2)"),
    ("2", "Vaginal swabs, high (2)"),
    ("3b", "Blood, EDTA tube"),
    ("4", "Urine, first void"),
    ("10", "Fingernail scrapings, left hand"),
    ("11a", "Underwear (paper bag)"),
    ("12", "Dried secretion, neck, left side"),
]


def _labels(count: int = 8) -> list[LabelData]:
    return [
        LabelData(
            case_number=f"BXL-A-2026-{12 + index // 4:05d}",
            kit_number=f"SAS-2026-{4512 + index // 4:06d}",
            item_number=ITEMS[index % len(ITEMS)][0],
            item_text=ITEMS[index % len(ITEMS)][1],
            collected_local="2026-03-14 03:40",
            collector="Marie Vandenberghe",
            training=index % 3 == 1,
        )
        for index in range(count)
    ]


def _value(label: LabelData) -> str:
    return barcode_value(label.case_number, label.kit_number, label.item_number)


def _require_tools() -> None:
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils)")
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    require(shutil.which("zbarimg") is not None, "zbarimg (zbar-tools)")


def _scan(png: Path, symbology: str) -> list[str]:
    """Every symbol of one kind that zbar finds in the image, as raw text."""
    result = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sdisable", f"-S{symbology}.enable", str(png)],
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 4), result.stderr  # 4: no symbol found
    return sorted(line for line in result.stdout.splitlines() if line)


def _pages(pdf: Path, out: Path, dpi: int = DPI) -> list[Path]:
    prefix = out / f"page{dpi}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True)
    return sorted(out.glob(f"{prefix.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def _scan_all(pdf: Path, out: Path) -> dict[str, list[str]]:
    """Every value read from the document, QR codes and Code 128, at 300 dpi."""
    return {
        "qrcode": sorted(v for page in _pages(pdf, out) for v in _scan(page, "qrcode")),
        "code128": sorted(v for page in _pages(pdf, out, BAR_DPI) for v in _scan(page, "code128")),
    }


def _cell_mm(layout: Layout, position: int) -> tuple[float, float]:
    """The top left corner of a position, in mm from the page's top left."""
    if layout is Layout.PRINTER_62x29:
        return 0.0, 0.0
    width, height = CELL[layout]
    row, column = divmod(position, A4_COLUMNS)
    return column * width, A4_TOP + row * height


def _text(pdf: Path, page: int, box_mm: tuple[float, float, float, float]) -> str:
    """The text inside a box of a page (pdftotext crops in whole pixels at -r)."""
    x, y, w, h = (round(v / 25.4 * DPI) for v in box_mm)
    args = ["-r", str(DPI), "-f", str(page), "-l", str(page), "-x", str(x), "-y", str(y)]
    result = subprocess.run(
        ["pdftotext", *args, "-W", str(w), "-H", str(h), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


# -- the barcode value --------------------------------------------------------------------


def test_barcode_value_format() -> None:
    assert barcode_value("BXL-A-2026-00012", "SAS-2026-004512", "3b") == "SAS-2026-004512/3b"
    assert barcode_value("BXL-A-2026-00012", "SAS-2026-004512", "") == "SAS-2026-004512"
    assert barcode_value(" ~", "!", "~") == "!/~"  # the printable ends of ASCII


ASCII = "characters a barcode cannot hold"


@pytest.mark.parametrize(
    ("case", "kit", "item", "why"),
    [
        ("BXL-A-2026-0001é", "SAS-1", "1", ASCII),
        ("BXL-A-2026-00012", "SAS-1\n", "1", ASCII),
        ("BXL-A-2026-00012", "SAS-1", "1\t", ASCII),
        ("BXL-A-2026-00012", "SAS-1", "\x7f", ASCII),
        ("BXL-A-2026-00012", "SAS-1", "3·b", ASCII),
        ("BXL/A", "SAS-1", "1", "contains"),
        ("BXL-A-2026-00012", "SAS/1", "1", "contains"),
        ("BXL-A-2026-00012", "SAS-1", "3/4", "contains"),
        ("", "SAS-1", "1", "needs a case number"),
        ("BXL-A-2026-00012", "", "1", "needs a case number"),
    ],
)
def test_barcode_value_refuses(case: str, kit: str, item: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        barcode_value(case, kit, item)


# -- rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize("layout", list(Layout))
def test_render_is_a_pdf_in_memory(
    layout: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    pdf = render_labels(_labels(3), layout, translator("en"))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_render_refuses() -> None:
    t = translator("en")
    with pytest.raises(ValueError, match="no labels"):
        render_labels([], Layout.A4_SHEET, t)
    for position in (-1, A4_PER_SHEET):
        with pytest.raises(ValueError, match="not on the sheet"):
            render_labels(_labels(1), Layout.A4_SHEET, t, start_position=position)
    bad = LabelData("BXL/A", "SAS-2026-004512", "1", "Oral swabs", "2026-03-14 03:40", "X", False)
    for layout in Layout:
        with pytest.raises(ValueError, match="contains"):
            render_labels([*_labels(2), bad], layout, t)
    # a value so long that two-dot bars would not fit: refused, not printed unreadable
    huge = LabelData("C" * 20, "K" * 40, "1", "Oral swabs", "2026-03-14 03:40", "X", False)
    for layout in Layout:
        with pytest.raises(ValueError, match="too long"):
            render_labels([huge], layout, t)


@pytest.mark.system
@pytest.mark.slow
@pytest.mark.parametrize(
    ("layout", "start"),
    [(Layout.A4_SHEET, 0), (Layout.A4_SHEET, 2), (Layout.PRINTER_62x29, 0)],
)
def test_labels_scan_back_to_their_values(layout: Layout, start: int, tmp_path: Path) -> None:
    """At 300 dpi every Code 128 barcode and every QR code reads back as exactly its
    label's value, in its own label's box; the text says case, kit and TRAINING."""
    _require_tools()
    labels = _labels(8)
    values = [_value(label) for label in labels]
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(render_labels(labels, layout, translator("en"), start_position=start))
    assert len(_pages(pdf, tmp_path)) == (1 if layout is Layout.A4_SHEET else len(labels))
    assert _scan_all(pdf, tmp_path) == {"qrcode": sorted(values), "code128": sorted(values)}

    # each label in its own box: its symbols there and nowhere else, and its text
    width, height = CELL[layout]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        position = start + index
        page = 1 if layout is Layout.A4_SHEET else index + 1
        left, top = _cell_mm(layout, position)
        crop = tmp_path / f"cell-{position}"
        px = [math.floor(left / 25.4 * BAR_DPI), math.floor(top / 25.4 * BAR_DPI)]
        size = [math.floor(width / 25.4 * BAR_DPI), math.floor(height / 25.4 * BAR_DPI)]
        pages_args = ["-f", str(page), "-l", str(page), "-singlefile"]
        box = ["-x", str(px[0]), "-y", str(px[1]), "-W", str(size[0]), "-H", str(size[1])]
        files = [str(pdf), str(crop)]
        resolution = ["-r", str(BAR_DPI)]
        subprocess.run(["pdftoppm", *resolution, "-png", *pages_args, *box, *files], check=True)
        png = crop.with_suffix(".png")
        assert _scan(png, "code128") == [value], f"position {position}"
        assert _scan(png, "qrcode") == [value], f"position {position}"
        text = _text(pdf, page, (left, top, width, height))
        assert label.case_number in text
        assert label.kit_number in text
        assert label.item_text in text
        assert label.collector in text
        assert label.collected_local in text
        assert ("TRAINING" in text) is label.training
    if layout is Layout.A4_SHEET:
        for position in range(start):  # the used positions stay blank
            left, top = _cell_mm(layout, position)
            assert _text(pdf, 1, (left, top, width, height)).strip() == ""


@pytest.mark.system
def test_a4_runs_onto_further_sheets(tmp_path: Path) -> None:
    _require_tools()
    labels = _labels(30)
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(render_labels(labels, Layout.A4_SHEET, translator("en"), start_position=20))
    pages = _pages(pdf, tmp_path)
    assert len(pages) == 3  # 4 on the first sheet, 24, then 2
    found = [v for page in pages for v in _scan(page, "qrcode")]  # Code 128: see above
    assert found == sorted(_value(label) for label in labels)


@pytest.mark.system
@pytest.mark.parametrize("layout", list(Layout))
def test_long_text_is_cut_and_stays_inside(layout: Layout, tmp_path: Path) -> None:
    """A 200-character item text (and collector) is shortened with "…"; no word lies
    outside the label's printable box, and both symbols still read."""
    _require_tools()
    long_item = "Swab of dried secretion, " * 8
    long_name = "Marie-Christine Vandenberghe-Van der Straeten " * 4
    assert len(long_item) == 200
    labels = [
        LabelData(
            "BXL-A-2026-00012",
            "SAS-2026-004512",
            f"1{i}b",
            long_item,
            "2026-03-14 03:40",
            long_name,
            training=bool(i % 2),
        )
        for i in range(3)
    ]
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(render_labels(labels, layout, translator("en"), start_position=1))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "…" in text
    assert long_item.strip() not in text and "Swab of dried" in text
    assert long_name.strip() not in text and "Marie-Christine" in text

    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">', bbox
    )
    assert len(words) > 20
    width, height = CELL[layout]
    pad_x, pad_y = PADDING[layout]
    boxes = [_cell_mm(layout, p) for p in range(A4_PER_SHEET if layout is Layout.A4_SHEET else 1)]
    slack = 0.05  # mm
    for word in words:
        x0, y0, x1, y1 = (float(v) / MM for v in word)
        assert any(
            left + pad_x - slack <= x0
            and x1 <= left + width - pad_x + slack
            and top + pad_y - slack <= y0
            and y1 <= top + height - pad_y + slack
            for left, top in boxes
        ), f"a word at {x0:.1f}, {y0:.1f} – {x1:.1f}, {y1:.1f} mm is outside its label"

    values = sorted(_value(label) for label in labels)
    assert _scan_all(pdf, tmp_path) == {"qrcode": values, "code128": values}


class _Marked(gettext.NullTranslations):
    """Every message «marked», to see that each visible word went through the translator."""

    def gettext(self, message: str) -> str:
        return f"«{message}»"


@pytest.mark.system
def test_every_word_is_translated(tmp_path: Path) -> None:
    _require_tools()
    t = Translator("xx", _Marked())
    kit_label, item_label = _labels(2)
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(render_labels([kit_label, item_label], Layout.A4_SHEET, t))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "«TRAINING»" in text
    assert "«Kit SAS-2026-004512»" in text
    assert "«Kit SAS-2026-004512 · item 1»" in text
    assert "«Collected 2026-03-14 03:40" in text
    data = {kit_label.case_number, kit_label.item_text, item_label.item_text}
    for line in filter(None, (line.strip() for line in text.splitlines())):
        assert line in data or (line.startswith("«") and line.endswith("»")), line
