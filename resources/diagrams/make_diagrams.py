"""Generate the body diagrams (one SVG each and diagrams.json) from one set of authored curves.

Plain Python, standard library only: ``python resources/diagrams/make_diagrams.py [folder]``.
Outlines are authored as control points (half a body, mirrored where it is symmetric) and
smoothed into cubic Béziers; regions are the sampled outline clipped against a binary
partition of the plane, so they tile the body exactly. A region's polygon may hold several
rings joined by zero-width bridges: read it with the even-odd rule and fill, don't stroke.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Point = tuple[float, float]
Segment = tuple[Point, Point, Point, Point]  # a cubic Bézier: start, two controls, end
Ring = list[Point]

OUTLINE_WIDTH = 1.6
DETAIL_WIDTH = 0.9
OUTLINE_COLOUR = "#1f1f1f"
DETAIL_COLOUR = "#5a5a5a"
SAMPLES_PER_CURVE = 12  # the domain tests sample the path data the same way


# ---------------------------------------------------------------- curves


def _r(value: float) -> float:
    rounded = round(value, 1)
    return 0.0 if rounded == 0 else rounded


def _rp(p: Point) -> Point:
    return (_r(p[0]), _r(p[1]))


def smooth(points: Sequence[tuple[float, ...]], closed: bool = True) -> list[Segment]:
    """Cubic Béziers through ``points`` (Catmull-Rom tangents; a third value 1 marks a corner)."""
    pts = [(float(p[0]), float(p[1])) for p in points]
    corner = [len(p) > 2 and bool(p[2]) for p in points]
    n = len(pts)

    def tangent(i: int) -> Point | None:
        if corner[i] or (not closed and (i == 0 or i == n - 1)):
            return None
        a, b = pts[(i - 1) % n], pts[(i + 1) % n]
        dx, dy = b[0] - a[0], b[1] - a[1]
        length = math.hypot(dx, dy) or 1.0
        return (dx / length, dy / length)

    segments: list[Segment] = []
    for i in range(n if closed else n - 1):
        p0, p3 = pts[i], pts[(i + 1) % n]
        third = math.dist(p0, p3) / 3
        t0, t3 = tangent(i), tangent((i + 1) % n)
        c1 = (p0[0] + t0[0] * third, p0[1] + t0[1] * third) if t0 else _lerp(p0, p3, 1 / 3)
        c2 = (p3[0] - t3[0] * third, p3[1] - t3[1] * third) if t3 else _lerp(p0, p3, 2 / 3)
        segments.append((_rp(p0), _rp(c1), _rp(c2), _rp(p3)))
    return segments


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def mirror_x(points: Sequence[tuple[float, ...]], axis: float) -> list[tuple[float, ...]]:
    return [(2 * axis - p[0], *p[1:]) for p in points]


def symmetric(half: Sequence[tuple[float, ...]], axis: float) -> list[tuple[float, ...]]:
    """A closed outline from its left half, top point first and bottom point last."""
    return [*half, *mirror_x(list(reversed(half[1:-1])), axis)]


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 8) -> list[tuple[float, ...]]:
    return [
        (cx + rx * math.sin(2 * math.pi * k / n), cy - ry * math.cos(2 * math.pi * k / n))
        for k in range(n)
    ]


def sample(segments: Sequence[Segment]) -> Ring:
    ring: Ring = []
    for p0, c1, c2, p3 in segments:
        if c1 == p0 and c2 == p3:
            ring.append(p0)
            continue
        for k in range(SAMPLES_PER_CURVE):
            t = k / SAMPLES_PER_CURVE
            u = 1 - t
            ring.append(
                (
                    u**3 * p0[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * p3[0],
                    u**3 * p0[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * p3[1],
                )
            )
    return ring


def path_data(segments: Sequence[Segment], closed: bool) -> str:
    def f(v: float) -> str:
        text = f"{v:.1f}"
        return text[:-2] if text.endswith(".0") else text

    def pt(p: Point) -> str:
        return f"{f(p[0])} {f(p[1])}"

    parts = [f"M {pt(segments[0][0])}"]
    for _, c1, c2, p3 in segments:
        parts.append(f"C {pt(c1)} {pt(c2)} {pt(p3)}")
    if closed:
        parts.append("Z")
    return " ".join(parts)


# ---------------------------------------------------------------- polygons


def area(ring: Sequence[Point]) -> float:
    return 0.5 * sum(
        ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1] for i in range(len(ring))
    )


def join(rings: Sequence[Ring]) -> Ring:
    """Rings joined by zero-width bridges: under the even-odd rule, their exclusive or."""
    rings = [r for r in rings if len(r) >= 3]
    if not rings:
        return []
    out = list(rings[0])
    for ring in rings[1:]:
        i, j = min(
            ((i, j) for i in range(0, len(out), 4) for j in range(0, len(ring), 4)),
            key=lambda ij: math.dist(out[ij[0]], ring[ij[1]]),
        )
        loop = [*ring[j:], *ring[:j], ring[j]]
        out = [*out[: i + 1], *loop, *out[i:]]
    return out


HalfPlane = tuple[Point, Point, float]


def clip(ring: Sequence[Point], plane: HalfPlane) -> Ring:
    """Sutherland–Hodgman against one half-plane (keeps the side whose sign is ``plane[2]``)."""
    (ax, ay), (bx, by), sign = plane

    def side(p: Point) -> float:
        return sign * ((bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax))

    out: Ring = []
    n = len(ring)
    for i in range(n):
        cur, nxt = ring[i], ring[(i + 1) % n]
        sc, sn = side(cur), side(nxt)
        if sc >= 0:
            out.append(cur)
        if (sc >= 0) != (sn >= 0):
            t = sc / (sc - sn)
            out.append(_lerp(cur, nxt, t))
    return out


# ---------------------------------------------------------------- partitions


@dataclass(frozen=True)
class Cut:
    """A line through ``a`` and ``b``: ``near`` is the side holding ``ref``, ``far`` the other."""

    a: Point
    b: Point
    ref: Point
    near: Node
    far: Node


Node = str | Cut


def hcut(y: float, above: Node, below: Node) -> Cut:
    return Cut((0, y), (1, y), (0, y - 1), above, below)


def vcut(x: float, left: Node, right: Node) -> Cut:
    return Cut((x, 0), (x, 1), (x - 1, 0), left, right)


def bands(levels: Sequence[tuple[float, Node]], rest: Node) -> Node:
    """Top to bottom: above ``levels[0][0]`` is ``levels[0][1]``, and so on; below all, ``rest``."""
    node = rest
    for y, above in reversed(levels):
        node = hcut(y, above, node)
    return node


def along(a: Point, b: Point, stops: Sequence[tuple[float, Node]], rest: Node) -> Node:
    """Cuts across the axis a→b at fractions ``t``: before ``stops[0][0]`` is its node, ..."""
    node = rest
    for t, before in reversed(stops):
        p = _lerp(a, b, t)
        dx, dy = b[0] - a[0], b[1] - a[1]
        node = Cut(p, (p[0] - dy, p[1] + dx), (p[0] - dx, p[1] - dy), before, node)
    return node


def mirror_node(node: Node, axis: float, rename: Callable[[str], str]) -> Node:
    if isinstance(node, str):
        return rename(node)

    def m(p: Point) -> Point:
        return (2 * axis - p[0], p[1])

    return Cut(
        m(node.a),
        m(node.b),
        m(node.ref),
        mirror_node(node.near, axis, rename),
        mirror_node(node.far, axis, rename),
    )


def sided(node: Node, side: str) -> Node:
    """Replace the ``_s`` suffix of the labels in ``node`` by ``_right`` or ``_left``."""
    if isinstance(node, str):
        return node[:-2] + "_" + side if node.endswith("_s") else node
    return Cut(node.a, node.b, node.ref, sided(node.near, side), sided(node.far, side))


def mirrored_halves(half: Node, axis: float, viewer_left: str, viewer_right: str) -> Node:
    """A symmetric partition: ``half`` is authored for the viewer's left of ``axis``."""
    left = sided(half, viewer_left)
    right = mirror_node(sided(half, viewer_right), axis, lambda s: s)
    return vcut(axis, left, right)


def leaves(
    node: Node, planes: tuple[HalfPlane, ...] = ()
) -> list[tuple[str, tuple[HalfPlane, ...]]]:
    if isinstance(node, str):
        return [(node, planes)]
    (ax, ay), (bx, by), (rx, ry) = node.a, node.b, node.ref
    s = 1.0 if (bx - ax) * (ry - ay) - (by - ay) * (rx - ax) > 0 else -1.0
    return [
        *leaves(node.near, (*planes, (node.a, node.b, s))),
        *leaves(node.far, (*planes, (node.a, node.b, -s))),
    ]


@dataclass
class Layer:
    """A shape split by a partition; its children are shapes lying wholly inside it."""

    rings: list[Ring]
    partition: Node
    children: list[Layer] = field(default_factory=list)


def regions(layer: Layer) -> dict[str, Ring]:
    pieces: dict[str, list[Ring]] = {}

    def visit(layer: Layer) -> None:
        shape = join([*layer.rings, *(r for child in layer.children for r in child.rings)])
        for label, planes in leaves(layer.partition):
            piece = shape
            for plane in planes:
                piece = clip(piece, plane)
                if not piece:
                    break
            if len(piece) >= 3 and abs(area(piece)) > 0.5:
                pieces.setdefault(label, []).append(piece)
        for child in layer.children:
            visit(child)

    visit(layer)
    return {label: join(rings) for label, rings in pieces.items()}


# ---------------------------------------------------------------- diagrams


@dataclass
class Drawing:
    id: str
    width: int
    height: int
    child: bool = False
    clock_centre: Point | None = None
    paths: list[tuple[str, str, list[Segment]]] = field(default_factory=list)  # role, d, segs
    warp: Callable[[Point], Point] | None = None

    def _w(self, points: Sequence[tuple[float, ...]]) -> list[tuple[float, ...]]:
        if self.warp is None:
            return list(points)
        return [(*self.warp((p[0], p[1])), *p[2:]) for p in points]

    def outline(self, points: Sequence[tuple[float, ...]]) -> Ring:
        segs = smooth(self._w(points), closed=True)
        self.paths.append(("outline", path_data(segs, True), segs))
        return sample(segs)

    def outline_open(self, points: Sequence[tuple[float, ...]]) -> Ring:
        """An outline that leaves the frame: its ends lie on the frame's edge, and the unstroked
        closing chord between them runs along that edge (the last point is doubled so the
        sampled ring reaches it)."""
        segs = smooth(self._w([*points, points[-1]]), closed=False)
        self.paths.append(("outline", path_data(segs, False), segs))
        return sample(segs)

    def detail(self, points: Sequence[tuple[float, ...]], closed: bool = False) -> Ring:
        segs = smooth(self._w(points), closed=closed)
        self.paths.append(("detail", path_data(segs, closed), segs))
        return sample(segs)

    def detail_mirrored(
        self, points: Sequence[tuple[float, ...]], axis: float, closed: bool = False
    ) -> None:
        self.detail(points, closed)
        self.detail(mirror_x(points, axis), closed)


# ---------------------------------------------------------------- full bodies, front and back

C = 200.0  # the body's midline on the full-body diagrams


@dataclass(frozen=True)
class Body:
    """The authored half silhouette (viewer's left, top of the head to the crotch) and landmarks."""

    half: list[tuple[float, ...]]
    y: dict[str, float]  # landmark heights
    arm: tuple[Point, Point]  # shoulder joint to wrist centre (viewer's left arm)
    arm_stops: tuple[float, float, float, float]  # fractions: upper arm, elbow, forearm, wrist
    armpit: Point
    shoulder_top: Point
    gap_end: Point  # a point between the hanging hand and the thigh
    ear_x: float
    groin: tuple[Point, Point]
    inner_thigh: tuple[Point, Point]
    breast_x: float
    flank_x: float


ADULT = Body(
    half=[
        (200, 22),
        (183, 25),
        (170, 33),
        (163, 46),
        (161, 61),
        (162, 70),
        (159, 72),
        (157, 80),
        (158, 91),
        (162, 98),
        (166, 106),
        (173, 115),
        (180, 121, 1),
        (181, 132),
        (180, 143),
        (168, 151),
        (148, 157),
        (128, 163),
        (113, 170),
        (103, 181),
        (98, 197),
        (95, 222),
        (91, 252),
        (87, 282),
        (83, 307),
        (78, 334),
        (73, 364),
        (68, 392),
        (64, 413),
        (60, 424),
        (55, 432),
        (50, 443),
        (47, 455),
        (48, 464),
        (52, 467),
        (55, 461),
        (58, 451, 1),
        (59, 470),
        (60, 485),
        (62.5, 492),
        (66, 491),
        (67.5, 479, 1),
        (69, 490),
        (72, 497),
        (75.5, 495),
        (76.5, 481, 1),
        (78, 490),
        (81, 494),
        (84, 490),
        (84.5, 478, 1),
        (86, 484),
        (88.5, 484),
        (90, 476),
        (89.5, 462),
        (88, 446),
        (86, 428),
        (85, 414),
        (89, 394),
        (94, 370),
        (99, 345),
        (103, 318),
        (106, 296),
        (110, 268),
        (115, 242),
        (121, 219),
        (124, 212, 1),
        (127, 228),
        (129, 254),
        (134, 280),
        (139, 302),
        (139, 322),
        (135, 345),
        (131, 370),
        (130, 395),
        (132, 425),
        (135, 460),
        (139, 500),
        (143, 540),
        (145, 565),
        (144, 590),
        (143, 618),
        (147, 655),
        (153, 698),
        (157, 733),
        (156, 749),
        (151, 764),
        (151, 774),
        (157, 780),
        (169, 781),
        (181, 778),
        (184, 768),
        (184, 748),
        (183, 728),
        (181, 690),
        (180, 650),
        (181, 615),
        (184, 588),
        (186, 560),
        (189, 522),
        (192, 478),
        (194, 440),
        (196, 426),
        (200, 421),
    ],
    y={
        "scalp": 47,
        "chin": 124,
        "neck": 150,
        "armpit": 212,
        "chest": 200,
        "breast": 262,
        "waist": 352,
        "knee": 548,
        "shin": 602,
        "ankle": 728,
        "foot": 752,
        "fold": 424,
    },
    arm=((116, 185), (75, 415)),
    arm_stops=(0.47, 0.6, 0.93, 1.05),
    armpit=(124, 212),
    shoulder_top=(142, 158),
    gap_end=(112, 520),
    ear_x=162.5,
    groin=((133, 360), (200, 423)),
    inner_thigh=((180, 426), (184, 548)),
    breast_x=190,
    flank_x=150,
)


def front_partition(b: Body, child: bool = False) -> Node:
    y = b.y
    breast = "chest" if child else "breast_s"  # a prepubertal chest has no breast regions
    arm = along(
        *b.arm,
        [
            (b.arm_stops[0], "upper_arm_s"),
            (b.arm_stops[1], "elbow_s"),
            (b.arm_stops[2], "forearm_s"),
            (b.arm_stops[3], "wrist_s"),
        ],
        "palm_s",
    )
    gx, gy = b.groin
    below_groin = Cut(
        (gx[0], gx[1] + 14),
        (gy[0], gy[1] + 14),
        (gx[0], gx[1]),
        "groin_s",
        bands(
            [
                (y["knee"], Cut(*b.inner_thigh, (0, 500), "thigh_front_s", "thigh_inner_s")),
                (y["shin"], "knee_s"),
                (y["ankle"], "lower_leg_s"),
                (y["foot"], "ankle_s"),
            ],
            "foot_s",
        ),
    )
    pelvis = Cut(
        gx,
        gy,
        (gx[0], gx[1] - 10),
        vcut(
            b.flank_x + 20,
            "hip_s",
            hcut(y["fold"] - 30, "pubic_area", vcut(C - 12, "pubic_area", "genital_area")),
        ),
        below_groin,
    )
    torso = bands(
        [
            (y["breast"], vcut(b.breast_x, breast, "chest")),
            (y["waist"], vcut(b.flank_x, "flank_s", "abdomen")),
        ],
        pelvis,
    )
    half = bands(
        [
            (y["scalp"], "scalp"),
            (y["chin"], vcut(b.ear_x, "ear_s", "face")),
            (y["neck"], vcut(172, "shoulder_s", "neck_front")),
            (
                y["armpit"],
                Cut(
                    b.shoulder_top,
                    b.armpit,
                    (0, 180),
                    "shoulder_s",
                    hcut(y["chest"], "chest", vcut(b.breast_x, breast, "chest")),
                ),
            ),
        ],
        Cut(b.armpit, b.gap_end, (0, 300), arm, torso),
    )
    return mirrored_halves(half, C, "right", "left")


def back_partition(b: Body) -> Node:
    y = b.y
    arm = along(
        *b.arm,
        [
            (b.arm_stops[0], "upper_arm_s"),
            (b.arm_stops[1], "elbow_s"),
            (b.arm_stops[2], "forearm_s"),
            (b.arm_stops[3], "wrist_s"),
        ],
        "back_of_hand_s",
    )
    gx = b.groin[0]
    legs = bands(
        [
            (y["knee"], "thigh_back_s"),
            (y["shin"], "knee_back_s"),
            (y["ankle"], "calf_s"),
            (y["foot"], "ankle_s"),
        ],
        "heel_s",
    )
    torso = bands(
        [
            (y["breast"] + 20, "back_upper_s"),
            (y["waist"], vcut(b.flank_x, "flank_s", "back_lower_s")),
        ],
        Cut((gx[0], y["fold"] - 12), (C, y["fold"] + 4), (C, 0), "buttock_s", legs),
    )
    half = bands(
        [
            (y["chin"], vcut(b.ear_x, "ear_s", "scalp")),
            (y["neck"], vcut(172, "shoulder_s", "neck_back")),
            (y["armpit"], Cut(b.shoulder_top, b.armpit, (0, 180), "shoulder_s", "back_upper_s")),
        ],
        Cut(b.armpit, b.gap_end, (0, 300), arm, torso),
    )
    return mirrored_halves(half, C, "left", "right")


Warp = Callable[[Point], Point]


def warp_node(node: Node, warp: Warp | None) -> Node:
    """The partition under a warp: each line through the warped images of two far points."""
    if warp is None or isinstance(node, str):
        return node
    dx, dy = node.b[0] - node.a[0], node.b[1] - node.a[1]
    k = 100 / math.hypot(dx, dy)
    far = (node.a[0] + dx * k, node.a[1] + dy * k)
    return Cut(
        warp(node.a),
        warp(far),
        warp(node.ref),
        warp_node(node.near, warp),
        warp_node(node.far, warp),
    )


def body_views(prefix: str, warp: Warp | None) -> list[tuple[Drawing, dict[str, Ring]]]:
    out = []
    child = warp is not None
    for view in ("front", "back"):
        d = Drawing(f"{prefix}_{view}", 400, 800, child=child, warp=warp)
        ring = d.outline(symmetric(ADULT.half, C))
        body_details(d, ADULT, view, child)
        part = front_partition(ADULT, child) if view == "front" else back_partition(ADULT)
        out.append((d, regions(Layer([ring], warp_node(part, warp)))))
    return out


def _piecewise(xs: Sequence[float], ys: Sequence[float], x: float) -> float:
    if x <= xs[0]:
        return ys[0]
    for i in range(1, len(xs)):
        if x <= xs[i]:
            t = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
            return ys[i - 1] + (ys[i] - ys[i - 1]) * t
    return ys[-1]


# A six-year-old: the adult drawing warped to about 5.5 heads, a rounder head and belly.
_CHILD_FROM = (22, 124, 150, 212, 352, 421, 548, 602, 728, 781)
_CHILD_TO = (22, 160, 182, 240, 345, 432, 590, 636, 742, 781)
_CHILD_WIDTH_AT = (22, 150, 168, 190, 300, 350, 430, 781)
_CHILD_WIDTH = (1.32, 1.32, 1.0, 0.86, 0.92, 0.92, 0.9, 0.9)


def child_warp(p: Point) -> Point:
    y = _piecewise(_CHILD_FROM, _CHILD_TO, p[1])
    k = _piecewise(_CHILD_WIDTH_AT, _CHILD_WIDTH, p[1])
    return (C + (p[0] - C) * k, y)


def body_details(d: Drawing, b: Body, view: str, child: bool) -> None:
    y = b.y
    # fingers (viewer's left hand; the thumb is lateral in both views)
    for x0, y0, x1, y1 in ((67, 470, 67.5, 478), (76.3, 472, 76.5, 480), (84.6, 469, 84.5, 477)):
        d.detail_mirrored([(x0, y0), (x1, y1)], C)
    # knees
    kc = (y["knee"] + y["shin"]) / 2
    if view == "front":
        d.detail_mirrored([(140, 372), (165, 396), (190, 417)], C)
        d.detail_mirrored([(186, 151), (172, 154), (157, 157), (144, 159)], C)
        d.detail_mirrored(
            [
                (156, kc - 14),
                (153, kc),
                (157, kc + 12),
                (165, kc + 15),
                (173, kc + 12),
                (177, kc),
                (174, kc - 14),
            ],
            C,
        )
        if not child:
            d.detail_mirrored([(146, 232), (160, 247), (176, 250), (190, 243)], C)
        d.detail(ellipse(C, y["waist"] - 32, 2.6, 3.6), closed=True)
        # face
        eye = y["scalp"] + (y["chin"] - y["scalp"]) * 0.33
        d.detail_mirrored(
            [(176, eye, 1), (183, eye - 2.6), (190, eye, 1), (183, eye + 2.2)], C, closed=True
        )
        nose = y["scalp"] + (y["chin"] - y["scalp"]) * 0.62
        d.detail([(196, nose), (200, nose + 2), (204, nose)])
        mouth = y["scalp"] + (y["chin"] - y["scalp"]) * 0.8
        d.detail([(192, mouth), (200, mouth + 1.5), (208, mouth)])
        d.detail_mirrored([(88, 306), (97, 309)], C)
        for tx in (162, 168, 174):
            d.detail_mirrored([(tx, 772), (tx, 779)], C)
    else:
        d.detail([(C, y["neck"] + 4), (C, y["waist"] + 10)])
        d.detail_mirrored([(170, 176), (174, 198), (171, 220), (158, 232)], C)
        d.detail([(C, y["waist"] + 28), (C, y["fold"] - 2)])
        d.detail_mirrored(
            [
                (140, y["fold"] - 10),
                (160, y["fold"] - 1),
                (184, y["fold"] + 1),
                (196, y["fold"] - 4),
            ],
            C,
        )
        d.detail_mirrored([(158, kc - 2), (166, kc + 2), (176, kc - 2)], C)
        d.detail_mirrored([(81, 302), (86, 310), (93, 306)], C)


# ---------------------------------------------------------------- full bodies, side views

# The patient's left side: the body faces the viewer's left. The right side is its mirror.
PROFILE = [
    (212, 22),
    (190, 25),
    (175, 34),
    (167, 48),
    (165, 62),
    (167, 71),
    (165, 77),
    (160, 85),
    (156, 92),
    (158, 95),
    (164, 97),
    (162.5, 101),
    (164, 104.5),
    (163, 108),
    (165.5, 113),
    (162.5, 120),
    (166, 128),
    (178, 132),
    (188, 136),
    (189, 148),
    (186, 162),
    (178, 174),
    (166, 196),
    (160, 222),
    (162, 246),
    (168, 262),
    (170, 282),
    (167, 306),
    (166, 332),
    (170, 358),
    (178, 386),
    (184, 406),
    (185, 420),
    (183, 442),
    (184, 490),
    (189, 538),
    (191, 562),
    (193, 586),
    (197, 620),
    (198, 680),
    (198, 722),
    (197, 742),
    (178, 753),
    (148, 764),
    (122, 770),
    (112, 775),
    (114, 780),
    (124, 781, 1),
    (180, 781),
    (214, 781),
    (224, 774),
    (225, 757),
    (219, 735),
    (222, 700),
    (234, 655),
    (238, 620),
    (233, 590),
    (230, 570),
    (233, 535),
    (238, 482),
    (242, 446),
    (250, 428),
    (263, 408),
    (268, 384),
    (264, 356),
    (251, 330),
    (246, 304),
    (249, 272),
    (256, 240),
    (258, 210),
    (254, 186),
    (244, 168),
    (233, 152),
    (229, 134),
    (243, 112),
    (251, 88),
    (251, 60),
    (242, 37),
]
PROFILE_ARM = [
    (216, 166),
    (201, 173),
    (194, 190),
    (194, 225),
    (197, 262),
    (200, 300),
    (198, 340),
    (196, 380),
    (196, 410),
    (192, 426),
    (190, 444),
    (193, 462),
    (197, 476),
    (203, 488),
    (210, 490),
    (215, 484),
    (218, 468),
    (219, 446),
    (218, 424),
    (220, 398),
    (224, 360),
    (229, 320),
    (232, 292),
    (234, 260),
    (236, 222),
    (237, 192),
    (231, 173),
]
PROFILE_EAR = [(214, 70), (222, 68), (227, 76), (226, 90), (220, 99), (214, 96), (212, 84)]


def side_partition(warp: Warp | None, child: bool = False) -> tuple[Node, Node]:
    body = bands(
        [
            (47, "scalp"),
            (124, vcut(204, "face", "scalp")),
            (158, vcut(206, "neck_front", "neck_back")),
            (204, vcut(210, "chest", "back_upper_s")),
            (262, vcut(208, "chest" if child else "breast_s", "back_upper_s")),
            (352, vcut(188, "abdomen", vcut(236, "flank_s", "back_lower_s"))),
            (424, vcut(192, "groin_s", vcut(238, "hip_s", "buttock_s"))),
            (548, "thigh_outer_s"),
            (602, "knee_s"),
            (728, "lower_leg_s"),
            (752, "ankle_s"),
        ],
        "foot_s",
    )
    arm = along(
        (213, 172),
        (206, 418),
        [
            (0.14, "shoulder_s"),
            (0.5, "upper_arm_s"),
            (0.6, "elbow_s"),
            (0.95, "forearm_s"),
            (1.06, "wrist_s"),
        ],
        "hand_s",
    )
    return warp_node(body, warp), warp_node(arm, warp)


# a child's chest is flatter: its front runs more evenly from the collarbone to the belly
CHILD_PROFILE_CHEST = {
    (166, 196): (167, 196),
    (160, 222): (163, 222),
    (162, 246): (165, 246),
    (168, 262): (167.5, 264),
    (170, 282): (168.5, 284),
}


def side_views(prefix: str, warp: Warp | None) -> list[tuple[Drawing, dict[str, Ring]]]:
    out = []
    for side in ("left", "right"):

        def place(p: Point, side: str = side) -> Point:
            q = warp(p) if warp else p
            return q if side == "left" else (2 * C - q[0], q[1])

        d = Drawing(f"{prefix}_{side}", 400, 800, child=warp is not None, warp=place)
        ring = d.outline(
            [CHILD_PROFILE_CHEST.get((p[0], p[1]), p) for p in PROFILE] if warp else PROFILE
        )
        ear = d.outline(PROFILE_EAR)
        d.detail([(217, 76), (221, 80), (220, 89), (216, 92)])
        arm = d.outline(PROFILE_ARM)
        d.detail([(196, 446), (201, 464), (206, 478)])  # the thumb
        d.detail([(207, 336), (210, 322)])
        d.detail([(186, 572), (189, 560)])
        d.detail([(166, 66), (171, 64), (177, 65)])  # the brow
        d.detail([(169, 73, 1), (173, 71), (176, 74, 1), (172, 75)], closed=True)  # the eye
        d.detail([(164, 104.5), (168, 105)])  # the mouth
        d.detail([(163, 92), (166, 94)])  # the nostril
        d.detail([(185, 176), (200, 170)])  # the collarbone
        body_part, arm_part = side_partition(lambda p: place(p), warp is not None)
        body_part = sided(body_part, side)
        arm_part = sided(arm_part, side)
        layer = Layer([ring], body_part, [Layer([ear], f"ear_{side}"), Layer([arm], arm_part)])
        out.append((d, regions(layer)))
    return out


# ---------------------------------------------------------------- head and face

M = 200.0  # the midline of the detail views


def head_face() -> tuple[Drawing, dict[str, Ring]]:
    d = Drawing("head_face", 400, 400)
    half = [
        (200, 26),
        (166, 31),
        (142, 48),
        (130, 76),
        (126, 108),
        (127, 138),
        (121, 139),
        (114, 148),
        (113, 166),
        (116, 186),
        (122, 199),
        (129, 203, 1),
        (134, 226),
        (144, 250),
        (158, 270, 1),
        (160, 300),
        (156, 328),
        (136, 344),
        (104, 356),
        (74, 366),
        (60, 392, 1),
        (200, 392),
    ]
    ring = d.outline(symmetric(half, M))
    d.detail_mirrored([(126, 152), (120, 160), (122, 182), (128, 192)], M)
    d.detail_mirrored([(158, 270), (172, 284), (188, 290), (200, 292)], M)
    d.detail_mirrored([(150, 170, 1), (166, 161), (182, 170, 1), (166, 177)], M, closed=True)
    d.detail_mirrored([(146, 150), (164, 145), (184, 151)], M)
    d.detail(
        [
            (194, 168),
            (191, 196),
            (184, 212),
            (188, 220),
            (200, 223),
            (212, 220),
            (216, 212),
            (209, 196),
            (206, 168),
        ]
    )
    d.detail(
        [
            (176, 249, 1),
            (190, 244),
            (200, 246),
            (210, 244),
            (224, 249, 1),
            (212, 258),
            (200, 260),
            (188, 258),
        ],
        closed=True,
    )
    d.detail([(177, 249), (200, 250), (223, 249)])
    d.detail([(140, 104), (168, 92), (200, 89), (232, 92), (260, 104)])
    d.detail_mirrored([(176, 318), (188, 330)], M)
    orbit = ellipse(166, 168, 21, 15, 10)
    nose = [
        (193, 164),
        (190, 196),
        (180, 214),
        (190, 228),
        (200, 230),
        (210, 228),
        (220, 214),
        (210, 196),
        (207, 164),
    ]
    lips = ellipse(200, 251, 30, 13, 10)
    half_part = bands(
        [(96, "scalp"), (138, "forehead")],
        vcut(
            127,
            "ear_s",
            bands(
                [(262, "cheek_s")],
                Cut((158, 270), (200, 294), (200, 0), vcut(176, "cheek_s", "chin"), "neck_front"),
            ),
        ),
    )
    part = mirrored_halves(half_part, M, "right", "left")
    children = [
        Layer([sample(smooth(orbit))], "orbit_right"),
        Layer([sample(smooth(mirror_x(orbit, M)))], "orbit_left"),
        Layer([sample(smooth(nose))], "nose"),
        Layer([sample(smooth(lips))], "lips"),
    ]
    return d, regions(Layer([ring], part, children))


# ---------------------------------------------------------------- hands


def finger(base: Point, tip: Point, w: float) -> list[tuple[float, ...]]:
    ux, uy = tip[0] - base[0], tip[1] - base[1]
    length = math.hypot(ux, uy)
    ux, uy = ux / length, uy / length
    nx, ny = uy, -ux  # towards the viewer's left for a finger pointing up

    def at(t: float, side: float, extra: float = 0) -> tuple[float, float]:
        return (
            base[0] + ux * (length * t + extra) + nx * w * side,
            base[1] + uy * (length * t + extra) + ny * w * side,
        )

    return [
        at(0.45, 1),
        at(0.9, 0.98),
        at(1, 0.55, 0),
        at(1, 0, w * 0.45),
        at(1, -0.55, 0),
        at(0.9, -0.98),
        at(0.45, -1),
    ]


FINGERS = (  # base, tip, half width: little, ring, middle, index (thumb on the viewer's right)
    ((24, 222), (16, 152), 6.2),
    ((39, 208), (33, 112), 7),
    ((54, 205), (53, 98), 7.2),
    ((69, 210), (74, 116), 6.8),
)
WEBS = ((31, 224), (46, 214), (62, 214))


def hand_points() -> list[tuple[float, ...]]:
    pts: list[tuple[float, ...]] = [(30, 362, 1), (26, 330), (18, 290), (15, 262)]
    for k, (base, tip, w) in enumerate(FINGERS):
        pts += finger(base, tip, w)
        if k < 3:
            pts.append((*WEBS[k], 1))
    pts += [
        (77, 240, 1),
        *finger((80, 264), (99, 214), 7.6)[:-1],
        (90, 288),
        (82, 318),
        (70, 340),
        (66, 362, 1),
    ]
    return pts


HAND_SLOTS = (  # x offset, mirrored, region suffix: the thumbs never face each other
    (0, True, "palmar_left"),
    (96, False, "palmar_right"),
    (210, True, "dorsal_right"),
    (306, False, "dorsal_left"),
)
HAND_GAPS = (100, 205, 310)  # vertical cuts between the four hands


def _hand_place(dx: float, flip: bool) -> Warp:
    def place(p: Point) -> Point:
        return (dx + (104 - p[0] if flip else p[0]), p[1])

    return place


def hands() -> tuple[Drawing, dict[str, Ring]]:
    d = Drawing("hands", 412, 400)
    rings, parts = [], []
    for dx, flip, suffix in HAND_SLOTS:
        d.warp = _hand_place(dx, flip)
        rings.append(d.outline(hand_points()))
        view, side = suffix.split("_")
        if view == "palmar":
            d.detail([(24, 296), (40, 276), (62, 268)])
            d.detail([(70, 312), (66, 284), (70, 254)])
            d.detail([(30, 338), (64, 338)])
            palm, wrist = f"palm_{side}", f"wrist_palmar_{side}"
        else:
            for base, _, w in FINGERS:
                d.detail([(base[0] - w * 0.5, base[1] - 30), (base[0] + w * 0.5, base[1] - 31)])
            d.detail([(34, 346), (62, 346)])
            palm, wrist = f"back_of_hand_{side}", f"wrist_dorsal_{side}"
        names = ["little_finger", "ring_finger", "middle_finger", "index_finger"]
        fingers: Node = f"index_finger_{view}_{side}"
        for k in (2, 1, 0):
            web = WEBS[k]
            fingers = Cut(web, (web[0], 0), (0, web[1]), f"{names[k]}_{view}_{side}", fingers)
        thumb = f"thumb_{view}_{side}"
        hand = Cut(
            (0, 226),
            (77, 238),
            (0, 0),
            vcut(80, fingers, thumb),
            Cut((77, 240), (98, 270), (40, 300), hcut(332, palm, wrist), thumb),
        )
        parts.append(warp_node(hand, d.warp))
    d.warp = None
    node: Node = parts[-1]
    for gap, part in zip(reversed(HAND_GAPS), reversed(parts[:-1]), strict=True):
        node = vcut(gap, part, node)
    return d, regions(Layer([join(rings)], node))


# ---------------------------------------------------------------- genital and anal views


def shape(d: Drawing, points: Sequence[tuple[float, ...]]) -> Ring:
    return d.detail(points, closed=True)


def sym_pts(half: Sequence[tuple[float, ...]]) -> list[tuple[float, ...]]:
    """A closed outline about the detail views' midline from its left half (top to bottom)."""
    return symmetric(half, M)


def scaled(
    half: Sequence[tuple[float, ...]], origin: Point, kx: float, ky: float
) -> list[tuple[float, ...]]:
    ox, oy = origin
    return [(ox + (p[0] - ox) * kx, oy + (p[1] - oy) * ky, *p[2:]) for p in half]


def wobble(c: Point, rx: float, ry: float, factors: Sequence[float]) -> list[tuple[float, ...]]:
    """A closed ring around ``c``, clockwise from the top, its radius scaled point by point."""
    n = len(factors)
    return [
        (
            c[0] + rx * f * math.sin(2 * math.pi * i / n),
            c[1] - ry * f * math.cos(2 * math.pi * i / n),
        )
        for i, f in enumerate(factors)
    ]


def anus_detail(d: Drawing, c: Point, r: float, folds: int, inner: float) -> None:
    """A puckered opening and the folds radiating from it."""
    d.detail(wobble(c, inner, inner, [1, 0.55] * 6), closed=True)
    for i in range(folds):
        a = 2 * math.pi * (i + 0.5) / folds
        sa, ca = math.sin(a), math.cos(a)
        d.detail(
            [(c[0] + inner * 1.2 * sa, c[1] - inner * 1.2 * ca), (c[0] + r * sa, c[1] - r * ca)]
        )


def vee(a: Point, b: Point, above: Node, below: Node) -> Node:
    """A cut along a→b (b on the midline) on the left, and its mirror on the right."""
    mid = (M, b[1])
    left = Cut(a, b, (a[0], a[1] - 100), above, below)
    right = Cut((2 * M - a[0], a[1]), mid, (2 * M - a[0], a[1] - 100), above, below)
    return vcut(M, left, right)


# The lithotomy views: the patient on her back, thighs flexed and apart, seen from the foot
# end; anterior (the pubis) at the top, the patient's right on the viewer's left.
LITHOTOMY = [  # the outer outline: the thighs leave the frame at the top corners
    (0, 0),
    (15, 72),
    (32, 142),
    (47, 198),
    (52, 232),
    (50, 262),
    (46, 296),
    (54, 336),
    (80, 368),
    (122, 388),
    (166, 396),
    (190, 393),
    (200, 388, 1),
]
GLUTEAL_FOLD = ((50, 262), (104, 282), (160, 290))
THIGH_EDGE = (66.0, 0.0)  # where the inner thigh's upper contour leaves the frame


def female(child: bool) -> tuple[Drawing, dict[str, Ring]]:
    d = Drawing("child_female_genital" if child else "female_genital", 400, 400, child=child)
    k = 0.8 if child else 1.0  # the vulva is smaller before puberty
    kx = 0.84 if child else 1.0  # and the labia majora flatter
    hc = (M, 218.0)  # the hymen: the clock centre

    def inner(*half: tuple[float, ...]) -> list[tuple[float, ...]]:
        return sym_pts(scaled(half, hc, k, k))

    outer = d.outline_open([*symmetric(LITHOTOMY, M), (2 * M, 0)])
    # the mons (a rounded triangle), the labia majora, the perineum and the anal region
    central_half = [
        (200, 66),
        (156, 71),
        (118, 88, 1),
        (129, 110),
        (140, 134),
        (142, 176),
        (143, 218),
        (148, 252),
        (157, 280),
        (165, 302),
        (167, 324),
        (170, 346),
        (180, 363),
        (192, 372),
        (200, 375),
    ]
    central = shape(d, sym_pts(scaled(central_half, hc, kx, 1)))
    corner = (M + (118 - M) * kx, 88.0)  # where the thigh's upper contour meets the mons
    edge = (THIGH_EDGE[0] + (corner[0] - 118), 0.0)
    # the inner thighs' upper contours, rising from the groin creases out of the frame
    d.detail_mirrored([corner, _lerp(corner, edge, 0.34), _lerp(corner, edge, 0.67), edge], M)
    d.detail_mirrored([*GLUTEAL_FOLD[:2], (GLUTEAL_FOLD[2][0] + (1 - kx) * 36, 290)], M)
    d.detail([(M, 375), (M, 388)])  # the natal cleft
    # the inner faces of the labia majora
    d.detail_mirrored(
        scaled(
            [(184, 100), (168, 122), (158, 166), (155, 214), (160, 256), (174, 281), (191, 292)],
            hc,
            kx,
            1,
        ),
        M,
    )
    minora = shape(d, inner((200, 100), (184, 120), (172, 170), (168, 218), (176, 256), (200, 276)))
    hood = shape(d, inner((200, 106), (191, 116), (188, 130), (192, 140), (200, 143)))
    glans = (M, hc[1] + (135 - hc[1]) * k)
    d.detail(ellipse(glans[0], glans[1], 3.4 * k, 3.4 * k), closed=True)
    d.detail_mirrored(scaled([(193, 141), (189, 150), (186, 160)], hc, k, k), M)  # frenula
    vest = shape(d, inner((200, 148), (186, 166), (178, 212), (182, 250), (200, 266)))
    meatus = shape(d, ellipse(M, hc[1] + (172 - hc[1]) * k, 2.6, 3.6))
    if child:
        # a smooth crescentic hymen: a broad posterior rim, a narrow anterior one
        hymen = shape(d, ellipse(hc[0], hc[1], 18 * k, 26 * k, 10))
        opening_ring = ellipse(hc[0], hc[1] - 6 * k, 11 * k, 15 * k, 10)
    else:
        # an annular hymen with a small, irregularly notched free rim
        hymen = shape(d, ellipse(hc[0], hc[1], 18, 26, 10))
        opening_ring = wobble(
            hc,
            9.5,
            16,
            [1, 1, 1.02, 1.13, 1, 0.98, 1, 1.0, 1.03, 1.12, 1, 0.99, 1.01, 1.14, 1.0, 1],
        )
    opening = shape(d, opening_ring)
    ac = (M, 338.0)
    anus = shape(d, ellipse(ac[0], ac[1], 12, 11, 10))
    anus_detail(d, ac, 11, 10, 3.2)
    d.clock_centre = hc

    outside = mirrored_halves(
        hcut(
            corner[1],
            Cut(corner, edge, (200, 0), "abdomen", "thigh_inner_s"),
            vcut(
                GLUTEAL_FOLD[1][0],
                Cut(GLUTEAL_FOLD[0], GLUTEAL_FOLD[1], (0, 0), "thigh_inner_s", "buttock_s"),
                Cut(GLUTEAL_FOLD[1], GLUTEAL_FOLD[2], (0, 0), "thigh_inner_s", "buttock_s"),
            ),
        ),
        M,
        "right",
        "left",
    )
    central_part = hcut(
        98,
        "mons_pubis",
        vee(
            (150, 272),
            (M, 296),
            mirrored_halves("labium_majus_s", M, "right", "left"),
            hcut(318, "perineum", "perianal_skin"),
        ),
    )
    minora_part = mirrored_halves(
        hcut(hc[1] + 44 * k, "labium_minus_s", "posterior_fourchette"), M, "right", "left"
    )
    vest_part = hcut(hc[1] + 30 * k, "vestibule", "fossa_navicularis")
    layer = Layer(
        [outer],
        outside,
        [
            Layer(
                [central],
                central_part,
                [
                    Layer(
                        [minora],
                        minora_part,
                        [
                            Layer([hood], "clitoris"),
                            Layer(
                                [vest],
                                vest_part,
                                [
                                    Layer([meatus], "urethral_meatus"),
                                    Layer([hymen], "hymen", [Layer([opening], "vaginal_opening")]),
                                ],
                            ),
                        ],
                    ),
                    Layer([anus], "anus"),
                ],
            ),
        ],
    )
    return d, regions(layer)


MALE_OUTLINE = [  # the waist leaves the frame at the top, the thighs at the bottom
    (102, 0),
    (94, 38),
    (80, 92),
    (67, 154),
    (61, 226),
    (64, 300),
    (71, 360),
    (76, 400, 1),
    (170, 400, 1),
    (172, 374),
    (180, 352),
    (192, 341),
    (200, 339, 1),
]


def male(child: bool) -> tuple[Drawing, dict[str, Ring]]:
    """A front view, standing: the lower abdomen, the groins and the upper thighs."""
    d = Drawing("child_male_genital" if child else "male_genital", 400, 400, child=child)
    k = 0.62 if child else 1.0  # the genitals (not the frame) are smaller before puberty
    outer = d.outline_open([*symmetric(MALE_OUTLINE, M), (2 * M - MALE_OUTLINE[0][0], 0)])
    d.detail(ellipse(M, 44, 3, 4), closed=True)  # the navel
    root = 150.0  # where the penis leaves the pubic area
    pw = 18 * k  # the shaft's half width at its base
    tip = root + 146 * k
    fold = root + 90 * k  # where the foreskin begins on the shaft
    edge = root + 106 * k  # the foreskin's free edge, over the glans
    st = root + 48 * k  # where the scrotum shows beside the penis
    crease = ((76.0, 104.0), (M - 43 * k, st + 20 * k))  # the inguinal fold, hip to scrotum
    bend = (122 + 34 * (1 - k), 148 + 40 * (1 - k))
    d.detail_mirrored([crease[0], bend, crease[1]], M)
    scrotum_pts = [
        (M - pw * 0.98, st, 1),
        (M - 34 * k, st + 8 * k),
        (M - 50 * k, st + 34 * k),
        (M - 56 * k, st + 72 * k),
        (M - 49 * k, st + 106 * k),
        (M - 30 * k, st + 126 * k),
        (M - 11 * k, st + 127 * k),
        (M, st + 119 * k),
        (M + 11 * k, st + 127 * k),
        (M + 30 * k, st + 126 * k),
        (M + 49 * k, st + 106 * k),
        (M + 56 * k, st + 72 * k),
        (M + 50 * k, st + 34 * k),
        (M + 34 * k, st + 8 * k),
        (M + pw * 0.98, st, 1),
    ]
    d.detail(scrotum_pts)  # the scrotum, behind the penis
    base = (M - pw * 1.45, root)  # the shaft flares softly into the pubic area
    shaft_half = [
        (*base, 1),
        (M - pw * 1.06, root + 14 * k),
        (M - pw, root + 40 * k),
        (M - pw * 0.93, fold),
        (M - pw * 0.94, edge),
        (M - pw * 1.08, edge + 7 * k),  # the corona, just beyond the foreskin's edge
        (M - pw * 0.98, tip - 18 * k),
        (M - pw * 0.62, tip - 4 * k),
        (M, tip),
    ]
    penis_pts = [*shaft_half, *mirror_x(list(reversed(shaft_half[:-1])), M)]
    flare = shaft_half[1]  # the scrotum's outline follows the flared base of the shaft
    complex_ring = sample(
        smooth(
            [
                (2 * M - base[0], base[1], 1),
                (*base, 1),
                flare,
                *scrotum_pts,
                (2 * M - flare[0], flare[1]),
            ]
        )
    )
    d.detail(penis_pts)
    penis = sample(smooth([*penis_pts, (M, root, 1)]))
    # the foreskin: a soft fold on the shaft, and its free edge curving over the glans
    d.detail([(M - pw * 0.93, fold), (M, fold + 5 * k), (M + pw * 0.93, fold)])
    d.detail([(M - pw * 0.94, edge), (M, edge + 8 * k), (M + pw * 0.94, edge)])
    meatus = shape(d, ellipse(M, tip - 7 * k, 1.6, 3.4 * k + 0.6))
    d.detail([(M, tip + 3), (M, st + 118 * k)])  # the median raphe
    penis_part = vee(
        (M - pw, fold),
        (M, fold + 5 * k),
        "penile_shaft",
        vee((M - pw, edge), (M, edge + 8 * k), "foreskin", "glans"),
    )

    def below_crease(c0: Point, above: Node, below: Node) -> Node:
        """The inguinal fold as two straight cuts, through its bend, from ``c0``."""
        return vcut(
            bend[0],
            Cut(c0, bend, (200, 0), above, below),
            Cut(bend, crease[1], (200, 0), above, below),
        )

    upper_left = below_crease(
        crease[0],
        hcut(80, "abdomen", vcut(110, "groin_s", "pubic_area")),
        Cut(
            (crease[0][0], crease[0][1] + 24),
            crease[1],
            (200, 0),
            "groin_s",
            vcut(126, "thigh_front_s", "thigh_inner_s"),
        ),
    )
    outside = mirrored_halves(
        vcut(176, upper_left, Cut((176, 336), (M, 318), (M, 0), upper_left, "perineum")),
        M,
        "right",
        "left",
    )
    layer = Layer(
        [outer],
        outside,
        [
            Layer(
                [complex_ring],
                mirrored_halves("scrotum_s", M, "right", "left"),
                [Layer([penis], penis_part, [Layer([meatus], "urethral_meatus")])],
            ),
        ],
    )
    return d, regions(layer)


ANAL_OUTLINE = [  # the lithotomy view, closer: the perineum leaves the frame at the top
    (94, 0),
    (56, 30),
    (26, 74),
    (12, 130),
    (14, 200),
    (28, 270),
    (56, 332),
    (98, 372),
    (148, 390),
    (184, 390),
    (200, 380, 1),
]


def anal() -> tuple[Drawing, dict[str, Ring]]:
    d = Drawing("anal", 400, 400)
    outer = d.outline_open([*symmetric(ANAL_OUTLINE, M), (2 * M - ANAL_OUTLINE[0][0], 0)])
    c = (M, 210.0)
    d.clock_centre = c
    # the buttocks' inner faces, from the perineum round the anus into the natal cleft
    medial = [
        (170, 58, 1),
        (166, 96),
        (150, 140),
        (124, 196),
        (128, 246),
        (150, 290),
        (176, 330),
        (194, 356),
        (200, 362, 1),
    ]
    skin = sample(smooth(symmetric([(200, 58), *medial], M)))
    d.detail_mirrored([(170, 0), *medial[:-1]], M)
    d.detail([(M, 362), (M, 380)])
    d.detail([(M, 0), (M, 150)])  # the perineal raphe
    verge = shape(d, wobble(c, 30, 28, [1, 1.04, 0.98, 1.03, 1, 0.97] * 2))
    canal = shape(d, ellipse(c[0], c[1], 9, 8, 10))
    d.detail(wobble(c, 4.5, 4, [1, 0.45] * 6), closed=True)
    for i in range(16):
        a = 2 * math.pi * (i + 0.5) / 16
        sa, ca = math.sin(a), math.cos(a)
        r0, r1 = (11, 26) if i % 2 else (11, 20)
        d.detail([(c[0] + r0 * sa, c[1] - r0 * ca), (c[0] + r1 * sa, c[1] - r1 * ca)])
    diag1 = (c[0] + 1, c[1] + 1)
    diag2 = (c[0] - 1, c[1] + 1)
    quad = Cut(
        c,
        diag1,
        (c[0] + 1, 0),
        Cut(c, diag2, (c[0], 0), "perianal_anterior", "perianal_left"),
        Cut(c, diag2, (c[0], 0), "perianal_right", "perianal_posterior"),
    )
    skin_part = hcut(110, "perineum", hcut(312, quad, "natal_cleft"))
    outside = mirrored_halves(
        Cut((170, 0), (170, 58), (200, 40), "perineum", "buttock_s"), M, "right", "left"
    )
    layer = Layer(
        [outer],
        hcut(58, outside, mirrored_halves("buttock_s", M, "right", "left")),
        [
            Layer(
                [skin], skin_part, [Layer([verge], "anal_verge", [Layer([canal], "anal_canal")])]
            ),
        ],
    )
    return d, regions(layer)


# ---------------------------------------------------------------- output


def build() -> list[tuple[Drawing, dict[str, Ring]]]:
    return [
        *body_views("adult", None),
        *side_views("adult", None),
        *body_views("child", child_warp),
        *side_views("child", child_warp),
        head_face(),
        hands(),
        female(False),
        male(False),
        anal(),
        female(True),
        male(True),
    ]


def svg(d: Drawing) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {d.width} {d.height}" '
        'fill="none" stroke-linecap="round" stroke-linejoin="round">',
    ]
    for role, data, _ in d.paths:
        colour, width = (
            (OUTLINE_COLOUR, OUTLINE_WIDTH) if role == "outline" else (DETAIL_COLOUR, DETAIL_WIDTH)
        )
        lines.append(
            f'  <path class="{role}" stroke="{colour}" stroke-width="{width}" d="{data}"/>'
        )
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for d, regs in build():
        (folder / f"{d.id}.svg").write_text(svg(d), "utf-8", newline="\n")
        entries.append(
            {
                "id": d.id,
                "width": d.width,
                "height": d.height,
                "child": d.child,
                "clock_centre": list(d.clock_centre) if d.clock_centre else None,
                "paths": [{"d": data, "role": role} for role, data, _ in d.paths],
                "regions": [
                    {"id": label, "polygon": [[_r(x), _r(y)] for x, y in ring]}
                    for label, ring in sorted(regs.items())
                ],
            }
        )
    text = json.dumps({"format": 1, "diagrams": entries}, separators=(",", ":"))
    (folder / "diagrams.json").write_text(text + "\n", "utf-8", newline="\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
