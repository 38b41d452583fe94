"""Who sent their periodic report: agencies by periods, with the rates Sở Ngoại vụ follows.

Only the agencies expected for a period (reports.periods.expected_agencies: in operation on
its last day, with a duty in its plan) count for it: in its rate, its "x/N", its reminders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, AgencyName
from agencies.names import Lineage, NameBook

from .models import AgencyReport, ReportingPeriod
from .periods import expected_by_period

Status = AgencyReport.Status


def dmy(day: date) -> str:
    """`day` as the pages print it (dd/mm/yyyy, the short date format)."""
    return date_format(day, "SHORT_DATE_FORMAT")


# state: (label, Bootstrap colour)
STATES = {
    "on_time": (_("On time"), "success"),
    "late": (_("Late"), "warning"),
    "missing": (_("Missing"), "danger"),
    "returned": (_("Returned"), "secondary"),
    "pending": (_("Not yet due"), "light"),
}


@dataclass
class Cell:
    period: ReportingPeriod
    report_id: int | None = None
    status: str = ""  # the report's AgencyReport.Status
    state: str = ""  # "" when the agency is not expected for the period
    accepted: bool = False
    due: bool = False  # the period's deadline has passed
    why_not: str = ""  # why the agency is not expected ("Not yet established", …)
    remindable: bool = False  # expected, not sent, and the agency (or its successor) works today

    @property
    def label(self):
        return STATES[self.state][0] if self.state else "—"

    @property
    def colour(self) -> str:
        return STATES[self.state][1] if self.state else ""

    @property
    def expected(self) -> bool:
        return bool(self.state)

    @property
    def sent(self) -> bool:
        return self.state in ("on_time", "late")

    @property
    def opens(self) -> bool:
        """Whether a reviewer can open the report (AgencyReport.objects.visible_to)."""
        return self.status in AgencyReport.REVIEWER_VISIBLE_STATUSES


@dataclass
class Row:
    agency: Agency
    cells: list[Cell] = field(default_factory=list)
    name: str = ""  # its short name as it was on the last day of the last period it is expected
    current: Agency | None = None  # grouped by today's agency: the agency carrying its work
    # grouped by today's agency: a closed agency listed under `current`
    under_current: bool = False

    @property
    def rate(self) -> int | None:
        return _rate(self.cells)


def _rate(cells: Sequence[Cell]) -> int | None:
    # Only periods whose deadline has passed: before it, an early report would make 100%
    # and a returned one 0%, while the drafts still have time.
    due = [c for c in cells if c.expected and c.due]
    return round(100 * sum(c.sent for c in due) / len(due)) if due else None


def state_of(status: str, submitted_at, period: ReportingPeriod, today: date) -> str:
    if status in AgencyReport.SENT_STATUSES:
        sent_on = timezone.localdate(submitted_at) if submitted_at else today
        return "on_time" if sent_on <= period.deadline else "late"
    if status == Status.RETURNED:
        return "returned"
    return "pending" if today <= period.deadline else "missing"


def why_not_expected(agency: Agency, period: ReportingPeriod) -> str:
    """Why `agency` is not expected to report for `period`, for a cell's title: not yet in
    operation on its last day, closed by then, or without a duty in the period's plan."""
    end = period.end_date
    if agency.established_on is not None and agency.established_on > end:
        return gettext("Not yet established (in operation from %(date)s)") % {
            "date": dmy(agency.established_on)
        }
    if agency.closed_on is not None and agency.closed_on <= end:
        return gettext("No longer in operation since %(date)s") % {"date": dmy(agency.closed_on)}
    return gettext("No duty in the plan of this period")


@dataclass
class Matrix:
    periods: list[ReportingPeriod]
    rows: list[Row]

    def period_rates(self) -> list[dict]:
        """For each period: its rate, and how many expected agencies have sent, are missing,
        still have time, and can be reminded (not sent, in operation today)."""
        columns = []
        for index, period in enumerate(self.periods):
            cells = [row.cells[index] for row in self.rows]
            columns.append(
                {
                    "period": period,
                    "rate": _rate(cells),
                    "expected": sum(c.expected for c in cells),
                    "sent": sum(c.sent for c in cells),
                    "missing": sum(c.state == "missing" for c in cells),
                    "pending": sum(c.state in ("pending", "returned") for c in cells),
                    "remindable": sum(c.remindable for c in cells),
                }
            )
        return columns


def matrix(
    periods: Sequence[ReportingPeriod], today: date | None = None, *, by_current: bool = False
) -> Matrix:
    """Who sent their report for `periods`: a row for each agency expected for at least one
    of them (periods.expected_agencies), in directory order, a cell for each period. A cell
    of a period the agency is not expected for is empty (state "", with `why_not`) and
    counts nowhere: not missing, not in the rates, not reminded. A row bears the agency's
    short name as it was on the last day of the last period it is expected for.

    `by_current` groups the rows by today's agency: a closed agency's row follows the row of
    the agency carrying its work today (agencies.names.Lineage), marked `under_current`.

    A fixed number of queries whatever the number of agencies and periods: two for who is
    expected (periods.expected_by_period), the reports, the agencies, their names (one query
    over AgencyName), and with `by_current` the lineage."""
    today = today or timezone.localdate()
    periods = list(periods)
    by_period = expected_by_period(periods)
    expected = [by_period[p.pk] for p in periods]
    wanted = set().union(*expected)
    reports = AgencyReport.objects.filter(period__in=periods).values_list(
        "pk", "agency_id", "period_id", "status", "submitted_at"
    )
    by_key = {(agency_id, period_id): (pk, s, at) for pk, agency_id, period_id, s, at in reports}
    agencies = (
        list(Agency.objects.filter(pk__in=wanted).select_related("successor").in_directory_order())
        if wanted
        else []
    )
    names = NameBook(AgencyName.objects.filter(agency__in=wanted).order_by("valid_from", "pk"))
    answered = _answered_by_successor(agencies, today)
    rows = []
    for agency in agencies:
        row = Row(agency)
        # Someone can still send its report: the agency works today, or, closed, a successor
        # of it does (periods.report_actors_ids: the successor sends it in its place).
        works_today = agency.is_active or agency.pk in answered
        last_expected = None
        for index, period in enumerate(periods):
            if agency.pk not in expected[index]:
                row.cells.append(Cell(period, why_not=why_not_expected(agency, period)))
                continue
            last_expected = period
            found = by_key.get((agency.pk, period.pk))
            pk, status, submitted_at = found if found else (None, Status.DRAFT, None)
            state = state_of(status, submitted_at, period, today)
            row.cells.append(
                Cell(
                    period,
                    report_id=pk,
                    status=status,
                    state=state,
                    accepted=status == Status.ACCEPTED,
                    due=today > period.deadline,
                    remindable=works_today and state not in ("on_time", "late"),
                )
            )
        row.name = names.short_name(agency, last_expected.end_date if last_expected else today)
        rows.append(row)
    if by_current:
        rows = _grouped_by_current(rows)
    return Matrix(periods, rows)


def _answered_by_successor(agencies: Sequence[Agency], today: date) -> set[int]:
    """The ids of the agencies of `agencies` closed by `today` whose successor (or that one's,
    agencies.names.Lineage) works on `today`: its members send their unsent reports and are
    reminded of them (periods.report_actors_ids, remind_agencies). `agencies` are
    read with their successor; one more query only when a successor closed too."""
    closed = [a for a in agencies if a.successor_id and a.closed_on and a.closed_on <= today]
    # The successor is read with its agency (select_related): a query only for a successor
    # that closed in turn.
    answered = {a.pk for a in closed if a.successor.in_operation(today)}
    further = [a for a in closed if a.pk not in answered and a.successor.closed_on]
    if further:
        rows = Agency.objects.only("pk", "successor_id", "parent_id", "closed_on", "established_on")
        lineage = Lineage(rows, on=today)
        answered |= {
            a.pk for a in further if lineage.by_id[lineage.current(a.pk)].in_operation(today)
        }
    return answered


def _grouped_by_current(rows: list[Row]) -> list[Row]:
    """`rows` with each closed agency's row moved under the row of the agency that carries
    its work today (when that agency has a row), in directory order otherwise."""
    lineage = Lineage()
    by_id = {row.agency.pk: row for row in rows}
    under: dict[int, list[Row]] = {}
    for row in rows:
        current = lineage.current(row.agency.pk)
        if current != row.agency.pk and current in by_id:
            row.current = by_id[current].agency
            row.under_current = True
            under.setdefault(current, []).append(row)
    grouped = []
    for row in rows:
        if row.under_current:
            continue
        grouped.append(row)
        grouped.extend(under.get(row.agency.pk, ()))
    return grouped
