"""Pages of the information exchange: inbox, sent messages, a message with its thread."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import permissions
from agencies.models import Agency, User
from doingoai.files import private_file_response
from doingoai.pagination import CappedPaginator
from doingoai.text import fold

from . import exchange
from .forms import MessageForm, ReplyForm
from .models import Activity, Message, MessageAttachment, MessageRecipient

PAGE_SIZE = 25


def get_message_for(user: User, pk: int) -> Message:
    """Fetch a message the user may read, or 404: existence does not leak."""
    return get_object_or_404(
        Message.objects.visible_to(user).select_related(
            "sender_agency", "sent_by", "thread", "duty"
        ),
        pk=pk,
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Messages to the user's agencies: unread first, then newest."""
    mine = permissions.member_agency_ids(request.user)
    unread = MessageRecipient.objects.filter(
        message=OuterRef("pk"), agency_id__in=mine, read_at__isnull=True
    )
    received = (
        Message.objects.filter(recipients__agency_id__in=mine)
        .distinct()
        .annotate(unread=Exists(unread))
        .select_related("sender_agency")
    )
    received, filters = _searched(request, received)
    state = filters["state"]
    if state == "unread":
        received = received.filter(unread=True)
    elif state == "overdue":
        received = received.filter(
            kind=Message.Kind.REQUEST,
            due_date__lt=timezone.localdate(),
            recipients__agency_id__in=mine,
            recipients__answer__isnull=True,
        )
    if filters["agency"].isdigit():  # from this agency
        received = received.filter(sender_agency_id=int(filters["agency"]))
    page = CappedPaginator(received.order_by("-unread", "-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "activities/inbox.html",
        {
            "page": page,
            **filters,
            "agencies": _agencies(),
        },
    )


def _agencies():
    return Agency.objects.active().order_by("position", "name")


def _searched(request: HttpRequest, messages):
    """The accent-insensitive search and the kind filter that both lists share."""
    query = request.GET.get("q", "").strip()
    for term in query.split():
        messages = messages.filter(search_text__contains=fold(term))
    kind = request.GET.get("kind", "")
    if kind in Message.Kind.values:
        messages = messages.filter(kind=kind)
    filters = {
        "query": query,
        "kind": kind,
        "kinds": Message.Kind.choices,
        "state": request.GET.get("state", ""),
        "agency": request.GET.get("agency", ""),
    }
    return messages, filters


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """Messages the user's agencies sent, with how many recipients answered."""
    mine = permissions.member_agency_ids(request.user)
    sent, filters = _searched(
        request, Message.objects.filter(sender_agency_id__in=mine).select_related("sender_agency")
    )
    if filters["state"] == "waiting":
        sent = sent.filter(
            kind=Message.Kind.REQUEST,
            pk__in=MessageRecipient.objects.filter(answer__isnull=True).values("message_id"),
        )
    if filters["agency"].isdigit():  # to this agency
        sent = sent.filter(
            pk__in=MessageRecipient.objects.filter(agency_id=int(filters["agency"])).values(
                "message_id"
            )
        )
    sent = sent.annotate(
        recipient_count=Count("recipients"),
        answered_count=Count("recipients", filter=Q(recipients__answer__isnull=False)),
    ).order_by("-created_at", "-pk")
    page = CappedPaginator(sent, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "activities/outbox.html", {"page": page, **filters, "agencies": _agencies()}
    )


@login_required
def message_new(request: HttpRequest) -> HttpResponse:
    if not permissions.agency_ids(request.user)[permissions.Action.ACT]:
        raise Http404
    form = MessageForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        activity = None
        if c.get("activity"):
            activity = Activity.objects.visible_to(request.user).filter(pk=c["activity"]).first()
        try:
            if c.get("activity") and activity is None:
                raise exchange.MessageError(
                    _("There is no activity number %(number)s that you may see.")
                    % {"number": c["activity"]}
                )
            message = exchange.send_message(
                actor=request.user,
                sender_agency=c["sender_agency"],
                recipients=form.recipient_agencies(),
                kind=c["kind"],
                subject=c["subject"],
                body=c["body"],
                due_date=c.get("due_date"),
                activity=activity,
                duty=c.get("duty"),
                attachments=c["attachments"],
            )
        except exchange.MessageError as exc:
            form.add_error(None, str(exc))
        else:
            flash.success(request, _("The message was sent."))
            return redirect("activities:message", message.pk)
    return render(request, "activities/message_form.html", {"form": form})


def _reply_agencies(user: User, message: Message):
    """The user's agencies among the recipients, which may answer."""
    logged = permissions.agency_ids(user)[permissions.Action.ACT]
    return Agency.objects.filter(pk__in=logged, received__message=message)


@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_message_for(request.user, pk)
    root = message.thread or message
    thread = list(
        Message.objects.visible_to(request.user)
        .filter(Q(pk=root.pk) | Q(thread=root))
        .select_related("sender_agency", "sent_by")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    exchange.mark_read(actor=request.user, message=message, thread=thread)
    mine = permissions.member_agency_ids(request.user)
    sender_side = message.sender_agency_id in mine
    recipients = message.recipients.select_related("agency", "read_by", "answer").order_by(
        "agency__position", "agency__name"
    )
    if not sender_side:  # each recipient sees its own state; the sender sees everyone's
        recipients = recipients.filter(agency_id__in=mine)
    reply_agencies = _reply_agencies(request.user, message)
    return render(
        request,
        "activities/message_detail.html",
        {
            "message": message,
            "thread": thread,
            "recipients": recipients,
            "today": timezone.localdate(),
            "sender_side": sender_side,
            "reply_form": ReplyForm(agencies=reply_agencies) if reply_agencies.exists() else None,
            "can_handle": message.kind == Message.Kind.DIFFICULTY
            and bool(permissions.agency_ids(request.user)[permissions.Action.REVIEW]),
            "statuses": Message.DifficultyStatus.choices,
        },
    )


@login_required
@require_POST
def message_reply(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_message_for(request.user, pk)
    form = ReplyForm(request.POST, request.FILES, agencies=_reply_agencies(request.user, message))
    if not form.is_valid():
        flash.error(request, _("Choose your agency and write the answer; nothing was sent."))
        return redirect("activities:message", message.pk)
    try:
        exchange.reply_to_message(
            actor=request.user,
            message=message,
            agency=form.cleaned_data["agency"],
            body=form.cleaned_data["body"],
            attachments=form.cleaned_data["attachments"],
        )
    except exchange.MessageError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Your answer was sent."))
    return redirect("activities:message", message.pk)


@login_required
@require_POST
def message_remind(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_message_for(request.user, pk)
    try:
        missing = exchange.remind_missing(actor=request.user, message=message)
    except exchange.MessageError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(
            request, _("A reminder was sent to %(count)d agencies.") % {"count": len(missing)}
        )
    return redirect("activities:message", message.pk)


@login_required
@require_POST
def message_handle(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_message_for(request.user, pk)
    try:
        exchange.handle_difficulty(
            actor=request.user,
            message=message,
            status=request.POST.get("status", ""),
            response=request.POST.get("response", ""),
        )
    except exchange.MessageError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("The handling was recorded."))
    return redirect("activities:message", message.pk)


@login_required
def message_attachment(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """A file of a message, for the message's parties only (404 otherwise)."""
    message = get_message_for(request.user, pk)
    return private_file_response(get_object_or_404(MessageAttachment, message=message, pk=file_pk))
