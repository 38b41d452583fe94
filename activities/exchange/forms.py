"""Forms of the information exchange: a new message, an answer, the handling of a difficulty,
and the search and filters of the inbox and the sent list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activities.forms import FILES_HELP, MultipleFileField, date_field
from activities.models import Activity
from agencies import permissions
from agencies.models import Agency, Duty, User
from doingoai.forms import IdsChoiceField, parse_id
from doingoai.text import search_terms

from .models import Message, MessageQuerySet
from .services import response_too_long


class MessageForm(forms.Form):
    sender_agency = forms.ModelChoiceField(label=_("Sender agency"), queryset=Agency.objects.none())
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(v, label) for v, label in Message.Kind.choices if v != Message.Kind.REPLY],
    )
    recipients = IdsChoiceField(
        # Not the date filter's "To" ("Đến ngày"): the agencies a message goes to.
        label=pgettext_lazy("recipients of a message", "To"),
        queryset=Agency.objects.active(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl to choose several, or tick a group below."),
    )
    groups = forms.MultipleChoiceField(
        label=_("Or a whole group"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("district", _("All districts")),
            ("department", _("All departments")),
            ("mass_org", _("All mass organisations")),
            ("all", _("Every agency of the plan")),
        ],
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(
        label=_("Content"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=Message.BODY_MAX_CHARS,
    )
    due_date = date_field(_("Answer by"), required=False)
    activity = forms.IntegerField(
        label=_("Related activity (number)"),
        required=False,
        min_value=1,
        help_text=_("The number shown on the activity's page, e.g. 125."),
    )
    duty = forms.ModelChoiceField(
        label=_("Related duty of the plan"),
        queryset=Duty.objects.order_by("position"),
        required=False,
    )
    attachments = MultipleFileField(label=_("Attach files"), required=False, help_text=FILES_HELP)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        senders = permissions.sending_agencies(user).order_by("position", "name")
        self.fields["sender_agency"].queryset = senders
        if len(senders[:2]) == 1:
            self.fields["sender_agency"].initial = senders[0]

    def clean_activity(self) -> Activity | None:
        number = self.cleaned_data.get("activity")
        if not number:
            return None
        activity = Activity.objects.visible_to(self.user).filter(pk=number).first()
        if activity is None:
            raise ValidationError(
                _("There is no activity number %(number)s that you may see."),
                params={"number": number},
            )
        return activity

    def recipient_agencies(self) -> list[Agency]:
        """The agencies chosen one by one and those of the groups ticked, each once."""
        chosen = {a.pk: a for a in self.cleaned_data.get("recipients", [])}
        groups = set(self.cleaned_data.get("groups", []))
        if groups:
            extra = Agency.objects.active().exclude(kind=Agency.Kind.PROVINCE)
            if "all" not in groups:
                extra = extra.filter(kind__in=groups)
            chosen.update({a.pk: a for a in extra})
        return list(chosen.values())

    def message_fields(self) -> dict[str, Any]:
        """The keyword arguments of services.send_message (all but the actor)."""
        c = self.cleaned_data
        return {
            "sender_agency": c["sender_agency"],
            "recipients": self.recipient_agencies(),
            "kind": c["kind"],
            "subject": c["subject"],
            "body": c["body"],
            "due_date": c.get("due_date"),
            "activity": c.get("activity"),
            "duty": c.get("duty"),
            "attachments": c["attachments"],
        }


class ReplyForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Answer as"), queryset=Agency.objects.none())
    body = forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=Message.BODY_MAX_CHARS,
    )
    attachments = MultipleFileField(label=_("Attach files"), required=False, help_text=FILES_HELP)

    def __init__(self, *args, agencies: QuerySet[Agency], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies

    @classmethod
    def offered(cls, agencies: QuerySet[Agency]) -> ReplyForm | None:
        """The empty form for the message page, its agency chosen when there is one; None
        when none of the user's agencies may answer (one query)."""
        first = list(agencies[:2])
        if not first:
            return None
        return cls(agencies=agencies, initial={"agency": first[0]} if len(first) == 1 else {})


class HandlingForm(forms.Form):
    """How far the handling of a reported difficulty has come, and Sở Ngoại vụ's response."""

    status = forms.ChoiceField(label=_("Handling"), choices=Message.DifficultyStatus.choices)
    response = forms.CharField(
        label=_("Response"),
        required=False,
        max_length=Message.BODY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": lazy(response_too_long, str)()},
    )

    def __init__(self, *args, message: Message, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {"status": message.difficulty_status, "response": message.difficulty_response},
        )
        super().__init__(*args, **kwargs)

    def problem(self) -> str:
        """What to tell the user when the form is not valid: the response's own error, or
        the status to choose."""
        if "response" in self.errors:
            return " ".join(self.errors["response"])
        return str(_("Choose how far the handling has come."))


class _FilterForm(forms.Form):
    """The query string of the lists (cleaned on the way in, doingoai.middleware), checked by
    Django's own fields. The agency is read by parse_id, as every id of the portal is
    (ListFilters.from_query)."""

    q = forms.CharField(required=False)
    kind = forms.ChoiceField(required=False, choices=Message.Kind.choices)
    state = forms.CharField(required=False)
    agency = forms.CharField(required=False, strip=False)


@dataclass(frozen=True)
class ListFilters:
    """The search and filters the inbox and the sent list share, read from the query
    string; a value the lists do not know, or a crafted one, filters nothing."""

    query: str = ""
    kind: str = ""
    state: str = ""
    agency_id: int | None = None  # the other agency

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> ListFilters:
        """The filters of a request's query string (`q`, `kind`, `state`, `agency`); each
        one that is not valid is left out."""
        form = _FilterForm(params)
        form.is_valid()
        values = form.cleaned_data  # the valid fields only
        return cls(
            query=values.get("q", ""),
            kind=values.get("kind", ""),
            state=values.get("state", ""),
            # An id in range or nothing: no "²" (str.isdigit passes it), nor 20 digits.
            agency_id=parse_id(values.get("agency", "")),
        )

    def search(self, messages: MessageQuerySet) -> MessageQuerySet:
        """Accent-insensitive search of subject and content, and the kind."""
        for term in search_terms(self.query):
            messages = messages.filter(search_text__contains=term)
        if self.kind:
            messages = messages.filter(kind=self.kind)
        return messages

    def context(self) -> dict[str, Any]:
        """What the list templates show in the filter bar."""
        return {
            "query": self.query,
            "kind": self.kind,
            "kinds": Message.Kind.choices,
            "state": self.state,
            # compared as text with each agency's id by the page
            "agency": "" if self.agency_id is None else str(self.agency_id),
        }
