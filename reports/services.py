"""Actions on periodic reports. Views, tasks, commands and tests all go through these.

Agency reports: draft → submitted (by a manager) → accepted, or returned with a reason.
Consolidated reports: every build is a new version (queued → building → ready, or failed);
issuing a ready version gives it the next number of the year and freezes it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import Agency, User
from agencies.permissions import Action
from doingoai.text import change_reason

from .models import AgencyReport, ConsolidatedReport, IssueCounter, ReportingPeriod

logger = logging.getLogger(__name__)

Status = AgencyReport.Status
Built = ConsolidatedReport.Status


class ReportError(Exception):
    """An action on a report that cannot be carried out; the message is for the user."""


class ReportConflict(ReportError):
    """Someone else changed the report since the user loaded it."""


# --- who may do what -------------------------------------------------------------------


def _require(actor: User, action: Action, agency: Agency, message: str) -> None:
    if not permissions.can(actor, action, agency):
        raise ReportError(message)


def is_focal_reviewer(user: User) -> bool:
    """Reviewers of Sở Ngoại vụ review every agency: they consolidate the province's report."""
    return bool(permissions.agency_ids(user)[Action.REVIEW])


def may_read_issued(user: User) -> bool:
    ids = permissions.agency_ids(user)
    return bool(ids[Action.REVIEW] or ids[Action.OVERSEE])


def _require_reviewer(actor: User) -> None:
    # Fresh from the database, not the per-request cache the pages use.
    if not permissions.agencies_for(actor, Action.REVIEW).exists():
        raise ReportError(_("Only reviewers of Sở Ngoại vụ may do this."))


# --- agency reports ----------------------------------------------------------------------


def may_read_agency_report(user: User, report: AgencyReport) -> bool:
    """The agency's own members read every state; reviewers what was sent or returned;
    leadership what was accepted."""
    agency_id = report.agency_id
    if permissions.shows(user, Action.VIEW, agency_id):
        return True
    if permissions.shows(user, Action.REVIEW, agency_id):
        return report.status != Status.DRAFT
    return permissions.shows(user, Action.OVERSEE, agency_id) and report.status == Status.ACCEPTED


def agency_report_figures(user: User, report: AgencyReport) -> dict:
    """The figures a reader of the report is shown: as sent (or live, for a draft) to the
    agency and the reviewers; to leadership, accepted activities only."""
    from .figures import COUNTED, agency_figures

    agency_id = report.agency_id
    if permissions.shows(user, Action.VIEW, agency_id) or permissions.shows(
        user, Action.REVIEW, agency_id
    ):
        return report.figures if report.was_sent else agency_figures(report.period, report.agency)
    return agency_figures(report.period, report.agency, statuses=COUNTED)


def _locked(report: AgencyReport, version: int) -> AgencyReport:
    locked = AgencyReport.objects.select_for_update().select_related("period", "agency")
    locked = locked.get(pk=report.pk)
    if locked.version != version:
        raise ReportConflict(
            _(
                "Someone else changed this report in the meantime (now: %(status)s). "
                "Reload the page to see the current version; nothing was saved."
            )
            % {"status": locked.get_status_display()}
        )
    return locked


def _text(value: str, label: str) -> str:
    value = (value or "").replace("\x00", "").strip()
    if len(value) > AgencyReport.TEXT_MAX_CHARS:
        raise ReportError(
            _("%(field)s is too long: at most %(max)s characters.")
            % {"field": label, "max": f"{AgencyReport.TEXT_MAX_CHARS:,}".replace(",", ".")}
        )
    return value


@transaction.atomic
def save_agency_report(
    *,
    actor: User,
    report: AgencyReport,
    version: int,
    results: str,
    difficulties: str,
    proposals: str,
) -> AgencyReport:
    """Change what the agency writes in a draft or returned report."""
    locked = _locked(report, version)
    _require(
        actor,
        Action.ACT,
        locked.agency,
        _("You may not write the report of %(agency)s.") % {"agency": locked.agency},
    )
    if not locked.is_editable:
        raise ReportError(_("Only a draft or a returned report can be changed."))
    locked.results = _text(results, _("Results"))
    locked.difficulties = _text(difficulties, _("Difficulties and obstacles"))
    locked.proposals = _text(proposals, _("Proposals"))
    return _save(locked, actor, _("Edited"))


def _save(report: AgencyReport, actor: User, reason: str) -> AgencyReport:
    report.version += 1
    report._history_user = actor
    report._change_reason = change_reason(reason)
    report.save()
    return report


@transaction.atomic
def submit_agency_report(*, actor: User, report: AgencyReport, version: int) -> AgencyReport:
    """A manager sends the agency's report to Sở Ngoại vụ; its figures are kept as sent."""
    from .figures import agency_figures

    locked = _locked(report, version)
    _require(
        actor,
        Action.SUBMIT,
        locked.agency,
        _("Only a manager of %(agency)s may send its report.") % {"agency": locked.agency},
    )
    if not locked.is_editable:
        raise ReportError(_("This report has already been sent."))
    if not locked.results.strip():
        raise ReportError(_("Write the results of the period before sending the report."))
    if not locked.period.is_over():
        raise ReportError(
            _("The period ends on %(date)s: send the report after that day, with its figures.")
            % {"date": locked.period.end_date.strftime("%d/%m/%Y")}
        )
    locked.figures = agency_figures(locked.period, locked.agency)
    locked.status = Status.SUBMITTED
    locked.submitted_at, locked.submitted_by = timezone.now(), actor
    locked.return_reason = ""
    return _save(locked, actor, str(Status.SUBMITTED.label))


@transaction.atomic
def accept_agency_report(*, actor: User, report: AgencyReport, version: int) -> AgencyReport:
    locked = _locked(report, version)
    _require(actor, Action.REVIEW, locked.agency, _("You may not review this report."))
    if locked.status != Status.SUBMITTED:
        raise ReportError(_("Only a submitted report can be accepted."))
    locked.status = Status.ACCEPTED
    locked.reviewed_at, locked.reviewed_by = timezone.now(), actor
    return _save(locked, actor, str(Status.ACCEPTED.label))


@transaction.atomic
def return_agency_report(
    *, actor: User, report: AgencyReport, version: int, reason: str
) -> AgencyReport:
    locked = _locked(report, version)
    _require(actor, Action.REVIEW, locked.agency, _("You may not review this report."))
    if locked.status not in (Status.SUBMITTED, Status.ACCEPTED):
        raise ReportError(_("Only a submitted or accepted report can be returned."))
    # Cleaned (NUL bytes) before the emptiness check: "\x00" alone is no reason.
    reason = _text(reason, _("Reason for return"))
    if not reason:
        raise ReportError(_("Say why the report is returned: the agency needs to know."))
    locked.status = Status.RETURNED
    locked.return_reason = reason
    locked.reviewed_at, locked.reviewed_by = timezone.now(), actor
    return _save(locked, actor, reason)


def remind_agencies(
    *, actor: User | None, period: ReportingPeriod, agency_ids: Iterable[int] | None = None
) -> int:
    """E-mail the agencies whose report for the period is not sent yet (after commit).
    Returns how many agencies are reminded."""
    if actor is not None:
        _require_reviewer(actor)
    pending = period.agency_reports.filter(
        status__in=AgencyReport.EDITABLE_STATUSES, agency__is_active=True
    )
    if agency_ids is not None:
        pending = pending.filter(agency_id__in=list(agency_ids))
    ids = list(pending.values_list("pk", flat=True))
    if not ids:
        return 0
    AgencyReport.objects.filter(pk__in=ids).update(reminded_at=timezone.now())
    from .tasks import send_agency_report_reminders

    # One task per agency: an SMTP failure retries that agency's e-mail, not everyone's.
    for report_id in ids:
        transaction.on_commit(
            lambda report_id=report_id: send_agency_report_reminders.delay([report_id])
        )
    return len(ids)


# --- consolidated reports ----------------------------------------------------------------


def _enqueue(report: ConsolidatedReport) -> None:
    from .tasks import build_consolidated_report

    report_id, task_id = report.pk, report.task_id
    transaction.on_commit(
        lambda: build_consolidated_report.apply_async(args=[report_id], task_id=task_id)
    )


@transaction.atomic
def start_build(
    *, actor: User | None, period: ReportingPeriod, enqueue: bool = True
) -> ConsolidatedReport:
    """A new draft version of the period's report, built by the worker after commit (or by
    the caller, with enqueue=False). The reviewer's edits of the latest version are carried
    over."""
    if actor is not None:
        _require_reviewer(actor)
    # One build at a time per period; the period's row serialises the version numbers.
    ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    mark_stale(period.consolidated_reports.all())
    if period.consolidated_reports.filter(status__in=ConsolidatedReport.IN_PROGRESS).exists():
        raise ReportError(
            _("A version of this report is already being built; wait until it is ready.")
        )
    latest = period.consolidated_reports.order_by("-version").first()
    report = ConsolidatedReport(
        period=period,
        version=(period.consolidated_reports.aggregate(v=Max("version"))["v"] or 0) + 1,
        status=Built.QUEUED,
        task_id=str(uuid.uuid4()),
        created_by=actor,
    )
    if latest is not None:
        for section in latest.edited_sections:
            setattr(report, section, getattr(latest, section))
        report.edited_sections = list(latest.edited_sections)
    report.save()
    if enqueue:
        _enqueue(report)
    return report


def build(report_id: int, task_id: str | None) -> ConsolidatedReport | None:
    """The work of the build task: figures, narrative, PDF and XLSX of one version.

    Idempotent: a ready, issued or failed version is left alone, so a re-delivered task never
    makes a second version or a second number. A version still 'building' under the same
    task id is a re-delivery after a worker died, and is built again."""
    from . import documents
    from .figures import period_figures
    from .narrative import draft

    with transaction.atomic():
        report = (
            ConsolidatedReport.objects.select_for_update()
            .select_related("period")
            .filter(pk=report_id)
            .first()
        )
        if report is None:
            logger.warning("consolidated report %s is gone: nothing to build", report_id)
            return None
        if report.status not in ConsolidatedReport.IN_PROGRESS:
            return report
        if task_id and report.task_id and task_id != report.task_id:
            logger.info("report %s belongs to task %s, not %s", report_id, report.task_id, task_id)
            return report
        report.status = Built.BUILDING
        # A re-delivery keeps the first start: a build that keeps getting its worker killed
        # (hard time limit) then goes stale, instead of coming back 'building' for ever.
        report.started_at = report.started_at or timezone.now()
        report.attempts += 1
        report.error = ""
        report.save(update_fields=["status", "started_at", "attempts", "error"])

    xlsx = None
    if report.keep_figures and report.figures and report.xlsx:
        figures = report.figures  # only the text changed: same figures, same annex
    else:
        with _snapshot():
            figures = period_figures(report.period)
            report.figures = figures
            xlsx = documents.render_xlsx(report)
    drafted = draft(figures)
    for section in ConsolidatedReport.SECTIONS:
        if section not in report.edited_sections:
            setattr(report, section, drafted[section])
    report.figures = figures
    pdf = documents.render_pdf(report)

    with transaction.atomic():
        current = ConsolidatedReport.objects.select_for_update().get(pk=report_id)
        if current.status != Built.BUILDING or current.task_id != report.task_id:
            return current  # failed as stale or taken over in the meantime: drop this result
        current.figures = figures
        for section in ConsolidatedReport.SECTIONS:
            setattr(current, section, getattr(report, section))
        _replace(current, "pdf", pdf, f"bao-cao-{current.period.code}-v{current.version}.pdf")
        if xlsx is not None:
            name = f"phu-luc-{current.period.code}-v{current.version}.xlsx"
            _replace(current, "xlsx", xlsx, name)
        current.keep_figures = False
        current.revision += 1
        current.status = Built.READY
        current.finished_at = timezone.now()
        current.save()
        return current


@contextmanager
def _snapshot():
    """One consistent view of the database for the figures and the annex: an activity
    accepted in the middle of a build is in both or in neither."""
    outermost = not connection.in_atomic_block  # else the isolation is already decided
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _replace(report: ConsolidatedReport, field: str, content: bytes, name: str) -> None:
    old = getattr(report, field)
    old_name = old.name if old else ""
    getattr(report, field).save(name, ContentFile(content), save=False)
    if old_name:
        # Removed only once the new file is in place; an issued file is never replaced.
        transaction.on_commit(lambda: old.storage.delete(old_name))


def mark_failed(report_id: int, message: str) -> None:
    with transaction.atomic():
        report = ConsolidatedReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status not in ConsolidatedReport.IN_PROGRESS:
            return
        report.status = Built.FAILED
        report.error = message
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at"])


def stale_message() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "The build was interrupted (the worker stopped or did not answer in time). "
            "Nothing was lost: build it again."
        )


def mark_stale(reports=None, now=None) -> int:
    """Versions stuck in the queue or 'building' longer than a build can take are failed, so
    that nothing waits forever. Run by the beat schedule and by the pages themselves."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS)
    reports = ConsolidatedReport.objects.all() if reports is None else reports
    stuck = reports.filter(status__in=ConsolidatedReport.IN_PROGRESS, queued_at__lt=limit)
    stuck = stuck.exclude(started_at__gte=limit)
    return stuck.update(status=Built.FAILED, error=stale_message(), finished_at=now)


@transaction.atomic
def retry_build(*, actor: User, report: ConsolidatedReport) -> ConsolidatedReport:
    """Build a failed version again, under a new task id."""
    _require_reviewer(actor)
    _lock_period(report)
    locked = ConsolidatedReport.objects.select_for_update().select_related("period")
    locked = locked.get(pk=report.pk)
    if locked.status != Built.FAILED:
        raise ReportError(_("Only a version whose build failed can be built again."))
    _check_latest(locked, _("A newer version (%(version)s) exists: build that one again."))
    _requeue(locked)
    return locked


def _lock_period(report: ConsolidatedReport) -> None:
    """Builds, text changes and issuing of a period's versions happen one at a time."""
    ReportingPeriod.objects.select_for_update().get(pk=report.period_id)


def _check_latest(report: ConsolidatedReport, message: str) -> None:
    newer = report.period.consolidated_reports.filter(version__gt=report.version)
    latest = newer.aggregate(v=Max("version"))["v"]
    if latest is not None:
        raise ReportError(message % {"version": latest})


def _check_revision(report: ConsolidatedReport, revision: int | None) -> None:
    if revision is not None and revision != report.revision:
        raise ReportConflict(
            _(
                "This version changed since you opened the page (now: %(status)s). Reload "
                "the page and check it again; nothing was done."
            )
            % {"status": report.get_status_display()}
        )


def _requeue(report: ConsolidatedReport) -> None:
    report.status = Built.QUEUED
    report.task_id = str(uuid.uuid4())
    report.queued_at = timezone.now()
    report.started_at = report.finished_at = None
    report.error = ""
    report.save()
    _enqueue(report)


@transaction.atomic
def save_narrative(
    *,
    actor: User,
    report: ConsolidatedReport,
    sections: dict[str, str],
    revision: int | None = None,
) -> ConsolidatedReport:
    """The reviewer's text of the narrative sections of the latest version. A section left
    empty is drafted again from the data. The PDF is rendered again with the same figures."""
    _require_reviewer(actor)
    _lock_period(report)
    locked = ConsolidatedReport.objects.select_for_update().select_related("period")
    locked = locked.get(pk=report.pk)
    if locked.status == Built.ISSUED:
        raise ReportError(_("An issued report cannot be changed: build a new version."))
    if locked.in_progress:
        raise ReportError(_("The report is being built; change it once it is ready."))
    _check_revision(locked, revision)
    _check_latest(locked, _("Only the latest version can be changed: version %(version)s."))
    edited = set(locked.edited_sections)
    for section in ConsolidatedReport.SECTIONS:
        text = _text(sections.get(section, ""), section)
        if not text:
            edited.discard(section)
        elif text != getattr(locked, section):
            edited.add(section)
        setattr(locked, section, text)
    locked.edited_sections = [s for s in ConsolidatedReport.SECTIONS if s in edited]
    locked.keep_figures = bool(locked.figures)
    locked.revision += 1
    _requeue(locked)
    return locked


@transaction.atomic
def issue(
    *, actor: User, report: ConsolidatedReport, revision: int | None = None
) -> ConsolidatedReport:
    """Give the latest ready version of a period the next number of the year and today's
    date, render its final PDF, freeze it and tell the leaders. Two reviewers issuing at once:
    the second waits for the first and is told the number it got."""
    from . import documents

    _require_reviewer(actor)
    _lock_period(report)
    locked = ConsolidatedReport.objects.select_for_update().select_related("period")
    locked = locked.get(pk=report.pk)
    if locked.status == Built.ISSUED:
        raise ReportError(
            _("This version was already issued as number %(number)s.")
            % {"number": locked.number_display}
        )
    if locked.status != Built.READY:
        raise ReportError(_("Only a ready draft can be issued."))
    _check_revision(locked, revision)
    _check_latest(locked, _("A newer version (%(version)s) exists: issue that one."))
    today = timezone.localdate()
    IssueCounter.objects.bulk_create([IssueCounter(year=today.year)], ignore_conflicts=True)
    counter = IssueCounter.objects.select_for_update().get(year=today.year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    locked.number, locked.number_year = counter.last_number, today.year
    locked.issued_on, locked.issued_at, locked.issued_by = today, timezone.now(), actor
    try:
        pdf = documents.render_pdf(locked)
    except Exception as exc:
        logger.exception("report %s: the final PDF could not be rendered", locked.pk)
        raise ReportError(
            _("The final PDF could not be rendered, so nothing was issued. Try again.")
        ) from exc
    _replace(locked, "pdf", pdf, f"bao-cao-{locked.period.code}-so-{locked.number:02d}.pdf")
    locked.status = Built.ISSUED
    locked.revision += 1
    locked.save()
    from .tasks import notify_leaders

    report_id = locked.pk
    transaction.on_commit(lambda: notify_leaders.delay(report_id))
    return locked
