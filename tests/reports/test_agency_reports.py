"""An agency's periodic report: the workflow through the services, then its pages (who reads
what, the forms, the review) and the list of periods."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from activities.models import Activity
from agencies.models import Agency, Duty, User
from reports import services
from reports.models import AgencyReport, ReportingPeriod
from reports.periods import ensure_periods
from reports.services import ReportConflict, ReportError
from tests.activities.conftest import make_activity
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Status = AgencyReport.Status
RESULTS = "Tổ chức 2 đoàn công tác, tiếp 1 đoàn Nhật Bản."


@pytest.fixture
def period(db) -> ReportingPeriod:
    ensure_periods([2020])
    return ReportingPeriod.objects.get(kind="half", year=2020)


@pytest.fixture
def report(period) -> AgencyReport:
    """The SLDTBXH draft for the first six months of 2020."""
    return period.agency_reports.get(agency__code="SLDTBXH")


@pytest.fixture
def boss(db) -> User:
    """A manager of SLDTBXH, who sends its report."""
    return make_user("boss", "SLDTBXH", "manager", full_name="Võ Thành Công")


def fresh(report: AgencyReport) -> AgencyReport:
    return AgencyReport.objects.get(pk=report.pk)


def save(actor, report, results=RESULTS, difficulties="", proposals="", version=None):
    return services.save_agency_report(
        actor=actor,
        report=report,
        version=report.version if version is None else version,
        results=results,
        difficulties=difficulties,
        proposals=proposals,
    )


def submitted(staff, boss, report) -> AgencyReport:
    report = save(staff, report)
    return services.submit_agency_report(actor=boss, report=report, version=report.version)


def vi(message: str, **values) -> str:
    """The message as a Vietnamese user reads it (English until the .po translates it)."""
    with translation.override("vi"):
        text = gettext(message)
        return text % values if values else text


# ----------------------------------------------------------------------------- services


def test_staff_saves_the_narrative_and_the_history_says_who(staff, report):
    saved = save(staff, report, difficulties="Thiếu kinh phí", proposals="Bổ sung biên chế")
    row = fresh(report)
    assert (row.results, row.difficulties, row.proposals) == (
        RESULTS,
        "Thiếu kinh phí",
        "Bổ sung biên chế",
    )
    assert row.status == Status.DRAFT
    assert row.version == saved.version == 2
    record = row.history.get()
    assert record.history_user == staff
    assert record.results == RESULTS


def test_staff_cannot_submit_only_a_manager_can(staff, report):
    report = save(staff, report)
    with pytest.raises(ReportError):
        services.submit_agency_report(actor=staff, report=report, version=report.version)
    row = fresh(report)
    assert (row.status, row.version, row.submitted_at, row.figures) == (Status.DRAFT, 2, None, {})


def test_manager_submits_and_the_figures_are_kept_as_sent(staff, boss, reviewer, report, period):
    in_period = dict(start_date=date(2020, 3, 2), end_date=date(2020, 3, 3))
    make_activity(staff, status="submitted", title="Đã gửi", **in_period)
    make_activity(staff, status="accepted", reviewer=reviewer, title="Đã tiếp nhận", **in_period)
    make_activity(
        staff, status="accepted", reviewer=reviewer, kind="event", title="Sự kiện", **in_period
    )
    make_activity(staff, status="draft", title="Nháp", **in_period)
    make_activity(staff, status="returned", reviewer=reviewer, title="Bị trả", **in_period)
    make_activity(
        staff,
        status="accepted",
        reviewer=reviewer,
        title="Sau kỳ",
        start_date=date(2020, 6, 15),
        end_date=date(2020, 6, 15),
    )
    vungtau = make_user("vtstaff", "VUNGTAU", "staff")
    make_activity(vungtau, agency="VUNGTAU", status="accepted", reviewer=reviewer, **in_period)

    sent = submitted(staff, boss, report)
    row = fresh(report)
    assert row.status == Status.SUBMITTED
    assert (row.submitted_by, row.version) == (boss, sent.version)
    assert row.submitted_at is not None

    counted = Activity.objects.filter(
        agency__code="SLDTBXH",
        status__in=["submitted", "accepted"],
        start_date__range=(period.start_date, period.end_date),
    )
    assert row.figures["total"] == counted.count() == 3
    assert row.figures["accepted"] == counted.filter(status="accepted").count() == 2
    assert {a["title"] for a in row.figures["activities"]} == {"Đã gửi", "Đã tiếp nhận", "Sự kiện"}
    assert {k["kind"]: k["count"] for k in row.figures["by_kind"]} == {"inbound": 2, "event": 1}
    assert row.history.latest().history_user == boss

    # Work logged afterwards does not change what was sent.
    make_activity(staff, status="submitted", title="Muộn", **in_period)
    assert fresh(report).figures == row.figures


@pytest.mark.parametrize("results", ["", "   \n\t "])
def test_a_report_without_results_is_not_sent(staff, boss, report, results):
    report = save(staff, report, results=results, difficulties="Khó khăn")
    with pytest.raises(ReportError):
        services.submit_agency_report(actor=boss, report=report, version=report.version)
    row = fresh(report)
    assert (row.status, row.version, row.difficulties) == (Status.DRAFT, 2, "Khó khăn")


def test_a_stale_version_is_a_conflict_and_nothing_changes(staff, boss, reviewer, report):
    first = save(staff, report, results="Bản thứ nhất")
    with pytest.raises(ReportConflict):
        save(boss, report, results="Bản cũ đè lên", version=1)
    with pytest.raises(ReportConflict):
        services.submit_agency_report(actor=boss, report=report, version=1)
    row = fresh(report)
    assert (row.results, row.version, row.status) == ("Bản thứ nhất", first.version, Status.DRAFT)
    assert row.history.count() == 1

    sent = services.submit_agency_report(actor=boss, report=row, version=row.version)
    with pytest.raises(ReportConflict):
        services.accept_agency_report(actor=reviewer, report=sent, version=sent.version - 1)
    with pytest.raises(ReportConflict):
        services.return_agency_report(
            actor=reviewer, report=sent, version=sent.version - 1, reason="Bổ sung"
        )
    assert fresh(report).status == Status.SUBMITTED
    assert fresh(report).version == sent.version


def test_reviewer_accepts(staff, boss, reviewer, report):
    sent = submitted(staff, boss, report)
    services.accept_agency_report(actor=reviewer, report=sent, version=sent.version)
    row = fresh(report)
    assert (row.status, row.reviewed_by) == (Status.ACCEPTED, reviewer)
    assert row.reviewed_at is not None
    assert not row.is_editable
    with pytest.raises(ReportError):
        save(staff, row)
    with pytest.raises(ReportError):
        services.accept_agency_report(actor=reviewer, report=row, version=row.version)


def test_reviewer_returns_with_a_reason_and_the_agency_sends_it_again(
    staff, boss, reviewer, report
):
    sent = submitted(staff, boss, report)
    returned = services.return_agency_report(
        actor=reviewer, report=sent, version=sent.version, reason="  Thiếu số liệu viện trợ  "
    )
    row = fresh(report)
    assert (row.status, row.return_reason, row.reviewed_by) == (
        Status.RETURNED,
        "Thiếu số liệu viện trợ",
        reviewer,
    )
    assert row.history.latest().history_change_reason == "Thiếu số liệu viện trợ"
    assert row.is_editable

    edited = save(staff, row, results=RESULTS + " Viện trợ 2 tỷ đồng.", version=returned.version)
    again = services.submit_agency_report(actor=boss, report=edited, version=edited.version)
    row = fresh(report)
    assert (row.status, row.return_reason) == (Status.SUBMITTED, "")
    assert row.results.endswith("Viện trợ 2 tỷ đồng.")
    assert row.version == again.version
    # An accepted report can be returned too.
    services.accept_agency_report(actor=reviewer, report=row, version=row.version)
    row = fresh(report)
    services.return_agency_report(actor=reviewer, report=row, version=row.version, reason="Sai")
    assert fresh(report).status == Status.RETURNED


@pytest.mark.parametrize("reason", ["", "   ", "\x00", " \x00\n"])
def test_a_return_without_a_reason_is_refused(staff, boss, reviewer, report, reason):
    sent = submitted(staff, boss, report)
    with pytest.raises(ReportError):
        services.return_agency_report(
            actor=reviewer, report=sent, version=sent.version, reason=reason
        )
    row = fresh(report)
    assert (row.status, row.return_reason, row.version) == (Status.SUBMITTED, "", sent.version)


def test_a_long_reason_with_nul_bytes_is_kept_whole(staff, boss, reviewer, report):
    """The history's change reason is a short column; the reason itself is kept in full."""
    sent = submitted(staff, boss, report)
    reason = "Bổ sung\x00 " + "số liệu chi tiết của từng đoàn, " * 20
    services.return_agency_report(actor=reviewer, report=sent, version=sent.version, reason=reason)
    row = fresh(report)
    assert row.status == Status.RETURNED
    assert row.return_reason == reason.replace("\x00", "").strip()
    record = row.history.latest()
    assert "\x00" not in record.history_change_reason
    assert len(record.history_change_reason) <= 100
    assert record.history_change_reason.startswith("Bổ sung số liệu")


def test_draft_and_returned_reports_cannot_be_reviewed(staff, boss, reviewer, report):
    with pytest.raises(ReportError):
        services.accept_agency_report(actor=reviewer, report=report, version=report.version)
    with pytest.raises(ReportError):
        services.return_agency_report(
            actor=reviewer, report=report, version=report.version, reason="Sai"
        )
    assert fresh(report).status == Status.DRAFT
    sent = submitted(staff, boss, report)
    with pytest.raises(ReportError):
        services.submit_agency_report(actor=boss, report=sent, version=sent.version)


def test_a_manager_of_another_agency_cannot_touch_it(staff, boss, manager, report):
    with pytest.raises(ReportError):
        save(manager, report)
    report = save(staff, report)
    with pytest.raises(ReportError):
        services.submit_agency_report(actor=manager, report=report, version=report.version)
    row = fresh(report)
    assert (row.status, row.version, row.history.count()) == (Status.DRAFT, 2, 1)


def test_leader_outsider_and_reviewer_do_not_write_or_send_it(
    staff, boss, reviewer, leader, outsider, report
):
    for user in (leader, outsider, reviewer):
        with pytest.raises(ReportError):
            save(user, report)
    report = save(staff, report)
    for user in (leader, outsider, reviewer, staff):
        with pytest.raises(ReportError):
            services.submit_agency_report(actor=user, report=report, version=report.version)
    sent = services.submit_agency_report(actor=boss, report=report, version=report.version)
    for user in (leader, outsider, staff, boss):
        with pytest.raises(ReportError):
            services.accept_agency_report(actor=user, report=sent, version=sent.version)
        with pytest.raises(ReportError):
            services.return_agency_report(
                actor=user, report=sent, version=sent.version, reason="Sai"
            )
    row = fresh(report)
    assert (row.status, row.version, row.reviewed_by) == (Status.SUBMITTED, sent.version, None)


def test_an_inactive_agency_cannot_send(staff, boss, report):
    report = save(staff, report)
    Agency.objects.filter(code="SLDTBXH").update(is_active=False)
    with pytest.raises(ReportError):
        services.submit_agency_report(actor=boss, report=report, version=report.version)
    assert fresh(report).status == Status.DRAFT


@pytest.mark.parametrize("field", ["results", "difficulties", "proposals"])
def test_over_long_text_is_refused_and_nothing_is_saved(staff, report, field):
    save(staff, report, results="Trước")
    row = fresh(report)
    texts = {"results": "Sau", "difficulties": "", "proposals": ""}
    texts[field] = "x" * (AgencyReport.TEXT_MAX_CHARS + 1)
    with pytest.raises(ReportError, match=r"20\.000"):
        save(staff, row, **texts)
    after = fresh(report)
    assert (after.results, after.difficulties, after.proposals, after.version) == (
        "Trước",
        "",
        "",
        2,
    )
    texts[field] = "x" * AgencyReport.TEXT_MAX_CHARS  # exactly the limit is fine
    save(staff, after, **texts)
    assert len(getattr(fresh(report), field)) == AgencyReport.TEXT_MAX_CHARS


def test_nul_bytes_are_stripped(staff, report):
    save(staff, report, results="Kết\x00 quả\x00", difficulties="\x00", proposals=" Đề\x00 xuất ")
    row = fresh(report)
    assert (row.results, row.difficulties, row.proposals) == ("Kết quả", "", "Đề xuất")


# ----------------------------------------------------------------------------- pages


def url(report: AgencyReport) -> str:
    return reverse("reports:agency-report", args=["2020-H1", report.agency.code])


def review_url(report: AgencyReport) -> str:
    return reverse("reports:agency-report-review", args=["2020-H1", report.agency.code])


def test_urls(report):
    assert report.get_absolute_url() == url(report) == "/reports/2020-H1/agencies/SLDTBXH/"


@pytest.fixture
def states(staff, boss, reviewer, period):
    """Reports of SLDTBXH, VUNGTAU, SYT and HLHPN in each state (all of the same period)."""

    def member(code):
        return make_user(f"mgr{code.lower()}", code, "manager")

    made = {"draft": period.agency_reports.get(agency__code="SLDTBXH")}
    for status, code in (("submitted", "SYT"), ("accepted", "HLHPN"), ("returned", "SGDDT")):
        who = member(code)
        report = period.agency_reports.get(agency__code=code)
        report = save(who, report)
        report = services.submit_agency_report(actor=who, report=report, version=report.version)
        if status == "accepted":
            report = services.accept_agency_report(
                actor=reviewer, report=report, version=report.version
            )
        if status == "returned":
            report = services.return_agency_report(
                actor=reviewer, report=report, version=report.version, reason="Thiếu số liệu"
            )
        made[status] = report
    return made


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


def test_anonymous_is_sent_to_login(client, report):
    response = client.get(url(report))
    assert response.status_code == 302 and "/login" in response["Location"]


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


def test_staff_saves_from_the_page(client, staff, report):
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
    # The form refuses NUL bytes outright (the service strips them).
    response = client.post(url(report), {"version": 2, "results": "A\x00B", "action": "save"})
    assert response.status_code == 200
    assert (fresh(report).results, fresh(report).version) == ("Kết quả mới", 2)


def test_manager_sends_from_the_page(client, boss, staff, report):
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


def test_staff_cannot_send_from_the_page(client, staff, report):
    client.force_login(staff)
    response = client.post(
        url(report),
        {"version": 1, "results": RESULTS, "difficulties": "", "proposals": "", "action": "submit"},
    )
    assert response.status_code == 200
    assert fresh(report).status == Status.DRAFT
    message = vi("Only a manager of %(agency)s may send its report.", agency=report.agency)
    assert escape(message) in response.content.decode()


def test_a_failed_send_changes_nothing_and_the_form_can_be_sent_again(client, boss, report):
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


def test_a_stale_version_shows_the_conflict_and_changes_nothing(client, staff, boss, report):
    save(boss, report, results="Bản của trưởng phòng")
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
def test_a_broken_form_changes_nothing(client, staff, report, version):
    client.force_login(staff)
    response = client.post(url(report), {"version": version, "results": "X", "action": "save"})
    assert response.status_code == 200
    assert fresh(report).version == 1 and fresh(report).results == ""


def test_an_unknown_action_is_404(client, staff, report):
    client.force_login(staff)
    response = client.post(url(report), {"version": 1, "results": "X", "action": "delete"})
    assert response.status_code == 404
    assert fresh(report).version == 1


def test_another_agency_cannot_post_to_the_page(client, manager, outsider, report):
    for user in (manager, outsider):
        client.force_login(user)
        response = client.post(url(report), {"version": 1, "results": "X", "action": "save"})
        assert response.status_code == 404
    assert fresh(report).version == 1


def test_reviewer_accepts_from_the_page(client, reviewer, states):
    report = states["submitted"]
    client.force_login(reviewer)
    response = client.post(
        review_url(report), {"version": report.version, "action": "accept"}, follow=True
    )
    assert fresh(report).status == Status.ACCEPTED
    assert escape(vi("The report was accepted.")) in response.content.decode()


def test_reviewer_returns_from_the_page(client, reviewer, states):
    report = states["submitted"]
    client.force_login(reviewer)
    client.post(
        review_url(report),
        {"version": report.version, "action": "return", "reason": "Bổ sung danh sách đoàn"},
    )
    row = fresh(report)
    assert (row.status, row.return_reason) == (Status.RETURNED, "Bổ sung danh sách đoàn")


def test_a_return_without_reason_from_the_page_changes_nothing(client, reviewer, states):
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


def test_a_stale_review_shows_the_conflict(client, reviewer, states):
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


def test_review_posts_by_others_change_nothing(client, cast, states, boss):
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


def test_review_only_by_post(client, reviewer, states):
    client.force_login(reviewer)
    assert client.get(review_url(states["submitted"])).status_code == 405


# ----------------------------------------------------------------------------- the list


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
    with django_assert_num_queries(8):
        client.get(url)
    ensure_periods([2021, 2022, 2023])
    with django_assert_num_queries(8):
        response = client.get(url)
    assert len(response.context["rows"]) == 8
    assert all(len(row["reports"]) == 1 for row in response.context["rows"])

    client.force_login(reviewer)
    # ... and the versions of the consolidated report
    with django_assert_num_queries(9):
        response = client.get(url)
    assert len(response.context["rows"]) == 8


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
