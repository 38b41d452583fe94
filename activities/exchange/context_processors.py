"""What every page's navigation shows of the information exchange: the unread count."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Message


def unread_messages(request: HttpRequest) -> dict:
    """`unread_messages`: how many messages addressed to the user's agencies none of them has
    read yet; one query, run only when a template reads it (the navigation does for members
    of an agency)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_messages": SimpleLazyObject(lambda: Message.objects.unread_by(user).count())}
