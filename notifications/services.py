"""Writing and reading notifications.

The services that make a decision (activities.services, reports.agency_reports,
reports.consolidation, activities.exchange.services) call `notify` inside their transaction
with the users the decision concerns; the notifications are rolled back with the decision if
it fails, and their e-mails are queued only once it commits (notifications.delivery). A view
never writes one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation

from agencies.models import Agency, User
from doingoai.text import TEXT_MAX_CHARS

from . import delivery
from .models import EmailChoice, EmailPreference, Kind, Notification

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Event:
    """What happened, the same for everyone it concerns.

    - kind: a Kind;
    - key: the event's key, unique across the portal ("activity-returned:42:v3"), at most
      Notification.EVENT_MAX_LENGTH characters; the same key twice is the same event;
    - title: what it is about, as the user knows it (an activity's title, a period's name),
      cut to 300 characters;
    - url: the path of the page that shows it ("/activities/42/");
    - detail: what the user needs besides (the reason given, the answer), may be empty, cut
      to TEXT_MAX_CHARS;
    - agency: the agency it concerns, if one.
    """

    kind: Kind
    key: str
    title: str
    url: str
    detail: str = ""
    agency: Agency | None = None


def in_portal_language(function: Callable[P, R]) -> Callable[P, R]:
    """Run `function` (one that words an Event and calls notify) in the portal's language
    (settings.LANGUAGE_CODE), whatever language the deciding user reads the portal in: a
    notification's title and detail are written once, for everyone it concerns, and its
    e-mails are Vietnamese."""

    @functools.wraps(function)
    def worded(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override(settings.LANGUAGE_CODE):
            return function(*args, **kwargs)

    return worded


def notify(
    users: QuerySet[User] | Iterable[User], event: Event, *, actor: User | None = None
) -> int:
    """Tell `users` (a queryset or users; inactive accounts and `actor`, who made the
    decision, are left out) of `event`, once per user however often it is called for the
    same event key, and queue its e-mails for after the commit (notifications.delivery). Each
    notification is e-mailed as its user chose for the kind
    (EmailPreference.objects.choices_for): at once, in the digest, or not; an account
    without an address is never e-mailed.

    Call it inside the transaction that makes the decision. Returns the number of users
    newly told. ValueError for an event key longer than Notification.EVENT_MAX_LENGTH.
    Four queries (the users, their choices, those already told, the insert)."""
    if len(event.key) > Notification.EVENT_MAX_LENGTH:
        raise ValueError(f"event key longer than {Notification.EVENT_MAX_LENGTH}: {event.key}")
    ids = _user_ids(users, actor)
    if not ids:
        return 0
    rows = list(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", "email"))
    choices = EmailPreference.objects.choices_for([pk for pk, _email in rows], event.kind)
    now = timezone.now()
    existing = set(
        Notification.objects.filter(event=event.key, recipient_id__in=ids).values_list(
            "recipient_id", flat=True
        )
    )
    new = [
        Notification(
            recipient_id=pk,
            kind=event.kind,
            event=event.key,
            title=event.title[:300],
            detail=event.detail[:TEXT_MAX_CHARS],
            url=event.url,
            agency=event.agency,
            created_at=now,
            email=choices[pk] if email else EmailChoice.NEVER,
        )
        for pk, email in rows
        if pk not in existing
    ]
    # A second call for the same event at the same moment (two workers) meets the unique
    # constraint: its rows are skipped, never doubled.
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    if any(n.email == EmailChoice.IMMEDIATELY for n in new):
        delivery.queue_event(event.key)
    return len(new)


def _user_ids(users: QuerySet[User] | Iterable[User], actor: User | None) -> set[int]:
    if isinstance(users, QuerySet):
        ids = set(users.values_list("pk", flat=True))
    else:
        ids = {user.pk for user in users}
    if actor is not None:
        ids.discard(actor.pk)
    return ids


def preferences_of(user: User) -> dict[str, str]:
    """Every Kind's value with the user's EmailChoice for it (IMMEDIATELY by default). One
    query."""
    chosen = dict(user.email_preferences.values_list("kind", "choice"))
    return {kind.value: chosen.get(kind.value, EmailChoice.IMMEDIATELY) for kind in Kind}


@transaction.atomic
def set_preferences(user: User, choices: dict[str, str]) -> None:
    """Save the user's EmailChoice per kind (`choices`: Kind value → EmailChoice value; kinds
    left out keep theirs). ValueError for an unknown kind or choice, before anything is
    saved. Notifications already written keep the choice they were written with."""
    for kind, choice in choices.items():
        if kind not in Kind.values or choice not in EmailChoice.values:
            raise ValueError(f"unknown kind or choice: {kind}={choice}")
    for kind, choice in choices.items():
        EmailPreference.objects.update_or_create(user=user, kind=kind, defaults={"choice": choice})


def get_notification_for(user: User, pk: int) -> Notification:
    """The user's own notification `pk`; Http404 for anyone else's, as for one that does not
    exist."""
    notification = Notification.objects.for_user(user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    return notification


def mark_read(user: User, notification: Notification) -> None:
    """Mark the user's own notification read (once: the first reading's time is kept)."""
    if notification.recipient_id != user.pk:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )


def mark_read_about(user: User, path: str) -> int:
    """Mark read the user's unread notifications about the page at `path` (their `url`): the
    user opened what they announce, from the bell, the home page or an e-mail's link. Called
    by the pages notifications point at (an activity, a message, an agency report, the issued
    reports). One query (an UPDATE on the partial index of the user's unread ones)."""
    return (
        Notification.objects.for_user(user).unread().filter(url=path).update(read_at=timezone.now())
    )


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; how many were. One query."""
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())
