from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EmailChoice, Kind

CHOOSE_ONE = _("Choose how to receive it: immediately, in the daily digest, or not by e-mail.")


class EmailPreferencesForm(forms.Form):
    """One choice per Kind (a field named by its value): how its notifications are
    e-mailed (EmailChoice)."""

    def chosen(self) -> dict[str, str]:
        """The kinds posted, with their choice (after is_valid)."""
        return {kind: choice for kind, choice in self.cleaned_data.items() if choice}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=EmailChoice.choices,
                initial=EmailChoice.IMMEDIATELY,
                # A form posted without a kind (an older page) keeps that kind's choice.
                required=False,
                error_messages={"invalid_choice": CHOOSE_ONE},
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
