"""Paging long admin lists over a large table: estimated counts and the page's ids first.

Django's paginator runs `SELECT COUNT(*)` over the whole filtered list on every page, then selects the page's
rows with their joins. Over a million cases both cost more than the page should:

- the count: `LargeTablePaginator` asks the planner first (one `EXPLAIN`, no rows read) and counts exactly
  only when the estimate is small (an officer's own few thousand cases, a narrow filter, a search), where an
  exact count is cheap and the page numbers must be exact;
- the exact count and the page's keys in one statement: given the page the list asks for (`page_hint`, the
  admin's `?p=`), it reads that page's keys with `count(*) OVER ()` (the window counts every row before the
  LIMIT), so the visible rows are read once, not once to count and again to page;
- the page: it selects the page's primary keys alone (ordered, offset, limited — from the ordering index, or
  by sorting only the visible rows' sort keys), then the page's rows with their joins by those keys: the
  joins are done for 50 rows, not for every visible row before the sort (a "deferred join").
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, QuerySet, Window
from django.utils.functional import cached_property

# Below this many (estimated) rows the count is exact.
EXACT_COUNT_BELOW = 20_000


def planner_row_estimate(queryset: QuerySet) -> int | None:
    """Return PostgreSQL's estimate of how many rows `queryset` returns (None on other databases)."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class LargeTablePaginator(Paginator):
    """Count by the planner's estimate when it is at least EXACT_COUNT_BELOW; otherwise count exactly in the
    statement that reads the hinted page's keys; fetch a page by its keys first."""

    exact_count_below = EXACT_COUNT_BELOW

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *,
                 page_hint: int | None = None) -> None:
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.page_hint = page_hint if isinstance(page_hint, int) and page_hint >= 1 else None
        self._hinted_keys: tuple[int, list] | None = None  # (page number, its keys and up to `orphans` more)

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            estimate = planner_row_estimate(self.object_list)
            if estimate is not None and estimate >= self.exact_count_below:
                return estimate
            if self.page_hint is not None and (counted := self._count_with_hinted_keys()) is not None:
                return counted
        return super().count

    def _count_with_hinted_keys(self) -> int | None:
        """Read the hinted page's keys with the total row count; None when that page has no rows."""
        bottom = (self.page_hint - 1) * self.per_page
        rows = list(self.object_list.annotate(_mp_total=Window(Count("*")))
                    .values_list("pk", "_mp_total")[bottom:bottom + self.per_page + self.orphans])
        if not rows:
            return None
        self._hinted_keys = (self.page_hint, [pk for pk, _total in rows])
        return rows[0][1]

    def page(self, number):
        if not isinstance(self.object_list, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self._hinted_keys is not None and self._hinted_keys[0] == number:
            keys = self._hinted_keys[1][:top - bottom]
        else:
            keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = self.object_list.order_by().in_bulk(keys)
        return self._get_page([rows[key] for key in keys if key in rows], number, self)
