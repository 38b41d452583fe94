"""Whom the reports app tells of its decisions, and what it tells them: a notification per
user and event (notifications.services.notify), written by the deciding service in its
transaction; the notifications app e-mails it as each user chose (at once, in the digest, or
not), once per addressee and event however often its task runs.

- an agency report returned or accepted (agency_reports): those who act for the report
  (report_members);
- the deadline of a periodic report near or passed (agency_reports.remind_agencies): the
  same, for the agencies that have not sent it;
- a consolidated report issued (consolidation): the leaders and the reviewers of Sở Ngoại
  vụ.

The reminders' schedule is agency_reports.remind_due_agencies': REPORT_REMIND_DAYS_BEFORE days
before the deadline and the day after it, two days in all, never every day (a day the job
missed is made up the next morning).

The Celery tasks below are the e-mail tasks of before the notifications, kept under their
names for the tasks a broker still holds at the deploy (see the note above them).
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import Agency, User
from agencies.permissions import Action
from doingoai.celery import EMAIL_TASK_OPTIONS
from notifications.models import Kind
from notifications.services import Event, in_portal_language, notify

from .models import AgencyReport, ConsolidatedReport
from .periods import report_actors_ids


def report_members(report: AgencyReport) -> QuerySet[User]:
    """Those told of what happens to `report`: the active users who write for one of the
    agencies that act for it (periods.report_actors_ids: its agency, or, for a closed
    agency's report still to be sent, its successor's), by memberships in force in agencies
    in operation (permissions.users_who_may). A queryset, one query when evaluated."""
    members = User.objects.none()
    for agency_id in sorted(report_actors_ids(report)):
        members = members | permissions.users_who_may(Action.ACT, Agency(pk=agency_id))
    return members


def report_title(report: AgencyReport) -> str:
    """The report as its agency knows it ("Báo cáo của Sở Y tế, 6 tháng đầu năm 2026")."""
    return _("Report of %(agency)s, %(period)s") % {
        "agency": report.agency.name,
        "period": report.period.label,
    }


@in_portal_language
def tell_decision(report: AgencyReport, *, actor: User) -> int:
    """Notify report_members of `report` (its period and agency loaded) of the review just
    saved: returned, with the reason, or accepted. The key names the version the decision
    made: each decision is its own event. Call it in the decision's transaction. Returns how
    many users were told."""
    returned = report.status == AgencyReport.Status.RETURNED
    name = "agency-report-returned" if returned else "agency-report-accepted"
    return notify(
        report_members(report),
        Event(
            kind=Kind.REPORT_RETURNED if returned else Kind.REPORT_ACCEPTED,
            key=f"{name}:{report.pk}:v{report.version}",
            title=report_title(report),
            url=report.get_absolute_url(),
            detail=report.return_reason if returned else "",
            agency=report.agency,
        ),
        actor=actor,
    )


def reminder_event(report_id: int, stamped: datetime) -> str:
    """The key of the reminder of report `report_id` stamped `reminded_at` = `stamped`:
    every reminder has its own, and the same as the e-mail of before the notifications was
    recorded under (doingoai.mail.send_each), so a reminder e-mailed by the former task is
    not e-mailed again."""
    return f"agency-report-reminder:{report_id}:{stamped.isoformat()}"


@in_portal_language
def tell_deadline(report: AgencyReport, *, key: str) -> int:
    """Notify report_members of `report` (its period and agency loaded) that its deadline is
    near, or passed (the day after it the notification asks for the report now), under the
    reminder's `key` (reminder_event); for a closed agency's report, that its successor sends
    it in its place. Nothing once the report has been sent. Call it in the transaction that
    stamps the reminder. Returns how many users were told."""
    if not report.is_editable:
        return 0
    period = report.period
    values = {
        "agency": report.agency.name,
        "period": period.label,
        "deadline": date_format(period.deadline, "SHORT_DATE_FORMAT"),
    }
    if timezone.localdate() > period.deadline:
        detail = (
            _(
                "The people-to-people diplomacy report of %(agency)s for %(period)s was due "
                "on %(deadline)s and has not been sent: Sở Ngoại vụ asks you to send it now."
            )
            % values
        )
    else:
        detail = (
            _(
                "Sở Ngoại vụ reminds %(agency)s to send its people-to-people diplomacy report"
                " for %(period)s by %(deadline)s."
            )
            % values
        )
    actors = report_actors_ids(report)
    if actors != {report.agency_id}:
        successor = Agency.objects.filter(pk__in=actors - {report.agency_id}).in_operation().first()
        if successor is not None:
            detail += "\n" + _(
                "%(agency)s has closed: %(successor)s, its successor, sends this report in "
                "its place."
            ) % {"agency": report.agency.name, "successor": successor.name}
    return notify(
        report_members(report),
        Event(
            kind=Kind.REPORT_DEADLINE,
            key=key,
            title=report_title(report),
            url=report.get_absolute_url(),
            detail=detail,
            agency=report.agency,
        ),
    )


def issued_title(report: ConsolidatedReport) -> str:
    """An issued report as its readers know it: its number and period."""
    return _("Report %(number)s on people-to-people diplomacy, %(period)s") % {
        "number": report.number_display,
        "period": report.period.label,
    }


@in_portal_language
def tell_issue(report: ConsolidatedReport, *, actor: User | None) -> int:
    """Notify provincial leadership (Action.OVERSEE) and the reviewers of Sở Ngoại vụ
    (Action.REVIEW, province-wide) that `report` (issued, its period loaded) was issued, under
    the key its e-mail had before the notifications ("report-issued:<id>"), so a leader
    e-mailed by the former task is not e-mailed again; it links to the issued reports' page.
    Call it in the issuing transaction. Returns how many users were told."""
    readers = permissions.users_who_may(Action.OVERSEE) | permissions.users_who_may(Action.REVIEW)
    return notify(
        readers,
        Event(
            kind=Kind.REPORT_ISSUED,
            key=f"report-issued:{report.pk}",
            title=issued_title(report),
            # The issued reports' page, which leaders and reviewers both open; the
            # consolidated report's own page is the reviewers' working page (404 to leaders).
            url=reverse("reports:issued"),
            detail=_(
                "Sở Ngoại vụ issued report %(number)s on people-to-people diplomacy for %(period)s."
            )
            % {"number": report.number_display, "period": report.period.label},
        ),
        actor=actor,
    )


# The e-mail tasks of before the notifications. Tasks already queued at a deploy (acks_late,
# retried for about two hours) carry these names, and a worker that no longer knew them would
# reject them. Each now writes the notifications of its event, which are what e-mails (the
# notifications app queues their e-mails): for a task queued by the code of before, the event
# was never notified, and is now; for one the notifications already handled, notify writes
# nobody twice and queues nothing. The e-mail keys are those of before, so nobody e-mailed by
# the former task is e-mailed again. Remove them one release after the deploy.


@shared_task(name="reports.agency_reports.send_agency_report_reminder", **EMAIL_TASK_OPTIONS)
def send_agency_report_reminder(report_id: int, key: str | None = None) -> int:
    """A reminder queued before the deploy: tell_deadline under its `key` (None, a task
    queued before keys were passed: the day the report was stamped, as then). Returns how
    many users were told now."""
    report = AgencyReport.objects.select_related("period", "agency").filter(pk=report_id).first()
    if report is None:
        return 0
    if key is None:
        day = timezone.localdate(report.reminded_at or timezone.now())
        key = f"agency-report-reminder:{report.pk}:{day.isoformat()}"
    return tell_deadline(report, key=key)


@shared_task(name="reports.tasks.notify_leaders", **EMAIL_TASK_OPTIONS)
def notify_leaders(report_id: int) -> int:
    """An issue announced before the deploy: tell_issue, if the report is issued. Returns
    how many users were told now."""
    report = ConsolidatedReport.objects.select_related("period").filter(pk=report_id).first()
    if report is None or not report.is_issued:
        return 0
    return tell_issue(report, actor=report.issued_by)


@shared_task(name="reports.tasks.send_agency_report_reminders", **EMAIL_TASK_OPTIONS)
def send_agency_report_reminders(report_ids: list[int]) -> int:
    """The reminder task of two deploys ago, a list of reports: send_agency_report_reminder
    for each."""
    return sum(send_agency_report_reminder(report_id) for report_id in report_ids)
