"""Who the reports app e-mails, what it says (subjects and bodies are the templates in
reports/templates/reports/email/), and the Celery tasks that send these e-mails, each beside
the one function it calls. The services queue the tasks after their transaction commits
(agency_reports.remind_agencies, consolidation.issue_report); turning users into addresses
and templates into e-mails is doingoai/mail.py's, the same for every app.

Accounts that are inactive, have no address or turned notifications off get no e-mail. A
task retried or redelivered writes only to those it had not written to yet (doingoai/mail.py).

The reminders' schedule is agency_reports.remind_due_agencies': REPORT_REMIND_DAYS_BEFORE days
before the deadline and the day after it, two days in all, never every day (a day the job
missed is made up the next morning).
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from agencies import permissions
from agencies.models import Agency, User
from agencies.permissions import Action
from doingoai import mail
from doingoai.celery import EMAIL_TASK_OPTIONS

from .models import AgencyReport, ConsolidatedReport
from .periods import report_actors_ids

logger = logging.getLogger(__name__)


def reminder_event(report_id: int, stamped: datetime) -> str:
    """What the reminder of report `report_id` stamped `reminded_at` = `stamped` announces,
    as doingoai.mail.send_each records it: computed when the reminder is queued
    (queue_reminder), so its retries and redeliveries share it, even across midnight, and
    every reminder has its own."""
    return f"agency-report-reminder:{report_id}:{stamped.isoformat()}"


def queue_reminder(report_id: int, *, stamp: datetime, previous: datetime | None) -> None:
    """Queue the reminder of report `report_id`, just stamped `reminded_at` = `stamp` (before:
    `previous`), once the transaction commits, with its key (reminder_event); if it cannot be
    queued, the stamp goes back to `previous` (doingoai.mail.queue_after_commit), so the
    daily job makes it up."""
    mail.queue_after_commit(
        send_agency_report_reminder,
        report_id,
        key=reminder_event(report_id, stamp),
        what=f"the reminder of agency report {report_id}",
        undo=lambda: AgencyReport.objects.filter(pk=report_id, reminded_at=stamp).update(
            reminded_at=previous
        ),
    )


def remind_agency(report_id: int, key: str | None = None) -> int:
    """E-mail those who write for the agency (Action.ACT) whose report `report_id` is still
    to be sent (a draft or returned), or, for a closed agency, for its successor
    (periods.report_actors_ids), each once for the reminder `key` (reminder_event);
    nothing once it has been sent. `key` None, a task queued before keys were passed: the
    day the report was stamped `reminded_at`. Returns the number of e-mails sent now."""
    report = (
        AgencyReport.objects.filter(pk=report_id, status__in=AgencyReport.EDITABLE_STATUSES)
        .select_related("period", "agency")
        .first()
    )
    if report is None:
        return 0
    if key is None:
        # The key such tasks were sent under: the day of the stamp.
        day = timezone.localdate(report.reminded_at or timezone.now())
        key = f"agency-report-reminder:{report.pk}:{day.isoformat()}"
    # Those who act for the report: its agency's, or its closed agency's successor's.
    actors = report_actors_ids(report)
    members = User.objects.none()
    for agency_id in sorted(actors):
        members = members | permissions.users_who_may(Action.ACT, Agency(pk=agency_id))
    link = mail.absolute_url(report.get_absolute_url())
    # Past the deadline the e-mail asks for the report now, not "by" a day gone by.
    overdue = timezone.localdate() > report.period.deadline
    successor = None
    if actors != {report.agency_id}:
        # The e-mail tells the successor's members they send it in the closed agency's place.
        successor = Agency.objects.filter(pk__in=actors - {report.agency_id}).in_operation().first()
    context = {
        "report": report,
        "period": report.period,
        "link": link,
        "overdue": overdue,
        "successor": successor,
    }
    return mail.send_each(
        "reports/email/agency_reminder", context, mail.addresses(members), event=key
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
# tasks already queued at a deploy (acks_late, retried for about two hours) carry that name,
# and a worker that knew the task only by its new module's name would reject them and lose the
# e-mails. For the same reason `key` is optional: tasks queued before it existed carry none.


@shared_task(name="reports.agency_reports.send_agency_report_reminder", **EMAIL_TASK_OPTIONS)
def send_agency_report_reminder(report_id: int, key: str | None = None) -> int:
    """E-mail the members of one agency whose report is still to be sent (remind_agency).
    Queued once per agency: an SMTP failure retries that agency's e-mail, not everyone's."""
    return remind_agency(report_id, key)


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
