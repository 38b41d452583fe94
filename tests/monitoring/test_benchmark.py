"""The monitoring benchmark runs on a small database, so it cannot rot: every page answers
as the leader and as the district's staff member, each against its raw SQL statement."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

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

    rows = {}
    for line in out.getvalue().splitlines():
        # page, role, raw rows, median, p95, raw median, ratio, queries, KB, within budget
        found = re.match(
            r"(.+?)\s+(leader|staff)\s+(\d+)\s+[\d.]+ms\s+[\d.]+ms\s+[\d.]+ms\s+[\d.]+x"
            r"\s+(\d+)\s+\d+\s+(yes|NO)$",
            line,
        )
        if found:
            rows[found[1], found[2]] = int(found[4])
    expected = {(page, role) for page in PAGES for role in ("leader", "staff")}
    assert set(rows) == expected | {("home /", "leader")}
    assert all(queries > 0 for queries in rows.values())
    assert "EXPLAIN (ANALYZE, BUFFERS)" in out.getvalue()
