"""The monitoring benchmark runs on a small database, so it cannot rot: every page answers
as the leader and as the district's staff member, each against its raw SQL statement."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from agencies.plans import plan_in_force
from monitoring.observances import occurrences
from tests.factories import make_periods
from tests.support import postgres_only

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, postgres_only]

PAGES = [
    "overview",
    "plan",
    "plan cell, busy",
    "plan cell, empty",
    "agencies",
    "agencies.xlsx",
    "calendar",
    "calendar.ics",
]


def test_benchmark_times_every_page_against_its_raw_statement():
    year = timezone.localdate().year
    make_periods(year - 1, year)
    call_command("generate_sample_data", activities=300, not_production=True, stdout=StringIO())
    out = StringIO()

    call_command("benchmark_monitoring", repeat=1, explain=True, stdout=out)

    queries, raw_rows = {}, {}
    for line in out.getvalue().splitlines():
        # page, role, raw rows, median, p95, fastest, raw median, ratio, queries, KB, budget
        found = re.match(
            r"(.+?)\s+(leader|staff)\s+(\d+)\s+[\d.]+ms\s+[\d.]+ms\s+[\d.]+ms\s+[\d.]+ms\s+[\d.]+x"
            r"\s+(\d+)\s+\d+\s+(yes|NO)$",
            line,
        )
        if found:
            queries[found[1], found[2]] = int(found[4])
            raw_rows[found[1], found[2]] = int(found[3])
    expected = {(page, role) for page in PAGES for role in ("leader", "staff")}
    assert set(queries) == expected | {("home /", "leader")}
    assert all(count > 0 for count in queries.values())
    # The raw statements' rows: every duty of the plan in force for the province; this
    # year's dates of the calendar in the feed.
    assert raw_rows["plan", "leader"] == plan_in_force().duties.count()
    assert raw_rows["calendar.ics", "leader"] == len(occurrences(year))
    assert "EXPLAIN (ANALYZE, BUFFERS)" in out.getvalue()
