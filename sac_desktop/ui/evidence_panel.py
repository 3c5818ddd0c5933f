"""The Evidence tab: the kit, the suggested samples in sampling order, the items taken
with their custody, the complaint decision and judicial requisitions, and labels.

The rules are the services' (``services.evidence``); this panel shows the case and passes
on what staff do. Every field has a label that reaches it with Alt and a name for screen
readers; the tables are in tab order, Enter acts on the selected row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain import evidence as ev
from sac_desktop.domain.custody import MOVE_LABELS, STATE_LABELS, Move
from sac_desktop.domain.protocol import Sample
from sac_desktop.domain.sampling import Suggestion
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import N_, Translator
from sac_desktop.services.evidence import HANDOVERS, EvidenceService, HandoverItem
from sac_desktop.ui.layout import (
    ActionPanel,
    choice_box,
    line_edit,
    named_button,
    read_only_table,
    save_file_dialog,
    text_edit,
)
from sac_desktop.ui.models import Index, _TableModel

#: reports.labels.Layout values (named here so the window starts without reportlab).
LABEL_SIZES = ("printer_62x29", "a4_sheet")
WINDOW_LABELS = {
    "optimal": N_("optimal"),
    "reduced": N_("reduced yield"),
    "outside": N_("outside guidance"),
    "closed": N_("closed"),
    "unknown": N_("time not known"),
    "not_applicable": N_("not applicable"),
}


class SuggestionModel(_TableModel):
    HEADERS = (N_("Order"), N_("Kit item"), N_("Sample"), N_("Window"), N_("Recorded"))

    def __init__(self, t: Translator) -> None:
        super().__init__(t)
        self.evidence = ev.Evidence()

    def row_at(self, row: int) -> Suggestion:
        suggestion: Suggestion = self._rows[row]
        return suggestion

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        s = self.row_at(index.row())
        t = self.t
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(t._(w) for w in s.warnings) or None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return str(index.row() + 1)
        if column == 1:
            return s.sample.item
        if column == 2:
            text = s.sample.text(t.language)
            return text + (" ⚠" if s.warnings else "")
        if column == 3:
            return t._(WINDOW_LABELS.get(s.window_state or "", "—")) if s.window_state else "—"
        if column == 4:
            if any(i.sample == s.sample.id for i in self.evidence.items.values()):
                return t._("taken")
            skipped = self.evidence.not_taken.get(s.sample.id)
            return t._("not taken: %(reason)s") % {"reason": skipped.reason} if skipped else ""
        return None


def item_text(t: Translator, item: ev.Item, samples: Mapping[str, Sample]) -> str:
    """What an item is, in the reader's language when it is one of the kit's samples
    (the words recorded with it are in the tooltip)."""
    sample = samples.get(item.sample)
    return sample.text(t.language) if sample is not None else item.text


class ItemModel(_TableModel):
    HEADERS = (
        N_("Kit item"),
        N_("What"),
        N_("Collected"),
        N_("Where it is"),
        N_("Seal no."),
        N_("Kept until"),
    )

    def __init__(self, t: Translator) -> None:
        super().__init__(t)
        self.samples: dict[str, Sample] = {}

    def row_at(self, row: int) -> ev.Item:
        item: ev.Item = self._rows[row]
        return item

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.row_at(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return item.text
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return item.item_number
        if column == 1:
            return item_text(self.t, item, self.samples)
        if column == 2:
            return item.collected_local
        if column == 3:
            where = self.t._(STATE_LABELS[item.state])
            return f"{where} · {item.location}" if item.location and item.at_centre else where
        if column == 4:
            return item.seal_number
        if column == 5:
            return item.retention_until.isoformat() if item.retention_until else ""
        return None


class EvidencePanel(ActionPanel):
    def __init__(
        self,
        t: Translator,
        service: EvidenceService,
        error: Callable[[BaseException], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
        staff: Callable[[], dict[str, str]],
    ) -> None:
        super().__init__("evidencePanel", t, error, describe, expected)
        self.service, self.staff = service, staff
        self.state: CaseState | None = None
        self.can_write = False

        self.kit = line_edit("kitNumber")
        self.kit_label = QLabel()
        self.kit_label.setBuddy(self.kit)
        self.kit_button = named_button("setKit", lambda: self.set_kit())
        self.complaint = QLabel()
        self.complaint.setObjectName("complaintStatus")
        self.complaint.setWordWrap(True)
        self.complaint_button = named_button("complaintDecision", lambda: self.complaint_dialog())
        self.requisition_button = named_button("requisition", lambda: self.requisition_dialog())
        top = QHBoxLayout()
        top.addWidget(self.kit_label)
        top.addWidget(self.kit)
        top.addWidget(self.kit_button)
        top.addSpacing(16)
        top.addWidget(self.complaint_button)
        top.addWidget(self.requisition_button)
        top.addStretch(1)

        self.suggestions = read_only_table("sampleSuggestions")
        self.suggestion_model = SuggestionModel(t)
        self.suggestions.setModel(self.suggestion_model)
        self.suggestions_title = QLabel()
        self.suggestions_title.setBuddy(self.suggestions)
        self.take_button = named_button("recordSample", lambda: self.record_dialog())
        self.skip_button = named_button("sampleNotTaken", lambda: self.not_taken_dialog())
        self.other_button = named_button("recordOtherItem", lambda: self.record_dialog(other=True))
        suggestion_buttons = QHBoxLayout()
        for button in (self.take_button, self.skip_button, self.other_button):
            suggestion_buttons.addWidget(button)
        suggestion_buttons.addStretch(1)

        self.items = read_only_table("evidenceItems")
        self.item_model = ItemModel(t)
        self.items.setModel(self.item_model)
        self.items.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.items_title = QLabel()
        self.items_title.setBuddy(self.items)
        self.move_button = named_button("custodyMove", lambda: self.move_dialog())
        self.history_button = named_button("custodyHistory", lambda: self.show_history())
        self.labels_button = named_button("saveLabels", lambda: self.save_labels())
        self.label_size = QComboBox()
        self.label_size.setObjectName("labelSize")
        item_buttons = QHBoxLayout()
        for button in (self.move_button, self.history_button, self.labels_button):
            item_buttons.addWidget(button)
        item_buttons.addWidget(self.label_size)
        item_buttons.addStretch(1)
        self.history = QListWidget()
        self.history.setObjectName("custodyHistoryList")
        self.history.setMaximumHeight(110)
        self.hand_all_button = named_button(
            "handOverAll", lambda: self.move_dialog(every_kept_item=True)
        )
        self.hand_all_button.hide()
        self.plan = QLabel()
        self.plan.setObjectName("handoverPlan")
        self.plan.setWordWrap(True)
        self.plan.setStyleSheet("background:#fff4d6;color:#3d2a00;padding:4px;")
        self.plan.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.complaint)
        layout.addWidget(self.plan)
        layout.addWidget(self.hand_all_button)
        layout.addWidget(self.suggestions_title)
        layout.addWidget(self.suggestions, 2)
        layout.addLayout(suggestion_buttons)
        layout.addWidget(self.items_title)
        layout.addWidget(self.items, 2)
        layout.addLayout(item_buttons)
        layout.addWidget(self.history)
        layout.addWidget(self.message)
        self.suggestions.activated.connect(lambda _i: self.record_dialog())
        self.items.activated.connect(lambda _i: self.move_dialog())
        self.items.selectionModel().currentRowChanged.connect(lambda *_: self.show_history())
        self.retranslate(t)

    # -- showing ------------------------------------------------------------------------
    def show_case(self, state: CaseState, can_write: bool) -> None:
        if not self.service.can_read():  # a psychologist: the tab says so, nothing more
            self.clear()
            self.setEnabled(False)
            self.message.setText(
                self.t._("Evidence is shown to forensic nurses, physicians and coordinators.")
            )
            return
        self.state, self.can_write = state, can_write
        evidence = self.service.evidence(state)
        self.kit.setText(evidence.kit_number)
        self.suggestion_model.evidence = evidence
        self.suggestion_model.set_rows(self.service.suggestions(state))
        chosen = self.items.currentIndex().row()
        self.item_model.samples = {s.id: s for s in self.service.protocol_samples(state)}
        self.item_model.set_rows(evidence.listed())
        if 0 <= chosen < self.item_model.rowCount():
            self.items.selectRow(chosen)
        self.suggestions.resizeColumnsToContents()
        self.items.resizeColumnsToContents()
        self._show_complaint(evidence)
        self._show_plan(state)
        for widget in (
            self.kit,
            self.kit_button,
            self.take_button,
            self.skip_button,
            self.other_button,
            self.move_button,
            self.complaint_button,
            self.requisition_button,
        ):
            widget.setEnabled(can_write)
        self.show_history()

    def _show_complaint(self, evidence: ev.Evidence) -> None:
        t = self.t
        parts = [
            t._("Complaint: %(decision)s")
            % {"decision": t._(ev.COMPLAINT_LABELS[evidence.complaint])}
        ]
        if evidence.complaints and evidence.complaints[-1].report_number:
            parts.append(t._("PV %(number)s") % {"number": evidence.complaints[-1].report_number})
        for requisition in evidence.requisitions:
            parts.append(
                t._("Judicial requisition %(reference)s (%(magistrate)s): %(orders)s")
                % {
                    "reference": requisition.reference,
                    "magistrate": requisition.magistrate,
                    "orders": requisition.orders,
                }
            )
        self.complaint.setText(" · ".join(parts))

    def _show_plan(self, state: CaseState) -> None:
        plan: list[HandoverItem] = self.service.handover_plan(state)
        if state.evidence.complaint is not ev.Complaint.FILED or not plan:
            self.plan.hide()
            self.hand_all_button.hide()
            return
        self.hand_all_button.setVisible(self.can_write)
        lines = [self.t._("A complaint is filed: hand over the kept items with their reference.")]
        for entry in plan:
            what = item_text(self.t, entry.item, self.item_model.samples)
            line = f"• {entry.item.item_number} {what}"
            if entry.within_48h:
                line += " — " + self.t._("must reach the laboratory within 48 hours")
            lines.append(line)
        self.plan.setText("\n".join(lines))
        self.plan.show()

    def selected_item(self) -> ev.Item | None:
        index = self.items.currentIndex()
        return self.item_model.row_at(index.row()) if index.isValid() else None

    def show_history(self) -> None:
        self.history.clear()
        item = self.selected_item()
        if item is None:
            return
        t = self.t
        for move in item.moves:
            text = f"{move.at_local} · {t._(MOVE_LABELS[move.move])}"
            if move.received_by.name:
                text += " → " + move.received_by.text()
            if move.released_by.name:
                text += " (" + t._("released by %(who)s") % {"who": move.released_by.text()} + ")"
            if not move.seal_intact:
                text += " · " + t._("seal NOT intact: %(note)s") % {"note": move.note}
            if move.receipt:
                text += " · " + t._("receipt recorded %(when)s") % {"when": move.receipt_at}
            self.history.addItem(text)
        if not item.moves:
            self.history.addItem(t._("Collected; not yet sealed."))

    # -- actions ------------------------------------------------------------------------
    def set_kit(self) -> None:
        if self.state is not None:
            case_id, number = self.state.case_id, self.kit.text()
            self._run(lambda: self.service.set_kit(case_id, number))

    def record_dialog(self, other: bool = False) -> QDialog | None:
        """Record a sample taken (the selected suggestion), or another item (a garment)."""
        if self.state is None or not self.can_write:
            return None
        t = self.t
        index = self.suggestions.currentIndex()
        suggestion = (
            None if other or not index.isValid() else self.suggestion_model.row_at(index.row())
        )
        sample = suggestion.sample if suggestion else None
        number = line_edit("itemNumber", sample.item if sample else "")
        what = line_edit("itemText", sample.site_text(t.language) if sample else "")
        collected = line_edit("itemCollected", self.service._local_now())
        storage = choice_box(
            "itemStorage",
            [(t._(label), key) for key, label in ev.STORAGE_LABELS.items()],
            sample.storage.value if sample else "dry_room",
        )
        temperature = QDoubleSpinBox()
        temperature.setObjectName("itemTemperature")
        temperature.setRange(-90.0, 40.0)
        temperature.setDecimals(0)
        temperature.setSuffix(" °C")
        temperature.setValue(sample.temperature_c if sample is not None else 20.0)
        usual = {"dry_room": 20.0, "refrigerate": 4.0, "freeze": -20.0}
        storage.currentIndexChanged.connect(  # the usual temperature of that way of keeping
            lambda _i: temperature.setValue(usual.get(str(storage.currentData()), 20.0))
        )
        seal = line_edit("itemSeal")
        location = line_edit("itemLocation")
        rows: list[tuple[str, QWidget]] = [
            (t._("Item &number:"), number),
            (t._("&What and where:"), what),
            (t._("&Collected at:"), collected),
            (t._("&Kept:"), storage),
            (t._("&Temperature:"), temperature),
            (t._("Seal n&umber:"), seal),
            (t._("Storage &location:"), location),
        ]
        kind = None
        if other:
            kind = choice_box(
                "itemKind",
                [
                    (t._("clothing or underwear"), "clothing"),
                    (t._("tampon or pad"), "tampon_pad"),
                    (t._("other item"), "other"),
                ],
            )
            rows.insert(1, (t._("T&ype:"), kind))
        case_id = self.state.case_id

        def submit() -> None:
            values: dict[str, Any] = {
                "item_number": number.text(),
                "text": what.text(),
                "collected_local": collected.text(),
                "storage": storage.currentData(),
                "temperature_c": temperature.value(),
                "seal_number": seal.text(),
                "location": location.text(),
            }
            if sample is not None:
                values["sample"] = sample.id
            if kind is not None:
                values["kind"] = kind.currentData()
                values["group"] = "tampon_pad" if kind.currentData() == "tampon_pad" else "clothing"
            self.service.record_item(case_id, values)
            self.changed.emit()

        title = sample.text(t.language) if sample else t._("Another item")
        return self._form("itemDialog", title, rows, submit)

    def not_taken_dialog(self) -> QDialog | None:
        index = self.suggestions.currentIndex()
        if self.state is None or not index.isValid():
            return None
        sample = self.suggestion_model.row_at(index.row()).sample
        reason = line_edit("notTakenReason")
        case_id = self.state.case_id

        def submit() -> None:
            self.service.not_taken(case_id, sample.id, reason.text())
            self.changed.emit()

        return self._form(
            "notTakenDialog",
            sample.text(self.t.language),
            [(self.t._("&Why not taken:"), reason)],
            submit,
        )

    def move_dialog(self, every_kept_item: bool = False) -> QDialog | None:
        """A custody move of the selected item, or of every item kept at the centre (the
        handover once a complaint is filed)."""
        item = self.selected_item()
        if self.state is None or not self.can_write or (item is None and not every_kept_item):
            return None
        t = self.t
        move = choice_box("moveKind", [(t._(label), m.value) for m, label in MOVE_LABELS.items()])
        at = line_edit("moveAt", self.service._local_now())
        released = line_edit(
            "moveReleased", self.staff().get(self.service.record.actor.user_id, "")
        )
        received = line_edit("moveReceived")
        received_service = line_edit("moveReceivedService")
        received_number = line_edit("moveReceivedNumber")
        reference = line_edit("moveReference")
        seal = line_edit("moveSeal")
        location = line_edit("moveLocation")
        laboratory = line_edit("moveLaboratory")
        purpose = line_edit("movePurpose")
        intact = QCheckBox(t._("Seal &intact"))
        intact.setObjectName("moveSealIntact")
        intact.setChecked(True)
        note = text_edit("moveNote", height=60)
        receiving = (received, received_service, received_number)

        def fields_for_move() -> None:  # only what this move records can be typed
            chosen = Move(move.currentData())
            handover = chosen in (*HANDOVERS, Move.RETURN)
            for widget in receiving:
                widget.setEnabled(handover)
            reference.setEnabled(chosen in HANDOVERS)
            seal.setEnabled(chosen is Move.SEAL)
            location.setEnabled(chosen is Move.STORE)
            laboratory.setEnabled(chosen is Move.LAB_RECEIVED)

        move.currentIndexChanged.connect(lambda _i: fields_for_move())
        rows: list[tuple[str, QWidget]] = [
            (t._("&Move:"), move),
            (t._("&When:"), at),
            (t._("Released &by:"), released),
            (t._("&Received by (name):"), received),
            (t._("Their ser&vice:"), received_service),
            (t._("Badge or registry n&umber:"), received_number),
            (t._("Registry or PACOS / SIN re&ference:"), reference),
            (t._("New s&eal number:"), seal),
            (t._("Storage &location:"), location),
            (t._("Labora&tory:"), laboratory),
            (t._("&Purpose:"), purpose),
            ("", intact),
            (t._("N&ote:"), note),
        ]
        case_id = self.state.case_id
        if every_kept_item:
            move.setCurrentIndex(max(move.findData(Move.HAND_TO_POLICE.value), 0))
        fields_for_move()

        def submit() -> None:
            chosen = Move(move.currentData())
            details = {
                "at_local": at.text(),
                "released_by": {"name": released.text().strip()},
                "received_by": {
                    "name": received.text().strip(),
                    "service": received_service.text().strip(),
                    "number": received_number.text().strip(),
                },
                "justice_reference": reference.text(),
                "seal_number": seal.text(),
                "location": location.text(),
                "laboratory": laboratory.text(),
                "purpose": purpose.text(),
                "seal_intact": intact.isChecked(),
                "note": note.toPlainText(),
            }
            if every_kept_item:
                self.service.hand_over_all(case_id, chosen, details)
            else:
                assert item is not None
                self.service.move(case_id, item.id, chosen, details)
            self.changed.emit()

        title = (
            t._("Hand over every item kept at the centre")
            if every_kept_item or item is None
            else t._("Custody of item %(number)s") % {"number": item.item_number}
        )
        return self._form("moveDialog", title, rows, submit)

    def complaint_dialog(self) -> QDialog | None:
        if self.state is None:
            return None
        t = self.t
        decision = choice_box(
            "complaintChoice",
            [
                (t._(ev.COMPLAINT_LABELS[c]), c.value)
                for c in (ev.Complaint.FILED, ev.Complaint.LATER, ev.Complaint.DECLINED)
            ],
        )
        number = line_edit("complaintNumber")
        inspector = line_edit("complaintInspector")
        office = line_edit("complaintOffice")
        at = line_edit("complaintAt", self.service._local_now())
        case_id = self.state.case_id

        def submit() -> None:
            self.service.set_complaint(
                case_id,
                str(decision.currentData()),
                {
                    "report_number": number.text(),
                    "inspector": inspector.text(),
                    "prosecutor_office": office.text(),
                    "at_local": at.text(),
                },
            )
            self.changed.emit()

        return self._form(
            "complaintDialog",
            t._("The decision to file a complaint"),
            [
                (t._("&Decision:"), decision),
                (t._("Police report (PV) &number:"), number),
                (t._("&Inspector:"), inspector),
                (t._("&Prosecutor's office:"), office),
                (t._("&When:"), at),
            ],
            submit,
        )

    def requisition_dialog(self) -> QDialog | None:
        if self.state is None:
            return None
        t = self.t
        magistrate = line_edit("requisitionMagistrate")
        reference = line_edit("requisitionReference")
        orders = line_edit("requisitionOrders")
        at = line_edit("requisitionAt", self.service._local_now())
        case_id = self.state.case_id

        def submit() -> None:
            self.service.record_requisition(
                case_id,
                {
                    "magistrate": magistrate.text(),
                    "reference": reference.text(),
                    "orders": orders.text(),
                    "at_local": at.text(),
                },
            )
            self.changed.emit()

        return self._form(
            "requisitionDialog",
            t._("Judicial requisition"),
            [
                (t._("&Magistrate:"), magistrate),
                (t._("&Reference:"), reference),
                (t._("What it &orders:"), orders),
                (t._("&When:"), at),
            ],
            submit,
        )

    def label_pdf(self) -> bytes:
        """The kit's label and every item's, in the chosen size (made in memory)."""
        # reportlab loads on first use, not when the window starts.
        from sac_desktop.reports.labels import LabelData, Layout, render_labels

        assert self.state is not None
        evidence = self.state.evidence
        names = self.staff()
        number, kit, training = (
            self.state.case_number or "",
            evidence.kit_number,
            self.state.training,
        )
        labels = [LabelData(number, kit, "", self.t._("Kit"), "", "", training)]
        labels += [
            LabelData(
                number,
                kit,
                item.item_number,
                item.text,
                item.collected_local,
                names.get(item.collected_by, ""),
                training,
            )
            for item in evidence.listed()
        ]
        return render_labels(labels, Layout(self.label_size.currentData()), self.t)

    def save_labels(self, path: str | None = None) -> QFileDialog | None:
        """The labels as a PDF for the label printer or an A4 sheet (written owner-only,
        the export audited)."""
        if self.state is None:
            return None
        if not self.state.evidence.kit_number:
            self.message.setText(self.t._("Record the kit number first (it is on the box)."))
            return None
        if path is None:
            return save_file_dialog(
                self,
                self.t,
                "labelsFileDialog",
                self.t._("Save the labels"),
                f"{self.state.case_number}-labels.pdf",
                lambda chosen: self.save_labels(chosen),
            )
        case_id, target = self.state.case_id, Path(path)
        self._run(lambda: self.service.export(case_id, target, self.label_pdf(), "labels"))
        return None

    # -- language -----------------------------------------------------------------------
    def retranslate(self, t: Translator) -> None:
        self.t = t
        for model in (self.suggestion_model, self.item_model):
            model.t = t
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(model.HEADERS) - 1)
        self.kit_label.setText(t._("Kit num&ber:"))
        self.kit.setAccessibleName(t._("Kit number"))
        self.kit_button.setText(t._("&Apply the kit number"))
        self.complaint_button.setText(t._("Com&plaint…"))
        self.requisition_button.setText(t._("Judicial re&quisition…"))
        self.suggestions_title.setText(t._("Samples to take, in &order:"))
        self.suggestions.setAccessibleName(t._("Samples to take, in order"))
        self.take_button.setText(t._("&Record the sample…"))
        self.skip_button.setText(t._("&Mark as not taken…"))
        self.other_button.setText(t._("Clothin&g or another item…"))
        self.items_title.setText(t._("Items taken and where they are (Enter: a custody move):"))
        self.items.setAccessibleName(t._("Items taken"))
        self.move_button.setText(t._("Custody mo&ve…"))
        self.history_button.setText(t._("Custody histor&y"))
        self.labels_button.setText(t._("Save labels as PD&F…"))
        self.hand_all_button.setText(t._("Hand over every kept item…"))
        chosen = self.label_size.currentData() or LABEL_SIZES[0]
        self.label_size.clear()
        self.label_size.addItem(t._("62 × 29 mm roll"), LABEL_SIZES[0])
        self.label_size.addItem(t._("A4 sheet, 3 × 8"), LABEL_SIZES[1])
        self.label_size.setCurrentIndex(max(self.label_size.findData(chosen), 0))
        self.label_size.setAccessibleName(t._("Label size"))
        self.history.setAccessibleName(t._("Custody history of the selected item"))
        if self.state is not None:
            self.show_case(self.state, self.can_write)

    def clear(self) -> None:
        self.state = None
        self.suggestion_model.set_rows([])
        self.item_model.set_rows([])
        self.history.clear()
        self.kit.clear()
        self.complaint.clear()
        self.plan.clear()
