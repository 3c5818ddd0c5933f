"""The main window: a start screen, and the case list of an open vault."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.i18n import LANGUAGE_NAMES, LANGUAGES, Translator, translator
from sac_desktop.paths import Paths
from sac_desktop.services.demo import open_demo
from sac_desktop.services.errors import AnchorMismatch, VaultError
from sac_desktop.services.session import HeadAnchor, Session, default_anchors
from sac_desktop.ui.models import (
    CASE_ID_ROLE,
    FIELD_KEY_ROLE,
    CaseListModel,
    FieldsModel,
    HistoryModel,
    t_label,
)
from sac_desktop.ui.tasks import TaskRunner

CHECKPOINT_MS = 60_000
BugReporter = Callable[[BaseException], None]


def _table(name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class StartPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.title = QLabel()
        self.title.setObjectName("startTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.demo_button = QPushButton()
        self.demo_button.setObjectName("openDemo")
        self.demo_button.setDefault(True)
        self.setup_note = QLabel()
        self.setup_note.setWordWrap(True)
        self.quit_button = QPushButton()
        self.quit_button.setObjectName("quit")
        column = QWidget()
        column.setMaximumWidth(760)
        layout = QVBoxLayout(column)
        layout.setSpacing(14)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(self.demo_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.setup_note)
        layout.addSpacing(12)
        layout.addWidget(self.quit_button, 0, Qt.AlignmentFlag.AlignLeft)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(column, 4)
        centred.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(centred)
        outer.addStretch(2)

    def retranslate(self, t: Translator) -> None:
        self.title.setText(t._("SAC Desktop"))
        self.intro.setText(
            t._(
                "Care records for the Sexual Assault Centres: intake, consent, medical care, "
                "injuries, evidence and aftercare, kept encrypted on this workstation."
            )
        )
        self.demo_button.setText(t._("&Open the demo vault (synthetic cases)"))
        self.demo_button.setAccessibleName(t._("Open the demo vault"))
        self.demo_button.setToolTip(
            t._("A training vault with invented cases; never for real data.")
        )
        self.setup_note.setText(
            t._(
                "Setting up this workstation for real cases (centre, staff accounts, recovery "
                "code) is done by the coordinator at first run."
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
        self.cases = _table("caseList")
        self.case_model = CaseListModel(t)
        self.cases.setModel(self.case_model)
        self.cases_label.setBuddy(self.cases)
        self.open_button = QPushButton()
        self.open_button.setObjectName("openCase")
        self.close_button = QPushButton()
        self.close_button.setObjectName("closeVault")
        self.case_title = QLabel()
        self.case_title.setObjectName("caseTitle")
        self.fields = _table("caseFields")
        self.fields_model = FieldsModel(t)
        self.fields.setModel(self.fields_model)
        self.history_label = QLabel()
        self.history = _table("fieldHistory")
        self.history_model = HistoryModel(t)
        self.history.setModel(self.history_model)
        self.history.hideColumn(HistoryModel.COL_FIELD)  # the label above names the field
        self.history_label.setBuddy(self.history)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.cases_label)
        left_layout.addWidget(self.cases)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        left_layout.addLayout(row)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.case_title)
        right_layout.addWidget(self.fields, 3)
        right_layout.addWidget(self.history_label)
        right_layout.addWidget(self.history, 2)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([480, 720])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(splitter)
        self._history_key: str | None = None

    def retranslate(self, t: Translator) -> None:
        self.banner.setText(t._("TRAINING VAULT: synthetic cases only"))
        self.cases_label.setText(t._("&Cases"))
        self.cases.setAccessibleName(t._("Case list"))
        self.open_button.setText(t._("Open &case"))
        self.open_button.setAccessibleName(t._("Open the selected case"))
        self.close_button.setText(t._("C&lose vault"))
        self.close_button.setAccessibleName(t._("Close the vault"))
        self.fields.setAccessibleName(t._("Fields of the open case"))
        self.history.setAccessibleName(t._("History of the selected field"))
        self.set_history_title(t)
        for model in (self.case_model, self.fields_model, self.history_model):
            model.retranslate(t)

    def set_history_title(self, t: Translator) -> None:
        if self._history_key is None:
            self.history_label.setText(t._("&History (select a field)"))
        else:
            self.history_label.setText(
                t._("&History of %(field)s") % {"field": t_label(t, self._history_key)}
            )

    def clear_case(self) -> None:
        self.case_title.clear()
        self.fields_model.clear()
        self.history_model.clear()
        self._history_key = None


class MainWindow(QMainWindow):
    language_changed = Signal(str)
    session_changed = Signal()

    def __init__(
        self,
        paths: Paths,
        language: str,
        runner: TaskRunner,
        report_bug: BugReporter,
        anchors: list[HeadAnchor] | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.paths = paths
        self.t = translator(language)
        self.runner = runner
        self.report_bug = report_bug
        self.anchors: list[HeadAnchor] = anchors or default_anchors(paths)
        self.session: Session | None = None
        self._state = None
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
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.language_label)
        top.addWidget(self.language_combo)

        self.start_page = StartPage()
        self.vault_page = VaultPage(self.t)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.start_page)
        self.stack.addWidget(self.vault_page)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(self.stack)
        self.setCentralWidget(central)

        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.addAction(self.quit_action)
        self.start_page.demo_button.clicked.connect(self.open_demo_vault)
        self.start_page.quit_button.clicked.connect(self.close)
        self.vault_page.open_button.clicked.connect(self.open_selected_case)
        self.vault_page.cases.activated.connect(lambda _index: self.open_selected_case())
        self.vault_page.close_button.clicked.connect(self.close_vault)
        self.vault_page.fields.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._show_history(current)
        )

        self.checkpoint_timer = QTimer(self)
        self.checkpoint_timer.setInterval(CHECKPOINT_MS)
        self.checkpoint_timer.timeout.connect(self._checkpoint)

        self.resize(1100, 700)
        self.retranslate()

    # -- language ---------------------------------------------------------------------
    def retranslate(self) -> None:
        t = self.t
        self.setWindowTitle(t._("SAC Desktop"))
        self.language_label.setText(t._("&Language:"))
        self.language_combo.setAccessibleName(t._("Interface language"))
        self.quit_action.setText(t._("Quit"))
        self.start_page.retranslate(t)
        self.vault_page.retranslate(t)
        if self.session is not None:
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

    # -- vault ------------------------------------------------------------------------
    def open_demo_vault(self) -> None:
        if self.session is not None:
            return
        self.start_page.demo_button.setEnabled(False)
        self.statusBar().showMessage(self.t._("Opening the demo vault…"))
        demo_dir, anchors = self.paths.demo_dir, list(self.anchors)
        self.runner.run(lambda: open_demo(demo_dir, anchors), self._on_session_opened)

    def _on_session_opened(self, session: Session | None, error: BaseException | None) -> None:
        self.start_page.demo_button.setEnabled(True)
        self.statusBar().clearMessage()
        if error is not None:
            self._show_error(error)
            return
        assert session is not None
        if self._closing:  # the window closed while the vault was opening
            session.close()
            return
        self.session = session
        self._anchor_warned = session.anchor_finding is not None
        if session.anchor_finding is not None:
            self._show_error(AnchorMismatch(session.anchor_finding.problem.value))
        self.vault_page.banner.setVisible(session.info.training)
        self._reload_cases()
        self.stack.setCurrentWidget(self.vault_page)
        self.vault_page.cases.setFocus()
        if self.vault_page.case_model.rowCount() > 0:
            self.vault_page.cases.selectRow(0)
        self.checkpoint_timer.start()
        self._update_titles()
        self.session_changed.emit()

    def _reload_cases(self) -> None:
        if self.session is not None:
            self.vault_page.case_model.set_rows(self.session.record.list_cases())

    def open_selected_case(self) -> None:
        if self.session is None:
            return
        index = self.vault_page.cases.currentIndex()
        if not index.isValid():
            return
        case_id = self.vault_page.case_model.data(index, CASE_ID_ROLE)
        try:
            state = self.session.record.open_case(case_id)
        except VaultError as exc:
            self._show_error(exc)
            return
        self._state = state
        rows = sorted(state.fields.items())
        self.vault_page.fields_model.set_rows(rows)
        self.vault_page.history_model.clear()
        self.vault_page._history_key = None
        self._update_titles()
        self.vault_page.fields.setFocus()
        if rows:
            self.vault_page.fields.selectRow(0)

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

    def close_vault(self) -> None:
        """Commit drafts, anchor the audit head, close the database, forget what was shown."""
        self.checkpoint_timer.stop()
        session, self.session, self._state = self.session, None, None
        self.vault_page.clear_case()
        self.vault_page.case_model.clear()
        self.stack.setCurrentWidget(self.start_page)
        if session is not None:
            try:
                session.close()
            except AnchorMismatch:
                pass  # already shown; the vault is closed all the same
            except VaultError as exc:
                self._show_error(exc)
        self.session_changed.emit()

    # -- errors -----------------------------------------------------------------------
    def _show_error(self, error: BaseException) -> None:
        if isinstance(error, VaultError):
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
        else:
            self.report_bug(error)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self.close_vault()
        super().closeEvent(event)


__all__ = ["MainWindow", "Path"]
