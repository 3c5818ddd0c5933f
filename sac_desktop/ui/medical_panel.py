"""The medical checklist of an open case: items, their status, medications, sign-off
and the follow-up plan. It shows what the services computed; the rules are the domain's."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain import checklist as ck
from sac_desktop.domain.deadlines import CaseClock
from sac_desktop.domain.intake import section_values
from sac_desktop.domain.localtime import format_local
from sac_desktop.domain.protocol import Protocol, State
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import N_, Translator
from sac_desktop.services.checklist import ChecklistRow, ChecklistService, facts
from sac_desktop.ui.clock_panel import STATE_COLOURS, STATE_LABELS
from sac_desktop.ui.intake_form import RecordForm
from sac_desktop.ui.layout import labelled_rows, named_button, read_only_table
from sac_desktop.ui.models import Index, _TableModel, local_time_zoned

URGENT = QColor("#ffe08a")


class ChecklistModel(_TableModel):
    COL_ITEM, COL_CLOCK, COL_STATUS = range(3)
    HEADERS = (N_("Item"), N_("Clock"), N_("Status"))

    def row(self, index: int) -> ChecklistRow:
        row: ChecklistRow = self._rows[index]
        return row

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self.row(index.row())
        column = index.column()
        urgent = row.clock is not None and row.clock.highlight and not row.settled
        if role == Qt.ItemDataRole.BackgroundRole and urgent:
            return QBrush(URGENT)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.COL_CLOCK and row.clock:
            return QBrush(QColor(STATE_COLOURS[row.clock.state]))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.t._("Source: %(source)s") % {"source": row.item.source}
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == self.COL_ITEM:
            return row.item.text(self.t.language)
        if column == self.COL_CLOCK:
            if row.applies is False:
                return self.t._("not applicable")
            text = "" if row.clock is None else self.t._(STATE_LABELS[row.clock.state])
            if row.applies is None:
                text = (text + " · " if text else "") + self.t._("may apply")
            return text
        if column == self.COL_STATUS:
            return self.t._(ck.STATUS_LABELS[row.status])
        return None


class MedicationModel(_TableModel):
    HEADERS = (N_("Given at"), N_("Drug"), N_("Dose"), N_("Route"), N_("Batch"), N_("Given by"))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        med: ck.MedicationRecord = self._rows[index.row()]
        return (med.at_local, med.name, med.dose, med.route, med.batch, med.given_by)[
            index.column()
        ]


class FollowUpModel(_TableModel):
    HEADERS = (N_("Follow-up"), N_("Due"), N_("Until"), N_("Status"))

    def __init__(self, t: Translator) -> None:
        super().__init__(t)
        self.protocol: Protocol | None = None
        self.zone = "Europe/Brussels"

    def record(self, row: int) -> ck.FollowUpRecord:
        record: ck.FollowUpRecord = self._rows[row]
        return record

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        record = self.record(index.row())
        column = index.column()
        if column == 0:
            return step_label(self.t, self.protocol, record.step)
        if column == 1:
            return local_time_zoned(self.t, record.due_utc, self.zone)
        if column == 2:
            return (
                ""
                if record.until_utc is None
                else local_time_zoned(self.t, record.until_utc, self.zone)
            )
        return self.t._(ck.FOLLOWUP_STATUS_LABELS[record.status])


#: Follow-ups that are not protocol steps.
STEP_NAMES = {
    "contact": N_("Contact with the person"),
    "psychology_appointment": N_("Psychological appointment"),
}


def step_label(t: Translator, protocol: Protocol | None, step: str) -> str:
    """A follow-up's name: the protocol's step, a re-offer of a checklist item, a contact
    added by hand, or a psychological appointment."""
    if step in STEP_NAMES:
        return t._(STEP_NAMES[step])
    if protocol is not None:
        if step.startswith("reoffer_"):
            try:
                item = protocol.item(step.removeprefix("reoffer_"))
            except KeyError:
                return step
            return t._("Re-offer before its deadline: %(item)s") % {"item": item.text(t.language)}
        for followup in protocol.followups:
            if followup.id == step:
                return followup.text(t.language)
    return step


class MedicationDialog(QDialog):
    """Record a medication: the protocol's drugs first, free entry allowed; the drug's
    notes that the person's intake calls up are shown as soon as it is chosen."""

    def __init__(
        self,
        t: Translator,
        protocol: Protocol,
        item_id: str,
        now_local: str,
        given_by: str,
        warnings: Callable[[str], list[str]],
        submit: Callable[[dict[str, Any]], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
        parent: QWidget | None = None,
        signed_off: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("medicationDialog")
        self.setWindowTitle(t._("Record a medication"))
        self.t, self.protocol, self.item_id = t, protocol, item_id
        self.warnings, self.submit, self.describe, self.expected = (
            warnings,
            submit,
            describe,
            expected,
        )
        self.drug = QComboBox()
        self.drug.setObjectName("medDrug")
        try:
            first = list(protocol.item(item_id).drugs)
        except KeyError:
            first = []
        ordered = first + [d.id for d in protocol.drugs if d.id not in first]
        for drug_id in ordered:
            self.drug.addItem(protocol.drug(drug_id).name, drug_id)
        self.drug.addItem(t._("other (type the name)"), "")
        self.name = QLineEdit()
        self.dose = QLineEdit()
        self.route = QLineEdit()
        self.at_local = QLineEdit(now_local)
        self.batch = QLineEdit()
        self.prescriber = QLineEdit()
        self.given_by = QLineEdit(given_by)
        self.amendment = QLineEdit()  # after sign-off: why this is added now
        self.notes = QLabel()
        self.notes.setObjectName("medWarnings")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color:#8a4b00;")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#8a1c1c;")
        form = QFormLayout()
        for name, text, widget in (
            ("medDrug", t._("&Drug:"), self.drug),
            ("medName", t._("&Name:"), self.name),
            ("medDose", t._("D&ose:"), self.dose),
            ("medRoute", t._("Ro&ute:"), self.route),
            ("medAt", t._("&When (Brussels time):"), self.at_local),
            ("medBatch", t._("&Batch or lot:"), self.batch),
            ("medPrescriber", t._("&Prescriber:"), self.prescriber),
            ("medGivenBy", t._("&Given by:"), self.given_by),
            ("medAmendment", t._("Reason for the amendment:"), self.amendment),
        ):
            widget.setObjectName(name)
            label = QLabel(text)
            label.setBuddy(widget)
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
            form.addRow(label, widget)
        form.setRowVisible(self.amendment, signed_off)  # asked only after sign-off
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        for button in self.buttons.buttons():
            button.setAutoDefault(False)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.notes)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.drug.currentIndexChanged.connect(self._drug_chosen)
        self._drug_chosen()

    def _drug_chosen(self) -> None:
        drug_id = self.drug.currentData()
        if drug_id:
            drug = self.protocol.drug(drug_id)
            self.name.setText(drug.name)
            self.dose.setText(drug.dose)
            self.route.setText(drug.route)
        found = self.warnings(drug_id) if drug_id else []
        self.notes.setText("\n".join("⚠ " + text for text in found))

    def payload(self) -> dict[str, Any]:
        return {
            "drug": self.drug.currentData() or "",
            "name": self.name.text().strip(),
            "dose": self.dose.text().strip(),
            "route": self.route.text().strip(),
            "at_local": self.at_local.text().strip(),
            "batch": self.batch.text().strip(),
            "prescriber": self.prescriber.text().strip(),
            "given_by": self.given_by.text().strip(),
            "item": self.item_id,
            "amendment_reason": self.amendment.text().strip(),
        }

    def _save(self) -> None:
        try:
            self.submit(self.payload())
        except Exception as exc:
            if not self.expected(exc):
                raise
            self.message.setText(self.describe(exc))
            return
        self.accept()


class MedicalPanel(QWidget):
    """The checklist on the left; the selected item, medications and plan on the right."""

    changed = Signal()  # something was recorded: the case view reads the case again

    def __init__(
        self,
        t: Translator,
        service: ChecklistService,
        error: Callable[[BaseException], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
        given_by: str,
    ) -> None:
        super().__init__()
        self.setObjectName("medicalPanel")
        self.t, self.service, self.error = t, service, error
        self.describe, self.expected, self.given_by_name = describe, expected, given_by
        self.state: CaseState | None = None
        self.clock: CaseClock | None = None
        self.rows: list[ChecklistRow] = []
        self.can_write = False

        self.table = read_only_table("checklistTable")
        self.model = ChecklistModel(t)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 230)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_item())

        self.item_title = QLabel()
        self.item_title.setObjectName("itemTitle")
        self.item_title.setWordWrap(True)
        self.item_clock = QLabel()
        self.item_clock.setObjectName("itemClock")
        self.item_clock.setWordWrap(True)
        self.status = QComboBox()
        self.status.setObjectName("itemStatus")
        self.reason = QLineEdit()
        self.reason.setObjectName("itemReason")
        self.explained = QLineEdit()
        self.explained.setObjectName("itemExplained")
        self.outside_reason = QLineEdit()
        self.outside_reason.setObjectName("itemOutsideReason")
        self.amendment_reason = QLineEdit()
        self.amendment_reason.setObjectName("itemAmendmentReason")
        self.at_local = QLineEdit()
        self.at_local.setObjectName("itemGivenAt")
        self.form = QFormLayout()
        self.labels = labelled_rows(
            self.form,
            (
                ("status", self.status),
                ("reason", self.reason),
                ("explained", self.explained),
                ("outside_reason", self.outside_reason),
                ("amendment_reason", self.amendment_reason),
                ("at_local", self.at_local),
            ),
        )
        self.details_box = QGroupBox()
        self.details_layout = QVBoxLayout(self.details_box)
        self.details: RecordForm | None = None
        self.details_holder: QWidget | None = None
        #: What was typed for an item and not saved yet, kept while moving to another
        #: item and back (never written anywhere; gone at lock with the view).
        self.unsaved: dict[str, dict[str, Any]] = {}
        self._shown_item: str | None = None
        self._shown_form: dict[str, Any] = {}
        self.history = QLabel()  # every version of the item, amendments with their reason
        self.history.setObjectName("itemHistory")
        self.history.setWordWrap(True)
        self.names: dict[str, str] = {}
        self.message = QLabel()
        self.message.setObjectName("itemMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#8a1c1c;")
        self.save_button = named_button("saveItem", self.save_item)
        self.status.currentIndexChanged.connect(self._status_chosen)

        self.meds = read_only_table("medicationTable")
        self.meds_model = MedicationModel(t)
        self.meds.setModel(self.meds_model)
        self.add_med_button = named_button("addMedication", self.add_medication)
        self.void_med_button = named_button("voidMedication", self.void_medication)
        self.sign_button = named_button("signOff", self.sign_off)
        self.signed_label = QLabel()
        self.signed_label.setObjectName("signedOffLabel")

        self.facts = QLabel()  # from the intake: what every prescription must consider
        self.facts.setObjectName("medicalFacts")
        self.facts.setWordWrap(True)
        self.contact = QLabel()
        self.contact.setObjectName("contactPreferences")
        self.contact.setWordWrap(True)
        self.plan = read_only_table("followUpTable")
        self.plan_model = FollowUpModel(t)
        self.plan.setModel(self.plan_model)
        self.plan_button = named_button("planFollowUps", self.plan_followups)
        self.done_button = named_button("followUpDone")
        self.missed_button = named_button("followUpMissed")
        self.cancel_button = named_button("followUpCancelled")
        self.move_button = named_button("followUpMove")
        self.done_button.clicked.connect(lambda: self.set_followup(ck.FollowUpStatus.DONE))
        self.missed_button.clicked.connect(lambda: self.set_followup(ck.FollowUpStatus.MISSED))
        self.cancel_button.clicked.connect(lambda: self.set_followup(ck.FollowUpStatus.CANCELLED))
        self.move_button.clicked.connect(self.move_followup)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.item_title)
        right_layout.addWidget(self.item_clock)
        right_layout.addLayout(self.form)
        right_layout.addWidget(self.details_box)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addStretch(1)
        right_layout.addLayout(row)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.history)
        right_layout.addStretch(1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.addWidget(self.facts)
        meds_row = QHBoxLayout()
        self.meds_title = QLabel()
        self.meds_title.setBuddy(self.meds)
        meds_row.addWidget(self.meds_title, 1)
        meds_row.addWidget(self.void_med_button)
        meds_row.addWidget(self.add_med_button)
        lower_layout.addLayout(meds_row)
        lower_layout.addWidget(self.meds, 1)
        self.plan_title = QLabel()
        self.plan_title.setBuddy(self.plan)
        lower_layout.addWidget(self.plan_title)
        lower_layout.addWidget(self.contact)
        lower_layout.addWidget(self.plan, 1)
        plan_row = QHBoxLayout()
        for button in (
            self.plan_button,
            self.done_button,
            self.missed_button,
            self.cancel_button,
            self.move_button,
        ):
            plan_row.addWidget(button)
        plan_row.addStretch(1)
        lower_layout.addLayout(plan_row)
        sign_row = QHBoxLayout()
        sign_row.addWidget(self.signed_label, 1)
        sign_row.addWidget(self.sign_button)
        lower_layout.addLayout(sign_row)

        scroll = QScrollArea()  # the item's form can be long (PEP): it scrolls, never squashes
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(right)
        top = QSplitter()
        top.addWidget(self.table)
        top.addWidget(scroll)
        top.setSizes([330, 330])
        outer = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(top)
        outer.addWidget(lower)
        outer.setSizes([430, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(outer)

    # -- showing ----------------------------------------------------------------------
    def show_case(self, state: CaseState, clock: CaseClock, can_write: bool) -> None:
        selected = self.table.currentIndex().row()
        self.state, self.clock, self.can_write = state, clock, can_write
        self.names = self.service.record.staff_names()
        self.rows = self.service.rows(state, clock)
        self.model.set_rows(self.rows)
        protocol = self.service.protocol_of(state)
        self.plan_model.protocol = protocol
        self.plan_model.zone = self.service.record.clock.zone
        # Contacts with the person (case-management calls) are the Aftercare tab's.
        visits = [f for f in state.followups.values() if f.kind == "visit"]
        self.plan_model.set_rows(sorted(visits, key=lambda f: f.due_utc))
        self.meds_model.set_rows(list(state.medications))
        for widget in (
            self.add_med_button,
            self.void_med_button,
            self.sign_button,
            self.plan_button,
        ):
            widget.setEnabled(can_write)
        for widget in (self.done_button, self.missed_button, self.cancel_button, self.move_button):
            widget.setEnabled(can_write)
        self._show_contact()
        self._show_facts()
        self._show_signed()
        self.table.selectRow(max(0, selected))
        self._show_item()

    def update_clock(self, clock: CaseClock) -> None:
        """Time moved on: the clock column changes in place; what is being typed in the
        item's form is left alone."""
        if self.state is None:
            return
        self.clock = clock
        self.rows = self.service.rows(self.state, clock)
        self.model.refresh_rows(self.rows, lambda r: r.item.id)
        self._status_chosen()  # an item that turned "outside guidance" asks for the reason

    def _show_contact(self) -> None:
        assert self.state is not None
        t = self.t
        values = section_values({k: v.value for k, v in self.state.fields.items()})
        contact = values.get("contact", {})
        parts = []
        if contact.get("safe_phone"):
            parts.append(t._("safe number %(phone)s") % {"phone": contact["safe_phone"]})
        if contact.get("voicemail_ok") == "no":
            parts.append(t._("no voicemail"))
        if contact.get("no_letters_home") == "yes":
            parts.append(t._("no letters home"))
        if contact.get("contact_hours"):
            parts.append(t._("hours: %(hours)s") % {"hours": contact["contact_hours"]})
        self.contact.setText(
            t._("Contact preferences: %(list)s") % {"list": "; ".join(parts)}
            if parts
            else t._("No contact preferences recorded (see the Contact step).")
        )

    def _show_facts(self) -> None:
        assert self.state is not None
        t, value = self.t, self.state.value
        parts = [
            t._("allergies: %(text)s") % {"text": value("medical.allergies") or "—"},
            t._("current medication: %(text)s") % {"text": value("medical.medication") or "—"},
        ]
        if value("medical.weight_kg") is not None:
            parts.append(t._("weight: %(kg)s kg") % {"kg": value("medical.weight_kg")})
        if value("medical.pregnant") == "yes":
            parts.append(t._("pregnant"))
        if value("medical.breastfeeding") == "yes":
            parts.append(t._("breastfeeding"))
        if value("medical.kidney_disease") == "yes":
            parts.append(t._("kidney disease"))
        self.facts.setText("; ".join(parts))

    def _show_signed(self) -> None:
        assert self.state is not None
        signed = self.state.signed_off
        if signed is None:
            self.signed_label.setText(self.t._("The medical section is not signed off."))
        else:
            text = self.t._("Signed off at %(when)s: changes are amendments with a reason.") % {
                "when": local_time_zoned(self.t, signed.at_utc)
            }
            if signed.open_items:
                text += " " + self.t.ngettext(
                    "%(n)d item was still open.",
                    "%(n)d items were still open.",
                    len(signed.open_items),
                ) % {"n": len(signed.open_items)}
            self.signed_label.setText(text)
        self.sign_button.setEnabled(self.can_write and signed is None)

    def current(self) -> ChecklistRow | None:
        index = self.table.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def _form_values(self) -> dict[str, Any]:
        return {
            "status": self.status.currentData(),
            "reason": self.reason.text(),
            "explained": self.explained.text(),
            "outside_reason": self.outside_reason.text(),
            "amendment_reason": self.amendment_reason.text(),
            "at_local": self.at_local.text(),
            "details": self.details.value() if self.details is not None else {},
        }

    def _keep_unsaved(self) -> None:
        if self._shown_item is None:
            return
        values = self._form_values()
        if values != self._shown_form:
            self.unsaved[self._shown_item] = values

    def _show_item(self) -> None:
        row = self.current()
        t = self.t
        self.message.clear()
        if row is None or self.clock is None:
            return
        if row.item.id != self._shown_item:
            self._keep_unsaved()
        self.item_title.setText(row.item.text(t.language))
        lines = []
        for window_id in row.item.windows:
            found = next((c for c in self.clock.items if c.window.id == window_id), None)
            if found is not None:
                lines.append(f"{found.window.text(t.language)}: {t._(STATE_LABELS[found.state])}")
        lines.append(t._("Source: %(source)s") % {"source": row.item.source})
        advice = self._tetanus_line(row)
        if advice:
            lines.append(advice)
        details = row.record.details if row.record else {}
        pregnant = facts(self.state).pregnant if self.state is not None else None
        prompts = ck.item_prompts(row.item.id, details, pregnant)
        lines += ["→ " + t._(prompt) for prompt in prompts]
        self.item_clock.setText("\n".join(lines))
        self.status.blockSignals(True)
        self.status.clear()
        for status in row.allowed:
            self.status.addItem(t._(ck.STATUS_LABELS[status]), status.value)
        self.status.blockSignals(False)
        record = row.record
        for widget, value in (
            (self.reason, record.reason if record else ""),
            (self.explained, record.explained if record else ""),
            (self.outside_reason, record.outside_reason if record else ""),
            (self.amendment_reason, ""),
            (self.at_local, record.at_local if record else ""),
        ):
            widget.setText(value)
        if self.details_holder is not None:  # the previous item's form goes, widgets and all
            self.details_layout.removeWidget(self.details_holder)
            self.details_holder.hide()
            self.details_holder.setParent(None)
            self.details_holder.deleteLater()
            self.details_holder, self.details = None, None
        fields = ck.DETAILS.get(row.item.id, ())
        self.details_box.setVisible(bool(fields))
        if fields:
            self.details = RecordForm(fields, f"detail_{row.item.id}")
            self.details.set_value(record.details if record else {})
            self.details.retranslate(t)
            self.details_holder = QWidget()
            self.details_holder.setLayout(self.details.form)
            self.details_layout.addWidget(self.details_holder)
            self.details_holder.show()
        self._show_history(row)
        self._order_tabs()
        self._status_chosen()
        self._shown_item = row.item.id
        self._shown_form = self._form_values()
        kept = self.unsaved.pop(row.item.id, None)
        if kept is not None:
            index = self.status.findData(kept["status"])
            if index >= 0:
                self.status.setCurrentIndex(index)
            for key in ("reason", "explained", "outside_reason", "amendment_reason", "at_local"):
                getattr(self, key).setText(kept[key])
            if self.details is not None:
                self.details.set_value(kept["details"])
            self.message.setText(t._("Not saved yet: what you typed is kept; save it."))
        editable = self.can_write and row.applies is not False
        for widget in (self.status, self.save_button, self.details_box):
            widget.setEnabled(editable)

    def _order_tabs(self) -> None:
        """Tab goes from the list through the item's form (made anew for each item) to
        its Save button, then to the medications and the plan."""
        chain: list[QWidget] = [
            self.table,
            self.status,
            self.reason,
            self.explained,
            self.outside_reason,
            self.amendment_reason,
            self.at_local,
        ]
        if self.details is not None:
            chain += self.details.focus_widgets()
        chain += [self.save_button, self.add_med_button, self.meds, self.plan]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _show_history(self, row: ChecklistRow) -> None:
        assert self.state is not None
        t = self.t
        lines = []
        for version in self.state.checklist_history:
            if version.item != row.item.id:
                continue
            when = "" if version.recorded_utc is None else local_time_zoned(t, version.recorded_utc)
            line = t._("%(when)s: %(status)s, by %(who)s") % {
                "when": when,
                "status": t._(ck.STATUS_LABELS[version.status]),
                "who": self.names.get(version.author, version.author),
            }
            if version.amendment_reason:
                line += " — " + t._("amendment: %(reason)s") % {"reason": version.amendment_reason}
            lines.append(line)
        self.history.setText((t._("History:") + "\n" + "\n".join(lines)) if lines else "")

    def _tetanus_line(self, row: ChecklistRow) -> str:
        if row.item.id != "tetanus" or self.state is None:
            return ""
        history = self.state.value("medical.tetanus")
        wound = row.record.details.get("wound") if row.record else None
        advice = ck.tetanus_advice(history, wound)
        if advice is None:
            return self.t._("Tetanus: record the dose history (Medical step) and the wound.")
        return self.t._("Tetanus advice: %(advice)s") % {
            "advice": self.t._(ck.TETANUS_LABELS[advice])
        }

    def _status_chosen(self) -> None:
        data = self.status.currentData()
        status = ck.Status(data) if data else None
        needed = ck.REASON_NEEDED.get(status) if status else None
        row = self.current()
        outside = bool(row and row.clock and row.clock.state is State.OUTSIDE)
        signed = bool(self.state and self.state.signed_off)
        # A "given" changed to anything else is a correction of an entry made in error.
        correcting = bool(row and row.status is ck.Status.GIVEN and status is not ck.Status.GIVEN)
        shown = {
            "reason": needed == "reason",
            "explained": needed == "explained",
            "outside_reason": outside and status in ck.ACTIVE,
            "amendment_reason": signed or correcting,
            "at_local": status is ck.Status.GIVEN,
        }
        for key, visible in shown.items():
            widget = getattr(self, key)
            widget.setVisible(visible)
            self.labels[key].setVisible(visible)
        if status is ck.Status.GIVEN and not self.at_local.text():
            self.at_local.setText(self._now_local())

    def _now_local(self) -> str:
        clock = self.service.record.clock
        return format_local(clock.now_utc(), clock.zone)

    # -- actions ----------------------------------------------------------------------
    def _run(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except Exception as exc:
            if not self.expected(exc):
                self.error(exc)
                return False
            self.message.setText(self.describe(exc))
            return False
        self.changed.emit()
        return True

    def save_item(self) -> None:
        row = self.current()
        if row is None or self.state is None:
            return
        payload: dict[str, Any] = {
            "status": self.status.currentData(),
            "reason": self.reason.text().strip() if self.reason.isVisible() else "",
            "explained": self.explained.text().strip() if self.explained.isVisible() else "",
            "outside_reason": self.outside_reason.text().strip()
            if self.outside_reason.isVisible()
            else "",
            "amendment_reason": self.amendment_reason.text().strip(),
            "at_local": self.at_local.text().strip() if self.at_local.isVisible() else "",
            "details": self.details.value() if self.details is not None else {},
        }
        case_id, item_id = self.state.case_id, row.item.id
        if self._run(lambda: self.service.set_item(case_id, item_id, payload)):
            self.unsaved.pop(item_id, None)
            self._shown_item = None  # shown again from the record
            self.message.setText(self.t._("Saved to the record."))

    def add_medication(self) -> MedicationDialog | None:
        row, state = self.current(), self.state
        if state is None:
            return None
        protocol = self.service.protocol_of(state)

        def warnings(drug_id: str) -> list[str]:
            return [w.message(self.t.language) for w in self.service.warnings(state, drug_id)]

        def submit(payload: dict[str, Any]) -> None:
            self.service.record_medication(state.case_id, payload)
            self.changed.emit()

        dialog = MedicationDialog(
            self.t,
            protocol,
            row.item.id if row else "",
            self._now_local(),
            self.given_by_name,
            warnings,
            submit,
            self.describe,
            self.expected,
            self,
            signed_off=state.signed_off is not None,
        )
        dialog.open()
        return dialog

    def void_medication(self) -> None:
        """The selected medication was entered in error: voided, with the reason."""
        index = self.meds.currentIndex()
        if self.state is None or not index.isValid():
            return
        med: ck.MedicationRecord = self.meds_model.row_at(index.row())
        reason, ok = QInputDialog.getText(
            self,
            self.t._("Void a medication"),
            self.t._("Why is this medication voided (for example: entered in error)?"),
        )
        if ok:
            case_id = self.state.case_id
            self._run(lambda: self.service.void_medication(case_id, med.entry_id, reason))

    def sign_off(self) -> None:
        if self.state is not None:
            case_id = self.state.case_id
            self._run(lambda: self.service.sign_off(case_id))

    def plan_followups(self) -> None:
        if self.state is not None:
            case_id = self.state.case_id
            self._run(lambda: self.service.plan_followups(case_id))

    def _selected_followup(self) -> ck.FollowUpRecord | None:
        index = self.plan.currentIndex()
        return self.plan_model.record(index.row()) if index.isValid() else None

    def set_followup(self, status: ck.FollowUpStatus, due_local: str | None = None) -> None:
        record = self._selected_followup()
        if record is None or self.state is None:
            return
        case_id = self.state.case_id
        self._run(lambda: self.service.update_followup(case_id, record.id, status.value, due_local))

    def move_followup(self) -> None:
        record = self._selected_followup()
        if record is None:
            return
        text, ok = QInputDialog.getText(
            self,
            self.t._("Move the follow-up"),
            self.t._("New time (Brussels), e.g. 2026-03-20 10:00:"),
            text=format_local(record.due_utc, self.service.record.clock.zone),
        )
        if ok:
            self.set_followup(ck.FollowUpStatus.PLANNED, text)

    # -- language ---------------------------------------------------------------------
    def retranslate(self, t: Translator) -> None:
        self.t = t
        for model in (self.model, self.meds_model, self.plan_model):
            model.retranslate(t)
        self.table.setAccessibleName(t._("Medical checklist"))
        self.meds.setAccessibleName(t._("Medications given"))
        self.plan.setAccessibleName(t._("Follow-up plan"))
        texts = {
            "status": t._("S&tatus:"),
            "reason": t._("Reason:"),
            "explained": t._("What was explained:"),
            "outside_reason": t._("Why, outside guidance:"),
            "amendment_reason": t._("Reason for the amendment:"),
            "at_local": t._("Given at (Brussels time):"),
        }
        self.at_local.setPlaceholderText(t._("yyyy-mm-dd hh:mm"))
        for key, text in texts.items():
            self.labels[key].setText(text)
            getattr(self, key).setAccessibleName(text.replace("&", "").rstrip(":"))
        self.details_box.setTitle(t._("Details"))
        self.save_button.setText(t._("Sa&ve this item"))
        self.save_button.setAccessibleName(t._("Save this item"))
        self.meds_title.setText(t._("Medications given or dispensed"))
        self.add_med_button.setText(t._("Add &medication…"))
        self.void_med_button.setText(t._("Void…"))
        self.void_med_button.setAccessibleName(t._("Void the selected medication"))
        self.add_med_button.setAccessibleName(t._("Add a medication"))
        self.plan_title.setText(t._("Follow-up plan"))
        self.plan_button.setText(t._("&Plan follow-ups"))
        self.plan_button.setAccessibleName(t._("Plan the follow-ups from the protocol"))
        self.done_button.setText(t._("&Done"))
        self.missed_button.setText(t._("M&issed"))
        self.cancel_button.setText(t._("Cance&lled"))
        self.move_button.setText(t._("Mov&e…"))
        for button in (self.done_button, self.missed_button, self.cancel_button, self.move_button):
            button.setAccessibleName(
                t._("Selected follow-up: %(action)s") % {"action": button.text().replace("&", "")}
            )
        self.sign_button.setText(t._("Sign &off the medical section"))
        self.sign_button.setAccessibleName(t._("Sign off the medical section"))
        if self.state is not None:
            self._show_contact()
            self._show_signed()
            self._show_item()
