"""Pagination for lists that may hold a hundred thousand rows."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts matching rows only up to `cap`: an exact count of 100,000 activities reads the
    whole table on every page view, while nobody pages through more than a few hundred pages
    (they filter instead). Past the cap, `capped` is true and the page says "more than"."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)

    capped = False
