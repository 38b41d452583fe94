"""Reporting periods: their dates, their codes, and creating them (never by hand).

Decree 09/2019/NĐ-CP closes the figures of a report on the 14th of the closing month: the
six-month report covers 15/12 of the previous year to 14/6, the year report 15/12 of the
previous year to 14/12. Setting REPORT_PERIOD_SCHEME = "calendar" uses calendar halves
(1/1 to 30/6 and 1/1 to 31/12) instead. A period's dates are written on its row when it is created;
changing the setting later does not move existing periods.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, DutyAssignment, Plan, in_operation_q
from agencies.names import Lineage
from agencies.plans import plan_for_period, plan_in_force_id

from .models import AgencyReport, ReportingPeriod

Kind = ReportingPeriod.Kind
SCHEMES = ("decree09", "calendar")
# ASCII: \d alone also takes other scripts' digits (fullwidth 2020 would name 2020 too).
CODE_RE = re.compile(r"^(?P<year>\d{4})(?:-(?P<half>H1))?$", re.IGNORECASE | re.ASCII)


class PeriodError(ValueError):
    """A period code or year that cannot be used; the message is for the user."""


@dataclass(frozen=True)
class Bounds:
    start: date
    end: date
    deadline: date


def bounds(kind: str, year: int, scheme: str | None = None) -> Bounds:
    scheme = scheme or settings.REPORT_PERIOD_SCHEME
    if scheme == "decree09":
        start = date(year - 1, 12, 15)
        end = date(year, 6, 14) if kind == Kind.HALF_YEAR else date(year, 12, 14)
    elif scheme == "calendar":
        start = date(year, 1, 1)
        end = date(year, 6, 30) if kind == Kind.HALF_YEAR else date(year, 12, 31)
    else:
        raise PeriodError(_("Unknown period scheme %(scheme)s.") % {"scheme": scheme})
    # At least a day: agencies send once the period has ended.
    return Bounds(start, end, end + timedelta(days=max(1, settings.REPORT_DEADLINE_DAYS)))


def parse_code(code: str) -> tuple[str, int]:
    """'2020-H1' → (half, 2020); '2020' → (year, 2020)."""
    match = CODE_RE.match(code.strip())
    if not match:
        raise PeriodError(
            _("“%(code)s” is not a period: write 2020-H1 for six months or 2020 for a year.")
            % {"code": code}
        )
    return (Kind.HALF_YEAR if match["half"] else Kind.YEAR), int(match["year"])


def get_period(code: str) -> ReportingPeriod:
    kind, year = parse_code(code)
    try:
        return ReportingPeriod.objects.get(kind=kind, year=year)
    except ReportingPeriod.DoesNotExist:
        raise PeriodError(
            _(
                "The period %(code)s does not exist yet: create it with "
                "`python manage.py create_periods --from %(year)s`."
            )
            % {"code": code, "year": year}
        ) from None


def first_year() -> int:
    """The plan was issued in 2019; its first full reporting year is 2020."""
    return settings.REPORT_FIRST_YEAR


@transaction.atomic
def ensure_periods(years: Iterable[int]) -> list[ReportingPeriod]:
    """Create the six-month and year periods of `years` that do not exist, with the default
    dates, and the draft reports of the agencies expected for them (sync_agency_reports, for
    the periods created and those whose deadline has not passed). Existing periods keep
    their dates. Raises PeriodError for a year outside 2000-2100 (nothing is created)."""
    created = []
    to_sync = []
    for year in sorted(set(years)):
        if not 2000 <= year <= 2100:
            raise PeriodError(_("%(year)s is not a reporting year.") % {"year": year})
        for kind in (Kind.HALF_YEAR, Kind.YEAR):
            b = bounds(kind, year)
            period, was_created = ReportingPeriod.objects.get_or_create(
                kind=kind,
                year=year,
                defaults={"start_date": b.start, "end_date": b.end, "deadline": b.deadline},
            )
            if was_created:
                created.append(period)
            # An agency that joins later reports from the periods still open, not for the
            # past ones it could not have reported on; one that closed or will close before
            # an open period ends loses that period's untouched draft.
            if was_created or period.deadline >= timezone.localdate():
                to_sync.append(period)
    sync_agency_reports(to_sync)
    return created


def started_periods(today: date | None = None) -> QuerySet[ReportingPeriod]:
    """The periods that have begun (the pages list no period to come), newest first."""
    return ReportingPeriod.objects.filter(start_date__lte=today or timezone.localdate())


def ensure_current_periods(today: date | None = None) -> list[ReportingPeriod]:
    """The periods of this year and the next, and the drafts of the agencies expected for
    the open ones (the beat schedule runs this daily: an agency whose operation begins on a
    later day gets its drafts once it is expected)."""
    year = (today or timezone.localdate()).year
    return ensure_periods([year, year + 1])


def plan_of_period_id(period: ReportingPeriod) -> Coalesce:
    """The id of the plan `period` follows, as an expression to filter by (no query of its
    own): the plan in force on its last day (agencies.plans.plan_for_period: the latest that
    began by then), or, for a period that ended before the first recorded plan began, that
    first plan (the portal keeps no earlier one)."""
    first = Plan.objects.order_by("valid_from", "pk").values("pk")[:1]
    return Coalesce(Subquery(plan_in_force_id(period.end_date)), Subquery(first))


def plan_of_period(period: ReportingPeriod) -> Plan | None:
    """The plan `period` follows (see plan_of_period_id); None when no plan is recorded. One
    to three queries."""
    return plan_for_period(period.start_date, period.end_date) or (
        Plan.objects.order_by("valid_from", "pk").first()
    )


def expected_agencies(period: ReportingPeriod) -> QuerySet[Agency]:
    """The agencies expected to send a periodic report for `period` (issue 11, "who is
    expected to report"): those in operation on the period's last day (Agency.established_on
    on or before it, closed_on after it; see agencies.models.in_operation_q) that are assigned
    a duty (lead or support) of the plan the period follows (plan_of_period_id). An agency
    closed on 1/7/2025 is expected for 2025-H1 (ending 14/6/2025) but not for the year 2025;
    a ward established on 1/7/2025 is expected for the year 2025 (ending 14/12/2025) on.

    A queryset, not evaluated (one query when it is); usable as a sub-query."""
    assigned = DutyAssignment.objects.filter(duty__plan_id=plan_of_period_id(period))
    return Agency.objects.filter(
        in_operation_q(period.end_date), pk__in=assigned.values("agency_id")
    )


def expected_by_period(periods: Iterable[ReportingPeriod]) -> dict[int, set[int]]:
    """For each of `periods`, by its id, the ids of the agencies expected for it: the same
    rule as expected_agencies, for many periods at once in two queries whatever the number
    of periods and agencies (the plans; the assignments with their agency's dates)."""
    periods = list(periods)
    plans = list(Plan.objects.order_by("valid_from", "pk").values_list("pk", "valid_from"))
    plan_of: dict[int, int | None] = {}
    for period in periods:
        began = [pk for pk, valid_from in plans if valid_from <= period.end_date]
        # plan_in_force: the latest that began by the last day (the last of equal dates as
        # ordered by the database is not defined; plans do not begin on the same day).
        plan_of[period.pk] = began[-1] if began else (plans[0][0] if plans else None)
    wanted = {pk for pk in plan_of.values() if pk is not None}
    pairs = (
        DutyAssignment.objects.filter(duty__plan_id__in=wanted)
        .order_by()
        .values_list("agency_id", "duty__plan_id", "agency__established_on", "agency__closed_on")
        .distinct()
        if wanted
        else []
    )
    expected: dict[int, set[int]] = {period.pk: set() for period in periods}
    for agency_id, plan_id, established_on, closed_on in pairs:
        for period in periods:
            end = period.end_date
            if (
                plan_of[period.pk] == plan_id
                and (established_on is None or established_on <= end)
                and (closed_on is None or closed_on > end)
            ):
                expected[period.pk].add(agency_id)
    return expected


def ensure_agency_reports(period: ReportingPeriod) -> int:
    """A draft report for every agency expected for `period` (expected_agencies) that has
    none. Never removes a report (sync_agency_reports does, for untouched drafts). Returns
    how many drafts were created. Two queries and one insert."""
    have = set(period.agency_reports.values_list("agency_id", flat=True))
    missing = [
        AgencyReport(period=period, agency_id=pk)
        for pk in expected_agencies(period).values_list("pk", flat=True)
        if pk not in have
    ]
    AgencyReport.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


@dataclass
class SyncResult:
    """What sync_agency_reports changed: (agency code, period code) pairs, e.g.
    ("PHUONG_MOI", "2026-H1"), sorted."""

    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)


def untouched_drafts() -> QuerySet[AgencyReport]:
    """Agency reports nobody has worked on: drafts with no text, never saved, sent, reviewed
    or returned by a user (version 1, no history row made by a user). Those are the only
    reports sync_agency_reports may delete; anything a user wrote is kept."""
    by_a_user = AgencyReport.history.filter(history_user__isnull=False).values("id")
    return AgencyReport.objects.filter(
        status=AgencyReport.Status.DRAFT,
        results="",
        difficulties="",
        proposals="",
        return_reason="",
        version=1,
        submitted_at__isnull=True,
        submitted_by__isnull=True,
        reviewed_at__isnull=True,
        reviewed_by__isnull=True,
    ).exclude(pk__in=by_a_user)


@transaction.atomic
def sync_agency_reports(periods: Iterable[ReportingPeriod] | None = None) -> SyncResult:
    """Bring the agencies' reports of `periods` (by default every period whose deadline is
    today or later) in line with who is expected (expected_agencies): a draft for each
    expected agency that has no report, and the untouched drafts (untouched_drafts) of
    agencies no longer expected deleted. A report a user has written, sent or that was
    reviewed stays, expected or not (the completeness page and the figures count only the
    expected agencies).

    Called after each reorganisation (agencies.reorganisation, in its transaction) and by
    ensure_periods (so the daily ensure_current_periods gives an agency scheduled to begin
    later its drafts). Returns a SyncResult. A few queries per period."""
    if periods is None:
        periods = ReportingPeriod.objects.filter(deadline__gte=timezone.localdate())
    result = SyncResult()
    for period in periods:
        expected = dict(expected_agencies(period).values_list("pk", "code"))
        have = set(period.agency_reports.values_list("agency_id", flat=True))
        missing = [pk for pk in expected if pk not in have]
        AgencyReport.objects.bulk_create(
            [AgencyReport(period=period, agency_id=pk) for pk in missing], ignore_conflicts=True
        )
        result.added += [(expected[pk], period.code) for pk in missing]
        stale = untouched_drafts().filter(period=period).exclude(agency_id__in=list(expected))
        gone = list(stale.values_list("pk", "agency__code"))
        if gone:
            # Checked again as it is deleted: a draft someone began meanwhile stays.
            stale.filter(pk__in=[pk for pk, _code in gone]).delete()
            kept = set(
                AgencyReport.objects.filter(pk__in=[pk for pk, _code in gone]).values_list(
                    "pk", flat=True
                )
            )
            result.removed += [(code, period.code) for pk, code in gone if pk not in kept]
    result.added.sort()
    result.removed.sort()
    return result


def previous_year_period(period: ReportingPeriod) -> Bounds:
    """The same period of the previous year: its row's dates if it exists, else the default."""
    row = ReportingPeriod.objects.filter(kind=period.kind, year=period.year - 1).first()
    if row:
        return Bounds(row.start_date, row.end_date, row.deadline)
    return bounds(period.kind, period.year - 1)


def report_actors_ids(
    report: AgencyReport,
    *,
    lineage: Lineage | None = None,
    expected_ids: Collection[int] | None = None,
) -> frozenset[int]:
    """The ids of the agencies whose members act for `report` (write it, Action.ACT; send
    it, Action.SUBMIT): its own agency, and, once that agency has closed (closed_on on or
    before today) while the report is still to be sent (a draft or returned) for a period in
    which the agency is expected (periods.expected_agencies), its successor, that one's
    successor and so on (agencies.names.Lineage): the successor answers for its closed
    predecessor's unsent periodic reports (issue 11). Whether a member acts today is still
    permissions' matter: nobody writes for an agency not in operation, so the former staff
    of the closed agency do not.

    `lineage` (built for today) and `expected_ids` (the agencies expected for the report's
    period) may be given to answer for many reports without a query per report; otherwise
    one query each, and only for a closed agency's report. Kept on the report object."""
    cached = getattr(report, "_actors_ids", None)
    if cached is not None:
        return cached
    agency = report.agency
    ids = {agency.pk}
    today = timezone.localdate()
    if (
        agency.successor_id is not None
        and agency.closed_on is not None
        and agency.closed_on <= today
        and report.is_editable
    ):
        if expected_ids is None:
            expected = expected_agencies(report.period).filter(pk=agency.pk).exists()
        else:
            expected = agency.pk in expected_ids
        if expected:
            lineage = lineage or Lineage(on=today)
            here = agency.pk
            while (nxt := lineage.successor.get(here)) is not None and nxt not in ids:
                ids.add(nxt)
                here = nxt
    result = frozenset(ids)
    report._actors_ids = result
    return result
