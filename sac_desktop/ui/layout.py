"""Small layout helpers shared by the full-window pages (start, sign-in, lock)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget


def title_label(name: str, scale: float = 1.4) -> QLabel:
    """A page title: larger and bold, in the application font."""
    label = QLabel()
    label.setObjectName(name)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


def centre_column(page: QWidget, column: QWidget, weight: int = 3) -> None:
    """Put ``column`` in the middle of ``page``, a little above the centre."""
    centred = QHBoxLayout()
    centred.addStretch(1)
    centred.addWidget(column, weight)
    centred.addStretch(1)
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    outer.addLayout(centred)
    outer.addStretch(2)
