"""The Injuries tab: the body diagrams with their markers, the list of injuries in step
with them, "no injury found", the Tanner stage, and the injury form.

What may be recorded is decided by the services (``services.injuries``); this panel shows
the case and passes on what staff do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain import injuries as inj
from sac_desktop.domain.diagrams import (
    ADULT_DIAGRAMS,
    CHILD_DIAGRAMS,
    Diagram,
    diagram_label,
    region_label,
)
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import N_, Translator
from sac_desktop.services.injuries import InjuryProblems, InjuryService, values_of
from sac_desktop.services.photos import PhotoService
from sac_desktop.ui.body_map import BodyMap, MapMarker
from sac_desktop.ui.layout import (
    ActionPanel,
    ask,
    attempt,
    buddied_rows,
    message_label,
    named_button,
    read_only_table,
    reraise,
    save_cancel,
)
from sac_desktop.ui.models import _TableModel, local_time
from sac_desktop.ui.photo_panel import PhotoPanel, photo_text
from sac_desktop.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex


class InjuryModel(_TableModel):
    HEADERS = (N_("No."), N_("Diagram"), N_("Region"), N_("Type"), N_("Size"), N_("Re-examine"))

    def row_at(self, row: int) -> inj.InjuryRecord:
        record: inj.InjuryRecord = self._rows[row]
        return record

    def row_of(self, injury_id: str) -> int:
        for number, record in enumerate(self._rows):
            if record.id == injury_id:
                return number
        return -1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        record: inj.InjuryRecord = self._rows[index.row()]
        t = self.t
        column = index.column()
        if column == 0:
            return str(record.number)
        if column == 1:
            return diagram_label(record.diagram, t._)
        if column == 2:
            text = region_label(record.region, t._)
            if record.clock_text:
                text += " · " + t._("%(hours)s o'clock") % {"hours": record.clock_text}
            return text
        if column == 3:
            return t._(inj.TYPE_LABELS[record.type])
        if column == 4:
            return record.size_text
        if column == 5:
            return record.reexamine_on if record.reexamine else ""
        return None


def _choose(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))


class InjuryDialog(QDialog):
    """The description of one injury: new (at a position) or a new version of one."""

    def __init__(
        self,
        t: Translator,
        diagram: Diagram,
        values: Mapping[str, Any],
        submit: Callable[[dict[str, Any]], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
        suggest_clock: Callable[[inj.Position | None], int | None],
        today: QDate,
        number: int | None,
        photos: list[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("injuryDialog")
        self.t, self.diagram, self.submit = t, diagram, submit
        self.describe, self.expected, self.suggest_clock = describe, expected, suggest_clock
        self.values = dict(values)
        self.amending = number is not None
        title = (
            t._("Injury %(number)d") % {"number": number}
            if number is not None
            else t._("New injury")
        )
        self.setWindowTitle(title)
        self.region = QComboBox()
        self.region.setObjectName("injuryRegion")
        for region in sorted(diagram.regions, key=lambda r: region_label(r.id, t._)):
            self.region.addItem(region_label(region.id, t._), region.id)
        _choose(self.region, values.get("region"))
        self.type = QComboBox()
        self.type.setObjectName("injuryType")
        self.type.addItem(t._("— choose —"), None)
        for kind, label in inj.TYPE_LABELS.items():
            self.type.addItem(t._(label), kind.value)
        _choose(self.type, values.get("type"))
        self.length = self._size("injuryLength", values.get("length_mm"))
        self.width = self._size("injuryWidth", values.get("width_mm"))
        self.colour = self._suggesting("injuryColour", inj.COLOUR_SUGGESTIONS, values, "colour")
        self.shape = self._suggesting("injuryShape", inj.SHAPE_SUGGESTIONS, values, "shape")
        self.edges = self._suggesting("injuryEdges", inj.EDGE_SUGGESTIONS, values, "edges")
        self.pattern = QLineEdit(str(values.get("pattern") or ""))
        self.pattern.setObjectName("injuryPattern")
        self.description = QPlainTextEdit(str(values.get("description") or ""))
        self.description.setObjectName("injuryDescription")
        self.description.setTabChangesFocus(True)
        self.description.setMaximumHeight(90)
        self.reexamine = QCheckBox(t._("&Re-examine later (bruises can appear days later)"))
        self.reexamine.setObjectName("injuryReexamine")
        self.reexamine.setChecked(bool(values.get("reexamine")))
        self.reexamine_on = QDateEdit()
        self.reexamine_on.setObjectName("injuryReexamineOn")
        self.reexamine_on.setDisplayFormat("yyyy-MM-dd")
        self.reexamine_on.setCalendarPopup(True)
        when = QDate.fromString(str(values.get("reexamine_on") or ""), "yyyy-MM-dd")
        self.reexamine_on.setDate(when if when.isValid() else today.addDays(2))
        self.position = QComboBox()
        self.position.setObjectName("injuryPosition")
        self.position.addItem(t._("— not recorded —"), None)
        for position, label in inj.POSITION_LABELS.items():
            self.position.addItem(t._(label), position.value)
        _choose(self.position, values.get("position") or None)
        self.clock_from = self._hour("injuryClockFrom", values.get("clock_from"))
        self.clock_to = self._hour("injuryClockTo", values.get("clock_to"))
        clock_row = QHBoxLayout()
        clock_row.addWidget(self.clock_from)
        self.clock_to_label = QLabel(t._("to"))
        self.clock_to_label.setBuddy(self.clock_to)
        clock_row.addWidget(self.clock_to_label)
        clock_row.addWidget(self.clock_to)
        clock_row.addStretch(1)
        clock_box = self.clock_box = QWidget(self)  # kept (hidden) where clocks do not apply
        clock_box.setLayout(clock_row)
        clock_row.setContentsMargins(0, 0, 0, 0)
        self.reason = QLineEdit()
        self.reason.setObjectName("injuryAmendReason")
        self.photos = QLabel(
            "\n".join(photos)
            if photos
            else t._("none linked yet (link them in the photograph's view)")
        )
        self.photos.setObjectName("injuryPhotos")
        self.photos.setWordWrap(True)
        self.message = message_label("injuryMessage")
        form = QFormLayout()
        rows: list[tuple[str, QWidget]] = [
            (t._("Re&gion:"), self.region),
            (t._("&Type:"), self.type),
            (t._("&Length (mm):"), self.length),
            (t._("&Width (mm):"), self.width),
            (t._("&Colour:"), self.colour),
            (t._("Sh&ape:"), self.shape),
            (t._("&Edges:"), self.edges),
            (t._("&Pattern:"), self.pattern),
            (t._("&Description:"), self.description),
            ("", self.reexamine),
            (t._("Re-examine &on:"), self.reexamine_on),
        ]
        self.position.setParent(self)
        self.position.hide()
        clock_box.hide()
        if diagram.clock_centre is not None:
            self.position.show()
            clock_box.show()
            rows += [
                (t._("Patient pos&ition:"), self.position),
                (t._("Cloc&k-face position:"), clock_box),
            ]
        if self.amending:
            rows.append((t._("Reason for the c&hange:"), self.reason))
        rows.append((t._("Photographs:"), self.photos))
        buddied_rows(form, rows)
        clock_label = form.labelForField(clock_box)
        if isinstance(clock_label, QLabel):  # Alt+K reaches the first hour
            clock_label.setBuddy(self.clock_from)
            self.clock_from.setAccessibleName(clock_box.accessibleName())
        self.clock_to.setAccessibleName(t._("Clock-face position, to"))
        self.buttons = save_cancel(t._("&Save"), t._("Cancel"))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.reexamine.toggled.connect(self._update)
        self.position.currentIndexChanged.connect(self._position_changed)
        self._update()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.type.setFocus()  # the region comes from the marker; the type is asked first

    def _size(self, name: str, value: object) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setObjectName(name)
        box.setDecimals(1)
        box.setRange(0.0, inj.MAX_SIZE_MM)
        box.setSingleStep(1.0)
        box.setSpecialValueText(self.t._("not measured"))
        box.setValue(float(value) if isinstance(value, int | float) else 0.0)
        return box

    def _hour(self, name: str, value: object) -> QSpinBox:
        box = QSpinBox()
        box.setObjectName(name)
        box.setRange(0, 12)
        box.setSpecialValueText("—")
        box.setValue(int(value) if isinstance(value, int) else 0)
        return box

    def _suggesting(
        self, name: str, suggestions: tuple[str, ...], values: Mapping[str, Any], key: str
    ) -> QComboBox:
        box = QComboBox()
        box.setObjectName(name)
        box.setEditable(True)
        box.addItem("")
        for text in suggestions:
            box.addItem(self.t._(text))
        box.setCurrentText(str(values.get(key) or ""))
        return box

    def _update(self) -> None:
        self.reexamine_on.setEnabled(self.reexamine.isChecked())

    def _position_changed(self) -> None:
        position = self.position.currentData()
        if position and self.clock_from.value() == 0 and not self.amending:
            hour = self.suggest_clock(inj.Position(position))
            if hour is not None:
                self.clock_from.setValue(hour)

    def payload(self) -> dict[str, Any]:
        values = dict(self.values)
        values.update(
            region=self.region.currentData(),
            type=self.type.currentData(),
            length_mm=self.length.value() or None,
            width_mm=self.width.value() or None,
            colour=self.colour.currentText().strip(),
            shape=self.shape.currentText().strip(),
            edges=self.edges.currentText().strip(),
            pattern=self.pattern.text().strip(),
            description=self.description.toPlainText().strip(),
            reexamine=self.reexamine.isChecked(),
            reexamine_on=self.reexamine_on.date().toString("yyyy-MM-dd")
            if self.reexamine.isChecked()
            else "",
            position=self.position.currentData() or "",
            clock_from=self.clock_from.value() or None,
            clock_to=self.clock_to.value() or None,
        )
        if self.amending:
            values["reason"] = self.reason.text().strip()
        return values

    def _save(self) -> None:
        caught: list[BaseException] = []

        def submit() -> None:
            try:
                self.submit(self.payload())
            except Exception as exc:
                caught.append(exc)
                raise

        if attempt(submit, self.expected, self.describe, self.message, reraise):
            self.accept()
        elif caught:
            self._focus_problem(caught[0])

    def _focus_problem(self, exc: BaseException) -> None:
        if not isinstance(exc, InjuryProblems) or not exc.problems:
            return
        widgets: dict[str, QWidget] = {
            "region": self.region,
            "type": self.type,
            "length_mm": self.length,
            "width_mm": self.width,
            "description": self.description,
            "reexamine_on": self.reexamine_on,
            "position": self.position,
            "clock_from": self.clock_from,
        }
        widget = widgets.get(exc.problems[0].field)
        if widget is not None:
            widget.setFocus()


class InjuryPanel(ActionPanel):
    """The diagrams on the left, the injuries and findings on the right."""

    def __init__(
        self,
        t: Translator,
        service: InjuryService,
        photos: PhotoService,
        runner: TaskRunner,
        error: Callable[[BaseException], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
    ) -> None:
        super().__init__("injuryPanel", t, error, describe, expected)
        self.photos = PhotoPanel(t, photos, runner, error, describe, expected)
        self.service = service
        self.state: CaseState | None = None
        self.can_write = False

        self.diagram_box = QComboBox()
        self.diagram_box.setObjectName("diagramChoice")
        self.diagram_box.setMinimumContentsLength(10)
        self.diagram_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.diagram_label = QLabel()
        self.diagram_label.setBuddy(self.diagram_box)
        self.zoom_in = named_button("zoomIn", lambda: self._zoom(1.25))
        self.zoom_out = named_button("zoomOut", lambda: self._zoom(0.8))
        self.zoom_fit = named_button("zoomFit", lambda: self.map.fit())
        self.none_button = named_button("noInjuryFound", lambda: self.record_none_found())
        top = QHBoxLayout()
        top.addWidget(self.diagram_label)
        top.addWidget(self.diagram_box, 1)
        for button in (self.zoom_out, self.zoom_in):
            button.setFixedWidth(button.fontMetrics().horizontalAdvance("+") * 4 + 16)
        for button in (self.zoom_out, self.zoom_in, self.zoom_fit):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            top.addWidget(button)

        self.map = BodyMap()
        self.map.setMinimumSize(260, 320)
        self.hint = QLabel()
        self.hint.setObjectName("mapHint")
        self.hint.setWordWrap(True)
        self.where = QLabel()
        self.where.setObjectName("mapRegion")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(top)
        left_layout.addWidget(self.map, 1)
        left_layout.addWidget(self.where)
        left_layout.addWidget(self.hint)

        self.table = read_only_table("injuryTable")
        self.model = InjuryModel(t)
        self.table.setModel(self.model)
        self.table.setMinimumHeight(150)
        # Sized once per listing, not on every repaint (forty rows ask a lot otherwise).
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.describe_button = named_button("describeInjury", lambda: self.open_selected())
        self.move_button = named_button("moveInjury", self.start_move)
        self.error_button = named_button("injuryInError", lambda: self.enter_in_error())
        buttons = QHBoxLayout()
        for button in (self.describe_button, self.move_button, self.error_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.none_list = QListWidget()
        self.none_list.setObjectName("noInjuryList")
        self.none_list.setMaximumHeight(64)
        self.withdraw_button = named_button("withdrawNoInjury", lambda: self.withdraw_none_found())
        none_row = QHBoxLayout()
        none_row.addWidget(self.none_button)
        none_row.addWidget(self.withdraw_button)
        none_row.addStretch(1)
        self.none_box = QGroupBox()
        none_layout = QVBoxLayout(self.none_box)
        none_layout.addWidget(self.none_list)
        none_layout.addLayout(none_row)
        self.warning = QLabel()
        self.warning.setObjectName("injuryWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("background:#fff4d6;color:#3d2a00;padding:4px;")
        self.warning.hide()
        self.tanner = QComboBox()
        self.tanner.setObjectName("tannerStage")
        self.tanner_label = QLabel()
        self.tanner_label.setBuddy(self.tanner)
        tanner_row = QHBoxLayout()
        tanner_row.addWidget(self.tanner_label)
        tanner_row.addWidget(self.tanner)
        tanner_row.addStretch(1)
        self.list_title = QLabel()
        self.list_title.setBuddy(self.table)
        right = QWidget()
        self.right_layout = QVBoxLayout(right)
        self.right_layout.setContentsMargins(0, 0, 0, 0)
        self.right_layout.addWidget(self.warning)
        self.right_layout.addWidget(self.list_title)
        self.right_layout.addWidget(self.table, 3)
        self.right_layout.addLayout(buttons)
        self.right_layout.addWidget(self.message)
        self.right_layout.addLayout(tanner_row)
        self.right_layout.addWidget(self.none_box)
        self.right_layout.addWidget(self.photos, 2)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.diagram_box.currentIndexChanged.connect(lambda _i: self._show_diagram())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._row_chosen())
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.activated.connect(lambda _i: self.open_selected())
        self.map.selected.connect(self._marker_chosen)
        self.map.open_requested.connect(self.open_injury)
        self.map.place_requested.connect(self.place)
        self.map.move_requested.connect(self.move)
        self.map.cross_moved.connect(self._show_where)
        self.tanner.activated.connect(lambda _i: self._tanner_chosen())
        self.photos.changed.connect(self.changed)
        self.retranslate(t)

    # -- showing ----------------------------------------------------------------------
    def show_case(self, state: CaseState, can_write: bool) -> None:
        first = self.state is None or self.state.case_id != state.case_id
        self.state, self.can_write = state, can_write
        if first:
            self._fill_diagrams(self.service.prefers_child_diagrams(state))
        chosen = self.selected_id()
        injuries = self.service.injuries(state)
        self.model.set_rows(injuries)
        self.table.resizeColumnsToContents()
        self._fill_none_found()
        self._fill_tanner()
        self._show_diagram()
        if chosen:
            self.select(chosen)
        self.map.read_only = not can_write
        self.describe_button.setEnabled(bool(injuries))
        self.move_button.setEnabled(bool(injuries) and can_write)
        self.error_button.setEnabled(bool(injuries) and can_write)
        self.none_button.setEnabled(can_write)
        self.tanner.setEnabled(can_write)
        self.withdraw_button.setEnabled(can_write and self.none_list.count() > 0)
        self._show_warning()
        self.photos.show_case(state, can_write)

    def _fill_diagrams(self, child_first: bool) -> None:
        order = (
            (*CHILD_DIAGRAMS, *ADULT_DIAGRAMS)
            if child_first
            else (*ADULT_DIAGRAMS, *CHILD_DIAGRAMS)
        )
        self.diagram_box.blockSignals(True)
        self.diagram_box.clear()
        for diagram_id in order:
            if diagram_id in self.service.diagrams:
                self.diagram_box.addItem(diagram_label(diagram_id, self.t._), diagram_id)
        self.diagram_box.setCurrentIndex(0)
        self.diagram_box.blockSignals(False)

    def current_diagram(self) -> Diagram:
        return self.service.diagrams[str(self.diagram_box.currentData())]

    def _show_diagram(self) -> None:
        if self.state is None or self.diagram_box.count() == 0:
            return
        diagram = self.current_diagram()
        markers = [
            MapMarker(r.id, r.number, r.x, r.y)
            for r in self.service.injuries(self.state)
            if r.diagram == diagram.id
        ]
        self.map.show_diagram(diagram, markers)
        self.map.setAccessibleName(
            self.t._("Body diagram: %(diagram)s, %(count)d markers")
            % {"diagram": diagram_label(diagram.id, self.t._), "count": len(markers)}
        )
        self._show_where(self.map.cross.x(), self.map.cross.y())

    def _fill_none_found(self) -> None:
        assert self.state is not None
        self.none_list.clear()
        zone = self.service.record.clock.zone
        for record in self.service.none_found(self.state):
            if record.whole_body:
                where = self.t._("whole body")
            elif record.region:
                view = diagram_label(record.diagram, self.t._)
                where = f"{view}: {region_label(record.region, self.t._)}"
            else:
                where = diagram_label(record.diagram, self.t._)
            text = self.t._("No injury found: %(where)s (%(when)s)") % {
                "where": where,
                "when": local_time(self.t, record.recorded_utc, zone),
            }
            if record.note:
                text += f" — {record.note}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, record.id)
            self.none_list.addItem(item)

    def _fill_tanner(self) -> None:
        assert self.state is not None
        stage = self.service.tanner_stage(self.state)
        self.tanner.blockSignals(True)
        self.tanner.clear()
        self.tanner.addItem(self.t._("— not recorded —"), None)
        for number in inj.TANNER_STAGES:
            self.tanner.addItem(self.t._("Stage %(n)d") % {"n": number}, number)
        _choose(self.tanner, stage)
        self.tanner.blockSignals(False)

    def _show_warning(self) -> None:
        assert self.state is not None
        pairs = self.service.contradictions(self.state)
        if not pairs:
            self.warning.hide()
            return
        numbers = sorted({injury.number for _finding, injury in pairs})
        self.warning.setText(
            self.t._(
                "'No injury found' is recorded where injuries %(numbers)s are: check both "
                "(a bruise can appear later) and withdraw what is wrong."
            )
            % {"numbers": ", ".join(map(str, numbers))}
        )
        self.warning.show()

    def _show_where(self, x: float, y: float) -> None:
        if self.diagram_box.count() == 0:
            return
        region = self.current_diagram().region_at(x, y)
        self.where.setText(
            self.t._("Under the cross: %(region)s") % {"region": region_label(region, self.t._)}
            if region
            else self.t._("Under the cross: outside the body")
        )

    # -- selection in step ------------------------------------------------------------
    def selected_id(self) -> str:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()).id if index.isValid() else ""

    def select(self, injury_id: str) -> None:
        row = self.model.row_of(injury_id)
        if row < 0:
            return
        record = self.model.row_at(row)
        if record.diagram != self.diagram_box.currentData():
            _choose(self.diagram_box, record.diagram)
        self.table.blockSignals(True)
        self.table.selectRow(row)
        self.table.blockSignals(False)
        self.map.select(injury_id)

    def _row_chosen(self) -> None:
        injury_id = self.selected_id()
        if injury_id:
            self.select(injury_id)

    def _marker_chosen(self, injury_id: str) -> None:
        if not injury_id:
            self.table.clearSelection()
            return
        row = self.model.row_of(injury_id)
        if row >= 0:
            self.table.selectionModel().blockSignals(True)
            self.table.selectRow(row)
            self.table.selectionModel().blockSignals(False)
            self.table.viewport().update()

    # -- recording --------------------------------------------------------------------
    def _today(self) -> QDate:
        today = self.service._today()
        return QDate(today.year, today.month, today.day)

    def place(self, x: float, y: float) -> InjuryDialog | None:
        """A new injury at (x, y) of the current diagram: its form opens."""
        if self.state is None or not self.can_write:
            return None
        diagram = self.current_diagram()
        values = {
            "diagram": diagram.id,
            "x": x,
            "y": y,
            "region": diagram.region_at(x, y),
        }
        case_id = self.state.case_id
        created: list[str] = []

        def submit(payload: dict[str, Any]) -> None:
            created.append(self.service.record_injury(case_id, payload))
            self.changed.emit()

        dialog = self._dialog(diagram, values, submit, None)
        dialog.accepted.connect(lambda: created and self.select(created[-1]))
        return dialog

    def open_selected(self) -> InjuryDialog | None:
        injury_id = self.selected_id()
        return self.open_injury(injury_id) if injury_id else None

    def open_injury(self, injury_id: str) -> InjuryDialog | None:
        if self.state is None:
            return None
        record = self.state.injuries.current.get(injury_id)
        if record is None or not record.active:
            return None
        case_id = self.state.case_id

        def submit(payload: dict[str, Any]) -> None:
            reason = str(payload.pop("reason", ""))
            self.service.amend(case_id, injury_id, payload, reason)
            self.changed.emit()

        dialog = self._dialog(
            self.service.diagrams[record.diagram],
            {**values_of(record), "id": record.id},
            submit,
            record.number,
        )
        dialog.setEnabled(True)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(self.can_write)
        dialog.accepted.connect(lambda: self.select(injury_id))
        return dialog

    def _dialog(
        self,
        diagram: Diagram,
        values: dict[str, Any],
        submit: Callable[[dict[str, Any]], None],
        number: int | None,
    ) -> InjuryDialog:
        x, y = float(values["x"]), float(values["y"])
        injury_id = str(values.get("id", ""))
        linked = []
        if self.state is not None and number is not None:
            numbers = {r.id: r.number for r in self.state.injuries.listed()}
            for index, photo in enumerate(self.photos.service.photos(self.state), start=1):
                if injury_id in photo.injury_ids:
                    linked.append(photo_text(self.t, photo, index, numbers))
        dialog = InjuryDialog(
            self.t,
            diagram,
            values,
            submit,
            self.describe,
            self.expected,
            lambda position: self.service.suggested_clock(diagram.id, x, y, position),
            self._today(),
            number,
            linked,
            self,
        )
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self.map.setFocus())
        dialog.open()
        return dialog

    def move(self, injury_id: str, x: float, y: float) -> None:
        if self.state is None:
            return
        case_id = self.state.case_id
        if not self._run(lambda: self.service.move(case_id, injury_id, x, y)):
            self._show_diagram()  # the marker goes back where the record has it

    def start_move(self) -> None:
        """Move the selected marker with the keyboard (arrows, then Enter)."""
        injury_id = self.selected_id()
        if not injury_id:
            return
        self.map.select(injury_id)
        self.map.setFocus()
        self.map.moving = injury_id
        self.map._move_from = self.map.markers[injury_id].pos()
        self.map.cross = self.map._move_from

    def _ask(
        self,
        title: str,
        label: str,
        done: Callable[[str], None],
        items: list[str] | None = None,
    ) -> QInputDialog:
        """A small question (text, or one of ``items``), opened without blocking."""
        dialog = ask(self, self.t, "injuryQuestion", title, label, done, items)
        dialog.finished.connect(lambda _r: self.map.setFocus())
        return dialog

    def enter_in_error(self, reason: str | None = None) -> QInputDialog | None:
        """The selected injury leaves the list, with the reason (asked for when None)."""
        injury_id = self.selected_id()
        if self.state is None or not injury_id:
            return None
        case_id = self.state.case_id

        def done(text: str) -> None:
            self._run(lambda: self.service.enter_in_error(case_id, injury_id, text))

        if reason is not None:
            done(reason)
            return None
        return self._ask(
            self.t._("Injury entered in error"),
            self.t._("Why was this injury entered in error?"),
            done,
        )

    def record_none_found(self, scope: str | None = None, note: str = "") -> QInputDialog | None:
        """ "No injury found": ``scope`` is "body", "diagram" or "region" (the region under
        the cross); asked for when None."""
        if self.state is None:
            return None
        diagram = self.current_diagram()
        region = diagram.region_at(self.map.cross.x(), self.map.cross.y()) or ""
        choices = [
            ("body", self.t._("The whole body")),
            (
                "diagram",
                self.t._("This diagram: %(diagram)s")
                % {"diagram": diagram_label(diagram.id, self.t._)},
            ),
        ]
        if region:
            choices.append(
                (
                    "region",
                    self.t._("This region: %(region)s")
                    % {"region": region_label(region, self.t._)},
                )
            )
        case_id = self.state.case_id

        def done(chosen: str) -> None:
            diagram_id = "" if chosen == "body" else diagram.id
            region_id = region if chosen == "region" else ""
            self._run(lambda: self.service.record_none_found(case_id, diagram_id, region_id, note))

        if scope is not None:
            done(scope)
            return None
        keys = {label: key for key, label in choices}
        return self._ask(
            self.t._("No injury found"),
            self.t._("Where was no injury found? (The region is the one under the cross.)"),
            lambda text: done(keys[text]),
            [label for _key, label in choices],
        )

    def withdraw_none_found(self, reason: str | None = None) -> QInputDialog | None:
        item = self.none_list.currentItem() or self.none_list.item(0)
        if self.state is None or item is None:
            return None
        record_id = str(item.data(Qt.ItemDataRole.UserRole))
        case_id = self.state.case_id

        def done(text: str) -> None:
            self._run(lambda: self.service.withdraw_none_found(case_id, record_id, text))

        if reason is not None:
            done(reason)
            return None
        return self._ask(
            self.t._("Withdraw a finding"),
            self.t._("Why is this 'no injury found' withdrawn?"),
            done,
        )

    def _tanner_chosen(self) -> None:
        stage = self.tanner.currentData()
        if self.state is None or stage is None:
            return
        case_id = self.state.case_id
        self._run(lambda: self.service.set_tanner_stage(case_id, int(stage)))

    def _zoom(self, factor: float) -> None:
        self.map.zoom_by(factor)
        self.map._draw_cross()

    # -- language ---------------------------------------------------------------------
    def retranslate(self, t: Translator) -> None:
        self.t = t
        self.model.t = t
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.model.HEADERS) - 1)
        self.diagram_label.setText(t._("Dia&gram:"))
        self.diagram_box.setAccessibleName(t._("Diagram"))
        for index in range(self.diagram_box.count()):
            self.diagram_box.setItemText(
                index, diagram_label(str(self.diagram_box.itemData(index)), t._)
            )
        self.zoom_in.setText("+")
        self.zoom_in.setAccessibleName(t._("Zoom in"))
        self.zoom_in.setToolTip(t._("Zoom in (Ctrl +)"))
        self.zoom_out.setText("−")
        self.zoom_out.setAccessibleName(t._("Zoom out"))
        self.zoom_out.setToolTip(t._("Zoom out (Ctrl −)"))
        self.zoom_fit.setText(t._("Fit"))
        self.zoom_fit.setAccessibleName(t._("Fit the diagram to the view"))
        self.zoom_fit.setToolTip(t._("Fit the diagram to the view (Ctrl+0)"))
        self.none_button.setText(t._("No injury f&ound…"))
        self.withdraw_button.setText(t._("Withdraw &a finding…"))
        self.describe_button.setText(t._("Descri&be…"))
        self.move_button.setText(t._("&Move marker"))
        self.error_button.setText(t._("Entered in erro&r…"))
        self.none_box.setTitle(t._("No injury found"))
        self.none_list.setAccessibleName(t._("No injury found, as recorded"))
        self.photos.retranslate(t)
        self.list_title.setText(t._("In&juries (select one to see it on the diagram):"))
        self.table.setAccessibleName(t._("Injuries"))
        self.tanner_label.setText(t._("Tanner stage (children):"))
        self.tanner.setAccessibleName(t._("Tanner stage"))
        self.hint.setText(
            t._(
                "Click the drawing to place a marker, drag a marker to move it, double-click "
                "to open it. Keys: arrows move the cross (Shift: finer), Enter places a "
                "marker, Page Up/Down select, Space opens, M moves the selected marker, "
                "Ctrl +/− zoom, Ctrl+0 fits."
            )
        )
        if self.state is not None:
            self.show_case(self.state, self.can_write)

    def clear(self) -> None:
        self.photos.clear()
        self.state = None
        self.model.set_rows([])
        self.none_list.clear()
