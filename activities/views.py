"""Pages of activities: lists, the form, the review queue, files, export and import."""

from __future__ import annotations

import json
import os
import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies import permissions
from agencies.models import Agency, User
from agencies.permissions import Action
from doingoai.files import private_file_response
from doingoai.pagination import CappedPaginator

from . import services
from .exports import to_csv, to_xlsx
from .filters import ActivityFilter
from .forms import ActivityForm, ImportForm, ReasonForm, VersionForm
from .imports import ImportFileError, check_rows, import_rows, read_sheet, template_workbook
from .models import Activity, ActivityCountry, Attachment

PAGE_SIZE = 25


def get_activity_for(user: User, pk: int) -> Activity:
    """Fetch an activity the user may read, or 404: existence does not leak."""
    return get_object_or_404(
        Activity.objects.visible_to(user).select_related("agency", "duty", "donor"), pk=pk
    )


def _listed(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    return queryset.select_related("agency", "duty").prefetch_related(
        Prefetch("countries", queryset=ActivityCountry.objects.order_by("country"))
    )


def _list_page(request: HttpRequest, queryset: QuerySet[Activity], title: str, mine: bool):
    filterset = ActivityFilter(request.GET, queryset=queryset)
    activities = filterset.qs
    if activities.query.order_by:
        activities = activities.order_by(*activities.query.order_by, "-pk")
    page = CappedPaginator(_listed(activities), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activities/activity_list.html",
        {
            "filter": filterset,
            "page": page,
            "title": title,
            "mine": mine,
            "query": query.urlencode(),
            "can_log": bool(permissions.agency_ids(request.user)[Action.ACT]),
        },
    )


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request, Activity.objects.visible_to(request.user), _("All activities I may see"), False
    )


@login_required
def my_activities(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request, Activity.objects.of_agencies(request.user), _("Activities of my agencies"), True
    )


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for(request.user, pk)
    user = request.user
    history = activity.history.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "countries": activity.countries.order_by("country"),
            "partners": activity.partners.all(),
            "co_organisers": activity.co_organisers.all(),
            "attachments": activity.attachments.all(),
            "changes": _changes(history),
            "can_edit": activity.is_editable
            and permissions.shows(user, Action.ACT, activity.agency_id),
            "can_review": permissions.shows(user, Action.REVIEW, activity.agency_id),
            "reason_form": ReasonForm(),
        },
    )


def _changes(history) -> list[dict]:
    """Each history record with the fields it changed, newest first."""
    records = list(history)
    rows = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        changed = []
        if older is not None:
            # Many-to-many changes would cost a query per record; the fields suffice here.
            delta = newer.diff_against(older, excluded_fields=["partners", "co_organisers"])
            for change in delta.changes:
                field = Activity._meta.get_field(change.field)
                changed.append(str(field.verbose_name))
        rows.append({"record": newer, "changed": changed})
    return rows


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    agencies = list(permissions.agencies_for(request.user, Action.ACT)[:2])
    if not agencies:
        raise Http404
    initial = {"agency": agencies[0]} if len(agencies) == 1 else {}
    form = ActivityForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.create_activity(
                actor=request.user,
                data=form.to_data(),
                attachments=form.cleaned_data["attachments"],
            )
        except services.ActivityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The activity was saved as a draft."))
            return redirect(activity)
    return render(request, "activities/activity_form.html", {"form": form, "activity": None})


@login_required
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(
        Activity.objects.editable_by(request.user).select_related("agency"), pk=pk
    )
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial=ActivityForm.initial_from(activity),
    )
    version = VersionForm(request.POST or None, initial={"version": activity.version})
    if request.method == "POST" and form.is_valid() and version.is_valid():
        try:
            services.update_activity(
                actor=request.user,
                activity=activity,
                version=version.cleaned_data["version"],
                data=form.to_data(),
                attachments=form.cleaned_data["attachments"],
            )
        except services.ActivityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(activity)
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "activity": activity, "version_form": version},
    )


def _act(request: HttpRequest, pk: int, action, success: str, needs_reason: bool = False):
    activity = get_activity_for(request.user, pk)
    version = VersionForm(request.POST)
    reason = ReasonForm(request.POST) if needs_reason else None
    if not version.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
    elif reason is not None and not reason.is_valid():
        messages.error(request, " ".join(reason.errors["reason"]))
    else:
        extra = {"reason": reason.cleaned_data["reason"]} if reason is not None else {}
        try:
            action(
                actor=request.user,
                activity=activity,
                version=version.cleaned_data["version"],
                **extra,
            )
        except services.ActivityError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, success)
    # A reviewer who returned an activity no longer sees it: back to the queue then.
    if not Activity.objects.visible_to(request.user).filter(pk=activity.pk).exists():
        return redirect("activities:review")
    return redirect(activity)


@login_required
@require_POST
def activity_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, services.submit_activity, _("The activity was submitted to Sở Ngoại vụ.")
    )


@login_required
@require_POST
def activity_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.accept_activity, _("The activity was accepted."))


@login_required
@require_POST
def activity_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        services.return_activity,
        _("The activity was returned to its agency."),
        needs_reason=True,
    )


@login_required
@require_POST
def activity_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        services.reopen_activity,
        _("The activity was reopened for its agency to correct."),
        needs_reason=True,
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    reviewable = Activity.objects.reviewable_by(request.user)
    if not permissions.agency_ids(request.user)[Action.REVIEW]:
        raise Http404
    if request.method == "POST":
        return _review_bulk(request)
    submitted = reviewable.filter(status=Activity.Status.SUBMITTED)
    page = Paginator(_listed(submitted.order_by("submitted_at", "pk")), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    per_agency = (
        Agency.objects.filter(activities__in=submitted)
        .annotate(waiting=Count("activities"))
        .order_by("-waiting", "name")
    )
    return render(
        request,
        "activities/review_queue.html",
        {"page": page, "per_agency": per_agency, "reason_form": ReasonForm()},
    )


def _review_bulk(request: HttpRequest) -> HttpResponse:
    versions = {}
    for value in request.POST.getlist("selected"):
        pk, _sep, version = value.partition(":")
        if pk.isdigit() and version.isdigit():
            versions[int(pk)] = int(version)
    if not versions:
        messages.error(request, _("Tick at least one activity."))
        return redirect("activities:review")
    accept = request.POST.get("decision") == "accept"
    try:
        result = services.review_many(
            actor=request.user,
            versions=versions,
            accept=accept,
            reason=request.POST.get("reason", ""),
        )
    except services.ActivityError as exc:
        messages.error(request, str(exc))
        return redirect("activities:review")
    if result.done:
        messages.success(
            request,
            (_("%(count)d activities accepted.") if accept else _("%(count)d activities returned."))
            % {"count": len(result.done)},
        )
    for pk, why in result.skipped:
        messages.warning(
            request, _("Activity #%(pk)d was skipped: %(why)s") % {"pk": pk, "why": why}
        )
    return redirect("activities:review")


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    activity = get_activity_for(request.user, pk)
    return private_file_response(get_object_or_404(Attachment, activity=activity, pk=file_pk))


@login_required
def attachment_delete(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity.objects.editable_by(request.user), pk=pk)
    attachment = get_object_or_404(Attachment, activity=activity, pk=file_pk)
    if request.method == "POST":
        try:
            services.delete_attachment(actor=request.user, attachment=attachment)
        except services.ActivityError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The file was removed."))
        return redirect(activity)
    return render(
        request,
        "activities/attachment_confirm_delete.html",
        {"activity": activity, "attachment": attachment},
    )


@login_required
@require_GET
def form_kind_fields(request: HttpRequest) -> HttpResponse:
    """The part of the form that depends on the kind (htmx swaps it in)."""
    _require_logging(request.user)
    form = ActivityForm(initial={"kind": request.GET.get("kind", "")}, user=request.user)
    return render(request, "activities/_kind_fields.html", {"form": form})


@login_required
@require_GET
def form_duty_options(request: HttpRequest) -> HttpResponse:
    """The duties of the chosen agency (htmx swaps them into the duty select)."""
    _require_logging(request.user)
    form = ActivityForm(initial={"agency": request.GET.get("agency")}, user=request.user)
    return render(request, "activities/_duty_options.html", {"field": form["duty"]})


EXPORT_MAX_ROWS = 20_000  # built in the request: larger lists are filtered first
EXPORT_TYPES = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
    "csv": ("text/csv; charset=utf-8", to_csv),
}


@login_required
@require_GET
def activity_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The list as the user filtered it, only rows they may see."""
    if fmt not in EXPORT_TYPES:
        raise Http404
    base = (
        Activity.objects.of_agencies(request.user)
        if request.GET.get("mine")
        else Activity.objects.visible_to(request.user)
    )
    activities = ActivityFilter(request.GET, queryset=base).qs
    if activities.order_by()[: EXPORT_MAX_ROWS + 1].count() > EXPORT_MAX_ROWS:
        messages.error(
            request,
            _("The list has more than %(count)s rows; filter it before downloading.")
            % {"count": f"{EXPORT_MAX_ROWS:,}".replace(",", ".")},
        )
        query = request.GET.copy()
        target = reverse("activities:mine" if query.pop("mine", None) else "activities:list")
        return redirect(f"{target}?{query.urlencode()}")
    content_type, render_file = EXPORT_TYPES[fmt]
    response = HttpResponse(render_file(activities), content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="hoat-dong-{stamp}.{fmt}"'
    return response


def _require_logging(user: User) -> None:
    if not permissions.agency_ids(user)[Action.ACT]:
        raise Http404


def _import_path(user: User, token: str) -> str:
    if not token.isalnum():
        raise Http404
    return f"imports/{user.pk}/{token}.json"


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    _require_logging(request.user)
    response = HttpResponse(template_workbook(), content_type=EXPORT_TYPES["xlsx"][0])
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-hoat-dong.xlsx"'
    return response


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a sheet and see every row's result before anything is saved."""
    _require_logging(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_sheet(upload.name, upload.read())
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            result = check_rows(user=request.user, rows=rows)
            # The rows as read are kept (privately) for the confirmation: it checks them
            # again against the database but does not read the workbook a second time.
            _forget_old_previews(request.user)
            token = uuid.uuid4().hex
            default_storage.save(
                _import_path(request.user, token), ContentFile(json.dumps(rows).encode())
            )
            return render(
                request,
                "activities/import_preview.html",
                {
                    "result": result,
                    "token": token,
                    "name": upload.name,
                    "checked": _rows_with_results(rows, result),
                },
            )
    return render(request, "activities/import_upload.html", {"form": form})


def _forget_old_previews(user: User) -> None:
    """Previews never confirmed are kept a day, then removed at the user's next upload."""
    folder = f"imports/{user.pk}"
    if not default_storage.exists(folder):
        return
    cutoff = timezone.now() - timedelta(days=1)
    for name in default_storage.listdir(folder)[1]:
        if default_storage.get_modified_time(f"{folder}/{name}") < cutoff:
            default_storage.delete(f"{folder}/{name}")


def _rows_with_results(rows, result) -> list[dict]:
    """Every row of the sheet with its problems (none means it will be saved)."""
    problems: dict[int, list] = {}
    for error in result.errors:
        problems.setdefault(error.row, []).append(error)
    return [
        {
            "number": number,
            "title": values.get("title", ""),
            "agency": values.get("agency", ""),
            "dates": f"{values.get('start_date', '')} - {values.get('end_date', '')}",
            "errors": problems.get(number, []),
        }
        for number, values in rows
    ]


@login_required
@require_POST
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Save the previewed sheet: every row or none."""
    _require_logging(request.user)
    path = _import_path(request.user, token)
    # Claim the rows by renaming their file: of two confirmations at once (a double click),
    # only one finds it, so the sheet is never imported twice.
    claimed = f"{path}.{uuid.uuid4().hex}.claimed"
    try:
        os.rename(default_storage.path(path), default_storage.path(claimed))
    except FileNotFoundError:
        raise Http404 from None
    try:
        with default_storage.open(claimed, "rb") as stored:
            rows = [(number, values) for number, values in json.loads(stored.read())]
    finally:
        default_storage.delete(claimed)
    result = import_rows(user=request.user, rows=rows)
    if not result.ok:
        return render(
            request,
            "activities/import_preview.html",
            {
                "result": result,
                "token": token,
                "name": "",
                "checked": _rows_with_results(rows, result),
            },
        )
    messages.success(
        request, _("%(count)d activities were imported as drafts.") % {"count": result.created}
    )
    return redirect("activities:mine")
