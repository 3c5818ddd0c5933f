"""Sign-in and lock screens: no case data is ever shown here."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain.roles import ROLE_LABELS, Role
from sac_desktop.i18n import Translator
from sac_desktop.services.installation import DirectoryEntry
from sac_desktop.ui.layout import centre_column, title_label
from sac_desktop.ui.password_field import PasswordField


def _role(t: Translator, role: str) -> str:
    try:
        return t._(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


class SignInPage(QWidget):
    """Pick or type the account, enter the password; progress while the key is derived."""

    sign_in_requested = Signal(str, str)
    recovery_requested = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.title = title_label("signInTitle", 1.4)
        self.account = QComboBox()
        self.account.setObjectName("signInAccount")
        self.account.setEditable(True)
        self.account.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.password = PasswordField("signInPassword")
        self.password.edit.returnPressed.connect(self._submit)
        self.button = QPushButton()
        self.button.setObjectName("signInButton")
        self.button.setDefault(True)
        self.button.clicked.connect(self._submit)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.hide()
        self.message = QLabel()
        self.message.setObjectName("signInMessage")
        self.message.setWordWrap(True)
        self.recovery = QLineEdit()
        self.recovery.setObjectName("recoveryCodeInput")
        self.recovery_button = QPushButton()
        self.recovery_button.setObjectName("recoveryButton")
        self.recovery_button.clicked.connect(
            lambda: self.recovery_requested.emit(self.recovery.text())
        )
        self.recovery.returnPressed.connect(self.recovery_button.click)
        self.recovery_box = QWidget()
        recovery_row = QHBoxLayout(self.recovery_box)
        recovery_row.setContentsMargins(0, 0, 0, 0)
        recovery_row.addWidget(self.recovery, 1)
        recovery_row.addWidget(self.recovery_button)
        self.recovery_box.hide()
        self.training_note = QLabel()
        self.training_note.setObjectName("trainingAccounts")
        self.training_note.setWordWrap(True)
        self.training_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.training_note.hide()

        self.account_label = QLabel()
        self.account_label.setBuddy(self.account)
        self.password_label = QLabel()
        self.password_label.setBuddy(self.password.edit)
        form = QFormLayout()
        form.addRow(self.account_label, self.account)
        form.addRow(self.password_label, self.password)
        column = QWidget()
        column.setMaximumWidth(560)
        layout = QVBoxLayout(column)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addWidget(self.recovery_box)
        layout.addWidget(self.training_note)
        centre_column(self, column, 3)
        self._t: Translator | None = None
        self._entries: list[DirectoryEntry] = []

    def set_accounts(self, entries: list[DirectoryEntry], t: Translator) -> None:
        self._entries = list(entries)
        self.account.clear()
        for entry in entries:
            self.account.addItem(f"{entry.display_name} ({_role(t, entry.role)})", entry.username)
        self.account.setCurrentIndex(-1 if len(entries) != 1 else 0)

    def select(self, username: str) -> None:
        index = self.account.findData(username)
        if index >= 0:
            self.account.setCurrentIndex(index)
        self.password.setFocus()

    def chosen_name(self) -> str:
        data = self.account.currentData()
        if isinstance(data, str) and self.account.currentText() == self.account.itemText(
            self.account.currentIndex()
        ):
            return data
        return self.account.currentText().strip()

    def _submit(self) -> None:
        name, password = self.chosen_name(), self.password.text()
        if self._t is not None and (not name or not password):
            self.message.setText(self._t._("Choose your account and type your password."))
            return
        self.sign_in_requested.emit(name, password)

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.button.setEnabled(not busy)
        self.account.setEnabled(not busy)
        self.password.setEnabled(not busy)
        if self._t is not None and busy:
            self.message.setText(self._t._("Checking the password…"))

    def retranslate(self, t: Translator) -> None:
        self._t = t
        self.title.setText(t._("Sign in"))
        self.account_label.setText(t._("&Account:"))
        self.password_label.setText(t._("&Password:"))
        self.account.setAccessibleName(t._("Account"))
        line = self.account.lineEdit()
        if line is not None:
            line.setAccessibleName(t._("Account"))
        self.password.retranslate(t, t._("Password"))
        self.button.setText(t._("&Sign in"))
        self.button.setAccessibleName(t._("Sign in"))
        self.recovery.setAccessibleName(t._("Recovery code"))
        self.recovery.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.recovery_button.setText(t._("Use the &recovery code"))
        self.recovery_button.setAccessibleName(t._("Use the recovery code"))
        if self._entries:
            self.set_accounts(self._entries, t)


class LockPage(QWidget):
    """Shown while locked: who was signed in, unlock (same person) or switch user."""

    unlock_requested = Signal(str)
    switch_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.title = title_label("lockTitle", 1.4)
        self.who = QLabel()
        self.password = PasswordField("unlockPassword")
        self.password.edit.returnPressed.connect(self._unlock)
        self.unlock_button = QPushButton()
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._unlock)
        self.switch_button = QPushButton()
        self.switch_button.setObjectName("switchUserButton")
        self.switch_button.clicked.connect(self.switch_requested.emit)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.hide()
        self.message = QLabel()
        self.message.setObjectName("lockMessage")
        self.message.setWordWrap(True)
        column = QWidget()
        column.setMaximumWidth(560)
        layout = QVBoxLayout(column)
        layout.addWidget(self.title)
        layout.addWidget(self.who)
        layout.addWidget(self.password)
        row = QHBoxLayout()
        row.addWidget(self.unlock_button)
        row.addWidget(self.switch_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        centre_column(self, column, 3)
        self._who = ""

    def _unlock(self) -> None:
        self.unlock_requested.emit(self.password.text())

    def show_for(self, display_name: str, t: Translator) -> None:
        self._who = display_name
        self.password.clear()  # never keep what someone else typed here
        self.message.clear()
        self.retranslate(t)
        self.password.setFocus()

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.unlock_button.setEnabled(not busy)
        self.switch_button.setEnabled(not busy)

    def retranslate(self, t: Translator) -> None:
        self.title.setText(t._("Locked"))
        self.who.setText(t._("Signed in: %(name)s") % {"name": self._who} if self._who else "")
        self.password.retranslate(t, t._("Password"))
        self.unlock_button.setText(t._("&Unlock"))
        self.unlock_button.setAccessibleName(t._("Unlock"))
        self.switch_button.setText(t._("S&witch user"))
        self.switch_button.setAccessibleName(t._("Switch user"))
