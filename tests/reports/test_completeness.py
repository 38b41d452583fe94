"""Who has sent their periodic report: the matrix and its rates, the reviewers' page, the
reminders sent from it and by the daily beat task."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Agency, Duty, DutyAssignment, User
from notifications.models import EmailChoice, Kind, Notification
from notifications.services import set_preferences
from reports import agency_reports, completeness
from reports.errors import ReportError
from reports.models import AgencyReport, ReportingPeriod
from reports.notifications import send_agency_report_reminder, send_agency_report_reminders
from reports.periods import ensure_periods
from reports.tasks import remind_agency_reports
from tests.factories import make_user

pytestmark = pytest.mark.django_db

REPORTING = 19  # agencies with duties in plan 164


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def periods(db) -> dict[str, ReportingPeriod]:
    ensure_periods([2020])
    return {p.code: p for p in ReportingPeriod.objects.filter(year=2020)}


def set_state(period: ReportingPeriod, code: str, status: str, submitted_at=None) -> None:
    updated = AgencyReport.objects.filter(period=period, agency__code=code).update(
        status=status, submitted_at=submitted_at
    )
    assert updated == 1


@pytest.fixture
def h1(periods) -> ReportingPeriod:
    """2020-H1 (deadline 19/06/2020) with one report in each state; the other 14 are drafts."""
    period = periods["2020-H1"]
    assert period.deadline == date(2020, 6, 19)
    set_state(period, "SLDTBXH", "submitted", local(2020, 6, 19, 23, 30))  # last evening
    set_state(period, "VUNGTAU", "submitted", local(2020, 6, 20, 0, 30))  # just after
    set_state(period, "LHHN", "accepted", local(2020, 6, 1, 9, 0))
    set_state(period, "SYT", "accepted", local(2020, 7, 1, 9, 0))
    set_state(period, "SGDDT", "returned", local(2020, 6, 10, 9, 0))
    return period


def by_agency(table: completeness.Matrix) -> dict[str, list[completeness.Cell]]:
    return {row.agency.code: row.cells for row in table.rows}


# ----------------------------------------------------------------------------- the matrix


def test_states_after_the_deadline(periods, h1):
    table = completeness.matrix([h1, periods["2020"]], today=date(2020, 7, 1))
    cells = by_agency(table)
    states = {code: c[0].state for code, c in cells.items()}
    assert states["SLDTBXH"] == "on_time"  # 23:30 on the deadline, local time
    assert states["VUNGTAU"] == "late"  # 00:30 the day after (still the 19th in UTC)
    assert states["LHHN"] == "on_time"
    assert states["SYT"] == "late"
    assert states["SGDDT"] == "returned"
    assert {
        states[c] for c in states if c not in {"SLDTBXH", "VUNGTAU", "LHHN", "SYT", "SGDDT"}
    } == {"missing"}
    assert [code for code, c in cells.items() if c[0].accepted] == ["LHHN", "SYT"]
    # The year's deadline has not come: its drafts are pending.
    assert {c[1].state for c in cells.values()} == {"pending"}
    assert all(c[0].report_id for c in cells.values())


def test_rates_count_what_was_sent_of_what_is_due(periods, h1):
    table = completeness.matrix([h1, periods["2020"]], today=date(2020, 7, 1))
    columns = table.period_rates()
    assert [c["period"].code for c in columns] == ["2020-H1", "2020"]
    assert columns[0]["rate"] == round(100 * 4 / REPORTING) == 21
    assert (columns[0]["missing"], columns[0]["pending"]) == (REPORTING - 5, 1)
    assert (columns[1]["rate"], columns[1]["missing"], columns[1]["pending"]) == (
        None,
        0,
        REPORTING,
    )
    rates = {row.agency.code: row.rate for row in table.rows}
    assert rates["SLDTBXH"] == rates["VUNGTAU"] == rates["SYT"] == 100
    assert rates["SGDDT"] == rates["HND"] == 0

    # Six months later both periods are due.
    set_state(periods["2020"], "SLDTBXH", "submitted", local(2020, 12, 1, 8, 0))
    table = completeness.matrix([h1, periods["2020"]], today=date(2021, 1, 5))
    columns = table.period_rates()
    assert columns[1]["rate"] == round(100 / REPORTING) == 5
    assert (columns[1]["missing"], columns[1]["pending"]) == (REPORTING - 1, 0)
    rates = {row.agency.code: row.rate for row in table.rows}
    assert (rates["SLDTBXH"], rates["VUNGTAU"], rates["HND"]) == (100, 50, 0)


def test_before_the_deadline_nothing_is_rated(periods):
    """The rate counts only periods whose deadline has passed: neither an early report nor a
    returned one makes a rate before then."""
    h1 = periods["2020-H1"]
    set_state(h1, "SLDTBXH", "submitted", local(2020, 6, 5, 8, 0))
    set_state(h1, "SGDDT", "returned", local(2020, 6, 5, 8, 0))
    table = completeness.matrix([h1], today=date(2020, 6, 10))
    cells = by_agency(table)
    assert cells["SLDTBXH"][0].state == "on_time"
    assert cells["SGDDT"][0].state == "returned"
    assert cells["HND"][0].state == "pending"
    column = table.period_rates()[0]
    assert (column["rate"], column["missing"], column["pending"]) == (None, 0, REPORTING - 1)
    assert {row.rate for row in table.rows} == {None}
    # On the deadline itself a draft is still pending; the day after it is missing.
    assert by_agency(completeness.matrix([h1], today=date(2020, 6, 19)))["HND"][0].state == (
        "pending"
    )
    after = completeness.matrix([h1], today=date(2020, 6, 20))
    assert by_agency(after)["HND"][0].state == "missing"
    assert after.period_rates()[0]["rate"] == round(100 / REPORTING)


def test_an_expected_agency_without_a_report_row_is_missing(periods, h1):
    # Who is expected follows the rule (in operation, duties in the plan), not the rows: an
    # expected agency whose draft is gone has not sent its report.
    periods["2020"].agency_reports.filter(agency__code="VUNGTAU").delete()
    table = completeness.matrix([h1, periods["2020"]], today=date(2021, 1, 5))
    cell = by_agency(table)["VUNGTAU"][1]
    assert (cell.state, cell.report_id, cell.expected) == ("missing", None, True)
    assert next(r for r in table.rows if r.agency.code == "VUNGTAU").rate == 50
    assert table.period_rates()[1]["missing"] == REPORTING


def test_rows_are_the_reporting_agencies_in_directory_order(periods, h1):
    table = completeness.matrix([h1, periods["2020"]], today=date(2020, 7, 1))
    codes = [row.agency.code for row in table.rows]
    assert len(codes) == REPORTING and "UBNDTINH" not in codes
    assert codes[:3] == ["SNGV", "LHHN", "SLDTBXH"]
    assert codes[-1] == "CONDAO"


def test_the_matrix_takes_five_queries(periods, h1, django_assert_num_queries):
    ensure_periods([2019])
    every = list(ReportingPeriod.objects.all())
    # plans, assignments (who is expected), reports, agencies, their names
    with django_assert_num_queries(5):
        table = completeness.matrix(every, today=date(2021, 1, 5))
        table.period_rates()
        [row.rate for row in table.rows]
    assert len(table.rows) == REPORTING and len(table.periods) == 4


# ----------------------------------------------------------------------------- the page

PAGE = reverse("reports:completeness")


def page_states(html: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr data-agency="([A-Z0-9_]+)">(.*?)</tr>', html, re.S)
    return {code: re.findall(r'data-state="([a-z_]*)"', cells) for code, cells in rows}


def test_reviewer_sees_the_states(client, reviewer, periods, h1):
    client.force_login(reviewer)
    response = client.get(PAGE, {"year": 2020})
    assert response.status_code == 200
    html = response.content.decode()
    states = page_states(html)
    assert len(states) == REPORTING
    # Periods in the order of the year: 2020-H1, then the year 2020 (deadline passed now).
    assert states["SLDTBXH"] == ["on_time", "missing"]
    assert states["VUNGTAU"] == ["late", "missing"]
    assert states["SGDDT"] == ["returned", "missing"]
    assert states["HND"] == ["missing", "missing"]
    assert re.search(r'data-testid="rate-2020-H1">21%', html)
    assert re.search(r'data-testid="rate-2020">0%', html)
    assert html.count(" ✓</a>") == 2
    assert reverse("reports:agency-report", args=["2020-H1", "SGDDT"]) in html
    assert reverse("reports:remind", args=["2020-H1"]) in html


def test_pending_reports_of_a_coming_period(client, reviewer):
    next_year = timezone.localdate().year + 1
    ensure_periods([next_year])
    client.force_login(reviewer)
    html = client.get(PAGE, {"year": next_year}).content.decode()
    assert set(page_states(html)["SLDTBXH"]) == {"pending"}
    assert re.search(rf'data-testid="rate-{next_year}-H1">—', html)


def test_the_year_defaults_to_the_latest_started_one(client, reviewer, periods):
    ensure_periods([2019])
    client.force_login(reviewer)
    response = client.get(PAGE)
    assert response.context["year"] == 2020
    assert [p.code for p in response.context["table"].periods] == [
        "2019-H1",
        "2019",
        "2020-H1",
        "2020",
    ]
    assert response.context["years"] == [2020, 2019]
    # A year that is not a number falls back to the latest one.
    assert client.get(PAGE, {"year": "x"}).context["year"] == 2020


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("3000", 3000), ("99999", 2020), ("-5", 2020), ("123456789012345678901234567890", 2020)],
)
def test_an_odd_year_shows_an_empty_table_or_the_latest(client, reviewer, periods, asked, shown):
    client.force_login(reviewer)
    response = client.get(PAGE, {"year": asked})
    assert response.status_code == 200
    assert response.context["year"] == shown
    assert len(response.context["table"].rows) == (0 if shown == 3000 else REPORTING)


@pytest.mark.parametrize("role", ["staff", "manager", "leader", "outsider"])
def test_only_reviewers_see_the_page(client, cast, periods, role):
    client.force_login(cast[role])
    assert client.get(PAGE).status_code == 404


def more_agencies(count: int) -> None:
    duty = Duty.objects.first()
    for i in range(count):
        agency = Agency.objects.create(
            code=f"MOI{i}", name=f"Cơ quan mới {i}", short_name=f"CQ {i}", kind="other"
        )
        DutyAssignment.objects.create(duty=duty, agency=agency, role="support")


def test_query_count_does_not_grow_with_agencies_or_periods(
    client, reviewer, periods, h1, django_assert_num_queries
):
    client.force_login(reviewer)
    client.get(PAGE, {"year": 2020})
    # session, user, the user's agency rights, the started years, the periods, the plans
    # and assignments (who is expected), their reports, the agencies, their names, the
    # navigation's memberships, the unread count
    with django_assert_num_queries(13):
        response = client.get(PAGE, {"year": 2020})
    assert len(response.context["table"].rows) == REPORTING
    more_agencies(5)
    ensure_periods([2019, 2020])
    with django_assert_num_queries(13):
        response = client.get(PAGE, {"year": 2020})
    assert len(response.context["table"].rows) == REPORTING + 5
    assert len(response.context["table"].periods) == 4


# ----------------------------------------------------------------------------- reminders


@pytest.fixture
def people(db) -> dict[str, User]:
    """Members with and without addresses, in agencies that have sent or not."""
    made = {
        "syt": make_user("syt1", "SYT", "staff", email="syt1@syt.vn"),
        "syt_quiet": make_user("syt2", "SYT", "manager", email="syt2@syt.vn"),
        "syt_no_mail": make_user("syt3", "SYT", "staff"),
        "syt_gone": make_user("syt4", "SYT", "staff", email="syt4@syt.vn"),
        "sgddt": make_user("sgd1", "SGDDT", "staff", email="sgd1@sgddt.vn"),
        "sldtbxh": make_user("sld1", "SLDTBXH", "manager", email="sld1@sldtbxh.vn"),
        "leader": make_user("lanhdao", "UBNDTINH", "leader", email="lanhdao@ubnd.vn"),
    }
    set_preferences(made["syt_quiet"], {Kind.REPORT_DEADLINE: EmailChoice.NEVER})
    User.objects.filter(username="syt4").update(is_active=False)
    return made


@pytest.fixture
def sent_some(periods) -> ReportingPeriod:
    """2020-H1: SLDTBXH and VUNGTAU sent, SGDDT returned, the other 16 drafts."""
    h1 = periods["2020-H1"]
    set_state(h1, "SLDTBXH", "submitted", local(2020, 6, 10, 8, 0))
    set_state(h1, "VUNGTAU", "accepted", local(2020, 6, 10, 8, 0))
    set_state(h1, "SGDDT", "returned", local(2020, 6, 10, 8, 0))
    return h1


NOT_SENT = REPORTING - 2


def reminded(period: ReportingPeriod) -> set[str]:
    return set(
        period.agency_reports.exclude(reminded_at=None).values_list("agency__code", flat=True)
    )


def told_of(report: AgencyReport) -> list[str]:
    """The usernames told of a reminder of `report` (REPORT_DEADLINE), sorted."""
    notified = Notification.objects.filter(
        kind=Kind.REPORT_DEADLINE, event__startswith=f"agency-report-reminder:{report.pk}:"
    )
    return sorted(notified.values_list("recipient__username", flat=True))


def recipients() -> list[str]:
    for message in mail.outbox:
        assert len(message.to) == 1  # one message each: nobody sees the others' addresses
    return sorted(m.to[0] for m in mail.outbox)


def test_remind_emails_the_members_of_agencies_that_have_not_sent(
    client, reviewer, people, sent_some, periods, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:remind", args=["2020-H1"]), follow=True)
    assert response.redirect_chain[-1][0] == f"{PAGE}?year=2020"
    codes = set(sent_some.agency_reports.values_list("agency__code", flat=True))
    assert reminded(sent_some) == codes - {"SLDTBXH", "VUNGTAU"}
    assert len(reminded(sent_some)) == NOT_SENT
    assert reminded(periods["2020"]) == set()
    assert recipients() == ["sgd1@sgddt.vn", "syt1@syt.vn"]
    # Each member who wants it is told and e-mailed: who chose no e-mail, has no address
    # or left is told under the bell only, or not at all.
    syt = sent_some.agency_reports.get(agency__code="SYT")
    assert told_of(syt) == ["syt1", "syt2", "syt3"]
    message = next(m for m in mail.outbox if m.to == ["syt1@syt.vn"])
    assert "Sở Y tế" in message.subject and "6 tháng đầu năm 2020" in message.subject
    assert "19/06/2020" in message.body
    assert "/reports/2020-H1/agencies/SYT/" in message.body
    assert f"Đã gửi nhắc nhở đến {NOT_SENT} đơn vị." in response.content.decode()


def test_remind_one_agency(client, reviewer, people, sent_some, django_capture_on_commit_callbacks):
    client.force_login(reviewer)
    syt = Agency.objects.get(code="SYT")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:remind", args=["2020-H1"]), {"agency": syt.pk})
    assert reminded(sent_some) == {"SYT"}
    assert recipients() == ["syt1@syt.vn"]


def test_remind_when_everyone_has_sent(
    client, reviewer, people, periods, django_capture_on_commit_callbacks
):
    periods["2020-H1"].agency_reports.update(status="submitted", submitted_at=local(2020, 6, 1))
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("reports:remind", args=["2020-H1"]))
    assert response.status_code == 302
    assert callbacks == [] and mail.outbox == []
    assert reminded(periods["2020-H1"]) == set()


@pytest.mark.parametrize("role", ["staff", "manager", "leader", "outsider"])
def test_only_reviewers_remind(
    client, cast, people, sent_some, role, django_capture_on_commit_callbacks
):
    client.force_login(cast[role])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("reports:remind", args=["2020-H1"]))
    assert response.status_code == 404
    assert callbacks == [] and mail.outbox == []
    assert reminded(sent_some) == set()


def test_remind_is_post_only_and_needs_a_known_period(client, reviewer, sent_some):
    client.force_login(reviewer)
    assert client.get(reverse("reports:remind", args=["2020-H1"])).status_code == 405
    assert client.post(reverse("reports:remind", args=["2031-H1"])).status_code == 404
    assert client.post(reverse("reports:remind", args=["nam-2020"])).status_code == 404
    assert reminded(sent_some) == set()


def test_remind_service_refuses_a_non_reviewer(staff, leader, sent_some):
    for actor in (staff, leader):
        with pytest.raises(ReportError):
            agency_reports.remind_agencies(actor=actor, period=sent_some)
    assert reminded(sent_some) == set()


def test_the_reminder_skips_a_report_sent_in_the_meantime(
    people, sent_some, django_capture_on_commit_callbacks
):
    """The former task (queued before the deploy) reads the report again: one sent since is
    left out, its members told nothing."""
    syt = sent_some.agency_reports.get(agency__code="SYT")
    sgddt = sent_some.agency_reports.get(agency__code="SGDDT")
    set_state(sent_some, "SYT", "submitted", local(2020, 6, 11, 8, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert [send_agency_report_reminder(r.pk) for r in (syt, sgddt)] == [0, 1]
    assert told_of(syt) == [] and told_of(sgddt) == ["sgd1"]
    assert recipients() == ["sgd1@sgddt.vn"]


def test_a_reminder_queued_before_the_deploy_with_a_list_of_ids_is_still_sent(
    people, sent_some, django_capture_on_commit_callbacks
):
    """The former task (for one release): each report of its list, the sent ones left out,
    told as the reminders are now (the users told: SYT's three active members, SGDDT's
    one) and e-mailed by the notifications to those who want it."""
    ids = [
        sent_some.agency_reports.get(agency__code=code).pk
        for code in ("SYT", "SGDDT", "SLDTBXH")  # SLDTBXH has sent its report
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert send_agency_report_reminders.delay(ids).get() == 4
    assert recipients() == ["sgd1@sgddt.vn", "syt1@syt.vn"]


@pytest.mark.parametrize(
    ("today", "count"),
    [
        ("2020-06-15", 0),  # before any reminder day
        ("2020-06-16", NOT_SENT),  # three days before the deadline
        # Nobody was reminded yet (each day runs on its own data): a reminder day the job
        # missed is made up the next mornings (the days it runs are in test_notifications).
        ("2020-06-17", NOT_SENT),
        ("2020-06-19", NOT_SENT),  # the deadline
        ("2020-06-20", NOT_SENT),  # the day after
        ("2020-06-21", NOT_SENT),
    ],
)
def test_beat_task_reminds_from_its_first_day_those_not_reminded_yet(
    people, sent_some, periods, today, count, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_agency_reports(today_iso=today) == count
    assert len(reminded(sent_some)) == count
    assert reminded(periods["2020"]) == set()
    assert recipients() == (["sgd1@sgddt.vn", "syt1@syt.vn"] if count else [])


def test_beat_task_follows_the_settings_and_the_year_period(
    settings, people, sent_some, periods, django_capture_on_commit_callbacks
):
    settings.REPORT_REMIND_DAYS_BEFORE = 7
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_agency_reports(today_iso="2020-06-11") == 0  # 8 days before
        assert remind_agency_reports(today_iso="2020-06-12") == NOT_SENT  # 7 days before
        # The year report (deadline 19/12/2020): every agency is still to send it.
        assert remind_agency_reports(today_iso="2020-12-12") == REPORTING
    assert len(reminded(periods["2020"])) == REPORTING
    assert recipients() == sorted(
        ["sgd1@sgddt.vn", "syt1@syt.vn", "sgd1@sgddt.vn", "syt1@syt.vn", "sld1@sldtbxh.vn"]
    )


def test_an_agency_that_no_longer_works_is_not_reminded(periods, reviewer):
    h1 = periods["2020-H1"]
    Agency.objects.filter(code="SYT").update(closed_on=timezone.localdate())
    reminded = agency_reports.remind_agencies(actor=reviewer, period=h1)
    assert reminded == REPORTING - 1
    assert not AgencyReport.objects.get(period=h1, agency__code="SYT").reminded_at


def test_a_cell_opens_exactly_the_reports_a_reviewer_reads(h1, reviewer):
    """Every state of the matrix (drafts before and after the deadline included) links to
    the report when, and only when, visible_to lets the reviewer read it as a reviewer (not
    as a member of Sở Ngoại vụ, whose own draft its members read)."""
    readable = set(
        AgencyReport.objects.visible_to(reviewer)
        .exclude(agency__code="SNGV")
        .values_list("pk", flat=True)
    )
    cells = [cell for row in completeness.matrix([h1]).rows for cell in row.cells]
    assert {cell.state for cell in cells} >= {"on_time", "late", "returned", "missing"}
    assert {cell.report_id for cell in cells if cell.opens} == readable & {
        cell.report_id for cell in cells
    }
    assert len([cell for cell in cells if cell.opens]) == 5


def test_completeness_links_only_to_reports_a_reviewer_can_open(client, reviewer, periods):
    h1 = periods["2020-H1"]
    AgencyReport.objects.filter(period=h1, agency__code="SYT").update(
        status="submitted", submitted_at=timezone.now()
    )
    client.force_login(reviewer)
    body = client.get(reverse("reports:completeness"), {"year": 2020}).content.decode()
    assert reverse("reports:agency-report", args=["2020-H1", "SYT"]) in body
    assert reverse("reports:agency-report", args=["2020-H1", "VUNGTAU"]) not in body
    assert client.get(reverse("reports:agency-report", args=["2020-H1", "SYT"])).status_code == 200


def test_each_agency_gets_its_own_reminder_task(
    people, periods, reviewer, django_capture_on_commit_callbacks
):
    # Each agency's reminder is its own event with its own e-mail task: a mail server that
    # fails one agency's e-mails retries that agency's, not everyone's.
    with django_capture_on_commit_callbacks() as callbacks:
        count = agency_reports.remind_agencies(actor=reviewer, period=periods["2020-H1"])
    assert count == REPORTING
    events = Notification.objects.filter(kind=Kind.REPORT_DEADLINE).values_list("event", flat=True)
    # one event per report (for each agency whose members are told), each its own
    keys = set(events)
    assert len({key.split(":")[1] for key in keys}) == len(keys) >= 2
    # One task each for the three agencies with someone to e-mail (SYT, SGDDT, SLDTBXH),
    # each sending its agency's e-mail alone.
    assert len(callbacks) == 3
    for sent, callback in enumerate(callbacks, start=1):
        callback()
        assert len(recipients()) == sent
    assert recipients() == ["sgd1@sgddt.vn", "sld1@sldtbxh.vn", "syt1@syt.vn"]


def test_a_tampered_agency_in_the_reminder_form_reminds_nobody(client, reviewer, periods):
    client.force_login(reviewer)
    url = reverse("reports:remind", args=["2020-H1"])
    for value in ["9" * 30, "abc", "-1"]:
        assert client.post(url, {"agency": value}).status_code == 404
    assert not AgencyReport.objects.filter(reminded_at__isnull=False).exists()


def test_the_reminder_says_what_is_due_when_and_where_in_the_portals_language(
    people, sent_some, vi, settings, django_capture_on_commit_callbacks
):
    syt = sent_some.agency_reports.select_related("agency").get(agency__code="SYT")
    # Before the deadline (the reminder of an overdue report is the next test's).
    due = timezone.localdate() + timedelta(days=3)
    type(sent_some).objects.filter(pk=sent_some.pk).update(deadline=due)
    deadline = due.strftime("%d/%m/%Y")

    with (
        translation.override("en"),  # whatever language the action was taken in
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert (
            agency_reports.remind_agencies(actor=None, period=sent_some, agency_ids=[syt.agency_id])
            == 1
        )

    [message] = mail.outbox
    with translation.override("vi"):
        period = str(sent_some.label)
    title = vi("Report of %(agency)s, %(period)s", agency=syt.agency.name, period=period)
    assert message.subject == vi("A periodic report's deadline is near") + ": " + title
    link = settings.SITE_URL.rstrip("/") + "/reports/2020-H1/agencies/SYT/"
    assert message.body.startswith(
        vi("A periodic report's deadline is near")
        + ".\n\n"
        + title
        + "\n\n"
        + vi(
            "Sở Ngoại vụ reminds %(agency)s to send its people-to-people diplomacy report for "
            "%(period)s by %(deadline)s.",
            agency=syt.agency.name,
            period=period,
            deadline=deadline,
        )
        + "\n\n"
        + vi("Open it in the portal: %(link)s", link=link)
        + "\n"
    )
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


def test_the_reminder_of_an_overdue_report_asks_for_it_now(
    people, sent_some, vi, django_capture_on_commit_callbacks
):
    """2020-H1 was due on 19/06/2020: the e-mail says it is overdue, never "send it by" a day
    gone by."""
    syt = sent_some.agency_reports.select_related("agency").get(agency__code="SYT")
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            agency_reports.remind_agencies(actor=None, period=sent_some, agency_ids=[syt.agency_id])
            == 1
        )
    [message] = mail.outbox
    with translation.override("vi"):
        period = str(sent_some.label)
    assert (
        vi(
            "The people-to-people diplomacy report of %(agency)s for %(period)s was due on "
            "%(deadline)s and has not been sent: Sở Ngoại vụ asks you to send it now.",
            agency=syt.agency.name,
            period=period,
            deadline="19/06/2020",
        )
        in message.body
    )
    assert (
        vi(
            "Sở Ngoại vụ reminds %(agency)s to send its people-to-people diplomacy report for "
            "%(period)s by %(deadline)s.",
            agency=syt.agency.name,
            period=period,
            deadline="19/06/2020",
        )
        not in message.body
    )
    assert "/reports/2020-H1/agencies/SYT/" in message.body
