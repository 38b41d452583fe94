"""The navigation's counts: the bell's unread notifications and the unread messages, both from
one query."""

from __future__ import annotations

from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from activities.exchange.models import Message
from agencies.models import User

from .models import Notification


def _count(rows: QuerySet) -> Coalesce:
    """COUNT(*) of `rows` as a scalar sub-query (no GROUP BY: a plain COUNT over the rows)."""
    counted = rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def unread_counts(user: User) -> dict[str, int]:
    """{"notifications": the user's unread notifications, "messages": the messages addressed
    to the user's agencies that none of them has read (Message.objects.unread_by)}. One
    query."""
    row = (
        User.objects.filter(pk=user.pk)
        .values(
            unread_notification_count=_count(Notification.objects.for_user(user).unread()),
            unread_message_count=_count(Message.objects.unread_by(user)),
        )
        .first()
    ) or {}
    return {
        "notifications": row.get("unread_notification_count", 0),
        "messages": row.get("unread_message_count", 0),
    }


def unread_notifications(request: HttpRequest) -> dict:
    """`unread_notifications` (the bell) and `unread_messages` (beside "Messages"), read
    together in one query, run only when a template reads one of them: every page's
    navigation shows the bell to a signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counts = SimpleLazyObject(lambda: unread_counts(user))
    return {
        "unread_notifications": SimpleLazyObject(lambda: counts["notifications"]),
        "unread_messages": SimpleLazyObject(lambda: counts["messages"]),
    }
