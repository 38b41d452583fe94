"""What the apps' admin pages share."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

# simple_history's column for the reason (HistoricalRecords' history_change_reason) is a
# CharField of 100 characters.
CHANGE_REASON_MAX_CHARS = 100


class ReadOnlyAdminMixin:
    """For records that change only through the portal's pages and services (workflow,
    history, numbering): the admin shows them and changes nothing."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ChangeReasonAdminMixin:
    """Adds an optional "Lý do thay đổi" field to the change form and records what is typed
    there as the history change reason (simple_history's `_change_reason`) of the saved object
    and of every row its inlines save or delete, so that the history page says why.

    Put it before the admin class in the bases (``class A(ChangeReasonAdminMixin,
    SimpleHistoryAdmin)``). With `fieldsets` declared, the field is added as a last section;
    without, it follows the model's fields. The reason is at most CHANGE_REASON_MAX_CHARS
    characters (the history table's column), cleaned as every text the portal stores."""

    change_reason_field = "change_reason"

    def get_form(self, request, obj=None, change=False, **kwargs):
        # A field declared on the base form is one modelform_factory accepts in `fields`.
        base = kwargs.get("form")
        if base is None:
            # UserAdmin's add page has a form of its own (add_form).
            add_form = getattr(self, "add_form", None)
            base = add_form if obj is None and add_form is not None else self.form
        if self.change_reason_field not in base.base_fields:
            field = forms.CharField(
                label=_("Reason for the change"),
                required=False,
                max_length=CHANGE_REASON_MAX_CHARS,
                help_text=_(
                    "Optional: why the record changes (a decision, a request). It is kept in "
                    "the record's history."
                ),
                widget=forms.TextInput(attrs={"size": 80}),
            )
            kwargs["form"] = type(base.__name__, (base,), {self.change_reason_field: field})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if self.change_reason_field not in fields and not self._reason_read_only(request, obj):
            fields.append(self.change_reason_field)
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self._reason_read_only(request, obj):
            return fieldsets
        named = [name for _title, options in fieldsets for name in _flat(options["fields"])]
        if self.change_reason_field not in named:
            fieldsets.append((_("History"), {"fields": [self.change_reason_field]}))
        return fieldsets

    def _reason_read_only(self, request, obj) -> bool:
        if obj is None:
            return not self.has_add_permission(request)
        return not self.has_change_permission(request, obj)

    def change_reason(self, form) -> str:
        """The reason typed in `form` ("" when none), spaces collapsed."""
        cleaned = getattr(form, "cleaned_data", None) or {}
        return " ".join(str(cleaned.get(self.change_reason_field) or "").split())

    def save_model(self, request, obj, form, change):
        reason = self.change_reason(form)
        if reason:
            obj._change_reason = reason
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        request._change_reason = self.change_reason(form)
        super().save_related(request, form, formsets, change)

    def save_formset(self, request, form, formset, change):
        reason = getattr(request, "_change_reason", "")
        if reason:
            for inline_form in formset.forms:
                inline_form.instance._change_reason = reason
        super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        obj._history_user = request.user
        super().delete_model(request, obj)


def _flat(fields) -> list[str]:
    names: list[str] = []
    for field in fields:
        if isinstance(field, list | tuple):
            names.extend(field)
        else:
            names.append(field)
    return names


EMPTY_VALUE = "—"


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    """simple_history's "old → new" of each change, readable: an empty value (None, "", a
    foreign key that was empty, which the library shows as a deleted object with pk=None)
    reads "—", a date dd/mm/yyyy (SHORT_DATE_FORMAT), a choice its label, a boolean
    yes/no."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if value is None or value == "" or (isinstance(value, DeletedObject) and value.pk is None):
            return EMPTY_VALUE
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        if isinstance(value, datetime.date):
            return date_format(value, "SHORT_DATE_FORMAT")
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        if getattr(field, "choices", None) and not isinstance(value, list):
            return str(dict(field.flatchoices).get(value, value))
        return value


class HistoryAdmin(SimpleHistoryAdmin):
    """simple_history's admin with its history pages read-only: who changed what, when and
    why (the change reason), never a revert. Reverting writes an old version back without the
    checks of the page or service that made the change (a reorganisation, a membership's
    end), so a record is changed forward, through its own form. Each change is shown
    readable (ReadableHistoryHelper), "—" for no user or no reason."""

    object_history_list_template = "admin/object_history_list_readable.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
