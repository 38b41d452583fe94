"""Pages of periodic reports: agencies' submissions, completeness, the consolidated report
and the leaders' list of issued reports. Files are served only through these views."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from activities.forms import ReasonForm
from agencies import permissions
from agencies.models import User
from agencies.permissions import Action
from doingoai.files import private_download
from doingoai.pagination import CappedPaginator

from . import completeness, services
from .forms import AgencyReportForm, NarrativeForm
from .models import AgencyReport, ConsolidatedReport, ReportingPeriod
from .periods import PeriodError, parse_code

PAGE_SIZE = 10
Built = ConsolidatedReport.Status


def _period(code: str) -> ReportingPeriod:
    try:
        kind, year = parse_code(code)
    except PeriodError:
        raise Http404 from None
    return get_object_or_404(ReportingPeriod, kind=kind, year=year)


def _require_reviewer(user: User) -> None:
    if not services.is_focal_reviewer(user):
        raise Http404


def _started_periods():
    return ReportingPeriod.objects.filter(start_date__lte=timezone.localdate())


# --- the periods and the agency's own reports -------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    own = permissions.agency_ids(user)[Action.VIEW]
    reviewer = services.is_focal_reviewer(user)
    reads_issued = services.may_read_issued(user)
    page = CappedPaginator(_started_periods(), PAGE_SIZE).get_page(request.GET.get("page"))
    periods = list(page.object_list)
    mine = (
        AgencyReport.objects.filter(period__in=periods, agency_id__in=own)
        .select_related("agency", "period")
        .order_by("agency__name")
    )
    by_period: dict[int, list[AgencyReport]] = {}
    for report in mine:
        by_period.setdefault(report.period_id, []).append(report)
    latest: dict[int, ConsolidatedReport] = {}
    if reviewer or reads_issued:
        versions = ConsolidatedReport.objects.filter(period__in=periods).order_by(
            "period", "version"
        )
        if not reviewer:
            versions = versions.filter(status=Built.ISSUED)
        for version in versions.only("pk", "period_id", "version", "status", "number"):
            latest[version.period_id] = version
    rows = [
        {"period": p, "reports": by_period.get(p.pk, []), "latest": latest.get(p.pk)}
        for p in periods
    ]
    return render(
        request,
        "reports/index.html",
        {
            "page": page,
            "rows": rows,
            "reviewer": reviewer,
            "reads_issued": reads_issued,
        },
    )


def _visible_report(user: User, period: ReportingPeriod, code: str) -> AgencyReport:
    """The agency's own members see every state; reviewers what was sent or returned;
    leadership what was accepted. Anyone else: 404, whether the report exists or not."""
    report = get_object_or_404(
        AgencyReport.objects.select_related("agency", "submitted_by", "reviewed_by"),
        period=period,
        agency__code=code,
    )
    report.period = period
    if not services.may_read_agency_report(user, report):
        raise Http404
    return report


@login_required
def agency_report(request: HttpRequest, period: str, code: str) -> HttpResponse:
    period_obj = _period(period)
    report = _visible_report(request.user, period_obj, code)
    user = request.user
    can_edit = report.is_editable and permissions.shows(user, Action.ACT, report.agency_id)
    form = None
    if request.method == "POST":
        action = request.POST.get("action", "save")
        form = AgencyReportForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing was saved."))
        else:
            done = _agency_report_action(request, report, action, form.cleaned_data)
            if done:
                return redirect(report)
    elif can_edit:
        form = AgencyReportForm(
            initial={
                "version": report.version,
                "results": report.results,
                "difficulties": report.difficulties,
                "proposals": report.proposals,
            }
        )
    figures = services.agency_report_figures(user, report)
    period_over = period_obj.is_over()
    history = report.history.select_related("history_user").order_by("-history_date")[:50]
    return render(
        request,
        "reports/agency_report.html",
        {
            "report": report,
            "period": period_obj,
            "figures": figures,
            "form": form if can_edit else None,
            "can_submit": can_edit
            and permissions.shows(user, Action.SUBMIT, report.agency_id)
            and period_over,
            "can_review": permissions.shows(user, Action.REVIEW, report.agency_id),
            "reason_form": ReasonForm(),
            "history": history,
            "period_over": period_over,
        },
    )


def _agency_report_action(request, report: AgencyReport, action: str, data: dict) -> bool:
    user, version = request.user, data["version"]
    if action not in ("save", "submit"):
        raise Http404
    try:
        # Saving and sending together: if sending is refused, the text is not saved either,
        # so the form shown again still carries a version that works.
        with transaction.atomic():
            report = services.save_agency_report(
                actor=user,
                report=report,
                version=version,
                results=data["results"],
                difficulties=data["difficulties"],
                proposals=data["proposals"],
            )
            if action == "submit":
                services.submit_agency_report(actor=user, report=report, version=report.version)
        if action == "submit":
            messages.success(request, _("The report was sent to Sở Ngoại vụ."))
        else:
            messages.success(request, _("The report was saved as a draft."))
    except services.ReportError as exc:
        messages.error(request, str(exc))
        return False
    return True


@login_required
@require_POST
def agency_report_review(request: HttpRequest, period: str, code: str) -> HttpResponse:
    report = _visible_report(request.user, _period(period), code)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return redirect(report)
    try:
        if request.POST.get("action") == "accept":
            services.accept_agency_report(actor=request.user, report=report, version=version)
            messages.success(request, _("The report was accepted."))
        else:
            services.return_agency_report(
                actor=request.user,
                report=report,
                version=version,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("The report was returned to its agency."))
    except services.ReportError as exc:
        messages.error(request, str(exc))
    return redirect(report)


# --- completeness ----------------------------------------------------------------------


@login_required
@require_GET
def completeness_page(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request.user)
    years = sorted(set(_started_periods().values_list("year", flat=True)), reverse=True)
    latest = years[0] if years else timezone.localdate().year
    try:
        year = int(request.GET.get("year") or latest)
    except ValueError:
        year = latest
    if not 1 <= year <= 9999:  # a huge number overflows SQLite's integers
        year = latest
    periods = list(
        ReportingPeriod.objects.filter(year__in=[year - 1, year]).order_by("year", "kind")
    )
    table = completeness.matrix(periods)
    return render(
        request,
        "reports/completeness.html",
        {
            "table": table,
            "columns": table.period_rates(),
            "years": years,
            "year": year,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def remind(request: HttpRequest, period: str) -> HttpResponse:
    _require_reviewer(request.user)
    period_obj = _period(period)
    try:
        count = services.remind_agencies(
            actor=request.user,
            period=period_obj,
            agency_ids=_agency_ids(request.POST.get("agency")),
        )
    except services.ReportError as exc:
        messages.error(request, str(exc))
    else:
        if count:
            messages.success(
                request,
                # The message pages' string, already translated.
                _("A reminder was sent to %(count)d agencies.") % {"count": count},
            )
        else:
            messages.info(request, _("Every agency has sent its report: nobody to remind."))
    return redirect(f"{reverse('reports:completeness')}?year={period_obj.year}")


def _agency_ids(value: str | None) -> list[int] | None:
    """One agency to remind, or all of them; anything else is not a form of ours."""
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise Http404
    return [int(value)]


# --- the consolidated report -------------------------------------------------------------


@login_required
def consolidated_period(request: HttpRequest, period: str) -> HttpResponse:
    """The versions of a period's report, and the button that builds a new one."""
    _require_reviewer(request.user)
    period_obj = _period(period)
    services.mark_stale(period_obj.consolidated_reports.all())
    if request.method == "POST":
        try:
            report = services.start_build(actor=request.user, period=period_obj)
        except services.ReportError as exc:
            messages.error(request, str(exc))
            return redirect("reports:consolidated-period", period_obj.code)
        report.refresh_from_db()  # without a broker it was built in this request already
        if report.status == Built.READY:
            messages.success(request, _("The draft is ready."))
        else:
            messages.success(
                request, _("The report is being built; this page follows its progress.")
            )
        return redirect(report)
    versions = period_obj.consolidated_reports.select_related("created_by", "issued_by")
    return render(
        request,
        "reports/consolidated_period.html",
        {"period": period_obj, "versions": versions},
    )


def _version_for(user: User, pk: int) -> ConsolidatedReport:
    """Reviewers see every version; leadership only issued ones; anyone else nothing."""
    report = get_object_or_404(ConsolidatedReport.objects.select_related("period"), pk=pk)
    if services.is_focal_reviewer(user):
        return report
    if report.is_issued and services.may_read_issued(user):
        return report
    raise Http404


@login_required
def consolidated(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request.user)
    report = _version_for(request.user, pk)
    if services.mark_stale(ConsolidatedReport.objects.filter(pk=pk)):
        report.refresh_from_db()
    form = NarrativeForm(initial={s: getattr(report, s) for s in report.SECTIONS})
    shown = report.revision
    if request.method == "POST":
        form = NarrativeForm(request.POST)
        if form.is_valid():
            try:
                services.save_narrative(
                    actor=request.user,
                    report=report,
                    sections=form.cleaned_data,
                    revision=_revision(request),
                )
            except services.ReportConflict as exc:
                # Show what is there now; the user's text would overwrite it on a second click.
                messages.error(request, str(exc))
                return redirect(report)
            except services.ReportError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("The text was saved; the PDF is being rendered again."))
                return redirect(report)
        else:
            messages.error(request, _("Please correct the errors below; nothing was saved."))
        # The form shown again stays at the revision its text was written against.
        shown = _revision(request)
    return render(
        request,
        "reports/consolidated.html",
        {"report": report, "form": form, "f": report.figures, "revision": shown, **_latest(report)},
    )


def _latest(report: ConsolidatedReport) -> dict:
    latest = report.period.consolidated_reports.aggregate(v=Max("version"))["v"]
    return {"latest": latest, "is_latest": latest == report.version}


@login_required
@require_GET
def consolidated_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel, polled by htmx while the version is being built."""
    _require_reviewer(request.user)
    report = _version_for(request.user, pk)
    if services.mark_stale(ConsolidatedReport.objects.filter(pk=pk)):
        report.refresh_from_db()
    response = render(request, "reports/_build_status.html", {"report": report, **_latest(report)})
    if not report.in_progress and request.GET.get("was") in ConsolidatedReport.IN_PROGRESS:
        # Done: reload the whole page so the downloads and the text appear.
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def consolidated_retry(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request.user)
    report = _version_for(request.user, pk)
    try:
        services.retry_build(actor=request.user, report=report)
    except services.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The report is being built again."))
    return redirect(report)


def _revision(request: HttpRequest) -> int:
    """The revision the page showed; a form without one matches nothing (nothing is done)."""
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return -1


@login_required
@require_POST
def consolidated_issue(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request.user)
    report = _version_for(request.user, pk)
    try:
        report = services.issue(actor=request.user, report=report, revision=_revision(request))
    except services.ReportError as exc:
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
    report = _version_for(request.user, pk)
    stored = {"pdf": report.pdf, "xlsx": report.xlsx}.get(fmt)
    if not stored:
        raise Http404
    name = f"bao-cao-{report.period.code}"
    name += f"-so-{report.number:02d}" if report.number else f"-du-thao-v{report.version}"
    content_type = {
        "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[fmt]

    filename = f"{name}{'' if fmt == 'pdf' else '-phu-luc'}.{fmt}"
    return private_download(stored, filename, content_type)


@login_required
@require_GET
def consolidated_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The figures of an issued report, machine-readable, for the Ministry."""
    report = _version_for(request.user, pk)
    if not report.is_issued:
        raise Http404
    data = {
        "issuer": _issuer(),
        "number": report.number_display,
        "issued_on": report.issued_on.isoformat(),
        "period": report.figures["period"],
        "version": report.version,
        "figures": {k: v for k, v in report.figures.items() if k != "period"},
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    filename = f"bao-cao-{report.period.code}-so-{report.number:02d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _issuer() -> dict:
    return {"parent": settings.REPORT_ISSUER_PARENT, "name": settings.REPORT_ISSUER}


@login_required
@require_GET
def issued(request: HttpRequest) -> HttpResponse:
    """Leadership's page: every issued report, newest period first."""
    if not services.may_read_issued(request.user):
        raise Http404
    reports = (
        ConsolidatedReport.objects.filter(status=Built.ISSUED)
        .select_related("period")
        .order_by("-period__year", "-period__kind", "-issued_at")
    )
    page = CappedPaginator(reports, 20).get_page(request.GET.get("page"))
    return render(request, "reports/issued.html", {"page": page})
