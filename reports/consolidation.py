"""The province's consolidated report: drafting its versions, the reviewer's text, issuing,
and the versions that stop half-way. Views, tasks, commands and tests all go through these
functions; the task that drafts a version is here too, beside build_version, the one
function it calls (whom an issue is told to is notifications.py's).

    queued ──▶ building ──▶ ready ──issue──▶ issued
       │           │          │
       └───────────┴──▶ failed ◀ (stale: the worker died or never answered) ──retry──▶ queued

Every drafting makes a new version of the period (draft numbers 1, 2, 3…) that carries over
the reviewer's edits of the latest one. Only the latest version is edited, retried or issued;
issuing gives it the next number of the year's register and freezes it. A version's
`version` field is its edit-conflict counter: a page's form carries the one it showed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import User

from . import notifications
from .errors import ReportConflict, ReportError, clean_text, require_reviewer
from .figures import PeriodFigures, period_figures
from .models import ConsolidatedReport, IssueCounter, IssuingAuthority, ReportingPeriod
from .narrative import draft

if TYPE_CHECKING:
    from .documents import MissingGlyph

logger = logging.getLogger(__name__)

Status = ConsolidatedReport.Status

# Worth another try: the database or the disk was briefly unavailable.
TRANSIENT = (OperationalError, InterfaceError, OSError)


# --- reading ---------------------------------------------------------------------------


def get_consolidated_for(user: User, pk: int) -> ConsolidatedReport:
    """Version `pk` with its period if `user` may read it (ConsolidatedReport.objects.
    visible_to: reviewers every version, leadership issued ones); Http404 otherwise, whether
    it exists or not."""
    reports = ConsolidatedReport.objects.visible_to(user).select_related("period")
    return get_object_or_404(reports, pk=pk)


def latest_draft_number(period: ReportingPeriod) -> int | None:
    """The draft number of the period's newest version (None before the first)."""
    return period.consolidated_reports.aggregate(n=Max("draft_number"))["n"]


# --- what may be done with a version -----------------------------------------------------
#
# Each rule is one function, asked by its service (on the locked row, raising its answer) and
# by the version's page (which offers the button only when it answers ""). `latest` is the
# period's newest draft number (latest_draft_number): only the latest version moves on.


def edit_refusal(report: ConsolidatedReport, latest: int | None) -> str:
    """Why the reviewer's text of `report` cannot be changed now, "" when it can."""
    if report.is_issued:
        return _("An issued report cannot be changed: draft a new version.")
    if report.in_progress:
        return _("The report is being drafted; change it once it is ready.")
    if latest != report.draft_number:
        return _("Only the latest version can be changed: version %(version)s.") % {
            "version": latest
        }
    return ""


def retry_refusal(report: ConsolidatedReport, latest: int | None) -> str:
    """Why `report` cannot be drafted again now, "" when it can: only a failed latest one."""
    if not report.is_failed:
        return _("Only a version whose drafting failed can be drafted again.")
    if latest != report.draft_number:
        return _("A newer version (%(version)s) exists: draft that one again.") % {
            "version": latest
        }
    return ""


def issue_refusal(report: ConsolidatedReport, latest: int | None) -> str:
    """Why `report` cannot be issued now, "" when it can: only a ready latest one."""
    if report.is_issued:
        return _("This version was already issued as number %(number)s.") % {
            "number": report.number_display
        }
    if not report.is_ready:
        return _("Only a ready draft can be issued.")
    if latest != report.draft_number:
        return _("A newer version (%(version)s) exists: issue that one.") % {"version": latest}
    return ""


def authority_refusal(authority: IssuingAuthority | None) -> str:
    """Why a report cannot be issued under `authority` (the issuing authority in force on
    the issue day, IssuingAuthority.objects.on), "" when it can: there must be one, since it
    gives the header, the place, the number's suffix and the signature."""
    if authority is None:
        return _(
            "No issuing authority is in force today, so the report cannot be issued: an "
            "administrator must first record one (issuer, place, number suffix, signer) in "
            "force from today or earlier in the administration, under Issuing authorities. "
            "Nothing was issued."
        )
    return ""


def unprintable_refusal(report: ConsolidatedReport, *, confirmed: bool) -> str:
    """Why `report` is not issued without a confirmation, "" when it may be: its PDF leaves
    characters of the data blank (missing_glyphs, as its page lists them), and the reviewer
    did not confirm having seen them. A version not checked yet (missing_glyphs None) is
    checked when it is issued (unconfirmed_refusal)."""
    if not report.missing_glyphs or confirmed:
        return ""
    return ngettext(
        "%(count)s character of the data cannot be printed in the PDF (listed on the page). "
        "Correct it, or confirm that you issue the report with it left blank.",
        "%(count)s characters of the data cannot be printed in the PDF (listed on the page). "
        "Correct them, or confirm that you issue the report with them left blank.",
        len(report.missing_glyphs),
    ) % {"count": len(report.missing_glyphs)}


# At most this many characters are named in a message; the page lists them all.
NAMED_IN_MESSAGE = 5


def unconfirmed_refusal(
    report: ConsolidatedReport, glyphs: list[MissingGlyph] | None, *, confirmed: bool
) -> str:
    """Why the final PDF of `report` is not issued, "" when it may be: `glyphs`, what
    render_checked_pdf found in it (None: the check failed), holds a character the reviewer
    did not confirm — one the page did not list (report.missing_glyphs as it was shown), or
    any if `confirmed` is False."""
    from .documents import describe_glyph  # documents loads WeasyPrint

    if glyphs is None:
        return _(
            "The PDF could not be checked for characters that cannot be printed, so nothing "
            "was issued. Try again; if it happens again, tell the portal's administrator."
        )
    seen = {glyph["char"] for glyph in report.missing_glyphs or []} if confirmed else set()
    new = [glyph for glyph in glyphs if glyph["char"] not in seen]
    if not new:
        return ""
    named = "; ".join(describe_glyph(glyph) for glyph in new[:NAMED_IN_MESSAGE])
    return ngettext(
        "The final PDF cannot print %(count)s character you have not confirmed: "
        "%(characters)s. Nothing was issued; the page now lists it with where it occurs: "
        "correct it, or confirm that the report is issued with it left blank.",
        "The final PDF cannot print %(count)s characters you have not confirmed: "
        "%(characters)s. Nothing was issued; the page now lists them with where they occur: "
        "correct them, or confirm that the report is issued with them left blank.",
        len(new),
    ) % {"count": len(new), "characters": named + ("…" if len(new) > NAMED_IN_MESSAGE else "")}


class VersionState(TypedDict):
    """What a version's page offers (besides what the version says of itself)."""

    latest: int | None  # the period's newest draft number
    is_latest: bool
    can_edit: bool  # the reviewer's text form
    can_retry: bool
    can_issue: bool
    must_confirm_blanks: bool  # issuing asks the reviewer to confirm characters left blank


def version_state(report: ConsolidatedReport) -> VersionState:
    """What the page of `report` offers a reviewer, from the rules above (one query: the
    period's newest draft number)."""
    latest = latest_draft_number(report.period)
    return {
        "latest": latest,
        "is_latest": latest == report.draft_number,
        "can_edit": not edit_refusal(report, latest),
        "can_retry": not retry_refusal(report, latest),
        "can_issue": not issue_refusal(report, latest),
        "must_confirm_blanks": bool(unprintable_refusal(report, confirmed=False)),
    }


def _refuse(refusal: str) -> None:
    if refusal:
        raise ReportError(refusal)


# --- starting a version ------------------------------------------------------------------


def _enqueue(report: ConsolidatedReport) -> None:
    report_id, task_id = report.pk, report.task_id
    transaction.on_commit(
        lambda: build_consolidated_report.apply_async(args=[report_id], task_id=task_id)
    )


@transaction.atomic
def start_drafting(
    *, actor: User | None, period: ReportingPeriod, enqueue: bool = True
) -> ConsolidatedReport:
    """A new version of the period's report, queued: drafted by the worker after commit (or
    by the caller, with enqueue=False, through build_version). The reviewer's edits of the
    latest version are carried over. `actor` None is the beat schedule or a command; anyone
    else must review for Sở Ngoại vụ. Raises ReportError for another actor, or while a
    version of the period is still being drafted."""
    if actor is not None:
        require_reviewer(actor)
    # One drafting at a time per period; the period's row serialises the draft numbers.
    ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    mark_stale(period.consolidated_reports.all())
    if period.consolidated_reports.filter(status__in=ConsolidatedReport.IN_PROGRESS).exists():
        raise ReportError(
            _("A version of this report is already being drafted; wait until it is ready.")
        )
    latest = period.consolidated_reports.order_by("-draft_number").first()
    report = ConsolidatedReport(
        period=period,
        draft_number=(latest.draft_number if latest else 0) + 1,
        status=Status.QUEUED,
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


def draft_ended_periods(*, today: date) -> int:
    """The daily first drafts: on the day after a period ends, a first version of its
    report, unless it has one already. Returns how many were started."""
    started = 0
    for period in ReportingPeriod.objects.filter(end_date=today - timedelta(days=1)):
        if not period.consolidated_reports.exists():
            start_drafting(actor=None, period=period)
            started += 1
    return started


# --- drafting ----------------------------------------------------------------------------


def build_version(report_id: int, task_id: str | None) -> ConsolidatedReport | None:
    """The work of the drafting task: figures, narrative, PDF and XLSX of version
    `report_id`. Returns the version as it ends (None if it no longer exists).

    Idempotent: a ready, issued or failed version is left alone, so a re-delivered task never
    makes a second version or a second number; a task whose `task_id` is not the version's
    does nothing. A version still 'building' under the same task id is a re-delivery after a
    worker died, and is drafted again. Raises whatever the rendering raises (the task fails
    the version)."""
    # Imported here, not at the top: documents imports reports.pdf and so WeasyPrint, which
    # the web process never loads unless it renders (issuing a report).
    from . import documents

    with transaction.atomic():
        report = (
            ConsolidatedReport.objects.select_for_update()
            .select_related("period")
            .filter(pk=report_id)
            .first()
        )
        if report is None:
            logger.warning("consolidated report %s is gone: nothing to draft", report_id)
            return None
        if report.status not in ConsolidatedReport.IN_PROGRESS:
            return report
        if task_id and report.task_id and task_id != report.task_id:
            logger.info("report %s belongs to task %s, not %s", report_id, report.task_id, task_id)
            return report
        report.status = Status.BUILDING
        # A re-delivery keeps the first start: a drafting that keeps getting its worker killed
        # (hard time limit) then goes stale, instead of coming back 'building' for ever.
        report.started_at = report.started_at or timezone.now()
        report.attempts += 1
        report.error = ""
        report.save(update_fields=["status", "started_at", "attempts", "error"])

    xlsx = None
    figures: PeriodFigures
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
    pdf, missing_glyphs = documents.render_checked_pdf(report)

    with transaction.atomic():
        current = ConsolidatedReport.objects.select_for_update().get(pk=report_id)
        if current.status != Status.BUILDING or current.task_id != report.task_id:
            return current  # failed as stale or taken over in the meantime: drop this result
        current.figures = figures
        for section in ConsolidatedReport.SECTIONS:
            setattr(current, section, getattr(report, section))
        code, number = current.period.code, current.draft_number
        _replace(current, "pdf", pdf, f"bao-cao-{code}-v{number}.pdf")
        if xlsx is not None:
            _replace(current, "xlsx", xlsx, f"phu-luc-{code}-v{number}.xlsx")
        # Still 'ready' with characters missing (or None: not checked): the page names them
        # and issuing checks the final PDF again and asks for a confirmation of each
        # (unconfirmed_refusal), so no blank reaches a signed report unseen.
        current.missing_glyphs = missing_glyphs
        current.keep_figures = False
        current.version += 1
        current.status = Status.READY
        current.finished_at = timezone.now()
        current.save()
        return current


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the database for the figures and the annex: an activity
    accepted in the middle of a drafting is in both or in neither."""
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


# Registered under the name it had in reports/tasks.py before the reports were cut at their
# seam: tasks already queued at deploy (acks_late, retried) carry that name, and a worker that
# knew this task only by its new module's name would reject them as unregistered.
@shared_task(
    bind=True,
    name="reports.tasks.build_consolidated_report",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_BUILD_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_BUILD_TIME_LIMIT,
    max_retries=3,
)
def build_consolidated_report(self, report_id: int) -> str | None:
    """Draft one version (build_version). Re-delivered or repeated, it never makes a second
    version: the work is keyed on the version's row and its task id. A failure fails the
    version with a message for the reviewer; a transient one is retried first."""
    try:
        report = build_version(report_id, self.request.id)
    except SoftTimeLimitExceeded:
        mark_failed(report_id, failure_message(_("The drafting took too long and was stopped.")))
        return None
    except TRANSIENT as exc:
        # Run in-process (no broker), a retry would only raise out of the caller's commit
        # and leave the version 'building': fail it at once, the reviewer drafts it again.
        if self.request.retries < self.max_retries and not self.request.is_eager:
            logger.warning("report %s: transient error, retrying: %s", report_id, exc)
            raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
        mark_failed(report_id, failure_message(_("The database or the disk did not answer.")))
        logger.exception("report %s failed", report_id)
        return None
    except Exception:
        logger.exception("report %s failed", report_id)
        mark_failed(report_id, failure_message(_("An unexpected error stopped the drafting.")))
        return None
    return report.status if report else None


# --- versions that stop half-way ---------------------------------------------------------


def failure_message(reason: str) -> str:
    """What a failed version says, in the portal's language: the reason, and what to do."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(reason)s Nothing was lost: draft it again.") % {"reason": reason}


def mark_failed(report_id: int, message: str) -> None:
    """Fail version `report_id` with `message`, if it is still queued or being drafted."""
    with transaction.atomic():
        report = ConsolidatedReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status not in ConsolidatedReport.IN_PROGRESS:
            return
        report.status = Status.FAILED
        report.error = message
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at"])


def stale_message() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "The drafting was interrupted (the worker stopped or did not answer in time). "
            "Nothing was lost: draft it again."
        )


def mark_stale(
    reports: QuerySet[ConsolidatedReport] | None = None, now: datetime | None = None
) -> int:
    """Versions stuck in the queue or 'building' longer than a drafting can take
    (REPORT_BUILD_STALE_SECONDS) are failed, so that nothing waits forever. Run by the beat
    schedule and by the pages themselves; returns how many were failed."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS)
    reports = ConsolidatedReport.objects.all() if reports is None else reports
    stuck = reports.filter(status__in=ConsolidatedReport.IN_PROGRESS, queued_at__lt=limit)
    stuck = stuck.exclude(started_at__gte=limit)
    return stuck.update(status=Status.FAILED, error=stale_message(), finished_at=now)


def _lock_period(report: ConsolidatedReport) -> None:
    """Draftings, text changes and issuing of a period's versions happen one at a time."""
    ReportingPeriod.objects.select_for_update().get(pk=report.period_id)


def _locked(report: ConsolidatedReport) -> ConsolidatedReport:
    _lock_period(report)
    locked = ConsolidatedReport.objects.select_for_update().select_related("period")
    return locked.get(pk=report.pk)


def _check_version(report: ConsolidatedReport, version: int | None) -> None:
    if version is not None and version != report.version:
        raise ReportConflict(
            _(
                "This version changed since you opened the page (now: %(status)s). Reload "
                "the page and check it again; nothing was done."
            )
            % {"status": report.get_status_display()}
        )


def _requeue(report: ConsolidatedReport) -> None:
    report.status = Status.QUEUED
    report.task_id = str(uuid.uuid4())
    report.queued_at = timezone.now()
    report.started_at = report.finished_at = None
    report.error = ""
    report.save()
    _enqueue(report)


@transaction.atomic
def retry_drafting(*, actor: User, report: ConsolidatedReport) -> ConsolidatedReport:
    """Draft a failed version again, under a new task id. Raises ReportError for anyone but
    a reviewer, a version that did not fail, or one that is not the latest."""
    require_reviewer(actor)
    locked = _locked(report)
    _refuse(retry_refusal(locked, latest_draft_number(locked.period)))
    _requeue(locked)
    return locked


# --- the reviewer's text and issuing -----------------------------------------------------


@transaction.atomic
def save_narrative(
    *,
    actor: User,
    report: ConsolidatedReport,
    sections: dict[str, str],
    version: int | None = None,
) -> ConsolidatedReport:
    """The reviewer's text of the narrative sections (ConsolidatedReport.SECTIONS) of the
    latest version, as the page showed it at `version`. A section left empty is drafted
    again from the data. The PDF is rendered again (queued) with the same figures and annex.
    Raises ReportConflict when the version changed since, ReportError for anyone but a
    reviewer, an issued, in-progress or older version, or a text too long."""
    require_reviewer(actor)
    locked = _locked(report)
    _refuse(edit_refusal(locked, latest_draft_number(locked.period)))
    _check_version(locked, version)
    edited = set(locked.edited_sections)
    for section in ConsolidatedReport.SECTIONS:
        label = capfirst(ConsolidatedReport._meta.get_field(section).verbose_name)
        text = clean_text(sections.get(section, ""), label)
        if not text:
            edited.discard(section)
        elif text != getattr(locked, section):
            edited.add(section)
        setattr(locked, section, text)
    locked.edited_sections = [s for s in ConsolidatedReport.SECTIONS if s in edited]
    locked.keep_figures = bool(locked.figures)
    locked.version += 1
    _requeue(locked)
    return locked


class _Unconfirmed(ReportError):
    """The final PDF holds characters the reviewer did not confirm (unconfirmed_refusal):
    `glyphs` is what its check found at the version's `version`."""

    def __init__(self, message: str, glyphs: list[MissingGlyph] | None, version: int) -> None:
        super().__init__(message)
        self.glyphs, self.version = glyphs, version


def issue_report(
    *,
    actor: User,
    report: ConsolidatedReport,
    version: int | None = None,
    blanks_confirmed: bool = False,
) -> ConsolidatedReport:
    """Give the latest ready version of a period (as the page showed it at `version`) the
    next number of the year and today's date, render its final PDF, check it for characters
    it cannot print, freeze it and notify the leaders and the reviewers
    (notifications.tell_issue; e-mailed after the commit). Two reviewers issuing at
    once: the second waits for the first and is told the number it got.

    `blanks_confirmed` confirms the characters the page listed (missing_glyphs at
    `version`): the final PDF is issued only if every character it leaves blank is one of
    them. Otherwise nothing is issued, the characters found are recorded on the version for
    its page to list (its `version` goes up, so the reviewer sees them before confirming) and
    ReportError names them; the same if the check itself failed (missing_glyphs None).

    The report is issued under the issuing authority in force today (IssuingAuthority.
    objects.on), which is kept on it (issuing_authority, number_suffix) and prints its
    header, place, number suffix and signature.

    Raises ReportConflict when the version changed since, ReportError for anyone but a
    reviewer, a version already issued, not ready or not the latest, characters not
    confirmed, no issuing authority in force today (authority_refusal), or a final PDF that
    could not be rendered (then nothing is issued)."""
    require_reviewer(actor)
    try:
        return _issue(actor, report, version, blanks_confirmed)
    except _Unconfirmed as refused:
        _record_glyphs(report.pk, refused.glyphs, refused.version)
        raise


@transaction.atomic
def _issue(
    actor: User, report: ConsolidatedReport, version: int | None, blanks_confirmed: bool
) -> ConsolidatedReport:
    # Imported here, not at the top: documents imports reports.pdf and so WeasyPrint, which
    # the web process loads only when it renders a final PDF.
    from . import documents

    locked = _locked(report)
    _refuse(issue_refusal(locked, latest_draft_number(locked.period)))
    _check_version(locked, version)
    _refuse(unprintable_refusal(locked, confirmed=blanks_confirmed))
    today = timezone.localdate()
    # The identity in force on the issue day prints the header, the place and the number's
    # suffix, and is kept with the report.
    authority = IssuingAuthority.objects.on(today)
    _refuse(authority_refusal(authority))
    locked.issuing_authority, locked.number_suffix = authority, authority.number_suffix
    IssueCounter.objects.bulk_create([IssueCounter(year=today.year)], ignore_conflicts=True)
    counter = IssueCounter.objects.select_for_update().get(year=today.year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    locked.number, locked.number_year = counter.last_number, today.year
    locked.issued_on, locked.issued_at, locked.issued_by = today, timezone.now(), actor
    try:
        pdf, glyphs = documents.render_checked_pdf(locked)
    except Exception as exc:
        logger.exception("report %s: the final PDF could not be rendered", locked.pk)
        raise ReportError(
            _("The final PDF could not be rendered, so nothing was issued. Try again.")
        ) from exc
    refusal = unconfirmed_refusal(locked, glyphs, confirmed=blanks_confirmed)
    if refusal:
        raise _Unconfirmed(refusal, glyphs, locked.version)  # rolls the number back
    _replace(locked, "pdf", pdf, f"bao-cao-{locked.period.code}-so-{locked.number:02d}.pdf")
    locked.missing_glyphs = glyphs  # what the issued PDF leaves blank, confirmed
    locked.status = Status.ISSUED
    locked.version += 1
    locked.save()
    # In the issuing transaction; the e-mails go once it commits (the notifications app).
    notifications.tell_issue(locked, actor=actor)
    return locked


@transaction.atomic
def _record_glyphs(report_id: int, glyphs: list[MissingGlyph] | None, version: int) -> None:
    """What issuing found in the final PDF of version `report_id`, kept for its page, unless
    the version changed since it was checked at `version`."""
    report = ConsolidatedReport.objects.select_for_update().get(pk=report_id)
    if report.version == version and report.is_ready:
        report.missing_glyphs = glyphs
        report.version += 1
        report.save(update_fields=["missing_glyphs", "version"])
