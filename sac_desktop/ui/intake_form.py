"""The stepped intake form, built from the intake schema (``domain.intake.STEPS``).

No business rule lives here: the steps, fields and choices are data from the domain; what
they mean for care is computed by the services. The form only shows values, reports
changes (saved as drafts within about a second) and moves between steps in any order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QIntValidator, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain.intake import (
    STEPS,
    Field,
    Kind,
    Step,
    choice_label,
    choices_of,
    normalise_datetime,
)
from sac_desktop.i18n import Translator

Values = dict[str, Any]


class _Editor(QObject):
    """One field's editor: ``widget`` to place, ``value()`` / ``set_value()``."""

    changed = Signal()

    def __init__(self, field: Field) -> None:
        super().__init__()
        self.field = field
        self.widget: QWidget = QWidget()

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def retranslate(self, t: Translator) -> None:
        self.widget.setAccessibleName(t._(self.field.label))

    def focus_widgets(self) -> list[QWidget]:
        """The widgets Tab visits, in order."""
        return [self.widget]


class _TextEditor(_Editor):
    def __init__(self, field: Field) -> None:
        super().__init__(field)
        self.edit = QLineEdit()
        self.widget = self.edit
        self.edit.textEdited.connect(lambda _text: self.changed.emit())

    def value(self) -> Any:
        return self.edit.text().strip() or None

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))

    def set_placeholder(self, text: str) -> None:
        self.edit.setPlaceholderText(text)


class _LongTextEditor(_Editor):
    def __init__(self, field: Field) -> None:
        super().__init__(field)
        self.edit = QPlainTextEdit()
        self.edit.setTabChangesFocus(True)  # Tab moves on: keyboard-only use
        self.edit.setMinimumHeight(70)
        self.widget = self.edit
        self.edit.textChanged.connect(self.changed.emit)

    def value(self) -> Any:
        return self.edit.toPlainText().strip() or None

    def set_value(self, value: Any) -> None:
        self.edit.blockSignals(True)
        self.edit.setPlainText("" if value is None else str(value))
        self.edit.blockSignals(False)


class _NumberEditor(_TextEditor):
    def __init__(self, field: Field) -> None:
        super().__init__(field)
        self.edit.setValidator(QIntValidator(0, field.maximum or 1_000_000))
        self.edit.setMaximumWidth(120)

    def value(self) -> Any:
        """The number, or None while it is outside the sensible range (the validator
        lets "150" be typed on the way to "15")."""
        text = self.edit.text().strip()
        if not text.isdigit() or not self.edit.hasAcceptableInput():
            return None
        return int(text)


class _DateTimeEditor(_TextEditor):
    """A local time as typed; stored in the normal form when it can be read, as typed
    otherwise (never lost: the intake notes say what to fix)."""

    def __init__(self, field: Field) -> None:
        super().__init__(field)
        self.edit.setMaximumWidth(200)
        self.edit.editingFinished.connect(self._tidy)

    def retranslate(self, t: Translator) -> None:
        super().retranslate(t)
        # The format, not an example time: a grey example read as if already filled in.
        self.edit.setPlaceholderText(t._("yyyy-mm-dd hh:mm"))

    def _tidy(self) -> None:
        text = self.edit.text().strip()
        normal = normalise_datetime(text) if text else None
        if normal is not None and normal != text:
            self.edit.setText(normal)
            self.changed.emit()

    def value(self) -> Any:
        text = self.edit.text().strip()
        if not text:
            return None
        return normalise_datetime(text) or text


class _DateEditor(_TextEditor):
    def __init__(self, field: Field) -> None:
        super().__init__(field)
        self.edit.setMaximumWidth(200)

    def retranslate(self, t: Translator) -> None:
        super().retranslate(t)
        self.edit.setPlaceholderText(t._("yyyy-mm-dd"))


class _ChoiceEditor(_Editor):
    def __init__(self, field: Field) -> None:
        super().__init__(field)
        self.combo = QComboBox()
        self.widget = self.combo
        self.combo.addItem("—", None)
        for code in choices_of(field):
            self.combo.addItem(code, code)
        self.combo.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        self.combo.blockSignals(True)
        index = self.combo.findData(value)
        if index < 0 and value is not None:  # a code this version does not know: kept
            self.combo.addItem(str(value), value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(max(0, index))
        self.combo.blockSignals(False)

    def retranslate(self, t: Translator) -> None:
        super().retranslate(t)
        self.combo.setItemText(0, t._("— not recorded —"))
        for i in range(1, self.combo.count()):
            code = self.combo.itemData(i)
            self.combo.setItemText(i, t._(choice_label(self.field, str(code))))


class _MultiEditor(_Editor):
    def __init__(self, field: Field) -> None:
        super().__init__(field)
        self.widget = QWidget()
        grid = QGridLayout(self.widget)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for n, (code, _label) in enumerate(field.choices):
            box = QCheckBox()
            box.setObjectName(f"{field.name}_{code}")
            box.toggled.connect(lambda _on: self.changed.emit())
            self.boxes[code] = box
            grid.addWidget(box, n, 0)  # one column: long labels (de, fr) never clipped

    def focus_widgets(self) -> list[QWidget]:
        return list(self.boxes.values())

    def value(self) -> Any:
        chosen = [code for code, box in self.boxes.items() if box.isChecked()]
        return chosen or None

    def set_value(self, value: Any) -> None:
        chosen = set(value) if isinstance(value, list) else set()
        for code, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(code in chosen)
            box.blockSignals(False)

    def retranslate(self, t: Translator) -> None:
        self.widget.setAccessibleName(t._(self.field.label))
        labels = dict(self.field.choices)
        for code, box in self.boxes.items():
            box.setText(t._(labels[code]))
            box.setAccessibleName(f"{t._(self.field.label)}: {t._(labels[code])}")


class RecordForm(QObject):
    """The fields of one record of a list (a companion, an episode)."""

    changed = Signal()

    def __init__(self, fields: tuple[Field, ...], prefix: str) -> None:
        super().__init__()
        self.editors = {f.name: make_editor(f) for f in fields}
        self.labels: dict[str, QLabel] = {}
        for editor in self.editors.values():
            if isinstance(editor, _MultiEditor):  # unique names across records
                for code, box in editor.boxes.items():
                    box.setObjectName(f"{prefix}_{editor.field.name}_{code}")
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # labels above
        for name, editor in self.editors.items():
            label = QLabel()
            label.setWordWrap(True)  # long labels (de, fr) wrap rather than widen the form
            label.setBuddy(editor.widget)
            editor.widget.setObjectName(f"{prefix}_{name}")
            self.labels[name] = label
            self.form.addRow(label, editor.widget)
            editor.changed.connect(self.changed.emit)
            editor.changed.connect(self.update_relevance)
        self.update_relevance()

    def update_relevance(self) -> None:
        """Fields that only matter for some value of another (the range's ends) are
        enabled only then; what they hold is kept either way."""
        for name, editor in self.editors.items():
            rule = editor.field.relevant_when
            if rule is not None and rule[0] in self.editors:
                relevant = self.editors[rule[0]].value() in rule[1]
                editor.widget.setEnabled(relevant)
                self.labels[name].setEnabled(relevant)

    def value(self) -> Values:
        return {k: v for k, e in self.editors.items() if (v := e.value()) is not None}

    def focus_widgets(self) -> list[QWidget]:
        return [w for e in self.editors.values() for w in e.focus_widgets()]

    def set_value(self, value: Mapping[str, Any]) -> None:
        for name, editor in self.editors.items():
            editor.set_value(value.get(name))
        self.update_relevance()

    def retranslate(self, t: Translator, title: str = "") -> None:
        """``title`` ("Episode 2") prefixes the accessible names: a screen reader then
        says which record a field belongs to."""
        for name, editor in self.editors.items():
            self.labels[name].setText(t._(editor.field.label))
            editor.retranslate(t)
            if title:
                editor.widget.setAccessibleName(f"{title}: {t._(editor.field.label)}")
                if isinstance(editor, _MultiEditor):
                    labels = dict(editor.field.choices)
                    for code, box in editor.boxes.items():
                        box.setAccessibleName(
                            f"{title}: {t._(editor.field.label)}: {t._(labels[code])}"
                        )


class _ListEditor(_Editor):
    """A list of records shown one under the other, each with its own Remove button."""

    records_changed = Signal()  # a record was added or removed: the tab order is redone

    def __init__(self, field: Field) -> None:
        super().__init__(field)
        self.widget = QWidget()
        self.rows_layout = QVBoxLayout()
        self.add_button = QPushButton()
        self.add_button.setObjectName(f"add_{field.name}")
        self.add_button.clicked.connect(self.add)
        outer = QVBoxLayout(self.widget)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.rows_layout)
        outer.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.records: list[tuple[QGroupBox, RecordForm, QPushButton]] = []
        self.t: Translator | None = None
        self.extra: dict[int, Values] = {}  # keys a record holds that this form lacks

    def add(self) -> RecordForm:
        record = self._append({})
        self.changed.emit()
        first = next(iter(record.editors.values()))
        first.widget.setFocus()
        return record

    def _append(self, value: Mapping[str, Any]) -> RecordForm:
        number = len(self.records) + 1
        box = QGroupBox()
        record = RecordForm(self.field.item_fields, f"{self.field.name}{number}")
        record.set_value(value)
        record.changed.connect(self.changed.emit)
        remove = QPushButton()
        remove.setObjectName(f"remove_{self.field.name}{number}")
        layout = QVBoxLayout(box)
        layout.addLayout(record.form)
        layout.addWidget(remove, 0, Qt.AlignmentFlag.AlignRight)
        entry = (box, record, remove)
        remove.clicked.connect(lambda: self._remove(entry))
        self.records.append(entry)
        self.rows_layout.addWidget(box)
        if self.widget.isVisible():
            box.show()  # now: Tab skips hidden widgets, and the focus moves into it next
        self.records_changed.emit()
        if self.t is not None:
            self._retranslate_record(self.t, len(self.records) - 1)
        return record

    def _remove(self, entry: tuple[QGroupBox, RecordForm, QPushButton]) -> None:
        if entry in self.records:
            self.records.remove(entry)
            entry[0].deleteLater()
            if self.t is not None:
                self.retranslate(self.t)
            self.records_changed.emit()
            self.changed.emit()
            self.add_button.setFocus()

    def focus_widgets(self) -> list[QWidget]:
        widgets: list[QWidget] = []
        for _box, record, remove in self.records:
            widgets += [*record.focus_widgets(), remove]
        return [*widgets, self.add_button]

    def value(self) -> Any:
        values = [r.value() for _b, r, _x in self.records]
        return values or None

    def set_value(self, value: Any) -> None:
        for box, _r, _x in self.records:
            box.deleteLater()
        self.records = []
        for item in value if isinstance(value, list) else []:
            if isinstance(item, Mapping):
                self._append(item)
        self.records_changed.emit()

    def _retranslate_record(self, t: Translator, index: int) -> None:
        box, record, remove = self.records[index]
        title = t._(self.field.item_label or self.field.label)
        box.setTitle(f"{title} {index + 1}")
        record.retranslate(t, f"{title} {index + 1}")
        remove.setText(t._("Remove %(what)s %(n)d") % {"what": title, "n": index + 1})
        remove.setAccessibleName(remove.text())

    def retranslate(self, t: Translator) -> None:
        self.t = t
        self.widget.setAccessibleName(t._(self.field.label))
        what = t._(self.field.item_label or self.field.label)
        self.add_button.setText(t._("&Add: %(what)s") % {"what": what})
        self.add_button.setAccessibleName(t._("Add: %(what)s") % {"what": what})
        for index in range(len(self.records)):
            self._retranslate_record(t, index)


_EDITORS: dict[Kind, Callable[[Field], _Editor]] = {
    Kind.TEXT: _TextEditor,
    Kind.LONG_TEXT: _LongTextEditor,
    Kind.NUMBER: _NumberEditor,
    Kind.DATETIME: _DateTimeEditor,
    Kind.DATE: _DateEditor,
    Kind.CHOICE: _ChoiceEditor,
    Kind.YES_NO: _ChoiceEditor,
    Kind.MULTI: _MultiEditor,
    Kind.LIST: _ListEditor,
}


def make_editor(field: Field) -> _Editor:
    return _EDITORS[field.kind](field)


class StepPage(QScrollArea):
    """One step: an introduction and its fields."""

    changed = Signal(str)  # the section
    tabs_ordered = Signal(QWidget)  # the last widget Tab visits on this page

    def __init__(self, step: Step) -> None:
        super().__init__()
        self.step = step
        self.setObjectName(f"step_{step.section}")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes straight to the fields
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.notice = QLabel()  # e.g. identity: hidden values
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(self.notice)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        layout.addLayout(self.form)
        layout.addStretch(1)
        self.setWidget(inner)
        self.editors: dict[str, _Editor] = {}
        self.labels: dict[str, QLabel] = {}
        self.helps: dict[str, QLabel] = {}
        for field in step.fields:
            editor = make_editor(field)
            editor.widget.setObjectName(f"{step.section}_{field.name}")
            label = QLabel()
            label.setBuddy(editor.widget)
            self.editors[field.name] = editor
            self.labels[field.name] = label
            if field.kind is Kind.LIST:  # records carry their own titles: the full width
                self.form.addRow(label)
                self.form.addRow(editor.widget)
            elif field.help:
                holder = QWidget()
                column = QVBoxLayout(holder)
                column.setContentsMargins(0, 0, 0, 0)
                column.addWidget(editor.widget)
                help_label = QLabel()
                help_label.setStyleSheet("color: palette(mid);")
                column.addWidget(help_label)
                self.helps[field.name] = help_label
                self.form.addRow(label, holder)
            else:
                self.form.addRow(label, editor.widget)
            editor.changed.connect(lambda: self.changed.emit(self.step.section))
            if isinstance(editor, _ListEditor):
                editor.records_changed.connect(self.order_tabs)
        self.loaded: Values = {}
        self.order_tabs()

    def focus_first(self) -> None:
        widgets = [w for e in self.editors.values() for w in e.focus_widgets()]
        enabled = [w for w in widgets if w.isEnabled()]
        if enabled:
            enabled[0].setFocus(Qt.FocusReason.TabFocusReason)

    def order_tabs(self) -> None:
        """Tab visits the fields in the order shown. Records added later would otherwise
        come last in the window's chain, after every other widget."""
        widgets = [w for e in self.editors.values() for w in e.focus_widgets()]
        for first, second in itertools.pairwise(widgets):
            QWidget.setTabOrder(first, second)
        if widgets:
            self.tabs_ordered.emit(widgets[-1])

    def values(self) -> Values:
        """What the step holds: every non-empty value, and an explicit None for a value
        the record has that was cleared (so clearing is recorded too)."""
        out: Values = {}
        for name, editor in self.editors.items():
            value = editor.value()
            if value is not None or self.loaded.get(name) is not None:
                out[name] = value
        return out

    def set_values(self, record: Mapping[str, Any], shown: Mapping[str, Any]) -> None:
        """``record``: the section's current values; ``shown``: what to put in the
        editors (the record, or a draft being typed)."""
        self.loaded = dict(record)
        for name, editor in self.editors.items():
            editor.blockSignals(True)
            editor.set_value(shown.get(name))
            editor.blockSignals(False)

    def retranslate(self, t: Translator) -> None:
        self.title.setText(t._(self.step.title))
        self.intro.setText(t._(self.step.intro))
        for name, editor in self.editors.items():
            self.labels[name].setText(t._(editor.field.label))
            editor.retranslate(t)
            if name in self.helps:
                self.helps[name].setText(t._(editor.field.help))


class IntakeForm(QWidget):
    """Steps on the left (any order), the chosen step on the right."""

    section_changed = Signal(str)  # a value of that section changed (save a draft)
    step_left = Signal(str)  # the person moved away from that section (commit it)

    def __init__(self, steps: tuple[Step, ...] = STEPS) -> None:
        super().__init__()
        self.setObjectName("intakeForm")
        self.steps_list = QListWidget()
        self.steps_list.setObjectName("intakeSteps")
        self.steps_list.setMaximumWidth(170)
        self.pages = QStackedWidget()
        self.page_by_section: dict[str, StepPage] = {}
        for step in steps:
            page = StepPage(step)
            page.changed.connect(self.section_changed.emit)
            self.pages.addWidget(page)
            self.page_by_section[step.section] = page
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, step.section)
            self.steps_list.addItem(item)
        self.previous_button = QPushButton()
        self.previous_button.setObjectName("previousStep")
        self.next_button = QPushButton()
        self.next_button.setObjectName("nextStep")
        self.previous_button.clicked.connect(lambda: self.move(-1))
        self.next_button.clicked.connect(lambda: self.move(1))
        self.status = QLabel()
        self.status.setObjectName("intakeStatus")
        buttons = QHBoxLayout()
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        right = QVBoxLayout()
        right.addWidget(self.pages, 1)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.steps_list)
        layout.addLayout(right, 1)
        for page in self.page_by_section.values():
            page.tabs_ordered.connect(self._after_page)
            page.order_tabs()
        self._current = steps[0].section
        self.steps_list.currentRowChanged.connect(self._on_row)
        self.steps_list.setCurrentRow(0)
        for keys, step in (("Ctrl+PgDown", 1), ("Ctrl+PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self.move(step))

    def _after_page(self, last: QWidget) -> None:
        """From a page's last field, Tab goes on to the step buttons."""
        QWidget.setTabOrder(last, self.previous_button)
        QWidget.setTabOrder(self.previous_button, self.next_button)

    @property
    def current_section(self) -> str:
        return self._current

    def _on_row(self, row: int) -> None:
        if row < 0:
            return
        previous = self._current
        self.pages.setCurrentIndex(row)
        item = self.steps_list.item(row)
        self._current = str(item.data(Qt.ItemDataRole.UserRole))
        if previous != self._current:
            self.step_left.emit(previous)

    def move(self, step: int) -> None:
        row = self.steps_list.currentRow() + step
        while 0 <= row < self.steps_list.count() and self.steps_list.item(row).isHidden():
            row += step
        if 0 <= row < self.steps_list.count():
            self.steps_list.setCurrentRow(row)
            page = self.pages.currentWidget()
            if isinstance(page, StepPage):
                page.focus_first()

    def show_section(self, section: str) -> None:
        for row in range(self.steps_list.count()):
            if self.steps_list.item(row).data(Qt.ItemDataRole.UserRole) == section:
                self.steps_list.setCurrentRow(row)
                return

    def set_step_visible(self, section: str, visible: bool) -> None:
        for row in range(self.steps_list.count()):
            item = self.steps_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == section:
                item.setHidden(not visible)

    def set_step_marker(self, section: str, marker: str) -> None:
        """A short mark after a step's name (e.g. "•" when it holds a draft)."""
        page = self.page_by_section[section]
        for row in range(self.steps_list.count()):
            item = self.steps_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == section:
                base = page.title.text()
                item.setText(f"{base} {marker}".strip())

    def retranslate(self, t: Translator) -> None:
        self.steps_list.setAccessibleName(t._("Intake steps"))
        for row in range(self.steps_list.count()):
            item = self.steps_list.item(row)
            page = self.page_by_section[str(item.data(Qt.ItemDataRole.UserRole))]
            page.retranslate(t)
            item.setText(t._(page.step.title))
        self.previous_button.setText(t._("&Previous step"))
        self.previous_button.setAccessibleName(t._("Previous step (Ctrl+Page Up)"))
        self.next_button.setText(t._("Ne&xt step"))
        self.next_button.setAccessibleName(t._("Next step (Ctrl+Page Down)"))
