"""The worker's part of periodic reports: building the consolidated report, reminders, and
the daily jobs of the beat schedule."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import InterfaceError, OperationalError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Membership, User
from doingoai.celery import EMAIL_TASK_OPTIONS

from . import services
from .models import AgencyReport, ConsolidatedReport, ReportingPeriod
from .periods import ensure_current_periods

logger = logging.getLogger(__name__)

# Worth another try: the database or the disk was briefly unavailable.
TRANSIENT = (OperationalError, InterfaceError, OSError)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_BUILD_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_BUILD_TIME_LIMIT,
    max_retries=3,
)
def build_consolidated_report(self, report_id: int) -> str | None:
    """Build one version. Re-delivered or repeated, it never makes a second version: the
    work is keyed on the version's row and its task id (services.build)."""
    try:
        report = services.build(report_id, self.request.id)
    except SoftTimeLimitExceeded:
        services.mark_failed(report_id, _message(_("The build took too long and was stopped.")))
        return None
    except TRANSIENT as exc:
        # Run in-process (no broker), a retry would only raise out of the caller's commit
        # and leave the version 'building': fail it at once, the reviewer builds it again.
        if self.request.retries < self.max_retries and not self.request.is_eager:
            logger.warning("report %s: transient error, retrying: %s", report_id, exc)
            raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
        services.mark_failed(report_id, _message(_("The database or the disk did not answer.")))
        logger.exception("report %s failed", report_id)
        return None
    except Exception:
        logger.exception("report %s failed", report_id)
        services.mark_failed(report_id, _message(_("An unexpected error stopped the build.")))
        return None
    return report.status if report else None


def _message(reason: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(reason)s Nothing was lost: build it again.") % {"reason": reason}


def _addresses(users) -> list[str]:
    return sorted(
        set(
            users.filter(is_active=True, email_notifications=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def _send(subject: str, body: str, addresses: list[str]) -> int:
    send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [a]) for a in addresses])
    return len(addresses)


def _link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_agency_report_reminders(report_ids: list[int]) -> int:
    """E-mail the members of each agency whose periodic report is still to be sent."""
    sent = 0
    reports = AgencyReport.objects.filter(
        pk__in=report_ids, status__in=AgencyReport.EDITABLE_STATUSES
    ).select_related("period", "agency")
    with translation.override(settings.LANGUAGE_CODE):
        for report in reports:
            addresses = _addresses(User.objects.filter(memberships__agency=report.agency))
            if not addresses:
                continue
            period = report.period
            subject = _("Reminder: the report for %(period)s is due on %(deadline)s") % {
                "period": period.label,
                "deadline": period.deadline.strftime("%d/%m/%Y"),
            }
            body = _(
                "Sở Ngoại vụ reminds %(agency)s to send its people-to-people diplomacy report "
                "for %(period)s by %(deadline)s.\n\nWrite and send it in the portal: %(link)s\n"
            ) % {
                "agency": report.agency.name,
                "period": period.label,
                "deadline": period.deadline.strftime("%d/%m/%Y"),
                "link": _link("reports:agency-report", period.code, report.agency.code),
            }
            sent += _send(subject, body, addresses)
    return sent


@shared_task(**EMAIL_TASK_OPTIONS)
def notify_leaders(report_id: int) -> int:
    """Tell provincial leadership that a report was issued."""
    report = ConsolidatedReport.objects.select_related("period").filter(pk=report_id).first()
    if report is None or not report.is_issued:
        return 0
    addresses = _addresses(User.objects.filter(memberships__role=Membership.Role.LEADER))
    if not addresses:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Report %(number)s issued: %(period)s") % {
            "number": report.number_display,
            "period": report.period.label,
        }
        body = _(
            "Sở Ngoại vụ issued report %(number)s on people-to-people diplomacy for "
            "%(period)s.\n\nRead and download it in the portal: %(link)s\n"
        ) % {
            "number": report.number_display,
            "period": report.period.label,
            "link": _link("reports:issued"),
        }
    return _send(subject, body, addresses)


@shared_task
def ensure_reporting_periods() -> int:
    """Daily: the periods of this year and the next exist, with every agency's draft."""
    return len(ensure_current_periods())


@shared_task
def remind_agency_reports(today_iso: str | None = None) -> int:
    """Daily: remind the agencies that have not sent their report, N days before the
    deadline and on the day after it."""
    today = date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    before = today + timedelta(days=settings.REPORT_REMIND_DAYS_BEFORE)
    after = today - timedelta(days=1)
    reminded = 0
    for period in ReportingPeriod.objects.filter(deadline__in=[before, after]):
        reminded += services.remind_agencies(actor=None, period=period)
    return reminded


@shared_task
def draft_consolidated_reports(today_iso: str | None = None) -> int:
    """Daily: on the day after a period ends, build a first draft of its report."""
    today = date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    started = 0
    for period in ReportingPeriod.objects.filter(end_date=today - timedelta(days=1)):
        if not period.consolidated_reports.exists():
            services.start_build(actor=None, period=period)
            started += 1
    return started


@shared_task
def fail_stale_builds() -> int:
    """Every few minutes: no version stays 'building' forever."""
    return services.mark_stale()
