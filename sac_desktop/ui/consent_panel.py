"""Consent and refusal, item by item: the list of items and a dialog to record one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain.consent import (
    CONSENT_ITEMS,
    DECISION_LABELS,
    GIVEN_BY_LABELS,
    ConsentRecord,
    Decision,
    GivenBy,
    item_text,
)
from sac_desktop.i18n import N_, Translator
from sac_desktop.ui.layout import (
    attempt,
    buddied_rows,
    message_label,
    named_button,
    read_only_table,
    reraise,
)
from sac_desktop.ui.models import Index, _TableModel, local_time


class ConsentModel(_TableModel):
    COL_ITEM, COL_DECISION, COL_BY, COL_WHEN, COL_RECORDED = range(5)
    HEADERS = (N_("Consent for"), N_("Decision"), N_("Decided by"), N_("When"), N_("Recorded by"))

    def __init__(self, t: Translator) -> None:
        super().__init__(t)
        self.current: dict[str, ConsentRecord] = {}
        self.names: dict[str, str] = {}
        self.set_rows(list(CONSENT_ITEMS))

    def set_consents(self, current: Mapping[str, ConsentRecord], names: dict[str, str]) -> None:
        self.beginResetModel()
        self.current = dict(current)
        self.names = names
        self.endResetModel()

    def item_at(self, row: int) -> str:
        item: str = self._rows[row]
        return item

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self.item_at(index.row())
        record = self.current.get(item)
        column = index.column()
        if role == Qt.ItemDataRole.UserRole:
            return item
        if role == Qt.ItemDataRole.ToolTipRole and record is not None and record.explained:
            return self.t._("Explained: %(text)s") % {"text": record.explained}
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == self.COL_ITEM:
            return item_text(self.t._, item)
        if record is None:
            return self.t._("not asked yet") if column == self.COL_DECISION else ""
        if column == self.COL_DECISION:
            text = self.t._(DECISION_LABELS[record.decision])
            if record.interpreter:
                text += " " + self.t._("(through an interpreter)")
            return text
        if column == self.COL_BY:
            if record.given_by is GivenBy.PROXY:
                return f"{record.proxy_name} ({record.proxy_relation})"
            return self.t._(GIVEN_BY_LABELS[record.given_by])
        if column == self.COL_WHEN:
            return record.at_local
        if column == self.COL_RECORDED:
            who = self.names.get(record.author, record.author)
            if record.recorded_utc is None:
                return who
            return f"{who}, {local_time(self.t, record.recorded_utc)}"
        return None


class ConsentDialog(QDialog):
    """Record one decision. ``submit`` raises to refuse (its message is shown here)."""

    def __init__(
        self,
        t: Translator,
        item: str,
        now_local: str,
        submit: Callable[[dict[str, Any]], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.expected = expected
        self.setObjectName("consentDialog")
        self.t = t
        self.submit = submit
        self.describe = describe
        self.setWindowTitle(t._("Record a consent decision"))
        self.item = QComboBox()
        self.item.setObjectName("consentItem")
        for code in CONSENT_ITEMS:
            self.item.addItem(item_text(t._, code), code)
        self.item.setCurrentIndex(max(0, self.item.findData(item)))
        self.decision = QComboBox()
        self.decision.setObjectName("consentDecision")
        self.decision.addItem(t._("— choose —"), None)  # never "given" by default
        for decision in Decision:
            self.decision.addItem(t._(DECISION_LABELS[decision]), decision.value)
        self.given_by = QComboBox()
        self.given_by.setObjectName("consentGivenBy")
        for who in GivenBy:
            self.given_by.addItem(t._(GIVEN_BY_LABELS[who]), who.value)
        self.proxy_name = QLineEdit()
        self.proxy_name.setObjectName("consentProxyName")
        self.proxy_relation = QLineEdit()
        self.proxy_relation.setObjectName("consentProxyRelation")
        self.minor_reason = QLineEdit()
        self.minor_reason.setObjectName("consentMinorReason")
        self.interpreter = QCheckBox(t._("Through an &interpreter"))
        self.interpreter.setObjectName("consentInterpreter")
        self.interpreter_name = QLineEdit()
        self.interpreter_name.setObjectName("consentInterpreterName")
        self.at_local = QLineEdit(now_local)
        self.at_local.setObjectName("consentAt")
        self.explained = QPlainTextEdit()
        self.explained.setObjectName("consentExplained")
        self.explained.setTabChangesFocus(True)
        self.explained.setMaximumHeight(80)
        self.message = message_label("consentMessage")
        form = QFormLayout()
        rows: list[tuple[str, QWidget]] = [
            (t._("Consent &for:"), self.item),
            (t._("&Decision:"), self.decision),
            (t._("Decided &by:"), self.given_by),
            (t._("Proxy's &name:"), self.proxy_name),
            (t._("Proxy's &relation:"), self.proxy_relation),
            (t._("Why the minor decides &alone:"), self.minor_reason),
            ("", self.interpreter),
            (t._("Interpreter's na&me:"), self.interpreter_name),
            (t._("&When (Brussels time):"), self.at_local),
            (t._("What was &explained:"), self.explained),
        ]
        buddied_rows(form, rows)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        for button in self.buttons.buttons():  # Enter in a field never saves a decision
            button.setAutoDefault(False)
            button.setDefault(False)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.given_by.currentIndexChanged.connect(self._update)
        self.interpreter.toggled.connect(self._update)
        self._update()

    def _update(self) -> None:
        who = self.given_by.currentData()
        for widget in (self.proxy_name, self.proxy_relation):
            widget.setEnabled(who == GivenBy.PROXY)
        self.minor_reason.setEnabled(who == GivenBy.MINOR_ALONE)
        self.interpreter_name.setEnabled(self.interpreter.isChecked())

    def payload(self) -> dict[str, Any]:
        who = self.given_by.currentData()
        return {
            "item": self.item.currentData(),
            "decision": self.decision.currentData(),
            "given_by": who,
            "proxy_name": self.proxy_name.text().strip() if who == GivenBy.PROXY else "",
            "proxy_relation": self.proxy_relation.text().strip() if who == GivenBy.PROXY else "",
            "minor_reason": self.minor_reason.text().strip() if who == GivenBy.MINOR_ALONE else "",
            "interpreter": self.interpreter.isChecked(),
            "interpreter_name": self.interpreter_name.text().strip()
            if self.interpreter.isChecked()
            else "",
            "at_local": self.at_local.text().strip(),
            "explained": self.explained.toPlainText().strip(),
        }

    def _save(self) -> None:
        if attempt(
            lambda: self.submit(self.payload()),
            self.expected,
            self.describe,
            self.message,
            reraise,
        ):
            self.accept()


class ConsentPanel(QWidget):
    def __init__(self, t: Translator) -> None:
        super().__init__()
        self.setObjectName("consentPanel")
        self.view = read_only_table("consentTable")
        self.model = ConsentModel(t)
        self.view.setModel(self.model)
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.view.setColumnWidth(0, 260)
        self.record_button = named_button("recordConsent")
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.record_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        self.view.doubleClicked.connect(lambda _i: self.record_button.click())

    def selected_item(self) -> str:
        index = self.view.currentIndex()
        row = index.row() if index.isValid() else 0
        return self.model.item_at(row)

    def retranslate(self, t: Translator) -> None:
        self.model.retranslate(t)
        self.view.setAccessibleName(t._("Consent decisions, item by item"))
        self.intro.setText(
            t._(
                "Each decision is kept with who decided, when and who recorded it. A "
                "withdrawal is a new decision; nothing is overwritten."
            )
        )
        self.record_button.setText(t._("&Record a decision…"))
        self.record_button.setAccessibleName(t._("Record a consent decision"))
