"""The coordinator's page: staff accounts, the lock timeout, workstation details, clock jumps.

Every action goes through AccountAdmin, which checks the role itself: this page being
hidden from other roles is only a courtesy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain.roles import ROLE_LABELS, Role
from sac_desktop.i18n import Translator
from sac_desktop.services.installation import AccountAdmin, ReasonRequired
from sac_desktop.services.rotation import remove_for_cause
from sac_desktop.ui.layout import labelled_rows, save_file_dialog
from sac_desktop.ui.messages import describe, is_expected
from sac_desktop.ui.password_field import PasswordField


class AdminPage(QWidget):
    back_requested = Signal()
    busy_changed = Signal(bool)  # True while the vault is being re-encrypted
    rotation_failed = Signal(str)
    partners_requested = Signal()  # the centre's partner directory (a dialog)

    def __init__(self, report_bug: Callable[[BaseException], None]) -> None:
        super().__init__()
        self.report_bug = report_bug
        self.admin: AccountAdmin | None = None
        self._t: Translator | None = None

        self.accounts = QTableWidget(0, 4)
        self.accounts.setObjectName("accountsTable")
        self.accounts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.accounts.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.accounts.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.accounts.setTabKeyNavigation(False)
        self.accounts.verticalHeader().setVisible(False)
        self.accounts.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.accounts.horizontalHeader().setStretchLastSection(True)

        self.username = QLineEdit()
        self.display_name = QLineEdit()
        self.role = QComboBox()
        for role in Role:
            self.role.addItem("", role.value)
        self.password = PasswordField("newAccountPassword")
        self.reason = QLineEdit()
        self.create_button = QPushButton()
        self.create_button.setObjectName("createAccount")
        self.create_button.clicked.connect(self._create)
        self.reset_password = PasswordField("resetPassword")
        self.reset_button = QPushButton()
        self.reset_button.setObjectName("resetPassword")
        self.reset_button.clicked.connect(self._reset)
        self.deactivate_button = QPushButton()
        self.deactivate_button.setObjectName("deactivateAccount")
        self.deactivate_button.clicked.connect(self._deactivate)
        self.edit_name = QLineEdit()
        self.edit_name.setObjectName("editAccountName")
        self.edit_role = QComboBox()
        self.edit_role.setObjectName("editAccountRole")
        for role in Role:
            self.edit_role.addItem("", role.value)
        self.save_account = QPushButton()
        self.save_account.setObjectName("saveAccount")
        self.save_account.clicked.connect(self._save_account)
        self.lift_button = QPushButton()
        self.lift_button.setObjectName("liftThrottle")
        self.lift_button.clicked.connect(self._lift)
        self.accounts.currentCellChanged.connect(lambda *_: self._fill_selected())
        self.remove_button = QPushButton()
        self.remove_button.setObjectName("removeForCause")
        self.remove_button.clicked.connect(self._remove_for_cause)
        #: Runs slow work (re-encrypting the vault) off the GUI thread: (work, done).
        self.run_slow: Callable[[Callable[[], object], Callable[..., None]], None] | None = None
        self.message = QLabel()
        self.message.setObjectName("adminMessage")
        self.message.setWordWrap(True)

        self.lock_minutes = QSpinBox()
        self.lock_minutes.setRange(1, 15)
        self.save_settings = QPushButton()
        self.save_settings.setObjectName("saveSettings")
        self.save_settings.clicked.connect(self._save_settings)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.retention = QLabel()
        self.retention.setWordWrap(True)
        self.clock_label = QLabel()
        self.clock_label.setObjectName("clockJumps")
        self.clock_label.setWordWrap(True)
        self.partners_button = QPushButton()
        self.partners_button.setObjectName("partnersButton")
        self.partners_button.clicked.connect(self.partners_requested.emit)
        self.ca_button = QPushButton()
        self.ca_button.setObjectName("exportCaButton")
        self.ca_button.clicked.connect(lambda: self.export_ca())
        self.ca_dialog: QFileDialog | None = None
        self.back_button = QPushButton()
        self.back_button.setObjectName("adminBack")
        self.back_button.clicked.connect(self.back_requested.emit)

        form = QFormLayout()
        self._labels = labelled_rows(
            form,
            (
                ("username", self.username),
                ("display_name", self.display_name),
                ("role", self.role),
                ("password", self.password),
                ("reason", self.reason),
            ),
        )
        self.new_box = QGroupBox()
        new_layout = QVBoxLayout(self.new_box)
        new_layout.addLayout(form)
        new_layout.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.selected_box = QGroupBox()
        selected_outer = QVBoxLayout(self.selected_box)
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.edit_name, 2)
        edit_row.addWidget(self.edit_role, 1)
        edit_row.addWidget(self.save_account)
        selected_outer.addLayout(edit_row)
        selected_layout = QHBoxLayout()
        selected_layout.addWidget(self.reset_password, 1)
        selected_layout.addWidget(self.reset_button)
        selected_outer.addLayout(selected_layout)
        actions_row = QHBoxLayout()
        actions_row.addWidget(self.lift_button)
        actions_row.addWidget(self.deactivate_button)
        actions_row.addWidget(self.remove_button)
        actions_row.addStretch(1)
        selected_outer.addLayout(actions_row)
        self.settings_box = QGroupBox()
        settings_form = QFormLayout(self.settings_box)
        self._labels["lock"] = QLabel()
        self._labels["lock"].setBuddy(self.lock_minutes)
        settings_form.addRow(self._labels["lock"], self.lock_minutes)
        settings_form.addRow(self.save_settings)
        settings_form.addRow(self.details)
        settings_form.addRow(self.retention)
        settings_form.addRow(self.clock_label)
        settings_form.addRow(self.partners_button)
        settings_form.addRow(self.ca_button)

        left = QVBoxLayout()
        left.addWidget(self.accounts, 1)
        left.addWidget(self.selected_box)
        left.addWidget(self.new_box)
        right = QVBoxLayout()
        right.addWidget(self.settings_box)
        right.addStretch(1)
        right.addWidget(self.message)
        right.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignRight)
        columns = QHBoxLayout(self)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)

    # -- data -------------------------------------------------------------------------
    def load(
        self, admin: AccountAdmin, t: Translator, centre: str, workstation: str, lock_minutes: int
    ) -> None:
        self.admin = admin
        self._centre, self._workstation = centre, workstation
        self.lock_minutes.setValue(lock_minutes)
        self.retranslate(t)
        self._reload()

    def clear(self) -> None:
        self.admin = None
        self.accounts.setRowCount(0)
        self.clock_label.clear()
        self.message.clear()
        for field in (self.username, self.display_name, self.reason):
            field.clear()
        self.password.clear()
        self.reset_password.clear()

    def _reload(self) -> None:
        if self.admin is None or self._t is None:
            return
        t = self._t
        rows = self.admin.list_accounts()
        self.accounts.setRowCount(len(rows))
        for r, account in enumerate(rows):
            values = (
                account.username,
                account.display_name,
                _role(t, account.role),
                t._("active") if account.active else t._("deactivated"),
            )
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, account.id)
                item.setData(Qt.ItemDataRole.UserRole + 1, account.role)
                self.accounts.setItem(r, c, item)
        jumps = self.admin.clock_jumps()
        if jumps:
            self.clock_label.setText(
                t._(
                    "The system clock moved backwards %(n)d time(s); the last time at %(when)s UTC."
                )
                % {"n": len(jumps), "when": jumps[0][0][:19].replace("T", " ")}
            )
        else:
            self.clock_label.setText(t._("The system clock never moved backwards."))

    def _fill_selected(self) -> None:
        row = self.accounts.currentRow()
        name = self.accounts.item(row, 1)
        role = self.accounts.item(row, 2)
        if name is None or role is None:
            return
        self.edit_name.setText(name.text())
        value = role.data(Qt.ItemDataRole.UserRole + 1)
        index = self.edit_role.findData(value)
        if index >= 0:
            self.edit_role.setCurrentIndex(index)

    def _save_account(self) -> None:
        account_id = self._selected_id()
        if self.admin is None or self._t is None or account_id is None:
            return
        admin, name = self.admin, self.edit_name.text()
        role, reason = Role(self.edit_role.currentData()), self.reason.text().strip() or None
        self._run(
            lambda: admin.edit_account(account_id, name, role, reason),
            self._t._("The account was changed."),
        )

    def _lift(self) -> None:
        account_id = self._selected_id()
        if self.admin is None or self._t is None or account_id is None:
            return
        admin = self.admin
        self._run(
            lambda: admin.lift_throttle(account_id),
            self._t._("The wait after wrong passwords was lifted."),
        )

    def _selected_id(self) -> str | None:
        item = self.accounts.item(self.accounts.currentRow(), 0)
        value = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        return value if isinstance(value, str) else None

    def export_ca(self, path: str | None = None) -> QFileDialog | None:
        """The centre's certificate, for whoever must verify its signed documents."""
        admin, t = self.admin, self._t
        if admin is None or t is None:
            return None
        if path is None:
            self.ca_dialog = save_file_dialog(
                self,
                t,
                "caFileDialog",
                t._("Export the centre's certificate"),
                f"{self._centre}-ca.pem",
                lambda chosen: self.export_ca(chosen),
                t._("Certificate (*.pem)"),
            )
            return self.ca_dialog
        target = Path(path)
        self._run(
            lambda: admin.export_ca_certificate(target),
            t._("The centre's certificate was saved: give it to whoever verifies its documents."),
        )
        return None

    def _run(self, action: Callable[[], object], done: str) -> None:
        assert self._t is not None
        try:
            action()
        except ReasonRequired:
            self.message.setText(self._t._("A psychologist account needs a reason."))
            return
        except Exception as exc:
            if not is_expected(exc):
                self.report_bug(exc)
                return
            self.message.setText(describe(self._t, exc))
            return
        # A reason belongs to one action: never carried silently into the next one.
        self.reason.clear()
        self.message.setText(done)
        self._reload()

    def confirm(self, text: str) -> bool:
        """Asked before an action that cannot be undone (tests answer it themselves)."""
        assert self._t is not None
        answer = QMessageBox.question(self, self._t._("SAC Desktop"), text)
        return answer == QMessageBox.StandardButton.Yes

    def _create(self) -> None:
        if self.admin is None or self._t is None:
            return
        admin, t = self.admin, self._t
        role = Role(self.role.currentData())
        username, name = self.username.text().strip(), self.display_name.text().strip()
        password, reason = self.password.text(), self.reason.text().strip() or None
        self.password.clear()
        if not username or not name:
            self.message.setText(t._("Give the user name and the full name."))
            return
        self._run(
            lambda: admin.create_account(username, name, role, password, reason),
            t._("The account was created."),
        )

    def _reset(self) -> None:
        account_id = self._selected_id()
        if self.admin is None or self._t is None or account_id is None:
            return
        admin, password, reason = self.admin, self.reset_password.text(), self.reason.text()
        self.reset_password.clear()
        self._run(
            lambda: admin.reset_password(account_id, password, reason.strip() or None),
            self._t._("The password was reset; the old signing certificate is revoked."),
        )

    def _deactivate(self) -> None:
        account_id = self._selected_id()
        if self.admin is None or self._t is None or account_id is None:
            return
        admin, reason = self.admin, self.reason.text().strip() or None
        if not self.confirm(self._t._("Deactivate this account? Its password stops working.")):
            return
        self._run(
            lambda: admin.deactivate(account_id, reason), self._t._("The account was deactivated.")
        )

    def _remove_for_cause(self) -> None:
        """Deactivate and change the vault's master key (the person may know a password)."""
        account_id = self._selected_id()
        if self.admin is None or self._t is None or account_id is None:
            return
        t, reason = self._t, self.reason.text().strip()
        if not reason:
            self.message.setText(t._("Removing someone for cause needs a reason."))
            return
        admin = self.admin
        if not self.confirm(
            t._(
                "Remove this account for cause? The vault is re-encrypted with a new key; this "
                "takes a moment and cannot be undone."
            )
        ):
            return

        def work() -> object:
            return remove_for_cause(admin.installation, admin.me, account_id, reason)

        def done(_result: object, error: BaseException | None) -> None:
            self.setEnabled(True)
            self.busy_changed.emit(False)
            if error is not None:
                if not is_expected(error):
                    self.report_bug(error)
                # The session may be closed now: the next sign-in finishes the rotation.
                self.rotation_failed.emit(describe(t, error))
                return
            self.reason.clear()
            self.message.setText(t._("The account was removed and the vault now has a new key."))
            self._reload()

        # Nothing else may use the vault while it is re-encrypted (idle lock, other actions).
        self.setEnabled(False)
        self.busy_changed.emit(True)
        self.message.setText(t._("Re-encrypting the vault with a new key…"))
        if self.run_slow is not None:
            self.run_slow(work, done)
        else:
            try:
                done(work(), None)
            except Exception as exc:
                done(None, exc)

    def _save_settings(self) -> None:
        if self.admin is None or self._t is None:
            return
        admin, minutes = self.admin, self.lock_minutes.value()
        self._run(lambda: admin.set_lock_timeout(minutes), self._t._("The settings were saved."))

    # -- texts ------------------------------------------------------------------------
    def retranslate(self, t: Translator) -> None:
        self._t = t
        self.accounts.setHorizontalHeaderLabels(
            [t._("User name"), t._("Full name"), t._("Role"), t._("Status")]
        )
        self.accounts.setAccessibleName(t._("Staff accounts"))
        for index, role in enumerate(Role):
            self.role.setItemText(index, t._(ROLE_LABELS[role]))
            self.edit_role.setItemText(index, t._(ROLE_LABELS[role]))
        texts = {
            "username": t._("&User name:"),
            "display_name": t._("Full na&me:"),
            "role": t._("&Role:"),
            "password": t._("First &password:"),
            "reason": t._("Rea&son (needed for a psychologist):"),
            "lock": t._("Lock the screen after (minutes):"),
        }
        for key, text in texts.items():
            self._labels[key].setText(text)
        for widget, name in (
            (self.username, t._("User name")),
            (self.display_name, t._("Full name")),
            (self.role, t._("Role")),
            (self.reason, t._("Reason")),
            (self.lock_minutes, t._("Minutes before the screen locks")),
        ):
            widget.setAccessibleName(name)
        self.password.retranslate(t, t._("First password"))
        self.edit_name.setAccessibleName(t._("Full name of the selected account"))
        self.edit_role.setAccessibleName(t._("Role of the selected account"))
        self.reset_password.edit.setPlaceholderText(t._("New password"))
        self.reset_password.retranslate(t, t._("New password for the selected account"))
        self.new_box.setTitle(t._("New account"))
        self.selected_box.setTitle(t._("Selected account"))
        self.settings_box.setTitle(t._("This workstation"))
        for button, text, name in (
            (self.create_button, t._("&Create account"), t._("Create account")),
            (self.reset_button, t._("Reset pass&word"), t._("Reset password")),
            (self.deactivate_button, t._("&Deactivate"), t._("Deactivate account")),
            (self.save_account, t._("Save c&hanges"), t._("Save the account's changes")),
            (
                self.lift_button,
                t._("&Lift the sign-in wait"),
                t._("Lift the wait after wrong passwords"),
            ),
            (
                self.remove_button,
                t._("Remove for ca&use…"),
                t._("Remove for cause and change the vault key"),
            ),
            (self.save_settings, t._("Sa&ve settings"), t._("Save settings")),
            (
                self.partners_button,
                t._("Partners for re&ferrals…"),
                t._("The centre's partners for referrals"),
            ),
            (
                self.ca_button,
                t._("E&xport the centre's certificate…"),
                t._("Export the centre's certificate, to verify its signed documents"),
            ),
            (self.back_button, t._("&Back to the cases"), t._("Back to the cases")),
        ):
            button.setText(text)
            button.setAccessibleName(name)
        centre = getattr(self, "_centre", "")
        self.details.setText(
            t._("Centre: %(centre)s · workstation: %(workstation)s")
            % {"centre": centre, "workstation": getattr(self, "_workstation", "")}
        )
        self.retention.setText(
            t._("Retention periods for evidence are set per centre with the evidence feature.")
        )
        if self.admin is not None:
            self._reload()


def _role(t: Translator, role: str) -> str:
    try:
        return t._(ROLE_LABELS[Role(role)])
    except ValueError:
        return role
