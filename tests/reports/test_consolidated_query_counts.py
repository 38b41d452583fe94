"""What the consolidated report's pages cost in queries: the same with ten times the rows
(STYLE rule 11), each count's queries named. Versions and agency reports are made through the
services (tests/factories.py), as users make them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.models import ConsolidatedReport, ReportingPeriod
from tests.factories import make_activity, make_agency_report, make_consolidated_report, make_user

pytestmark = pytest.mark.django_db

Status = ConsolidatedReport.Status


def _issued(period: ReportingPeriod, reviewer, count: int) -> None:
    """`count` more versions of `period`, each drafted and issued by `reviewer`."""
    for _index in range(count):
        make_consolidated_report(period, actor=reviewer, status="issued")


def _send_reports(period: ReportingPeriod, count: int) -> None:
    """`count` more of the period's drafts written and sent by a manager of their agency
    (made here), each naming a difficulty."""
    drafts = period.agency_reports.filter(status="draft").select_related("agency").order_by("pk")
    for report in list(drafts[:count]):
        code = report.agency.code
        make_agency_report(
            period,
            report.agency,
            status="submitted",
            sender=make_user(f"mgr-{code.lower()}", code, "manager"),
            difficulties="Thiếu kinh phí.",
        )


def test_the_issued_list_costs_the_same_whatever_its_length(
    client, periods, reviewer, leader, django_assert_num_queries
):
    _issued(periods["2020-H1"], reviewer, 1)
    client.force_login(leader)
    client.get(reverse("reports:issued"))  # session and caches warm

    # session, user, the user's agency rights, the count of issued versions, the
    # navigation's memberships, the unread count, the page of versions with their periods,
    # the user's notifications about the page marked read
    with django_assert_num_queries(9):
        one = client.get(reverse("reports:issued"))
    _issued(periods["2020"], reviewer, 7)
    with django_assert_num_queries(9):
        eight = client.get(reverse("reports:issued"))

    assert len(one.context["page"].object_list) == 1
    assert len(eight.context["page"].object_list) == 8


def test_the_versions_page_costs_the_same_whatever_its_length(
    client, h1, reviewer, django_assert_num_queries
):
    def version(status: str) -> None:
        make_consolidated_report(h1, actor=reviewer, status=status)

    version("ready")
    client.force_login(reviewer)
    page = reverse("reports:consolidated-period", args=["2020-H1"])
    client.get(page)

    # session, user, the user's agency rights, the period, failing its stuck versions (one
    # UPDATE), the navigation's memberships, the unread count, the versions with their users
    with django_assert_num_queries(9):
        client.get(page)
    for status in ["failed", "issued", "ready", "issued", "ready"]:
        version(status)
    with django_assert_num_queries(9):
        response = client.get(page)
    assert [(v.draft_number, v.status) for v in response.context["versions"]] == [
        (6, Status.READY),
        (5, Status.ISSUED),
        (4, Status.READY),
        (3, Status.ISSUED),
        (2, Status.FAILED),
        (1, Status.READY),
    ]


def test_the_version_page_costs_the_same_with_ten_times_the_activities_and_reports(
    client, h1, staff, reviewer, build_now, django_assert_num_queries
):
    def grow(activities: int, reports: int) -> ConsolidatedReport:
        for index in range(activities):
            make_activity(staff, status="accepted", reviewer=reviewer, title=f"Hoạt động {index}")
        _send_reports(h1, reports)
        return build_now(h1, reviewer)

    small = grow(activities=2, reports=1)
    client.force_login(reviewer)
    client.get(small.get_absolute_url())  # session and caches warm

    # session, user, the user's agency rights, the version with its period, failing it if
    # stuck (one UPDATE), the period's latest draft number, the issuing authority it will
    # use, the navigation's memberships, the unread count, the user's notifications about
    # the page marked read: the figures are the version's JSON, read with it.
    with django_assert_num_queries(11):
        response = client.get(small.get_absolute_url())
    assert response.context["f"]["total"] == 2
    large = grow(activities=18, reports=9)
    with django_assert_num_queries(11):
        response = client.get(large.get_absolute_url())
    assert response.context["f"]["total"] == 20
    assert response.context["f"]["submissions"]["sent"] == 10
    assert len(response.context["f"]["difficulties"]) == 10
