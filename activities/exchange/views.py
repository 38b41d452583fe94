"""Pages of the information exchange: inbox, sent messages, a message with its thread."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies import permissions
from agencies.models import Agency
from doingoai.files import private_file_response
from doingoai.pagination import CappedPaginator
from notifications.services import mark_read_about

from . import services
from .forms import HandlingForm, ListFilters, MessageForm, ReplyForm
from .models import Message, MessageAttachment

PAGE_SIZE = 25


def _agencies() -> QuerySet[Agency]:
    return Agency.objects.active().order_by("position", "name")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Messages to the user's agencies: unread first, then newest."""
    mine = permissions.message_agency_ids(request.user)
    filters = ListFilters.from_query(request.GET)
    received = filters.search(Message.objects.received_by(mine).select_related("sender_agency"))
    if filters.state == "unread":
        received = received.filter(unread=True)
    elif filters.state == "overdue":
        received = received.overdue_for(mine, timezone.localdate())
    if filters.agency_id is not None:  # from this agency
        received = received.filter(sender_agency_id=filters.agency_id)
    received = received.order_by("-unread", "-created_at", "-pk")
    page = CappedPaginator(received, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, **filters.context(), "agencies": _agencies()}
    return render(request, "exchange/inbox.html", context)


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """Messages the user's agencies sent, with how many recipients answered."""
    mine = permissions.message_agency_ids(request.user)
    filters = ListFilters.from_query(request.GET)
    sent = filters.search(Message.objects.sent_from(mine).select_related("sender_agency"))
    if filters.state == "waiting":
        sent = sent.waiting_for_answers()
    if filters.agency_id is not None:  # to this agency
        sent = sent.addressed_to(filters.agency_id)
    sent = sent.order_by("-created_at", "-pk")
    page = CappedPaginator(sent, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, **filters.context(), "agencies": _agencies()}
    return render(request, "exchange/outbox.html", context)


@login_required
def message_new(request: HttpRequest) -> HttpResponse:
    """Write a message for one of the user's agencies (404 to those who write for none)."""
    if not permissions.sending_agency_ids(request.user):
        raise Http404
    form = MessageForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            message = services.send_message(actor=request.user, **form.message_fields())
        except services.MessageError as exc:
            form.add_error(None, str(exc))
        else:
            flash.success(request, _("The message was sent."))
            return redirect(message)
    return render(request, "exchange/message_form.html", {"form": form})


@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A message with its thread, read by the user's agencies by opening it (see
    services.read_message), with the answer form and the handling form where they apply."""
    message = services.get_message_for(request.user, pk)
    page = services.read_message(actor=request.user, message=message)
    mark_read_about(request.user, request.path)
    context = {
        **vars(page),
        "reply_form": ReplyForm.offered(page.answering_agencies),
        "handling_form": HandlingForm(message=message) if page.can_handle else None,
    }
    return render(request, "exchange/message_detail.html", context)


@login_required
@require_POST
def message_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer the message as one of the user's agencies among its recipients."""
    message = services.get_message_for(request.user, pk)
    agencies = permissions.answering_agencies(request.user, message)
    form = ReplyForm(request.POST, request.FILES, agencies=agencies)
    if not form.is_valid():
        files = form.errors.get("attachments")  # too many, or an empty one: say which
        problem = _("Choose your agency and write the answer; nothing was sent.")
        flash.error(request, " ".join(files) if files else problem)
        return redirect(message)
    try:
        services.reply_to_message(actor=request.user, message=message, **form.cleaned_data)
    except services.MessageError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Your answer was sent."))
    return redirect(message)


@login_required
@require_POST
def message_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """Remind the recipients of a request that have not answered."""
    message = services.get_message_for(request.user, pk)
    try:
        missing = services.remind_missing(actor=request.user, message=message)
    except services.MessageError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(
            request, _("A reminder was sent to %(count)d agencies.") % {"count": len(missing)}
        )
    return redirect(message)


@login_required
@require_POST
def message_handle(request: HttpRequest, pk: int) -> HttpResponse:
    """Record how far the handling of a reported difficulty has come (Sở Ngoại vụ)."""
    message = services.get_message_for(request.user, pk)
    form = HandlingForm(request.POST, message=message)
    if not form.is_valid():
        flash.error(request, form.problem())
        return redirect(message)
    try:  # the service checks who may, and the response a status needs
        services.handle_difficulty(actor=request.user, message=message, **form.cleaned_data)
    except services.MessageError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("The handling was recorded."))
    return redirect(message)


@login_required
@require_GET
def message_attachment(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """A file of a message, for the message's parties only (404 otherwise)."""
    message = services.get_message_for(request.user, pk)
    return private_file_response(get_object_or_404(MessageAttachment, message=message, pk=file_pk))


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308


def moved(request: HttpRequest, *, to: str, **kwargs) -> HttpResponsePermanentRedirect:
    """An address of the days under /activities/messages/: a permanent redirect to the new
    one named `to`, query string kept; nothing is read, so nothing leaks.

    GET and HEAD get 301, which every client and search engine knows. Anything else (the
    forms that post a new message, a reply, a reminder or a handling, from a page opened
    before the move) gets 308: after a 301 browsers repeat a POST as a GET, which would drop
    the form's content and land on a POST-only view (405); after a 308 they post the same
    body, CSRF token included, to the new address, whose view checks it as usual.
    """
    url = reverse(f"exchange:{to}", kwargs=kwargs)
    query = request.META.get("QUERY_STRING", "")
    if query:
        url = f"{url}?{query}"
    if request.method in ("GET", "HEAD"):
        return HttpResponsePermanentRedirect(url)
    return PermanentRedirectKeepingMethod(url)
