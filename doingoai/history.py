"""The history of a record (django-simple-history) as the pages show it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HistoryRow:
    """One history record and the labels of the fields it changed."""

    record: Any
    changed: list[str] = field(default_factory=list)


def history_rows(
    history: Iterable[Any], *, with_fields: bool = True, excluded: Iterable[str] = ()
) -> list[HistoryRow]:
    """Each record of `history` (newest first) with the verbose names of the fields it
    changed against the record before it; `excluded` names fields not compared (many-to-many
    fields would cost a query per record). No query beyond the one that reads `history`."""
    records = list(history)
    if not with_fields or not records:
        return [HistoryRow(record) for record in records]
    rows = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        changed = []
        if older is not None:
            delta = newer.diff_against(older, excluded_fields=list(excluded))
            model = newer.instance_type
            changed = [str(model._meta.get_field(c.field).verbose_name) for c in delta.changes]
        rows.append(HistoryRow(newer, changed))
    return rows
