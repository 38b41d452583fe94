"""The figures of the province's report at their edges (no previous year, an empty period,
Vietnamese numbers, long difficulties quoted short) and the drafted text that reads them; on
the full data set, tests/reports/test_period_figures.py."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from agencies.models import Agency, DutyAssignment
from reports.figures import key_figures, period_figures
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


# ---------------------------------------------------------------------------- the contract


def test_key_figures_are_those_of_the_periods_report_in_one_query(
    periods, staff, reviewer, django_assert_num_queries
):
    """The home page's headline figures (reports.figures.key_figures) count what the
    consolidated report counts, for each window, in one query."""
    accepted = {"status": "accepted", "reviewer": reviewer}
    make_activity(staff, **accepted, participants_foreign=7)  # inbound, 2/3/2020
    make_activity(
        staff,
        **accepted,
        kind="outbound",
        start_date=date(2019, 3, 3),
        end_date=date(2019, 3, 4),
    )
    make_activity(staff)  # a draft: not counted
    now, before = periods["2020-H1"], periods["2019-H1"]
    with django_assert_num_queries(1):
        counted = key_figures(
            [(now.start_date, now.end_date), (before.start_date, before.end_date)]
        )
    for period, figures in zip((now, before), counted, strict=True):
        full = period_figures(period)
        assert figures["total"] == full["total"]
        assert figures["inbound"] == full["delegations"]["inbound"]
        assert figures["outbound"] == full["delegations"]["outbound"]
        assert figures["foreign"] == full["participants"]["foreign"]
        assert figures["aid_count"] == full["aid"]["count"]
        assert figures["aid_vnd"] == full["aid"]["total_vnd"]
        assert figures["agencies"] == full["agencies_acting"]
    assert counted[0]["inbound"] == 1 and counted[0]["foreign"] == 7
    assert counted[1]["outbound"] == 1 and counted[1]["total"] == 1
    assert key_figures([]) == []
