"""The figures of a period, computed by the database, and their shape.

Every number here is one aggregate query (COUNT, SUM, GROUP BY); Python only shapes the
results into the JSON kept on the report, so a year of 5,000 activities costs a few dozen
queries whatever its size.

The figures are stored as JSON, and their shape is the contract between the steps that read
them: `PeriodFigures` for the consolidated report (the narrative, the PDF, the XLSX annex,
the page and the export for the Ministry), `AgencyFigures` for an agency's own report. They
are TypedDicts, so what is stored and read back is a plain dictionary, and every key a step
reads is declared here. Dates are text as the documents print them (dd/mm/yyyy), amounts whole
đồng.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django_countries import countries

from activities.exchange.models import Message
from activities.models import Activity, ActivityCountry
from agencies.models import ActivityKind, Agency, Duty, DutyAssignment
from agencies.names import NameBook

from .models import AgencyReport, ReportingPeriod
from .periods import Bounds, expected_agencies, plan_of_period_id, previous_year_period

Status = Activity.Status
COUNTED = (Status.ACCEPTED,)  # what the province's report counts: reviewed and accepted
# The activities an agency's own report lists: submitted and accepted. (Whether an agency's
# report was sent is AgencyReport.SENT_STATUSES.)
LISTED = (Status.SUBMITTED, Status.ACCEPTED)


# ---------------------------------------------------------------------------- the contract


class PeriodInfo(TypedDict):
    code: str  # "2020-H1", "2020"
    kind: str  # ReportingPeriod.Kind
    year: int
    label: str  # "6 tháng đầu năm 2020"
    start: str  # "15/12/2019"
    end: str


class KindCount(TypedDict):
    kind: str  # ActivityKind
    label: str
    count: int


class SectorAid(TypedDict):
    sector: str
    label: str
    amount_vnd: int
    count: int


class DonorAid(TypedDict):
    name: str
    country: str  # the country's name, "" when unknown
    amount_vnd: int
    count: int


class Aid(TypedDict):
    total_vnd: int
    count: int
    by_sector: list[SectorAid]  # largest amount first
    by_donor: list[DonorAid]


class AgencyCount(TypedDict):
    code: str
    name: str  # the agency's short name as it was on the period's last day (or its own last)
    count: int


class CountryCount(TypedDict):
    code: str  # ISO 3166
    name: str
    count: int


class DutyRow(TypedDict):
    ref: str  # "III.3.1"
    heading: str
    count: int
    agencies: list[str]  # short names (as they were) of the agencies that acted on it
    no_activity: bool


class Notable(TypedDict):
    title: str
    agency: str  # its short name as it was (NamesThen)
    kind: str
    start: str
    end: str
    place: str
    outcome: str  # cut to 600 characters
    amount_vnd: int | None


class Quote(TypedDict):
    agency: str  # its short name as it was (NamesThen)
    text: str  # cut to REPORT_QUOTE_MAX_CHARS


class Submissions(TypedDict):
    """The agencies' own reports for the period: N expected (periods.expected_agencies: in
    operation on the period's last day, with duties in its plan), x of them sent."""

    expected: int
    sent: int
    on_time: int
    # The expected agencies that have not sent, by the short name they bore on the period's
    # last day, in directory order (absent from figures drafted before it was kept).
    missing: list[str]


class Delegations(TypedDict):
    inbound: int
    outbound: int


class Participants(TypedDict):
    vietnamese: int
    foreign: int


class Previous(TypedDict):
    """The same period of the year before."""

    year: int
    start: str
    end: str
    total: int
    aid_total_vnd: int
    change_pct: float | None  # None when there was nothing to compare with
    aid_change_pct: float | None


class PeriodFigures(TypedDict):
    """Everything the consolidated report says in numbers (ConsolidatedReport.figures)."""

    period: PeriodInfo
    total: int
    agencies_acting: int
    agencies_in_plan: int
    delegations: Delegations
    participants: Participants
    by_kind: list[KindCount]
    by_agency: list[AgencyCount]
    by_country: list[CountryCount]
    aid: Aid
    duties: list[DutyRow]
    notable: list[Notable]
    difficulties: list[Quote]
    proposals: list[Quote]
    submissions: Submissions
    awaiting_review: int  # submitted in the period, not reviewed yet: not counted
    previous: Previous


class ListedActivity(TypedDict):
    id: int
    title: str
    kind: str  # the kind's label
    start: str
    status: str  # Activity.Status


class DutyRef(TypedDict):
    ref: str
    heading: str


class AgencyFigures(TypedDict):
    """What an agency's report shows in numbers (AgencyReport.figures once sent)."""

    total: int
    accepted: int
    aid_total_vnd: int
    by_kind: list[KindCount]
    activities: list[ListedActivity]  # at most REPORT_AGENCY_LIST_LIMIT
    duties_touched: list[DutyRef]
    duties_untouched: list[DutyRef]


# ---------------------------------------------------------------------------- the queries


def activities_between(start: date, end: date, statuses=COUNTED) -> QuerySet[Activity]:
    """Activities that started within the period (the day the work took place)."""
    return Activity.objects.filter(status__in=statuses, start_date__range=(start, end))


class NamesThen:
    """The short name an agency bore at the end of a period, or on its last day when it
    closed within the period (agencies.names.NameBook: its AgencyName rows, read once in
    one query on first use; an agency never renamed bears its own short name)."""

    def __init__(self, period: ReportingPeriod) -> None:
        self.end = period.end_date
        self.book = NameBook()

    def __call__(self, agency_id: int, short_name: str, closed_on: date | None = None) -> str:
        day = self.end
        if closed_on is not None and closed_on <= day:
            day = closed_on - timedelta(days=1)
        for row in self.book.rows.get(agency_id, ()):
            if row.in_force(day):
                return row.short_name or row.name
        return short_name


def dmy(day: date | None) -> str:
    """A day as the documents print it: dd/mm/yyyy, the project's short date format in both
    of its languages (doingoai/formats)."""
    return date_format(day, "SHORT_DATE_FORMAT") if day else ""


def _by_kind(activities: QuerySet[Activity]) -> list[KindCount]:
    counts = dict(activities.order_by().values_list("kind").annotate(n=Count("pk")))
    return [
        {"kind": kind.value, "label": str(kind.label), "count": counts[kind.value]}
        for kind in ActivityKind
        if counts.get(kind.value)
    ]


def _aid(activities: QuerySet[Activity]) -> Aid:
    aid = activities.filter(kind=ActivityKind.AID_MOBILISATION)
    total = aid.aggregate(
        amount=Coalesce(Sum("committed_vnd"), Decimal(0)),
        count=Count("pk"),
        disbursed_count=Count("pk", filter=Q(disbursed_amount__gt=0)),
    )
    sectors = dict(Activity.Sector.choices)
    by_sector = (
        aid.order_by()
        .values("sector")
        .annotate(amount=Coalesce(Sum("committed_vnd"), Decimal(0)), count=Count("pk"))
        .order_by("-amount", "sector")
    )
    by_donor = (
        aid.exclude(donor=None)
        .order_by()
        .values("donor__name", "donor__country")
        .annotate(amount=Coalesce(Sum("committed_vnd"), Decimal(0)), count=Count("pk"))
        .order_by("-amount", "donor__name")
    )
    return {
        "total_vnd": int(total["amount"]),
        "count": total["count"],
        "by_sector": [
            {
                "sector": row["sector"],
                "label": str(sectors.get(row["sector"], "—")),
                "amount_vnd": int(row["amount"]),
                "count": row["count"],
            }
            for row in by_sector
        ],
        "by_donor": [
            {
                "name": row["donor__name"],
                "country": str(countries.name(row["donor__country"]))
                if row["donor__country"]
                else "",
                "amount_vnd": int(row["amount"]),
                "count": row["count"],
            }
            for row in by_donor
        ],
    }


def _by_agency(activities: QuerySet[Activity], names: NamesThen) -> list[AgencyCount]:
    """Activities by the agency that made them (a closed agency's under its own name)."""
    rows = (
        activities.order_by()
        .values("agency", "agency__code", "agency__short_name", "agency__closed_on")
        .annotate(count=Count("pk"))
        .order_by("-count", "agency__short_name")
    )
    return [
        {
            "code": r["agency__code"],
            "name": names(r["agency"], r["agency__short_name"], r["agency__closed_on"]),
            "count": r["count"],
        }
        for r in rows
    ]


def _by_country(activities: QuerySet[Activity]) -> list[CountryCount]:
    rows = (
        ActivityCountry.objects.filter(activity__in=activities.order_by().values("pk"))
        .values("country")
        .annotate(count=Count("activity", distinct=True))
        .order_by("-count", "country")
    )
    return [
        {
            "code": r["country"],
            "name": str(countries.name(r["country"])),
            "count": r["count"],
        }
        for r in rows
    ]


def _duties(
    activities: QuerySet[Activity], period: ReportingPeriod, names: NamesThen
) -> list[DutyRow]:
    """Each duty of section III of the plan the period follows (periods.plan_of_period_id):
    how many activities, which agencies acted (under the names they bore then)."""
    counts = dict(
        activities.exclude(duty=None).order_by().values_list("duty").annotate(n=Count("pk"))
    )
    acted: dict[int, list[str]] = defaultdict(list)
    pairs = (
        activities.exclude(duty=None)
        .order_by("duty", "agency__short_name")
        .values_list("duty", "agency", "agency__short_name", "agency__closed_on")
        .distinct()
    )
    for duty_id, agency_id, short_name, closed_on in pairs:
        acted[duty_id].append(names(agency_id, short_name, closed_on))
    duties = Duty.objects.filter(
        ref__startswith="III.", plan_id=plan_of_period_id(period)
    ).order_by("position")
    return [
        {
            "ref": duty.ref,
            "heading": duty.heading,
            "count": counts.get(duty.pk, 0),
            "agencies": acted.get(duty.pk, []),
            "no_activity": not counts.get(duty.pk),
        }
        for duty in duties
    ]


def _notable(activities: QuerySet[Activity], names: NamesThen) -> list[Notable]:
    """The activities that weigh most: aid by amount, then the largest by participants."""
    chosen = (
        activities.select_related("agency")
        .annotate(
            people=Coalesce(F("participants_vietnamese"), 0)
            + Coalesce(F("participants_foreign"), 0)
        )
        .order_by(F("committed_vnd").desc(nulls_last=True), "-people", "start_date", "pk")[
            : settings.REPORT_NOTABLE_LIMIT
        ]
    )
    return [
        {
            "title": a.title,
            "agency": names(a.agency_id, a.agency.short_name, a.agency.closed_on),
            "kind": a.get_kind_display(),
            "start": dmy(a.start_date),
            "end": dmy(a.end_date),
            "place": a.place,
            "outcome": a.outcome[:600],
            "amount_vnd": int(a.committed_vnd) if a.committed_vnd else None,
        }
        for a in chosen
    ]


def _from_agencies(
    period: ReportingPeriod, start: date, end: date, names: NamesThen
) -> tuple[list[Quote], list[Quote]]:
    reports = (
        AgencyReport.objects.sent()
        .filter(period=period)
        .select_related("agency")
        .order_by("agency__position", "agency__name")
    )
    difficulties: list[Quote] = [
        {
            "agency": names(r.agency_id, r.agency.short_name, r.agency.closed_on),
            "text": _short(r.difficulties),
        }
        for r in reports
        if r.difficulties.strip()
    ]
    proposals: list[Quote] = [
        {
            "agency": names(r.agency_id, r.agency.short_name, r.agency.closed_on),
            "text": _short(r.proposals),
        }
        for r in reports
        if r.proposals.strip()
    ]
    reported = (
        Message.objects.filter(
            kind=Message.Kind.DIFFICULTY,
            created_at__date__range=(start, end),
            in_reply_to=None,
        )
        .select_related("sender_agency")
        .order_by("created_at")
    )
    for message in reported:
        difficulties.append(
            {
                "agency": names(
                    message.sender_agency_id,
                    message.sender_agency.short_name,
                    message.sender_agency.closed_on,
                ),
                "text": _short(f"{message.subject}: {message.body}"),
            }
        )
    return difficulties, proposals


def _short(text: str) -> str:
    """What an agency wrote, as the province's report quotes it: at most a long paragraph
    (the whole text stays in the agency's report)."""
    return Truncator(" ".join(text.split())).chars(settings.REPORT_QUOTE_MAX_CHARS)


def _submissions(period: ReportingPeriod, names: NamesThen) -> Submissions:
    """x/N: of the N agencies expected for `period` (periods.expected_agencies), x sent
    their report (AgencyReport.SENT_STATUSES), so many by the deadline (local day, as the
    completeness page says), and the names of the others. A report of an agency not
    expected counts nowhere. Two queries."""
    expected = list(
        expected_agencies(period).in_directory_order().values_list("pk", "short_name", "closed_on")
    )
    sent = dict(
        period.agency_reports.sent()
        .filter(agency_id__in=[pk for pk, _name, _closed in expected])
        .values_list("agency_id", "submitted_at")
    )
    on_time = sum(
        1 for at in sent.values() if at is None or timezone.localdate(at) <= period.deadline
    )
    return {
        "expected": len(expected),
        "sent": len(sent),
        "on_time": on_time,
        "missing": [
            names(pk, short_name, closed_on)
            for pk, short_name, closed_on in expected
            if pk not in sent
        ],
    }


def _change(now: int, before: int) -> float | None:
    return round((now - before) * 100 / before, 1) if before else None


def period_figures(period: ReportingPeriod) -> PeriodFigures:
    """Everything the consolidated report says in numbers, as JSON-ready data (in VND)."""
    with translation.override("vi"):
        activities = activities_between(period.start_date, period.end_date)
        before: Bounds = previous_year_period(period)
        earlier = activities_between(before.start, before.end)
        totals = activities.aggregate(
            total=Count("pk"),
            agencies=Count("agency", distinct=True),
            inbound=Count("pk", filter=Q(kind=ActivityKind.INBOUND_DELEGATION)),
            outbound=Count("pk", filter=Q(kind=ActivityKind.OUTBOUND_DELEGATION)),
            vietnamese=Coalesce(Sum("participants_vietnamese"), 0),
            foreign=Coalesce(Sum("participants_foreign"), 0),
        )
        previous = earlier.aggregate(
            total=Count("pk"),
            aid=Coalesce(
                Sum("committed_vnd", filter=Q(kind=ActivityKind.AID_MOBILISATION)),
                Decimal(0),
            ),
        )
        aid = _aid(activities)
        names = NamesThen(period)
        difficulties, proposals = _from_agencies(period, period.start_date, period.end_date, names)
        plan_id = plan_of_period_id(period)
        return {
            "period": {
                "code": period.code,
                "kind": period.kind,
                "year": period.year,
                "label": period.label_vi,
                "start": dmy(period.start_date),
                "end": dmy(period.end_date),
            },
            "total": totals["total"],
            "agencies_acting": totals["agencies"],
            # The agencies the period's plan assigns duties to, whether working or not.
            "agencies_in_plan": Agency.objects.filter(
                pk__in=DutyAssignment.objects.filter(duty__plan_id=plan_id).values("agency")
            ).count(),
            "delegations": {
                "inbound": totals["inbound"],
                "outbound": totals["outbound"],
            },
            "participants": {
                "vietnamese": totals["vietnamese"],
                "foreign": totals["foreign"],
            },
            "by_kind": _by_kind(activities),
            "by_agency": _by_agency(activities, names),
            "by_country": _by_country(activities),
            "aid": aid,
            "duties": _duties(activities, period, names),
            "notable": _notable(activities, names),
            "difficulties": difficulties,
            "proposals": proposals,
            "submissions": _submissions(period, names),
            "awaiting_review": Activity.objects.filter(
                status=Status.SUBMITTED,
                start_date__range=(period.start_date, period.end_date),
            ).count(),
            "previous": {
                "year": period.year - 1,
                "start": dmy(before.start),
                "end": dmy(before.end),
                "total": previous["total"],
                "aid_total_vnd": int(previous["aid"]),
                "change_pct": _change(totals["total"], previous["total"]),
                "aid_change_pct": _change(aid["total_vnd"], int(previous["aid"])),
            },
        }


def agency_figures(period: ReportingPeriod, agency: Agency, statuses=LISTED) -> AgencyFigures:
    """What an agency's own report is pre-filled with: its submitted and accepted activities
    of the period (or only those of `statuses`), its funding mobilised, and which of its
    duties in the plan the period follows (periods.plan_of_period_id) it touched."""
    with translation.override("vi"):
        activities = activities_between(period.start_date, period.end_date, statuses).filter(
            agency=agency
        )
        total = activities.aggregate(
            total=Count("pk"),
            accepted=Count("pk", filter=Q(status=Status.ACCEPTED)),
            aid=Coalesce(
                Sum("committed_vnd", filter=Q(kind=ActivityKind.AID_MOBILISATION)),
                Decimal(0),
            ),
        )
        touched = set(activities.exclude(duty=None).values_list("duty", flat=True))
        duties = (
            Duty.objects.filter(assignments__agency=agency, plan_id=plan_of_period_id(period))
            .distinct()
            .order_by("position")
        )
        listed = activities.order_by("start_date", "pk").values_list(
            "pk", "title", "kind", "start_date", "status"
        )[: settings.REPORT_AGENCY_LIST_LIMIT]
        kinds = dict(ActivityKind.choices)
        return {
            "total": total["total"],
            "accepted": total["accepted"],
            "aid_total_vnd": int(total["aid"]),
            "by_kind": _by_kind(activities),
            "activities": [
                {
                    "id": pk,
                    "title": title,
                    "kind": str(kinds.get(kind, kind)),
                    "start": dmy(start),
                    "status": status,
                }
                for pk, title, kind, start, status in listed
            ],
            "duties_touched": [
                {"ref": d.ref, "heading": d.heading} for d in duties if d.pk in touched
            ],
            "duties_untouched": [
                {"ref": d.ref, "heading": d.heading} for d in duties if d.pk not in touched
            ],
        }
