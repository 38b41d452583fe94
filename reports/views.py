"""Pages of periodic reports: agencies' submissions, completeness, the consolidated report
and the leaders' list of issued reports. Files are served only through these views.

Records are fetched through get_agency_report_for / get_consolidated_for, which answer 404
to someone who may not read them; the working pages of the consolidated report are the
reviewers' (permissions.reviews_province)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies import permissions
from doingoai.files import private_download
from doingoai.forms import parse_id
from doingoai.pagination import CappedPaginator
from notifications.services import mark_read_about

from . import completeness
from .agency_reports import (
    WORKFLOW,
    get_agency_report_for,
    remind_agencies,
    report_page,
    review_agency_report,
    save_agency_report,
    save_and_submit_agency_report,
)
from .consolidation import (
    get_consolidated_for,
    issue_report,
    mark_stale,
    retry_drafting,
    save_narrative,
    start_drafting,
    version_state,
)
from .errors import ReportConflict, ReportError, UnknownAction
from .forms import INCOMPLETE_FORM, AgencyReportForm, IssueForm, NarrativeForm
from .models import AgencyReport, ConsolidatedReport, IssuingAuthority, ReportingPeriod
from .overview import period_rows
from .periods import PeriodError, parse_code, started_periods

PAGE_SIZE = 10
FILE_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def reviewers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The consolidated report's working pages: 404 to anyone who does not review for Sở
    Ngoại vụ (and the login page to anonymous users)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.reviews_province(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _period(code: str) -> ReportingPeriod:
    try:
        kind, year = parse_code(code)
    except PeriodError:
        raise Http404 from None
    return get_object_or_404(ReportingPeriod, kind=kind, year=year)


# --- the periods and the agency's own reports -------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    page = CappedPaginator(started_periods(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": period_rows(user, list(page.object_list)),
        "reviewer": permissions.reviews_province(user),
        "reads_issued": permissions.reads_issued_reports(user),
    }
    return render(request, "reports/index.html", context)


@login_required
def agency_report(request: HttpRequest, period: str, code: str) -> HttpResponse:
    report = get_agency_report_for(request.user, period, code)
    mark_read_about(request.user, request.path)
    form = None
    if request.method == "POST":
        form = AgencyReportForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing was saved."))
        elif _save_or_send(request, report, form.cleaned_data):
            return redirect(report)
    page = report_page(request.user, report)
    if not page["may_write"]:
        form = None  # a post refused to someone who may not write shows the report as it is
    elif form is None:
        form = AgencyReportForm(initial=AgencyReportForm.initial_for(report))
    context = {"report": report, "period": report.period, "form": form, **page}
    return render(request, "reports/agency_report.html", context)


# The buttons of the report's form: save the text, or save it and send the report.
SAVE_OR_SEND = {"save": save_agency_report, "submit": save_and_submit_agency_report}


def _save_or_send(request: HttpRequest, report: AgencyReport, data: dict) -> bool:
    """The form's button (`action`) on `report` with the form's data; False when refused."""
    action = request.POST.get("action", "save")
    if action not in SAVE_OR_SEND:
        raise Http404
    try:
        SAVE_OR_SEND[action](actor=request.user, report=report, **data)
    except ReportError as exc:
        messages.error(request, str(exc))
        return False
    if action == "submit":
        messages.success(request, str(WORKFLOW["submit"].done))
    else:
        messages.success(request, _("The report was saved as a draft."))
    return True


@login_required
@require_POST
def agency_report_review(request: HttpRequest, period: str, code: str) -> HttpResponse:
    report = get_agency_report_for(request.user, period, code)
    action = request.POST.get("action", "")
    version = parse_id(request.POST.get("version", ""))
    if version is None:
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return redirect(report)
    try:
        review_agency_report(
            actor=request.user,
            report=report,
            version=version,
            action=action,
            reason=request.POST.get("reason", ""),
        )
    except UnknownAction:
        raise Http404 from None  # a move no page offers: a form made by hand
    except ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(WORKFLOW[action].done))
    return redirect(report)


# --- completeness ----------------------------------------------------------------------


@reviewers_only
@require_GET
def completeness_page(request: HttpRequest) -> HttpResponse:
    years = sorted(set(started_periods().values_list("year", flat=True)), reverse=True)
    latest = years[0] if years else timezone.localdate().year
    try:
        year = int(request.GET.get("year") or latest)
    except ValueError:
        year = latest
    if not 1 <= year <= 9999:  # a huge number overflows SQLite's integers
        year = latest
    periods = ReportingPeriod.objects.filter(year__in=[year - 1, year]).order_by("year", "kind")
    by_current = request.GET.get("group") == "current"
    table = completeness.matrix(periods, by_current=by_current)
    context = {
        "table": table,
        "columns": table.period_rates(),
        "years": years,
        "year": year,
        "by_current": by_current,
    }
    return render(request, "reports/completeness.html", context)


@reviewers_only
@require_POST
def remind(request: HttpRequest, period: str) -> HttpResponse:
    period_obj = _period(period)
    try:
        count = remind_agencies(
            actor=request.user,
            period=period_obj,
            agency_ids=_agency_ids(request.POST.get("agency")),
        )
    except ReportError as exc:
        messages.error(request, str(exc))
    else:
        if count:
            # The message pages' string, already translated.
            messages.success(
                request, _("A reminder was sent to %(count)d agencies.") % {"count": count}
            )
        else:
            messages.info(request, _("Every agency has sent its report: nobody to remind."))
    return redirect(f"{reverse('reports:completeness')}?year={period_obj.year}")


def _agency_ids(value: str | None) -> list[int] | None:
    """One agency to remind, or all of them; anything else is not a form of ours."""
    if not value:
        return None
    agency_id = parse_id(value)
    if agency_id is None:
        raise Http404
    return [agency_id]


# --- the consolidated report -------------------------------------------------------------


@reviewers_only
def consolidated_period(request: HttpRequest, period: str) -> HttpResponse:
    """The versions of a period's report, and the button that drafts a new one."""
    period_obj = _period(period)
    mark_stale(period_obj.consolidated_reports.all())
    if request.method == "POST":
        try:
            report = start_drafting(actor=request.user, period=period_obj)
        except ReportError as exc:
            messages.error(request, str(exc))
            return redirect("reports:consolidated-period", period_obj.code)
        report.refresh_from_db()  # without a broker it was drafted in this request already
        if report.is_ready and report.missing_glyphs != []:
            # "Draft ready — 2 characters cannot print": the page lists them.
            messages.warning(request, report.status_label)
        elif report.is_ready:
            messages.success(request, _("The draft is ready."))
        else:
            messages.success(
                request, _("The report is being drafted; this page follows its progress.")
            )
        return redirect(report)
    versions = period_obj.consolidated_reports.select_related("created_by", "issued_by")
    context = {"period": period_obj, "versions": versions}
    return render(request, "reports/consolidated_period.html", context)


def _fresh_version(request: HttpRequest, pk: int) -> ConsolidatedReport:
    """The version the page shows, failed first if it is stuck (mark_stale)."""
    report = get_consolidated_for(request.user, pk)
    if mark_stale(ConsolidatedReport.objects.filter(pk=report.pk)):
        report.refresh_from_db()
    return report


@reviewers_only
def consolidated(request: HttpRequest, pk: int) -> HttpResponse:
    report = _fresh_version(request, pk)
    mark_read_about(request.user, request.path)
    initial = {s: getattr(report, s) for s in report.SECTIONS} | {"version": report.version}
    form = NarrativeForm(initial=initial)
    if request.method == "POST":
        form = NarrativeForm(request.POST)
        if _save_text(request, report, form):
            return redirect(report)
    # A form shown again (its text kept) stays at the version its text was written against,
    # and so does the issue button beside it.
    shown = form["version"].value()
    context = {"report": report, "form": form, "f": report.figures, "version": shown or ""}
    context |= version_state(report)
    # The identity it was issued under, or the one issuing it today would use.
    if report.is_issued and report.issuing_authority_id is not None:
        context["authority"] = report.issuing_authority
    elif not report.is_issued:
        context["authority"] = IssuingAuthority.objects.on(timezone.localdate())
        context["can_issue"] = context["can_issue"] and context["authority"] is not None
    return render(request, "reports/consolidated.html", context)


def _save_text(request: HttpRequest, report: ConsolidatedReport, form: NarrativeForm) -> bool:
    """The reviewer's text posted against the version the form carries; True when the page
    is to be loaded again (saved, or changed by someone else meanwhile)."""
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return False
    try:
        save_narrative(
            actor=request.user,
            report=report,
            sections=form.sections(),
            version=form.cleaned_data["version"],
        )
    except ReportConflict as exc:
        # Show what is there now; the user's text would overwrite it on a second click.
        messages.error(request, str(exc))
        return True
    except ReportError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, _("The text was saved; the PDF is being rendered again."))
    return True


@reviewers_only
@require_GET
def consolidated_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel, polled by htmx while the version is being drafted."""
    report = _fresh_version(request, pk)
    context = {"report": report, **version_state(report)}
    response = render(request, "reports/_build_status.html", context)
    if not report.in_progress and request.GET.get("was") in ConsolidatedReport.IN_PROGRESS:
        # Done: reload the whole page so the downloads and the text appear.
        response["HX-Refresh"] = "true"
    return response


@reviewers_only
@require_POST
def consolidated_retry(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_consolidated_for(request.user, pk)
    try:
        retry_drafting(actor=request.user, report=report)
    except ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The report is being drafted again."))
    return redirect(report)


@reviewers_only
@require_POST
def consolidated_issue(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_consolidated_for(request.user, pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(INCOMPLETE_FORM))
        return redirect(report)
    try:
        report = issue_report(actor=request.user, report=report, **form.cleaned_data)
    except ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The report was issued as number %(number)s; the leaders were notified.")
            % {"number": report.number_display},
        )
    return redirect(report)


@login_required
@require_GET
def consolidated_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = get_consolidated_for(request.user, pk)
    stored = {"pdf": report.pdf, "xlsx": report.xlsx}.get(fmt)
    if not stored:
        raise Http404
    name = f"bao-cao-{report.period.code}"
    name += f"-so-{report.number:02d}" if report.number else f"-du-thao-v{report.draft_number}"
    filename = f"{name}{'' if fmt == 'pdf' else '-phu-luc'}.{fmt}"
    return private_download(stored, filename, FILE_TYPES[fmt])


@login_required
@require_GET
def consolidated_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The figures of an issued report, machine-readable, for the Ministry."""
    report = get_consolidated_for(request.user, pk)
    if not report.is_issued:
        raise Http404
    figures = dict(report.figures)
    authority = report.issuing_authority or IssuingAuthority.objects.on(report.issued_on)
    data = {
        "issuer": {
            "parent": authority.issuer_parent if authority else "",
            "name": authority.issuer if authority else "",
        },
        "number": report.number_display,
        "issued_on": report.issued_on.isoformat(),
        "period": figures.pop("period"),
        # The published format's name for the draft number.
        "version": report.draft_number,
        "figures": figures,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    filename = f"bao-cao-{report.period.code}-so-{report.number:02d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def issued(request: HttpRequest) -> HttpResponse:
    """Leadership's page: every issued report, newest period first."""
    if not permissions.reads_issued_reports(request.user):
        raise Http404
    mark_read_about(request.user, request.path)
    reports = (
        ConsolidatedReport.objects.visible_to(request.user)
        .issued()
        .select_related("period")
        .order_by("-period__year", "-period__kind", "-issued_at")
    )
    page = CappedPaginator(reports, 20).get_page(request.GET.get("page"))
    return render(request, "reports/issued.html", {"page": page})
