"""The reports' e-mails reach each addressee once (issue #10, kind 8): the reminder to an
agency that has not sent its report, on its two days only, and the leaders' notice of an
issued report, however often their tasks are retried, redelivered or the daily job runs.
Both are notifications (reports.notifications) e-mailed by notifications.delivery under the
event's key; the former e-mail tasks, still accepted by name, write the same notifications."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from doingoai.models import EmailDelivery
from notifications import delivery
from notifications.models import Kind, Notification
from reports import agency_reports, notifications
from reports.errors import ReportError
from reports.models import AgencyReport
from reports.tasks import remind_agency_reports
from tests.factories import make_user
from tests.support import DroppingBackend

pytestmark = pytest.mark.django_db

SYT = ["an@syt.vn", "binh@syt.vn", "chi@syt.vn"]
LEADERS = ["hung@ubnd.gov.vn", "khanh@ubnd.gov.vn", "linh@ubnd.gov.vn"]


@pytest.fixture
def syt_members(db) -> list[str]:
    """Three members of Sở Y tế who write its report and want e-mail."""
    for role, address in zip(["manager", "staff", "staff"], SYT, strict=True):
        make_user(address.split("@")[0] + "syt", "SYT", role, email=address)
    return SYT


def received() -> list[str]:
    assert all(len(m.to) == 1 for m in mail.outbox)
    return sorted(m.to[0] for m in mail.outbox)


def syt_report(period) -> AgencyReport:
    return period.agency_reports.get(agency__code="SYT")


def remind_syt(period) -> str:
    """Remind Sở Y tế of its report of `period` as the daily job does (its e-mails queued
    for after the commit, not sent); the reminder's event key."""
    report = syt_report(period)
    assert (
        agency_reports.remind_agencies(actor=None, period=period, agency_ids=[report.agency_id])
        == 1
    )
    return reminder_keys(report)[-1]


def reminder_keys(report: AgencyReport) -> list[str]:
    """The events of the reminders of `report` its members were told of, oldest first."""
    events = Notification.objects.filter(
        kind=Kind.REPORT_DEADLINE, event__contains=f":{report.pk}:"
    )
    return list(events.order_by("created_at", "event").values_list("event", flat=True).distinct())


def made_up_by_the_daily_job(key: str) -> int:
    """Run the daily job (notifications.delivery.send_digests) once the immediate e-mails of
    `key` are older than a task's retry window (LOST_AFTER): it sends those whose task was
    lost. Returns how many e-mails went."""
    before = len(mail.outbox)
    Notification.objects.filter(event=key).update(
        created_at=timezone.now() - delivery.LOST_AFTER - timedelta(minutes=1)
    )
    delivery.send_digests(today=timezone.localdate())
    return len(mail.outbox) - before


def test_the_daily_reminder_run_twice_the_same_day_writes_to_each_member_once(
    period, reviewer, syt_members, vi, django_capture_on_commit_callbacks
):
    day = period.deadline - timedelta(days=3)  # REPORT_REMIND_DAYS_BEFORE
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_agency_reports(today_iso=day.isoformat()) > 0
        assert remind_agency_reports(today_iso=day.isoformat()) == 0  # beat ran it twice
    assert received() == SYT
    # A reviewer's reminder the same day is refused, not announced as sent (it would write
    # to nobody).
    reminded = dict(period.agency_reports.values_list("pk", "reminded_at"))
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ReportError) as refused,
    ):
        agency_reports.remind_agencies(actor=reviewer, period=period)
    assert str(refused.value) == vi(
        "The agencies that have not sent their report were already reminded today."
    )
    assert callbacks == [] and received() == SYT
    assert dict(period.agency_reports.values_list("pk", "reminded_at")) == reminded


def test_a_reviewers_reminder_counts_only_the_agencies_not_reminded_today(
    period, reviewer, syt_members, django_capture_on_commit_callbacks
):
    others = period.agency_reports.exclude(agency__code="SYT")
    others.update(reminded_at=timezone.now())  # the daily job reminded them this morning
    with django_capture_on_commit_callbacks(execute=True):
        assert agency_reports.remind_agencies(actor=reviewer, period=period) == 1
    assert received() == SYT


def test_a_reminder_keeps_the_key_it_was_queued_with_across_midnight(
    period, syt_members, django_capture_on_commit_callbacks
):
    report = syt_report(period)
    with django_capture_on_commit_callbacks() as callbacks:
        assert (
            agency_reports.remind_agencies(actor=None, period=period, agency_ids=[report.agency_id])
            == 1
        )
    callbacks[0]()  # the task runs
    # It runs again (redelivered) after midnight, or after its stamp moved on: still the
    # same reminder, already written.
    AgencyReport.objects.filter(pk=report.pk).update(reminded_at=timezone.now() + timedelta(days=1))
    callbacks[0]()
    assert received() == SYT


def test_a_reminder_whose_emails_could_not_be_queued_is_emailed_by_the_daily_job(
    period, syt_members, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    # The reminder is the notification, written with its stamp: a broker that is down at the
    # commit loses its e-mails' task only, which the daily job makes up, once.
    report = syt_report(period)

    def broker_down(*args, **kwargs):
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(delivery.send_event_emails, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        key = remind_syt(period)
    assert f"the e-mails of {key} could not be queued" in caplog.text
    assert received() == []
    report.refresh_from_db()
    assert report.reminded_at is not None  # reminded: the job does not remind it again today
    assert Notification.objects.filter(event=key, emailed_at=None).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_agency_reports(today_iso=timezone.localdate().isoformat()) == 0

    monkeypatch.undo()  # the broker is back
    assert made_up_by_the_daily_job(key) == 3
    assert made_up_by_the_daily_job(key) == 0  # the job runs again: nobody twice
    assert received() == SYT


def test_a_reminder_stamped_another_day_is_a_new_email(
    period, syt_members, django_capture_on_commit_callbacks
):
    report = syt_report(period)
    with django_capture_on_commit_callbacks(execute=True):
        first = remind_syt(period)
    # The same reminder again (its task retried or redelivered, the former task by name)
    # tells nobody and e-mails nobody.
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.tell_deadline(report, key=first) == 0
        assert notifications.send_agency_report_reminder(report.pk, first) == 0
    assert delivery.send_event_emails(first) == 0
    assert received() == SYT

    # Four days later, the next reminder is a new notification and a new e-mail.
    AgencyReport.objects.filter(pk=report.pk).update(reminded_at=timezone.now() - timedelta(days=4))
    with django_capture_on_commit_callbacks(execute=True):
        second = remind_syt(period)
    assert second != first and reminder_keys(report) == [first, second]
    assert Notification.objects.filter(event=second).count() == 3
    assert received() == sorted(SYT * 2)


def test_a_reminder_queued_before_keys_were_passed_is_keyed_by_its_stamps_day(
    period, syt_members, django_capture_on_commit_callbacks
):
    report = syt_report(period)
    AgencyReport.objects.filter(pk=report.pk).update(reminded_at=timezone.now())
    key = f"agency-report-reminder:{report.pk}:{timezone.localdate().isoformat()}"
    # The former task had written to one member under that key before the deploy.
    EmailDelivery.objects.create(event=key, address=SYT[0])
    task = notifications.send_agency_report_reminder
    with django_capture_on_commit_callbacks(execute=True):
        assert task.apply(args=[report.pk]).get() == 3  # redelivered after the deploy
        assert task.apply(args=[report.pk]).get() == 0  # and again
    assert reminder_keys(report) == [key]
    assert received() == SYT[1:]  # nobody e-mailed by the former task is e-mailed again


def test_the_reminder_retried_after_a_dropped_connection_writes_to_each_member_once(
    period, syt_members, drops_after_first, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():  # its e-mails' task, run below
        key = remind_syt(period)
    # In-process, as Celery runs it eagerly without propagating: the retry comes at once.
    result = delivery.send_event_emails.apply(args=[key], throw=False)

    assert DroppingBackend.accept is None  # the connection did drop
    assert result.successful() and result.get() == 2
    assert received() == SYT
    assert not Notification.objects.filter(event=key, emailed_at=None).exists()


def morning(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(7, 30)))


def days_reminded(period, first: date, last: date, skip: tuple[date, ...] = ()) -> list[int]:
    """The days (counted from the deadline of `period`) on which the daily job, run every
    morning from `first` to `last` except the days of `skip`, reminded something. Its stamps
    (written with the real clock) are moved to that morning, as they would be."""
    days = []
    day = first
    while day <= last:
        if day not in skip:
            before = dict(AgencyReport.objects.values_list("pk", "reminded_at"))
            if remind_agency_reports(today_iso=day.isoformat()):
                days.append((day - period.deadline).days)
            stamped = [
                pk
                for pk, at in AgencyReport.objects.values_list("pk", "reminded_at")
                if at != before[pk]
            ]
            AgencyReport.objects.filter(pk__in=stamped).update(reminded_at=morning(day))
        day += timedelta(days=1)
    return days


def test_the_reminder_is_sent_on_its_two_days_only_however_often_the_job_runs(
    period, syt_members, django_capture_on_commit_callbacks
):
    deadline = period.deadline
    with django_capture_on_commit_callbacks(execute=True):
        days = days_reminded(period, deadline - timedelta(days=20), deadline + timedelta(days=40))
    assert days == [-3, 1]  # REPORT_REMIND_DAYS_BEFORE before the deadline, the day after
    assert received() == sorted(SYT * 2)  # and each is an e-mail to each member


def test_a_reminder_day_the_job_missed_is_made_up_the_next_morning(
    period, syt_members, django_capture_on_commit_callbacks
):
    deadline = period.deadline
    skipped = (deadline - timedelta(days=3), deadline + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        days = days_reminded(
            period, deadline - timedelta(days=10), deadline + timedelta(days=20), skip=skipped
        )
    assert days == [-2, 2]
    assert received() == sorted(SYT * 2)


def test_a_reminder_by_hand_counts_for_its_day_and_a_missed_day_is_not_made_up_for_ever(
    period, syt_members, django_capture_on_commit_callbacks
):
    deadline = period.deadline
    # Reminded by hand the evening before the day before the deadline (after -3): the job
    # adds nothing until the day after the deadline.
    period.agency_reports.update(reminded_at=morning(deadline - timedelta(days=2)))
    with django_capture_on_commit_callbacks(execute=True):
        assert days_reminded(period, deadline - timedelta(days=2), deadline) == []
        # The job stopped for more than a week after the day after the deadline: too late.
        late = deadline + timedelta(days=1 + 8)
        assert days_reminded(period, late, late + timedelta(days=10)) == []
    assert received() == []


def test_the_issued_report_is_announced_to_each_leader_once_whatever_happens_to_the_task(
    h1, reviewer, leader, build_now, issue_now, drops_after_first
):
    leader.email = LEADERS[0]
    leader.save()
    for address in LEADERS[1:]:
        make_user(address.split("@")[0], "UBNDTINH", "leader", email=address)
    # The notice is e-mailed after the commit; the connection drops after the first leader's
    # e-mail and the in-process run gives up (a worker would retry).
    report = issue_now(build_now(h1, reviewer), reviewer)
    key = f"report-issued:{report.pk}"
    assert received() == LEADERS[:1]

    assert delivery.send_event_emails.apply(args=[key]).get() == 2  # retried
    assert delivery.send_event_emails.apply(args=[key]).get() == 0  # redelivered
    assert notifications.notify_leaders.apply(args=[report.pk]).get() == 0  # the former task
    assert received() == LEADERS
    assert all("01/BC-SNgV" in m.subject for m in mail.outbox)


def test_the_reminders_of_two_periods_the_same_day_are_two_emails(
    periods, syt_members, django_capture_on_commit_callbacks
):
    # Another period's reminder is another event: the same members get both.
    with django_capture_on_commit_callbacks(execute=True):
        keys = {remind_syt(periods["2020-H1"]), remind_syt(periods["2020"])}
    assert len(keys) == 2
    assert Notification.objects.filter(event__in=keys).count() == 6
    assert received() == sorted(SYT * 2)


@pytest.mark.postgres
def test_reminding_locks_the_reports_before_reading_who_was_reminded(period, reviewer):
    with CaptureQueriesContext(connection) as queries:
        agency_reports.remind_agencies(actor=reviewer, period=period)
    sql = [q["sql"] for q in queries.captured_queries]
    locks = [text for text in sql if "FOR UPDATE" in text]
    # One statement reads the reports' stamps and locks them: a second reminder at the same
    # moment waits, then sees this one's stamps and reminds nobody again.
    assert len(locks) == 1 and '"reports_agencyreport"."reminded_at"' in locks[0]
