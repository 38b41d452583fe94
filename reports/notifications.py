"""Who the reports app e-mails, what it says (subjects and bodies are the templates in
reports/templates/reports/email/), and the Celery tasks that send these e-mails, each beside
the one function it calls. The services queue the tasks after their transaction commits
(agency_reports.remind_agencies, consolidation.issue_report); turning users into addresses
and templates into e-mails is doingoai/mail.py's, the same for every app.

Accounts that are inactive, have no address or turned notifications off get no e-mail. A
task retried or redelivered writes only to those it had not written to yet (doingoai/mail.py).

The reminders' schedule is agency_reports.remind_due_agencies': REPORT_REMIND_DAYS_BEFORE days
before the deadline and the day after it, two days in all, never every day.
"""

from __future__ import annotations

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from agencies import permissions
from agencies.permissions import Action
from doingoai import mail
from doingoai.celery import EMAIL_TASK_OPTIONS

from .models import AgencyReport, ConsolidatedReport


def reminder_event(report: AgencyReport) -> str:
    """What a reminder e-mail announces, as doingoai.mail.send_each records it: the report's
    reminder of the day it was stamped (`reminded_at`, set before the e-mail is queued), so
    its retries and redeliveries share one key, and a second reminder the same day (the
    daily job run twice, a reviewer's click after it) writes to nobody again."""
    day = timezone.localdate(report.reminded_at) if report.reminded_at else timezone.localdate()
    return f"agency-report-reminder:{report.pk}:{day.isoformat()}"


def remind_agency(report_id: int) -> int:
    """E-mail those who write for the agency (Action.ACT) whose report `report_id` is still
    to be sent (a draft or returned), each at most once a day (reminder_event); nothing once
    it has been sent. Returns the number of e-mails sent now."""
    report = (
        AgencyReport.objects.filter(pk=report_id, status__in=AgencyReport.EDITABLE_STATUSES)
        .select_related("period", "agency")
        .first()
    )
    if report is None:
        return 0
    members = permissions.users_who_may(Action.ACT, report.agency)
    link = mail.absolute_url(report.get_absolute_url())
    context = {"report": report, "period": report.period, "link": link}
    return mail.send_each(
        "reports/email/agency_reminder",
        context,
        mail.addresses(members),
        event=reminder_event(report),
    )


def announce_issue(report_id: int) -> int:
    """Tell provincial leadership (those who oversee every agency's records) that the report
    `report_id` was issued, each leader once however often the task runs (nothing if it is
    not issued). Returns the number of e-mails sent now."""
    report = ConsolidatedReport.objects.select_related("period").filter(pk=report_id).first()
    if report is None or not report.is_issued:
        return 0
    leaders = permissions.users_who_may(Action.OVERSEE)
    context = {"report": report, "link": mail.absolute_url(reverse("reports:issued"))}
    return mail.send_each(
        "reports/email/report_issued",
        context,
        mail.addresses(leaders),
        event=f"report-issued:{report.pk}",
    )


# Each task keeps the name it was first registered under (the module that defined it then):
# tasks already queued at a deploy (acks_late, retried for about a day) carry that name, and a
# worker that knew the task only by its new module's name would reject them and lose the
# e-mails.


@shared_task(name="reports.agency_reports.send_agency_report_reminder", **EMAIL_TASK_OPTIONS)
def send_agency_report_reminder(report_id: int) -> int:
    """E-mail the members of one agency whose report is still to be sent (remind_agency).
    Queued once per agency: an SMTP failure retries that agency's e-mail, not everyone's."""
    return remind_agency(report_id)


@shared_task(name="reports.tasks.notify_leaders", **EMAIL_TASK_OPTIONS)
def notify_leaders(report_id: int) -> int:
    """Tell provincial leadership that a report was issued (announce_issue)."""
    return announce_issue(report_id)


# Kept for one release only, then removed: reminders queued before the deploy that introduced
# one task per agency (send_agency_report_reminder) carry this name and a list of report ids.
@shared_task(name="reports.tasks.send_agency_report_reminders", **EMAIL_TASK_OPTIONS)
def send_agency_report_reminders(report_ids: list[int]) -> int:
    """The former reminder task: remind the agency of each report of `report_ids` that is
    still to be sent (remind_agency). Returns the number of e-mails."""
    return sum(remind_agency(report_id) for report_id in report_ids)
