"""The case list over many cases: paged storage queries, the service, the lazy model, the panel."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLineEdit

from sac_desktop.domain.clock import format_utc
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.i18n import translator
from sac_desktop.security.keys import VaultKey
from sac_desktop.services.case_list import CaseListRow, CaseListService, CaseQuery
from sac_desktop.services.errors import VaultError
from sac_desktop.services.permissions import Forbidden
from sac_desktop.services.session import Session
from sac_desktop.services.vaults import open_vault
from sac_desktop.storage import projections
from sac_desktop.ui.case_list import CaseListPanel, LazyCaseListModel
from sac_desktop.ui.models import CASE_ID_ROLE
from tests.test_migrations import _vault_at

BULK = 1200
COLUMNS = "case_id, number, training, opened_utc, last_activity_utc, entry_count"


def _synthetic_rows(count: int, seed: int = 7) -> list[CaseListRow]:
    """List rows shaped like real ones (numbers per year, activity after opening, ties)."""
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    rows, sequence = [], {}
    for i in range(count):
        opened = start + timedelta(hours=31 * i + rng.randint(0, 20))
        sequence[opened.year] = sequence.get(opened.year, 0) + 1
        # Whole days, so some rows share their last activity and the number decides.
        last = opened + timedelta(days=rng.randint(0, 60))
        rows.append(
            CaseListRow(
                case_id=str(uuid.UUID(int=rng.getrandbits(128))),
                number=f"BXL-A-{opened.year}-{sequence[opened.year]:05d}",
                training=i % 10 == 0,
                opened_utc=format_utc(opened),
                last_activity_utc=format_utc(last.replace(hour=12, minute=0, second=0)),
                entry_count=rng.randint(1, 400),
            )
        )
    return rows


@pytest.fixture
def listed(session: Session) -> Session:
    """A vault with three cases made by the services and BULK list rows made in bulk."""
    for _ in range(3):
        session.record.create_case()
    with session.vault.transaction() as conn:
        assert projections.insert_listed_cases(conn, _synthetic_rows(BULK)) == BULK
    return session


@pytest.fixture
def service(listed: Session) -> CaseListService:
    return CaseListService(listed.vault, listed.actor)


def _all_rows(session: Session) -> list[CaseListRow]:
    """Every row, read here independently of the code under test, in list order."""
    raw = session.vault.conn.execute(f"SELECT {COLUMNS} FROM proj_case_list").fetchall()
    rows = [CaseListRow(r[0], r[1], bool(r[2]), r[3], r[4], int(r[5])) for r in raw]
    return sorted(rows, key=lambda r: (r.last_activity_utc, r.number), reverse=True)


def _matches(row: CaseListRow, query: CaseQuery) -> bool:
    return (
        query.needle.casefold() in row.number.casefold()
        and (query.training is None or row.training == query.training)
        and (query.opened_from is None or row.opened_utc >= query.opened_from)
        and (query.opened_to is None or row.opened_utc < query.opened_to)
    )


QUERIES = [
    CaseQuery(),
    CaseQuery(text="42"),
    CaseQuery(text="  bxl-a-2021-0001 "),
    CaseQuery(text="2026"),
    CaseQuery(text="%"),
    CaseQuery(text="_"),
    CaseQuery(text="no such number"),
    CaseQuery(training=True),
    CaseQuery(training=False),
    CaseQuery(opened_from="2021-03-01", opened_to="2021-06-01"),
    CaseQuery(opened_from="2022-01-01"),
    CaseQuery(text="00", training=False, opened_to="2021-01-01"),
]


# -- storage ------------------------------------------------------------------------------
@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_count_and_pages_match_the_rows(listed: Session, query: CaseQuery) -> None:
    conn = listed.vault.conn
    expected = [r for r in _all_rows(listed) if _matches(r, query)]
    assert projections.count_cases(conn, query) == len(expected)
    for offset in (0, 7, 200, len(expected) - 3, len(expected) + 5):
        if offset < 0:
            continue
        want = expected[offset : offset + 200]
        # Whichever plan the count hint picks, the rows are the same.
        for matching in (None, 0, len(expected), 10**9):
            got = projections.case_page(conn, query, offset, 200, matching=matching)
            assert got == want, (offset, matching)


def test_paging_walks_the_whole_list_once(listed: Session) -> None:
    conn = listed.vault.conn
    seen: list[str] = []
    offset = 0
    while page := projections.case_page(conn, CaseQuery(), offset, 97):
        seen.extend(r.case_id for r in page)
        offset += len(page)
    assert seen == [r.case_id for r in _all_rows(listed)]
    assert len(set(seen)) == BULK + 3


def test_identity_is_never_searchable(session: Session) -> None:
    case_id, number = session.record.create_case()
    session.record.record_fields(case_id, "identity", {"name": "Synthetic Janssens"})
    conn = session.vault.conn
    assert projections.count_cases(conn, CaseQuery(text="Janssens")) == 0
    assert projections.count_cases(conn, CaseQuery(text=number.lower())) == 1


def test_bad_arguments_are_refused(listed: Session) -> None:
    with pytest.raises(ValueError, match="dates"):
        CaseQuery(opened_from="yesterday")
    with pytest.raises(ValueError, match="negative"):
        projections.case_page(listed.vault.conn, CaseQuery(), -1, 10)
    assert projections.case_page(listed.vault.conn, CaseQuery(), 0, 0) == []


@pytest.mark.parametrize("version", [2, 3])
def test_an_upgraded_vault_lists_and_searches(tmp_path: Path, key: VaultKey, version: int) -> None:
    path = tmp_path / "vault.sacdb"
    _vault_at(path, key, version)
    vault = open_vault(path, key, tmp_path / "backups")
    try:
        assert projections.count_cases(vault.conn, CaseQuery(text="a-2025")) == 1
        query = CaseQuery(text="00001", opened_from="2025-01-01")
        assert [r.case_id for r in projections.case_page(vault.conn, query, 0, 10)] == ["c1"]
    finally:
        vault.close()


def test_case_list_keeps_its_old_shape(listed: Session) -> None:
    assert projections.case_list(listed.vault.conn, 5) == _all_rows(listed)[:5]


# -- service ------------------------------------------------------------------------------
def test_listing_is_not_an_audited_read(listed: Session, service: CaseListService) -> None:
    def audit_count() -> int:
        return int(listed.vault.conn.execute("SELECT count(*) FROM audit").fetchone()[0])

    before = audit_count()
    assert service.count(CaseQuery()) == BULK + 3
    assert len(service.page(CaseQuery(), 0, 50)) == 50
    assert audit_count() == before


@pytest.mark.parametrize("role", list(Role))
def test_who_may_list(listed: Session, role: Role) -> None:
    service = CaseListService(listed.vault, Actor("someone", role))
    if role is Role.POLICE_INSPECTOR:
        with pytest.raises(Forbidden):
            service.count(CaseQuery())
        with pytest.raises(Forbidden):
            service.page(CaseQuery(), 0, 10)
    else:
        assert service.count(CaseQuery()) == BULK + 3
        assert len(service.page(CaseQuery(), 0, 10)) == 10


def test_service_refuses_huge_pages(service: CaseListService) -> None:
    with pytest.raises(ValueError, match="limit"):
        service.page(CaseQuery(), 0, 100_000)


# -- model --------------------------------------------------------------------------------
class Spy:
    """A source that remembers which pages were asked for."""

    def __init__(self, inner: CaseListService) -> None:
        self.inner = inner
        self.counts: list[CaseQuery] = []
        self.pages: list[tuple[int, int]] = []

    def count(self, query: CaseQuery) -> int:
        self.counts.append(query)
        return self.inner.count(query)

    def page(self, query: CaseQuery, offset: int, limit: int) -> list[CaseListRow]:
        self.pages.append((offset, limit))
        return self.inner.page(query, offset, limit)


def test_model_passes_the_model_tester(qtmodeltester, service: CaseListService) -> None:  # type: ignore[no-untyped-def]
    model = LazyCaseListModel(translator("fr"), service, page_size=50, max_pages=3)
    model.set_query(CaseQuery(text="202"))
    qtmodeltester.check(model)
    assert len(model.cached_pages) <= 3
    qtmodeltester.check(LazyCaseListModel(translator("nl")))


def test_model_reads_only_the_pages_asked_for(listed: Session, service: CaseListService) -> None:
    spy = Spy(service)
    model = LazyCaseListModel(translator("en"), spy, page_size=100, max_pages=3)
    expected = _all_rows(listed)
    assert model.rowCount() == BULK + 3
    assert spy.pages == [(0, 100)]  # the first page, read with the count
    assert model.data(model.index(1000, LazyCaseListModel.COL_NUMBER)) == expected[1000].number
    assert model.data(model.index(1001, 0), CASE_ID_ROLE) == expected[1001].case_id
    assert spy.pages == [(0, 100), (1000, 100)]
    for row in (250, 550, 551, 1102):
        model.data(model.index(row, 0))
    assert spy.pages[2:] == [(200, 100), (500, 100), (1100, 100)]
    assert model.cached_pages == (2, 5, 11)  # never more than max_pages
    assert model.data(model.index(BULK + 3, 0)) is None
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole) is None
    assert len(spy.pages) == 5  # neither of those read a page


def test_model_resets_on_a_new_query(qtbot, listed: Session, service: CaseListService) -> None:  # type: ignore[no-untyped-def]
    model = LazyCaseListModel(translator("en"), service)
    model.data(model.index(900, 0))
    query = CaseQuery(text="2021-000")
    with qtbot.waitSignal(model.modelReset):
        model.set_query(query)
    expected = [r for r in _all_rows(listed) if _matches(r, query)]
    assert model.rowCount() == len(expected) > 0
    assert model.cached_pages == (0,)
    assert [model.data(model.index(i, 0)) for i in range(len(expected))] == [
        r.number for r in expected
    ]


def test_model_shows_dates_and_numbers_in_the_language(service: CaseListService) -> None:
    model = LazyCaseListModel(translator("de"), service)
    index = model.index(0, LazyCaseListModel.COL_ENTRIES)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Fallnummer"
    assert model.data(index, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    opened_de = model.data(model.index(0, LazyCaseListModel.COL_OPENED))
    model.retranslate(translator("fr"))
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Numéro de dossier"
    assert model.data(model.index(0, LazyCaseListModel.COL_OPENED)) != opened_de


class Broken:
    def count(self, query: CaseQuery) -> int:
        return 500

    def page(self, query: CaseQuery, offset: int, limit: int) -> list[CaseListRow]:
        raise VaultError("synthetic")


def test_an_unreadable_page_is_reported_once_not_raised(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = LazyCaseListModel(translator("en"))
    errors: list[object] = []
    model.failed.connect(errors.append)
    model.set_source(Broken())
    assert model.rowCount() == 500 and len(errors) == 1
    assert model.data(model.index(3, 0)) is None
    assert len(errors) == 1  # not again on every paint


# -- panel --------------------------------------------------------------------------------
@pytest.fixture
def panel(qtbot, service: CaseListService) -> Iterator[CaseListPanel]:  # type: ignore[no-untyped-def]
    widget = CaseListPanel(translator("en"), Spy(service))
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.set_source(None)  # as the window does when the vault closes


def _spy(panel: CaseListPanel) -> Spy:
    source = panel.model._source
    assert isinstance(source, Spy)
    return source


def test_panel_shows_the_first_page_only(qtbot, panel: CaseListPanel) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(50)  # let the view paint
    assert panel.status.text() == "1,203 cases"
    assert _spy(panel).pages == [(0, 200)]
    panel.view.scrollToBottom()
    qtbot.waitUntil(lambda: (1200, 200) in _spy(panel).pages)
    qtbot.wait(50)
    # The last screenful straddles the last two pages; nothing in between is read.
    assert sorted(_spy(panel).pages) == [(0, 200), (1000, 200), (1200, 200)]


def test_search_is_debounced_and_narrows(qtbot, panel: CaseListPanel, listed: Session) -> None:  # type: ignore[no-untyped-def]
    spy = _spy(panel)
    counted = len(spy.counts)
    qtbot.keyClicks(panel.search, "bxl-a-2022-0001")
    qtbot.waitUntil(lambda: panel.model.query.text == "bxl-a-2022-0001")
    assert len(spy.counts) == counted + 1  # one search for the whole word typed
    expected = [r for r in _all_rows(listed) if "2022-0001" in r.number]
    assert panel.model.rowCount() == len(expected) > 1
    assert panel.status.text() == f"{len(expected)} cases"
    assert panel.model.data(panel.model.index(0, 0)) == expected[0].number
    qtbot.keyClick(panel.search, Qt.Key.Key_Escape)
    assert panel.search.text() == "" and panel.model.rowCount() == BULK + 3


def test_training_filter(qtbot, panel: CaseListPanel, listed: Session) -> None:  # type: ignore[no-untyped-def]
    panel.training_only.setFocus()
    qtbot.keyClick(panel.training_only, Qt.Key.Key_Space)
    assert panel.model.query.training is True
    assert panel.model.rowCount() == sum(r.training for r in _all_rows(listed)) == BULK // 10
    panel.training_only.setChecked(False)
    assert panel.model.rowCount() == BULK + 3


def test_type_down_enter_opens_a_case(qtbot, panel: CaseListPanel, listed: Session) -> None:  # type: ignore[no-untyped-def]
    wanted = _all_rows(listed)[500]
    panel.search.setFocus()
    qtbot.keyClicks(panel.search, wanted.number.lower())
    qtbot.keyClick(panel.search, Qt.Key.Key_Down)  # runs the search at once, goes to the list
    assert panel.view.hasFocus()
    assert panel.model.rowCount() == 1
    with qtbot.waitSignal(panel.case_activated) as signal:
        qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert signal.args == [wanted.case_id]
    assert panel.current_case_id() == wanted.case_id


def test_enter_in_the_search_goes_to_the_list_without_opening(qtbot, panel: CaseListPanel) -> None:  # type: ignore[no-untyped-def]
    opened: list[str] = []
    panel.case_activated.connect(opened.append)
    qtbot.keyClicks(panel.search, "2020")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    assert panel.view.hasFocus() and panel.view.currentIndex().row() == 0
    assert opened == []  # opening a case is an audited read: only on the list itself


def test_ctrl_f_focuses_the_search(qtbot, panel: CaseListPanel) -> None:  # type: ignore[no-untyped-def]
    panel.activateWindow()
    qtbot.waitActive(panel)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()


def test_double_click_opens_a_case(qtbot, panel: CaseListPanel, listed: Session) -> None:  # type: ignore[no-untyped-def]
    rect = panel.view.visualRect(panel.model.index(2, 0))
    viewport = panel.view.viewport()
    # QTest's double-click needs the press of a first click before it (Qt 6).
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(panel.case_activated) as signal:
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == [_all_rows(listed)[2].case_id]


def test_every_control_has_an_accessible_name_and_translates(panel: CaseListPanel) -> None:
    interactive = [
        w
        for kind in (QLineEdit, QAbstractButton, QAbstractItemView)
        for w in panel.findChildren(kind)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus
    ]
    assert {w.objectName() for w in interactive} >= {"caseSearch", "trainingOnly", "caseList"}
    assert all(w.accessibleName() for w in interactive)
    assert panel.search.placeholderText()
    english = {w.objectName(): w.accessibleName() for w in interactive}
    panel.retranslate(translator("nl"))
    assert panel.view.accessibleName() == "Dossierlijst"
    assert all(w.accessibleName() != english[w.objectName()] for w in interactive)
    assert panel.model.headerData(0, Qt.Orientation.Horizontal) == "Dossiernummer"
    assert panel.status.text().startswith("1.203")


def test_refresh_keeps_current_case(qtbot, panel: CaseListPanel, listed: Session) -> None:  # type: ignore[no-untyped-def]
    panel.view.selectRow(3)
    current = panel.current_case_id()
    listed.record.create_case()
    panel.refresh()
    assert panel.model.rowCount() == BULK + 4
    assert panel.current_case_id() == current
    qtbot.keyClicks(panel.search, "2020")
    panel.set_source(None)
    assert panel.search.text() == "" and panel.model.rowCount() == 0
    assert panel.status.text() == "0 cases"


def test_police_get_a_calm_failure_not_a_list(qtbot, listed: Session) -> None:  # type: ignore[no-untyped-def]
    police = CaseListService(listed.vault, Actor("inspector-1", Role.POLICE_INSPECTOR))
    panel = CaseListPanel(translator("en"))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.failed) as signal:
        panel.set_source(police)
    assert isinstance(signal.args[0], Forbidden)
    assert panel.model.rowCount() == 0
    panel.set_source(None)
