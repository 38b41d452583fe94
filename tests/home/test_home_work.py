"""The home page of work: each role sees what needs it, most urgent first, every item a link;
nobody sees another agency's work; the counts cost a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.exchange import services as exchange_services
from activities.exchange.models import Message
from home import work
from monitoring import observances
from monitoring.scope import monitoring_scope
from reports.periods import expected_agencies
from tests.factories import (
    make_activity,
    make_agency_report,
    make_consolidated_report,
    make_periods,
    make_user,
    reply,
    report_difficulty,
    send_request,
)

# The first six months of 2020 ended on 14/6 (deadline 19/6); the year 2020 is under way.
TODAY = date(2020, 7, 1)


@pytest.fixture
def on_day(monkeypatch) -> Callable[[date], None]:
    """Make "today" (django.utils.timezone.localdate without a value) the given day."""
    real = timezone.localdate

    def set_day(day: date) -> None:
        def localdate(value=None, timezone=None):
            return real(value, timezone) if value is not None else day

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    return set_day


@pytest.fixture
def today(on_day, db) -> date:
    on_day(TODAY)
    make_periods(2019, 2020)
    return TODAY


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response, response.content.decode()


def block(html: str, testid: str) -> str:
    """The HTML of the element marked data-testid=`testid`, up to the end of its list."""
    return html.split(f'data-testid="{testid}"')[1].split("</ul>")[0]


def overdue_request(reviewer, *, to, subject, days_late: int, on_day) -> Message:
    """A request sent `days_late` + 7 days before TODAY, due `days_late` days ago."""
    on_day(TODAY - timedelta(days=days_late + 7))
    message = send_request(reviewer, to=to, subject=subject)
    on_day(TODAY)
    return message


# --- staff and managers ------------------------------------------------------------------------


def test_staff_sees_the_returned_activity_with_its_reason_and_its_drafts(
    client, today, staff, reviewer, syt_staff
):
    returned = make_activity(
        staff, status="returned", reviewer=reviewer, reason="Thiếu danh sách đoàn", title="Đoàn A"
    )
    draft = make_activity(staff, title="Đoàn nháp")
    make_activity(staff, status="submitted", title="Đoàn đã gửi")
    other = make_activity(
        syt_staff, agency="SYT", status="returned", reviewer=reviewer, reason="Lý do khác"
    )
    _response, html = home(client, staff)
    returned_block = block(html, "returned")
    assert returned.get_absolute_url() in returned_block
    assert "Thiếu danh sách đoàn" in returned_block
    assert other.get_absolute_url() not in html and "Lý do khác" not in html
    drafts = block(html, "drafts")
    assert draft.get_absolute_url() in drafts and "Đoàn đã gửi" not in drafts
    # Staff submit activities (the status table's "submit" needs Action.ACT).
    assert "sẵn sàng gửi" in drafts
    assert 'data-testid="review-work"' not in html and 'data-testid="overview"' not in html


def test_the_agency_blocks_say_when_there_is_nothing(client, today, staff):
    _response, html = home(client, staff)
    assert "Không có hoạt động bị trả lại." in html
    assert "Không có yêu cầu nào chờ trả lời." in html
    assert "Không có bản nháp nào chờ gửi." in html
    assert "Chưa báo cáo khó khăn nào." in html


def test_requests_to_answer_overdue_first_with_their_due_dates(
    client, today, manager, reviewer, on_day
):
    soon = send_request(reviewer, to=["VUNGTAU"], subject="Hạn còn xa")
    late = overdue_request(
        reviewer, to=["VUNGTAU"], subject="Quá hạn rồi", days_late=3, on_day=on_day
    )
    answered = send_request(reviewer, to=["VUNGTAU"], subject="Đã trả lời")
    reply(manager, answered)
    elsewhere = send_request(reviewer, to=["BARIA"], subject="Gửi Bà Rịa")
    response, html = home(client, manager)
    requests = block(html, "requests")
    assert requests.index(late.get_absolute_url()) < requests.index(soon.get_absolute_url())
    assert late.due_date.strftime("%d/%m/%Y") in requests
    assert answered.get_absolute_url() not in requests
    assert elsewhere.get_absolute_url() not in html
    assert response.context["agency_work"].overdue_requests == 1
    assert "1 quá hạn" in html


def test_the_manager_is_told_the_report_is_ready_to_send_and_staff_are_not(
    client, today, manager, staff
):
    _response, html = home(client, manager)
    reports = block(html, "agency-reports")
    h1 = reverse("reports:agency-report", args=["2020-H1", "VUNGTAU"])
    year = reverse("reports:agency-report", args=["2020", "VUNGTAU"])
    assert h1 in reports and year in reports
    # The year's report comes first (the newest period); the first six months are late.
    assert "12 ngày trễ hạn" in reports  # deadline 19/06/2020
    assert "sẵn sàng gửi" in reports.split(h1)[1]  # the period is over: a manager sends it
    assert "sẵn sàng gửi" not in reports.split(h1)[0]  # the year goes on
    _response, html = home(client, staff)
    assert "sẵn sàng gửi" not in block(html, "agency-reports")  # only managers send reports


def test_a_returned_report_comes_first_with_its_reason(client, today, manager, reviewer):
    make_agency_report(
        "2020-H1", "VUNGTAU", status="returned", sender=manager, reviewer=reviewer,
        reason="Bổ sung số liệu đoàn ra",
    )  # fmt: skip
    _response, html = home(client, manager)
    reports = block(html, "agency-reports")
    first = reports.split("</li>")[0]
    assert reverse("reports:agency-report", args=["2020-H1", "VUNGTAU"]) in first
    assert "Bổ sung số liệu đoàn ra" in first and "Bị trả lại" in first


def test_difficulties_show_their_handling_unresolved_first(client, today, staff, reviewer):
    handled = report_difficulty(staff, subject="Đã xử lý xong")
    exchange_services.handle_difficulty(
        actor=reviewer, message=handled, status="resolved", response="Đã hướng dẫn thủ tục."
    )
    waiting = report_difficulty(staff, subject="Chưa xử lý")
    _response, html = home(client, staff)
    difficulties = block(html, "difficulties")
    assert difficulties.index(waiting.get_absolute_url()) < difficulties.index(
        handled.get_absolute_url()
    )
    assert "Đã hướng dẫn thủ tục." in difficulties and "Đã giải quyết" in difficulties


def test_a_block_lists_ten_and_links_to_all(client, today, staff):
    for i in range(12):
        make_activity(staff, title=f"Nháp {i}")
    response, html = home(client, staff)
    drafts = response.context["agency_work"].drafts
    assert len(drafts.items) == work.CAP and drafts.total == 12 and drafts.more
    assert "Xem tất cả (12)" in html
    assert f"{reverse('activities:mine')}?status=draft" in html


# --- reviewers ---------------------------------------------------------------------------------


def test_reviewer_sees_submissions_oldest_first_with_counts_per_agency(
    client, today, staff, manager, reviewer, syt_staff
):
    first = make_activity(staff, status="submitted", title="Gửi trước")
    second = make_activity(syt_staff, agency="SYT", status="submitted", title="Gửi sau")
    make_activity(staff, status="submitted", title="Gửi sau nữa")
    make_activity(staff, title="Còn nháp")  # never shown to a reviewer
    report = make_agency_report("2020-H1", "VUNGTAU", status="submitted", sender=manager)
    response, html = home(client, reviewer)
    waiting = block(html, "activities-to-review")
    assert waiting.index(first.get_absolute_url()) < waiting.index(second.get_absolute_url())
    assert "Còn nháp" not in html
    assert report.get_absolute_url() in block(html, "reports-to-review")
    per_agency = {
        (row.code, row.activities, row.reports)
        for row in response.context["review_work"].per_agency
    }
    assert per_agency == {("SLDTBXH", 2, 0), ("SYT", 1, 0), ("VUNGTAU", 0, 1)}
    sldtbxh = response.context["review_work"].per_agency[0].agency_id
    assert f"{reverse('activities:list')}?agency={sldtbxh}&amp;status=submitted" in html


def test_reviewer_sees_overdue_requests_with_who_has_not_answered(
    client, today, reviewer, manager, on_day
):
    late = overdue_request(
        reviewer, to=["VUNGTAU", "BARIA"], subject="Quá hạn", days_late=2, on_day=on_day
    )
    on_time = send_request(reviewer, to=["VUNGTAU"], subject="Còn hạn")
    reply(manager, late)
    response, html = home(client, reviewer)
    overdue = block(html, "overdue-sent")
    assert late.get_absolute_url() in overdue and on_time.get_absolute_url() not in overdue
    [message] = response.context["review_work"].overdue_requests.items
    assert [row.agency.code for row in message.late] == ["BARIA"]


def test_reviewer_sees_who_has_not_reported_for_the_last_period(client, today, reviewer, manager):
    make_agency_report("2020-H1", "VUNGTAU", status="submitted", sender=manager)
    response, html = home(client, reviewer)
    review = response.context["review_work"]
    assert review.period.code == "2020-H1" and review.past_deadline
    expected = expected_agencies(review.period)
    assert review.missing.total == expected.count() - 1
    assert review.missing.items[0].code == expected.in_directory_order().first().code
    assert "VUNGTAU" not in {agency.code for agency in review.missing.items}
    assert f"{reverse('reports:completeness')}?year=2020" in html


def test_reviewer_sees_the_difficulties_to_handle_oldest_first(
    client, today, reviewer, staff, manager
):
    first = report_difficulty(staff, subject="Chậm cấp thị thực")
    report_difficulty(manager, sender="VUNGTAU", subject="Thiếu phiên dịch")
    handled = report_difficulty(staff, subject="Đã xong")
    exchange_services.handle_difficulty(
        actor=reviewer, message=handled, status="resolved", response="Đã giải quyết."
    )
    _, html = home(client, reviewer)
    waiting = block(html, "difficulties-to-handle")
    assert waiting.index("Chậm cấp thị thực") < waiting.index("Thiếu phiên dịch")
    assert "Đã xong" not in waiting
    assert first.get_absolute_url() in waiting
    _, staff_html = home(client, staff)
    assert 'data-testid="difficulties-to-handle"' not in staff_html


def test_reviewer_sees_the_state_of_consolidated_drafts(client, today, reviewer):
    failed = make_consolidated_report("2020-H1", actor=reviewer, status="failed")
    ready = make_consolidated_report("2020-H1", actor=reviewer, status="ready")
    _response, html = home(client, reviewer)
    drafts = block(html, "consolidated-drafts")
    assert failed.get_absolute_url() in drafts and ready.get_absolute_url() in drafts
    assert "Lập dự thảo không thành công" in drafts
    make_consolidated_report("2020-H1", actor=reviewer, status="issued")
    _response, html = home(client, reviewer)
    assert "Không có báo cáo tổng hợp nào đang dự thảo." in html  # the period is issued


def test_staff_and_managers_see_no_review_block(client, today, staff, manager):
    make_activity(staff, status="submitted")
    for user in (staff, manager):
        _response, html = home(client, user)
        assert 'data-testid="review-work"' not in html


# --- leadership ----------------------------------------------------------------------------------


def test_a_leader_lands_on_the_overview_with_the_latest_issued_reports(
    client, today, staff, reviewer, leader
):
    make_activity(staff, status="accepted", reviewer=reviewer)  # 2/3/2020, inbound
    make_activity(
        staff, status="accepted", reviewer=reviewer,
        start_date=date(2019, 3, 2), end_date=date(2019, 3, 2),
    )  # fmt: skip
    make_activity(staff, status="accepted", reviewer=reviewer, kind="outbound")
    issued = make_consolidated_report("2020-H1", actor=reviewer, status="issued")
    make_consolidated_report("2019", actor=reviewer, status="ready")  # a draft: not the leader's
    response, html = home(client, leader)
    assert "monitoring/overview.html" in [t.name for t in response.templates]
    assert response.context["as_home"] and 'data-testid="overview"' in html
    overview = response.context["overview"]
    assert (overview.year, overview.total.now, overview.total.before) == (2020, 2, 1)
    assert [(d.now, d.before) for d in overview.delegations] == [(1, 1), (1, 0)]
    assert [r.pk for r in overview.reports] == [issued.pk]
    pdf = reverse("reports:consolidated-file", args=[issued.pk, "pdf"])
    assert f'href="{pdf}" data-testid="latest-report-pdf"' in html
    assert 'data-testid="agency-work"' not in html and 'data-testid="review-work"' not in html
    main = html.split("<main")[1].split("</main>")[0]
    # Nothing asks them to act: the one form chooses the year (GET).
    assert "sẵn sàng gửi" not in main and 'method="post"' not in main


def test_the_leaders_home_takes_the_overviews_year(client, today, leader, settings):
    # The plan page's years: from the first reporting year to this year (2020).
    settings.REPORT_FIRST_YEAR = 2019
    client.force_login(leader)
    response = client.get(reverse("home"), {"year": "2019"})
    assert response.context["overview"].year == 2019 and response.context["years"] == [2020, 2019]
    assert response.context["whose"].is_province
    for bad in ("nonsense", "2018", "2021"):
        response = client.get(reverse("home"), {"year": bad})
        assert response.context["overview"].year == 2020 and response.context["year_error"]


def test_staff_and_reviewers_keep_their_work_with_a_link_to_the_overview(
    client, today, staff, reviewer
):
    for user in (staff, reviewer):
        response, html = home(client, user)
        assert "home/home.html" in [t.name for t in response.templates]
        assert f'href="{reverse("monitoring:overview")}" data-testid="overview-link"' in html
        assert 'data-testid="overview"' not in html


# --- no agency -----------------------------------------------------------------------------------


def test_an_outsider_is_told_what_to_do_and_sees_no_work(client, today, outsider, admin_user):
    admin_user.email = "quantri@example.org"
    admin_user.save()
    _response, html = home(client, outsider)
    help_block = html.split('data-testid="newcomer-help"')[1]
    assert "chưa thuộc đơn vị nào" in help_block
    assert "quantri@example.org" in block(html, "administrators")
    assert reverse("agencies:plan") in help_block and reverse("agencies:list") in help_block
    for testid in ("agency-work", "review-work", "overview", "overview-link", "admin-work"):
        assert f'data-testid="{testid}"' not in html


def test_a_superuser_without_membership_sees_the_admin_and_is_not_told_to_ask(
    client, today, admin_user, staff, reviewer
):
    make_activity(staff, status="returned", reviewer=reviewer)
    make_activity(staff, status="submitted")
    _response, html = home(client, admin_user)
    assert 'data-testid="admin-work"' in html
    assert reverse("admin:agencies_membership_changelist") in html
    assert "chưa thuộc đơn vị nào" not in html and 'data-testid="newcomer-help"' not in html
    for testid in ("agency-work", "review-work", "overview"):
        assert f'data-testid="{testid}"' not in html


def test_a_superuser_with_a_staff_membership_sees_only_that_agencys_work(
    client, today, staff, reviewer
):
    boss = make_user("quantri2", "VUNGTAU", "staff", superuser=True)
    other = make_activity(staff, status="returned", reviewer=reviewer)
    response, html = home(client, boss)
    assert response.context["roles"].acting == {boss.memberships.get().agency_id}
    assert other.get_absolute_url() not in html
    assert 'data-testid="agency-work"' in html and 'data-testid="review-work"' not in html


def test_a_leader_who_is_also_staff_has_their_work_and_the_provinces_overview(
    client, today, leader, staff, manager, reviewer
):
    make_user("leader", "SLDTBXH", "staff")  # the leader also works in a department
    leader.refresh_from_db()
    make_activity(manager, agency="VUNGTAU", status="accepted", reviewer=reviewer)
    response, html = home(client, leader)
    assert "home/home.html" in [t.name for t in response.templates]
    assert 'data-testid="agency-work"' in html and 'data-testid="overview-link"' in html
    overview = client.get(reverse("monitoring:overview"), {"year": 2020}).context["overview"]
    assert overview.scope.is_province and overview.total.now == 1  # not only the department's
    assert overview.reports is not None  # a leader reads the issued reports


def test_a_user_with_several_roles_sees_each_block(client, today, reviewer):
    make_user("reviewer", "UBNDTINH", "leader")  # the reviewer also leads
    reviewer.refresh_from_db()
    _response, html = home(client, reviewer)
    for testid in ("agency-work", "review-work", "overview-link"):
        assert f'data-testid="{testid}"' in html
    assert 'data-testid="overview"' not in html  # their work first; the overview a link away


# --- a fixed number of queries -------------------------------------------------------------------


def rows_for(n: int, *, staff, manager, reviewer, syt_staff, on_day) -> None:
    """`n` of each kind of record every block reads."""
    for i in range(n):
        make_activity(staff, title=f"Nháp {i}")
        make_activity(staff, status="returned", reviewer=reviewer, title=f"Trả lại {i}")
        make_activity(manager, agency="VUNGTAU", status="returned", reviewer=reviewer)
        make_activity(manager, agency="VUNGTAU", title=f"Nháp VT {i}")
        make_activity(syt_staff, agency="SYT", status="submitted")
        make_activity(staff, status="submitted")
        make_activity(staff, status="accepted", reviewer=reviewer)
        send_request(reviewer, to=["VUNGTAU", "SLDTBXH"], subject=f"Còn hạn {i}")
        overdue_request(
            reviewer, to=["VUNGTAU", "BARIA"], subject=f"Quá hạn {i}", days_late=1, on_day=on_day
        )
        report_difficulty(staff, subject=f"Khó khăn {i}")
        report_difficulty(manager, sender="VUNGTAU", subject=f"Khó khăn VT {i}")
        make_consolidated_report("2020", actor=reviewer, status="failed")
    make_consolidated_report("2019-H1", actor=reviewer, status="issued")


# Every role: the session, the user, the navigation's memberships, the bell's and the
# messages' unread counts (one query), the footer's plan (COMMON). With a membership: the
# user's agency rights (permissions.agency_ids) and the agency names of the memberships
# table (NameBook). Then each block (home/work.py):
# - agency work: returned, drafts, requests, the agencies' lineage, reports, difficulties (6);
# - review: activities, reports, the two counts per agency, the overdue requests and their
#   late recipients, the last ended period, the agencies not reported, the difficulties to
#   handle, the drafts (10);
# A leader who only oversees lands on the monitoring overview: the user's agency rights, then
# per month, per kind, the countries, aid by sector, aid by donor and the latest issued
# reports (monitoring/overview.py, 6 grouped queries), and what the calendar's upcoming
# panel costs (observances.upcoming, measured: its own helper's count).
# Outsiders: the administrators to ask.
COMMON = 5
MEMBER = 2
EXPECTED = {
    "staff": COMMON + MEMBER + 6,
    "manager": COMMON + MEMBER + 6,
    "reviewer": COMMON + MEMBER + 6 + 10,
    "leader": COMMON + 1 + 6,
    "outsider": COMMON + 1,
    "admin": COMMON,
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_home_page_queries_do_not_grow_with_the_rows(
    client, today, cast, on_day, django_assert_num_queries, role
):
    people = {name: cast[name] for name in ("staff", "manager", "reviewer")}
    syt = make_user("sytstaff", "SYT", "staff")
    user = cast[role]
    counts = []
    for added in (1, 9):  # once, then ten times the rows
        rows_for(added, syt_staff=syt, on_day=on_day, **people)
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("home"))
        counts.append(len(queries))
    assert counts[0] == counts[1], (role, counts)
    upcoming = []
    if role == "leader":
        scope = monitoring_scope(user)
        with CaptureQueriesContext(connection) as upcoming:
            observances.upcoming(scope, TODAY, user=user)
    client.force_login(user)
    with django_assert_num_queries(EXPECTED[role] + len(upcoming)):
        client.get(reverse("home"))
