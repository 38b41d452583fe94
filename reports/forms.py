from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from doingoai.forms import MAX_INTEGER

from .models import AgencyReport, ConsolidatedReport

TEXT_MAX = AgencyReport.TEXT_MAX_CHARS

# What a form whose hidden version is missing or broken says: the page's fault, not the
# typing's, and not someone else's change either.
INCOMPLETE_FORM = _(
    "The form was incomplete: it did not say which version of the report you loaded. Reload "
    "the page and make your changes again; nothing was changed."
)


def version_field() -> forms.IntegerField:
    """The version of the report the page loaded (a hidden field)."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=MAX_INTEGER,
        error_messages={
            code: INCOMPLETE_FORM for code in ("required", "invalid", "min_value", "max_value")
        },
    )


def _text(label, help_text="", rows=6) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class AgencyReportForm(forms.Form):
    version = version_field()
    results = _text(
        _("Results"), _("What the agency did in the period, beyond the figures listed above.")
    )
    difficulties = _text(_("Difficulties and obstacles"), rows=4)
    proposals = _text(_("Proposals"), _("What the agency asks of the province."), rows=4)

    @staticmethod
    def initial_for(report: AgencyReport) -> dict:
        """The form as the report is now, with the version it is at."""
        return {
            "version": report.version,
            "results": report.results,
            "difficulties": report.difficulties,
            "proposals": report.proposals,
        }


class NarrativeForm(forms.Form):
    """The text of the latest version of the province's report, as the page showed it at
    `version`."""

    version = version_field()
    situation = _text(_("I. General situation"), rows=5)
    results = _text(_("II. Results"), rows=8)
    shortcomings = _text(_("III. Shortcomings and limitations"), rows=5)
    directions = _text(_("IV. Directions and tasks for the next period"), rows=5)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ConsolidatedReport.SECTIONS:
            self.fields[name].help_text = _("Leave empty to draft it again from the data.")

    def sections(self) -> dict[str, str]:
        """The text of each section, as save_narrative takes it (a valid form's)."""
        return {name: self.cleaned_data[name] for name in ConsolidatedReport.SECTIONS}


class IssueForm(forms.Form):
    """The issue button, with the version of the report the page showed, and the box that
    confirms the characters its PDF cannot print, as the page listed them."""

    version = version_field()
    blanks_confirmed = forms.BooleanField(
        required=False,
        label=_("I checked the characters that cannot be printed; issue with them left blank"),
    )
