"""The shipped body diagrams, read from ``resources/diagrams`` (Qt-free).

The data (outlines and regions) is ``diagrams.json``; each diagram's drawing for the
screen is its ``<id>.svg``, made from the same path data by the generator beside them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from sac_desktop.domain.diagrams import Diagram, parse_diagrams
from sac_desktop.resources import resource


@cache
def load_diagrams() -> dict[str, Diagram]:
    """The shipped diagrams (read once)."""
    with resource("diagrams", "diagrams.json").open(encoding="utf-8") as handle:
        return parse_diagrams(json.load(handle))


def svg_path(diagram_id: str) -> Path:
    """The drawing of a diagram for the screen."""
    return resource("diagrams", f"{diagram_id}.svg")
