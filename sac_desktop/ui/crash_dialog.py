"""The dialog shown after a bug: calm words, where the (case-free) crash file is."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from sac_desktop.i18n import Translator


def crash_dialog(parent: QWidget | None, t: Translator, crash_file: Path) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("crashDialog")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(t._("SAC Desktop: unexpected problem"))
    box.setText(
        t._("SAC Desktop met an unexpected problem. Everything that was shown as saved is safe.")
    )
    box.setInformativeText(
        t._("A report without any case data was written to:")
        + f"\n{crash_file}\n\n"
        + t._("Please tell your coordinator. You can continue working, or restart SAC Desktop.")
    )
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAccessibleName(t._("Unexpected problem"))
    return box
