"""Small layout helpers shared by the pages and panels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.i18n import Translator


def title_label(name: str, scale: float = 1.4) -> QLabel:
    """A page title: larger and bold, in the application font."""
    label = QLabel()
    label.setObjectName(name)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


def centre_column(page: QWidget, column: QWidget, weight: int = 3) -> None:
    """Put ``column`` in the middle of ``page``, a little above the centre."""
    centred = QHBoxLayout()
    centred.addStretch(1)
    centred.addWidget(column, weight)
    centred.addStretch(1)
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    outer.addLayout(centred)
    outer.addStretch(2)


def read_only_table(name: str) -> QTableView:
    """A table of rows to read and select (one row at a time); Tab leaves it."""
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


def labelled_rows(form: QFormLayout, widgets: tuple[tuple[str, QWidget], ...]) -> dict[str, QLabel]:
    """Add each widget with a label (its buddy; the text is set by ``retranslate``)."""
    labels: dict[str, QLabel] = {}
    for key, widget in widgets:
        label = QLabel()
        label.setBuddy(widget)
        labels[key] = label
        form.addRow(label, widget)
    return labels


def named_button(name: str, clicked: Callable[[], object] | None = None) -> QPushButton:
    """A push button with its object name (tests and accessibility find it by it); its
    text is set by ``retranslate``."""
    button = QPushButton()
    button.setObjectName(name)
    if clicked is not None:
        button.clicked.connect(clicked)
    return button


def message_label(name: str) -> QLabel:
    """Where a form says, calmly and in red, what stops it from being saved."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet("color: #8a1c1c;")
    return label


def buddied_rows(form: QFormLayout, rows: list[tuple[str, QWidget]]) -> None:
    """Add translated rows: each label is its widget's buddy (its mnemonic reaches the
    widget) and names it for screen readers; a row without a label takes the whole width
    and is named by its own text (a check box)."""
    for text, widget in rows:
        if text:
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
            widget.setAccessibleName(text.replace("&", "").rstrip(": "))
        else:
            form.addRow(widget)
            widget.setAccessibleName(widget.property("text").replace("&", ""))


def attempt(
    action: Callable[[], object],
    expected: Callable[[BaseException], bool],
    describe: Callable[[BaseException], str],
    message: QLabel,
    bug: Callable[[BaseException], None],
) -> bool:
    """Run what staff asked for: an error they can fix is said calmly in ``message``
    (nothing was saved), anything else is a bug for the crash dialog."""
    message.clear()
    try:
        action()
    except Exception as exc:
        if not expected(exc):
            bug(exc)
            return False
        message.setText(describe(exc))
        return False
    return True


def reraise(error: BaseException) -> None:
    """For ``attempt`` inside a dialog: a bug goes on to the crash dialog."""
    raise error


def save_cancel(save_text: str, cancel_text: str) -> QDialogButtonBox:
    """Save and Cancel for a form: Enter in a field never saves (no default button)."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    for button in buttons.buttons():
        button.setAutoDefault(False)
        button.setDefault(False)
    buttons.button(QDialogButtonBox.StandardButton.Save).setText(save_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    return buttons


class FormDialog(QDialog):
    """A small form: rows, a calm message, Save and Cancel; ``submit`` decides."""

    def __init__(
        self,
        t: Translator,
        name: str,
        title: str,
        rows: list[tuple[str, QWidget]],
        submit: Callable[[], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.submit, self.describe, self.expected = submit, describe, expected
        form = QFormLayout()
        buddied_rows(form, rows)
        self.message = message_label(f"{name}Message")
        self.buttons = save_cancel(t._("&Save"), t._("Cancel"))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.first = rows[0][1] if rows else None

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.first is not None:
            self.first.setFocus()

    def _save(self) -> None:
        if attempt(self.submit, self.expected, self.describe, self.message, reraise):
            self.accept()


def line_edit(name: str, text: str = "") -> QLineEdit:
    """A named one-line field (tests and screen readers find it by its name)."""
    edit = QLineEdit(text)
    edit.setObjectName(name)
    return edit


def text_edit(name: str, text: str = "", height: int = 64) -> QPlainTextEdit:
    """A named short text; Tab leaves it (keyboard-only use)."""
    edit = QPlainTextEdit(text)
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)
    edit.setMaximumHeight(height)
    return edit


def choice_box(name: str, items: list[tuple[str, Any]], current: Any = None) -> QComboBox:
    """A named list of (text, value) with ``current`` chosen (the first if absent)."""
    box = QComboBox()
    box.setObjectName(name)
    for text, value in items:
        box.addItem(text, value)
    box.setCurrentIndex(max(box.findData(current), 0))
    return box


class ActionPanel(QWidget):
    """A case tab that passes on what staff do to its service: an error they can fix is
    said calmly in ``message``, a bug goes to the crash dialog; its small forms are
    FormDialogs. ``changed`` asks the case view to read the case again."""

    changed = Signal()

    def __init__(
        self,
        name: str,
        t: Translator,
        error: Callable[[BaseException], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self.t, self.error, self.describe, self.expected = t, error, describe, expected
        self.message = message_label(f"{name}Message")
        self.dialog: QDialog | None = None

    def _run(self, action: Callable[[], object]) -> bool:
        done = attempt(action, self.expected, self.describe, self.message, self.error)
        if done:
            self.changed.emit()
        return done

    def _form(
        self, name: str, title: str, rows: list[tuple[str, QWidget]], submit: Callable[[], None]
    ) -> FormDialog:
        """Open a small form; ``submit`` records (and says ``changed``) or raises."""
        dialog = FormDialog(self.t, name, title, rows, submit, self.describe, self.expected, self)
        self.dialog = dialog
        dialog.open()
        return dialog


def save_file_dialog(
    parent: QWidget,
    t: Translator,
    name: str,
    title: str,
    suggested: str,
    chosen: Callable[[str], None],
    name_filter: str = "",
) -> QFileDialog:
    """A file chooser for saving (a PDF unless ``name_filter`` says otherwise), opened
    without blocking: Qt's own dialog (in the reader's language; the system's may keep a
    list of recent files), the name suggested (by case number only for a case's
    documents); ``chosen`` receives the path."""
    dialog = QFileDialog(parent, title)
    dialog.setObjectName(name)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter(name_filter or t._("PDF (*.pdf)"))
    dialog.selectFile(suggested)
    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog


def ask(
    parent: QWidget,
    t: Translator,
    name: str,
    title: str,
    label: str,
    done: Callable[[str], None],
    items: list[str] | None = None,
) -> QInputDialog:
    """A small question (a text, or one of ``items``) opened without blocking, its
    buttons in the reader's language; ``done`` receives the answer."""
    dialog = QInputDialog(parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setOkButtonText(t._("OK"))
    dialog.setCancelButtonText(t._("Cancel"))
    if items is not None:
        dialog.setComboBoxItems(items)
        dialog.setComboBoxEditable(False)
    dialog.textValueSelected.connect(done)
    dialog.open()
    return dialog
