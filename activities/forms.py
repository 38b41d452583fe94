from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from agencies import permissions
from agencies.models import ActivityKind, Agency, Duty, User
from agencies.permissions import Action
from doingoai.forms import (
    MAX_INTEGER,
    AmountField,
    FastSelect,
    FastSelectMultiple,
    IdsChoiceField,
    country_choices,
    parse_id,
)

from .imports import MAX_ROWS
from .models import CURRENCIES, Activity, Partner
from .services import AID_FIELDS, ActivityData, NewPartner, duties_of, validate_activity
from .workflow import BULK_MOVES


class DateInput(forms.DateInput):
    """A day typed as digits. Shown as Django shows a date input, in the first of the active
    language's DATE_INPUT_FORMATS (doingoai/formats/: dd/mm/yyyy in every language)."""

    def __init__(self, **kwargs) -> None:
        attrs = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
        super().__init__(attrs=attrs, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


# The files one form takes at once. Django refuses a request of more than
# DATA_UPLOAD_MAX_NUMBER_FILES with a bare error page before any form is read, so that limit
# is higher: a user who picks too many gets this form's message, the text typed kept.
MAX_FILES = 10


def _files_help() -> str:
    return _("PDF, DOCX, XLSX, JPG or PNG; at most %(count)d files at a time, 20 MB each.") % {
        "count": MAX_FILES
    }


FILES_HELP = lazy(_files_help, str)()


class MultipleFileField(forms.FileField):
    """Several files in one input, at most MAX_FILES."""

    widget = MultipleFileInput
    default_error_messages = {
        "too_many": _("Attach at most %(count)d files at a time; you chose %(chosen)d."),
    }

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_FILES:
            raise ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"count": MAX_FILES, "chosen": len(files)},
            )
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def date_field(label: str, required: bool = True) -> forms.DateField:
    """A date read in any of the active language's DATE_INPUT_FORMATS, as Django's DateField
    reads one (doingoai/formats/)."""
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a date as dd/mm/yyyy, e.g. 25/11/2019.")},
    )


def _count_range() -> str:
    return _("Enter a whole number from 0 to %(max)s.") % {
        "max": number_format(MAX_INTEGER, force_grouping=True)
    }


def count_field(label: str) -> forms.IntegerField:
    """A number of people: a whole number from 0 to MAX_INTEGER, as the import reads it
    (imports.check_rows), so that both store what the database's integer column holds."""
    message = lazy(_count_range, str)()
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_INTEGER,
        required=False,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


class ActivityForm(forms.Form):
    """Everything a user enters about an activity. The rules live in services.py."""

    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=ActivityKind.choices)
    duty = forms.ModelChoiceField(
        label=_("Duty of the plan"),
        queryset=Duty.objects.none(),
        required=False,
        help_text=_(
            "The duty of the plan in force on the activity's start date that this activity "
            "carries out, if any."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=500)
    start_date = date_field(_("Start date"))
    end_date = date_field(_("End date"))
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=Activity._meta.get_field("description").max_length,
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=Activity._meta.get_field("outcome").max_length,
    )
    countries = forms.MultipleChoiceField(
        label=_("Partner countries"),
        choices=country_choices,
        required=False,
        widget=FastSelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl to choose several."),
    )
    partners = IdsChoiceField(
        label=_("Partner organisations"),
        queryset=Partner.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    new_partner_name = forms.CharField(label=_("New partner: name"), max_length=255, required=False)
    new_partner_kind = forms.ChoiceField(
        label=_("New partner: kind"),
        choices=[("", "---------"), *Partner.Kind.choices],
        required=False,
    )
    new_partner_country = forms.ChoiceField(
        label=_("New partner: country"),
        choices=lambda: [("", "---------"), *country_choices()],
        required=False,
        widget=FastSelect,
    )
    co_organisers = IdsChoiceField(
        label=_("Co-organising agencies"),
        queryset=Agency.objects.active(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    participants_vietnamese = count_field(_("Vietnamese participants"))
    participants_foreign = count_field(_("Foreign participants"))

    donor = forms.ModelChoiceField(label=_("Donor"), queryset=Partner.objects.all(), required=False)
    donor_is_new_partner = forms.BooleanField(
        label=_("The new partner above is the donor"), required=False
    )
    aid_type = forms.ChoiceField(
        label=_("Aid type"), choices=[("", "---------"), *Activity.AidType.choices], required=False
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", "---------"), *Activity.Sector.choices], required=False
    )
    committed_amount = AmountField(
        label=_("Committed amount"), max_digits=18, decimal_places=2, required=False
    )
    disbursed_amount = AmountField(
        label=_("Disbursed amount"), max_digits=18, decimal_places=2, required=False
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[("", "---------"), *CURRENCIES], required=False
    )
    committed_vnd = AmountField(
        label=_("Committed amount in VND"),
        max_digits=20,
        decimal_places=0,
        required=False,
    )
    approval_number = forms.CharField(
        label=_("Approval decision number"), max_length=100, required=False
    )
    approval_date = date_field(_("Approval decision date"), required=False)

    attachments = MultipleFileField(
        label=_("Attach evidence"), required=False, help_text=FILES_HELP
    )

    AID_FORM_FIELDS = (*AID_FIELDS, "donor_is_new_partner")

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["agency"].queryset = permissions.agencies_for(user, Action.ACT).order_by(
            "position", "name"
        )
        agency = self.selected_agency()
        if agency is not None:
            # The duties of the plan in force on the activity's start date (today when none).
            self.fields["duty"].queryset = (
                duties_of(agency, on=self._start_date() or timezone.localdate())
                .distinct()
                .order_by("position")
            )
        # htmx: the duty list follows the agency, the kind-specific part follows the kind.
        self.fields["agency"].widget.attrs.update(
            {
                "hx-get": reverse("activities:form-duties"),
                "hx-target": "#duty-field",
                "hx-include": "this",
            }
        )
        self.fields["kind"].widget.attrs.update(
            {
                "hx-get": reverse("activities:form-kind-fields"),
                "hx-target": "#kind-fields",
                "hx-include": "this",
            }
        )

    def _start_date(self):
        """The start date typed (bound) or given (initial), None when none reads as a date."""
        value = self.data.get("start_date") if self.is_bound else self.initial.get("start_date")
        try:
            return self.fields["start_date"].clean(value) if value else None
        except ValidationError:
            return None

    def selected_agency(self) -> Agency | None:
        value = self.data.get("agency") if self.is_bound else self.initial.get("agency")
        if isinstance(value, Agency):
            return value
        try:
            return self.fields["agency"].queryset.get(pk=value) if value else None
        except (Agency.DoesNotExist, ValueError, TypeError):
            return None

    @property
    def is_aid(self) -> bool:
        kind = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        return kind == ActivityKind.AID_MOBILISATION

    def aid_fields(self):
        return [self[name] for name in self.AID_FORM_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        new_name = cleaned.get("new_partner_name", "").strip()
        if new_name and not cleaned.get("new_partner_kind"):
            self.add_error("new_partner_kind", _("Choose the kind of the new partner."))
        if cleaned.get("donor_is_new_partner") and not new_name:
            self.add_error("new_partner_name", _("Enter the new partner who is the donor."))
        if self.errors:
            return cleaned
        try:
            data = self.to_data()
            # Editing: the date the record already has (initial_from) is kept as it is.
            before = self.initial.get("agency")
            same_agency = getattr(before, "pk", before) == data.agency.pk
            kept = self.initial.get("start_date") if same_agency else None
            validate_activity(data, kept_start=kept)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return cleaned

    def to_data(self) -> ActivityData:
        c = self.cleaned_data
        new_partner = None
        if c.get("new_partner_name", "").strip():
            new_partner = NewPartner(
                name=c["new_partner_name"],
                kind=c["new_partner_kind"],
                country=c.get("new_partner_country", ""),
                is_donor=bool(c.get("donor_is_new_partner")),
            )
        return ActivityData(
            agency=c["agency"],
            kind=c["kind"],
            title=c["title"].strip(),
            start_date=c["start_date"],
            end_date=c["end_date"],
            duty=c.get("duty"),
            place=c.get("place", ""),
            description=c.get("description", ""),
            outcome=c.get("outcome", ""),
            countries=c.get("countries", []),
            partners=list(c.get("partners", [])),
            new_partner=new_partner,
            co_organisers=list(c.get("co_organisers", [])),
            participants_vietnamese=c.get("participants_vietnamese"),
            participants_foreign=c.get("participants_foreign"),
            aid={name: c.get(name) for name in AID_FIELDS},
        )

    @classmethod
    def initial_from(cls, activity: Activity) -> dict:
        initial = {
            name: getattr(activity, name)
            for name in (
                "agency",
                "kind",
                "duty",
                "title",
                "start_date",
                "end_date",
                "place",
                "description",
                "outcome",
                "participants_vietnamese",
                "participants_foreign",
                *AID_FIELDS,
            )
        }
        initial["countries"] = [c.country.code for c in activity.countries.all()]
        initial["partners"] = list(activity.partners.all())
        initial["co_organisers"] = list(activity.co_organisers.all())
        initial["version"] = activity.version
        return initial


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=Activity._meta.get_field("return_reason").max_length,
        error_messages={"required": _("Give the reason, so that the agency knows what to fix.")},
    )


STALE_PAGE = _(
    "The page did not say which version of the activity you loaded; reload it and make your "
    "changes again."
)


class VersionForm(forms.Form):
    """The version of the activity the page loaded (a hidden field): its errors are the
    page's, not the user's typing, so they say to reload."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=MAX_INTEGER,
        error_messages={
            code: STALE_PAGE for code in ("required", "invalid", "min_value", "max_value")
        },
    )


class ActivityEditForm(ActivityForm, VersionForm):
    """The activity form of the edit page, with the version the user loaded."""


class MoveForm(ReasonForm, VersionForm):
    """A move of the status table as the review panel posts it: the version the user saw,
    and the reason when the move needs one."""

    def __init__(self, *args, needs_reason: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not needs_reason:
            del self.fields["reason"]

    def problem(self) -> str:
        """What to tell the user when the form is not valid."""
        if "reason" in self.errors:
            return " ".join(self.errors["reason"])
        return str(_("The form was incomplete; nothing was changed."))


# The rows of one page of the review queue (views.review_queue): more ticked than that is no
# form of ours. A full page posts this many fields and three more (the token, the move, the
# reason), far below DATA_UPLOAD_MAX_NUMBER_FIELDS.
REVIEW_PAGE_SIZE = 25
MAX_TICKED = REVIEW_PAGE_SIZE


class VersionsField(forms.Field):
    """The ticked rows of the review queue, each posted as "<id>:<version>" (both numbers
    from 1 to MAX_INTEGER, see parse_id), as {activity id: version}. Refuses more than
    MAX_TICKED rows, and a row of another shape: neither comes from the queue's page."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Tick at least one activity."),
        "invalid": _("The form was incomplete; reload the page and tick the activities again."),
        "too_many": _("Tick at most %(count)d activities at a time (one page of the queue)."),
    }

    def to_python(self, value) -> dict[int, int]:
        items = value if isinstance(value, list | tuple) else [value] if value else []
        if len(items) > MAX_TICKED:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"count": MAX_TICKED}
            )
        versions = {}
        for item in items:
            pk, _sep, version = str(item).partition(":")
            pk, version = parse_id(pk), parse_id(version)
            if pk is None or version is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            versions[pk] = version
        return versions


CHOOSE_MOVE = _("Choose whether to accept or to return the ticked activities.")


class BulkReviewForm(forms.Form):
    """The review queue's decision on the ticked activities."""

    versions = VersionsField()
    action = forms.ChoiceField(
        choices=[(move.name, move.bulk.label) for move in BULK_MOVES],
        error_messages={"required": CHOOSE_MOVE, "invalid_choice": CHOOSE_MOVE},
    )
    # A textarea, as the queue's template renders it: a reason keeps its lines.
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=Activity._meta.get_field("return_reason").max_length,
    )

    def problem(self) -> str:
        """What to tell the user when the form is not valid."""
        return " ".join(" ".join(errors) for errors in self.errors.values())


IMPORT_MAX_BYTES = 10 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx) or CSV (UTF-8)"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Fill in the template; at most 10 MB and %(rows)s rows."
        ) % {"rows": number_format(MAX_ROWS, force_grouping=True)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB; split it."))
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise ValidationError(_("Only .xlsx and .csv files can be imported."))
        return upload
