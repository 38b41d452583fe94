"""Reading the monitoring pages' query parameters (?year=, ?agency=): the parsing every page
shares; each page words its own message for a value it cannot use."""

from __future__ import annotations

from collections.abc import Iterable

from agencies.models import Agency


def year_in(value: str, first: int, last: int) -> int | None:
    """The year written in `value` ("2026", surrounding spaces allowed) when it is from
    `first` to `last` (both included), else None (not a number, or out of range). Never
    raises."""
    try:
        year = int(value)
    except ValueError:
        return None
    return year if first <= year <= last else None


def agency_of(code: str, agencies: Iterable[Agency]) -> Agency | None:
    """The agency among `agencies` whose code is `code` (letter case ignored), else None.
    No query."""
    wanted = code.casefold()
    return next((a for a in agencies if a.code.casefold() == wanted), None)
