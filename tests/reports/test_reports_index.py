"""The list of periods: the user's own agencies' reports and, for reviewers and leadership,
the province's report of each period."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.periods import ensure_periods
from tests.factories import make_activity

pytestmark = pytest.mark.django_db


def test_index_lists_started_periods_with_the_users_reports(client, staff, period):
    ensure_periods([2019])
    client.force_login(staff)
    response = client.get(reverse("reports:index"))
    assert response.status_code == 200
    codes = [row["period"].code for row in response.context["rows"]]
    assert codes == ["2020-H1", "2020", "2019-H1", "2019"]
    for row in response.context["rows"]:
        assert [r.agency.code for r in row["reports"]] == ["SLDTBXH"]
    page = response.content.decode()
    assert "/reports/2020-H1/agencies/SLDTBXH/" in page
    assert "/reports/2020-H1/agencies/VUNGTAU/" not in page
    assert reverse("reports:completeness") not in page


def test_index_hides_periods_not_started(client, staff):
    from django.utils import timezone

    year = timezone.localdate().year
    ensure_periods([year + 2])
    client.force_login(staff)
    assert client.get(reverse("reports:index")).context["rows"] == []


def test_index_for_the_leader_lists_no_agency_report(client, leader, period):
    client.force_login(leader)
    response = client.get(reverse("reports:index"))
    assert all(row["reports"] == [] for row in response.context["rows"])
    assert reverse("reports:issued") in response.content.decode()


def test_index_query_count_does_not_grow_with_periods(
    client, staff, reviewer, period, django_assert_num_queries
):
    url = reverse("reports:index")
    client.force_login(staff)
    client.get(url)
    # session, user, the user's agency rights, count, periods, their reports (agency and
    # period joined), the navigation's memberships, the unread count
    with django_assert_num_queries(9):
        client.get(url)
    ensure_periods([2021, 2022, 2023])
    with django_assert_num_queries(9):
        response = client.get(url)
    assert len(response.context["rows"]) == 8
    assert all(len(row["reports"]) == 1 for row in response.context["rows"])

    client.force_login(reviewer)
    # ... and the versions of the consolidated report
    with django_assert_num_queries(10):
        response = client.get(url)
    assert len(response.context["rows"]) == 8


def test_a_leader_still_sees_the_issued_version_once_a_newer_draft_exists(
    client, h1, staff, reviewer, leader, build_now, issue_now
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    issued = issue_now(build_now(h1, reviewer), reviewer)
    newer = build_now(h1, reviewer)
    url = reverse("reports:index")

    client.force_login(leader)
    row = next(r for r in client.get(url).context["rows"] if r["period"] == h1)
    assert row["latest"].pk == issued.pk
    assert issued.number_display in client.get(url).content.decode()

    client.force_login(reviewer)  # reviewers follow the newest version, issued or not
    row = next(r for r in client.get(url).context["rows"] if r["period"] == h1)
    assert row["latest"].pk == newer.pk
