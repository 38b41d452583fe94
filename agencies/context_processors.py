from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from activities.exchange.models import MessageRecipient

from . import permissions


def navigation(request: HttpRequest) -> dict:
    """The navigation bar's choices and the unread count, computed only when a template asks
    for them (one query each)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    nav = SimpleLazyObject(lambda: permissions.navigation_for(user))

    def unread() -> int:
        # The memberships the navigation already read are the agencies whose messages the
        # user reads (permissions.message_agency_ids), without a query of their own.
        agency_ids = [m.agency_id for m in nav.memberships]
        if not agency_ids:
            return 0
        return (
            MessageRecipient.objects.unread()
            .filter(agency_id__in=agency_ids)
            .values("message_id")
            .distinct()
            .count()
        )

    return {"nav": nav, "unread_messages": SimpleLazyObject(unread)}
