"""A user's notifications (the bell's page), and their profile with the e-mail choices.

Each user reads only their own notifications: another user's id answers 404, as one that
does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.forms import ProfileForm
from doingoai.pagination import CappedPaginator

from . import services
from .forms import EmailPreferencesForm
from .models import Kind, Notification

PAGE_SIZE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, 30 a page; `?unread=1` only the unread ones,
    `?kind=` one kind. Three queries whatever the number (the page, its count, the bell)."""
    notifications = Notification.objects.for_user(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notifications = notifications.unread()
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        notifications = notifications.filter(kind=kind)
    else:
        kind = ""
    page = CappedPaginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(
        {k: v for k, v in (("kind", kind), ("unread", "1" if unread_only else "")) if v}
    )
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "query": query,
            "unread_only": unread_only,
            "kind": kind,
            "kinds": Kind.choices,
        },
    )


@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the user's notification read and go to what it is about."""
    notification = services.get_notification_for(request.user, pk)
    services.mark_read(request.user, notification)
    return redirect(notification.url)


@login_required
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and come back to the list."""
    notification = services.get_notification_for(request.user, pk)
    services.mark_read(request.user, notification)
    return _back(request)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    """Mark all the user's notifications read."""
    count = services.mark_all_read(request.user)
    if count:
        messages.success(request, _("All notifications were marked read."))
    return _back(request)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """The e-mail choices live on the profile page."""
    return redirect("profile")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """A user's own name and e-mail, and how they want each kind of notification e-mailed.
    Both forms are checked before either is saved: a wrong address keeps the choices
    unsaved too, and the page shows both as they were typed."""
    form = ProfileForm(request.POST or None, instance=request.user)
    choices = EmailPreferencesForm(
        request.POST or None, initial=services.preferences_of(request.user)
    )
    if request.method == "POST" and form.is_valid() and choices.is_valid():
        with transaction.atomic():
            form.save()
            services.set_preferences(request.user, choices.chosen())
        messages.success(request, _("Your details were saved."))
        return redirect("profile")
    return render(request, "notifications/profile.html", {"form": form, "choices": choices})
