"""The case list over many cases: a paged Qt model and its panel (search, filter, keys).

API (kept small; the main window wires it):

- ``CaseListPanel(t, source=None)``: a search box (Ctrl+F; Down or Enter goes to the
  list, Escape clears it), a "training cases only" filter, the table and an "N cases"
  line. ``set_source(source)`` shows a vault's cases (``None`` forgets them and the
  search: call it before the vault closes), ``refresh()`` reads them again after cases
  were added or changed, ``retranslate(t)`` on a language change, ``current_case_id()``.
  Signals:
  ``case_activated(str)`` with a case id on Enter or double-click in the table;
  ``failed(object)`` with a ``VaultError`` or ``Forbidden`` it could not show.
- ``LazyCaseListModel(t, source=None)``: ``rowCount`` is the query's count; rows are read
  in pages of ``PAGE_SIZE`` when the view asks for them, and at most ``MAX_PAGES`` pages
  are kept. ``set_query(query)`` resets it. Named columns ``COL_*``; ``CASE_ID_ROLE``.

A source is anything with ``count(query)`` and ``page(query, offset, limit)``: the
``CaseListService``. Search runs on the GUI thread, debounced by ``SEARCH_DELAY_MS``:
count and first page stay under 50 ms at 100,000 cases (about 20-35 ms measured by
tests/benchmarks/bench_case_list.py), and the vault's one connection is never shared
with a worker thread.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain.clock import format_utc, parse_utc
from sac_desktop.i18n import N_, Translator
from sac_desktop.services.case_list import CaseListRow, CaseQuery
from sac_desktop.services.errors import VaultError
from sac_desktop.services.permissions import Forbidden
from sac_desktop.services.protocols import ProtocolRegistry, shipped
from sac_desktop.services.record import TIME_UNKNOWN_POINT
from sac_desktop.ui.models import CASE_ID_ROLE, local_time, local_time_zoned

PAGE_SIZE = 200
MAX_PAGES = 4  # a screenful can straddle two pages; more would only hold memory
SEARCH_DELAY_MS = 150
Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole


class CaseSource(Protocol):
    def count(self, query: CaseQuery) -> int: ...

    def page(self, query: CaseQuery, offset: int, limit: int) -> list[CaseListRow]: ...


@dataclass(frozen=True)
class _Column:
    header: str  # marked with N_, translated when shown
    text: Callable[[Translator, CaseListRow, _Context], str]
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft


DEADLINE_REFRESH_MS = 60_000


class _Context(Protocol):
    """What a cell may need besides its row: the time now and the clock's item names."""

    def now(self) -> datetime: ...

    protocols: ProtocolRegistry | None


def _window_label(registry: ProtocolRegistry | None, t: Translator, item: str) -> str:
    for protocol in (registry or shipped()).protocols.values():
        try:
            return protocol.window(item).text(t.language)
        except KeyError:
            continue
    return item


def _next_deadline(t: Translator, row: CaseListRow, context: _Context) -> str:
    """The case's next deadline after now, from the clock engine's points (kept in the
    list row). Refreshed every minute (``DEADLINE_REFRESH_MS``). A closed case has none:
    the column says when it was closed."""
    if row.closed_utc:
        return t._("case closed on %(when)s") % {"when": local_time(t, parse_utc(row.closed_utc))}
    upcoming = row.next_deadline(format_utc(context.now()))
    if upcoming is None:
        return ""
    at, item = upcoming
    if item == TIME_UNKNOWN_POINT[1]:
        return t._("time not known: clinician decides")
    label = _window_label(context.protocols, t, item)
    return f"{local_time_zoned(t, parse_utc(at))} · {label}"


#: One line per column: a later column (status, deadline, nurse) is one more line here.
COLUMNS: tuple[_Column, ...] = (
    _Column(N_("Case number"), lambda t, r, _c: r.number),
    _Column(N_("Opened"), lambda t, r, _c: local_time(t, parse_utc(r.opened_utc))),
    _Column(N_("Last activity"), lambda t, r, _c: local_time(t, parse_utc(r.last_activity_utc))),
    _Column(N_("Next deadline"), _next_deadline),
    _Column(
        N_("Entries"), lambda t, r, _c: t.format_number(r.entry_count), Qt.AlignmentFlag.AlignRight
    ),
)


_ALIGNMENTS = tuple(c.align | Qt.AlignmentFlag.AlignVCenter for c in COLUMNS)


class _Shown:
    """A row with its cell texts, formatted once when first painted (dates cost ~40 µs)."""

    __slots__ = ("row", "texts")

    def __init__(self, row: CaseListRow) -> None:
        self.row = row
        self.texts: list[str | None] = [None] * len(COLUMNS)


class LazyCaseListModel(QAbstractTableModel):
    COL_NUMBER, COL_OPENED, COL_ACTIVITY, COL_DEADLINE, COL_ENTRIES = range(5)
    failed = Signal(object)  # a VaultError (or Forbidden) met while reading a page

    def __init__(
        self,
        t: Translator,
        source: CaseSource | None = None,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
    ) -> None:
        super().__init__()
        self.t = t
        #: The time "next deadline" is counted from (the session's clock when signed in),
        #: and the protocols that name its items (the session's, with the centre's own).
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.protocols: ProtocolRegistry | None = None  # until signed in: the shipped ones
        self.page_size = page_size
        self.max_pages = max(2, max_pages)
        self._source = source
        self._query = CaseQuery()
        self._count = 0
        self._pages: OrderedDict[int, list[_Shown]] = OrderedDict()
        self._unreadable: set[int] = set()  # not retried on every paint until the next reset
        if source is not None:
            self.reload()

    # -- what is shown ----------------------------------------------------------------
    @property
    def query(self) -> CaseQuery:
        return self._query

    @property
    def cached_pages(self) -> tuple[int, ...]:
        """Page numbers held in memory, least recently used first."""
        return tuple(self._pages)

    def set_source(self, source: CaseSource | None) -> None:
        self._source = source
        self._query = CaseQuery()
        self.reload()

    def set_query(self, query: CaseQuery) -> None:
        self._query = query
        self.reload()

    def reload(self) -> None:
        """Count again and drop every page; the first page is read before the view asks.

        Errors from counting propagate (the list is then empty); errors reading a page
        are emitted as ``failed``."""
        self.beginResetModel()
        try:
            self._pages.clear()
            self._unreadable.clear()
            self._count = 0
            if self._source is not None:
                self._count = max(0, self._source.count(self._query))
                if self._count:
                    self._load(0)
        finally:
            self.endResetModel()

    def refresh_deadlines(self) -> None:
        """Time moved on: the "next deadline" cells are formatted again (no page read)."""
        column = self.COL_DEADLINE
        for page in self._pages.values():
            for shown in page:
                shown.texts[column] = None
        if self._count:
            self.dataChanged.emit(self.index(0, column), self.index(self._count - 1, column))

    def retranslate(self, t: Translator) -> None:
        self.t = t
        for page in self._pages.values():
            for shown in page:
                shown.texts = [None] * len(COLUMNS)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(COLUMNS) - 1))

    def row_at(self, row: int) -> CaseListRow | None:
        shown = self._shown(row)
        return None if shown is None else shown.row

    def find_cached(self, case_id: str) -> int | None:
        """The row of ``case_id`` if it is in a page held now (never reads the vault)."""
        for number, page in self._pages.items():
            for i, shown in enumerate(page):
                if shown.row.case_id == case_id:
                    return number * self.page_size + i
        return None

    # -- pages ------------------------------------------------------------------------
    def _load(self, number: int) -> list[_Shown] | None:
        if self._source is None or number in self._unreadable:
            return None
        try:
            rows = self._source.page(self._query, number * self.page_size, self.page_size)
        except (VaultError, Forbidden) as exc:
            self._unreadable.add(number)
            self.failed.emit(exc)
            return None
        page = [_Shown(r) for r in rows]
        self._pages[number] = page
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        return page

    def _shown(self, row: int) -> _Shown | None:
        if not 0 <= row < self._count:
            return None
        number, at = divmod(row, self.page_size)
        page = self._pages.get(number)
        if page is None:
            page = self._load(number)
        else:
            self._pages.move_to_end(number)
        if page is None or at >= len(page):  # the list shrank since it was counted
            return None
        return page[at]

    # -- Qt model ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == _DISPLAY:
            return self.t._(COLUMNS[section].header)
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or index.column() >= len(COLUMNS):
            return None
        column = index.column()
        if role == _ALIGN:
            return _ALIGNMENTS[column]
        if role not in (_DISPLAY, CASE_ID_ROLE):  # decided before any page is read
            return None
        shown = self._shown(index.row())
        if shown is None:
            return None
        if role == CASE_ID_ROLE:
            return shown.row.case_id
        text = shown.texts[column]
        if text is None:
            text = shown.texts[column] = COLUMNS[column].text(self.t, shown.row, self)
        return text


def _case_table() -> QTableView:
    view = QTableView()
    view.setObjectName("caseList")
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.setWordWrap(False)
    view.setCornerButtonEnabled(False)
    rows = view.verticalHeader()
    rows.setVisible(False)
    # Fixed heights: the view never asks 100,000 rows for their size.
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(view.fontMetrics().height() + 8)
    columns = view.horizontalHeader()
    # Sizing a column to its contents looks at this many rows only (Qt's default: 1000).
    columns.setResizeContentsPrecision(16)
    columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    columns.setStretchLastSection(True)
    return view


class CaseListPanel(QWidget):
    case_activated = Signal(str)
    failed = Signal(object)

    def __init__(
        self, t: Translator, source: CaseSource | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("caseListPanel")
        self.t = t
        self.search_label = QLabel()
        self.search = QLineEdit()
        self.search.setObjectName("caseSearch")
        self.search.setClearButtonEnabled(True)
        self.search_label.setBuddy(self.search)
        self.training_only = QCheckBox()
        self.training_only.setObjectName("trainingOnly")
        self.view = _case_table()
        self.model = LazyCaseListModel(t)
        self.view.setModel(self.model)
        self.status = QLabel()
        self.status.setObjectName("caseCount")
        self._sized = False

        top = QHBoxLayout()
        top.addWidget(self.search_label)
        top.addWidget(self.search, 1)
        top.addWidget(self.training_only)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.search_now)
        # Bound methods, not lambdas holding self: a closed panel is freed at once.
        self.search.textChanged.connect(self._typed)
        self.search.returnPressed.connect(self._search_and_go_to_list)
        self.search.installEventFilter(self)
        self.training_only.toggled.connect(self._filter_toggled)
        self.view.activated.connect(self._activate)
        self.model.failed.connect(self.failed)
        self.model.modelReset.connect(self._after_reset)
        self.find_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        self.find_shortcut.activated.connect(self.focus_search)
        self.deadline_timer = QTimer(self)
        self.deadline_timer.setInterval(DEADLINE_REFRESH_MS)
        self.deadline_timer.timeout.connect(self.model.refresh_deadlines)
        self.deadline_timer.start()

        self.retranslate(t)
        if source is not None:
            self.set_source(source)

    # -- API --------------------------------------------------------------------------
    def set_source(self, source: CaseSource | None) -> None:
        """Show this source's cases from the top, with an empty search."""
        self._debounce.stop()
        for widget in (self.search, self.training_only):
            widget.blockSignals(True)
        self.search.clear()
        self.training_only.setChecked(False)
        for widget in (self.search, self.training_only):
            widget.blockSignals(False)
        self._guarded(lambda: self.model.set_source(source))

    def refresh(self) -> None:
        """Read the list again (cases added or changed); the current case stays current
        if it is still among the first rows."""
        case_id = self.current_case_id()
        self._guarded(self.model.reload)
        row = None if case_id is None else self.model.find_cached(case_id)
        if row is not None:
            self.view.selectRow(row)

    def current_case_id(self) -> str | None:
        index = self.view.currentIndex()
        case_id = self.model.data(index, CASE_ID_ROLE) if index.isValid() else None
        return case_id if isinstance(case_id, str) else None

    def query(self) -> CaseQuery:
        return CaseQuery(
            text=self.search.text(), training=True if self.training_only.isChecked() else None
        )

    def search_now(self) -> None:
        """Run the search typed so far (the debounce timer calls this)."""
        self._debounce.stop()
        query = self.query()
        if query != self.model.query:
            self._guarded(lambda: self.model.set_query(query))

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def retranslate(self, t: Translator) -> None:
        self.t = t
        self.search_label.setText(t._("S&earch:"))
        self.search.setAccessibleName(t._("Search cases by number"))
        self.search.setPlaceholderText(t._("Part of a case number"))
        self.search.setToolTip(t._("Only the case number is searched, never identity details."))
        self.training_only.setText(t._("&Training cases only"))
        self.training_only.setAccessibleName(t._("Show only training cases"))
        self.view.setAccessibleName(t._("Case list"))
        self.model.retranslate(t)
        self._sized = False
        self._size_columns()
        self._show_count()

    # -- inside -----------------------------------------------------------------------
    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            action()
        except (VaultError, Forbidden) as exc:
            self.failed.emit(exc)

    def _typed(self, _text: str) -> None:
        self._debounce.start()

    def _filter_toggled(self, _on: bool) -> None:
        self.search_now()

    def _after_reset(self) -> None:
        self._size_columns()
        self._show_count()

    def _show_count(self) -> None:
        count = self.model.rowCount()
        self.status.setText(
            self.t.ngettext("%(count)s case", "%(count)s cases", count)
            % {"count": self.t.format_number(count)}
        )

    def _size_columns(self) -> None:
        """Once per language, from the header and the first rows (dates vary by language)."""
        if self._sized or self.model.rowCount() == 0:
            return
        self._sized = True
        self.view.resizeColumnsToContents()

    def _search_and_go_to_list(self) -> None:
        self.search_now()
        self._go_to_list()

    def _go_to_list(self) -> None:
        if self.model.rowCount() == 0:
            return
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.view.currentIndex().isValid():
            self.view.selectRow(0)

    def _activate(self, index: QModelIndex) -> None:
        case_id = self.model.data(index, CASE_ID_ROLE)
        if isinstance(case_id, str):
            self.case_activated.emit(case_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
                self.search_now()
                self._go_to_list()
                return True
            if event.key() == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                self.search_now()
                return True
        return super().eventFilter(watched, event)
