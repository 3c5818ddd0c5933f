"""The body diagrams: generated files, region partition, hit-testing, clock hours, PDF."""

from __future__ import annotations

import bisect
import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest

from sac_desktop.domain.diagrams import (
    ADULT_DIAGRAMS,
    CHILD_DIAGRAMS,
    DIAGRAM_IDS,
    DIAGRAM_LABELS,
    REGION_LABELS,
    Diagram,
    clock_hour,
    region_label,
)
from sac_desktop.resources import resource
from sac_desktop.services.diagrams import load_diagrams, svg_path
from tests.conftest import require

GENERATOR = resource("diagrams", "make_diagrams.py")
SAMPLES_PER_CURVE = 12  # as in the generator
STEP = 2.0
OFFSET = 0.37  # grid points off the round coordinates that cuts and outlines use
_TOKEN = re.compile(r"[MLCZ]|-?\d+(?:\.\d+)?")

Ring = list[tuple[float, float]]


def _rings(data: str) -> list[Ring]:
    """Sample SVG path data (absolute M, L, C, Z) into polygons, as the generator does."""
    rings: list[Ring] = []
    ring: Ring = []
    tokens = _TOKEN.findall(data)
    i = 0
    cur = (0.0, 0.0)
    while i < len(tokens):
        command = tokens[i]
        assert command in "MLCZ", f"unexpected token {command!r}"
        i += 1
        if command == "Z":
            rings.append(ring)
            ring = []
            continue
        count = {"M": 2, "L": 2, "C": 6}[command]
        while i < len(tokens) and tokens[i] not in "MLCZ":
            v = [float(t) for t in tokens[i : i + count]]
            i += count
            if command == "M":
                if ring:
                    rings.append(ring)
                cur, ring = (v[0], v[1]), []
            elif command == "L":
                ring.append(cur)
                cur = (v[0], v[1])
            else:
                p0, c1, c2, p3 = cur, (v[0], v[1]), (v[2], v[3]), (v[4], v[5])
                if c1 == p0 and c2 == p3:
                    ring.append(p0)
                else:
                    for k in range(SAMPLES_PER_CURVE):
                        t = k / SAMPLES_PER_CURVE
                        u = 1 - t
                        ring.append(
                            (
                                u**3 * p0[0]
                                + 3 * u * u * t * c1[0]
                                + 3 * u * t * t * c2[0]
                                + t**3 * p3[0],
                                u**3 * p0[1]
                                + 3 * u * u * t * c1[1]
                                + 3 * u * t * t * c2[1]
                                + t**3 * p3[1],
                            )
                        )
                cur = p3
    if ring:
        rings.append(ring)
    return rings


def _rows(ring: Ring, height: float) -> dict[int, list[float]]:
    """Even-odd crossings of each grid row with a polygon: row index -> sorted x values."""
    rows: dict[int, list[float]] = {}
    n = len(ring)
    for k in range(n):
        (x0, y0), (x1, y1) = ring[k - 1], ring[k]
        if y0 == y1:
            continue
        lo, hi = min(y0, y1), max(y0, y1)
        first = math.ceil((lo - OFFSET) / STEP)
        j = first
        while OFFSET + j * STEP < hi:
            y = OFFSET + j * STEP
            if y >= lo:
                rows.setdefault(j, []).append(x0 + (y - y0) * (x1 - x0) / (y1 - y0))
            j += 1
    for xs in rows.values():
        xs.sort()
    return rows


def _inside(xs: list[float], x: float) -> bool:
    return bisect.bisect_left(xs, x) % 2 == 1


def _near_edge(rings: list[Ring], x: float, y: float, within: float = 0.2) -> bool:
    """Within rounding distance of an edge (polygons are stored to 0.1 unit)."""
    for ring in rings:
        x0, y0 = ring[-1]
        for x1, y1 in ring:
            dx, dy = x1 - x0, y1 - y0
            length2 = dx * dx + dy * dy or 1.0
            t = max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / length2))
            if math.hypot(x - x0 - t * dx, y - y0 - t * dy) < within:
                return True
            x0, y0 = x1, y1
    return False


@cache
def _coverage(diagram_id: str) -> tuple[int, int, int, int]:
    """(grid points inside the outline, points in no region, in two or more, outside but mapped)."""
    diagram = load_diagrams()[diagram_id]
    outline_rows = [
        _rows(ring, diagram.height)
        for path in diagram.paths
        if path.role == "outline"
        for ring in _rings(path.d)
    ]
    region_rows = [_rows(list(r.polygon), diagram.height) for r in diagram.regions]
    edges = [list(r.polygon) for r in diagram.regions]
    inside = missing = double = stray = 0
    for j in range(int(diagram.height / STEP)):
        y = OFFSET + j * STEP
        y_outline = [rows.get(j, []) for rows in outline_rows]
        y_regions = [rows.get(j, []) for rows in region_rows]
        y_regions = [xs for xs in y_regions if xs]
        for i in range(int(diagram.width / STEP)):
            x = OFFSET + i * STEP
            body = any(_inside(xs, x) for xs in y_outline)
            hits = sum(_inside(xs, x) for xs in y_regions)
            inside += body
            if (body and hits == 1) or (not body and hits == 0):
                continue
            if _near_edge(edges, x, y):
                continue  # a rounding sliver along a boundary, not a gap or an overlap
            missing += body and hits == 0
            double += hits > 1
            stray += not body and hits > 0
    return inside, missing, double, stray


def test_every_diagram_loads_in_order() -> None:
    diagrams = load_diagrams()
    assert tuple(diagrams) == DIAGRAM_IDS
    assert set(ADULT_DIAGRAMS) <= set(DIAGRAM_IDS) and set(CHILD_DIAGRAMS) <= set(DIAGRAM_IDS)
    for diagram in diagrams.values():
        assert diagram.regions and diagram.paths
        assert svg_path(diagram.id).exists()
        assert diagram.child == diagram.id.startswith("child_")
        assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", r.id) for r in diagram.regions)
        assert len({r.id for r in diagram.regions}) == len(diagram.regions)


def test_labels_are_complete_both_ways() -> None:
    used = {r.id for d in load_diagrams().values() for r in d.regions}
    assert used == set(REGION_LABELS)
    assert set(DIAGRAM_LABELS) == set(DIAGRAM_IDS)
    assert region_label("forearm_right", str.upper) == "RIGHT FOREARM"


@pytest.mark.parametrize("diagram_id", DIAGRAM_IDS)
def test_regions_tile_the_body(diagram_id: str) -> None:
    inside, missing, double, stray = _coverage(diagram_id)
    assert inside > 1000
    assert (missing, double, stray) == (0, 0, 0)


@pytest.mark.parametrize("diagram_id", DIAGRAM_IDS)
def test_every_region_is_reachable(diagram_id: str) -> None:
    diagram = load_diagrams()[diagram_id]
    for region in diagram.regions:
        assert _point_in(diagram, region.id) is not None, region.id


def _point_in(diagram: Diagram, region_id: str) -> tuple[float, float] | None:
    region = next(r for r in diagram.regions if r.id == region_id)
    xs = [p[0] for p in region.polygon]
    ys = [p[1] for p in region.polygon]
    for step in (4.0, 1.0, 0.25):
        y = min(ys) + step / 2
        while y < max(ys):
            x = min(xs) + step / 2
            while x < max(xs):
                if region.contains(x, y) and diagram.region_at(x, y) == region_id:
                    return (x, y)
                x += step
            y += step
    return None


def test_clicks_near_the_outline_snap_and_far_ones_do_not() -> None:
    diagram = load_diagrams()["adult_front"]
    top = min(p[1] for r in diagram.regions if r.id == "scalp" for p in r.polygon)
    assert diagram.region_at(200, top - 3) == "scalp"
    assert diagram.region_at(200, top - 20) is None
    assert diagram.region_at(5, 5) is None
    # the patient's right is on the viewer's left of a front view, and on the right of a back
    assert diagram.region_at(165, 660) == "lower_leg_right"
    assert load_diagrams()["adult_back"].region_at(165, 660) == "calf_left"


def test_clock_hours_follow_the_lithotomy_convention() -> None:
    for diagram_id in ("female_genital", "child_female_genital", "anal"):
        diagram = load_diagrams()[diagram_id]
        assert diagram.clock_centre is not None
        cx, cy = diagram.clock_centre
        assert clock_hour(diagram, cx, cy - 20) == 12
        assert clock_hour(diagram, cx + 20, cy) == 3  # the patient's left: viewer's right
        assert clock_hour(diagram, cx, cy + 20) == 6
        assert clock_hour(diagram, cx - 20, cy) == 9
        assert clock_hour(diagram, cx + 10, cy - 17.3) == 1
        assert clock_hour(diagram, cx, cy) is None
    assert clock_hour(load_diagrams()["adult_front"], 10, 10) is None


def test_svgs_hold_exactly_the_json_path_data() -> None:
    for diagram in load_diagrams().values():
        root = ET.parse(svg_path(diagram.id)).getroot()
        assert root.get("viewBox") == f"0 0 {diagram.width:g} {diagram.height:g}"
        drawn = [
            (e.get("d"), e.get("class")) for e in root.iter("{http://www.w3.org/2000/svg}path")
        ]
        assert drawn == [(p.d, p.role) for p in diagram.paths]
        for path in diagram.paths:
            assert set(re.sub(r"[-\d. ]", "", path.d)) <= set("MLCZ")


def test_the_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(GENERATOR), str(tmp_path)], check=True)
    committed = GENERATOR.parent
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in committed.iterdir() if p.suffix in {".svg", ".json"})
    for name in made:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name


@pytest.mark.system
def test_markers_print_where_they_were_placed(tmp_path: Path) -> None:
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils)")
    from reportlab.graphics import renderPDF

    from sac_desktop.reports.diagrams import Marker, diagram_drawing

    diagram = load_diagrams()["adult_front"]
    drawing = diagram_drawing(diagram, [Marker(1, 300, 120), Marker(2, 200, 700, muted=True)], 200)
    pdf = tmp_path / "diagram.pdf"
    renderPDF.drawToFile(drawing, str(pdf))
    subprocess.run(["pdftoppm", "-r", "72", "-gray", str(pdf), str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page*.pgm")).read_bytes()
    header, pixels = _pgm(page)
    width, height = header
    scale = 200 / diagram.width
    # drawToFile puts the drawing at the page's bottom-left corner, 1 pt = 1 px at 72 dpi
    top = height - diagram.height * scale

    def dark(x: float, y: float) -> bool:
        """Dark paper in a ring 4.5 pt around (x, y): the disc around its white digits."""
        cx, cy = x * scale, top + y * scale
        ring = [(cx + 4.5 * math.cos(a / 4), cy + 4.5 * math.sin(a / 4)) for a in range(25)]
        return sum(pixels[round(py) * width + round(px)] < 140 for px, py in ring) > 20

    assert dark(300, 120) and dark(200, 700)  # the markers' discs
    assert not dark(380, 120)  # empty paper beside the body


def _pgm(data: bytes) -> tuple[tuple[int, int], bytes]:
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P5"
    return (int(parts[1]), int(parts[2])), parts[4]
