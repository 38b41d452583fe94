from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import permissions
from .names import NameBook


def navigation(request: HttpRequest) -> dict:
    """The navigation bar's choices, computed only when a template asks for them (one
    query), and the page's NameBook (`agency_names`: the names agencies bore over time, one
    query on the first name asked; see agencies.templatetags.agency_names). The information
    exchange adds its unread count (activities.exchange.context_processors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": SimpleLazyObject(lambda: permissions.navigation_for(user)),
        "agency_names": NameBook(),
    }
