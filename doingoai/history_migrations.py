"""Helpers for data migrations only: a starting history row for rows that have none.

When django-simple-history starts following a model, its existing rows have no history: the
first change then shows nothing to compare with. `start_history` writes, for each row without
one, a "+" row holding the record as it is now, dated at the migration, by nobody, with the
reason STARTING_REASON in the portal's language. Running it again adds nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

STARTING_REASON = gettext_noop("History started: the record as it was")
BATCH = 1000


def start_history(apps, app_label: str, model_name: str) -> int:
    """Write the starting history rows of `app_label.model_name` (a model with
    HistoricalRecords) from a RunPython migration; returns how many were written."""
    Model = apps.get_model(app_label, model_name)
    Historical = apps.get_model(app_label, f"Historical{model_name}")
    copied = [
        f.attname for f in Historical._meta.concrete_fields if not f.name.startswith("history_")
    ]
    # migrate runs with translations off: the reason is written as a request would write it.
    with translation.override(settings.LANGUAGE_CODE):
        reason = gettext(STARTING_REASON)
    now = timezone.now()
    recorded = Historical.objects.values("id")
    written = 0
    batch = []
    for row in Model.objects.exclude(pk__in=recorded).order_by("pk").iterator(chunk_size=BATCH):
        batch.append(
            Historical(
                **{name: getattr(row, name) for name in copied},
                history_type="+",
                history_date=now,
                history_change_reason=reason,
            )
        )
        if len(batch) == BATCH:
            Historical.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    Historical.objects.bulk_create(batch)
    return written + len(batch)
