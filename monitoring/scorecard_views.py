"""Agency scorecard (stub: being built)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from .scope import get_scope


@login_required
def scorecard(request: HttpRequest) -> HttpResponse:
    get_scope(request.user)
    return HttpResponse("agencies")


@login_required
def scorecard_xlsx(request: HttpRequest) -> HttpResponse:
    get_scope(request.user)
    return HttpResponse("agencies.xlsx")
