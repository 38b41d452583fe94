"""The figures of a period, computed by the database.

Every number here is one aggregate query (COUNT, SUM, GROUP BY); Python only shapes the
results into the JSON kept on the report, so a year of 5,000 activities costs a few dozen
queries whatever its size. The figures are plain JSON: the PDF, the page, the XLSX annex and
the export for the Ministry all read the same dictionary.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.text import Truncator
from django_countries import countries

from activities.models import Activity, ActivityCountry, Message
from agencies.models import ActivityKind, Agency, Duty, DutyAssignment

from .models import AgencyReport, ReportingPeriod
from .periods import Bounds, previous_year_period

Status = Activity.Status
COUNTED = (Status.ACCEPTED,)  # what the province's report counts: reviewed and accepted
SENT = (Status.SUBMITTED, Status.ACCEPTED)  # what an agency's own report lists


def activities_between(start: date, end: date, statuses=COUNTED) -> QuerySet[Activity]:
    """Activities that started within the period (the day the work took place)."""
    return Activity.objects.filter(status__in=statuses, start_date__range=(start, end))


def dmy(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _by_kind(activities: QuerySet[Activity]) -> list[dict]:
    counts = dict(activities.order_by().values_list("kind").annotate(n=Count("pk")))
    return [
        {"kind": kind.value, "label": str(kind.label), "count": counts[kind.value]}
        for kind in ActivityKind
        if counts.get(kind.value)
    ]


def _aid(activities: QuerySet[Activity]) -> dict:
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


def _by_agency(activities: QuerySet[Activity]) -> list[dict]:
    rows = (
        activities.order_by()
        .values("agency__code", "agency__short_name")
        .annotate(count=Count("pk"))
        .order_by("-count", "agency__short_name")
    )
    return [
        {"code": r["agency__code"], "name": r["agency__short_name"], "count": r["count"]}
        for r in rows
    ]


def _by_country(activities: QuerySet[Activity]) -> list[dict]:
    rows = (
        ActivityCountry.objects.filter(activity__in=activities.order_by().values("pk"))
        .values("country")
        .annotate(count=Count("activity", distinct=True))
        .order_by("-count", "country")
    )
    return [
        {"code": r["country"], "name": str(countries.name(r["country"])), "count": r["count"]}
        for r in rows
    ]


def _duties(activities: QuerySet[Activity]) -> list[dict]:
    """Each duty of section III of the plan: how many activities, which agencies acted."""
    counts = dict(
        activities.exclude(duty=None).order_by().values_list("duty").annotate(n=Count("pk"))
    )
    acted: dict[int, list[str]] = defaultdict(list)
    pairs = (
        activities.exclude(duty=None)
        .order_by("duty", "agency__short_name")
        .values_list("duty", "agency__short_name")
        .distinct()
    )
    for duty_id, name in pairs:
        acted[duty_id].append(name)
    duties = Duty.objects.filter(ref__startswith="III.").order_by("plan", "position")
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


def _notable(activities: QuerySet[Activity]) -> list[dict]:
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
            "agency": a.agency.short_name,
            "kind": a.get_kind_display(),
            "start": dmy(a.start_date),
            "end": dmy(a.end_date),
            "place": a.place,
            "outcome": a.outcome[:600],
            "amount_vnd": int(a.committed_vnd) if a.committed_vnd else None,
        }
        for a in chosen
    ]


def _from_agencies(period: ReportingPeriod, start: date, end: date) -> tuple[list, list]:
    reports = (
        AgencyReport.objects.filter(period=period, status__in=SENT)
        .select_related("agency")
        .order_by("agency__position", "agency__name")
    )
    difficulties = [
        {"agency": r.agency.short_name, "text": _short(r.difficulties)}
        for r in reports
        if r.difficulties.strip()
    ]
    proposals = [
        {"agency": r.agency.short_name, "text": _short(r.proposals)}
        for r in reports
        if r.proposals.strip()
    ]
    reported = (
        Message.objects.filter(
            kind=Message.Kind.DIFFICULTY, created_at__date__range=(start, end), in_reply_to=None
        )
        .select_related("sender_agency")
        .order_by("created_at")
    )
    for message in reported:
        difficulties.append(
            {
                "agency": message.sender_agency.short_name,
                "text": _short(f"{message.subject}: {message.body}"),
            }
        )
    return difficulties, proposals


def _short(text: str) -> str:
    """What an agency wrote, as the province's report quotes it: at most a long paragraph
    (the whole text stays in the agency's report)."""
    return Truncator(" ".join(text.split())).chars(settings.REPORT_QUOTE_MAX_CHARS)


def _submissions(period: ReportingPeriod) -> dict:
    reports = period.agency_reports.all()
    counts = reports.aggregate(
        expected=Count("pk"),
        sent=Count("pk", filter=Q(status__in=SENT)),
        on_time=Count("pk", filter=Q(status__in=SENT, submitted_at__date__lte=period.deadline)),
    )
    return counts


def _change(now: int, before: int) -> float | None:
    return round((now - before) * 100 / before, 1) if before else None


def period_figures(period: ReportingPeriod) -> dict:
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
                Sum("committed_vnd", filter=Q(kind=ActivityKind.AID_MOBILISATION)), Decimal(0)
            ),
        )
        aid = _aid(activities)
        difficulties, proposals = _from_agencies(period, period.start_date, period.end_date)
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
            "agencies_in_plan": Agency.objects.filter(
                pk__in=DutyAssignment.objects.values("agency")
            ).count(),
            "delegations": {"inbound": totals["inbound"], "outbound": totals["outbound"]},
            "participants": {"vietnamese": totals["vietnamese"], "foreign": totals["foreign"]},
            "by_kind": _by_kind(activities),
            "by_agency": _by_agency(activities),
            "by_country": _by_country(activities),
            "aid": aid,
            "duties": _duties(activities),
            "notable": _notable(activities),
            "difficulties": difficulties,
            "proposals": proposals,
            "submissions": _submissions(period),
            "awaiting_review": Activity.objects.filter(
                status=Status.SUBMITTED, start_date__range=(period.start_date, period.end_date)
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


def agency_figures(period: ReportingPeriod, agency: Agency, statuses=SENT) -> dict:
    """What an agency's own report is pre-filled with: its submitted and accepted activities
    of the period (or only those of `statuses`), its funding mobilised, and which of its
    duties it touched."""
    with translation.override("vi"):
        activities = activities_between(period.start_date, period.end_date, statuses).filter(
            agency=agency
        )
        total = activities.aggregate(
            total=Count("pk"),
            accepted=Count("pk", filter=Q(status=Status.ACCEPTED)),
            aid=Coalesce(
                Sum("committed_vnd", filter=Q(kind=ActivityKind.AID_MOBILISATION)), Decimal(0)
            ),
        )
        touched = set(activities.exclude(duty=None).values_list("duty", flat=True))
        duties = Duty.objects.filter(assignments__agency=agency).order_by("plan", "position")
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
