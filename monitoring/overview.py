"""The overview's figures: a year beside the year before, for the agencies a user monitors.

Everything counts what the monitoring pages count (`Scope.activities()`: the accepted
activities of the agencies in scope), by the day an activity began (`start_date`), as the
province's report does. Each block is one grouped query whatever the volume, so the page
costs the same at a thousand activities and at a hundred thousand:

1. activities per month, both years (GROUP BY the month's first day);
2. activities per kind, both years, with the participants recorded (GROUP BY year, kind):
   the delegations in and out are two of its kinds;
3. partner countries, both years (joined to ActivityCountry, GROUP BY year, country);
4. aid by sector and 5. aid by donor, of the chosen year;
6. the latest issued consolidated reports (only for those who may read them);
and for a user who does not monitor the province, the names of their own agencies for the
heading and the PDF's file name (`whose`, one query).

The years offered are the plan page's (`monitoring.plan.years_offered`): from the first
reporting year to this year.

Amounts are whole đồng. The VND committed is the activity's `committed_vnd`; the VND
disbursed is not stored, so it is derived at the rate the committed amount was converted at
(`disbursed_amount * committed_vnd / committed_amount`), or taken as is when the currency is
VND. An aid activity whose VND cannot be known counts in its row's projects, not in that
amount, and the page says how many there are: no committed VND (`unpriced`), or a disbursed
amount in a foreign currency without a committed amount to take the rate from
(`unconverted`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from activities.models import Activity
from agencies import permissions
from agencies.models import ActivityKind, Agency, User
from agencies.permissions import Action
from reports.models import ConsolidatedReport

from .params import year_in
from .plan import years_offered
from .scope import Scope

# The partners section III of the plan names: always shown, even without an activity.
TRADITIONAL_PARTNERS = ("CU", "LA", "KH", "TH", "RU", "KR", "JP")
TOP_COUNTRIES = 10
TOP_DONORS = 10
LATEST_REPORTS = 5

DELEGATIONS = (ActivityKind.INBOUND_DELEGATION, ActivityKind.OUTBOUND_DELEGATION)


@dataclass(frozen=True)
class Pair:
    """A figure of the chosen year (`now`) beside the year before (`before`)."""

    label: str
    now: int
    before: int
    key: str = ""


@dataclass(frozen=True)
class Delegation:
    """A kind of delegation (inbound or outbound), both years: how many, the participants
    recorded (None when no delegation of the year recorded any), and how many delegations
    recorded them (`recorded_*`: the sums cover those only)."""

    label: str
    kind: str
    now: int
    before: int
    vietnamese_now: int | None
    foreign_now: int | None
    vietnamese_before: int | None
    foreign_before: int | None
    recorded_now: int = 0
    recorded_before: int = 0


@dataclass(frozen=True)
class CountryRow:
    """A partner country's activities, both years (an activity naming several countries
    counts in each of their rows)."""

    code: str  # ISO 3166
    name: str  # in the page's language (django_countries)
    now: int  # activities with this partner country, chosen year
    before: int
    traditional: bool  # one of TRADITIONAL_PARTNERS


@dataclass
class AidRow:
    """Aid projects (aid-mobilisation activities) of one sector or donor, chosen year."""

    label: str
    count: int = 0
    committed_vnd: int = 0
    disbursed_vnd: int = 0
    unpriced: int = 0  # projects of the row with no committed amount in VND
    unconverted: int = 0  # projects whose disbursed amount has no known VND (not summed)
    country: str = ""  # a donor's country name
    not_recorded: bool = False  # the row of projects without a sector (or donor)

    def add(self, other: AidRow) -> None:
        self.count += other.count
        self.committed_vnd += other.committed_vnd
        self.disbursed_vnd += other.disbursed_vnd
        self.unpriced += other.unpriced
        self.unconverted += other.unconverted


@dataclass
class Overview:
    """Everything the overview shows (monitoring:overview and its PDF)."""

    year: int
    previous: int
    scope: Scope
    total: Pair
    months: list[Pair]  # 12, January first
    kinds: list[Pair]  # every kind with an activity in either year, ActivityKind's order
    delegations: list[Delegation]  # inbound, outbound
    countries: list[CountryRow]  # the top TOP_COUNTRIES and the traditional partners
    without_country: Pair  # activities naming no partner country, both years
    aid_total: AidRow
    aid_by_sector: list[AidRow]  # Activity.Sector's order, then "not recorded"
    aid_by_donor: list[AidRow]  # largest commitment first, "other donors", "not recorded"
    reports: list[ConsolidatedReport] | None  # None: the user may not read issued reports


def overview_year(value: str | None, today: date) -> tuple[int, str]:
    """The overview's year asked for in `?year=` and the message for a bad one: (year, "")
    for one of the plan page's years (monitoring.plan.years_offered: from the first reporting
    year, settings.REPORT_FIRST_YEAR, to this year), (this year, message) for anything else
    (not a number, before the plan, after this year); no value at all is this year without a
    message.
    Never raises."""
    if value is None or value == "":
        return today.year, ""
    first = min(years_offered(today))
    year = year_in(value, first, today.year)
    if year is not None:
        return year, ""
    message = _(
        "“%(value)s” is not a year this page shows (%(first)s to %(last)s): showing %(year)s."
    )
    return today.year, message % {
        "value": value[:20],
        "first": first,
        "last": today.year,
        "year": today.year,
    }


@dataclass(frozen=True)
class Whose:
    """Whose figures a scope's overview shows, for its heading and its file's name.

    `agencies` are the user's own agencies in scope as (code, name), by name; `others` how
    many more agencies the scope holds (those under them and those whose work they took
    over). The province's scope has neither."""

    agencies: tuple[tuple[str, str], ...] = ()
    others: int = 0

    @property
    def is_province(self) -> bool:
        return not self.agencies

    @property
    def label(self) -> str:
        """The heading's words: "the whole province", or the agencies' names and how many
        others, e.g. "UBND TP Vũng Tàu and 2 agencies under them or whose work they took
        over" (translated)."""
        if self.is_province:
            return _("the whole province")
        names = ", ".join(name for _code, name in self.agencies)
        if not self.others:
            return names
        return ngettext(
            "%(names)s and %(count)d agency under them or whose work they took over",
            "%(names)s and %(count)d agencies under them or whose work they took over",
            self.others,
        ) % {"names": names, "count": self.others}

    @property
    def slug(self) -> str:
        """The file name's tail: "" for the province, else "-" and the first agency's code
        in lower case ("-vungtau"); codes are capitals, digits and underscores only."""
        if self.is_province:
            return ""
        return "-" + self.agencies[0][0].lower().replace("_", "-")


def whose(scope: Scope, user: User) -> Whose:
    """Whose figures `scope` (the user's, monitoring.scope.get_scope) covers. No query for
    the province; one for the names of the user's own agencies otherwise (their ids come
    from agencies.permissions.agency_ids, read when the scope was)."""
    if scope.is_province:
        return Whose()
    own = set(permissions.agency_ids(user)[Action.VIEW]) & scope.agency_ids
    rows = Agency.objects.filter(pk__in=own).values_list("code", "short_name", "name")
    named = sorted(((code, short or name) for code, short, name in rows), key=lambda r: r[::-1])
    return Whose(tuple(named), len(scope.agency_ids) - len(named))


def build_overview(scope: Scope, user: User, year: int) -> Overview:
    """The figures of `year` beside `year - 1` for the agencies of `scope`, and the latest
    issued reports `user` may read. Six queries at most (see the module's docstring), the
    last only for users who read issued reports (agencies.permissions.reads_issued_reports,
    no query of its own once the user's rights are read)."""
    previous = year - 1
    activities = scope.activities().filter(
        start_date__range=(date(previous, 1, 1), date(year, 12, 31))
    )
    months = _months(activities, year)
    kinds, delegations = _kinds(activities, year)
    aid = activities.filter(kind=ActivityKind.AID_MOBILISATION, start_date__year=year)
    by_sector, total = _aid_by_sector(aid)
    countries, without_country = _countries(activities, year)
    return Overview(
        year=year,
        previous=previous,
        scope=scope,
        total=Pair(_("Activities"), sum(m.now for m in months), sum(m.before for m in months)),
        months=months,
        kinds=kinds,
        delegations=delegations,
        countries=countries,
        without_country=without_country,
        aid_total=total,
        aid_by_sector=by_sector,
        aid_by_donor=_aid_by_donor(aid),
        reports=_latest_reports(user),
    )


def _months(activities: QuerySet[Activity], year: int) -> list[Pair]:
    counts = dict(
        activities.order_by()
        .annotate(month=TruncMonth("start_date"))
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    # TruncMonth of a DateField is a date (a datetime on some backends): read its parts.
    by_month = {(m.year, m.month): n for m, n in counts.items()}
    return [
        Pair(
            _month_name(month),
            by_month.get((year, month), 0),
            by_month.get((year - 1, month), 0),
            key=str(month),
        )
        for month in range(1, 13)
    ]


def _month_name(month: int) -> str:
    return _("Month %(number)d") % {"number": month}


def _kinds(activities: QuerySet[Activity], year: int) -> tuple[list[Pair], list[Delegation]]:
    rows = (
        activities.order_by()
        .annotate(year=ExtractYear("start_date"))
        .values_list("year", "kind")
        .annotate(
            n=Count("pk"),
            vietnamese=Sum("participants_vietnamese"),
            foreign=Sum("participants_foreign"),
            recorded=Count(
                "pk",
                filter=Q(participants_vietnamese__isnull=False)
                | Q(participants_foreign__isnull=False),
            ),
        )
    )
    found = {(y, kind): rest for y, kind, *rest in rows}
    nothing = (0, None, None, 0)
    kinds = [
        Pair(str(kind.label), found.get((year, kind), nothing)[0],
             found.get((year - 1, kind), nothing)[0], key=kind.value)
        for kind in ActivityKind
        if (year, kind) in found or (year - 1, kind) in found
    ]  # fmt: skip
    delegations = []
    for kind in DELEGATIONS:
        now, before = found.get((year, kind), nothing), found.get((year - 1, kind), nothing)
        delegations.append(
            Delegation(
                str(kind.label), kind.value, now[0], before[0], *now[1:3], *before[1:3],
                recorded_now=now[3], recorded_before=before[3],
            )
        )  # fmt: skip
    return kinds, delegations


def _countries(activities: QuerySet[Activity], year: int) -> tuple[list[CountryRow], Pair]:
    # Joined from the activities (an activity without a country makes a row of None): an
    # activity names a country once (ActivityCountry's unique pair), so COUNT is activities,
    # and one naming three countries counts once in each of their rows.
    rows = (
        activities.order_by()
        .annotate(year=ExtractYear("start_date"))
        .values_list("year", "countries__country")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, list[int]] = {}
    none = [0, 0]
    for y, code, n in rows:
        (counts.setdefault(code, [0, 0]) if code else none)[0 if y == year else 1] += n
    ranked = sorted(
        (code for code, (now, _before) in counts.items() if now),
        key=lambda code: (-counts[code][0], code),
    )
    shown = [*ranked[:TOP_COUNTRIES]]
    shown += [code for code in TRADITIONAL_PARTNERS if code not in shown]
    table = [
        CountryRow(
            code,
            str(countries.name(code)),
            *counts.get(code, (0, 0)),
            traditional=code in TRADITIONAL_PARTNERS,
        )
        for code in shown
    ]
    table.sort(key=lambda row: (-row.now, -row.before, row.name))
    return table, Pair(_("No partner country recorded"), *none)


def _disbursed_vnd() -> Case:
    """The VND disbursed of an aid activity: its disbursed amount when in VND, otherwise
    converted at the rate its committed amount was (None when that cannot be known)."""
    money = DecimalField(max_digits=30, decimal_places=2)
    return Case(
        When(currency="VND", then=F("disbursed_amount")),
        When(
            committed_amount__gt=0,
            committed_vnd__isnull=False,
            then=F("disbursed_amount") * F("committed_vnd") / F("committed_amount"),
        ),
        default=None,
        output_field=money,
    )


# A disbursed amount _disbursed_vnd() cannot convert (its default branch).
_UNCONVERTED = (
    Q(disbursed_amount__isnull=False)
    & ~Q(currency="VND")
    & ~Q(committed_amount__gt=0, committed_vnd__isnull=False)
)


def _aid_sums() -> dict:
    money = DecimalField(max_digits=30, decimal_places=2)
    return {
        "n": Count("pk"),
        "committed": Coalesce(Sum("committed_vnd"), Decimal(0), output_field=money),
        "disbursed": Coalesce(Sum(_disbursed_vnd()), Decimal(0), output_field=money),
        "unpriced": Count("pk", filter=Q(committed_vnd__isnull=True)),
        "unconverted": Count("pk", filter=_UNCONVERTED),
    }


def _aid_row(label: str, row: dict, **extra) -> AidRow:
    return AidRow(
        label,
        count=row["n"],
        committed_vnd=int(row["committed"].quantize(Decimal(1))),
        disbursed_vnd=int(row["disbursed"].quantize(Decimal(1))),
        unpriced=row["unpriced"],
        unconverted=row["unconverted"],
        **extra,
    )


def _aid_by_sector(aid: QuerySet[Activity]) -> tuple[list[AidRow], AidRow]:
    rows = {row["sector"]: row for row in aid.order_by().values("sector").annotate(**_aid_sums())}
    table = [
        _aid_row(str(sector.label), rows[sector.value])
        for sector in Activity.Sector
        if sector.value in rows
    ]
    if "" in rows:
        table.append(_aid_row(_("Sector not recorded"), rows[""], not_recorded=True))
    total = AidRow(_("Total"))
    for row in table:
        total.add(row)
    return table, total


def _aid_by_donor(aid: QuerySet[Activity]) -> list[AidRow]:
    rows = list(
        aid.order_by()
        .values("donor", "donor__name", "donor__country")
        .annotate(**_aid_sums())
        .order_by("-committed", "donor__name")
    )
    named = [row for row in rows if row["donor"] is not None]
    table = [
        _aid_row(
            row["donor__name"],
            row,
            country=str(countries.name(row["donor__country"])) if row["donor__country"] else "",
        )
        for row in named[:TOP_DONORS]
    ]
    if len(named) > TOP_DONORS:
        others = AidRow(_("Other donors (%(count)d)") % {"count": len(named) - TOP_DONORS})
        for row in named[TOP_DONORS:]:
            others.add(_aid_row("", row))
        table.append(others)
    for row in rows:
        if row["donor"] is None:
            table.append(_aid_row(_("Donor not recorded"), row, not_recorded=True))
    return table


def _latest_reports(user: User) -> list[ConsolidatedReport] | None:
    if not permissions.reads_issued_reports(user):
        return None
    return list(
        ConsolidatedReport.objects.visible_to(user)
        .issued()
        .select_related("period")
        .defer("figures")
        .order_by("-issued_on", "-pk")[:LATEST_REPORTS]
    )
