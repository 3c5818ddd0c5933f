"""The main window: a start screen, and the case list of an open vault."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain.audit import Action
from sac_desktop.domain.roles import Role
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import LANGUAGE_NAMES, LANGUAGES, Translator, translator
from sac_desktop.paths import Paths
from sac_desktop.services.demo import DemoAccount
from sac_desktop.services.errors import AnchorMismatch, Forbidden, VaultError
from sac_desktop.services.installation import (
    AccountAdmin,
    DeviceSecretMissing,
    Installation,
    SetupRequest,
    SignedIn,
    mark_notices_seen,
)
from sac_desktop.services.permissions import Area, Op, allowed
from sac_desktop.services.record import ReasonRequired
from sac_desktop.services.session import DEFAULT_LOCK_MINUTES, Session
from sac_desktop.services.setup_checks import (
    InvalidRecoveryCode,
    disk_encryption,
    parse_recovery_code,
)
from sac_desktop.services.signin_errors import (
    SlotError,
)
from sac_desktop.ui.admin import AdminPage
from sac_desktop.ui.case_list import CaseListPanel
from sac_desktop.ui.case_view import CaseView
from sac_desktop.ui.clipboard import clear_clipboard, copy_sensitive
from sac_desktop.ui.evidence_page import EvidencePage, HandoversPage
from sac_desktop.ui.followups_page import FollowUpsPage
from sac_desktop.ui.idle import IdleWatcher
from sac_desktop.ui.layout import centre_column, read_only_table, title_label
from sac_desktop.ui.messages import describe, is_expected
from sac_desktop.ui.models import (
    FIELD_KEY_ROLE,
    FieldsModel,
    HistoryModel,
    role_label,
    t_label,
)
from sac_desktop.ui.os_lock import OsLockWatcher
from sac_desktop.ui.partners_dialog import PartnersDialog
from sac_desktop.ui.password_dialog import ChangePasswordDialog
from sac_desktop.ui.setup_dialog import SetupDialog
from sac_desktop.ui.signin import LockPage, SignInPage
from sac_desktop.ui.tasks import TaskRunner

CHECKPOINT_MS = 60_000
BugReporter = Callable[[BaseException], None]


class StartPage(QWidget):
    """No vault on this workstation yet: set it up, or try a throwaway training vault."""

    def __init__(self) -> None:
        super().__init__()
        self.title = title_label("startTitle", 1.6)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.setup_button = QPushButton()
        self.setup_button.setObjectName("setupWorkstation")
        self.setup_button.setDefault(True)
        self.setup_note = QLabel()
        self.setup_note.setWordWrap(True)
        self.training_button = QPushButton()
        self.training_button.setObjectName("tryTraining")
        self.training_note = QLabel()
        self.training_note.setWordWrap(True)
        self.quit_button = QPushButton()
        self.quit_button.setObjectName("quit")
        column = QWidget()
        column.setMaximumWidth(760)
        layout = QVBoxLayout(column)
        layout.setSpacing(14)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(self.setup_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.setup_note)
        layout.addWidget(self.training_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.training_note)
        layout.addSpacing(12)
        layout.addWidget(self.quit_button, 0, Qt.AlignmentFlag.AlignLeft)
        centre_column(self, column, 4)

    def retranslate(self, t: Translator) -> None:
        self.title.setText(t._("SAC Desktop"))
        self.intro.setText(
            t._(
                "Care records for the Sexual Assault Centres: intake, consent, medical care, "
                "injuries, evidence and aftercare, kept encrypted on this workstation."
            )
        )
        self.setup_button.setText(t._("&Set up this workstation…"))
        self.setup_button.setAccessibleName(t._("Set up this workstation"))
        self.setup_note.setText(
            t._(
                "Setting up this workstation for real cases (centre, staff accounts, recovery "
                "code) is done by the coordinator at first run."
            )
        )
        self.training_button.setText(t._("&Try a training vault (synthetic cases)"))
        self.training_button.setAccessibleName(t._("Try a training vault"))
        self.training_note.setText(
            t._(
                "A throwaway vault of invented cases with a demo account for every role. It "
                "is deleted when SAC Desktop closes and must never hold real data."
            )
        )
        self.quit_button.setText(t._("&Quit"))
        self.quit_button.setAccessibleName(t._("Quit SAC Desktop"))


class VaultPage(QWidget):
    def __init__(self, t: Translator) -> None:
        super().__init__()
        self.banner = QLabel()
        self.banner.setObjectName("trainingBanner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setStyleSheet("background:#8a1c1c;color:white;font-weight:bold;padding:4px;")
        self.banner.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.cases_label = QLabel()
        # The lazy, searchable list over the case-list projection (100,000 cases and more).
        self.case_panel = CaseListPanel(t)
        self.cases = self.case_panel.view
        self.case_model = self.case_panel.model
        self.open_button = QPushButton()
        self.open_button.setObjectName("openCase")
        self.close_button = QPushButton()
        self.close_button.setObjectName("closeVault")
        self.reveal_button = QPushButton()
        self.reveal_button.setObjectName("revealIdentity")
        self.reveal_button.setEnabled(False)
        self.case_title = QLabel()
        self.case_title.setObjectName("caseTitle")
        self.fields = read_only_table("caseFields")
        self.fields_model = FieldsModel(t)
        self.fields.setModel(self.fields_model)
        self.history_label = QLabel()
        self.history = read_only_table("fieldHistory")
        self.history_model = HistoryModel(t)
        self.history.setModel(self.history_model)
        self.history.hideColumn(HistoryModel.COL_FIELD)  # the label above names the field
        self.history_label.setBuddy(self.history)

        left = QWidget()
        self.list_side = left
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.cases_label)
        left_layout.addWidget(self.case_panel)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        left_layout.addLayout(row)
        # The record tab (every field, with its history) lives in the open case's view and
        # is parked here, hidden, while no case is open.
        self.record_tab = QWidget()
        self.record_tab.setObjectName("recordTab")
        record_layout = QVBoxLayout(self.record_tab)
        record_layout.addWidget(self.fields, 3)
        record_layout.addWidget(self.history_label)
        record_layout.addWidget(self.history, 2)
        self.parking = QWidget()
        self.parking.hide()
        self.record_tab.setParent(self.parking)
        self.case_view: CaseView | None = None
        right = QWidget()
        self.right_layout = QVBoxLayout(right)
        # More room for a case: the list folds away (F8) and comes back.
        self.list_toggle = QPushButton()
        self.list_toggle.setObjectName("toggleCaseList")
        self.list_toggle.setCheckable(True)
        self.list_toggle.setShortcut(QKeySequence("F8"))
        self.list_toggle.toggled.connect(lambda hidden: self.list_side.setVisible(not hidden))
        title_row = QHBoxLayout()
        title_row.addWidget(self.list_toggle)
        title_row.addWidget(self.case_title, 1)
        title_row.addWidget(self.reveal_button)
        self.right_layout.addLayout(title_row)
        self.right_layout.addStretch(1)
        self.splitter = QSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([250, 1150])
        splitter = self.splitter
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(splitter)
        self._history_key: str | None = None

    def retranslate(self, t: Translator) -> None:
        self.banner.setText(t._("TRAINING VAULT: synthetic cases only"))
        self.cases_label.setText(t._("Cases"))
        self.case_panel.retranslate(t)
        self.open_button.setText(t._("Open &case"))
        self.open_button.setAccessibleName(t._("Open the selected case"))
        self.close_button.setText(t._("C&lose vault"))
        self.close_button.setAccessibleName(t._("Close the vault"))
        self.fields.setAccessibleName(t._("Fields of the open case"))
        self.list_toggle.setText(t._("Hide the case list (F8)"))
        self.list_toggle.setAccessibleName(t._("Hide or show the case list (F8)"))
        self.reveal_button.setText(t._("Show &identity…"))
        self.reveal_button.setAccessibleName(t._("Show the identity, with a reason"))
        self.history.setAccessibleName(t._("History of the selected field"))
        self.set_history_title(t)
        for model in (self.fields_model, self.history_model):
            model.retranslate(t)

    def set_history_title(self, t: Translator) -> None:
        if self._history_key is None:
            self.history_label.setText(t._("&History (select a field)"))
        else:
            self.history_label.setText(
                t._("&History of %(field)s") % {"field": t_label(t, self._history_key)}
            )

    def set_case_view(self, view: CaseView) -> None:
        self.clear_case_view()
        self.case_view = view
        item = self.right_layout.takeAt(1)  # the stretch shown while no case is open
        del item
        self.right_layout.insertWidget(1, view, 1)
        view.show()  # now, not at the next event loop turn (shortcuts need it visible)

    def clear_case_view(self) -> None:
        """Destroy the case view (its widgets held case data); keep the record tab."""
        view, self.case_view = self.case_view, None
        if view is None:
            return
        view.stop()
        if view.isAncestorOf(self.record_tab):
            self.record_tab.setParent(self.parking)
        view.wipe()
        self.right_layout.removeWidget(view)
        view.hide()
        view.setParent(None)
        view.deleteLater()
        self.right_layout.insertStretch(1, 1)

    def clear_case(self) -> None:
        self.clear_case_view()
        self.case_title.clear()
        self.reveal_button.setEnabled(False)
        self.fields_model.clear()
        self.history_model.clear()
        self._history_key = None


class WelcomePage(StartPage):
    """No vault on this workstation yet: set it up (a coordinator's first task)."""


class MainWindow(QMainWindow):
    language_changed = Signal(str)
    session_changed = Signal()

    def __init__(
        self,
        paths: Paths,
        language: str,
        runner: TaskRunner,
        report_bug: BugReporter,
        installation: Installation,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        print_document: Callable[[QTextDocument], None] | None = None,
        demo_accounts: list[DemoAccount] | None = None,
        make_training: Callable[[], tuple[Installation, list[DemoAccount]]] | None = None,
    ) -> None:
        super().__init__()
        self.make_training = make_training
        self.setObjectName("mainWindow")
        self.paths = paths
        self.t = translator(language)
        self.runner = runner
        self.report_bug = report_bug
        self.installation = installation
        self.print_document = print_document
        self.demo_accounts = demo_accounts or []
        self.signed_in: SignedIn | None = None
        self._username: str | None = None  # who is signed in (or locked), for unlock
        self._display_name: str | None = None
        self._state: CaseState | None = None
        self._closing = False
        self._anchor_warned = False

        self.language_label = QLabel()
        self.language_combo = QComboBox()
        self.language_combo.setObjectName("languageCombo")
        for code in LANGUAGES:
            self.language_combo.addItem(LANGUAGE_NAMES[code], code)
        self.language_combo.setCurrentIndex(LANGUAGES.index(self.t.language))
        self.language_label.setBuddy(self.language_combo)
        self.language_combo.currentIndexChanged.connect(self._on_language_index)
        self.new_case_button = QPushButton()
        self.new_case_button.setObjectName("newCase")
        self.new_case_button.clicked.connect(self.new_case)
        self.lock_button = QPushButton()
        self.lock_button.setObjectName("lockButton")
        self.lock_button.clicked.connect(self.lock)
        self.admin_button = QPushButton()
        self.admin_button.setObjectName("adminButton")
        self.admin_button.clicked.connect(self.open_admin)
        self.followups_button = QPushButton()
        self.followups_button.setObjectName("followUpsButton")
        self.followups_button.clicked.connect(self.open_followups)
        self.evidence_button = QPushButton()
        self.evidence_button.setObjectName("evidenceButton")
        self.evidence_button.clicked.connect(lambda: self.open_evidence())
        self.handovers_button = QPushButton()
        self.handovers_button.setObjectName("handoversButton")
        self.handovers_button.clicked.connect(self.open_handovers)
        self.password_button = QPushButton()
        self.password_button.setObjectName("myPassword")
        self.password_button.clicked.connect(self.change_password)
        top = QHBoxLayout()
        top.addWidget(self.new_case_button)
        top.addWidget(self.followups_button)
        top.addWidget(self.evidence_button)
        top.addWidget(self.handovers_button)
        top.addWidget(self.admin_button)
        top.addStretch(1)
        top.addWidget(self.language_label)
        top.addWidget(self.language_combo)
        top.addWidget(self.password_button)
        top.addWidget(self.lock_button)

        self.start_page = WelcomePage()
        self.signin_page = SignInPage()
        self.lock_page = LockPage()
        self.vault_page = VaultPage(self.t)
        self.admin_page = AdminPage(report_bug)
        self.admin_page.run_slow = self.runner.run
        self.admin_page.busy_changed.connect(self._admin_busy)
        self.admin_page.rotation_failed.connect(self._rotation_failed)
        self.admin_page.back_requested.connect(self._back_to_cases)
        self.admin_page.partners_requested.connect(self.open_partners)
        self.partners_dialog: PartnersDialog | None = None
        self.followups_page = FollowUpsPage(self.t)
        self.followups_page.back_requested.connect(self._back_to_cases)
        self.followups_page.case_activated.connect(self._open_from_followups)
        self.evidence_page = EvidencePage(self.t)
        self.evidence_page.describe = lambda error: describe(self.t, error)
        self.evidence_page.back_requested.connect(self._back_to_cases)
        self.evidence_page.case_activated.connect(self._open_from_followups)
        self.handovers_page = HandoversPage(self.t)
        self.handovers_page.describe = lambda error: describe(self.t, error)
        self.stack = QStackedWidget()
        for page in (
            self.start_page,
            self.signin_page,
            self.lock_page,
            self.vault_page,
            self.admin_page,
            self.followups_page,
            self.evidence_page,
            self.handovers_page,
        ):
            self.stack.addWidget(page)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(self.stack)
        self.setCentralWidget(central)
        self.who_label = QLabel()
        self.who_label.setObjectName("signedInLabel")
        self.statusBar().addPermanentWidget(self.who_label)

        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.lock_action = QAction(self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        self.addActions([self.quit_action, self.lock_action])
        # Copying case text: out of clipboard history, cleared after 30 s and at lock.
        self.copy_action = QAction(self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_action.triggered.connect(self.copy_selected_value)
        self.vault_page.fields.addAction(self.copy_action)

        self.start_page.setup_button.clicked.connect(self.open_setup)
        self.start_page.training_button.clicked.connect(self.open_training)
        self.start_page.training_button.setVisible(make_training is not None)
        self.start_page.training_note.setVisible(make_training is not None)
        self.start_page.quit_button.clicked.connect(self.close)
        self.signin_page.sign_in_requested.connect(self.sign_in)
        self.signin_page.recovery_requested.connect(self.use_recovery_code)
        self.lock_page.unlock_requested.connect(self.unlock)
        self.lock_page.switch_requested.connect(self.switch_user)
        self.vault_page.open_button.clicked.connect(self.open_selected_case)
        self.vault_page.reveal_button.clicked.connect(self.reveal_identity)
        self.vault_page.case_panel.case_activated.connect(self._open_case)
        self.vault_page.case_panel.failed.connect(self._show_error)
        self.vault_page.close_button.clicked.connect(self.lock)
        self.vault_page.fields.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._show_history(current)
        )

        self.checkpoint_timer = QTimer(self)
        self.checkpoint_timer.setInterval(CHECKPOINT_MS)
        self.checkpoint_timer.timeout.connect(self._checkpoint)
        self.idle = IdleWatcher(DEFAULT_LOCK_MINUTES * 60, monotonic, parent=self)
        self.idle.idle.connect(self.lock)
        self.os_lock = OsLockWatcher(self)
        self.os_lock.lock_requested.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)

        self.resize(1280, 800)
        self.retranslate()
        self.show_start()

    # -- pages ------------------------------------------------------------------------
    def show_start(self) -> None:
        if self.installation.exists():
            self._show_sign_in()
        else:
            self.stack.setCurrentWidget(self.start_page)
        self._update_chrome()

    def _show_sign_in(self, username: str | None = None) -> None:
        try:
            entries = self.installation.directory()
        except SlotError as exc:
            entries = []
            self.signin_page.message.setText(self._slot_message(exc))
        self.signin_page.set_accounts(entries, self.t)
        self.signin_page.password.clear()
        self._show_training_accounts()
        self.stack.setCurrentWidget(self.signin_page)
        if username:
            self.signin_page.select(username)
        else:
            self.signin_page.account.setFocus()
        self._update_chrome()

    def _show_training_accounts(self) -> None:
        if not self.demo_accounts:
            return
        lines = [self.t._("Training vault: synthetic cases. Demo sign-ins:")]
        lines += [f"{a.username}  /  {a.password}" for a in self.demo_accounts]
        self.signin_page.training_note.setText("\n".join(lines))
        self.signin_page.training_note.show()

    def _update_chrome(self) -> None:
        signed = self.signed_in is not None
        self.new_case_button.setVisible(signed)
        self.followups_button.setVisible(
            bool(self.signed_in and allowed(Role(self.signed_in.account.role), Area.CASE, Op.READ))
        )
        role = Role(self.signed_in.account.role) if self.signed_in else None
        self.evidence_button.setVisible(role is not None and allowed(role, Area.CUSTODY, Op.READ))
        self.handovers_button.setVisible(role is not None and allowed(role, Area.RECEIPT, Op.WRITE))
        self.lock_button.setVisible(signed)
        self.password_button.setVisible(signed)
        self.admin_button.setVisible(
            bool(self.signed_in and self.signed_in.account.role == Role.COORDINATOR.value)
        )
        training = bool(signed and self.signed_in and self.signed_in.session.info.training)
        title = self.t._("SAC Desktop")
        if training or self.demo_accounts:
            title = self.t._("SAC Desktop: TRAINING")
        self.setWindowTitle(title)
        if signed and self.signed_in is not None:
            account = self.signed_in.account
            self.who_label.setText(
                self.t._("Signed in: %(name)s (%(role)s)")
                % {"name": account.display_name, "role": role_label(self.t, account.role)}
            )
            can_write = allowed(Role(account.role), Area.CASE, Op.WRITE)
            self.new_case_button.setEnabled(can_write)
        else:
            self.who_label.clear()

    # -- language ---------------------------------------------------------------------
    def retranslate(self) -> None:
        t = self.t
        self.language_label.setText(t._("&Language:"))
        self.language_combo.setAccessibleName(t._("Interface language"))
        self.quit_action.setText(t._("Quit"))
        self.lock_action.setText(t._("Lock"))
        self.new_case_button.setText(t._("&New case"))
        self.new_case_button.setAccessibleName(t._("New case"))
        self.followups_button.setText(t._("Follow-&ups"))
        self.followups_button.setAccessibleName(t._("Follow-ups of every case"))
        self.followups_page.retranslate(t)
        self.evidence_button.setText(t._("Evidence"))
        self.evidence_button.setAccessibleName(t._("Evidence kept by the centre"))
        self.evidence_page.retranslate(t)
        self.handovers_button.setText(t._("Evidence &handed to me"))
        self.handovers_page.retranslate(t)
        self.admin_button.setText(t._("A&dministration"))
        self.admin_button.setAccessibleName(t._("Administration"))
        self.admin_page.retranslate(t)
        self.password_button.setText(t._("My pass&word…"))
        self.password_button.setAccessibleName(t._("Change my password"))
        self.copy_action.setText(t._("Copy"))
        self.lock_button.setText(t._("Loc&k"))
        self.lock_button.setAccessibleName(t._("Lock the screen"))
        self.lock_button.setToolTip(t._("Lock now (Ctrl+L)"))
        self.start_page.retranslate(t)
        self.signin_page.retranslate(t)
        self.lock_page.retranslate(t)
        self.vault_page.retranslate(t)
        if self.vault_page.case_view is not None:
            self.vault_page.case_view.retranslate(t)
        self.vault_page.close_button.setText(t._("Lock"))  # Alt+K is the other one
        self.vault_page.close_button.setAccessibleName(t._("Lock the screen"))
        self._show_training_accounts()
        self._update_chrome()
        if self.signed_in is not None:
            self._update_titles()

    def _on_language_index(self, index: int) -> None:
        code = self.language_combo.itemData(index)
        if isinstance(code, str) and code != self.t.language:
            self.set_language(code)

    def set_language(self, code: str) -> None:
        self.t = translator(code)
        if self.language_combo.currentData() != code:
            self.language_combo.setCurrentIndex(LANGUAGES.index(self.t.language))
        self.retranslate()
        self.language_changed.emit(self.t.language)

    # -- setup ------------------------------------------------------------------------
    def open_setup(self) -> SetupDialog:
        def run(request: SetupRequest, done: Callable[..., None]) -> None:
            self.runner.run(lambda: self.installation.setup(request), done)

        dialog = SetupDialog(
            self.t, run, disk_encryption(self.paths.data), self.print_document, self
        )
        dialog.completed.connect(lambda _result: self._show_sign_in(dialog.username.text().strip()))
        dialog.open()
        return dialog

    def open_training(self) -> None:
        """A throwaway training vault: from now on this window signs in to that one."""
        if self.make_training is None:
            return
        self.start_page.training_button.setEnabled(False)
        self.statusBar().showMessage(self.t._("Preparing the training vault…"))
        self.runner.run(self.make_training, self._on_training_ready)

    def _on_training_ready(
        self, made: tuple[Installation, list[DemoAccount]] | None, error: BaseException | None
    ) -> None:
        self.start_page.training_button.setEnabled(True)
        self.statusBar().clearMessage()
        if error is not None or made is None:
            self._show_error(error or RuntimeError("training vault"))
            return
        self.installation, self.demo_accounts = made
        self._show_sign_in()

    # -- sign-in, lock ----------------------------------------------------------------
    def sign_in(self, name: str, password: str) -> None:
        self.signin_page.set_busy(True)
        self.signin_page.password.clear()
        self.runner.run(
            lambda: self.installation.sign_in(name, password),
            lambda result, error: self._on_signed_in(result, error, self.signin_page),
        )

    def unlock(self, password: str) -> None:
        if not self._username:
            self.switch_user()
            return
        name = self._username
        self.lock_page.set_busy(True)
        self.lock_page.password.clear()
        self.runner.run(
            lambda: self.installation.sign_in(name, password),
            lambda result, error: self._on_signed_in(result, error, self.lock_page),
        )

    def _on_signed_in(
        self, signed: SignedIn | None, error: BaseException | None, page: SignInPage | LockPage
    ) -> None:
        page.set_busy(False)
        if error is not None:
            if isinstance(error, DeviceSecretMissing):
                if page is self.lock_page:  # the recovery box lives on the sign-in page
                    self._show_sign_in(self._username)
                    page = self.signin_page
                self.signin_page.recovery_box.show()
                self.signin_page.recovery.setFocus()
            page.message.setText(self._sign_in_message(error))
            if not _is_expected(error):
                self.report_bug(error)
            return
        assert signed is not None
        if self._closing:
            signed.session.close(Action.SIGN_OUT)
            return
        self.signed_in = signed
        self._username = signed.account.username
        session = signed.session
        try:
            # Drafts left by a crash or a power cut are recorded now, so the case list's
            # deadlines and every colleague's view include them.
            session.record.commit_all_drafts()
        except VaultError as exc:
            self._show_error(exc)
        self._anchor_warned = session.anchor_finding is not None
        self.vault_page.banner.setVisible(session.info.training)
        self._reload_cases()
        self.stack.setCurrentWidget(self.vault_page)
        self.vault_page.cases.setFocus()
        if allowed(session.actor.role, Area.RECEIPT, Op.WRITE):
            self.open_handovers()  # a police inspector: their handovers, nothing else
        if self.vault_page.case_model.rowCount() > 0:
            self.vault_page.cases.selectRow(0)
        self.checkpoint_timer.start()
        self.idle.timeout_s = session.lock_timeout_minutes() * 60
        self.idle.start()
        self._update_chrome()
        self._update_titles()
        self.session_changed.emit()
        if session.anchor_finding is not None:
            self._show_error(AnchorMismatch(session.anchor_finding.problem.value))
        for notice in signed.notices:
            self._show_notice(notice)
        if signed.notices:
            mark_notices_seen(signed)
        if signed.account.role == Role.COORDINATOR.value and session.protocols.refused:
            self._show_refused_protocols(session)
        if signed.account.role == Role.COORDINATOR.value:
            jumps = AccountAdmin(self.installation, signed).new_clock_jumps()
            if jumps:
                self._warning(
                    "clockJumpBox",
                    self.t._(
                        "The system clock moved backwards %(n)d time(s); the last time at "
                        "%(when)s UTC."
                    )
                    % {"n": len(jumps), "when": jumps[0][0][:19].replace("T", " ")},
                    self.t._(
                        "Times recorded around then may be wrong. Check the computer's clock."
                    ),
                )

    def _warning(self, name: str, text: str, informative: str, detail: str = "") -> None:
        """A calm warning that does not block the window (it opens, it does not wait)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.t._("SAC Desktop"),
            text,
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName(name)
        box.setInformativeText(informative)
        if detail:
            box.setDetailedText(detail)
        box.open()

    def _show_refused_protocols(self, session: Session) -> None:
        """A centre's protocol file that cannot be used: the coordinator is told which
        and why (the line); new cases go on under the newest valid version."""
        self._warning(
            "protocolRefusedBox",
            self.t._(
                "A clinical protocol file beside the vault was not used: it has a problem. "
                "New cases use version %(version)s."
            )
            % {"version": session.protocols.current().key},
            self.t._("Have the file corrected and checked by the centre's physician."),
            "\n".join(str(error) for _name, error in session.protocols.refused),
        )

    def _show_notice(self, notice: tuple[int, str, str | None, str | None, str]) -> None:
        _notice_id, kind, subject, reason, _when = notice
        names = self.session.record.staff_names() if self.session is not None else {}
        who = names.get(subject or "", "?")
        text = {
            "psychologist_created": self.t._("A psychologist account was created: %(name)s."),
            "psychologist_reset": self.t._(
                "The password of a psychologist account was reset: %(name)s."
            ),
            "psychologist_left": self.t._(
                "An account is no longer a psychologist account: %(name)s."
            ),
        }.get(kind, kind) % {"name": who}
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.t._("SAC Desktop"),
            text,
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("noticeBox")
        if reason:
            box.setInformativeText(self.t._("Reason given: %(reason)s") % {"reason": reason})
        box.open()

    def use_recovery_code(self, text: str) -> None:
        try:
            code = parse_recovery_code(text)
        except InvalidRecoveryCode:
            self.signin_page.message.setText(
                self.t._("That recovery code is not valid: check each group of four characters.")
            )
            return
        self.signin_page.set_busy(True)
        self.runner.run(lambda: self.installation.recover_device_secret(code), self._on_recovered)

    def _on_recovered(self, _result: object, error: BaseException | None) -> None:
        self.signin_page.set_busy(False)
        if error is not None:
            self.signin_page.message.setText(self._sign_in_message(error))
            return
        self.signin_page.recovery_box.hide()
        self.signin_page.recovery.clear()
        self.signin_page.message.setText(
            self.t._("This workstation's key was restored. Sign in with your password.")
        )

    def lock(self) -> None:
        """Save drafts, close the vault, forget every case on screen, clear the clipboard."""
        if self.signed_in is None:
            return
        self._end_session(Action.LOCK)
        self.lock_page.show_for(self._display_name or "", self.t)
        self.stack.setCurrentWidget(self.lock_page)
        self._update_chrome()

    def switch_user(self) -> None:
        self.lock_page.password.clear()
        if self.signed_in is not None:
            self._end_session(Action.SIGN_OUT)
        self._username = None
        self._display_name = None
        self._show_sign_in()

    def _end_session(self, action: Action) -> None:
        signed, self.signed_in = self.signed_in, None
        self._display_name = signed.account.display_name if signed else None
        self.checkpoint_timer.stop()
        self.idle.stop()
        self._state = None
        if self.vault_page.case_view is not None:
            self.vault_page.case_view.flush()  # the session commits every draft as it closes
        self.vault_page.clear_case()
        self.vault_page.case_panel.set_source(None)
        self.admin_page.clear()
        self.followups_page.clear()
        self.evidence_page.clear()
        self.handovers_page.clear()
        for widget in QApplication.topLevelWidgets():
            if widget is not self and widget.isWindow() and widget.isVisible():
                widget.close()  # secondary windows and dialogs may show case data
        clear_clipboard()
        if signed is not None:
            try:
                signed.session.close(action)
            except AnchorMismatch:
                pass  # already shown; the vault is closed all the same
            except VaultError as exc:
                self._show_error(exc)
            except Exception as exc:  # a bug: reported, and the screen is locked all the same
                self.report_bug(exc)
        self.session_changed.emit()

    def change_password(self) -> ChangePasswordDialog | None:
        if self.signed_in is None:
            return None
        signed = self.signed_in
        dialog = ChangePasswordDialog(
            self.t,
            lambda current, new: self.installation.change_own_password(signed, current, new),
            self,
        )
        dialog.open()
        return dialog

    def copy_selected_value(self) -> None:
        view = self.vault_page.fields
        index = view.currentIndex()
        if self._state is None or not index.isValid():
            return
        model = self.vault_page.fields_model
        value = model.data(model.index(index.row(), FieldsModel.COL_VALUE))
        if value:
            copy_sensitive(str(value))

    # -- administration ---------------------------------------------------------------
    def open_admin(self) -> None:
        if self.signed_in is None:
            return
        session = self.signed_in.session
        try:
            self.admin_page.load(
                AccountAdmin(self.installation, self.signed_in),
                self.t,
                session.info.centre,
                session.info.workstation,
                session.lock_timeout_minutes(),
            )
        except (Forbidden, VaultError) as exc:
            self._show_error(exc)
            return
        self.stack.setCurrentWidget(self.admin_page)

    def open_partners(self) -> None:
        """The centre's partner directory (the coordinator's; the service checks)."""
        if self.signed_in is None:
            return
        self.partners_dialog = PartnersDialog(
            self.t,
            self.signed_in.session.aftercare,
            lambda error: describe(self.t, error),
            is_expected,
            self,
        )
        self.partners_dialog.open()

    def open_followups(self) -> None:
        """The morning round over every case (list rows: not case reads)."""
        if self.session is None:
            return
        session = self.session
        try:
            self.followups_page.load(
                session.checklist, session.record.clock.now_utc(), session.protocols.current()
            )
        except (Forbidden, VaultError) as exc:
            self._show_error(exc)
            return
        self.stack.setCurrentWidget(self.followups_page)

    def open_evidence(self, today: date | None = None) -> None:
        """Evidence across all cases: kept, due within 30 days, past, unconfirmed."""
        if self.session is None:
            return
        try:
            self.evidence_page.load(self.session.evidence, today)
        except (Forbidden, VaultError) as exc:
            self._show_error(exc)
            return
        self.stack.setCurrentWidget(self.evidence_page)

    def open_handovers(self) -> None:
        """A police inspector's own handovers (never a case)."""
        if self.session is None:
            return
        try:
            self.handovers_page.load(self.session.evidence)
        except (Forbidden, VaultError) as exc:
            self._show_error(exc)
            return
        self.stack.setCurrentWidget(self.handovers_page)

    def _open_from_followups(self, case_id: str) -> None:
        self.stack.setCurrentWidget(self.vault_page)
        self._open_case(case_id)

    def _admin_busy(self, busy: bool) -> None:
        """While the vault is re-encrypted: no idle lock, no checkpoint, no other action."""
        for widget in (self.lock_button, self.new_case_button, self.password_button):
            widget.setEnabled(not busy)
        self.lock_action.setEnabled(not busy)
        if busy:
            self.idle.stop()
            self.checkpoint_timer.stop()
        elif self.signed_in is not None:
            self.idle.start()
            self.checkpoint_timer.start()

    def _rotation_failed(self, text: str) -> None:
        """The vault may be closed mid-rotation: sign in again (that finishes it)."""
        self.switch_user()
        self.signin_page.message.setText(
            text + " " + self.t._("Sign in again: the change of key is finished then.")
        )

    def _back_to_cases(self) -> None:
        if self.session is not None:
            self.idle.timeout_s = self.session.lock_timeout_minutes() * 60
        self.admin_page.clear()
        self._reload_cases()
        self.stack.setCurrentWidget(self.vault_page)

    # -- cases ------------------------------------------------------------------------
    @property
    def session(self) -> Session | None:
        return None if self.signed_in is None else self.signed_in.session

    def _reload_cases(self) -> None:
        if self.session is not None:
            readable = allowed(self.session.actor.role, Area.CASE, Op.READ)
            self.vault_page.case_model.now = self.session.record.clock.now_utc
            self.vault_page.case_model.protocols = self.session.protocols
            self.vault_page.case_panel.set_source(self.session.case_list if readable else None)

    def new_case(self) -> None:
        if self.session is None:
            return
        try:
            case_id, _number = self.session.record.create_case()
        except (VaultError, Forbidden) as exc:
            self._show_error(exc)
            return
        self.vault_page.case_panel.refresh()
        self._open_case(case_id)

    def open_selected_case(self) -> None:
        if self.session is None:
            return
        case_id = self.vault_page.case_panel.current_case_id()
        if case_id is not None:
            self._open_case(case_id)

    def _open_case(self, case_id: str) -> None:
        assert self.session is not None
        if self.vault_page.case_view is not None:
            # Leaving a case (or opening it again): its drafts are recorded first, so the
            # view opened next shows them.
            self.vault_page.case_view.commit_all()
        try:
            state = self.session.record.open_case(case_id)
        except (VaultError, Forbidden) as exc:
            self._show_error(exc)
            return
        self._state = state
        self._show_fields(state)
        # The old view goes first: it hands the shared record tab back before the new
        # view takes it (the other way round, the new view lost its Record tab).
        self.vault_page.clear_case_view()
        view = CaseView(
            self.t,
            self.session.record,
            state,
            self.vault_page.record_tab,
            self._show_error,
            lambda error: describe(self.t, error),
            is_expected,
            self.session.checklist,
            self.session.injuries,
            self.session.photos,
            self.runner,
            self.session.evidence,
            self.session.psychology,
            self.session.aftercare,
            self.session.documents,
        )
        view.record_changed.connect(self._case_written)
        self.vault_page.set_case_view(view)
        view.show_consents(self.session.record.staff_names())
        self._update_titles()
        if view.can_write:
            view.form.steps_list.setFocus()
        else:
            self.vault_page.fields.setFocus()

    def _case_written(self) -> None:
        view = self.vault_page.case_view
        if view is None or self.session is None:
            return
        self._state = view.state
        self._show_fields(view.state)
        view.show_consents(self.session.record.staff_names())
        self.vault_page.case_panel.refresh()

    def _show_fields(self, state: CaseState) -> None:
        assert self.session is not None
        rows = sorted(state.fields.items())
        names = self.session.record.staff_names()
        self.vault_page.fields_model.set_names(names)
        self.vault_page.history_model.set_names(names)
        self.vault_page.fields_model.set_rows(rows)
        self.vault_page.reveal_button.setEnabled(
            any(v.hidden and k.startswith("identity.") for k, v in state.fields.items())
        )
        self.vault_page.history_model.clear()
        self.vault_page._history_key = None
        if rows:
            self.vault_page.fields.selectRow(0)

    def reveal_identity(self) -> None:
        """Identity in the clear, for this view only, with a reason for the audit trail."""
        if self.session is None or self._state is None:
            return
        reason, ok = QInputDialog.getText(
            self,
            self.t._("Show identity"),
            self.t._("Why is the identity needed? (recorded in the audit trail)"),
        )
        if not ok:
            return
        try:
            state = self.session.record.reveal_identity(self._state.case_id, reason)
        except ReasonRequired:
            self._show_error(VaultError("reason"), text=self.t._("A reason is needed."))
            return
        except (VaultError, Forbidden) as exc:
            self._show_error(exc)
            return
        self._state = state
        self.vault_page.fields_model.set_rows(sorted(state.fields.items()))
        self.vault_page.reveal_button.setEnabled(False)

    def _show_history(self, current: object) -> None:
        index = self.vault_page.fields_model.index(getattr(current, "row", lambda: -1)(), 0)
        if self._state is None or self.session is None or not index.isValid():
            return
        key = self.vault_page.fields_model.data(index, FIELD_KEY_ROLE)
        versions = self.session.record.field_history(self._state, key)
        self.vault_page._history_key = key
        self.vault_page.history_model.set_rows([(key, v) for v in versions])
        self.vault_page.set_history_title(self.t)

    def _update_titles(self) -> None:
        state = self._state
        if state is None:
            self.vault_page.case_title.setText(self.t._("Open a case to see its record."))
        else:
            self.vault_page.case_title.setText(
                self.t._("Case %(number)s") % {"number": state.case_number or "?"}
            )

    def _checkpoint(self) -> None:
        if self.session is not None:
            try:
                self.session.checkpoint()
            except AnchorMismatch as exc:
                if not self._anchor_warned:  # once per session: it was shown at open
                    self._anchor_warned = True
                    self._show_error(exc)
            except VaultError as exc:
                self._show_error(exc)

    # -- messages ---------------------------------------------------------------------
    def _sign_in_message(self, error: BaseException) -> str:
        return describe(self.t, error)

    def _slot_message(self, error: BaseException) -> str:
        return describe(self.t, error)

    def _show_error(self, error: BaseException, text: str | None = None) -> None:
        if text is not None:
            box = QMessageBox(
                QMessageBox.Icon.Information,
                self.t._("SAC Desktop"),
                text,
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.open()
        elif isinstance(error, Forbidden):
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                self.t._("SAC Desktop"),
                self.t._("Your role does not allow this."),
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.setObjectName("forbiddenBox")
            box.open()
        elif isinstance(error, VaultError):
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                self.t._("SAC Desktop"),
                self.t._(error.message),
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.setInformativeText(self.t._(error.hint))
            if error.detail:  # technical, case-free (damaged pages, versions)
                box.setDetailedText(error.detail)
            box.setObjectName("vaultErrorBox")
            box.open()
        elif _is_expected(error):  # a calm sentence, never the crash dialog
            self._show_error(error, describe(self.t, error))
        else:
            self.report_bug(error)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        if self.signed_in is not None:
            self._end_session(Action.SIGN_OUT)
        super().closeEvent(event)

    # Kept for callers that close the vault explicitly (app exit).
    def close_vault(self) -> None:
        if self.signed_in is not None:
            self._end_session(Action.SIGN_OUT)


def _is_expected(error: BaseException) -> bool:
    return is_expected(error)
