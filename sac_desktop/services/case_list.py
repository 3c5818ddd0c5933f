"""The case list over many cases: counts and pages of list rows (Qt-free).

A list row carries the pseudonymous number, dates and an entry count, never identity, so
listing is not a case read and is not audited; it still needs the right to read cases
(police inspectors never list the record).
"""

from __future__ import annotations

from sac_desktop.domain.roles import Actor
from sac_desktop.services.permissions import Area, Op, require
from sac_desktop.storage import projections
from sac_desktop.storage.projections import CaseListRow, CaseQuery
from sac_desktop.storage.vault import Vault

#: A page larger than this is a bug in the caller, not a list anyone scrolls.
MAX_PAGE = 1000


class CaseListService:
    def __init__(self, vault: Vault, actor: Actor) -> None:
        self.vault = vault
        self.actor = actor
        # The last count, which lets storage pick the cheaper plan for that query's pages.
        self._counted: tuple[CaseQuery, int] | None = None

    def count(self, query: CaseQuery) -> int:
        """How many cases match; call again after cases were added (it is not cached for
        anyone but the page plan)."""
        require(self.actor, Area.CASE, Op.READ)
        total = projections.count_cases(self.vault.conn, query)
        self._counted = (query, total)
        return total

    def page(self, query: CaseQuery, offset: int, limit: int) -> list[CaseListRow]:
        """Rows ``offset`` .. ``offset + limit - 1``, most recent activity first."""
        require(self.actor, Area.CASE, Op.READ)
        if not 0 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 0 and {MAX_PAGE}")
        counted = self._counted
        matching = counted[1] if counted is not None and counted[0] == query else None
        return projections.case_page(self.vault.conn, query, offset, limit, matching=matching)


__all__ = ["MAX_PAGE", "CaseListRow", "CaseListService", "CaseQuery"]
