"""Renaming a consolidated report's build number (draft_number) and its edit-conflict counter
(version, was revision) keeps every row and its values, and the rule of one draft number per
period, on a PostgreSQL database that already holds versions."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from reports.models import ConsolidatedReport
from reports.periods import ensure_periods
from tests.support import postgres_only

BEFORE = [("reports", "0002_revision_and_text_only_renders")]


def _migrate(targets) -> MigrationExecutor:
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader reads what is applied now


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_versions_written_before_the_rename_keep_their_numbers_and_counters():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    ensure_periods([2020])
    try:
        executor = _migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        OldReport = old.get_model("reports", "ConsolidatedReport")
        period = old.get_model("reports", "ReportingPeriod").objects.get(kind="half", year=2020)
        first = OldReport.objects.create(period=period, version=1, revision=4, status="ready")
        second = OldReport.objects.create(
            period=period,
            version=2,
            revision=7,
            status="issued",
            number=3,
            number_year=2020,
            issued_on=date(2020, 7, 1),
        )

        _migrate(latest)

        rows = ConsolidatedReport.objects.order_by("pk").values_list(
            "pk", "draft_number", "version", "status", "number"
        )
        assert list(rows) == [
            (first.pk, 1, 4, "ready", None),
            (second.pk, 2, 7, "issued", 3),
        ]
        with pytest.raises(IntegrityError), transaction.atomic():
            ConsolidatedReport.objects.create(period_id=period.pk, draft_number=2)
    finally:
        _migrate(latest)
