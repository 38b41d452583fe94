"""The overview (monitoring:overview), its PDF, and the leader's home page built from it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from . import observances
from .charts import paired_bar_chart_svg, responsive_chart
from .overview import build_overview, overview_year, whose
from .plan import years_offered
from .scope import Scope, get_scope


def overview_context(request: HttpRequest, scope: Scope, *, pdf: bool = False) -> dict:
    """What the overview's templates read, for the year of `?year=` (one of the plan page's
    years, monitoring.plan.years_offered; a bad one: this year, with `year_error` saying
    so): `overview` (monitoring.overview.Overview), `whose` (monitoring.overview.Whose: the
    agencies named in the heading and the PDF's file name), its three charts `month_chart`,
    `kind_chart`, `country_chart` (inline SVG: for the page a wide and a phone layout,
    monitoring.charts.responsive_chart; for the PDF, `pdf`, the wide one; "" when every bar
    would be zero, the template then says there is nothing), the years offered, `today`, and
    for the page the coming partner days (`upcoming`, the calendar's panel). One query more
    than build_overview's for a user who does not monitor the province (whose)."""
    today = timezone.localdate()
    year, year_error = overview_year(request.GET.get("year"), today)
    overview = build_overview(scope, request.user, year)
    names = {"year": year, "previous": year - 1}
    draw = paired_bar_chart_svg if pdf else responsive_chart

    def chart(rows: list[tuple[str, int, int]], title: str) -> SafeString | str:
        if not any(now or before for _label, now, before in rows):
            return ""
        return draw(rows, title=title % names, legend=(str(year), str(year - 1)))

    return {
        "overview": overview,
        "whose": whose(scope, request.user),
        "year_error": year_error,
        "years": years_offered(today),
        "month_chart": chart(
            [(m.label, m.now, m.before) for m in overview.months],
            _("Activities per month, %(year)s and %(previous)s"),
        ),
        "kind_chart": chart(
            [(k.label, k.now, k.before) for k in overview.kinds],
            _("Activities per kind, %(year)s and %(previous)s"),
        ),
        "country_chart": chart(
            [(c.name, c.now, c.before) for c in overview.countries],
            _("Activities per partner country, %(year)s and %(previous)s"),
        ),
        "upcoming": [] if pdf else observances.upcoming(scope, today, user=request.user),
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
    """The overview of `?year=` as a PDF (reports.pdf.render_pdf): tong-quan-<year>.pdf for
    the province, tong-quan-<year>-<first agency's code, lower case>.pdf for a narrower scope
    (monitoring.overview.Whose.slug), so that two printed or forwarded overviews cannot be
    taken for one another."""
    # Imported here, not at the top: reports.pdf loads WeasyPrint, which the web process
    # never loads unless it renders a PDF.
    from reports.pdf import render_pdf

    scope = get_scope(request.user)
    context = overview_context(request, scope, pdf=True)
    pdf = render_pdf("monitoring/overview_pdf.html", {**context, "user": request.user})
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"tong-quan-{context['overview'].year}{context['whose'].slug}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
