"""The admin of agencies, accounts, memberships and plans: each change recorded in the history
with who, when, what and why (doingoai.admin.ChangeReasonAdminMixin, HistoryAdmin), and the
reference data imported and exported with django-import-export (agencies/resources.py)."""

from __future__ import annotations

import contextlib
import os
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm
from import_export.tmp_storages import TempFolderStorage

from doingoai.admin import ChangeReasonAdminMixin, HistoryAdmin, ReadOnlyAdminMixin

from .models import (
    ActivityKind,
    Agency,
    AgencyName,
    Duty,
    DutyAssignment,
    ImplementingProgramme,
    LegalBasis,
    Membership,
    Plan,
    PlanEvaluation,
    User,
)
from .resources import AccountResource, AgencyResource, password_columns, password_refusal

# History -------------------------------------------------------------------------------------

# Import and export ----------------------------------------------------------------------------


class ReferenceImportExportMixin(ImportExportMixin):
    """django-import-export for the portal's reference data: XLSX and CSV, the library's
    dry-run preview and per-row errors, and a confirmation that writes all or nothing (a row
    found wrong then undoes the file: rollback_on_validation_errors). Importing needs the
    rights to add and change the model; exporting, to view it."""

    formats = [XLSX, CSV]
    import_error_display = ("message", "row")
    # A file is 2 MB at most: reference data, not a data dump (the library reads it whole).
    import_max_bytes = 2 * 1024 * 1024

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def get_import_form_class(self, request):
        return ReferenceImportForm

    def get_import_form_kwargs(self, request):
        kwargs = super().get_import_form_kwargs(request)
        kwargs["max_bytes"] = self.import_max_bytes
        kwargs["refuse_passwords"] = self.refuses_password_columns
        return kwargs

    refuses_password_columns = False

    def process_import(self, request, **kwargs):
        """The library's confirmation step, each previewed file imported once: the file kept
        between preview and confirmation is taken (renamed, which only one request can do)
        before it is read, so a reloaded page or a second click finds it gone and says the
        import was done, instead of failing on the missing file (and never shows the
        one-time passwords again)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)  # the library's error page
        input_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])](
            encoding=self.from_encoding
        )
        tmp_storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"],
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        data = take_import_file(tmp_storage)
        if data is None:
            messages.warning(
                request,
                gettext(
                    "This import was already done (the page was reloaded or the button "
                    "pressed twice): nothing more was imported. Its one-time passwords were "
                    "shown once, after the first confirmation, and cannot be shown again."
                ),
            )
            return HttpResponseRedirect(self.changelist_url())
        dataset = input_format.create_dataset(data)
        result = self.process_dataset(dataset, confirm_form, request, **kwargs)
        return self.process_result(result, request)

    def changelist_url(self) -> str:
        info = self.model._meta.app_label, self.model._meta.model_name
        return reverse("admin:{}_{}_changelist".format(*info))

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Nothing was written: the whole file was rolled back.
            messages.error(
                request,
                gettext(
                    "Nothing was imported: some rows are wrong. Upload the file again to see which."
                ),
            )
            return HttpResponseRedirect(self.changelist_url())
        return super().process_result(result, request)


def take_import_file(storage) -> bytes | str | None:
    """The content of the file an import's preview kept in `storage` (an import_export tmp
    storage), removed from it; None when it is gone (already imported). A file in the
    temporary folder is first renamed, so that of two requests confirming the same preview
    only one reads it."""
    name = storage.name or ""
    if not name or os.path.basename(name) != name:
        return None
    if isinstance(storage, TempFolderStorage):
        path = storage.get_full_path()
        taken = f"{path}.{uuid.uuid4().hex}.importing"
        try:
            os.rename(path, taken)
        except FileNotFoundError:
            return None
        try:
            with open(taken, storage.read_mode, encoding=storage.encoding) as file:
                return file.read()
        finally:
            os.remove(taken)
    try:
        data = storage.read()
    except FileNotFoundError:
        return None
    with contextlib.suppress(FileNotFoundError):
        storage.remove()
    return data


class ReferenceImportForm(ImportForm):
    """The library's import form, refusing a file over `max_bytes` and, with
    `refuse_passwords`, a file with a password column, before any row is read."""

    def __init__(
        self, formats, resources, *, max_bytes: int, refuse_passwords: bool = False, **kwargs
    ):
        self.max_bytes = max_bytes
        self.refuse_passwords = refuse_passwords
        self.formats = formats
        super().__init__(formats, resources, **kwargs)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None:
            return cleaned
        if upload.size > self.max_bytes:
            self.add_error(
                "import_file",
                gettext("The file is larger than %(size)s MB: split it.")
                % {"size": self.max_bytes // (1024 * 1024)},
            )
            return cleaned
        if self.refuse_passwords and cleaned.get("format") not in (None, ""):
            try:
                fmt = self.formats[int(cleaned["format"])]()
                data = upload.read()
                upload.seek(0)
                if not fmt.is_binary():
                    data = data.decode("utf-8-sig")
                headers = fmt.create_dataset(data).headers
            except Exception:
                return cleaned  # the library says it cannot read the file
            columns = password_columns(headers)
            if columns:
                self.add_error("import_file", password_refusal(columns))
        return cleaned


# Agencies -------------------------------------------------------------------------------------


class OperationFilter(admin.SimpleListFilter):
    """Agencies in operation today, closed, or scheduled to begin later (Agency dates)."""

    title = _("operation")
    parameter_name = "operation"

    def lookups(self, request, model_admin):
        return [
            ("in_operation", _("In operation")),
            ("closed", _("Closed")),
            ("scheduled", _("Scheduled")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "in_operation":
            return queryset.in_operation(today)
        if self.value() == "closed":
            return queryset.filter(closed_on__lte=today)
        if self.value() == "scheduled":
            return queryset.filter(established_on__gt=today)
        return queryset


class AgencyMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "ended_on"]
    verbose_name_plural = _("members")


def reorganisation_link() -> str:
    """The admin's list of reorganisations, or "" while it has none."""
    try:
        return reverse("admin:agencies_reorganisation_changelist")
    except NoReverseMatch:
        return ""


@admin.register(Agency)
class AgencyAdmin(ChangeReasonAdminMixin, ReferenceImportExportMixin, HistoryAdmin):
    resource_classes = [AgencyResource]
    list_display = [
        "code",
        "short_name",
        "kind",
        "position",
        "parent",
        "established_on",
        "closed_on",
        "successor",
    ]
    list_editable = ["position"]
    list_filter = [
        "kind",
        OperationFilter,
        ("parent", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["parent", "successor"]
    search_fields = ["code", "name", "short_name", "search_text"]
    autocomplete_fields = ["parent", "successor"]
    fields = [
        "code",
        "name",
        "short_name",
        "kind",
        "parent",
        "position",
        "established_on",
        "closed_on",
        "successor",
        "dated_names",
    ]
    inlines = [AgencyMembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # The code names the agency's permission groups and appears in imports: it is
        # stable. The dated names are written by renames (agencies.reorganisation).
        return ["code", "dated_names"] if obj else ["dated_names"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get("closed_on")
        if field is not None:
            link = reorganisation_link()
            text = gettext(
                "The first day the agency no longer works. Merging, splitting or closing an "
                "agency is done on the reorganisation page, which also ends its memberships "
                "and names its successor; a date typed here changes nothing else."
            )
            field.help_text = (
                format_html('{} <a href="{}">{}</a>', text, link, gettext("Reorganisations"))
                if link
                else text
            )
        return form

    @admin.display(description=_("names over time"))
    def dated_names(self, agency: Agency) -> str:
        names = list(agency.names.all()) if agency.pk else []
        if not names:
            return gettext("Never renamed: the full name above on every day.")

        def day(value):
            return date_format(value, "SHORT_DATE_FORMAT") if value else "…"

        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            gettext("In use from"),
            gettext("In use until"),
            gettext("full name"),
            gettext("short name"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((day(n.valid_from), day(n.valid_until), n.name, n.short_name) for n in names),
            ),
        )


@admin.register(AgencyName)
class AgencyNameAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Read-only: a rename writes the names (agencies.reorganisation)."""

    list_display = ["agency", "name", "short_name", "valid_from", "valid_until"]
    list_select_related = ["agency"]
    search_fields = ["name", "short_name", "agency__code"]


# Accounts and memberships ---------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["agency"]
    fields = ["agency", "role", "ended_on"]


class MembershipStateFilter(admin.SimpleListFilter):
    """Users with a membership in force, and active users whose memberships have all ended
    (they need a new one, or their account closed)."""

    title = _("memberships")
    parameter_name = "memberships"

    def lookups(self, request, model_admin):
        return [
            ("in_force", _("In force")),
            ("none_in_force", _("No agency any more")),
        ]

    def queryset(self, request, queryset):
        in_force = Membership.objects.in_force().filter(user=OuterRef("pk"))
        if self.value() == "in_force":
            return queryset.filter(Exists(in_force))
        if self.value() == "none_in_force":
            return queryset.filter(
                Exists(Membership.objects.filter(user=OuterRef("pk"))),
                ~Exists(in_force),
                is_active=True,
            )
        return queryset


@admin.register(User)
class PortalUserAdmin(ChangeReasonAdminMixin, UserAdmin):
    """Accounts. The reason typed on an account's page goes to the history of the memberships
    changed with it (accounts themselves keep no history)."""

    inlines = [MembershipInline]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "memberships_in_force",
        "is_active",
        "is_superuser",
    ]
    list_filter = [MembershipStateFilter, "is_staff", "is_superuser", "is_active"]
    # Rights come from memberships only (agencies/permissions.py): no group or permission
    # ticked by hand, which a membership change would silently contradict.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "position")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.in_force()
                    .select_related("agency")
                    .order_by("agency__code"),
                    to_attr="memberships_now",
                )
            )
        )

    @admin.display(description=_("memberships in force"))
    def memberships_in_force(self, user: User) -> str:
        memberships = getattr(user, "memberships_now", None)
        if memberships is None:
            memberships = list(user.memberships.in_force().select_related("agency"))
        if not memberships:
            return "—"
        return ", ".join(f"{m.agency.code} ({m.get_role_display()})" for m in memberships)


class InForceFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("In force")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.in_force()
        if self.value() == "no":
            return queryset.exclude(pk__in=Membership.objects.in_force().values("pk"))
        return queryset


@admin.register(Membership)
class MembershipAdmin(ChangeReasonAdminMixin, ReferenceImportExportMixin, HistoryAdmin):
    """Memberships, and the import of accounts with their memberships (AccountResource): the
    one-time passwords of new accounts without an e-mail are shown once, on the page that
    answers the confirmation."""

    resource_classes = [AccountResource]
    refuses_password_columns = True
    list_display = ["user", "agency", "role", "ended_on"]
    list_filter = [InForceFilter, "role", "agency__kind", "agency"]
    list_select_related = ["user", "agency"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__code"]
    autocomplete_fields = ["user", "agency"]
    fields = ["user", "agency", "role", "ended_on"]
    one_time_passwords_template = "admin/agencies/membership/one_time_passwords.html"

    def has_import_permission(self, request) -> bool:
        # Importing creates accounts: the rights to add and change users too.
        return (
            super().has_import_permission(request)
            and request.user.has_perm("agencies.add_user")
            and request.user.has_perm("agencies.change_user")
        )

    def process_result(self, result, request):
        response = super().process_result(result, request)
        if result.has_errors() or result.has_validation_errors():
            return response
        emailed = getattr(result, "emailed", [])
        passwords = getattr(result, "one_time_passwords", [])
        if not passwords and not emailed:
            return response
        # Shown once, on this answer only: never stored, never shown again (a reload finds
        # the import done: ReferenceImportExportMixin.process_import).
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("New accounts"),
            "opts": self.model._meta,
            "passwords": passwords,
            "emailed": emailed,
            "changelist_url": response.url,
        }
        page = TemplateResponse(request, self.one_time_passwords_template, context)
        page["Cache-Control"] = "no-store"
        return page


# Plans ----------------------------------------------------------------------------------------


class LegalBasisInline(admin.TabularInline):
    model = LegalBasis
    extra = 0


@admin.register(Plan)
class PlanAdmin(ChangeReasonAdminMixin, HistoryAdmin):
    list_display = ["number", "issued_on", "issuer", "valid_from", "valid_until"]
    inlines = [LegalBasisInline]


@admin.register(LegalBasis)
class LegalBasisAdmin(ChangeReasonAdminMixin, HistoryAdmin):
    """The legal bases one by one, for their history; edited on their plan's page too."""

    list_display = ["document_type", "number", "issued_on", "plan"]
    list_filter = ["plan"]
    list_select_related = ["plan"]


class DutyAssignmentInline(admin.TabularInline):
    model = DutyAssignment
    extra = 0
    autocomplete_fields = ["agency"]


class DutyAdminForm(forms.ModelForm):
    activity_kinds = forms.TypedMultipleChoiceField(
        label=_("activity kinds"),
        choices=ActivityKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The kinds of activity that count towards this duty."),
    )

    class Meta:
        model = Duty
        fields = [
            "plan",
            "ref",
            "heading",
            "summary",
            "text",
            "recurrence",
            "activity_kinds",
            "position",
            "coordinating_agencies",
        ]


@admin.register(Duty)
class DutyAdmin(ChangeReasonAdminMixin, HistoryAdmin):
    form = DutyAdminForm
    list_display = ["ref", "heading", "recurrence", "plan"]
    list_select_related = ["plan"]
    search_fields = ["ref", "text", "heading"]
    list_filter = ["plan", "recurrence"]
    ordering = ["plan", "position"]
    inlines = [DutyAssignmentInline]
    filter_horizontal = ["coordinating_agencies"]


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(ChangeReasonAdminMixin, HistoryAdmin):
    """The assignments one by one, for their history; edited on their duty's page too."""

    list_display = ["duty", "agency", "role"]
    list_filter = ["role", "duty__plan"]
    list_select_related = ["duty", "agency"]
    autocomplete_fields = ["agency"]
    search_fields = ["duty__ref", "agency__code"]


@admin.register(ImplementingProgramme)
class ImplementingProgrammeAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Read-only: each agency records its programme, with its file, on the plan's pages."""

    list_display = ["agency", "number", "issued_on", "plan", "uploaded_by"]
    list_filter = ["plan"]
    list_select_related = ["agency", "plan", "uploaded_by"]
    search_fields = ["number", "title", "agency__code"]
    exclude = ["file"]


@admin.register(PlanEvaluation)
class PlanEvaluationAdmin(ChangeReasonAdminMixin, HistoryAdmin):
    list_display = ["plan", "year", "recorded_by", "updated_at"]
    list_filter = ["plan"]
    list_select_related = ["plan", "recorded_by"]
    readonly_fields = ["recorded_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


from . import admin_reorganise  # noqa: E402, F401  (the reorganisation pages)
