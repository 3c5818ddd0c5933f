"""Body diagrams with numbered injury markers, as reportlab vector drawings (Qt-free).

The lines come from the same path data as the on-screen SVG, so paper and screen agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportlab.graphics.shapes import Circle, Drawing, Path, String  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

from sac_desktop.domain.diagrams import Diagram
from sac_desktop.resources import resource

OUTLINE = colors.Color(0.12, 0.12, 0.12)
DETAIL = colors.Color(0.35, 0.35, 0.35)
MARKER = colors.Color(0.72, 0.05, 0.05)
MUTED = colors.Color(0.45, 0.45, 0.45)
TICK = colors.Color(0.55, 0.55, 0.55)
OUTLINE_WIDTH = 1.6  # in diagram units, scaled with the drawing
DETAIL_WIDTH = 0.9
MARKER_RADIUS_PT = 6.5
FONT = "DejaVuSans-Bold"

_TOKEN = re.compile(r"[MLCZ]|-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Marker:
    number: int
    x: float  # diagram units, y pointing down
    y: float
    muted: bool = False  # an injury from an earlier examination, say


def _registered(name: str, file: str, fallback: str) -> str:
    """A DejaVu font (every accented letter of nl, fr and de), registered once; a
    standard PDF font if the file cannot be read."""
    if name not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(TTFont(name, str(resource("fonts", file))))
        except OSError:
            return fallback
    return name


def _font() -> str:
    return _registered(FONT, "DejaVuSans-Bold.ttf", "Helvetica-Bold")


def regular_font() -> str:
    return _registered("DejaVuSans", "DejaVuSans.ttf", "Helvetica")


def _path(data: str, scale: float, height: float) -> Path:
    """SVG path data (absolute M, L, C, Z) as a reportlab Path, y flipped to point up."""
    path = Path(fillColor=None)
    tokens = _TOKEN.findall(data)
    numbers: list[float] = []
    command = ""

    def flush() -> None:
        pts = [
            (numbers[i] * scale, (height - numbers[i + 1]) * scale)
            for i in range(0, len(numbers), 2)
        ]
        if command == "M":
            path.moveTo(*pts[0])
            for pt in pts[1:]:
                path.lineTo(*pt)
        elif command == "L":
            for pt in pts:
                path.lineTo(*pt)
        elif command == "C":
            for i in range(0, len(pts), 3):
                (x1, y1), (x2, y2), (x3, y3) = pts[i : i + 3]
                path.curveTo(x1, y1, x2, y2, x3, y3)
        numbers.clear()

    for part in tokens:
        if part in "MLCZ":
            if command:
                flush()
            command = part
            if part == "Z":
                path.closePath()
                command = ""
        else:
            numbers.append(float(part))
    if command:
        flush()
    return path


def diagram_drawing(diagram: Diagram, markers: list[Marker], width_pt: float) -> Drawing:
    """The diagram scaled to ``width_pt`` wide, with its numbered markers on top."""
    scale = width_pt / diagram.width
    drawing = Drawing(width_pt, diagram.height * scale)
    for entry in diagram.paths:
        path = _path(entry.d, scale, diagram.height)
        outline = entry.role == "outline"
        path.strokeColor = OUTLINE if outline else DETAIL
        path.strokeWidth = (OUTLINE_WIDTH if outline else DETAIL_WIDTH) * scale
        path.strokeLineCap = 1
        path.strokeLineJoin = 1
        drawing.add(path)
    font = _font()
    if diagram.clock_centre is not None:
        cx, cy = diagram.clock_centre
        reach = 0.2 * diagram.width * scale
        size = max(5.0, 0.03 * diagram.width * scale)
        ox, oy = cx * scale, (diagram.height - cy) * scale
        # 12 sits higher, clear of the clitoris on the genital views
        for label, dx, dy in (("12", 0, 1.45), ("3", 1, 0), ("6", 0, -1), ("9", -1, 0)):
            drawing.add(
                String(
                    ox + dx * reach,
                    oy + dy * reach - size / 3,
                    label,
                    fontName=font,
                    fontSize=size,
                    fillColor=TICK,
                    textAnchor="middle",
                )
            )
    for marker in markers:
        x, y = marker.x * scale, (diagram.height - marker.y) * scale
        colour = MUTED if marker.muted else MARKER
        drawing.add(
            Circle(
                x, y, MARKER_RADIUS_PT, fillColor=colour, strokeColor=colors.white, strokeWidth=0.8
            )
        )
        text = str(marker.number)
        size = 7.5 if len(text) < 3 else 6.0
        drawing.add(
            String(
                x,
                y - size * 0.36,
                text,
                fontName=font,
                fontSize=size,
                fillColor=colors.white,
                textAnchor="middle",
            )
        )
    return drawing
