"""What needs the signed-in user, by role: the selectors of the home page.

Each block is read by a fixed number of queries whatever the volume of records: a list is
capped at CAP items, and its total comes with the items in the same query (a window count,
`COUNT(*) OVER ()`), so "10 of 2,000" costs what "10 of 12" costs. Each function's docstring
names its queries.

The roles are the user's memberships in force (permissions.navigation_for): a superuser
without a membership acts, reviews and oversees nothing here (the admin is their work), and
one with memberships sees the blocks their memberships give, not every agency's work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When, Window
from django.db.models.expressions import OrderBy
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.exchange.models import Message, MessageRecipient
from activities.models import Activity
from activities.workflow import WORKFLOW as ACTIVITY_WORKFLOW
from agencies import permissions
from agencies.models import Membership, Reorganisation, User
from agencies.names import Lineage
from agencies.permissions import READING, ROLE_ACTIONS, Action, Navigation
from monitoring.scope import Scope, monitoring_scope
from reports.agency_reports import WORKFLOW as REPORT_WORKFLOW
from reports.models import AgencyReport, ConsolidatedReport, ReportingPeriod
from reports.periods import expected_agencies

CAP = 10  # items a block lists; "See all (N)" leads to the full list
TOTAL = "home_total"  # the window count each capped query carries


@dataclass
class Capped:
    """The first CAP `items` of a list, its `total` and the page listing all of them."""

    items: list[Any]
    total: int
    url: str = ""

    @property
    def more(self) -> bool:
        """Whether the list holds more than the block shows."""
        return self.total > len(self.items)


def capped(queryset: QuerySet, url: str = "", cap: int = CAP) -> Capped:
    """The first `cap` rows of `queryset` (ordered by the caller) and how many there are in
    all, in one query (a window count over the whole result, before the limit)."""
    rows = list(queryset.annotate(**{TOTAL: Window(Count("pk"))})[:cap])
    return Capped(rows, getattr(rows[0], TOTAL) if rows else 0, url)


@dataclass(frozen=True)
class Roles:
    """What the user's memberships in force give, for the home page's blocks.

    `acting`: the agencies whose work the user does (Action.ACT, in operation today);
    `submitting`: those whose records they send (Action.SUBMIT); `reviews`: reviewer of Sở
    Ngoại vụ. (Provincial leadership reads the monitoring overview: navigation_for's
    `can_oversee`.)"""

    acting: frozenset[int]
    submitting: frozenset[int]
    reviews: bool


def overview_scope(user: User, nav: Navigation) -> Scope | None:
    """The scope whose monitoring overview is `user`'s home page: a leader who only oversees
    (no agency work, no review) lands on the overview; None for everyone else (they see the
    home page's blocks). No query beyond monitoring_scope's (the user's rights are cached)."""
    if nav.can_oversee and not (nav.can_act or nav.can_review):
        return monitoring_scope(user)
    return None


def roles_for(user: User, nav: Navigation) -> Roles:
    """The user's roles from their memberships in force (`nav.memberships`, read by
    navigation_for) and the role table (permissions.ROLE_ACTIONS), and the agencies from
    permissions.agency_ids (one query, kept for the request). A superuser's rights on every
    agency do not count: only what their memberships give."""
    member_ids = {m.agency_id for m in nav.memberships}
    actions: set[Action] = set()
    for membership in nav.memberships:
        own, province_wide = ROLE_ACTIONS[membership.role]
        if not membership.agency.is_active:
            own, province_wide = tuple(a for a in own if a in READING), ()
        actions.update(own, province_wide)
    ids = permissions.agency_ids(user) if member_ids else {a: frozenset() for a in Action}
    return Roles(
        acting=ids[Action.ACT] & member_ids,
        submitting=ids[Action.SUBMIT] & member_ids,
        reviews=Action.REVIEW in actions,
    )


def deadline_text(days: int) -> str:
    """How far a deadline is, `days` from today (negative: passed), as the page says it."""
    if days > 0:
        return ngettext("%(days)d day left", "%(days)d days left", days) % {"days": days}
    if days == 0:
        return _("due today")
    return ngettext("%(days)d day late", "%(days)d days late", -days) % {"days": -days}


# --- an agency's staff and managers ----------------------------------------------------------


@dataclass
class ReportDue:
    """An agency report the agency still has to write, send or correct."""

    report: AgencyReport
    days_left: int  # to the period's deadline; negative once it has passed
    can_send: bool  # the report's status table offers the user "submit" now

    @property
    def deadline_text(self) -> str:
        return deadline_text(self.days_left)


@dataclass
class AgencyWork:
    returned: Capped  # Activity, returned by Sở Ngoại vụ, oldest return first
    requests: Capped  # MessageRecipient of requests to answer, each with `overdue`
    overdue_requests: int
    reports: Capped  # ReportDue, returned first, then the newest period
    drafts: Capped  # Activity drafts, each with `can_submit`
    difficulties: Capped  # Message of kind difficulty, not resolved first


def agency_work(user: User, roles: Roles, today: date | None = None) -> AgencyWork:
    """The work of the agencies the user acts for (`roles.acting`). Six queries:
    the returned activities, the drafts (each with its agency, and the total), the requests
    waiting for an answer (with the overdue count), the agencies' lineage, the agency reports
    still to send (the agencies' own and their closed predecessors'), the difficulties the
    agencies reported."""
    today = today or timezone.localdate()
    acting = roles.acting
    mine = reverse("activities:mine")
    editable = (
        Activity.objects.editable_by(user).filter(agency_id__in=acting).select_related("agency")
    )
    returned = capped(
        editable.filter(status=Activity.Status.RETURNED).order_by("reviewed_at", "pk"),
        f"{mine}?status={Activity.Status.RETURNED}",
    )
    drafts = capped(
        editable.filter(status=Activity.Status.DRAFT).order_by("-updated_at", "-pk"),
        f"{mine}?status={Activity.Status.DRAFT}",
    )
    for activity in drafts.items:
        activity.can_submit = _offers(ACTIVITY_WORKFLOW, activity, user, "submit")

    late = Q(message__due_date__lt=today)
    waiting = (
        MessageRecipient.objects.unanswered()
        .filter(agency_id__in=acting)
        .select_related("message", "message__sender_agency", "agency")
        .annotate(home_overdue=Window(Count("pk", filter=late)))
        .with_overdue(today)
        .order_by("-overdue", "message__due_date", "pk")
    )
    requests = capped(waiting, reverse("exchange:inbox") + "?kind=request")
    overdue = requests.items[0].home_overdue if requests.items else 0

    # The agencies' own reports, and those still to send of the agencies they took over:
    # a successor sends its closed predecessor's unsent reports (reports.periods.
    # report_actors_ids). One query for the lineage, only when the user acts somewhere.
    lineage = Lineage(on=today) if acting else None
    answering = set(acting)
    for agency_id in acting:
        answering |= lineage.with_predecessors(agency_id)
    reports = capped(
        AgencyReport.objects.filter(
            agency_id__in=answering,
            period__start_date__lte=today,
            status__in=AgencyReport.EDITABLE_STATUSES,
        )
        .select_related("period", "agency")
        .order_by(_first(Q(status=AgencyReport.Status.RETURNED)), "-period__deadline", "pk"),
        reverse("reports:index"),
    )
    reports.items = [
        ReportDue(
            report,
            (report.period.deadline - today).days,
            _offers(REPORT_WORKFLOW, report, user, "submit"),
        )
        for report in reports.items
    ]

    difficulties = capped(
        Message.objects.filter(kind=Message.Kind.DIFFICULTY, sender_agency_id__in=acting)
        .select_related("sender_agency")
        .order_by(
            _first(~Q(difficulty_status=Message.DifficultyStatus.RESOLVED)), "-created_at", "-pk"
        ),
        reverse("exchange:outbox") + f"?kind={Message.Kind.DIFFICULTY}",
    )
    return AgencyWork(returned, requests, overdue, reports, drafts, difficulties)


def _first(condition: Q) -> OrderBy:
    """An ordering that puts the rows meeting `condition` first."""
    return Case(When(condition, then=Value(0)), default=Value(1)).asc()


def _offers(workflow, record, user: User, name: str) -> bool:
    """Whether the record's status table offers `user` the move `name` now (no query)."""
    return any(offer.name == name for offer in workflow.available(record, user))


# --- reviewers of Sở Ngoại vụ ----------------------------------------------------------------


@dataclass
class Waiting:
    """How many submissions of one agency wait for review."""

    agency_id: int
    code: str
    name: str
    activities: int = 0
    reports: int = 0


@dataclass
class ReviewWork:
    activities: Capped  # Activity submitted, oldest first
    reports: Capped  # AgencyReport submitted, oldest first
    per_agency: list[Waiting]  # most waiting first
    overdue_requests: Capped  # Message sent by the user's agencies, each with `late` recipients
    period: ReportingPeriod | None  # the last period that ended
    missing: Capped  # Agency expected for `period` that has not sent its report
    drafts: Capped  # ConsolidatedReport versions not issued, of periods with none issued
    difficulties: Capped  # Message of kind difficulty to the user's agencies, not resolved
    past_deadline: bool = False  # whether `period`'s deadline has passed
    per_agency_total: int = field(default=0)


def last_ended_period(today: date | None = None) -> ReportingPeriod | None:
    """The period that ended last before `today` (one query); None before the first."""
    today = today or timezone.localdate()
    return ReportingPeriod.objects.filter(end_date__lt=today).order_by("-end_date", "pk").first()


def review_work(
    user: User, roles: Roles, period: ReportingPeriod | None, today: date | None = None
) -> ReviewWork:
    """What waits for Sở Ngoại vụ. Nine queries: the activities waiting for review, the
    agency reports waiting, the activities and the reports waiting per agency (two grouped
    counts), the requests the user's agencies sent that are overdue and their late recipients
    (two; the second only when some request is overdue), the agencies that have not sent their
    report for `period` (none without a period that ended: last_ended_period, read by the
    caller), the difficulties reported to the user's agencies and not resolved yet (oldest
    first), the consolidated drafts."""
    today = today or timezone.localdate()
    activities = Activity.objects.reviewable_by(user).filter(status=Activity.Status.SUBMITTED)
    reports = AgencyReport.objects.visible_to(user).filter(
        agency_id__in=permissions.agency_ids(user)[Action.REVIEW],
        status=AgencyReport.Status.SUBMITTED,
    )
    waiting_activities = capped(
        activities.select_related("agency").order_by("submitted_at", "pk"),
        reverse("activities:review"),
    )
    waiting_reports = capped(
        reports.select_related("agency", "period").order_by("submitted_at", "pk"),
        reverse("reports:completeness"),
    )
    per_agency: dict[int, Waiting] = {}
    for queryset, attribute in ((activities, "activities"), (reports, "reports")):
        rows = (
            queryset.order_by()
            .values_list("agency_id", "agency__code", "agency__short_name")
            .annotate(n=Count("pk"))
        )
        for agency_id, code, name, n in rows:
            entry = per_agency.setdefault(agency_id, Waiting(agency_id, code, name))
            setattr(entry, attribute, n)
    ranked = sorted(per_agency.values(), key=lambda w: (-(w.activities + w.reports), w.name))

    late = MessageRecipient.objects.overdue(today)
    overdue = capped(
        Message.objects.filter(
            sender_agency_id__in=roles.acting,
            pk__in=late.filter(message__sender_agency_id__in=roles.acting).values("message_id"),
        )
        .select_related("sender_agency")
        .prefetch_related(
            Prefetch(
                "recipients",
                queryset=late.select_related("agency").order_by("agency__name"),
                to_attr="late",
            )
        )
        .order_by("due_date", "pk"),
        reverse("exchange:outbox") + "?state=waiting",
    )

    missing = Capped([], 0)
    if period is not None:
        sent = AgencyReport.objects.filter(period=period).sent().values("agency_id")
        missing = capped(
            expected_agencies(period).exclude(pk__in=sent).in_directory_order(),
            reverse("reports:completeness") + f"?year={period.year}",
        )

    addressed = MessageRecipient.objects.filter(agency_id__in=roles.acting).values("message_id")
    difficulties = capped(
        Message.objects.filter(kind=Message.Kind.DIFFICULTY, pk__in=addressed)
        .exclude(difficulty_status=Message.DifficultyStatus.RESOLVED)
        .select_related("sender_agency")
        .order_by("created_at", "pk"),
        reverse("exchange:inbox") + f"?kind={Message.Kind.DIFFICULTY}",
    )

    issued_periods = ConsolidatedReport.objects.issued().values("period_id")
    drafts = capped(
        ConsolidatedReport.objects.exclude(status=ConsolidatedReport.Status.ISSUED)
        .exclude(period_id__in=issued_periods)
        .select_related("period")
        .order_by("-created_at", "-pk"),
        reverse("reports:index"),
    )
    return ReviewWork(
        activities=waiting_activities,
        reports=waiting_reports,
        per_agency=ranked[:CAP],
        per_agency_total=len(ranked),
        overdue_requests=overdue,
        period=period,
        missing=missing,
        drafts=drafts,
        difficulties=difficulties,
        past_deadline=period is not None and period.deadline < today,
    )


# --- accounts without work ----------------------------------------------------------------------


def administrators() -> list[User]:
    """The first five active administrators of the portal, by name (one query)."""
    return list(
        User.objects.filter(is_superuser=True, is_active=True).order_by("last_name", "username")[:5]
    )


def ended_memberships_help(ended: list[Membership]) -> dict:
    """For the home page of a user whose memberships all ended: the reorganisation that
    closed each agency (its reason), and whom to ask: the managers in force of the
    successors and the administrators. Four queries (the reorganisations with their
    sources, the managers, the administrators)."""
    closed = {m.agency_id: m.agency.closed_on for m in ended if m.keeps_reading}
    reasons: dict[int, Reorganisation] = {}
    if closed:
        for reorganisation in Reorganisation.objects.filter(
            sources__in=list(closed)
        ).prefetch_related("sources"):
            for source in reorganisation.sources.all():
                if closed.get(source.pk) == reorganisation.effective_on:
                    reasons.setdefault(source.pk, reorganisation)
    for membership in ended:
        membership.reorganisation = reasons.get(membership.agency_id)
    successors = {m.agency.successor_id for m in ended if m.agency.successor_id}
    managers = (
        Membership.objects.in_force()
        .filter(agency_id__in=successors, role=Membership.Role.MANAGER, user__is_active=True)
        .select_related("user", "agency")
        .order_by("agency__name", "user__last_name", "user__username")
    )
    return {
        "ended_help": True,
        "successor_managers": list(managers),
        "administrators": administrators(),
    }
