"""The reorganisation pages of the admin: the list of reorganisations, each read-only with
what it changed, and "add", which reorganises on a date (agencies.reorganisation).

Adding goes in three steps, with no JavaScript: a form (the kind, the date, the agencies, the
new agency, the reason; or a reorganisation file, docs/reorganise.md) → a preview of what would
change (agencies, memberships ended, drafts moved, reports added and removed, users who need a
new membership), computed by the service itself in a rolled-back transaction → a confirmation
button that applies the same operations and leads to the Reorganisation written. The
operations travel from the preview to the confirmation as a signed document in the form, and
the service checks them again before writing. Only administrators with the add permission.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doingoai.text import clean_text

from . import reorganisation as service
from .models import Agency, Reorganisation

SIGNING_SALT = "agencies.reorganise"
# A preview older than this is not confirmed: the organisation may have changed since.
SIGNED_MAX_AGE = 60 * 60
FILE_MAX_BYTES = 1024 * 1024
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def agencies_not_closed():
    """The agencies not closed today (in operation, or scheduled to begin), by name."""
    today = timezone.localdate()
    return Agency.objects.exclude(closed_on__lte=today).order_by("name")


def agency_choice_label(agency: Agency) -> str:
    """An agency in a select: its full name and its code."""
    return f"{agency.name} ({agency.code})"


class ReorganiseForm(forms.Form):
    """One operation typed in, or a file of operations."""

    file = forms.FileField(
        label=_("Reorganisation file"),
        required=False,
        help_text=_(
            "A JSON file of operations (docs/reorganise.md). When given, the fields below are "
            "ignored."
        ),
    )
    kind = forms.ChoiceField(
        label=capfirst(_("kind")),
        required=False,
        choices=[("", "---------"), *Reorganisation.Kind.choices],
    )
    effective_on = forms.DateField(
        label=capfirst(_("effective on")),
        required=False,
        input_formats=DATE_FORMATS,
        help_text=_("DD/MM/YYYY. A date ahead schedules the change."),
    )
    agencies = forms.ModelMultipleChoiceField(
        label=_("Agencies"),
        queryset=Agency.objects.order_by("name"),
        to_field_name="code",
        required=False,
        help_text=_(
            "The agencies to merge; or the one agency to split, rename or close (hold Ctrl to "
            "choose several)."
        ),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    into = forms.ModelChoiceField(
        label=_("Existing agency that takes over"),
        queryset=Agency.objects.order_by("name"),
        to_field_name="code",
        required=False,
        help_text=_(
            "Merge: an agency in operation that receives the others (leave empty to create a "
            "new one below). Close: the successor, if any."
        ),
    )
    new_code = forms.CharField(label=_("New agency's code"), required=False, max_length=20)
    new_name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=255,
        help_text=_("The new agency's full name, or the new name of a renamed agency."),
    )
    new_short_name = forms.CharField(
        label=capfirst(_("short name")), required=False, max_length=100
    )
    new_kind = forms.ChoiceField(
        label=_("Kind of agency"),
        required=False,
        choices=[("", "---------"), *Agency.Kind.choices],
        help_text=_("The new agency's kind; for a rename, only if the kind changes too."),
    )
    new_parent = forms.ModelChoiceField(
        label=capfirst(_("parent agency")),
        queryset=Agency.objects.order_by("name"),
        to_field_name="code",
        required=False,
    )
    split_targets = forms.CharField(
        label=_("Agencies of a split"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_(
            "One per line, the first is the successor: CODE; full name; kind; short name "
            "(a new agency, under the parent chosen above), or just the CODE of an agency in "
            "operation."
        ),
    )
    reason = forms.CharField(
        label=capfirst(_("reason")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=_("The decision behind it, e.g. Resolution 1685/NQ-UBTVQH15."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A closed agency cannot be reorganised again, take over or be a parent: the
        # choices are the agencies not closed today (those scheduled to begin included),
        # each by its name and code.
        not_closed = agencies_not_closed()
        for name in ("agencies", "into", "new_parent"):
            field = self.fields[name]
            field.queryset = not_closed
            field.label_from_instance = agency_choice_label

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        upload = data.get("file")
        if upload:
            if upload.size > FILE_MAX_BYTES:
                raise forms.ValidationError(gettext("The file is larger than 1 MB."))
            try:
                document = service.load_document(upload.read())
            except service.ReorganisationError as exc:
                raise forms.ValidationError(exc.messages) from None
            data["document"] = _as_dict(document.operations, data.get("reason") or document.reason)
            return data
        data["document"] = {
            "reason": data.get("reason") or "",
            "operations": [self._operation(data)],
        }
        return data

    def _operation(self, data) -> dict:
        kind = data.get("kind")
        day = data.get("effective_on")
        if not kind:
            raise forms.ValidationError(gettext("Choose the kind of reorganisation, or a file."))
        if not day:
            raise forms.ValidationError(gettext("Give the date it takes effect."))
        codes = [agency.code for agency in data.get("agencies") or []]
        into = data.get("into")
        parent = data.get("new_parent")
        op: dict = {"op": kind, "effective_on": day.isoformat()}
        if kind == Reorganisation.Kind.MERGE:
            op["sources"] = codes
            if into is not None:
                op["into"] = into.code
            else:
                op["into"] = {
                    "code": data.get("new_code", ""),
                    "name": data.get("new_name", ""),
                    "short_name": data.get("new_short_name", ""),
                    "kind": data.get("new_kind", ""),
                    "parent": parent.code if parent else "",
                }
            return op
        if len(codes) != 1:
            raise forms.ValidationError(
                gettext("Choose exactly one agency to split, rename or close.")
            )
        if kind == Reorganisation.Kind.SPLIT:
            op["source"] = codes[0]
            op["into"] = self._split_targets(data.get("split_targets", ""), parent)
        elif kind == Reorganisation.Kind.RENAME:
            op.update(
                code=codes[0],
                name=data.get("new_name", ""),
                short_name=data.get("new_short_name", ""),
                kind=data.get("new_kind", ""),
            )
        else:
            op.update(code=codes[0], successor=into.code if into else "")
        return op

    @staticmethod
    def _split_targets(text: str, parent: Agency | None) -> list:
        targets: list = []
        for line in clean_text(text, multiline=True).splitlines():
            parts = [part.strip() for part in line.split(";")]
            if not parts[0]:
                continue
            if len(parts) == 1:
                targets.append(parts[0])
                continue
            parts += [""] * (4 - len(parts))
            targets.append(
                {
                    "code": parts[0],
                    "name": parts[1],
                    "kind": parts[2],
                    "short_name": parts[3],
                    "parent": parent.code if parent else "",
                }
            )
        return targets


def _as_dict(operations: list[service.Operation], reason: str) -> dict:
    """Operations back in the file's format, to carry them from the preview to the
    confirmation (read_document reads them again)."""
    items = []
    for op in operations:
        item = {"op": service.KIND_OF[type(op)], "effective_on": op.effective_on.isoformat()}
        for name, value in vars(op).items():
            if name in {"effective_on", "label"} or value in ("", None):
                continue
            if isinstance(value, service.NewAgency):
                value = vars(value)
            elif isinstance(value, tuple):
                value = [vars(v) if isinstance(v, service.NewAgency) else v for v in value]
            item[name] = value
        items.append(item)
    return {"reason": reason, "operations": items}


def render_summary(summary: service.Summary) -> str:
    """The summary as the admin shows it (a preview, or a reorganisation's changes)."""
    return render_to_string("admin/agencies/reorganisation/summary.html", {"summary": summary})


@admin.register(Reorganisation)
class ReorganisationAdmin(admin.ModelAdmin):
    """Reorganisations listed and read-only (each with what it changed: summary_of); adding
    one is the form or a file → the service's preview → a signed confirmation that applies
    it (agencies.reorganisation.apply), for administrators with the add permission. Never
    changed or deleted here: the rows it wrote and their history stay as applied."""

    list_display = ["effective_on", "kind", "sources_list", "targets_list", "created_by"]
    list_filter = ["kind"]
    date_hierarchy = "effective_on"
    search_fields = ["reason", "sources__code", "sources__name", "targets__code", "targets__name"]
    fields = [
        "kind",
        "effective_on",
        "reason",
        "sources_list",
        "targets_list",
        "created_by",
        "created_at",
        "changes_shown",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .prefetch_related("sources", "targets")
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("agencies before"))
    def sources_list(self, obj: Reorganisation) -> str:
        return "; ".join(agency_choice_label(a) for a in obj.sources.all())

    @admin.display(description=_("agencies after"))
    def targets_list(self, obj: Reorganisation) -> str:
        return "; ".join(agency_choice_label(a) for a in obj.targets.all())

    @admin.display(description=_("changes"))
    def changes_shown(self, obj: Reorganisation) -> str:
        # The readonly field turns line breaks into <br>: the rendered HTML has none to turn.
        return mark_safe(" ".join(render_summary(service.summary_of(obj)).splitlines()))

    # -- adding: the form, the preview, the confirmation

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm(request)
        form = ReorganiseForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            document = form.cleaned_data["document"]
            try:
                operations, reason = _operations(document)
                summary = service.preview(operations, actor=request.user, reason=reason)
            except service.ReorganisationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                return self._render(
                    request,
                    "admin/agencies/reorganisation/preview.html",
                    gettext("Check the reorganisation"),
                    summary=summary,
                    summary_html=render_summary(summary),
                    signed=signing.dumps(document, salt=SIGNING_SALT, compress=True),
                    reason=reason,
                )
        return self._render(
            request,
            "admin/agencies/reorganisation/reorganise.html",
            gettext("Reorganise on a date"),
            form=form,
        )

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        try:
            document = signing.loads(
                request.POST.get("document", ""), salt=SIGNING_SALT, max_age=SIGNED_MAX_AGE
            )
        except signing.BadSignature:
            self.message_user(
                request,
                gettext("The preview has expired or was altered: preview the change again."),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)
        try:
            operations, reason = _operations(document)
            summary = service.apply(operations, actor=request.user, reason=reason)
        except service.ReorganisationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            self.message_user(request, gettext("Nothing was changed."), messages.ERROR)
            return HttpResponseRedirect(request.path)
        ids = summary.reorganisation_ids
        for row in Reorganisation.objects.filter(pk__in=ids):
            self.log_addition(request, row, [{"added": {}}])
        self.message_user(
            request,
            gettext("The reorganisation was applied: %(count)d operation(s).")
            % {"count": len(summary.operations)},
            messages.SUCCESS,
        )
        if len(ids) == 1:
            return HttpResponseRedirect(
                reverse("admin:agencies_reorganisation_change", args=[ids[0]])
            )
        return HttpResponseRedirect(reverse("admin:agencies_reorganisation_changelist"))

    def _render(self, request, template: str, title: str, **context) -> TemplateResponse:
        opts = self.model._meta
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": opts,
                "title": title,
                "changelist_url": reverse("admin:agencies_reorganisation_changelist"),
                **context,
            },
        )


def _operations(document: dict) -> tuple[list[service.Operation], str]:
    read = service.read_document(document)
    return read.operations, read.reason
