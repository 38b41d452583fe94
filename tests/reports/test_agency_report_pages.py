"""An agency's report page: who reads what, the form, the send button and the review panel
the status table offers, the figures each reader sees, and the posts that change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from agencies.models import Duty, User
from reports import agency_reports
from reports.figures import agency_figures
from reports.models import AgencyReport
from reports.periods import ensure_periods
from tests.factories import (
    RESULTS,
    make_activity,
    make_agency_report,
    make_user,
    write_agency_report,
)

pytestmark = pytest.mark.django_db

Status = AgencyReport.Status


def url(report: AgencyReport) -> str:
    return reverse("reports:agency-report", args=["2020-H1", report.agency.code])


def review_url(report: AgencyReport) -> str:
    return reverse("reports:agency-report-review", args=["2020-H1", report.agency.code])


def test_urls(report):
    assert report.get_absolute_url() == url(report) == "/reports/2020-H1/agencies/SLDTBXH/"


def members(code):
    return {
        "staff": make_user(f"staff{code.lower()}", code, "staff"),
        "manager": make_user(f"manager{code.lower()}", code, "manager"),
    }


# role -> the states of another agency's report it may read
READ = {
    "manager": set(),  # of VUNGTAU: not its agency
    "reviewer": {"submitted", "accepted", "returned"},
    "leader": {"accepted"},
    "outsider": set(),
}


@pytest.mark.parametrize("role", list(READ))
@pytest.mark.parametrize("status", ["draft", "submitted", "accepted", "returned"])
def test_who_reads_which_report(client, cast, states, role, status):
    client.force_login(cast[role])
    expected = 200 if status in READ[role] else 404
    assert client.get(url(states[status])).status_code == expected


@pytest.mark.parametrize("status", ["draft", "submitted", "accepted", "returned"])
def test_the_agencys_own_members_read_every_state(client, states, status):
    code = states[status].agency.code
    for user in members(code).values():
        client.force_login(user)
        assert client.get(url(states[status])).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/reports/2020-H2/agencies/SLDTBXH/",
        "/reports/2031-H1/agencies/SLDTBXH/",
        "/reports/\uff12\uff10\uff12\uff10-H1/agencies/SLDTBXH/",
        "/reports/2020-H1/agencies/KHONGCO/",
        "/reports/2020-H1/agencies/UBNDTINH/",
    ],
)
def test_unknown_period_or_agency_is_404(client, admin_user, report, path):
    client.force_login(admin_user)
    assert client.get(path).status_code == 404


def test_staff_sees_the_form_but_no_send_button(client, staff, report):
    client.force_login(staff)
    page = client.get(url(report)).content.decode()
    assert 'data-testid="report-form"' in page
    assert 'name="version" value="1"' in page
    assert 'value="submit"' not in page
    assert 'data-testid="review"' not in page
    # The form renderer styles every text box (the form itself sets no class).
    assert page.count('class="form-control') == 3


def test_manager_sees_the_send_button(client, boss, report):
    client.force_login(boss)
    page = client.get(url(report)).content.decode()
    assert 'data-testid="report-form"' in page and 'value="submit"' in page


def test_the_draft_shows_live_figures(client, staff, reviewer, report):
    make_activity(staff, status="accepted", reviewer=reviewer, title="Đoàn Hàn Quốc")
    make_activity(staff, status="draft", title="Bản nháp chưa gửi")
    client.force_login(staff)
    response = client.get(url(report))
    assert response.context["figures"]["total"] == 1
    page = response.content.decode()
    assert "Đoàn Hàn Quốc" in page and "Bản nháp chưa gửi" not in page


def test_reviewer_sees_a_submitted_report_with_accept_and_return(client, reviewer, states):
    client.force_login(reviewer)
    page = client.get(url(states["submitted"])).content.decode()
    assert 'data-testid="review"' in page
    assert 'value="accept"' in page and 'value="return"' in page
    assert 'data-testid="report-form"' not in page
    assert RESULTS in page
    accepted = client.get(url(states["accepted"])).content.decode()
    assert 'value="accept"' not in accepted and 'value="return"' in accepted
    returned = client.get(url(states["returned"])).content.decode()
    assert 'data-testid="review"' not in returned
    assert "Thiếu số liệu" in returned


def test_leader_reads_an_accepted_report_without_review_buttons(client, leader, states):
    client.force_login(leader)
    page = client.get(url(states["accepted"])).content.decode()
    assert RESULTS in page
    assert 'data-testid="review"' not in page and 'data-testid="report-form"' not in page


def test_staff_saves_from_the_page(client, staff, report, fresh):
    client.force_login(staff)
    response = client.post(
        url(report),
        {
            "version": 1,
            "results": "Kết quả mới",
            "difficulties": "Khó",
            "proposals": "",
            "action": "save",
        },
    )
    assert response.status_code == 302 and response["Location"] == url(report)
    row = fresh(report)
    assert (row.results, row.difficulties, row.version, row.status) == (
        "Kết quả mới",
        "Khó",
        2,
        Status.DRAFT,
    )
    assert row.history.get().history_user == staff
    # A NUL byte and a direction override are removed on the way in; the rest is saved.
    response = client.post(
        url(report), {"version": 2, "results": "A\x00B\u202eC", "action": "save"}
    )
    assert response.status_code == 302
    assert (fresh(report).results, fresh(report).version) == ("ABC", 3)


def test_manager_sends_from_the_page(client, boss, staff, report, vi, fresh):
    make_activity(staff, status="submitted")
    client.force_login(boss)
    response = client.post(
        url(report),
        {"version": 1, "results": RESULTS, "difficulties": "", "proposals": "", "action": "submit"},
        follow=True,
    )
    row = fresh(report)
    assert (row.status, row.submitted_by, row.results) == (Status.SUBMITTED, boss, RESULTS)
    assert row.figures["total"] == 1
    page = response.content.decode()
    assert escape(vi("The report was sent to Sở Ngoại vụ.")) in page
    assert 'data-testid="report-form"' not in page


def test_staff_cannot_send_from_the_page(client, staff, report, vi, fresh):
    client.force_login(staff)
    response = client.post(
        url(report),
        {"version": 1, "results": RESULTS, "difficulties": "", "proposals": "", "action": "submit"},
    )
    assert response.status_code == 200
    assert fresh(report).status == Status.DRAFT
    message = vi("Only a manager of %(agency)s may send its report.", agency=report.agency)
    assert escape(message) in response.content.decode()


def test_a_failed_send_changes_nothing_and_the_form_can_be_sent_again(
    client, boss, report, vi, fresh
):
    """Sending with empty results is refused; the form still carries a version that works."""
    client.force_login(boss)
    data = {"version": 1, "results": "", "difficulties": "Khó", "proposals": "", "action": "submit"}
    response = client.post(url(report), data)
    assert response.status_code == 200
    assert escape(vi("Write the results of the period before sending the report.")) in (
        response.content.decode()
    )
    row = fresh(report)
    assert (row.status, row.difficulties, row.version) == (Status.DRAFT, "", 1)
    assert 'name="version" value="1"' in response.content.decode()
    data["results"] = RESULTS
    response = client.post(url(report), data)
    assert response.status_code == 302
    assert fresh(report).status == Status.SUBMITTED


def test_a_stale_version_shows_the_conflict_and_changes_nothing(
    client, staff, boss, report, vi, fresh
):
    write_agency_report(boss, report, results="Bản của trưởng phòng")
    client.force_login(staff)
    response = client.post(
        url(report),
        {"version": 1, "results": "Bản cũ", "difficulties": "", "proposals": "", "action": "save"},
    )
    assert response.status_code == 200
    message = vi(
        "Someone else changed this report in the meantime (now: %(status)s). "
        "Reload the page to see the current version; nothing was saved.",
        status=vi("Draft"),
    )
    assert "Nháp" in message  # the status, at least, reads in Vietnamese
    assert escape(message) in response.content.decode()
    row = fresh(report)
    assert (row.results, row.version) == ("Bản của trưởng phòng", 2)


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_a_broken_form_changes_nothing(client, staff, report, version, fresh):
    client.force_login(staff)
    response = client.post(url(report), {"version": version, "results": "X", "action": "save"})
    assert response.status_code == 200
    assert fresh(report).version == 1 and fresh(report).results == ""


def test_an_unknown_action_is_404(client, staff, report, fresh):
    client.force_login(staff)
    response = client.post(url(report), {"version": 1, "results": "X", "action": "delete"})
    assert response.status_code == 404
    assert fresh(report).version == 1


def test_another_agency_cannot_post_to_the_page(client, manager, outsider, report, fresh):
    for user in (manager, outsider):
        client.force_login(user)
        response = client.post(url(report), {"version": 1, "results": "X", "action": "save"})
        assert response.status_code == 404
    assert fresh(report).version == 1


def test_reviewer_accepts_from_the_page(client, reviewer, states, vi, fresh):
    report = states["submitted"]
    client.force_login(reviewer)
    response = client.post(
        review_url(report), {"version": report.version, "action": "accept"}, follow=True
    )
    assert fresh(report).status == Status.ACCEPTED
    assert escape(vi("The report was accepted.")) in response.content.decode()


def test_reviewer_returns_from_the_page(client, reviewer, states, fresh):
    report = states["submitted"]
    client.force_login(reviewer)
    client.post(
        review_url(report),
        {"version": report.version, "action": "return", "reason": "Bổ sung danh sách đoàn"},
    )
    row = fresh(report)
    assert (row.status, row.return_reason) == (Status.RETURNED, "Bổ sung danh sách đoàn")


def test_a_return_without_reason_from_the_page_changes_nothing(client, reviewer, states, vi, fresh):
    report = states["submitted"]
    client.force_login(reviewer)
    response = client.post(
        review_url(report),
        {"version": report.version, "action": "return", "reason": " "},
        follow=True,
    )
    assert fresh(report).status == Status.SUBMITTED
    assert escape(vi("Say why the report is returned: the agency needs to know.")) in (
        response.content.decode()
    )


def test_a_stale_review_shows_the_conflict(client, reviewer, states, vi, fresh):
    report = states["submitted"]
    client.force_login(reviewer)
    response = client.post(
        review_url(report), {"version": report.version - 1, "action": "accept"}, follow=True
    )
    assert fresh(report).status == Status.SUBMITTED
    message = vi(
        "Someone else changed this report in the meantime (now: %(status)s). "
        "Reload the page to see the current version; nothing was saved.",
        status=vi("Submitted"),
    )
    assert escape(message) in response.content.decode()
    response = client.post(review_url(report), {"version": "x", "action": "accept"}, follow=True)
    assert escape(vi("The form was incomplete; nothing was changed.")) in (
        response.content.decode()
    )
    assert fresh(report).status == Status.SUBMITTED


def test_review_posts_by_others_change_nothing(client, cast, states, boss, fresh):
    submitted_report, accepted = states["submitted"], states["accepted"]
    # A draft is not there for the reviewer; another agency's report not for anyone else.
    client.force_login(cast["reviewer"])
    assert (
        client.post(review_url(states["draft"]), {"version": 1, "action": "accept"}).status_code
        == 404
    )
    for role in ("manager", "outsider", "leader"):
        client.force_login(cast[role])
        response = client.post(
            review_url(submitted_report), {"version": submitted_report.version, "action": "accept"}
        )
        assert response.status_code == 404
    # The leader reads the accepted one but may not return it.
    client.force_login(cast["leader"])
    response = client.post(
        review_url(accepted),
        {"version": accepted.version, "action": "return", "reason": "Không đồng ý"},
    )
    assert response.status_code == 302
    # The agency's own manager may not accept its own report.
    client.force_login(User.objects.get(username="mgrsyt"))
    client.post(
        review_url(submitted_report), {"version": submitted_report.version, "action": "accept"}
    )
    assert fresh(submitted_report).status == Status.SUBMITTED
    assert fresh(accepted).status == Status.ACCEPTED
    assert fresh(states["draft"]).status == Status.DRAFT


@pytest.mark.parametrize("action", ["submit", "delete", ""])
def test_a_review_move_the_panel_does_not_offer_is_404(client, reviewer, states, action, fresh):
    report = states["submitted"]
    client.force_login(reviewer)
    response = client.post(review_url(report), {"version": report.version, "action": action})
    assert response.status_code == 404
    assert fresh(report).status == Status.SUBMITTED


def test_review_only_by_post(client, reviewer, states):
    client.force_login(reviewer)
    assert client.get(review_url(states["submitted"])).status_code == 405


def test_the_page_counts_the_agencys_duties_touched(client, staff, reviewer, report):
    duties = Duty.objects.filter(assignments__agency=report.agency)
    duty = duties.order_by("plan", "position").first()
    make_activity(staff, status="submitted", duty=duty)
    client.force_login(staff)
    response = client.get(url(report))
    figures = response.context["figures"]
    assert [d["ref"] for d in figures["duties_touched"]] == [duty.ref]
    assert len(figures["duties_untouched"]) == duties.count() - 1
    cards = response.content.decode().split('data-testid="figures"')[1]
    assert f">1/{duties.count()}</div>" in cards


def test_the_send_button_waits_for_the_end_of_the_period(client, manager, vi):
    """In its place the page says the table's guard, as the service would refuse."""
    year = timezone.localdate().year + 1
    ensure_periods([year])
    client.force_login(manager)
    page = client.get(reverse("reports:agency-report", args=[f"{year}-H1", "VUNGTAU"]))
    body = page.content.decode()
    assert page.context["send"] is None
    assert 'value="submit"' not in body
    guard = vi(
        "The period ends on %(date)s: send the report after that day, with its figures.",
        date=f"14/06/{year}",
    )
    assert page.context["send_blocked"] == guard
    assert f'data-testid="send-blocked">{guard}</span>' in body
    assert 'data-testid="who-sends"' not in body  # a manager sends it, once the period is over


@pytest.mark.parametrize(
    ("role", "next_year", "says"),
    [
        ("boss", False, set()),  # the send button instead
        ("boss", True, {"send-blocked"}),
        ("staff", False, {"who-sends"}),
        ("staff", True, {"who-sends", "send-blocked"}),
    ],
)
def test_without_a_send_button_the_form_says_why(client, staff, boss, role, next_year, says):
    """A manager (Action.SUBMIT) is told only of the period; staff also that a manager sends."""
    year = timezone.localdate().year + 1 if next_year else 2020
    ensure_periods([year])
    client.force_login(boss if role == "boss" else staff)
    page = client.get(reverse("reports:agency-report", args=[f"{year}-H1", "SLDTBXH"]))
    body = page.content.decode()
    assert page.context["may_send"] is (role == "boss")
    assert (page.context["send"] is None) is bool(says)
    assert {tag for tag in ("who-sends", "send-blocked") if f'data-testid="{tag}"' in body} == says


def test_leaders_see_only_accepted_activities_in_an_agency_report(
    client, manager, reviewer, leader, periods
):
    h1 = periods["2020-H1"]
    make_activity(manager, agency="VUNGTAU", status="accepted", reviewer=reviewer, title="Đã duyệt")
    make_activity(manager, agency="VUNGTAU", status="submitted", title="Chưa thẩm định xong")
    report = make_agency_report(
        h1, "VUNGTAU", status="accepted", sender=manager, reviewer=reviewer, results="Kết quả."
    )
    url = report.get_absolute_url()

    client.force_login(leader)
    body = client.get(url).content.decode()
    assert "Đã duyệt" in body and "Chưa thẩm định xong" not in body
    client.force_login(reviewer)
    assert "Chưa thẩm định xong" in client.get(url).content.decode()


def test_leaders_figures_count_accepted_activities_only(client, manager, reviewer, leader, periods):
    h1 = periods["2020-H1"]
    make_activity(manager, agency="VUNGTAU", status="accepted", reviewer=reviewer)
    make_activity(manager, agency="VUNGTAU", status="submitted")
    AgencyReport.objects.filter(period=h1, agency__code="VUNGTAU").update(
        status="accepted", submitted_at=timezone.now()
    )
    report = AgencyReport.objects.get(period=h1, agency__code="VUNGTAU")
    client.force_login(leader)
    assert client.get(report.get_absolute_url()).context["figures"]["total"] == 1
    assert agency_figures(h1, report.agency)["total"] == 2  # what the agency itself sees


# ---------------------------------------------------------------------------- query counts


# role -> the report it reads (SLDTBXH's, 2020-H1) and the queries of its page
PAGE_QUERIES = {
    # session, user, the user's agency rights, the report with its period, agency, sender
    # and reviewer; the figures counted now: the totals and aid (one aggregate), the duties
    # with an activity, the activities by kind, the listed activities, the agency's duties;
    # the history with its users (at most 50 rows); the navigation's memberships, the
    # unread counts, the plan in force (the footer); the user's notifications about the page
    # marked read
    "staff": ("draft", 14),
    # ... no figures to count: they are the report's JSON, kept when it was sent
    "reviewer": ("submitted", 9),
    # ... the figures counted now, accepted activities only: the same five queries
    "leader": ("accepted", 14),
}


@pytest.mark.parametrize("role", list(PAGE_QUERIES))
def test_the_report_page_costs_the_same_with_ten_times_the_history_and_activities(
    client, cast, boss, report, role, django_assert_num_queries
):
    status, queries = PAGE_QUERIES[role]
    staff, reviewer = cast["staff"], cast["reviewer"]

    def grow(report, activities: int, rounds: int) -> AgencyReport:
        for index in range(activities):
            make_activity(staff, status="accepted", reviewer=reviewer, title=f"Hoạt động {index}")
            make_activity(staff, status="submitted", title=f"Chờ duyệt {index}")
        for index in range(rounds):
            if report.status != "draft":  # another round: returned, written, sent again
                report = agency_reports.return_agency_report(
                    actor=reviewer, report=report, version=report.version, reason="Bổ sung"
                )
            report = make_agency_report(
                report.period,
                report.agency,
                status=status,
                writer=staff,
                sender=boss,
                reviewer=reviewer,
                results=f"Lần {index}",
            )
        return report

    report = grow(report, activities=1, rounds=1)
    client.force_login(cast[role])
    client.get(url(report))  # session and caches warm

    with django_assert_num_queries(queries):
        small = client.get(url(report))
    report = grow(report, activities=9, rounds=9)
    with django_assert_num_queries(queries):
        large = client.get(url(report))

    assert len(large.context["history"]) >= 10 * len(small.context["history"])
    assert large.context["figures"]["total"] == 10 * small.context["figures"]["total"] > 0
