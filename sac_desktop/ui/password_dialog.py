"""Change your own password: twice, checked against the policy, then one slot rewrapped."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.i18n import Translator
from sac_desktop.ui.messages import describe, is_expected
from sac_desktop.ui.password_field import PasswordField


class ChangePasswordDialog(QDialog):
    def __init__(
        self, t: Translator, change: Callable[[str, str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("changePasswordDialog")
        self.t = t
        self._change = change
        self.current = PasswordField("currentOwnPassword")
        self.new = PasswordField("newOwnPassword")
        self.again = PasswordField("newOwnPassword2")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("changePasswordMessage")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.current_label, self.new_label, self.again_label = QLabel(), QLabel(), QLabel()
        self.current_label.setBuddy(self.current.edit)
        self.new_label.setBuddy(self.new.edit)
        self.again_label.setBuddy(self.again.edit)
        form = QFormLayout()
        form.addRow(self.current_label, self.current)
        form.addRow(self.new_label, self.new)
        form.addRow(self.again_label, self.again)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setWindowTitle(t._("Change my password"))
        self.current_label.setText(t._("&Current password:"))
        self.current.retranslate(t, t._("Current password"))
        self.new_label.setText(t._("&New password:"))
        self.again_label.setText(t._("New password a&gain:"))
        self.new.retranslate(t, t._("New password"))
        self.again.retranslate(t, t._("New password again"))

    def _accept(self) -> None:
        t = self.t
        if self.new.text() != self.again.text():
            self.message.setText(t._("The two passwords are not the same."))
            return
        try:
            self._change(self.current.text(), self.new.text())
        except Exception as exc:
            if not is_expected(exc):
                raise
            self.message.setText(describe(t, exc))
            return
        finally:
            self.again.clear()
            self.current.clear()
        self.new.clear()
        self.accept()
