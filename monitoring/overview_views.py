"""The overview (monitoring:overview), its PDF, and the leader's home page built from it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import observances
from .charts import paired_bar_chart_svg
from .overview import build_overview, year_choices, year_from
from .scope import Scope, get_scope


def overview_context(request: HttpRequest, scope: Scope, *, upcoming: bool = True) -> dict:
    """What the overview's templates read, for the year of `?year=` (a bad one: this year,
    with `year_error` saying so): `overview` (monitoring.overview.Overview), its three
    charts (inline SVG), the years offered, `today`, and unless `upcoming` is False the
    coming partner days (`upcoming`, the calendar's panel: the page's, not the PDF's)."""
    today = timezone.localdate()
    year, year_error = year_from(request.GET.get("year"), today)
    overview = build_overview(scope, request.user, year)
    legend = (str(year), str(year - 1))
    return {
        "overview": overview,
        "year_error": year_error,
        "years": year_choices(year, today),
        "month_chart": paired_bar_chart_svg(
            [(m.label, m.now, m.before) for m in overview.months],
            title=_("Activities per month, %(year)s and %(previous)s")
            % {"year": year, "previous": year - 1},
            legend=legend,
        ),
        "kind_chart": paired_bar_chart_svg(
            [(k.label, k.now, k.before) for k in overview.kinds],
            title=_("Activities per kind, %(year)s and %(previous)s")
            % {"year": year, "previous": year - 1},
            legend=legend,
        )
        if overview.kinds
        else "",
        "country_chart": paired_bar_chart_svg(
            [(c.name, c.now, c.before) for c in overview.countries],
            title=_("Activities per partner country, %(year)s and %(previous)s")
            % {"year": year, "previous": year - 1},
            legend=legend,
        ),
        "upcoming": observances.upcoming(scope, today, user=request.user) if upcoming else [],
        "today": today,
    }


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The figures of a year beside the year before for the agencies the user monitors
    (404 for one who monitors nothing)."""
    scope = get_scope(request.user)
    return render(request, "monitoring/overview.html", overview_context(request, scope))


@login_required
def overview_pdf(request: HttpRequest) -> HttpResponse:
    """The overview of `?year=` as a PDF (reports.pdf.render_pdf), tong-quan-<year>.pdf."""
    # Imported here, not at the top: reports.pdf loads WeasyPrint, which the web process
    # never loads unless it renders a PDF.
    from reports.pdf import render_pdf

    scope = get_scope(request.user)
    context = overview_context(request, scope, upcoming=False)
    pdf = render_pdf("monitoring/overview_pdf.html", {**context, "user": request.user})
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"tong-quan-{context['overview'].year}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
