from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doingoai.files import DOCX, PDF, sniff
from doingoai.text import TEXT_MAX_CHARS

from .models import ImplementingProgramme, User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "position"]


def _date_field(label: str) -> forms.DateField:
    """A day typed dd/mm/yyyy (the active language's DATE_INPUT_FORMATS, doingoai/formats/)."""
    return forms.DateField(
        label=label,
        widget=forms.DateInput(
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
        ),
        error_messages={"invalid": _("Enter a date as dd/mm/yyyy, e.g. 25/11/2019.")},
    )


class ProgrammeForm(forms.Form):
    """An agency's implementing programme of the plan (section IV.1): what
    agencies.plans.record_programme takes. The file's content is checked by the service."""

    number = forms.CharField(
        label=_("Document number"),
        max_length=ImplementingProgramme._meta.get_field("number").max_length,
        help_text=_("e.g. 25/CTr-UBND"),
    )
    issued_on = _date_field(_("Issued on"))
    title = forms.CharField(
        label=_("Title of the programme"),
        max_length=ImplementingProgramme._meta.get_field("title").max_length,
        required=False,
    )
    file = forms.FileField(
        label=_("File (PDF or DOCX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx"}),
    )

    def clean_file(self):
        """A PDF or DOCX by its content, as the label says (agencies.plans.record_programme
        checks it again, with the size): other kinds the portal keeps (XLSX, JPG, PNG) are
        refused with the same words as the label, not the list of every attachment kind."""
        upload = self.cleaned_data["file"]
        if 0 < upload.size <= settings.ATTACHMENT_MAX_BYTES and sniff(upload) not in (PDF, DOCX):
            raise ValidationError(
                gettext("“%(name)s” is not a PDF or DOCX file (checked by its content).")
                % {"name": upload.name}
            )
        return upload


class EvaluationForm(forms.Form):
    """Sở Ngoại vụ's yearly evaluation of the plan (section IV.2), as
    agencies.plans.record_evaluation takes it."""

    results = forms.CharField(
        label=_("Results"), widget=forms.Textarea(attrs={"rows": 6}), max_length=TEXT_MAX_CHARS
    )
    lessons = forms.CharField(
        label=_("Lessons learned"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX_CHARS,
        required=False,
    )
    adjustments = forms.CharField(
        label=_("Proposed adjustments to the plan"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX_CHARS,
        required=False,
    )
