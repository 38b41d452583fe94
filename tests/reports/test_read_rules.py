"""Who reads which report, written once as querysets: AgencyReport.objects.visible_to and
ConsolidatedReport.objects.visible_to, and the fetch-and-check calls the pages use, which
answer 404 whether the report exists or not."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from reports.agency_reports import get_agency_report_for
from reports.consolidation import get_consolidated_for
from reports.models import AgencyReport, ConsolidatedReport

pytestmark = pytest.mark.django_db

Status = ConsolidatedReport.Status
# The agencies of the reports in each state (tests/reports/conftest.py `states`).
STATES = {"SLDTBXH": "draft", "SYT": "submitted", "HLHPN": "accepted", "SGDDT": "returned"}


# role -> the agencies whose report of each state it reads, among the four above
AGENCY_REPORTS = {
    "staff": {"SLDTBXH"},  # its own, whatever the state
    "manager": set(),  # of VUNGTAU, a draft not among these
    "reviewer": {"SYT", "HLHPN", "SGDDT"},  # sent or returned, never a draft
    "leader": {"HLHPN"},  # accepted only
    "outsider": set(),
    "admin": {"SLDTBXH", "SYT", "HLHPN", "SGDDT"},
}


@pytest.mark.parametrize("role", list(AGENCY_REPORTS))
def test_agency_reports_visible_to_each_role(cast, states, role):
    visible = AgencyReport.objects.visible_to(cast[role]).filter(agency__code__in=STATES)

    assert set(visible.values_list("agency__code", flat=True)) == AGENCY_REPORTS[role]


@pytest.mark.parametrize("role", list(AGENCY_REPORTS))
def test_an_agency_report_is_fetched_or_404_in_one_call(cast, states, role):
    for code in STATES:
        if code in AGENCY_REPORTS[role]:
            report = get_agency_report_for(cast[role], "2020-H1", code)
            assert (report.agency.code, report.period.code) == (code, "2020-H1")
        else:
            with pytest.raises(Http404):
                get_agency_report_for(cast[role], "2020-H1", code)
    for period_code, code in [("2020-H3", "SYT"), ("2031", "SYT"), ("2020-H1", "KHONGCO")]:
        with pytest.raises(Http404):
            get_agency_report_for(cast[role], period_code, code)


def test_the_members_own_report_is_read_in_one_query(staff, states, django_assert_num_queries):
    get_agency_report_for(staff, "2020-H1", "SLDTBXH")  # the user's rights, read once

    with django_assert_num_queries(1):
        report = get_agency_report_for(staff, "2020-H1", "SLDTBXH")
        assert (report.agency.code, report.period.code, report.submitted_by) == (
            "SLDTBXH",
            "2020-H1",
            None,
        )


@pytest.fixture
def versions(period) -> dict[str, ConsolidatedReport]:
    """A version of 2020-H1 in each status."""
    made = {}
    for number, status in enumerate(Status.values, start=1):
        issued = status == Status.ISSUED
        made[status] = ConsolidatedReport.objects.create(
            period=period,
            draft_number=number,
            status=status,
            number=1 if issued else None,
            number_year=2020 if issued else None,
            issued_on=date(2020, 7, 1) if issued else None,
        )
    return made


# role -> the statuses of the versions it reads
CONSOLIDATED = {
    "staff": set(),
    "manager": set(),
    "reviewer": set(Status.values),
    "leader": {Status.ISSUED},
    "outsider": set(),
    "admin": set(Status.values),
}


@pytest.mark.parametrize("role", list(CONSOLIDATED))
def test_consolidated_versions_visible_to_each_role(cast, versions, role):
    visible = ConsolidatedReport.objects.visible_to(cast[role])

    assert set(visible.values_list("status", flat=True)) == CONSOLIDATED[role]
    for status, version in versions.items():
        if status in CONSOLIDATED[role]:
            assert get_consolidated_for(cast[role], version.pk) == version
        else:
            with pytest.raises(Http404):
                get_consolidated_for(cast[role], version.pk)
    with pytest.raises(Http404):
        get_consolidated_for(cast[role], max(v.pk for v in versions.values()) + 1)


def test_anonymous_users_read_nothing(states, versions, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(AgencyReport.objects.visible_to(AnonymousUser())) == []
        assert list(ConsolidatedReport.objects.visible_to(AnonymousUser())) == []
