"""Pages of activities: lists, the form, the review queue, files, export and import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from agencies import permissions
from agencies.models import Agency, User
from agencies.permissions import Action
from doingoai.files import private_file_response
from doingoai.history import history_rows
from doingoai.pagination import CappedPaginator
from notifications.services import mark_read_about

from . import imports, services
from .exports import FORMATS, ExportTooLarge, export_activities
from .filters import ActivityFilter
from .forms import (
    REVIEW_PAGE_SIZE,
    ActivityEditForm,
    ActivityForm,
    BulkReviewForm,
    ImportForm,
    MoveForm,
)
from .models import Activity, ActivityCountry, Attachment
from .workflow import BULK_MOVES, WORKFLOW

PAGE_SIZE = 25


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
            "can_act": bool(permissions.agency_ids(request.user)[Action.ACT]),
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
    activity = services.get_activity_for(request.user, pk)
    mark_read_about(request.user, request.path)
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
            # Many-to-many changes would cost a query per record; an edit's reason names them.
            "history": history_rows(history, excluded=["partners", "co_organisers"]),
            "actions": WORKFLOW.available(activity, request.user),
            "can_edit": activity.is_editable_by(request.user),
        },
    )


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
    activity = services.get_activity_for(request.user, pk, editable=True)
    form = ActivityEditForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial=ActivityForm.initial_from(activity),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_activity(
                actor=request.user,
                activity=activity,
                version=form.cleaned_data["version"],
                data=form.to_data(),
                attachments=form.cleaned_data["attachments"],
            )
        except services.ActivityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(activity)
    return render(request, "activities/activity_form.html", {"form": form, "activity": activity})


def _move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Make the move `action` of the status table as the review panel posted it."""
    activity = services.get_activity_for(request.user, pk)
    transition = WORKFLOW[action]
    form = MoveForm(request.POST, needs_reason=transition.needs_reason)
    if not form.is_valid():
        messages.error(request, form.problem())
    else:
        try:
            services.move_activity(
                actor=request.user, activity=activity, action=action, **form.cleaned_data
            )
        except services.ActivityError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, str(transition.done))
    # A reviewer who returned an activity no longer sees it: back to the queue then.
    if not Activity.objects.visible_to(request.user).filter(pk=activity.pk).exists():
        return redirect("activities:review")
    return redirect(activity)


@login_required
@require_POST
def activity_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, "submit")


@login_required
@require_POST
def activity_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, "accept")


@login_required
@require_POST
def activity_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, "return")


@login_required
@require_POST
def activity_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, "reopen")


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    reviewable = Activity.objects.reviewable_by(request.user)
    if not permissions.agency_ids(request.user)[Action.REVIEW]:
        raise Http404
    if request.method == "POST":
        return _review_bulk(request)
    submitted = reviewable.filter(status=Activity.Status.SUBMITTED)
    page = Paginator(_listed(submitted.order_by("submitted_at", "pk")), REVIEW_PAGE_SIZE).get_page(
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
        {"page": page, "per_agency": per_agency, "moves": BULK_MOVES},
    )


def _review_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.problem())
        return redirect("activities:review")
    try:
        result = services.review_many(actor=request.user, **form.cleaned_data)
    except services.ActivityError as exc:
        messages.error(request, str(exc))
        return redirect("activities:review")
    if result.done:
        done = WORKFLOW[form.cleaned_data["action"]].bulk.done
        messages.success(request, done % {"count": len(result.done)})
    for text in _skipped_messages(result.skipped):
        messages.warning(request, text)
    return redirect("activities:review")


SKIPPED_NAMED = 5  # the numbers a summary of skipped activities names


def _skipped_messages(skipped: list[tuple[int, str]]) -> list[str]:
    """One message per reason the bulk review skipped activities for: the activity's number
    when it is alone, else how many, the first SKIPPED_NAMED numbers, and the reason."""
    by_reason: dict[str, list[int]] = {}
    for pk, why in skipped:
        by_reason.setdefault(why, []).append(pk)
    said = []
    for why, pks in by_reason.items():
        if len(pks) == 1:
            said.append(_("Activity #%(pk)d was skipped: %(why)s") % {"pk": pks[0], "why": why})
            continue
        numbers = ", ".join(f"#{pk}" for pk in pks[:SKIPPED_NAMED])
        if len(pks) > SKIPPED_NAMED:
            numbers += ", …"
        said.append(
            ngettext(
                "%(count)d activity was skipped (%(numbers)s): %(why)s",
                "%(count)d activities were skipped (%(numbers)s): %(why)s",
                len(pks),
            )
            % {"count": len(pks), "numbers": numbers, "why": why}
        )
    return said


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    activity = services.get_activity_for(request.user, pk)
    return private_file_response(get_object_or_404(Attachment, activity=activity, pk=file_pk))


@login_required
def attachment_delete(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    activity = services.get_activity_for(request.user, pk, editable=True)
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
    _require_acting(request.user)
    form = ActivityForm(initial={"kind": request.GET.get("kind", "")}, user=request.user)
    return render(request, "activities/_kind_fields.html", {"form": form})


@login_required
@require_GET
def form_duty_options(request: HttpRequest) -> HttpResponse:
    """The duties of the chosen agency (htmx swaps them into the duty select)."""
    _require_acting(request.user)
    form = ActivityForm(initial={"agency": request.GET.get("agency")}, user=request.user)
    return render(request, "activities/_duty_options.html", {"field": form["duty"]})


@login_required
@require_GET
def activity_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The list as the user filtered it, only rows they may see."""
    if fmt not in FORMATS:
        raise Http404
    mine = bool(request.GET.get("mine"))
    base = Activity.objects.of_agencies if mine else Activity.objects.visible_to
    activities = ActivityFilter(request.GET, queryset=base(request.user)).qs
    try:
        export = export_activities(activities, fmt)
    except ExportTooLarge as exc:
        messages.error(request, str(exc))
        query = request.GET.copy()
        query.pop("mine", None)
        target = reverse("activities:mine" if mine else "activities:list")
        return redirect(f"{target}?{query.urlencode()}")
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def _require_acting(user: User) -> None:
    """404 unless `user` may act for some agency (the import and the form's parts are
    theirs)."""
    if not permissions.agency_ids(user)[Action.ACT]:
        raise Http404


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    _require_acting(request.user)
    response = HttpResponse(imports.template_workbook(), content_type=FORMATS["xlsx"][0])
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-hoat-dong.xlsx"'
    return response


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a sheet and see every row's result before anything is saved."""
    _require_acting(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = imports.read_sheet(upload.name, upload.read())
        except imports.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            result = imports.check_rows(user=request.user, rows=rows)
            token = imports.keep_preview(user=request.user, rows=rows)
            return _import_preview(request, rows, result, token, upload.name)
    return render(request, "activities/import_upload.html", {"form": form})


def _import_preview(request: HttpRequest, rows, result, token: str, name: str) -> HttpResponse:
    return render(
        request,
        "activities/import_preview.html",
        {
            "result": result,
            "token": token,
            "name": name,
            "checked": imports.preview_rows(rows, result),
        },
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Save the previewed sheet: every row or none."""
    _require_acting(request.user)
    try:
        rows = imports.claim_preview(user=request.user, token=token)
    except imports.PreviewGone:
        raise Http404 from None
    result = imports.import_rows(user=request.user, rows=rows)
    if not result.ok:
        return _import_preview(request, rows, result, token, "")
    messages.success(
        request, _("%(count)d activities were imported as drafts.") % {"count": result.created}
    )
    return redirect("activities:mine")
