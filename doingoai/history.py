"""The history of a record (django-simple-history): how it is written (OneEntryPerSave) and
how the pages show it (history_rows)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

# The attribute of a saved instance that holds the history entry its last save wrote.
LAST_ENTRY = "_history_last_entry"


class OneEntryPerSave(HistoricalRecords):
    """django-simple-history's HistoricalRecords, writing one entry per action on a record
    with many-to-many fields in its history.

    django-simple-history writes an entry for the save and one more for every post_add,
    post_remove and post_clear of those fields (`set()` is a remove and an add): a service
    that saves an activity and then sets its co-organisers left "Created" or "Edited" two or
    three times, each with the same reason and user. Here a change of those fields made
    through an instance after it was saved goes into the entry that save wrote, whose copy
    of the lists is taken again (a DELETE and an INSERT per field, only when a list
    changes); a change through an instance that was not saved first still writes its own
    entry, as the library does. Saves write their entry as before: the reason and the user
    come from the instance (`_change_reason`, `_history_user`).

    Use it where the model declares its history: `history = OneEntryPerSave(m2m_fields=…)`.
    It changes no table, so no migration."""

    def create_history_model(self, model: type[models.Model], inherited: bool):
        history_model = super().create_history_model(model, inherited)
        post_create_historical_record.connect(
            _remember_entry, sender=history_model, weak=False, dispatch_uid=history_model
        )
        return history_model

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs) -> None:
        entry = getattr(instance, LAST_ENTRY, None)
        if (
            entry is None
            or reverse
            or action not in ("post_add", "post_remove", "post_clear")
            or hasattr(instance, "skip_history_when_saving")
            or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        ):
            super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
            return
        for m2m_field in entry._history_m2m_fields:
            self.m2m_models[m2m_field].objects.filter(history=entry).delete()
        self.create_historical_record_m2ms(entry, instance)


def _remember_entry(sender, instance, history_instance, **kwargs) -> None:
    setattr(instance, LAST_ENTRY, history_instance)


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
