"""House rules as checks: the Qt-free core, SQL only in storage, no heavy start-up imports."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sac_desktop"
QT_FREE = ["domain", "storage", "security", "services", "reports"]
# Layer arrows (DESIGN.md): what each core layer may import from sac_desktop.
ALLOWED = {
    "domain": {"domain", "i18n"},
    "storage": {"storage", "domain", "i18n", "fsutil", "logsafe"},
    "security": {"security", "storage", "domain", "i18n", "fsutil", "resources"},
    "services": {
        "services",
        "domain",
        "storage",
        "security",
        "i18n",
        "logsafe",
        "fsutil",
        "paths",
        "resources",  # the shipped protocol files
        # Documents: a service gathers what the reader may see, renders it with a report
        # (a pure function of those facts; reportlab loaded only when a document is made),
        # and audits (later: signs and stores) it. Reports never import services.
        "reports",
    },
    "reports": {"reports", "domain", "i18n", "resources"},
    "ui": {
        "ui",
        "services",
        "domain",
        "reports",
        "i18n",
        "paths",
        "resources",
        "logsafe",
        "crash",
    },
}
# Our SQL is written in capitals (a house style this check relies on).
_SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|PRAGMA\s)"
)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("layer", QT_FREE)
def test_core_layers_never_import_qt(layer: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / layer).rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"}
    ]
    assert offenders == [], "the core must stay Qt-free (DESIGN.md, Layers)"


@pytest.mark.parametrize("layer", [*QT_FREE, "ui"])
def test_layer_arrows(layer: str) -> None:
    offenders = []
    for path in (PACKAGE / layer).rglob("*.py"):
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "sac_desktop" and len(parts) > 1 and parts[1] not in ALLOWED[layer]:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == [], "an import points against the layer arrows in DESIGN.md"


def test_shared_modules_are_qt_free() -> None:
    for name in ("i18n", "logsafe", "crash", "fsutil", "paths", "resources", "cli"):
        imported = _imports(PACKAGE / f"{name}.py")
        assert not [n for n in imported if n.startswith("PySide6")], name


def test_no_sql_outside_storage() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "storage" in path.relative_to(PACKAGE).parts:
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if _SQL.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}")
    assert offenders == [], "SQL belongs in sac_desktop/storage only"


def test_sql_detector_can_fire() -> None:
    assert _SQL.search('conn.execute("SELECT id FROM entries")')
    assert not _SQL.search("select the case from the list")


def test_startup_imports_stay_lean() -> None:
    """The first window must not wait for reportlab or pyhanko."""
    code = (
        "import sys, sac_desktop.cli, sac_desktop.ui.app, sac_desktop.ui.main_window\n"
        "heavy = ('reportlab', 'pyhanko', 'keyring')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
    )
    assert out.stdout.strip() == ""
