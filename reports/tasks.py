"""The daily jobs of the beat schedule (settings.CELERY_BEAT_SCHEDULE), one service each.

The tasks that services queue (drafting a version, the e-mails) sit beside those services, in
agency_reports.py and consolidation.py; importing this module (Celery's autodiscovery)
registers them too. Those that were queued from here before keep their registered names
"reports.tasks.…", so that tasks already in the queue at a deploy still find them.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from doingoai.celery import EMAIL_TASK_OPTIONS

from . import agency_reports, consolidation, notifications
from .periods import ensure_current_periods


def _day(today_iso: str | None) -> date:
    return date.fromisoformat(today_iso) if today_iso else timezone.localdate()


@shared_task
def ensure_reporting_periods() -> int:
    """Daily: the periods of this year and the next exist, with every agency's draft."""
    return len(ensure_current_periods())


@shared_task
def remind_agency_reports(today_iso: str | None = None) -> int:
    """Daily: remind the agencies that have not sent their report, N days before the
    deadline and on the day after it."""
    return agency_reports.remind_due_agencies(_day(today_iso))


@shared_task
def draft_consolidated_reports(today_iso: str | None = None) -> int:
    """Daily: on the day after a period ends, draft a first version of its report."""
    return consolidation.draft_ended_periods(_day(today_iso))


@shared_task
def fail_stale_builds() -> int:
    """Every few minutes: no version stays 'being drafted' forever."""
    return consolidation.mark_stale()


# Kept for one release only, then removed: reminders queued before the deploy that introduced
# one task per agency (agency_reports.send_agency_report_reminder) carry this name and a list
# of report ids; without it a new worker would reject them and the e-mails would be lost.
@shared_task(name="reports.tasks.send_agency_report_reminders", **EMAIL_TASK_OPTIONS)
def send_agency_report_reminders(report_ids: list[int]) -> int:
    """The former reminder task: remind the agency of each report of `report_ids` that is
    still to be sent (notifications.remind_agency). Returns the number of e-mails."""
    return sum(notifications.remind_agency(report_id) for report_id in report_ids)
