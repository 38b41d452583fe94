"""django-import-export's view of the reference data the admin imports and exports: agencies
and accounts with their memberships (activities/resources.py has the partners).

Every file is read with the library's dry-run preview first (each row checked, nothing kept)
and written only once confirmed, all or nothing: a row found wrong at confirmation undoes the
whole file (the admin passes rollback_on_validation_errors). Every text cell is cleaned as a
form would clean it (doingoai.text.clean_text) and every exported text that a spreadsheet
would run as a formula gets the apostrophe the portal's own exports put before it
(activities.exports.escape), which the import takes off again (activities.imports.unescape).
Dates are read as dd/mm/yyyy, dd-mm-yyyy or ISO yyyy-mm-dd (or a date cell) and written
dd/mm/yyyy.

docs/admin-reference-data.md describes the columns for the administrators.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db.models import TextChoices
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from activities.exports import escape
from activities.imports import unescape
from doingoai.text import clean_text, fold

from . import permissions
from .models import Agency, Membership, User
from .services import (
    AccountError,
    AccountRow,
    account_row_errors,
    import_account,
    resolve_agency,
    resolve_role,
)

DATE_INPUT_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d")
DATE_OUTPUT_FORMAT = "%d/%m/%Y"
# What a header of a column that would carry passwords looks like, folded (doingoai.text.fold).
PASSWORD_HEADERS = ("password", "mat khau", "matkhau", "pwd", "passwd")
# The history change reason holds 100 characters (doingoai.admin.CHANGE_REASON_MAX_CHARS).
REASON_MAX_CHARS = 100


def cell_text(value: object) -> str:
    """A cell as text the portal stores: a number or date as written, an exported apostrophe
    taken off (unescape), cleaned (clean_text, one line) and trimmed; "" for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(clean_text(unescape(str(value))).split())


def is_password_header(header: object) -> bool:
    """Whether a column header names a password (in English or Vietnamese, any case)."""
    folded = fold(str(header or "")).replace("_", " ").replace("-", " ")
    return any(word in folded for word in PASSWORD_HEADERS)


def password_columns(headers) -> list[str]:
    """The headers of `headers` that name a password column."""
    return [str(header) for header in headers or () if is_password_header(header)]


def label_keys(choice) -> set[str]:
    """How a cell may name `choice` (a TextChoices member), folded: its value, and its label
    in Vietnamese, in English and in the active language."""
    keys = {fold(choice.value), fold(str(choice.label))}
    for language in ("vi", "en"):
        with translation.override(language):
            keys.add(fold(str(choice.label)))
    return keys


class TextWidget(widgets.CharWidget):
    """Text read as cell_text, written escaped against formula injection."""

    def clean(self, value, row=None, **kwargs) -> str:
        return cell_text(value)

    def render(self, value, obj=None, **kwargs) -> str:
        return escape(str(value)) if value not in (None, "") else ""


class DateWidget(widgets.Widget):
    """A day read as dd/mm/yyyy, dd-mm-yyyy, yyyy-mm-dd or a spreadsheet date cell; written
    dd/mm/yyyy. An empty cell is None; anything else is a ValueError in Vietnamese."""

    def clean(self, value, row=None, **kwargs) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = cell_text(value)
        if not text:
            return None
        for form in DATE_INPUT_FORMATS:
            try:
                return datetime.strptime(text, form).date()
            except ValueError:
                continue
        raise ValueError(
            _("“%(value)s” is not a date: write it as dd/mm/yyyy, e.g. 01/07/2025.")
            % {"value": text}
        )

    def render(self, value, obj=None, **kwargs) -> str:
        return value.strftime(DATE_OUTPUT_FORMAT) if value else ""


class ChoiceWidget(widgets.Widget):
    """A choice of `choices` (a TextChoices) read from its value or its label (label_keys),
    accents and case ignored; written as its value."""

    def __init__(self, choices: type[TextChoices], *, what: str) -> None:
        super().__init__()
        self.choices = choices
        self.what = what

    def clean(self, value, row=None, **kwargs) -> str:
        text = cell_text(value)
        wanted = fold(text)
        for choice in self.choices:
            if wanted and wanted in label_keys(choice):
                return choice.value
        raise ValueError(
            _("Unknown %(what)s “%(value)s”. Choose one of: %(choices)s.")
            % {
                "what": self.what,
                "value": text,
                "choices": ", ".join(f"{c.value} ({c.label})" for c in self.choices),
            }
        )

    def render(self, value, obj=None, **kwargs) -> str:
        return value or ""


class AgencyCodeWidget(widgets.ForeignKeyWidget):
    """An agency named by its code (any case); an unknown code is a ValueError in Vietnamese;
    an empty cell is None."""

    def __init__(self, *, message: str) -> None:
        super().__init__(Agency, field="code")
        self.message = message

    def clean(self, value, row=None, **kwargs) -> Agency | None:
        code = cell_text(value).upper()
        if not code:
            return None
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise ValueError(self.message % {"code": code})
        return agency

    def render(self, value, obj=None, **kwargs) -> str:
        return escape(value.code) if value else ""


def _reason(file_name: str | None) -> str:
    reason = _("Imported from the file %(file)s") % {"file": file_name or "?"}
    return reason[:REASON_MAX_CHARS]


class SkipBlankRowsMixin:
    """Drops the rows whose every cell is empty before the import (a spreadsheet's formatted
    but empty rows at the end), which would otherwise each be an error."""

    def before_import(self, dataset, **kwargs) -> None:
        blank = [
            index
            for index, row in enumerate(dataset)
            if all(cell is None or not str(cell).strip() for cell in row)
        ]
        for index in reversed(blank):
            del dataset[index]
        super().before_import(dataset, **kwargs)


class RefusePasswordsMixin:
    """Refuses a file with a password column outright: passwords are never read from a file
    (the admin's import form says so before the preview; this is the resource's own guard
    for any other caller)."""

    def before_import(self, dataset, **kwargs) -> None:
        columns = password_columns(dataset.headers)
        if columns:
            raise ValidationError(password_refusal(columns))
        super().before_import(dataset, **kwargs)


def password_refusal(columns: list[str]) -> str:
    """The message refusing a file with the password columns `columns`."""
    return _(
        "The file has a password column (%(columns)s). Passwords are never imported: remove "
        "the column. New accounts get a set-password e-mail, or a one-time password shown "
        "once after the import."
    ) % {"columns": ", ".join(columns)}


class PortalHeadersMixin:
    """The preview's column headers in the portal's language: each column's label (the
    model field's verbose name, or `header_labels`), not the code the file's first row
    gives (`username`, `full_name`…), which files keep using (docs/admin-reference-data.md)."""

    header_labels: dict = {}

    def get_diff_headers(self) -> list[str]:
        return [self.header_label(field) for field in self.get_import_fields()]

    def header_label(self, field) -> str:
        """The label of `field` (an import_export Field) in the active language."""
        label = self.header_labels.get(field.column_name)
        if label is None and field.attribute:
            model = self._meta.model
            *path, last = field.attribute.split("__")
            try:
                for part in path:
                    model = model._meta.get_field(part).related_model
                label = model._meta.get_field(last).verbose_name
            except FieldDoesNotExist:
                label = None
        return capfirst(str(label)) if label is not None else str(field.column_name)


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole number, or a Vietnamese row error naming the cell (the library's own error is
    Python's: "[<class 'decimal.ConversionSyntax'>]")."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (ValueError, ArithmeticError):
            raise ValueError(
                _("“%(value)s” is not a whole number.") % {"value": cell_text(value)}
            ) from None


class AgencyResource(PortalHeadersMixin, SkipBlankRowsMixin, resources.ModelResource):
    """Agencies by code: new codes are created (checked by the model's validators), known ones
    updated; nothing is deleted. A parent must exist already or come on an earlier row. After
    the import the role groups follow (permissions.sync_role_permissions)."""

    code = fields.Field(attribute="code", column_name="code", widget=TextWidget())
    name = fields.Field(attribute="name", column_name="name", widget=TextWidget())
    short_name = fields.Field(attribute="short_name", column_name="short_name", widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name="kind")
    parent = fields.Field(attribute="parent", column_name="parent", saves_null_values=True)
    established_on = fields.Field(
        attribute="established_on",
        column_name="established_on",
        widget=DateWidget(),
        saves_null_values=True,
    )
    closed_on = fields.Field(
        attribute="closed_on", column_name="closed_on", widget=DateWidget(), saves_null_values=True
    )
    position = fields.Field(
        attribute="position",
        column_name="position",
        widget=WholeNumberWidget(),
        saves_null_values=False,
    )

    class Meta:
        model = Agency
        fields = (
            "code",
            "name",
            "short_name",
            "kind",
            "parent",
            "established_on",
            "closed_on",
            "position",
        )
        export_order = fields
        import_id_fields = ("code",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # Built per resource, as the messages are in the request's language.
        self.fields["kind"].widget = ChoiceWidget(Agency.Kind, what=_("kind of agency"))
        self.fields["parent"].widget = AgencyCodeWidget(
            message=_("Unknown parent agency code “%(code)s”: add the parent first.")
        )

    def get_queryset(self):
        return Agency.objects.select_related("parent")

    def get_instance(self, instance_loader, row):
        # The code as written: a lowercase one is refused by the model's validator, not
        # taken for another agency's.
        code = cell_text(row.get("code"))
        return Agency.objects.filter(code=code).first() if code else None

    def import_instance(self, instance, row, **kwargs) -> None:
        errors: dict[str, list[str]] = {}
        closed_before = instance.closed_on if instance.pk else None
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if instance.pk and instance.closed_on != closed_before:
            # Closing (or reopening) an agency ends memberships, moves drafts and changes who
            # reports: only a reorganisation does all of it (agencies.reorganisation).
            errors.setdefault("closed_on", []).append(
                _(
                    "The closing day of an existing agency is not changed by an import: use "
                    "Admin → Reorganisations (it also ends memberships and hands over drafts)."
                )
            )
        if instance.pk and instance.parent_id:
            above, seen = instance.parent, set()
            while above is not None and above.pk not in seen:
                if above.pk == instance.pk:
                    errors.setdefault("parent", []).append(
                        _("An agency cannot be under itself, directly or through others.")
                    )
                    break
                seen.add(above.pk)
                above = above.parent
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # search_text is derived on save (Agency.save), not typed.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=[*errors, "search_text"], validate_unique=validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs) -> None:
        instance._change_reason = _reason(kwargs.get("file_name"))

    def after_import(self, dataset, result, **kwargs) -> None:
        super().after_import(dataset, result, **kwargs)
        if not self._is_dry_run(kwargs) and not result.has_errors():
            permissions.sync_role_permissions()


class AccountResource(
    PortalHeadersMixin, RefusePasswordsMixin, SkipBlankRowsMixin, resources.ModelResource
):
    """Accounts and their memberships, one row per account: username, full_name, email,
    position (job title), agency (code), role (value or label) and ended_on. A missing account
    is created (agencies.services.import_account): with an e-mail it gets a set-password
    e-mail after the commit, without one a one-time password, listed once to the
    administrator after the import (`result.one_time_passwords`). An existing account keeps
    its password. No password is ever exported or read; a file with a password column is
    refused. A username appears once per file."""

    username = fields.Field(attribute="user__username", column_name="username", widget=TextWidget())
    # The attribute gives the preview (import_export's Diff reads Field.export) the name the
    # row will give; dehydrate_full_name writes the export.
    header_labels = {"full_name": gettext_lazy("Full name")}
    full_name = fields.Field(
        attribute="user__get_full_name",
        column_name="full_name",
        widget=TextWidget(),
        readonly=True,
    )
    email = fields.Field(attribute="user__email", column_name="email", widget=TextWidget())
    position = fields.Field(attribute="user__position", column_name="position", widget=TextWidget())
    agency = fields.Field(attribute="agency", column_name="agency")
    role = fields.Field(attribute="role", column_name="role")
    ended_on = fields.Field(attribute="ended_on", column_name="ended_on", widget=DateWidget())

    class Meta:
        model = Membership
        fields = ("username", "full_name", "email", "position", "agency", "role", "ended_on")
        export_order = fields
        import_id_fields = ("username", "agency")
        use_bulk = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields["agency"].widget = AgencyCodeWidget(
            message=_("Unknown agency code “%(code)s”.")
        )
        self.fields["role"].widget = ChoiceWidget(Membership.Role, what=_("role"))
        self.one_time_passwords: list[dict[str, str]] = []
        self.emailed: list[dict[str, str]] = []
        self._first_row: dict[str, int] = {}

    def get_queryset(self):
        return Membership.objects.select_related("user", "agency").order_by(
            "agency__code", "user__username"
        )

    def dehydrate_full_name(self, membership: Membership) -> str:
        try:
            user = membership.user
        except Membership.user.RelatedObjectDoesNotExist:
            return ""
        return escape(user.get_full_name())

    def before_import(self, dataset, **kwargs) -> None:
        super().before_import(dataset, **kwargs)
        self._first_row = {}
        self.one_time_passwords = []
        self.emailed = []

    def get_instance(self, instance_loader, row):
        username = cell_text(row.get("username"))
        code = cell_text(row.get("agency")).upper()
        if not username or not code:
            return None
        return (
            Membership.objects.select_related("user", "agency")
            .filter(user__username=username, agency__code=code)
            .first()
        )

    def init_instance(self, row=None) -> Membership:
        return Membership()

    def import_instance(self, instance: Membership, row, **kwargs) -> None:
        """Checks the row (account_row_errors, a username repeated in the file, the date) and
        shows the account as it will be; writes nothing (save_instance does)."""
        errors: dict[str, list[str]] = {}
        ended_on = instance.ended_on
        if "ended_on" in row:
            try:
                ended_on = DateWidget().clean(row["ended_on"])
            except ValueError as exc:
                errors["ended_on"] = [str(exc)]
        account = AccountRow(
            username=cell_text(row.get("username")),
            agency_code=cell_text(row.get("agency")),
            role=cell_text(row.get("role")),
            full_name=cell_text(row.get("full_name")),
            email=cell_text(row.get("email")),
            position=cell_text(row.get("position")),
            ended_on=ended_on,
        )
        agency = resolve_agency(account.agency_code)
        for name, message in account_row_errors(account, agency=agency).items():
            errors.setdefault(name, []).append(message)
        key = account.username.lower()
        number = kwargs.get("row_number", 0)
        if key:
            first = self._first_row.setdefault(key, number)
            if first != number:
                errors.setdefault("username", []).append(
                    _(
                        "The username “%(username)s” is already on row %(row)s: each "
                        "account is one row of the file."
                    )
                    % {"username": account.username, "row": first}
                )
        if errors:
            raise ValidationError(errors)
        # The account as the preview shows it; nothing is saved here.
        user = instance.user if instance.user_id else None
        if user is None:
            user = User.objects.filter(username=account.username).first() or User(
                username=account.username
            )
        if account.full_name:
            user.first_name, _sep, user.last_name = account.full_name.rpartition(" ")
            if not user.first_name:
                user.first_name, user.last_name = user.last_name, ""
        if account.email:
            user.email = account.email
        if account.position:
            user.position = account.position
        instance.user = user
        instance.agency = agency
        instance.role = resolve_role(account.role)
        instance.ended_on = ended_on
        instance._account_row = account

    def save_instance(self, instance: Membership, is_create, row, **kwargs) -> None:
        """Writes the row through agencies.services.import_account; the preview (a dry run)
        writes nothing: import_instance checked the row as import_account will, and no row
        depends on another (a username is once per file), so the preview spares each new
        account its password hashing (about 0.2 s each)."""
        if self._is_dry_run(kwargs):
            return
        try:
            imported = import_account(
                actor=kwargs.get("user"),
                row=instance._account_row,
                reason=_reason(kwargs.get("file_name")),
            )
        except AccountError as exc:
            raise ValidationError({NON_FIELD_ERRORS: [str(exc)]}) from None
        membership = imported.account.membership
        instance.pk = membership.pk
        instance.user = imported.account.user
        user = imported.account.user
        account = {
            "username": user.username,
            "full_name": user.get_full_name(),
            "agency": membership.agency.code,
            "agency_name": membership.agency.name,
        }
        if imported.emailed:
            self.emailed.append({**account, "email": user.email})
        if imported.one_time_password:
            self.one_time_passwords.append({**account, "password": imported.one_time_password})

    def save_m2m(self, instance, row, **kwargs) -> None:
        return None

    def after_import(self, dataset, result, **kwargs) -> None:
        # No sequence to reset: rows never carry ids. What the admin shows once, after a
        # confirmed import: the one-time passwords and how many e-mails were queued.
        dry_run = self._is_dry_run(kwargs)
        result.one_time_passwords = [] if dry_run else list(self.one_time_passwords)
        result.emailed = [] if dry_run else list(self.emailed)
