"""Who sent their periodic report: agencies by periods, with the rates Sở Ngoại vụ follows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .models import AgencyReport, ReportingPeriod

Status = AgencyReport.Status

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
    state: str = ""
    accepted: bool = False
    due: bool = False  # the period's deadline has passed

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


@dataclass
class Matrix:
    periods: list[ReportingPeriod]
    rows: list[Row]

    def period_rates(self) -> list[dict]:
        columns = []
        for index, period in enumerate(self.periods):
            cells = [row.cells[index] for row in self.rows]
            columns.append(
                {
                    "period": period,
                    "rate": _rate(cells),
                    "missing": sum(c.state == "missing" for c in cells),
                    "pending": sum(c.state in ("pending", "returned") for c in cells),
                }
            )
        return columns


def matrix(periods: Sequence[ReportingPeriod], today: date | None = None) -> Matrix:
    """Two queries: the agencies that report, and their reports of the periods."""
    today = today or timezone.localdate()
    periods = list(periods)
    reports = AgencyReport.objects.filter(period__in=periods).values_list(
        "pk", "agency_id", "period_id", "status", "submitted_at"
    )
    by_key = {(agency_id, period_id): (pk, s, at) for pk, agency_id, period_id, s, at in reports}
    agency_ids = {agency_id for agency_id, _period in by_key}
    agencies = Agency.objects.filter(pk__in=agency_ids).in_directory_order()
    rows = []
    for agency in agencies:
        row = Row(agency)
        for period in periods:
            found = by_key.get((agency.pk, period.pk))
            if found is None:
                row.cells.append(Cell(period))
                continue
            pk, status, submitted_at = found
            row.cells.append(
                Cell(
                    period,
                    report_id=pk,
                    status=status,
                    state=state_of(status, submitted_at, period, today),
                    accepted=status == Status.ACCEPTED,
                    due=today > period.deadline,
                )
            )
        rows.append(row)
    return Matrix(periods, rows)
