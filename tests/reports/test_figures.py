"""The figures of the province's report at their edges (no previous year, an empty period,
Vietnamese numbers, long difficulties quoted short) and the drafted text that reads them; on
the full data set, tests/reports/test_period_figures.py."""

from __future__ import annotations

import pytest
from django.utils import timezone

from agencies.models import Agency, DutyAssignment
from reports.figures import period_figures
from reports.models import AgencyReport
from reports.narrative import draft, number, vnd
from tests.factories import make_activity

pytestmark = pytest.mark.django_db


def test_no_previous_activity_means_no_percentage(periods, staff, reviewer):
    make_activity(staff, status="accepted", reviewer=reviewer)
    previous = period_figures(periods["2020-H1"])["previous"]

    assert previous["total"] == 0
    assert previous["change_pct"] is None and previous["aid_change_pct"] is None


def test_figures_of_an_empty_period(periods):
    figures = period_figures(periods["2020"])

    assert figures["total"] == 0 and figures["by_kind"] == [] and figures["notable"] == []
    assert figures["aid"]["total_vnd"] == 0
    assert all(d["no_activity"] for d in figures["duties"])
    assert figures["agencies_in_plan"] == (
        Agency.objects.filter(pk__in=DutyAssignment.objects.values("agency")).count()
    )
    text = draft(figures)
    assert "đã tổ chức 0 hoạt động" in text["results"]
    assert text["directions"].startswith("Trong năm 2021")


def test_vietnamese_number_formatting():
    assert number(1234567) == "1.234.567"
    assert number(1.25, 1) == "1,3"
    assert vnd(1_500_000_000) == "1,5 tỷ đồng"
    assert vnd(2_000_000_000) == "2 tỷ đồng"
    assert vnd(350_000_000) == "350 triệu đồng"
    assert vnd(12_000) == "12.000 đồng"


def test_long_difficulties_are_quoted_short_in_the_province_report(
    manager, reviewer, periods, settings
):
    h1 = periods["2020-H1"]
    report = AgencyReport.objects.get(period=h1, agency__code="VUNGTAU")
    AgencyReport.objects.filter(pk=report.pk).update(
        status="submitted", submitted_at=timezone.now(), difficulties="Thiếu kinh phí. " * 500
    )
    quoted = period_figures(h1)["difficulties"][0]["text"]
    assert len(quoted) == settings.REPORT_QUOTE_MAX_CHARS
    assert quoted.endswith("…")
