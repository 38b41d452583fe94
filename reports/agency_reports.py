"""An agency's periodic report: writing it, sending it, reviewing it, reminding the agencies
that have not sent it, and what a reader of it sees. Views, tasks and tests all go through
these functions.

    draft ──submit──▶ submitted ──accept──▶ accepted
      ▲                   │                    │
      └─── returned ◀─────┴──────return────────┘      (returned ──submit──▶ submitted)

The moves are the rows of WORKFLOW: the services enforce it, the report's page offers what it
allows. Staff and managers write while the report is a draft or returned; a manager sends it
once the period is over, with its figures frozen as sent; a reviewer of Sở Ngoại vụ accepts it
or returns it with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TypedDict

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies import permissions
from agencies.models import Agency, User, in_operation_q
from agencies.names import Lineage
from agencies.permissions import Action
from doingoai.history import HistoryRow, history_rows
from doingoai.text import change_reason
from doingoai.workflow import Offer, Transition, Workflow

from . import notifications
from .errors import ReportConflict, ReportError, UnknownAction, clean_text, require_reviewer
from .figures import COUNTED, AgencyFigures, agency_figures
from .models import AgencyReport, ReportingPeriod
from .periods import PeriodError, expected_agencies, parse_code, report_actors_ids

Status = AgencyReport.Status


def _period_not_over(report: AgencyReport) -> str:
    """The guard of "submit": a report is sent with the figures of a whole period."""
    if report.period.is_over():
        return ""
    return _("The period ends on %(date)s: send the report after that day, with its figures.") % {
        "date": date_format(report.period.end_date, "SHORT_DATE_FORMAT")
    }


# `refused` may name the report's agency as %(agency)s (see _move).
WORKFLOW = Workflow(
    Transition(
        name="submit",
        sources=AgencyReport.EDITABLE_STATUSES,
        target=Status.SUBMITTED,
        permission=Action.SUBMIT,
        label=gettext_lazy("Send to Sở Ngoại vụ"),
        refused=gettext_lazy("Only a manager of %(agency)s may send its report."),
        wrong_state=gettext_lazy("This report has already been sent."),
        url_name="reports:agency-report",
        confirm=gettext_lazy(
            "Send the report to Sở Ngoại vụ? It can no longer be changed unless it is returned."
        ),
        guard=_period_not_over,
        done=gettext_lazy("The report was sent to Sở Ngoại vụ."),
    ),
    Transition(
        name="accept",
        sources=(Status.SUBMITTED,),
        target=Status.ACCEPTED,
        permission=Action.REVIEW,
        label=gettext_lazy("Accept"),
        refused=gettext_lazy("You may not review this report."),
        wrong_state=gettext_lazy("Only a submitted report can be accepted."),
        url_name="reports:agency-report-review",
        style="success",
        done=gettext_lazy("The report was accepted."),
    ),
    Transition(
        name="return",
        sources=AgencyReport.SENT_STATUSES,
        target=Status.RETURNED,
        permission=Action.REVIEW,
        label=gettext_lazy("Return"),
        refused=gettext_lazy("You may not review this report."),
        wrong_state=gettext_lazy("Only a submitted or accepted report can be returned."),
        url_name="reports:agency-report-review",
        needs_reason=True,
        reason_label=gettext_lazy("Return to the agency, with the reason"),
        style="warning",
        done=gettext_lazy("The report was returned to its agency."),
    ),
    url_args=lambda report: (report.period.code, report.agency.code),
)

# The moves a reviewer makes from the review panel (the agency sends from its form).
REVIEW_ACTIONS = ("accept", "return")


# --- reading ---------------------------------------------------------------------------


def get_agency_report_for(user: User, period_code: str, agency_code: str) -> AgencyReport:
    """The report of agency `agency_code` for period `period_code` ("2020-H1", "2020") if
    `user` may read it (AgencyReport.objects.visible_to), in one query with its period,
    agency and the people who sent and reviewed it; or, failing that, a closed agency's
    report still to be sent that `user` acts for as a member of its successor
    (acts_for_report; a few more queries, only then). Raises Http404 otherwise, whether it
    exists or not."""
    try:
        kind, year = parse_code(period_code)
    except PeriodError:
        raise Http404 from None
    reports = AgencyReport.objects.select_related(
        "period", "agency", "submitted_by", "reviewed_by"
    ).filter(period__kind=kind, period__year=year, agency__code=agency_code)
    report = reports.visible_to(user).first()
    if report is not None:
        return report
    # The successor answers for its closed predecessor's unsent reports.
    report = reports.filter(
        status__in=AgencyReport.EDITABLE_STATUSES,
        agency__closed_on__lte=timezone.localdate(),
        agency__successor__isnull=False,
    ).first()
    if report is None or not acts_for_report(user, report):
        raise Http404
    return report


# --- who acts for a report -----------------------------------------------------------------


def acts_for_report(user: User, report: AgencyReport, action: Action = Action.ACT) -> bool:
    """Whether a page should let `user` do `action` (Action.ACT: write; Action.SUBMIT: send)
    for `report`: the user does it for one of report_actors_ids (from the user's rights read
    once per request, permissions.shows). The services ask may_act_for_report, fresh."""
    return bool(permissions.agency_ids(user)[action] & report_actors_ids(report))


def may_act_for_report(user: User, report: AgencyReport, action: Action) -> bool:
    """acts_for_report asked fresh from the database (permissions.agencies_for, one query),
    for a service about to change `report` (its row locked)."""
    return permissions.agencies_for(user, action).filter(pk__in=report_actors_ids(report)).exists()


def figures_for_reader(user: User, report: AgencyReport) -> AgencyFigures:
    """The figures a reader of the report is shown: as sent (or live, for a draft) to the
    agency and the reviewers; to leadership, accepted activities only."""
    agency_id = report.agency_id
    if (
        permissions.shows(user, Action.VIEW, agency_id)
        or permissions.shows(user, Action.REVIEW, agency_id)
        or acts_for_report(user, report)
    ):
        return report.figures if report.was_sent else agency_figures(report.period, report.agency)
    return agency_figures(report.period, report.agency, statuses=COUNTED)


def may_write(user: User, report: AgencyReport) -> bool:
    """Whether `user` may change what the agency writes in `report`: a draft or returned
    report they act for (Action.ACT, acts_for_report: its agency's, or its closed agency's
    successor's). From the user's rights read once per request (and, for a closed agency's
    report, who succeeds it): save_agency_report asks again, fresh from the database."""
    return report.is_editable and acts_for_report(user, report, Action.ACT)


class ReportPage(TypedDict):
    """What the report's page shows a reader besides the report itself."""

    figures: AgencyFigures
    may_write: bool  # the form is shown
    send: Offer | None  # the form's send button; None when sending is not possible now
    send_blocked: str  # the guard's reason there is no send button yet (period not over), or ""
    may_send: bool  # the user sends the agency's reports (Action.SUBMIT), now or once allowed
    review_actions: list[Offer]  # the review panel's moves
    history: list[HistoryRow]  # newest first, the last HISTORY_SHOWN changes


HISTORY_SHOWN = 50


def report_page(user: User, report: AgencyReport) -> ReportPage:
    """The page of `report` as `user` reads it (a report fetched by get_agency_report_for).
    Queries: the history with its users, and the figures when they are counted now (a
    draft, or leadership reading accepted activities only)."""
    offers = WORKFLOW.available(report, user)
    records = report.history.select_related("history_user").order_by("-history_date")
    submit = WORKFLOW["submit"]
    may_send = acts_for_report(user, report, submit.permission)
    send = None
    if may_send and report.status in submit.sources and not submit.blocked(report):
        send = Offer(
            submit, reverse(submit.url_name, args=[report.period.code, report.agency.code])
        )
    return {
        "figures": figures_for_reader(user, report),
        "may_write": may_write(user, report),
        "send": send,
        "send_blocked": submit.blocked(report),
        "may_send": may_send,
        "review_actions": [offer for offer in offers if offer.name in REVIEW_ACTIONS],
        "history": history_rows(records[:HISTORY_SHOWN]),
    }


# --- writing and moving ------------------------------------------------------------------


def _lock(report: AgencyReport) -> AgencyReport:
    """The report's row, locked for the change, with its period and agency."""
    locked = AgencyReport.objects.select_for_update().select_related("period", "agency")
    return locked.get(pk=report.pk)


def _check_version(locked: AgencyReport, version: int) -> None:
    """Make sure nobody changed the locked row since the page showed `version`. Called once
    the actor's right is checked: the conflict tells the report's status."""
    if locked.version != version:
        raise ReportConflict(
            _(
                "Someone else changed this report in the meantime (now: %(status)s). "
                "Reload the page to see the current version; nothing was saved."
            )
            % {"status": locked.get_status_display()}
        )


def _move(action: str, *, actor: User, report: AgencyReport, version: int) -> AgencyReport:
    """The row of `report` locked for the move `action` of WORKFLOW by `actor`, as the page
    showed it at `version`: the actor's right first (fresh), so that someone who may not
    make the move learns neither that the report changed nor its status; then the version;
    then the table (WORKFLOW.check: the right again, the status, the guard). Raises
    ReportError with the user's message, ReportConflict for a stale version."""
    locked = _lock(report)
    transition = WORKFLOW[action]
    # Who acts is report_actors_ids' matter: the report's agency, or a closed agency's
    # successor for its unsent report (the reviewers' moves are on the agency itself).
    if not _may_move(actor, transition.permission, locked):
        raise ReportError(str(transition.refused) % {"agency": locked.agency})
    _check_version(locked, version)
    WORKFLOW.check(action, actor=actor, record=locked, error=ReportError, may=_may_move)
    return locked


def _may_move(actor: User, permission: Action, report: AgencyReport) -> bool:
    return may_act_for_report(actor, report, permission)


def _save(report: AgencyReport, actor: User, reason: str) -> AgencyReport:
    report.version += 1
    report._history_user = actor
    report._change_reason = change_reason(reason)
    report.save()
    return report


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
    """Change what the agency writes in a draft or returned report (its `version` as the
    page showed it). Checks the actor's right (fresh) before the version, then the status.
    Raises ReportError when the actor may not write for the agency, the report was sent, or
    a text is too long; ReportConflict when it changed since."""
    locked = _lock(report)
    if not may_act_for_report(actor, locked, Action.ACT):
        raise ReportError(
            _("You may not write the report of %(agency)s.") % {"agency": locked.agency}
        )
    _check_version(locked, version)
    if not locked.is_editable:
        raise ReportError(_("Only a draft or a returned report can be changed."))
    locked.results = clean_text(results, _("Results"))
    locked.difficulties = clean_text(difficulties, _("Difficulties and obstacles"))
    locked.proposals = clean_text(proposals, _("Proposals"))
    return _save(locked, actor, _("Edited"))


@transaction.atomic
def save_and_submit_agency_report(
    *,
    actor: User,
    report: AgencyReport,
    version: int,
    results: str,
    difficulties: str,
    proposals: str,
) -> AgencyReport:
    """Save what the agency wrote (save_agency_report) and send it (submit_agency_report) in
    one transaction, or neither: when sending is refused the text is not saved either, so
    the form shown again still carries a version that works. Raises what those two raise."""
    saved = save_agency_report(
        actor=actor,
        report=report,
        version=version,
        results=results,
        difficulties=difficulties,
        proposals=proposals,
    )
    return submit_agency_report(actor=actor, report=saved, version=saved.version)


@transaction.atomic
def submit_agency_report(*, actor: User, report: AgencyReport, version: int) -> AgencyReport:
    """A manager sends the agency's report to Sở Ngoại vụ (WORKFLOW "submit"); its figures
    are kept as sent. For a closed agency, a manager of its successor sends it
    (report_actors_ids); the history names the successor and records the actor. Raises
    ReportConflict for a stale `version`, ReportError when the table refuses (not a manager,
    already sent, period not over) or the results are empty."""
    locked = _move("submit", actor=actor, report=report, version=version)
    if not locked.results.strip():
        raise ReportError(_("Write the results of the period before sending the report."))
    locked.figures = agency_figures(locked.period, locked.agency)
    locked.status = Status.SUBMITTED
    locked.submitted_at, locked.submitted_by = timezone.now(), actor
    locked.return_reason = ""
    reason = str(Status.SUBMITTED.label)
    successors = report_actors_ids(locked) - {locked.agency_id}
    if successors:
        # The history says who sent it in the closed agency's place (history_user: the actor).
        sender = permissions.agencies_for(actor, Action.SUBMIT).filter(pk__in=successors).first()
        if sender is not None:
            reason = _("Sent by %(successor)s, successor of %(agency)s") % {
                "successor": sender,
                "agency": locked.agency,
            }
    return _save(locked, actor, reason)


@transaction.atomic
def accept_agency_report(*, actor: User, report: AgencyReport, version: int) -> AgencyReport:
    """A reviewer accepts a submitted report (WORKFLOW "accept"); those who act for it are
    notified (notifications.tell_decision). Raises ReportConflict for a stale `version`,
    ReportError when the table refuses."""
    locked = _move("accept", actor=actor, report=report, version=version)
    locked.status = Status.ACCEPTED
    locked.reviewed_at, locked.reviewed_by = timezone.now(), actor
    _save(locked, actor, str(Status.ACCEPTED.label))
    notifications.tell_decision(locked, actor=actor)
    return locked


@transaction.atomic
def return_agency_report(
    *, actor: User, report: AgencyReport, version: int, reason: str
) -> AgencyReport:
    """A reviewer returns a submitted or accepted report to its agency, with the reason
    (WORKFLOW "return"); the agency may then change it and send it again, and those who act
    for it are notified with the reason (notifications.tell_decision). Raises
    ReportConflict for a stale `version`, ReportError when the table refuses or there is no
    reason."""
    locked = _move("return", actor=actor, report=report, version=version)
    # Cleaned (controls, blanks) before the emptiness check: "\x00" alone is no reason.
    reason = clean_text(
        reason,
        _("Reason for return"),
        limit=AgencyReport._meta.get_field("return_reason").max_length,
    )
    if not reason:
        raise ReportError(_("Say why the report is returned: the agency needs to know."))
    locked.status = Status.RETURNED
    locked.return_reason = reason
    locked.reviewed_at, locked.reviewed_by = timezone.now(), actor
    _save(locked, actor, reason)
    notifications.tell_decision(locked, actor=actor)
    return locked


def review_agency_report(
    *, actor: User, report: AgencyReport, version: int, action: str, reason: str = ""
) -> AgencyReport:
    """The review panel's move `action` ("accept" or "return", REVIEW_ACTIONS); see
    accept_agency_report and return_agency_report. Raises UnknownAction (a ReportError) for
    any other action, before anything is read."""
    if action == "accept":
        return accept_agency_report(actor=actor, report=report, version=version)
    if action == "return":
        return return_agency_report(actor=actor, report=report, version=version, reason=reason)
    raise UnknownAction(_("This report cannot be reviewed that way; nothing was changed."))


# --- reminders ---------------------------------------------------------------------------


@transaction.atomic
def remind_agencies(
    *, actor: User | None, period: ReportingPeriod, agency_ids: Iterable[int] | None = None
) -> int:
    """Remind the agencies expected for `period` (periods.expected_agencies) whose report
    is not sent yet (all of them, or those of `agency_ids`) and that were not reminded
    today: a REPORT_DEADLINE notification to those who act for each report
    (notifications.tell_deadline), e-mailed as each chose once the transaction commits, and
    the report stamped `reminded_at`. Only reports someone can still send are reminded:
    those of agencies in operation today, and those of a closed agency (still expected for a
    period that ended before it closed, and counted missing) whose successor, or a successor
    of that one, works today: its members answer for the report (report_actors_ids) and are
    told. A closed agency without a working successor is not reminded: nobody can act
    for it.

    `actor` None is the beat schedule; anyone else must review for Sở Ngoại vụ (else
    ReportError). The reports' rows are locked, so two reminders at the same moment remind
    each agency once. Returns how many agencies are reminded: 0 when none is left to remind.
    Raises ReportError to a reviewer when every agency still to send was already reminded
    today (by the daily job or by hand): another reminder would say nothing new."""
    if actor is not None:
        require_reviewer(actor)
    pending = period.agency_reports.filter(
        status__in=AgencyReport.EDITABLE_STATUSES,
        agency__in=expected_agencies(period).filter(
            in_operation_q() | Q(successor__isnull=False, closed_on__lte=timezone.localdate())
        ),
    )
    if agency_ids is not None:
        pending = pending.filter(agency_id__in=list(agency_ids))
    pending = pending.filter(pk__in=_reachable(pending))
    locked = list(pending.select_for_update().order_by("pk").values_list("pk", "reminded_at"))
    today = timezone.localdate()
    due = [(pk, at) for pk, at in locked if at is None or timezone.localdate(at) != today]
    if not due and locked and actor is not None:
        raise ReportError(
            _("The agencies that have not sent their report were already reminded today.")
        )
    stamp = timezone.now()
    due_ids = [pk for pk, _at in due]
    AgencyReport.objects.filter(pk__in=due_ids).update(reminded_at=stamp)
    # In this transaction: the stamp and the notifications commit together or not at all,
    # and each notification's e-mail is the notifications app's (one task per event: an
    # SMTP failure retries that agency's e-mails, not everyone's).
    for report in AgencyReport.objects.filter(pk__in=due_ids).select_related("period", "agency"):
        notifications.tell_deadline(report, key=notifications.reminder_event(report.pk, stamp))
    return len(due)


def _reachable(pending: QuerySet[AgencyReport]) -> list[int]:
    """The ids of the reports of `pending` (still to be sent, of expected agencies) someone
    can act for today: report_actors_ids holds an agency in operation. Two queries whatever
    the number of reports (the reports with their agencies; every agency, for the lineage)."""
    reports = list(pending.select_related("period", "agency"))
    if not reports:
        return []
    rows = list(
        Agency.objects.only("pk", "successor_id", "parent_id", "closed_on", "established_on")
    )
    lineage = Lineage(rows, on=timezone.localdate())
    expected = {report.agency_id for report in reports}  # pending holds expected agencies only
    return [
        report.pk
        for report in reports
        if any(
            lineage.by_id[pk].is_active
            for pk in report_actors_ids(report, lineage=lineage, expected_ids=expected)
        )
    ]


# The days after a reminder day within which the daily job still makes it up: a week, after
# which a reminder would arrive too late to be the one it was.
MAKE_UP_DAYS = 7


def remind_due_agencies(*, today: date) -> int:
    """The daily reminder: the agencies that have not sent their report, on the latest of
    their reminder days (REPORT_REMIND_DAYS_BEFORE days before the deadline, the day after
    it) on or before `today` that they were not reminded on or after. A day the job did not
    run is made up the next morning (up to the day before the next reminder day, or a week
    after the day after the deadline), and a second run the same day reminds nobody. Returns
    how many agencies."""
    before = timedelta(days=settings.REPORT_REMIND_DAYS_BEFORE)
    # A period's reminder days lie between deadline - before and deadline + 1; one missed
    # is made up within MAKE_UP_DAYS.
    periods = ReportingPeriod.objects.filter(
        deadline__gte=today - timedelta(days=1 + MAKE_UP_DAYS), deadline__lte=today + before
    )
    reminded = 0
    for period in periods:
        day = _reminder_day(period.deadline, today)
        if day is None:
            continue
        not_covered = period.agency_reports.exclude(reminded_at__gte=_start_of(day))
        ids = list(not_covered.values_list("agency_id", flat=True))
        if ids:
            reminded += remind_agencies(actor=None, period=period, agency_ids=ids)
    return reminded


def _reminder_day(deadline: date, today: date) -> date | None:
    """The latest reminder day of a period of `deadline` on or before `today` that is still
    made up (MAKE_UP_DAYS), or None."""
    days = [
        deadline - timedelta(days=settings.REPORT_REMIND_DAYS_BEFORE),
        deadline + timedelta(days=1),
    ]
    past = [day for day in days if day <= today]
    if not past or (today - past[-1]).days > MAKE_UP_DAYS:
        return None
    return past[-1]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
