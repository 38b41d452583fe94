"""Plan implementation (stub: being built)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from .scope import get_scope


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    get_scope(request.user)
    return HttpResponse("plan")


@login_required
def cell(request: HttpRequest) -> HttpResponse:
    get_scope(request.user)
    return HttpResponse("cell")
