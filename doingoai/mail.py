"""The portal's e-mails: who gets one, and sending it from templates.

The apps decide whom to tell and what it says (their `notifications.py` and their
`<app>/templates/<app>/email/` templates); this module only turns users into addresses and
templates into e-mails, the same way for every app. Everyone gets their own e-mail (nobody
sees the others' addresses), written in the portal's language (settings.LANGUAGE_CODE)
whatever language the action was taken in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation


def addresses(users: QuerySet) -> list[str]:
    """The e-mail addresses of `users` (a queryset of User) that get e-mail: active accounts
    with notifications on and an address, sorted, each once. One query."""
    wanted = users.filter(is_active=True, email_notifications=True).exclude(email="")
    return sorted(set(wanted.values_list("email", flat=True)))


def render(template_prefix: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """The subject and body of an e-mail in settings.LANGUAGE_CODE: the subject from
    `<template_prefix>_subject.txt` on one line (a header never carries the template's line
    breaks), the body from `<template_prefix>_body.txt`, stripped and ending with a newline."""
    context = dict(context)
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
        body = render_to_string(f"{template_prefix}_body.txt", context).strip() + "\n"
    return subject, body


def send_each(template_prefix: str, context: Mapping[str, Any], to: list[str]) -> int:
    """One e-mail (render) to each address of `to`. Returns the number of e-mails: 0, with
    nothing rendered and no connection, when `to` is empty. SMTP errors propagate: the task
    that sends retries them."""
    if not to:
        return 0
    subject, body = render(template_prefix, context)
    send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in to])
    return len(to)


def absolute_url(path: str) -> str:
    """`path` ("/reports/…") as a link an e-mail can carry (settings.SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path
