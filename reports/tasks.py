"""The daily jobs of the beat schedule (settings.CELERY_BEAT_SCHEDULE), one service each.

A task lives beside the one function it calls: the drafting task in consolidation.py, the
e-mail tasks in notifications.py. Importing this module (Celery's autodiscovery) imports them
and so registers them too.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from . import agency_reports, consolidation
from .periods import ensure_current_periods


def _day(today_iso: str | None) -> date:
    return date.fromisoformat(today_iso) if today_iso else timezone.localdate()


@shared_task(name="reports.tasks.ensure_reporting_periods")
def ensure_reporting_periods() -> int:
    """Daily: the periods of this year and the next exist, with every agency's draft."""
    return len(ensure_current_periods())


@shared_task(name="reports.tasks.remind_agency_reports")
def remind_agency_reports(today_iso: str | None = None) -> int:
    """Daily: remind the agencies that have not sent their report, N days before the
    deadline and on the day after it."""
    return agency_reports.remind_due_agencies(today=_day(today_iso))


@shared_task(name="reports.tasks.draft_consolidated_reports")
def draft_consolidated_reports(today_iso: str | None = None) -> int:
    """Daily: on the day after a period ends, draft a first version of its report."""
    return consolidation.draft_ended_periods(today=_day(today_iso))


# Registered under its former name, which the beat schedule (settings.CELERY_BEAT_SCHEDULE)
# names: a job beat sent just before a deploy must still find the task.
@shared_task(name="reports.tasks.fail_stale_builds")
def fail_stale_drafts() -> int:
    """Every few minutes: no version stays 'being drafted' forever."""
    return consolidation.mark_stale()
