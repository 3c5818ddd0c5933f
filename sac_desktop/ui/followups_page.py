"""The case manager's morning round: follow-ups of every case, overdue, today, this week."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain.clock import parse_utc
from sac_desktop.domain.protocol import Protocol
from sac_desktop.i18n import N_, Translator
from sac_desktop.services.checklist import ChecklistService, FollowUpRow
from sac_desktop.ui.layout import named_button, read_only_table, title_label
from sac_desktop.ui.medical_panel import step_label
from sac_desktop.ui.models import CASE_ID_ROLE, Index, _TableModel, local_time_zoned

BUCKET_LABELS = {
    "overdue": N_("overdue"),
    "today": N_("today"),
    "week": N_("this week"),
}
KIND_LABELS = {
    "visit": N_("follow-up"),
    "call": N_("call"),
    "psychology": N_("psychology"),
}


class FollowUpsModel(_TableModel):
    HEADERS = (
        N_("When"),
        N_("Case number"),
        N_("Kind"),
        N_("Follow-up"),
        N_("Due"),
        N_("Until"),
    )

    def __init__(self, t: Translator) -> None:
        super().__init__(t)
        self.protocol: Protocol | None = None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        bucket, row = self._rows[index.row()]
        follow: FollowUpRow = row
        if role == CASE_ID_ROLE:
            return follow.case_id
        if role == Qt.ItemDataRole.ForegroundRole and bucket == "overdue":
            return QBrush(QColor("#8a1c1c"))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return self.t._(BUCKET_LABELS[bucket])
        if column == 1:
            return follow.number
        if column == 2:
            return self.t._(KIND_LABELS.get(follow.kind, follow.kind))
        if column == 3:
            return step_label(self.t, self.protocol, follow.step)
        if column == 4:
            return local_time_zoned(self.t, parse_utc(follow.due_utc))
        if column == 5:
            return (
                ""
                if not follow.until_utc
                else local_time_zoned(self.t, parse_utc(follow.until_utc))
            )
        return None


class FollowUpsPage(QWidget):
    case_activated = Signal(str)
    back_requested = Signal()

    def __init__(self, t: Translator) -> None:
        super().__init__()
        self.setObjectName("followUpsPage")
        self.t = t
        self.title = title_label("followUpsTitle", 1.3)
        self.summary = QLabel()
        self.summary.setObjectName("followUpsSummary")
        self.table = read_only_table("followUpsTable")
        self.model = FollowUpsModel(t)
        self.table.setModel(self.model)
        # Fixed widths: sizing to contents would format every row, not only those shown.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((110, 190, 110, 330, 240)):
            self.table.setColumnWidth(column, width)
        self.scope = QComboBox()
        self.scope.setObjectName("followUpsScope")
        self.scope.addItem("", True)
        self.scope.addItem("", False)
        self.scope_label = QLabel()
        self.scope_label.setBuddy(self.scope)
        self.scope.currentIndexChanged.connect(lambda _i: self._reload())
        self._source: tuple[ChecklistService, datetime, Protocol] | None = None
        self.open_button = named_button("openFollowUpCase")
        self.back_button = named_button("followUpsBack")
        self.open_button.clicked.connect(self._open)
        self.table.activated.connect(lambda _i: self._open())
        self.back_button.clicked.connect(self.back_requested.emit)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addStretch(1)
        row.addWidget(self.back_button)
        scope_row = QHBoxLayout()
        scope_row.addWidget(self.summary, 1)
        scope_row.addWidget(self.scope_label)
        scope_row.addWidget(self.scope)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(scope_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)

    def load(self, service: ChecklistService, now: datetime, protocol: Protocol) -> None:
        """The round on ``now`` (an injected date in tests), for the signed-in role: its
        own kinds of follow-up, or everything it may see (the scope box)."""
        self._source = (service, now, protocol)
        self._reload()

    def _reload(self) -> None:
        if self._source is None:
            return
        service, now, protocol = self._source
        self.model.protocol = protocol
        kinds = service.round_kinds(mine=bool(self.scope.currentData()))
        buckets = service.due(now, kinds=kinds)
        rows = [(name, r) for name in ("overdue", "today", "week") for r in buckets[name]]
        self.model.set_rows(rows)
        counts = {name: len(buckets[name]) for name in ("today", "week")}
        counts["overdue"] = service.overdue_count(now, kinds)
        self.summary.setText(
            self.t._("%(overdue)d overdue, %(today)d today, %(week)d later this week.") % counts
        )
        self.table.setFocus()
        if rows:
            self.table.selectRow(0)

    def clear(self) -> None:
        """Signed out: nothing listed; the next person starts with their own round."""
        self._source = None
        self.scope.blockSignals(True)
        self.scope.setCurrentIndex(0)
        self.scope.blockSignals(False)
        self.model.clear()
        self.summary.clear()

    def _open(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            case_id = self.model.data(self.model.index(index.row(), 0), CASE_ID_ROLE)
            if case_id:
                self.case_activated.emit(str(case_id))

    def retranslate(self, t: Translator) -> None:
        self.t = t
        self.model.retranslate(t)
        self.title.setText(t._("Follow-ups of every case"))
        self.scope_label.setText(t._("S&how:"))
        self.scope.setItemText(0, t._("for my role"))
        self.scope.setItemText(1, t._("everything I may see"))
        self.scope.setAccessibleName(t._("Which follow-ups to show"))
        self.table.setAccessibleName(t._("Follow-ups due: overdue, today, this week"))
        self.open_button.setText(t._("Open the &case"))
        self.open_button.setAccessibleName(t._("Open the case of the selected follow-up"))
        self.back_button.setText(t._("&Back to the cases"))
        self.back_button.setAccessibleName(t._("Back to the cases"))
