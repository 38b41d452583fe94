"""The agency scorecard: for one reporting period, how each agency logs its activities, how
often Sở Ngoại vụ sends them back, whether its periodic report came on time, and how many
requests for information it leaves unanswered past their date.

One row per agency expected to report for the period (reports.periods.expected_agencies) and
per agency with activities in it, within the user's scope (monitoring.scope). The figures:

- activities: logged in the period (start date in the period's window), drafts left out;
- first_time: the share, in percent, of those accepted that were accepted at their first
  submission (Activity.return_count 0); None when none was accepted;
- returned: how many times those activities went back to the agency (returns and reopens);
- report: the periodic report of the period, as the completeness table rates it
  (reports.completeness.state_of): on time, late (with the days late), returned, missing, not
  yet due; "" when the agency is not expected for the period;
- late: the median days late of the agency's late reports over the periods whose deadline
  falls in the three years up to the chosen period's deadline (LATE_WINDOW_YEARS); None when
  none was late;
- requests: requests for information to the agency not answered and past their date today
  (MessageRecipient.objects.overdue).

A fixed number of grouped queries whatever the number of agencies and activities
(scorecard()), after the two that read the user's choices (choose()).
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from activities.exchange.models import MessageRecipient
from activities.models import Activity
from agencies.models import Agency
from doingoai.text import fold
from doingoai.xlsx import SheetWriter
from reports.completeness import STATES, dmy, state_of
from reports.models import AgencyReport, ReportingPeriod
from reports.periods import PeriodError, expected_agencies, parse_code

from .params import agency_of
from .scope import Scope

# The median days late looks back over the reports whose deadline falls in these many years
# up to the chosen period's: long enough for a few late reports, short enough that an agency
# that mended its ways is not held to its distant past (plans run five years and more).
LATE_WINDOW_YEARS = 3

# The columns, in the page's order: the key ?sort= names, and the heading.
HEADINGS = {
    "name": _("Agency"),
    "activities": _("Activities logged"),
    "first_time": _("Accepted at first submission (%)"),
    "returned": _("Times returned"),
    "report": _("Periodic report"),
    "late": _("Median days late"),
    "requests": _("Overdue requests"),
}
COLUMNS = tuple(HEADINGS)
DEFAULT_SORT = "name"

# A period code or an agency code is a few characters: a longer one is cut before a notice
# names it, not echoed whole.
INPUT_MAX = 30

# The report's states from best to worst, for sorting by the report column; a late report
# ranks by its days late among the late ones. An agency not expected has no rank: it comes
# last whichever the direction, like a row without a figure in another column.
REPORT_RANK = {"on_time": 0, "pending": 1, "late": 2, "returned": 3, "missing": 4}

# The sheet's format for the share accepted at first submission: a fraction shown as 50%.
PERCENT_FORMAT = "0%"
# The sheet's format for a median days late that falls between two days (21.5): one
# decimal, so that it is not shown rounded to 22 (a whole median keeps the whole format).
HALF_DAY_FORMAT = "#,##0.0"

# The sheet's columns: the page's, with the counts the page shows beside its figures as
# columns of their own (the accepted ones the share is taken over, the late reports the
# median is taken over): the key, the heading and the width in characters.
SHEET_COLUMNS = {
    "name": (HEADINGS["name"], 45),
    "activities": (HEADINGS["activities"], 14),
    "accepted": (_("Activities accepted"), 14),
    "accepted_first_time": (_("Accepted at first submission"), 16),
    "first_time": (HEADINGS["first_time"], 16),
    "returned": (HEADINGS["returned"], 14),
    "report": (HEADINGS["report"], 22),
    "late": (HEADINGS["late"], 16),
    "late_reports": (_("Late reports counted"), 14),
    "requests": (HEADINGS["requests"], 14),
}


@dataclass
class ScorecardRow:
    """One agency's figures for the period (see the module for each)."""

    agency: Agency
    activities: int = 0
    accepted: int = 0
    accepted_first_time: int = 0
    returned: int = 0
    report: str = ""
    days_late: int | None = None
    late: float | None = None
    late_reports: int = 0
    requests: int = 0

    @property
    def name(self) -> str:
        """The agency's short name in the directory today."""
        return self.agency.short_name

    @property
    def first_time(self) -> int | None:
        """Accepted at first submission ÷ accepted, a whole percent; None when none accepted."""
        if not self.accepted:
            return None
        return round(100 * self.accepted_first_time / self.accepted)

    @property
    def report_label(self) -> str:
        """The report's state as the page and the sheet write it ("Late (3 days)")."""
        if not self.report:
            return gettext("Not expected")
        label = str(STATES[self.report][0])
        if self.report == "late" and self.days_late is not None:
            days = ngettext("%(days)d day", "%(days)d days", self.days_late) % {
                "days": self.days_late
            }
            return f"{label} ({days})"
        return label

    @property
    def report_colour(self) -> str:
        """The Bootstrap colour of the report's badge (completeness.STATES)."""
        return STATES[self.report][1] if self.report else "light"

    def sort_value(self, column: str) -> float | None:
        """The row's value in `column` for sorting (None sorts last either way); the name
        column is sorted apart (sort_rows)."""
        if column == "report":
            if not self.report:
                return None
            return REPORT_RANK[self.report] * 10_000 + (self.days_late or 0)
        return getattr(self, column)

    def values(self) -> list[object]:
        """The row's cells in SHEET_COLUMNS order, as the sheet writes them (None: no
        figure; no count of late reports when none was late)."""
        return [
            self.name,
            self.activities,
            self.accepted,
            self.accepted_first_time,
            self.first_time,
            self.returned,
            self.report_label,
            self.late,
            self.late_reports if self.late is not None else None,
            self.requests,
        ]


@dataclass(frozen=True)
class Sort:
    """A ?sort= value: a column of COLUMNS, ascending unless `descending`."""

    column: str = DEFAULT_SORT
    descending: bool = False

    @classmethod
    def parse(cls, value: str | None) -> Sort:
        """'-late' → Sort("late", True); anything not a column → the default (name, A-Z)."""
        value = (value or "").strip()
        descending = value.startswith("-")
        column = value.removeprefix("-")
        return cls(column, descending) if column in COLUMNS else cls()

    @property
    def code(self) -> str:
        """The ?sort= value naming this order ('-late')."""
        return f"-{self.column}" if self.descending else self.column


def sort_rows(rows: Sequence[ScorecardRow], sort: Sort) -> list[ScorecardRow]:
    """`rows` ordered by `sort`, then by agency name (A-Z, Vietnamese letters folded, then the
    code); rows without a figure in the column last, whichever the direction."""
    by_name = sorted(rows, key=lambda r: (fold(r.name), r.name, r.agency.code))
    if sort.column == "name":
        return by_name[::-1] if sort.descending else by_name
    sign = -1 if sort.descending else 1

    def key(row: ScorecardRow) -> tuple[bool, float]:
        value = row.sort_value(sort.column)
        return (value is None, 0 if value is None else sign * value)

    return sorted(by_name, key=key)  # stable: the name order stays within equal values


@dataclass
class Scorecard:
    """The rows of one period, in the order asked for, as of `today` (the day that decides
    "missing" against "not yet due" and which requests are overdue)."""

    period: ReportingPeriod
    rows: list[ScorecardRow]
    today: date


def default_period(periods: Sequence[ReportingPeriod], today: date) -> ReportingPeriod | None:
    """The period the page opens on: the last one that ended before `today` (the latest last
    day), else the earliest one (nothing has ended yet); None when there is none."""
    ended = [p for p in periods if p.end_date < today]
    if ended:
        return max(ended, key=lambda p: (p.end_date, p.kind == ReportingPeriod.Kind.YEAR))
    return min(periods, key=lambda p: p.end_date) if periods else None


def find_period(periods: Sequence[ReportingPeriod], code: str) -> ReportingPeriod:
    """The period of `code` ("2026-H1", "2026") among `periods`. Raises PeriodError (a
    message for the user) for a malformed code or a period that does not exist."""
    kind, year = parse_code(code)
    for period in periods:
        if (period.kind, period.year) == (kind, year):
            return period
    raise PeriodError(gettext("There is no period %(code)s.") % {"code": code.strip()})


@dataclass
class Choice:
    """What the user asked for (?period=, ?agency=, ?sort=), corrected where it could not be
    used, with the notices saying so; `scope` is narrowed to the chosen agency."""

    scope: Scope
    periods: list[ReportingPeriod]
    period: ReportingPeriod | None
    agencies: list[Agency]
    agency: Agency | None
    sort: Sort
    notices: list[str] = field(default_factory=list)

    def offered(self, today: date) -> list[ReportingPeriod]:
        """The periods the page's list offers: those begun by `today`, and the one chosen
        even if ahead, so the list names it. No query."""
        return [p for p in self.periods if p.start_date <= today or p == self.period]

    def query(self, **changes: str) -> str:
        """The query string of this choice with `changes` (e.g. sort="-late")."""
        params = {"period": self.period.code if self.period else "", "sort": self.sort.code}
        if self.agency:
            params["agency"] = self.agency.code
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v})


def choose(scope: Scope, params: Mapping[str, str], today: date) -> Choice:
    """The choice of `params` (a request's GET) within `scope`: the period of ?period= (else
    default_period), the agency of ?agency= among those in scope, with those under it (else
    all of them), the order of ?sort= (else by name). A bad period or agency is named in a
    notice, cut to INPUT_MAX characters. Two queries: every period, the agencies in scope."""
    periods = list(ReportingPeriod.objects.order_by("-end_date", "kind"))
    agencies = scope.agencies()
    choice = Choice(scope, periods, None, agencies, None, Sort.parse(params.get("sort")))
    code = (params.get("period") or "").strip()[:INPUT_MAX]
    if code:
        try:
            choice.period = find_period(periods, code)
        except PeriodError as exc:
            choice.notices.append(f"{exc} " + gettext("Showing the last period that ended."))
    if choice.period is None:
        choice.period = default_period(periods, today)
    wanted = (params.get("agency") or "").strip().upper()[:INPUT_MAX]
    if wanted:
        choice.agency = agency_of(wanted, agencies)
        if choice.agency is None:
            choice.notices.append(
                gettext("No agency %(code)s among those you monitor: showing them all.")
                % {"code": wanted}
            )
        else:
            choice.scope = scope.narrowed_to(choice.agency, agencies)
    return choice


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def scorecard(
    *,
    scope: Scope,
    period: ReportingPeriod,
    periods: Sequence[ReportingPeriod],
    agencies: Sequence[Agency],
    sort: Sort = Sort(),
    today: date | None = None,
) -> Scorecard:
    """The scorecard of `period` for the agencies of `scope` (already narrowed to a chosen
    agency), its rows ordered by `sort`. `periods` are every reporting period (the window of
    the median days late is taken from them) and `agencies` at least every agency in scope
    (the rows' agencies, with their names today), both read by the caller.

    Four queries, each grouped by agency or bounded by the agencies and the window's
    periods, whatever the number of activities: the agencies expected for the period; the
    activities by agency (counts, the sum of return_count); the reports of the window's
    periods; the overdue requests by agency."""
    today = today or timezone.localdate()
    by_id = {agency.pk: agency for agency in agencies}
    rows: dict[int, ScorecardRow] = {}

    def row(agency_id: int) -> ScorecardRow:
        if agency_id not in rows:
            rows[agency_id] = ScorecardRow(by_id[agency_id])
        return rows[agency_id]

    expected = set(
        expected_agencies(period).filter(scope.q("pk")).values_list("pk", flat=True)
    ) & set(by_id)
    for agency_id in expected:
        row(agency_id)

    accepted = Q(status=Activity.Status.ACCEPTED)
    logged = (
        Activity.objects.filter(
            scope.q(), start_date__gte=period.start_date, start_date__lte=period.end_date
        )
        .exclude(status=Activity.Status.DRAFT)
        .order_by()
        .values("agency_id")
        .annotate(
            logged=Count("pk"),
            accepted=Count("pk", filter=accepted),
            first_time=Count("pk", filter=accepted & Q(return_count=0)),
            returned=Sum("return_count"),
        )
    )
    for figures in logged:
        if figures["agency_id"] not in by_id:
            continue
        found = row(figures["agency_id"])
        found.activities = figures["logged"]
        found.accepted = figures["accepted"]
        found.accepted_first_time = figures["first_time"]
        found.returned = figures["returned"] or 0

    window_start = _years_before(period.deadline, LATE_WINDOW_YEARS)
    window = {p.pk: p for p in periods if window_start < p.deadline <= period.deadline} | {
        period.pk: period
    }
    reports = (
        AgencyReport.objects.filter(scope.q(), period_id__in=list(window))
        .order_by()
        .values_list("agency_id", "period_id", "status", "submitted_at")
    )
    days_late: dict[int, list[int]] = {}
    for agency_id, period_id, status, submitted_at in reports:
        if agency_id not in rows:
            continue
        deadline = window[period_id].deadline
        state = state_of(status, submitted_at, window[period_id], today)
        late_by = (timezone.localdate(submitted_at) - deadline).days if state == "late" else None
        if late_by is not None:
            days_late.setdefault(agency_id, []).append(late_by)
        if period_id == period.pk and agency_id in expected:
            rows[agency_id].report = state
            rows[agency_id].days_late = late_by
    for agency_id in expected:
        if not rows[agency_id].report:  # no report row at all: as a draft never written
            rows[agency_id].report = state_of(AgencyReport.Status.DRAFT, None, period, today)
    for agency_id, lateness in days_late.items():
        median = statistics.median(lateness)
        rows[agency_id].late = int(median) if median == int(median) else median
        rows[agency_id].late_reports = len(lateness)

    overdue = (
        MessageRecipient.objects.overdue(today)
        .filter(scope.q())
        .order_by()
        .values("agency_id")
        .annotate(count=Count("pk"))
    )
    for figures in overdue:
        if figures["agency_id"] in rows:
            rows[figures["agency_id"]].requests = figures["count"]

    return Scorecard(period, sort_rows(list(rows.values()), sort), today)


def render_xlsx(card: Scorecard, agency: Agency | None = None) -> bytes:
    """The scorecard as XLSX bytes: a line naming the period, the day (and the chosen
    agency), the headings, then the rows in the page's order, in SHEET_COLUMNS
    (ScorecardRow.values: numbers as number cells, the share accepted at first submission as
    a percent cell, a median between two days with one decimal, no figure as an empty
    cell)."""
    workbook = Workbook(write_only=True)
    sheet = SheetWriter(workbook.create_sheet(gettext("Agency scorecard")[:31]))
    # Set before the first row (a write-only sheet writes its columns first): the names
    # wide enough to read, the title and headings and the names kept in view on scrolling.
    for index, (_heading, width) in enumerate(SHEET_COLUMNS.values(), start=1):
        sheet.sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.sheet.freeze_panes = "B3"
    # The figures change with the day (a report falls missing, a request overdue): a sheet
    # kept or forwarded says which day it shows.
    title = gettext("Agency scorecard, %(period)s, as of %(date)s") % {
        "period": card.period.label,
        "date": dmy(card.today),
    }
    if agency is not None:
        title += f" ({agency.short_name})"
    sheet.append([title], bold=True)
    sheet.append([str(heading) for heading, _width in SHEET_COLUMNS.values()], bold=True)
    columns = list(SHEET_COLUMNS)
    share_column, late_column = columns.index("first_time"), columns.index("late")
    percent = WriteOnlyCell(sheet.sheet)
    percent.number_format = PERCENT_FORMAT
    half_day = WriteOnlyCell(sheet.sheet)
    half_day.number_format = HALF_DAY_FORMAT
    for row in card.rows:
        cells = sheet.cells(row.values())
        if row.first_time is not None:
            # the page's whole percent, as a fraction a spreadsheet shows as 50% and sums
            percent.value = row.first_time / 100
            cells[share_column] = percent
        if row.late is not None and row.late != int(row.late):
            half_day.value = row.late
            cells[late_column] = half_day
        sheet.sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
