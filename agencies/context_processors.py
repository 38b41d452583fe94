from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import permissions


def navigation(request: HttpRequest) -> dict:
    """The navigation bar's choices, computed only when a template asks for them (one
    query). The information exchange adds its unread count
    (activities.exchange.context_processors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": SimpleLazyObject(lambda: permissions.navigation_for(user))}
