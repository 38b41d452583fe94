"""Actions on accounts and memberships. Commands, the admin and tests call these."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date

from celery import shared_task
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from doingoai import mail
from doingoai.celery import EMAIL_TASK_OPTIONS
from doingoai.text import clean_text, fold

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
    unusable_password: bool = False,
) -> AccountResult:
    """Create the account if it is missing and give it a role in an agency.

    Idempotent: an existing account keeps its password unless a new one is given. A new
    account without a password gets a random one, returned once in the result, or with
    `unusable_password` none at all (its owner sets one through a link). The username,
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
        if unusable_password and password is None:
            # Hashing costs about 0.2 s: not for a password nobody will ever type.
            user.set_unusable_password()
        else:
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


# Accounts from a spreadsheet ---------------------------------------------------------------
# The admin's import of memberships (agencies/resources.py AccountResource) checks each row
# with account_row_errors in its preview and writes it with import_account once confirmed.

# Letters and digits nobody misreads on paper (no 0/O, 1/l/I): a one-time password is read
# off a printed list and typed.
ONE_TIME_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SET_PASSWORD_TEMPLATE = "agencies/email/set_password"


def one_time_password() -> str:
    """A random password to hand over on paper: three groups of four characters of
    ONE_TIME_PASSWORD_ALPHABET joined by "-" (about 71 bits), e.g. "k7pm-x3qa-r9tw"."""
    return "-".join(
        "".join(secrets.choice(ONE_TIME_PASSWORD_ALPHABET) for _i in range(4)) for _g in range(3)
    )


@dataclass(frozen=True)
class AccountRow:
    """One line of an accounts spreadsheet: the account, and its membership of one agency.

    `role` is a Membership.Role value or its label (in Vietnamese or English, any case);
    `ended_on` ends the membership (None: in force)."""

    username: str
    agency_code: str
    role: str
    full_name: str = ""
    email: str = ""
    position: str = ""
    ended_on: date | None = None


@dataclass(frozen=True)
class ImportedAccount:
    """What import_account did: the account (AccountResult), and how its owner learns a
    password: `emailed` (a set-password e-mail is queued) or `one_time_password` (to be shown
    once to the administrator), both empty for an account that existed."""

    account: AccountResult
    emailed: bool
    one_time_password: str | None


def resolve_role(value: str) -> str | None:
    """The Membership.Role value `value` names: the value itself ("staff") or its label in
    Vietnamese, English or the active language, accents, case and spaces ignored ("Cán bộ
    đơn vị", "can bo don vi");
    None when it names no role."""
    wanted = fold(" ".join(clean_text(value or "").split()))
    if not wanted:
        return None
    for role in Membership.Role:
        names = {fold(role.value), fold(str(role.label))}
        for language in ("vi", "en"):
            with translation.override(language):
                names.add(fold(str(role.label)))
        if wanted in names:
            return role.value
    return None


def resolve_agency(code: str) -> Agency | None:
    """The agency of `code` (cleaned, any case), or None."""
    code = clean_text(code or "").strip().upper()
    return Agency.objects.filter(code=code).first() if code else None


def account_row_errors(row: AccountRow, *, agency: Agency | None = None) -> dict[str, str]:
    """What is wrong with `row`, by field ("username", "email", "agency", "role",
    "ended_on"), each a message in the active language; {} when it can be imported. Reads,
    never writes. `agency` saves the look-up when the caller has it already."""
    errors: dict[str, str] = {}
    username = clean_text(row.username or "").strip()
    if not username:
        errors["username"] = _("The username must not be empty.")
    else:
        try:
            User._meta.get_field("username").run_validators(username)
        except ValidationError as exc:
            errors["username"] = " ".join(exc.messages)
    email = clean_text(row.email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("“%(email)s” is not a valid e-mail address.") % {"email": email}
    agency = agency or resolve_agency(row.agency_code)
    if not (row.agency_code or "").strip():
        errors["agency"] = _("Give the code of the agency.")
    elif agency is None:
        errors["agency"] = _("Unknown agency code “%(code)s”.") % {"code": row.agency_code}
    elif row.ended_on is None and agency.closed_on and agency.closed_on <= timezone.localdate():
        errors["agency"] = _(
            "%(agency)s no longer works since %(day)s: a membership there must have an end date."
        ) % {"agency": agency.code, "day": date_format(agency.closed_on, "SHORT_DATE_FORMAT")}
    role = resolve_role(row.role)
    if role is None:
        errors["role"] = _("Unknown role “%(role)s”. Choose one of: %(roles)s.") % {
            "role": row.role or "",
            "roles": ", ".join(str(label) for label in Membership.Role.labels),
        }
    elif agency is not None and not Membership.role_fits(role, agency):
        errors["role"] = str(ROLE_MISFIT_MESSAGES[role])
    return errors


@transaction.atomic
def import_account(*, actor: User | None, row: AccountRow, reason: str = "") -> ImportedAccount:
    """Create the account of `row` if it is missing and give it its membership (role and end
    date as the row says); an existing account gets the row's name, e-mail and job title
    where the row has one, and keeps its password. Passwords are never read from a file.

    A new account with an e-mail gets no password anyone knows: a set-password e-mail is
    queued after the commit (queue_set_password_email). A new account without an e-mail
    gets a one_time_password, returned once for the administrator to hand over.

    `reason` (at most 100 characters) becomes the change reason of the membership's history
    row ("Imported from the file …"). Raises AccountError (the messages of
    account_row_errors, joined) and writes nothing when the row is wrong."""
    agency = resolve_agency(row.agency_code)
    errors = account_row_errors(row, agency=agency)
    if errors:
        raise AccountError(" ".join(errors.values()))
    username = clean_text(row.username).strip()
    email = clean_text(row.email or "").strip()
    created = not User.objects.filter(username=username).exists()
    password = one_time_password() if created and not email else None
    account = create_account(
        actor=actor,
        username=username,
        agency_code=agency.code,
        role=resolve_role(row.role),
        password=password,
        email=email,
        full_name=row.full_name or "",
        unusable_password=created and bool(email),
    )
    user = account.user
    position = " ".join(clean_text(row.position or "").split())
    if position and user.position != position:
        user.position = position
        user.save(update_fields=["position"])
    membership = account.membership
    if membership.ended_on != row.ended_on:
        membership.ended_on = row.ended_on
        membership.save()
    if reason:
        # grant_membership saved the membership, so its newest history row is this call's.
        update_change_reason(membership, reason[:100])
    if created and email:
        queue_set_password_email(user)
    return ImportedAccount(
        account=AccountResult(user=user, created=created, membership=membership, password=None),
        emailed=created and bool(email),
        one_time_password=password,
    )


@transaction.atomic
def import_accounts(*, actor: User | None, rows: list[AccountRow]) -> list[ImportedAccount]:
    """import_account for every row, all or nothing: the first wrong row raises
    AccountError naming its line (1 = the first row) and nothing is written. A username
    appearing twice is refused: each account is one row."""
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, 1):
        key = clean_text(row.username or "").strip().lower()
        if key in seen:
            raise AccountError(
                _("Row %(row)s: the username “%(username)s” is already on row %(first)s.")
                % {"row": number, "username": row.username, "first": seen[key]}
            )
        seen[key] = number
    done = []
    for number, row in enumerate(rows, 1):
        try:
            done.append(import_account(actor=actor, row=row))
        except AccountError as exc:
            raise AccountError(
                _("Row %(row)s: %(error)s") % {"row": number, "error": exc}
            ) from None
    return done


def set_password_link(user: User) -> str:
    """The absolute link (settings.SITE_URL) of the page where `user` chooses a password:
    Django's password reset confirmation ("password_reset_confirm") with a token of
    default_token_generator, valid settings.PASSWORD_RESET_TIMEOUT seconds and until the
    password changes or the user signs in."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return mail.absolute_url(path)


def set_password_event(user: User | int) -> str:
    """The event of a user's set-password e-mail (doingoai.mail.send_each): one per account."""
    return f"set-password:{getattr(user, 'pk', user)}"


def email_set_password(user_id: int) -> int:
    """E-mail the set-password link to an active account with an address that has not got it
    yet; the number of e-mails sent (0 or 1). SMTP errors propagate: the task retries them."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        logger.warning("user %s: no active account with an e-mail to send a link to", user_id)
        return 0
    context = {
        "user": user,
        "link": set_password_link(user),
        "login_link": mail.absolute_url(reverse("login")),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    return mail.send_each(
        SET_PASSWORD_TEMPLATE, context, [user.email], event=set_password_event(user)
    )


@shared_task(name="agencies.send_set_password_email", **EMAIL_TASK_OPTIONS)
def send_set_password_email(user_id: int) -> int:
    """Queued after the account's transaction commits (queue_set_password_email)."""
    return email_set_password(user_id)


def queue_set_password_email(user: User) -> None:
    """Queue the set-password e-mail of the new account `user` once the transaction commits
    (doingoai.mail.queue_after_commit); if it cannot be queued the error is logged, and the
    administrator sends a reset from the admin or sets a password there."""
    mail.queue_after_commit(
        send_set_password_email,
        user.pk,
        what=f"the set-password e-mail of {user.username}",
        undo=lambda: None,
    )
