from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import ActivityKind, Agency, Duty
from agencies.names import Lineage
from doingoai.forms import FastSelect, country_choices

from .forms import DateInput
from .models import Activity, ActivityCountry


class GroupedFastSelect(FastSelect):
    """A FastSelect whose choices may hold groups, (label, [(value, label), …]), rendered as
    <optgroup>s."""

    def render(self, name, value, attrs=None, renderer=None):
        """The <select> with its options and <optgroup>s, every label escaped."""
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = {str(v) for v in self.format_value(value)}

        def options(choices) -> str:
            return format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (option, mark_safe(" selected") if str(option) in chosen else "", label)
                    for option, label in choices
                ),
            )

        parts = []
        for option, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(
                    format_html('<optgroup label="{}">{}</optgroup>', option, options(label))
                )
            else:
                parts.append(options([(option, label)]))
        return format_html(
            "<select{}>{}</select>",
            mark_safe(forms.utils.flatatt(final)),
            mark_safe("".join(parts)),
        )


AS_REPORTED, BY_TODAY = "", "today"
SORT_BY_AGENCY = "agency__short_name"


class ActivityFilter(django_filters.FilterSet):
    """The activity list's filters. Building it reads every agency once (the agency select's
    choices and the Lineage that follows successors and parents)."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(attrs={"placeholder": _("Title, description, place, partner")}),
    )
    agency = django_filters.ChoiceFilter(
        label=_("Agency"), empty_label=_("All agencies"), method="filter_by_agency"
    )
    under = django_filters.BooleanFilter(
        label=_("and the agencies under it"),
        method="filter_by_agency",
        widget=forms.CheckboxInput(),
    )
    grouping = django_filters.ChoiceFilter(
        label=_("Agency shown"),
        choices=[(BY_TODAY, _("by today's agency"))],
        empty_label=_("as reported"),
        method="filter_by_agency",
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=ActivityKind.choices, empty_label=_("All kinds")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Activity.Status.choices, empty_label=_("All statuses")
    )
    # A date range's ends ("Từ ngày", "Đến ngày"), each under its own context: the bare
    # "To" once also labelled a message's recipients.
    date_from = django_filters.DateFilter(
        label=pgettext_lazy("start of a date range", "From"),
        field_name="end_date",
        lookup_expr="gte",
        widget=DateInput(),
    )
    date_to = django_filters.DateFilter(
        label=pgettext_lazy("end of a date range", "To"),
        field_name="start_date",
        lookup_expr="lte",
        widget=DateInput(),
    )
    country = django_filters.ChoiceFilter(
        label=_("Partner country"),
        choices=country_choices,
        method="filter_country",
        empty_label=_("All countries"),
    )
    duty = django_filters.ModelChoiceFilter(
        label=_("Duty"), queryset=Duty.objects.order_by("position"), empty_label=_("All duties")
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Newest first"),
        fields=[
            ("start_date", "start_date"),
            ("title", "title"),
            ("agency__short_name", "agency"),
            ("status", "status"),
            ("updated_at", "updated"),
        ],
        field_labels={
            "start_date": _("Start date"),
            "title": _("Title"),
            "agency__short_name": _("Agency"),
            "status": _("Status"),
            "updated_at": _("Last change"),
        },
    )

    class Meta:
        model = Activity
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every agency, once: the agency select's choices, and the lineage that follows
        # successors and parents (one query, whatever the number of agencies).
        self.agencies = list(Agency.objects.in_directory_order())
        self.lineage = Lineage(self.agencies)
        self.form.fields["agency"].choices = agency_choices(self.agencies)
        for field in self.form.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = FastSelect(choices=field.widget.choices)
        self.form.fields["agency"].widget = GroupedFastSelect(
            choices=self.form.fields["agency"].choices
        )
        self.form.fields["under"].widget.attrs["class"] = "form-check-input"

    @property
    def by_today(self) -> bool:
        """Whether records are shown under the agency that carries their work today."""
        data = getattr(self.form, "cleaned_data", None) or {}
        return data.get("grouping") == BY_TODAY

    def filter_by_agency(self, queryset, name, value):
        """No filtering here: `agency`, `under` and `grouping` are read together by
        filter_queryset."""
        return queryset  # the agency, `under` and `grouping` work together: filter_queryset

    def agency_ids(self, agency_id: int, under: bool, by_today: bool) -> set[int]:
        """The agencies whose records the agency filter keeps: `agency_id`; with `under`, the
        agencies under it (transitively); by today's agency, those whose work it (or one under
        it) took over, transitively (a merge of merges), and those under them."""
        ids = {agency_id}
        while True:
            more = set(ids)
            for pk in ids:
                if under:
                    more |= self.lineage.with_descendants(pk)
                if by_today:
                    more |= self.lineage.with_predecessors(pk)
            if more == ids:
                return ids
            ids = more

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """The declared filters, then the agency filter (with those under it and, by today's
        agency, those it took over from; agency_ids) and the sorting by today's agency. No
        query of its own: the lineage was read with the agency choices."""
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        by_today = data.get("grouping") == BY_TODAY
        if data.get("agency"):
            ids = self.agency_ids(int(data["agency"]), bool(data.get("under")), by_today)
            queryset = queryset.filter(agency_id__in=ids)
        if by_today:
            queryset = self.sort_by_today(queryset)
        return queryset

    def sort_by_today(self, queryset: QuerySet) -> QuerySet:
        """Sorting by agency, by today's agency: a closed agency's records sort under the
        short name of the agency that carries its work today."""
        order = list(queryset.query.order_by)
        if not {SORT_BY_AGENCY, f"-{SORT_BY_AGENCY}"} & set(order):
            return queryset
        moved = self.lineage.renamed_by_succession()
        whens = [
            When(agency_id=pk, then=Value(self.lineage.by_id[current].short_name))
            for pk, current in moved.items()
            if current in self.lineage.by_id
        ]
        name = (
            Case(*whens, default=F(SORT_BY_AGENCY), output_field=CharField())
            if whens
            else F(SORT_BY_AGENCY)
        )
        order = [
            ("-today_agency" if key.startswith("-") else "today_agency")
            if key.lstrip("-") == SORT_BY_AGENCY
            else key
            for key in order
        ]
        return queryset.alias(today_agency=name).order_by(*order)

    def filter_search(self, queryset, name, value):
        """Activities matching the words typed (Activity.objects.search)."""
        return queryset.search(value)

    def filter_country(self, queryset, name, value):
        """Activities held with the country `value` (one of its countries)."""
        return queryset.filter(
            pk__in=ActivityCountry.objects.filter(country=value).values("activity_id")
        )


def agency_choices(agencies: list[Agency]) -> list:
    """The agency select's choices: the agencies in operation today (or not yet), in directory
    order, then those that closed under a group "No longer in operation"."""
    today = timezone.localdate()
    working = [(a.pk, str(a)) for a in agencies if a.closed_on is None or a.closed_on > today]
    closed = [(a.pk, str(a)) for a in agencies if a.closed_on is not None and a.closed_on <= today]
    choices: list = list(working)
    if closed:
        choices.append((_("No longer in operation"), closed))
    return choices
