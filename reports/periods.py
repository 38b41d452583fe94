"""Reporting periods: their dates, their codes, and creating them (never by hand).

Decree 09/2019/NĐ-CP closes the figures of a report on the 14th of the closing month: the
six-month report covers 15/12 of the previous year to 14/6, the year report 15/12 of the
previous year to 14/12. Setting REPORT_PERIOD_SCHEME = "calendar" uses calendar halves
(1/1 to 30/6 and 1/1 to 31/12) instead. A period's dates are written on its row when it is created;
changing the setting later does not move existing periods.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency

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
    dates, and the agencies' draft reports for them. Existing periods are left as they are."""
    created = []
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
            # past ones it could not have reported on.
            if was_created or period.deadline >= timezone.localdate():
                ensure_agency_reports(period)
    return created


def started_periods(today: date | None = None) -> QuerySet[ReportingPeriod]:
    """The periods that have begun (the pages list no period to come), newest first."""
    return ReportingPeriod.objects.filter(start_date__lte=today or timezone.localdate())


def ensure_current_periods(today: date | None = None) -> list[ReportingPeriod]:
    """The periods of this year and the next (the beat schedule runs this daily)."""
    year = (today or timezone.localdate()).year
    return ensure_periods([year, year + 1])


def reporting_agencies():
    """Every working agency that has duties in the plan reports every period."""
    return Agency.objects.active().filter(assignments__isnull=False).distinct()


def ensure_agency_reports(period: ReportingPeriod) -> int:
    """A draft report for every reporting agency that has none for the period."""
    have = set(period.agency_reports.values_list("agency_id", flat=True))
    missing = [
        AgencyReport(period=period, agency_id=pk)
        for pk in reporting_agencies().values_list("pk", flat=True)
        if pk not in have
    ]
    AgencyReport.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def previous_year_period(period: ReportingPeriod) -> Bounds:
    """The same period of the previous year: its row's dates if it exists, else the default."""
    row = ReportingPeriod.objects.filter(kind=period.kind, year=period.year - 1).first()
    if row:
        return Bounds(row.start_date, row.end_date, row.deadline)
    return bounds(period.kind, period.year - 1)
