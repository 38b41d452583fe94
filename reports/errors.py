"""How the reports app refuses: the error both halves (agency_reports.py, consolidation.py)
raise with a message for the user, and the two checks they share that raise it (the free text
users write, and who consolidates)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import User
from agencies.permissions import Action
from doingoai import text
from doingoai.forms import LengthValidator

from .models import AgencyReport


class ReportError(Exception):
    """An action on a report that cannot be carried out; the message is for the user."""


class ReportConflict(ReportError):
    """Someone else changed the report since the user loaded it."""


class UnknownAction(ReportError):
    """A move no page offers (a form made by hand); the pages answer 404."""


def clean_text(value: str, label: str, limit: int = AgencyReport.TEXT_MAX_CHARS) -> str:
    """What a user wrote, as the portal stores text (doingoai.text.clean_text, lines kept),
    without surrounding blanks.

    Raises ReportError when it is longer than `limit` characters (AgencyReport.TEXT_MAX_CHARS
    unless said otherwise: the limit of the model field and of its form), in the words the
    forms use (doingoai.forms.LengthValidator: the label, the limit and the length)."""
    value = text.clean_text(value or "", multiline=True).strip()
    try:
        LengthValidator(limit, label)(value)
    except ValidationError as exc:
        raise ReportError(exc.messages[0]) from None
    return value


def require_reviewer(actor: User) -> None:
    """Raises ReportError unless `actor` reviews for Sở Ngoại vụ, asked fresh from the
    database (not the per-request cache the pages use): a right removed a second ago no
    longer consolidates."""
    if not permissions.agencies_for(actor, Action.REVIEW).exists():
        raise ReportError(_("Only reviewers of Sở Ngoại vụ may do this."))
