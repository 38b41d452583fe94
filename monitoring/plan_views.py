"""Plan implementation: the duties by half-year (monitoring:plan) and one cell's activities
(monitoring:plan_cell). The figures are monitoring/plan.py's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from agencies.names import NameBook

from . import plan as figures
from .scope import get_scope

PAGE_SIZE = 25


@login_required
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    today = timezone.localdate()
    year, bad_year = figures.parse_year(request.GET.get("year"), today)
    agencies = scope.agencies()
    scope, chosen, bad_agency = figures.narrow(scope, request.GET.get("agency"), agencies)
    table = figures.implementation(scope, year, today, request.GET.get("plan"))
    for problem in (bad_year, bad_agency, table.problem):
        if problem:
            messages.warning(request, problem)
    context = {
        "table": table,
        "years": figures.years_offered(today),
        "agencies": agencies,
        "chosen": chosen,
        # a cell's page links back to this page as it is: its year, plan and agency
        "cell_query": urlencode(
            {"year": table.year}
            | ({"plan": table.plan.pk} if table.plan else {})
            | ({"agency": chosen.code} if chosen else {})
        ),
        "legend": [(figures.STATES[state], state, words) for state, words in figures.LEGEND],
    }
    return render(request, "monitoring/plan.html", context)


@login_required
@require_GET
def cell(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    today = timezone.localdate()
    window, year = figures.parse_window(request.GET.get("window"), today)
    duty = figures.get_duty(request.GET.get("duty"))
    scope, chosen, bad_agency = figures.narrow(scope, request.GET.get("agency"), scope.agencies())
    if bad_agency:
        raise Http404  # the page's links never carry one: no message to give
    names = NameBook()
    detail = figures.cell_detail(scope, duty, window, year, today, names)
    page = Paginator(detail.activities, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = figures.page_year(request.GET.get("year"), window, today)
    agency = {"agency": chosen.code} if chosen else {}
    kept = {"duty": duty.pk, "window": window.code, "year": shown} | agency
    context = {
        "detail": detail,
        "short_form": figures.short_form(duty),
        "page": page,
        "rows": figures.activity_rows(request.user, page, names),
        "chosen": chosen,
        "query": urlencode(kept),
        "back": urlencode({"year": shown, "plan": duty.plan_id} | agency),
    }
    return render(request, "monitoring/plan_cell.html", context)
