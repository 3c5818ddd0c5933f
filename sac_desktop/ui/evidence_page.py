"""Evidence across all cases: the coordinator's view (what the centre keeps, what reaches
its retention date within 30 days or has passed it, what was handed to justice without a
confirmed receipt) and the police inspector's own handovers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain.custody import STATE_LABELS, ItemState
from sac_desktop.i18n import N_, Translator
from sac_desktop.services.evidence import EvidenceRow, EvidenceService, HandoverRow
from sac_desktop.ui.layout import (
    ask,
    attempt,
    buddied_rows,
    message_label,
    named_button,
    read_only_table,
    reraise,
    save_cancel,
    title_label,
)
from sac_desktop.ui.messages import is_expected
from sac_desktop.ui.models import CASE_ID_ROLE, Index, _TableModel


class EvidenceRowsModel(_TableModel):
    HEADERS = (
        N_("Case number"),
        N_("Kit"),
        N_("Kit item"),
        N_("What"),
        N_("Where it is"),
        N_("Kept until"),
    )

    def row_at(self, row: int) -> EvidenceRow:
        found: EvidenceRow = self._rows[row]
        return found

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if role == CASE_ID_ROLE:
            return row.case_id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        values = (
            row.case_number,
            row.kit_number,
            row.item_number,
            row.text,
            self.t._(STATE_LABELS[ItemState(row.state)]),
            row.retention_until or "",
        )
        return values[index.column()]


class HandoverModel(_TableModel):
    HEADERS = (
        N_("Handed over"),
        N_("Case number"),
        N_("Kit"),
        N_("Kit item"),
        N_("What"),
        N_("Seal no."),
        N_("Released by"),
        N_("Receipt"),
    )

    def row_at(self, row: int) -> HandoverRow:
        found: HandoverRow = self._rows[row]
        return found

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.row_at(index.row())
        values = (
            row.at_local,
            row.case_number,
            row.kit_number,
            row.item_number,
            row.text,
            row.seal_number,
            row.released_by,
            row.confirmed_local or self.t._("not yet recorded"),
        )
        return values[index.column()]


class EvidencePage(QWidget):
    """The coordinator's evidence view (nurses and physicians read it too)."""

    back_requested = Signal()
    case_activated = Signal(str)

    def __init__(self, t: Translator) -> None:
        super().__init__()
        self.setObjectName("evidencePage")
        self.t = t
        self.service: EvidenceService | None = None
        self.today: date | None = None
        self.title = title_label("evidenceTitle")
        self.back = named_button("evidenceBack", self.back_requested.emit)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.back)
        self.sections: dict[str, tuple[QLabel, QTableView, EvidenceRowsModel]] = {}
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        for key in ("due_soon", "past", "unconfirmed", "stored"):
            label = QLabel()
            view = read_only_table(f"evidence_{key}")
            # Sized from the first rows, once per load: 500 rows measured at every
            # repaint made the page slow to appear.
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            view.horizontalHeader().setResizeContentsPrecision(40)
            model = EvidenceRowsModel(t)
            view.setModel(model)
            label.setBuddy(view)
            view.activated.connect(lambda index, m=model: self._activated(m, index.row()))
            self.sections[key] = (label, view, model)
            layout.addWidget(label)
            layout.addWidget(view, 1)
        self.destroy_button = named_button("destroyItem", lambda: self.destroy_selected())
        self.settings_button = named_button("retentionSettings", lambda: self.settings_dialog())
        self.message = message_label("evidencePageMessage")
        row = QHBoxLayout()
        row.addWidget(self.destroy_button)
        row.addWidget(self.settings_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.retranslate(t)

    def load(self, service: EvidenceService, today: date | None = None) -> None:
        self.service, self.today = service, today
        overview = service.overview(today)
        self.today = overview.today
        counts = {
            "due_soon": (overview.due_soon, overview.due_soon_count),
            "past": (overview.past, overview.past_count),
            "unconfirmed": (overview.unconfirmed, overview.unconfirmed_count),
            "stored": (overview.stored, overview.stored_count),
        }
        for key, (found, count) in counts.items():
            _label, view, model = self.sections[key]
            model.set_rows(found)
            view.resizeColumnsToContents()
            self._title(key, count)
        coordinator = service.record.actor.role.value == "coordinator"
        self.destroy_button.setVisible(coordinator)
        self.settings_button.setVisible(coordinator)
        self.destroy_button.setEnabled(bool(overview.past))
        self.sections["due_soon"][1].setFocus()

    def _title(self, key: str, count: int) -> None:
        t = self.t
        texts = {
            "due_soon": t._("Retention date within 30 days (%(n)d):"),
            "past": t._("Retention date passed, awaiting a decision (%(n)d):"),
            "unconfirmed": t._("Handed to justice, receipt not confirmed (%(n)d):"),
            "stored": t._("Kept at the centre (%(n)d):"),
        }
        self.sections[key][0].setText(texts[key] % {"n": count})

    def _activated(self, model: EvidenceRowsModel, row: int) -> None:
        if self.service is not None and self.service.record.actor.role.value != "coordinator":
            self.case_activated.emit(model.row_at(row).case_id)

    def destroy_selected(self, reason: str | None = None) -> QInputDialog | None:
        """Destroy the selected item whose retention date passed (coordinator, a reason)."""
        _label, view, model = self.sections["past"]
        index = view.currentIndex()
        if self.service is None or not index.isValid():
            self.message.setText(self.t._("Choose an item whose retention date has passed."))
            return None
        row = model.row_at(index.row())
        service = self.service

        def done(text: str) -> None:
            self.message.clear()
            try:
                service.destroy(row.case_id, row.item_id, text)
            except Exception as exc:
                self.message.setText(self.describe(exc))
                return
            self.load(service, self.today)

        if reason is not None:
            done(reason)
            return None
        return ask(
            self,
            self.t,
            "destroyReason",
            self.t._("Destroy evidence"),
            self.t._("Why is item %(item)s of case %(case)s destroyed? (recorded)")
            % {"item": row.item_number, "case": row.case_number},
            done,
        )

    def settings_dialog(self) -> QDialog | None:
        """The centre's retention periods without a complaint (coordinator)."""
        if self.service is None:
            return None
        t, service = self.t, self.service
        current = service.retention_settings()
        adult = QSpinBox()
        adult.setObjectName("retentionAdultMonths")
        adult.setRange(1, 120)
        adult.setValue(current.adult_months)
        adult.setSuffix(" " + t._("months"))
        minor = QSpinBox()
        minor.setObjectName("retentionMinorYears")
        minor.setRange(1, 100)
        minor.setValue(current.minor_years)
        minor.setSuffix(" " + t._("years"))
        from_birth = QCheckBox(t._("Count a minor's period from the date of &birth"))
        from_birth.setObjectName("retentionFromBirth")
        from_birth.setChecked(current.minor_from_birth)
        reapply = QCheckBox(t._("Also set again the dates of items kept &now (audited)"))
        reapply.setObjectName("retentionReapply")
        dialog = QDialog(self)
        dialog.setObjectName("retentionDialog")
        dialog.setWindowTitle(t._("Retention without a complaint"))
        form = QFormLayout()
        buddied_rows(
            form,
            [
                (t._("&Adults:"), adult),
                (t._("&Minors:"), minor),
                ("", from_birth),
                ("", reapply),
            ],
        )
        message = message_label("retentionMessage")
        buttons = save_cancel(t._("&Save"), t._("Cancel"))
        layout = QVBoxLayout(dialog)
        intro = QLabel(
            t._(
                "A change applies to items collected from now on; items already kept keep "
                "their date unless you set them again."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(message)
        layout.addWidget(buttons)

        def save() -> None:
            if attempt(
                lambda: service.set_retention_settings(
                    adult.value(), minor.value(), from_birth.isChecked(), reapply.isChecked()
                ),
                is_expected,
                self.describe,
                message,
                reraise,
            ):
                dialog.accept()
                self.load(service, self.today)

        buttons.accepted.connect(save)
        buttons.rejected.connect(dialog.reject)
        dialog.open()
        return dialog

    describe: Callable[[BaseException], str] = staticmethod(lambda exc: str(exc))

    def retranslate(self, t: Translator) -> None:
        self.t = t
        self.settings_button.setText(t._("&Retention settings…"))
        self.title.setText(t._("Evidence kept by the centre"))
        self.back.setText(t._("&Back to the cases"))
        self.destroy_button.setText(t._("Des&troy (retention passed)…"))
        for key, (_label, view, model) in self.sections.items():
            model.t = t
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(model.HEADERS) - 1)
            view.setAccessibleName(key)
            self._title(key, model.rowCount())

    def clear(self) -> None:
        self.service = None
        for _label, _view, model in self.sections.values():
            model.set_rows([])


class HandoversPage(QWidget):
    """A police inspector's own handovers: what was handed to them, and their receipt."""

    def __init__(self, t: Translator) -> None:
        super().__init__()
        self.setObjectName("handoversPage")
        self.t = t
        self.service: EvidenceService | None = None
        self.title = title_label("handoversTitle")
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.view = read_only_table("handovers")
        self.model = HandoverModel(t)
        self.view.setModel(self.model)
        self.confirm_button = named_button("confirmReceipt", lambda: self.confirm())
        self.message = message_label("handoversMessage")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addWidget(self.confirm_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.view.activated.connect(lambda _i: self.confirm())
        self.retranslate(t)

    def load(self, service: EvidenceService) -> None:
        self.service = service
        self.model.set_rows(service.my_handovers())
        self.view.resizeColumnsToContents()
        self.view.setFocus()

    def confirm(self, note: str | None = None) -> QInputDialog | None:
        index = self.view.currentIndex()
        if self.service is None or not index.isValid():
            return None
        row = self.model.row_at(index.row())
        service = self.service

        def done(text: str) -> None:
            self.message.clear()
            try:
                service.confirm_receipt(row.move_entry, text)
            except Exception as exc:
                self.message.setText(self.describe(exc))
                return
            self.load(service)

        if note is not None:
            done(note)
            return None
        return ask(
            self,
            self.t,
            "receiptNote",
            self.t._("Receipt"),
            self.t._("Received: the seal and what you found (recorded):"),
            done,
        )

    describe: Callable[[BaseException], str] = staticmethod(lambda exc: str(exc))

    def retranslate(self, t: Translator) -> None:
        self.t = t
        self.model.t = t
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.model.HEADERS) - 1)
        self.title.setText(t._("Evidence handed to you"))
        self.intro.setText(
            t._(
                "Only the handovers you took part in are shown; the clinical record is never "
                "shown to police inspectors. Record your receipt of each item here."
            )
        )
        self.view.setAccessibleName(t._("Evidence handed to you"))
        self.confirm_button.setText(t._("&Record my receipt…"))

    def clear(self) -> None:
        self.service = None
        self.model.set_rows([])
