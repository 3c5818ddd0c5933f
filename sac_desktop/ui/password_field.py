"""One password entry widget: hidden by default, a show/hide toggle, cleared after use."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QToolButton, QWidget

from sac_desktop.i18n import Translator


class PasswordField(QWidget):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setObjectName(name)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setMaxLength(256)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.toggled.connect(self._on_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.toggle)
        self.setFocusProxy(self.edit)
        self._t: Translator | None = None

    def _on_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.edit.setEchoMode(mode)
        if self._t is not None:
            self.retranslate(self._t, self.edit.accessibleName())

    def retranslate(self, t: Translator, accessible_name: str) -> None:
        self._t = t
        self.edit.setAccessibleName(accessible_name)
        shown = self.toggle.isChecked()
        self.toggle.setText(t._("Hide") if shown else t._("Show"))
        self.toggle.setAccessibleName(
            t._("Hide the password") if shown else t._("Show the password")
        )

    def text(self) -> str:
        return self.edit.text()

    def clear(self) -> None:
        """Best effort: Python and Qt keep copies we cannot reach (see README)."""
        self.edit.setText("\0" * len(self.edit.text()))
        self.edit.clear()
        self.toggle.setChecked(False)
