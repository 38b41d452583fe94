"""Who the reports app e-mails, and what it says (subjects and bodies are the templates in
templates/reports/email/). The tasks that send these e-mails sit beside the services that
queue them (agency_reports.py, consolidation.py) and only call these functions.

Everyone gets their own e-mail (nobody sees the others' addresses); accounts that are
inactive, have no address or turned notifications off get none. E-mails are written in the
portal's language (settings.LANGUAGE_CODE), whatever language the action was taken in.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from agencies import permissions
from agencies.models import User
from agencies.permissions import Action

from .models import AgencyReport, ConsolidatedReport


def remind_agency(report_id: int) -> int:
    """E-mail those who write for the agency (Action.ACT) whose report `report_id` is still
    to be sent (a draft or returned); nothing once it has been sent. Returns the number of
    e-mails."""
    report = (
        AgencyReport.objects.filter(pk=report_id, status__in=AgencyReport.EDITABLE_STATUSES)
        .select_related("period", "agency")
        .first()
    )
    if report is None:
        return 0
    members = permissions.users_who_may(Action.ACT, report.agency)
    context = {"report": report, "period": report.period, "link": _link(report.get_absolute_url())}
    return _send("reports/email/agency_reminder", context, _addresses(members))


def announce_issue(report_id: int) -> int:
    """Tell provincial leadership (those who oversee every agency's records) that the report
    `report_id` was issued (nothing if it is not issued). Returns the number of e-mails."""
    report = ConsolidatedReport.objects.select_related("period").filter(pk=report_id).first()
    if report is None or not report.is_issued:
        return 0
    leaders = permissions.users_who_may(Action.OVERSEE)
    context = {"report": report, "link": _link(reverse("reports:issued"))}
    return _send("reports/email/report_issued", context, _addresses(leaders))


def _addresses(users: QuerySet[User]) -> list[str]:
    return sorted(
        set(
            users.filter(is_active=True, email_notifications=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(template: str, context: dict, addresses: list[str]) -> int:
    """One e-mail per address from `<template>_subject.txt` and `<template>_body.txt`."""
    if not addresses:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context).strip() + "\n"
    send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [a]) for a in addresses])
    return len(addresses)
