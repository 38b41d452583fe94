"""The calendar of partner countries' days: the page of a year, its iCalendar feed (signed in
or through the user's secret subscription link), and the button that makes a new link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import observances
from .models import CalendarFeed
from .params import year_in
from .scope import get_scope


@never_cache  # it shows the user's secret subscription link
@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """A year's dates with the activities planned around them (observances.calendar_year), a
    list of years (observances.page_years; a bad ?year=: this year and a message), and the
    user's subscription link; a POST makes a new link. 404 for one who monitors nothing."""
    scope = get_scope(request.user)
    if request.method == "POST":
        return _replace_link(request)
    today = timezone.localdate()
    # the .ics keeps its wider range
    year, year_error = observances.page_year(request.GET.get("year"), today)
    found = observances.calendar_year(scope, year, user=request.user)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    ics_url = reverse("monitoring:calendar_ics")
    context = {
        "year": year,
        "year_error": year_error,
        "years": observances.page_years(year, today),
        "months": observances.by_month(found),
        "ics_url": f"{ics_url}?year={year}",
        "previous_year": year - 1 if year > observances.PAGE_FIRST_YEAR else None,
        "next_year": year + 1 if year <= today.year else None,
        "feed": feed,
        "feed_url": f"{settings.SITE_URL.rstrip('/')}{ics_url}?token={feed.token}" if feed else "",
        "window_before": observances.WINDOW_BEFORE,
        "window_after": observances.WINDOW_AFTER,
    }
    return render(request, "monitoring/calendar.html", context)


def _replace_link(request: HttpRequest) -> HttpResponse:
    had_one = CalendarFeed.objects.filter(user=request.user).exists()
    if had_one and request.POST.get("confirm") != "yes":
        messages.error(
            request,
            _("Tick the box to confirm that the current link stops working; nothing changed."),
        )
    else:
        observances.replace_feed_token(actor=request.user)
        messages.success(
            request,
            _("A new subscription link is ready below; the former link no longer works.")
            if had_one
            else _("Your subscription link is ready below."),
        )
    return redirect(reverse("monitoring:calendar") + "#subscription")


def calendar_ics(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("token")
    if token is not None:
        if observances.feed_scope(token) is None:
            raise Http404
    elif not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    else:
        get_scope(request.user)
    this_year = timezone.localdate().year
    if request.GET.get("year"):
        # any year from observances.FIRST_YEAR to LAST_YEAR, wider than the page's list;
        # this year for anything else
        asked = year_in(request.GET["year"], observances.FIRST_YEAR, observances.LAST_YEAR)
        first = last = this_year if asked is None else asked
    else:  # a subscription keeps its link: this year and the next
        first, last = this_year, this_year + 1
    found, name = observances.feed_occurrences(first, last)
    response = HttpResponse(
        observances.build_ics(found, name), content_type="text/calendar; charset=utf-8"
    )
    years = f"{first}" if first == last else f"{first}-{last}"
    response["Content-Disposition"] = f'attachment; filename="lich-ngay-le-{years}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
