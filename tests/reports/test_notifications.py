"""The reports' e-mails reach each addressee once (issue #10, kind 8): the reminder to an
agency that has not sent its report, on its two days only, and the leaders' notice of an
issued report, however often their tasks are retried, redelivered or the daily job runs."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from reports import agency_reports, notifications
from reports.models import AgencyReport
from reports.tasks import remind_agency_reports
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SYT = ["an@syt.vn", "binh@syt.vn", "chi@syt.vn"]
LEADERS = ["hung@ubnd.gov.vn", "khanh@ubnd.gov.vn", "linh@ubnd.gov.vn"]


class DroppingBackend(EmailBackend):
    """A mail server (Django's in-memory outbox) that accepts `accept` more e-mails, then
    drops the connection once and works again; it never drops while `accept` is None."""

    accept: int | None = None

    def send_messages(self, messages):
        if DroppingBackend.accept is not None:
            if DroppingBackend.accept == 0:
                DroppingBackend.accept = None
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            DroppingBackend.accept -= len(messages)
        return super().send_messages(messages)


@pytest.fixture
def drops_after_first(settings, monkeypatch) -> None:
    settings.EMAIL_BACKEND = "tests.reports.test_notifications.DroppingBackend"
    monkeypatch.setattr(DroppingBackend, "accept", 1)


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


def test_the_daily_reminder_run_twice_the_same_day_writes_to_each_member_once(
    period, reviewer, syt_members, django_capture_on_commit_callbacks
):
    day = period.deadline - timedelta(days=3)  # REPORT_REMIND_DAYS_BEFORE
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_agency_reports(today_iso=day.isoformat()) > 0
        assert remind_agency_reports(today_iso=day.isoformat()) > 0  # beat ran it twice
        # and a reviewer reminds everyone by hand the same day
        agency_reports.remind_agencies(actor=reviewer, period=period)
    assert received() == SYT


def test_a_reminder_stamped_another_day_is_a_new_email(period, syt_members):
    report = syt_report(period)
    AgencyReport.objects.filter(pk=report.pk).update(reminded_at=timezone.now() - timedelta(days=4))
    assert notifications.remind_agency(report.pk) == 3
    assert notifications.remind_agency(report.pk) == 0  # retried or redelivered

    AgencyReport.objects.filter(pk=report.pk).update(reminded_at=timezone.now())
    assert notifications.remind_agency(report.pk) == 3
    assert received() == sorted(SYT * 2)


def test_the_reminder_retried_after_a_dropped_connection_writes_to_each_member_once(
    period, syt_members, drops_after_first
):
    report = syt_report(period)
    AgencyReport.objects.filter(pk=report.pk).update(reminded_at=timezone.now())
    # In-process, as Celery runs it eagerly without propagating: the retry comes at once.
    result = notifications.send_agency_report_reminder.apply(args=[report.pk], throw=False)

    assert DroppingBackend.accept is None  # the connection did drop
    assert result.successful() and result.get() == 2
    assert received() == SYT


def test_the_reminder_is_sent_on_its_two_days_only_however_often_the_job_runs(period):
    first, last = period.deadline - timedelta(days=20), period.deadline + timedelta(days=40)
    days = []
    day = first
    while day <= last:
        if remind_agency_reports(today_iso=day.isoformat()):
            days.append((day - period.deadline).days)
        day += timedelta(days=1)
    assert days == [-3, 1]  # REPORT_REMIND_DAYS_BEFORE before the deadline, the day after


def test_the_issued_report_is_announced_to_each_leader_once_whatever_happens_to_the_task(
    h1, reviewer, leader, build_now, issue_now, drops_after_first
):
    leader.email = LEADERS[0]
    leader.save()
    for address in LEADERS[1:]:
        make_user(address.split("@")[0], "UBNDTINH", "leader", email=address)
    # The notice is sent after the commit; the connection drops after the first leader's
    # e-mail and the in-process run gives up (a worker would retry).
    report = issue_now(build_now(h1, reviewer), reviewer)
    assert received() == LEADERS[:1]

    assert notifications.notify_leaders.apply(args=[report.pk]).get() == 2  # redelivered
    assert notifications.notify_leaders.apply(args=[report.pk]).get() == 0  # and again
    assert received() == LEADERS
    assert all("01/BC-SNgV" in m.subject for m in mail.outbox)


def test_the_reminders_of_two_periods_the_same_day_are_two_emails(
    periods, syt_members, django_capture_on_commit_callbacks
):
    # Another period's reminder is another event: the same members get both.
    both = [periods["2020-H1"], periods["2020"]]
    reports = AgencyReport.objects.filter(agency__code="SYT", period__in=both)
    assert reports.update(reminded_at=timezone.now()) == 2
    for report in reports:
        assert notifications.remind_agency(report.pk) == 3
    assert received() == sorted(SYT * 2)
