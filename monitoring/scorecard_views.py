"""The agency scorecard (monitoring/scorecard.py) as a page and as XLSX, for the agencies in
the user's scope (monitoring/scope.py)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import scorecard as scores
from .scope import get_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _card(choice: scores.Choice, today: date) -> scores.Scorecard | None:
    """The scorecard of the choice, None when there is no period at all."""
    if choice.period is None:
        return None
    return scores.scorecard(
        scope=choice.scope,
        period=choice.period,
        periods=choice.periods,
        agencies=choice.agencies,
        sort=choice.sort,
        today=today,
    )


def _headers(choice: scores.Choice) -> list[dict]:
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
@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    """The scorecard page; 404 for a user who monitors nothing (monitoring.scope)."""
    today = timezone.localdate()
    choice = scores.choose(get_scope(request.user), request.GET, today)
    context = {
        "choice": choice,
        "card": _card(choice, today),
        "headers": _headers(choice),
        "started": choice.offered(today),
        "window_years": scores.LATE_WINDOW_YEARS,
    }
    return render(request, "monitoring/agencies.html", context)


@login_required
@require_GET
def scorecard_xlsx(request: HttpRequest) -> HttpResponse:
    """The page's rows as XLSX (theo-doi-co-quan-<period>[-<agency>].xlsx), same choices."""
    today = timezone.localdate()
    choice = scores.choose(get_scope(request.user), request.GET, today)
    card = _card(choice, today)
    if card is None:  # no period yet: the page says so
        return redirect("monitoring:agencies")
    response = HttpResponse(scores.render_xlsx(card, choice.agency), content_type=XLSX)
    name = f"theo-doi-co-quan-{card.period.code}"
    if choice.agency:
        name += f"-{choice.agency.code.lower()}"
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
