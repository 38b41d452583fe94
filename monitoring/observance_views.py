"""Calendar of partner countries' days (stub: being built)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from .scope import get_scope


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    get_scope(request.user)
    return HttpResponse("calendar")


@login_required
def calendar_ics(request: HttpRequest) -> HttpResponse:
    get_scope(request.user)
    return HttpResponse("calendar.ics")
