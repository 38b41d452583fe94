"""The reports index: each period with what the user may read of it, from both halves of the
app (their agencies' reports, the province's report)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from agencies import permissions
from agencies.models import User
from agencies.permissions import Action

from .models import AgencyReport, ConsolidatedReport, ReportingPeriod


class PeriodRow(TypedDict):
    period: ReportingPeriod
    reports: list[AgencyReport]  # the user's own agencies' reports, by agency name
    latest: ConsolidatedReport | None  # the newest version of the report the user may read


def period_rows(user: User, periods: Sequence[ReportingPeriod]) -> list[PeriodRow]:
    """A row for each of `periods`: the reports of the user's own agencies (whatever else
    they may read) and the newest version of the province's report they may read (for
    leadership, the newest issued one). Two queries at most, whatever the number of periods:
    the agency reports with their agency and period, and the versions (none for a user who
    reads no version)."""
    own = AgencyReport.objects.visible_to(user).filter(
        period__in=periods, agency_id__in=permissions.agency_ids(user)[Action.VIEW]
    )
    reports: dict[int, list[AgencyReport]] = {}
    for report in own.select_related("agency", "period").order_by("agency__name"):
        reports.setdefault(report.period_id, []).append(report)
    versions = ConsolidatedReport.objects.visible_to(user).filter(period__in=periods)
    latest = {
        version.period_id: version  # ordered by draft number: the newest comes last
        for version in versions.order_by("period", "draft_number").only(
            "pk", "period_id", "draft_number", "status", "number", "number_suffix"
        )
    }
    return [
        {"period": p, "reports": reports.get(p.pk, []), "latest": latest.get(p.pk)} for p in periods
    ]
