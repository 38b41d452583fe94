"""What the consolidated report's pages cost in queries: the same with ten times the rows
(STYLE rule 11), each count's queries named."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import ConsolidatedReport
from tests.factories import make_activity

pytestmark = pytest.mark.django_db

Built = ConsolidatedReport.Status


def _issued_rows(period, count: int, first_number: int = 1) -> None:
    for index in range(count):
        ConsolidatedReport.objects.create(
            period=period,
            draft_number=100 + first_number + index,
            status=Built.ISSUED,
            number=first_number + index,
            number_year=2020,
            issued_on=date(2020, 7, 1),
            issued_at=timezone.now(),
            figures={"total": 3},
        )


def test_the_issued_list_costs_the_same_whatever_its_length(
    client, periods, leader, django_assert_num_queries
):
    _issued_rows(periods["2020-H1"], 1)
    client.force_login(leader)
    client.get(reverse("reports:issued"))  # session and caches warm

    # session, user, the user's agency rights, the count of issued versions, the
    # navigation's memberships, the unread count, the page of versions with their periods
    with django_assert_num_queries(7):
        one = client.get(reverse("reports:issued"))
    _issued_rows(periods["2020"], 7, first_number=2)
    with django_assert_num_queries(7):
        eight = client.get(reverse("reports:issued"))

    assert len(one.context["page"].object_list) == 1
    assert len(eight.context["page"].object_list) == 8


def test_the_versions_page_costs_the_same_whatever_its_length(
    client, h1, reviewer, django_assert_num_queries
):
    def version(number: int, status: str) -> None:
        ConsolidatedReport.objects.create(
            period=h1,
            draft_number=number,
            status=status,
            created_by=reviewer,
            issued_by=reviewer if status == Built.ISSUED else None,
            number=number if status == Built.ISSUED else None,
            number_year=2020 if status == Built.ISSUED else None,
            issued_on=date(2020, 7, 1) if status == Built.ISSUED else None,
        )

    version(1, Built.READY)
    client.force_login(reviewer)
    page = reverse("reports:consolidated-period", args=["2020-H1"])
    client.get(page)

    # session, user, the user's agency rights, the period, failing its stuck versions (one
    # UPDATE), the navigation's memberships, the unread count, the versions with their users
    with django_assert_num_queries(8):
        client.get(page)
    for number, status in [
        (2, Built.FAILED),
        (3, Built.ISSUED),
        (4, Built.READY),
        (5, Built.ISSUED),
        (6, Built.READY),
    ]:
        version(number, status)
    with django_assert_num_queries(8):
        response = client.get(page)
    assert [v.draft_number for v in response.context["versions"]] == [6, 5, 4, 3, 2, 1]


def test_the_version_page_costs_the_same_with_ten_times_the_activities_and_reports(
    client, h1, staff, reviewer, build_now, django_assert_num_queries
):
    def grow(activities: int, reports: int) -> ConsolidatedReport:
        for index in range(activities):
            make_activity(staff, status="accepted", reviewer=reviewer, title=f"Hoạt động {index}")
        sent = h1.agency_reports.filter(status="draft").order_by("pk")[:reports]
        h1.agency_reports.filter(pk__in=list(sent.values_list("pk", flat=True))).update(
            status="submitted", submitted_at=timezone.now(), difficulties="Thiếu kinh phí."
        )
        return build_now(h1, reviewer)

    small = grow(activities=2, reports=1)
    client.force_login(reviewer)
    client.get(small.get_absolute_url())  # session and caches warm

    # session, user, the user's agency rights, the version with its period, failing it if
    # stuck (one UPDATE), the period's latest draft number, the navigation's memberships,
    # the unread count: the figures are the version's JSON, read with it.
    with django_assert_num_queries(8):
        response = client.get(small.get_absolute_url())
    assert response.context["f"]["total"] == 2
    large = grow(activities=18, reports=9)
    with django_assert_num_queries(8):
        response = client.get(large.get_absolute_url())
    assert response.context["f"]["total"] == 20
    assert response.context["f"]["submissions"]["sent"] == 10
    assert len(response.context["f"]["difficulties"]) == 10
