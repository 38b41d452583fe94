"""Actions on accounts and memberships. Commands, the admin and tests call these."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from doingoai.text import clean_text

from .models import ROLE_MISFIT_MESSAGES, Agency, Membership, User

logger = logging.getLogger(__name__)


class AccountError(Exception):
    """A request about accounts that cannot be carried out; the message is for the user."""


@dataclass(frozen=True)
class AccountResult:
    user: User
    created: bool
    membership: Membership | None
    password: str | None  # the password set by this call, if any


@transaction.atomic
def grant_membership(*, actor: User | None, user: User, agency: Agency, role: str) -> Membership:
    """Give `user` exactly `role` in `agency` (one role per agency); groups follow by signal."""
    if role not in Membership.Role.values:
        raise AccountError(
            _("Unknown role “%(role)s”. Choose one of: %(roles)s.")
            % {"role": role, "roles": ", ".join(Membership.Role.values)}
        )
    if not Membership.role_fits(role, agency):
        raise AccountError(str(ROLE_MISFIT_MESSAGES[role]))
    membership, _created = Membership.objects.update_or_create(
        user=user, agency=agency, defaults={"role": role}
    )
    logger.info("membership %s set by %s", membership, actor or "system")
    return membership


@transaction.atomic
def create_account(
    *,
    actor: User | None,
    username: str,
    agency_code: str | None = None,
    role: str | None = None,
    password: str | None = None,
    email: str = "",
    full_name: str = "",
    superuser: bool = False,
) -> AccountResult:
    """Create the account if it is missing and give it a role in an agency.

    Idempotent: an existing account keeps its password unless a new one is given. A new
    account without a password gets a random one, returned once in the result. The username,
    code, e-mail and name are cleaned (doingoai.text.clean_text) before they are checked or
    looked up, as a form's would be; the password is taken as typed. Raises AccountError
    with a Vietnamese message.
    """
    username = clean_text(username).strip()
    email = clean_text(email).strip()
    full_name = " ".join(clean_text(full_name).split())
    agency_code = clean_text(agency_code).strip() if agency_code is not None else None
    if not username:
        raise AccountError(_("The username must not be empty."))
    try:
        # The rules the admin's user form applies: letters, digits and @.+-_ only, at most
        # 150 characters (a no-break space typed in a shell is a space once cleaned).
        User._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from None
    agency = None
    if agency_code is not None or role is not None:
        if not agency_code or not role:
            raise AccountError(_("Give both an agency and a role, or neither."))
        try:
            agency = Agency.objects.get(code=agency_code.upper())
        except Agency.DoesNotExist:
            raise AccountError(
                _("Unknown agency code “%(code)s”.") % {"code": agency_code}
            ) from None
    elif not superuser:
        raise AccountError(_("An account needs an agency and a role (or --superuser)."))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise AccountError(
                _("“%(email)s” is not a valid e-mail address.") % {"email": email}
            ) from None

    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
        password = password or secrets.token_urlsafe(12)
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise AccountError(" ".join(exc.messages)) from None
        user.set_password(password)
    if email:
        user.email = email
    if full_name:
        user.first_name, _sep, user.last_name = full_name.rpartition(" ")
        if not user.first_name:
            user.first_name, user.last_name = user.last_name, ""
    if superuser:
        user.is_staff = user.is_superuser = True
    user.save()

    membership = None
    if agency is not None:
        membership = grant_membership(actor=actor, user=user, agency=agency, role=role)
    logger.info(
        "account %s %s by %s", username, "created" if created else "updated", actor or "system"
    )
    return AccountResult(user=user, created=created, membership=membership, password=password)
