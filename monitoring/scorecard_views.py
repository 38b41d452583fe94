"""The agency scorecard (monitoring/scorecard.py) as a page and as XLSX, for the agencies in
the user's scope (monitoring/scope.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency
from agencies.names import Lineage
from reports.models import ReportingPeriod
from reports.periods import PeriodError

from . import scorecard as scores
from .scope import Scope, get_scope

INPUT_MAX = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Choice:
    """What the user asked for (?period=, ?agency=, ?sort=), corrected where it could not be
    used, with the notices saying so."""

    scope: Scope
    periods: list[ReportingPeriod]
    period: ReportingPeriod | None
    agencies: list[Agency]
    agency: Agency | None
    sort: scores.Sort
    notices: list[str] = field(default_factory=list)

    def query(self, **changes: str) -> str:
        """The query string of this choice with `changes` (e.g. sort="-late")."""
        params = {"period": self.period.code if self.period else "", "sort": self.sort.code}
        if self.agency:
            params["agency"] = self.agency.code
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v})


def _choice(request: HttpRequest) -> Choice:
    """Reads the user's scope and choices: three queries (the scope's, the periods, the
    agencies in scope), a fourth for a member's scope."""
    scope = get_scope(request.user)
    periods = list(ReportingPeriod.objects.order_by("-end_date", "kind"))
    agencies = list(Agency.objects.filter(scope.q("pk")).in_directory_order())
    choice = Choice(
        scope, periods, None, agencies, None, scores.Sort.parse(request.GET.get("sort"))
    )
    # A code or agency is a few characters: a longer one is cut, not echoed whole.
    code = request.GET.get("period", "").strip()[:INPUT_MAX]
    if code:
        try:
            choice.period = scores.find_period(periods, code)
        except PeriodError as exc:
            choice.notices.append(f"{exc} " + _("Showing the last period that ended."))
    if choice.period is None:
        choice.period = scores.default_period(periods, timezone.localdate())
    wanted = request.GET.get("agency", "").strip().upper()[:INPUT_MAX]
    if wanted:
        choice.agency = next((a for a in agencies if a.code.upper() == wanted), None)
        if choice.agency is None:
            choice.notices.append(
                _("No agency %(code)s among those you monitor: showing them all.")
                % {"code": wanted}
            )
        else:
            choice.scope = scope.narrowed(Lineage(agencies).with_descendants(choice.agency.pk))
    return choice


def _card(choice: Choice) -> scores.Scorecard | None:
    """The scorecard of the choice, None when there is no period at all."""
    if choice.period is None:
        return None
    return scores.scorecard(
        scope=choice.scope,
        period=choice.period,
        periods=choice.periods,
        agencies=choice.agencies,
        sort=choice.sort,
    )


def _headers(choice: Choice) -> list[dict]:
    """Each column's heading with the link that sorts by it (ascending first, then the other
    way) and its aria-sort ("" for a column the rows are not sorted by)."""
    headers = []
    for column, heading in scores.HEADINGS.items():
        current = choice.sort.column == column
        ascending = current and not choice.sort.descending
        headers.append(
            {
                "column": column,
                "heading": heading,
                "query": choice.query(sort=f"-{column}" if ascending else column),
                "aria": ("ascending" if ascending else "descending") if current else "",
            }
        )
    return headers


@login_required
def scorecard(request: HttpRequest) -> HttpResponse:
    """The scorecard page; 404 for a user who monitors nothing (monitoring.scope)."""
    choice = _choice(request)
    today = timezone.localdate()
    context = {
        "choice": choice,
        "card": _card(choice),
        "headers": _headers(choice),
        # the periods begun, and the one asked for even if ahead, so the list names it
        "started": [p for p in choice.periods if p.start_date <= today or p == choice.period],
        "window_years": scores.LATE_WINDOW_YEARS,
    }
    return render(request, "monitoring/agencies.html", context)


@login_required
def scorecard_xlsx(request: HttpRequest) -> HttpResponse:
    """The page's rows as XLSX (theo-doi-co-quan-<period>[-<agency>].xlsx), same choices."""
    choice = _choice(request)
    card = _card(choice)
    if card is None:  # no period yet: the page says so
        return redirect("monitoring:agencies")
    response = HttpResponse(scores.render_xlsx(card, choice.agency), content_type=XLSX)
    name = f"theo-doi-co-quan-{card.period.code}"
    if choice.agency:
        name += f"-{choice.agency.code.lower()}"
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
