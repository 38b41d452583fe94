"""The overview (stub: being built)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from .scope import get_scope


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    get_scope(request.user)
    return HttpResponse("overview")


@login_required
def overview_pdf(request: HttpRequest) -> HttpResponse:
    get_scope(request.user)
    return HttpResponse("overview.pdf")
