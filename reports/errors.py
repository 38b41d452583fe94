"""How the reports app refuses: the error both halves (agency_reports.py, consolidation.py)
raise with a message for the user, and the two checks they share that raise it (the free text
users write, and who consolidates)."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import User
from agencies.permissions import Action

from .models import AgencyReport


class ReportError(Exception):
    """An action on a report that cannot be carried out; the message is for the user."""


class ReportConflict(ReportError):
    """Someone else changed the report since the user loaded it."""


class UnknownAction(ReportError):
    """A move no page offers (a form made by hand); the pages answer 404."""


def clean_text(value: str, label: str) -> str:
    """What a user wrote, stripped of NUL bytes and surrounding blanks.

    Raises ReportError when it is longer than AgencyReport.TEXT_MAX_CHARS (the limit of the
    forms too)."""
    value = (value or "").replace("\x00", "").strip()
    if len(value) > AgencyReport.TEXT_MAX_CHARS:
        raise ReportError(
            _("%(field)s is too long: at most %(max)s characters.")
            % {
                "field": label,
                "max": number_format(AgencyReport.TEXT_MAX_CHARS, force_grouping=True),
            }
        )
    return value


def require_reviewer(actor: User) -> None:
    """Raises ReportError unless `actor` reviews for Sở Ngoại vụ, asked fresh from the
    database (not the per-request cache the pages use): a right removed a second ago no
    longer consolidates."""
    if not permissions.agencies_for(actor, Action.REVIEW).exists():
        raise ReportError(_("Only reviewers of Sở Ngoại vụ may do this."))
