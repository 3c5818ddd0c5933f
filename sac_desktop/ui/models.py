"""Qt models with named columns over plain rows from the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from sac_desktop.domain.clock import DEFAULT_ZONE, parse_utc
from sac_desktop.domain.intake import STEP_BY_SECTION, Field, Kind, choice_label, field_of
from sac_desktop.domain.roles import ROLE_LABELS, Role
from sac_desktop.domain.state import FieldVersion
from sac_desktop.domain.vocabulary import FIELD_LABELS, VALUE_LABELS
from sac_desktop.i18n import N_, Translator
from sac_desktop.services.record import CaseListRow

Index = QModelIndex | QPersistentModelIndex
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
FIELD_KEY_ROLE = Qt.ItemDataRole.UserRole + 2


def local_time(t: Translator, moment: datetime, zone: str = DEFAULT_ZONE) -> str:
    return t.format_datetime(moment.astimezone(ZoneInfo(zone)))


def local_time_zoned(t: Translator, moment: datetime, zone: str = DEFAULT_ZONE) -> str:
    """A local time with its zone's abbreviation (CET, CEST): a deadline in the repeated
    autumn hour is then never mistaken for the other one."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{t.format_datetime(local)} {local.tzname()}"


def role_label(t: Translator, role: str) -> str:
    try:
        return t._(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


class _TableModel(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()

    def __init__(self, t: Translator) -> None:
        super().__init__()
        self.t = t
        self._rows: list[Any] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return self.t._(self.HEADERS[section])
        return None

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def refresh_rows(self, rows: list[Any], key: Callable[[Any], object]) -> None:
        """New values for the rows. When the same rows come in the same order (``key``),
        the cells change in place: the selection, and a screen reader's place, stay."""
        if rows and [key(r) for r in rows] == [key(r) for r in self._rows]:
            self._rows = list(rows)
            last = self.index(len(rows) - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        else:
            self.set_rows(rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def retranslate(self, t: Translator) -> None:
        self.t = t
        if self.HEADERS:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self.HEADERS) - 1)
            )

    def clear(self) -> None:
        self.set_rows([])


class CaseListModel(_TableModel):
    COL_NUMBER, COL_OPENED, COL_ACTIVITY, COL_ENTRIES = range(4)
    HEADERS = (N_("Case number"), N_("Opened"), N_("Last activity"), N_("Entries"))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row: CaseListRow = self._rows[index.row()]
        if role == CASE_ID_ROLE:
            return row.case_id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == self.COL_NUMBER:
            return row.number
        if column == self.COL_OPENED:
            return local_time(self.t, parse_utc(row.opened_utc))
        if column == self.COL_ACTIVITY:
            return local_time(self.t, parse_utc(row.last_activity_utc))
        if column == self.COL_ENTRIES:
            return self.t.format_number(row.entry_count)
        return None


def t_label(t: Translator, key: str) -> str:
    section, _, name = key.partition(".")
    field = field_of(section, name)
    if field is not None:
        return f"{t._(STEP_BY_SECTION[section].title)}: {t._(field.label)}"
    return t._(FIELD_LABELS[key]) if key in FIELD_LABELS else key


def _field_value(t: Translator, field: Field, value: Any) -> str:
    """A value of an intake field in words: choices by their labels, lists summarised."""
    if value is None:
        return t._("(empty)")
    if field.kind in (Kind.CHOICE, Kind.YES_NO) and isinstance(value, str):
        return t._(choice_label(field, value))
    if field.kind is Kind.MULTI and isinstance(value, list):
        return ", ".join(t._(choice_label(field, str(v))) for v in value)
    if field.kind is Kind.LIST and isinstance(value, list):
        parts = []
        for number, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                continue
            shown = [
                _field_value(t, sub, item[sub.name])
                for sub in field.item_fields
                if item.get(sub.name) not in (None, "", [])
            ]
            parts.append(f"{number}. " + "; ".join(shown))
        return " | ".join(parts)
    return _display(t, value)


def display_value(t: Translator, key: str, value: Any) -> str:
    section, _, name = key.partition(".")
    field = field_of(section, name)
    return _display(t, value) if field is None else _field_value(t, field, value)


def _display(t: Translator, value: Any) -> str:
    if value is None:
        return t._("(empty)")
    if isinstance(value, bool):
        return t._("yes") if value else t._("no")
    if isinstance(value, int | float):
        return t.format_number(value)
    if isinstance(value, str) and value in VALUE_LABELS:
        return t._(VALUE_LABELS[value])
    return str(value)


class FieldsModel(_TableModel):
    """The current value of each field of an open case, with who set it and when."""

    COL_FIELD, COL_VALUE, COL_BY, COL_WHEN = range(4)
    HEADERS = (N_("Field"), N_("Value"), N_("Recorded by"), N_("When"))

    def __init__(self, t: Translator) -> None:
        super().__init__(t)
        self.names: dict[str, str] = {}  # account id -> display name

    def set_names(self, names: dict[str, str]) -> None:
        self.names = dict(names)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        key, version = self._rows[index.row()]
        version_: FieldVersion = version
        if role == FIELD_KEY_ROLE:
            return key
        column = index.column()
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_BY:
            return self.t._("%(author)s (%(role)s)") % {
                "author": self.names.get(version_.author, version_.author),
                "role": role_label(self.t, version_.role),
            }
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == self.COL_FIELD:
            return t_label(self.t, key)
        if column == self.COL_VALUE:
            if version_.hidden:
                return self.t._("(hidden)")
            return display_value(self.t, key, version_.value)
        if column == self.COL_BY:  # the role is in the tooltip: the column stays narrow
            return self.names.get(version_.author, version_.author)
        if column == self.COL_WHEN:
            return local_time(self.t, version_.at_utc)
        return None


class HistoryModel(FieldsModel):
    """Every value one field has had, oldest first (the corrected ones included)."""
