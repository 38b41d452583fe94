"""The successor answers for its closed predecessor's unsent periodic reports (issue 11).

Hội Cựu chiến binh (HCCB) closes on 16/06/2026, merged into Ủy ban MTTQ (UBMTTQ): after the
period 2026-H1 ended (14/06/2026), before its deadline (19/06/2026). HCCB worked on the
period's last day, so it is expected for 2026-H1; its former staff can no longer act for it,
so UBMTTQ's members write and send its report. Tested from both sides: UBMTTQ's manager may,
HCCB's former manager and a manager of an unrelated agency may not.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from agencies import reorganisation as reorg
from agencies.models import Agency, User
from agencies.reorganisation import Close
from reports import agency_reports, completeness
from reports.errors import ReportError
from reports.figures import period_figures
from reports.models import AgencyReport, ReportingPeriod
from reports.periods import ensure_periods
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CLOSING = date(2026, 6, 16)
PAGE = reverse("reports:agency-report", args=["2026-H1", "HCCB"])


def fresh(user: User) -> User:
    """The account read again: rights are cached on a User object for one request."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def people(db) -> dict[str, User]:
    """HCCB's manager and UBMTTQ's manager and staff (with addresses), a manager of SYT and a
    reviewer of Sở Ngoại vụ; then HCCB closes on 16/06/2026 into UBMTTQ."""
    ensure_periods([2026])
    made = {
        "hccb": make_user("hccb-m", "HCCB", "manager", email="hccb@hccb.vn"),
        "mttq": make_user("mttq-m", "UBMTTQ", "manager", email="m@mttq.vn"),
        "mttq_staff": make_user("mttq-s", "UBMTTQ", "staff", email="s@mttq.vn"),
        "syt": make_user("syt-m", "SYT", "manager", email="m@syt.vn"),
        "reviewer": make_user("sngv-r", "SNGV", "reviewer"),
    }
    reorg.apply([Close("HCCB", CLOSING, successor="UBMTTQ")], actor=None)
    return {key: fresh(user) for key, user in made.items()}


@pytest.fixture
def h1() -> ReportingPeriod:
    return ReportingPeriod.objects.get(kind="half", year=2026)


def hccb_report(h1: ReportingPeriod) -> AgencyReport:
    return AgencyReport.objects.select_related("period", "agency").get(
        period=h1, agency__code="HCCB"
    )


def test_hccb_is_expected_and_its_successor_acts_for_its_report(people, h1):
    report = hccb_report(h1)
    hccb, mttq = Agency.objects.get(code="HCCB"), Agency.objects.get(code="UBMTTQ")
    assert hccb.closed_on == CLOSING and hccb.successor == mttq
    assert agency_reports.report_actors_ids(report) == {hccb.pk, mttq.pk}
    assert agency_reports.acts_for_report(people["mttq"], report)
    assert not agency_reports.acts_for_report(people["hccb"], report)
    assert not agency_reports.acts_for_report(people["syt"], report)


def test_ubmttq_manager_writes_and_sends_hccb_report_from_the_page(client, people, h1):
    client.force_login(people["mttq"])
    page = client.get(PAGE)
    assert page.status_code == 200
    assert page.context["may_write"] and page.context["may_send"]
    assert page.context["send"] is not None
    version = hccb_report(h1).version
    response = client.post(
        PAGE,
        {
            "action": "submit",
            "version": version,
            "results": "Kết quả của Hội Cựu chiến binh, do Ủy ban MTTQ gửi thay.",
            "difficulties": "",
            "proposals": "",
        },
    )
    assert response.status_code == 302
    report = hccb_report(h1)
    assert report.status == AgencyReport.Status.SUBMITTED
    assert report.submitted_by == people["mttq"]
    assert report.results.startswith("Kết quả của Hội Cựu chiến binh")
    # The history records who sent it, and for whom.
    last = report.history.order_by("-history_date").first()
    assert last.history_user == people["mttq"]
    # The reason names the successor that sent it and the closed agency it sent for.
    assert str(Agency.objects.get(code="UBMTTQ")) in last.history_change_reason
    assert str(report.agency) in last.history_change_reason
    # The reviewer sees it as before, and may accept it.
    client.force_login(people["reviewer"])
    assert client.get(PAGE).status_code == 200
    agency_reports.accept_agency_report(
        actor=people["reviewer"], report=report, version=report.version
    )
    assert hccb_report(h1).status == AgencyReport.Status.ACCEPTED


def test_ubmttq_staff_writes_but_does_not_send(people, h1):
    staff = people["mttq_staff"]
    report = agency_reports.save_agency_report(
        actor=staff,
        report=hccb_report(h1),
        version=hccb_report(h1).version,
        results="Dự thảo",
        difficulties="",
        proposals="",
    )
    assert report.results == "Dự thảo"
    with pytest.raises(ReportError):
        agency_reports.submit_agency_report(actor=staff, report=report, version=report.version)
    assert hccb_report(h1).status == AgencyReport.Status.DRAFT


def test_a_manager_of_an_unrelated_agency_gets_404(client, people, h1):
    client.force_login(people["syt"])
    assert client.get(PAGE).status_code == 404
    response = client.post(
        PAGE,
        {"action": "submit", "version": 1, "results": "x", "difficulties": "", "proposals": ""},
    )
    assert response.status_code == 404
    with pytest.raises(ReportError):
        agency_reports.save_agency_report(
            actor=people["syt"],
            report=hccb_report(h1),
            version=1,
            results="x",
            difficulties="",
            proposals="",
        )
    assert hccb_report(h1).results == ""


def test_hccb_former_manager_reads_but_can_neither_write_nor_send(client, people, h1):
    client.force_login(people["hccb"])
    page = client.get(PAGE)
    assert page.status_code == 200  # the membership ended with the agency: still reads
    assert not page.context["may_write"] and not page.context["may_send"]
    assert page.context["send"] is None
    report = hccb_report(h1)
    for service in (
        agency_reports.save_and_submit_agency_report,
        agency_reports.save_agency_report,
    ):
        with pytest.raises(ReportError):
            service(
                actor=people["hccb"],
                report=report,
                version=report.version,
                results="x",
                difficulties="",
                proposals="",
            )
    assert hccb_report(h1).status == AgencyReport.Status.DRAFT


def test_once_sent_the_successor_no_longer_writes_it(client, people, h1):
    report = hccb_report(h1)
    agency_reports.save_and_submit_agency_report(
        actor=people["mttq"],
        report=report,
        version=report.version,
        results="Kết quả",
        difficulties="",
        proposals="",
    )
    # A sent report is the reviewer's; the successor's acting ends with it (no draft to write).
    client.force_login(fresh(people["mttq"]))
    assert client.get(PAGE).status_code == 404
    assert agency_reports.report_actors_ids(hccb_report(h1)) == {report.agency_id}


def test_the_grid_counts_the_report_sent_by_the_successor(people, h1):
    def hccb_cell():
        grid = completeness.matrix([h1])
        (row,) = [row for row in grid.rows if row.agency.code == "HCCB"]
        return row.cells[0]

    assert hccb_cell().status == AgencyReport.Status.DRAFT
    report = hccb_report(h1)
    agency_reports.save_and_submit_agency_report(
        actor=people["mttq"],
        report=report,
        version=report.version,
        results="Kết quả",
        difficulties="",
        proposals="",
    )
    assert hccb_cell().status == AgencyReport.Status.SUBMITTED
    submissions = period_figures(h1)["submissions"]
    assert Agency.objects.get(code="HCCB").short_name not in submissions["missing"]


def test_the_reminder_reaches_ubmttq_members(people, h1, django_capture_on_commit_callbacks):
    AgencyReport.objects.filter(period=h1).exclude(agency__code="HCCB").update(status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        assert agency_reports.remind_agencies(actor=people["reviewer"], period=h1) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["m@mttq.vn", "s@mttq.vn"]
    # The e-mail tells them they send it in the closed agency's place.
    assert Agency.objects.get(code="UBMTTQ").name in mail.outbox[0].body
    assert reverse("reports:agency-report", args=["2026-H1", "HCCB"]) in mail.outbox[0].body
    assert hccb_report(h1).reminded_at is not None


def test_a_closed_agency_without_successor_is_not_reminded(
    people, h1, django_capture_on_commit_callbacks
):
    Agency.objects.filter(code="HCCB").update(successor=None)
    AgencyReport.objects.filter(period=h1).exclude(agency__code="HCCB").update(status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        assert agency_reports.remind_agencies(actor=None, period=h1) == 0
    assert mail.outbox == []
