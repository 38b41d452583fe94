from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import ActivityKind, Agency, Duty
from doingoai.forms import FastSelect, country_choices

from .forms import DateInput
from .models import Activity, ActivityCountry


class ActivityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(attrs={"placeholder": _("Title, description, place, partner")}),
    )
    agency = django_filters.ModelChoiceFilter(
        label=_("Agency"), queryset=Agency.objects.all(), empty_label=_("All agencies")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=ActivityKind.choices, empty_label=_("All kinds")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Activity.Status.choices, empty_label=_("All statuses")
    )
    date_from = django_filters.DateFilter(
        label=_("From"),
        field_name="end_date",
        lookup_expr="gte",
        widget=DateInput(),
    )
    date_to = django_filters.DateFilter(
        label=_("To"),
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
        for field in self.form.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = FastSelect(choices=field.widget.choices)

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_country(self, queryset, name, value):
        return queryset.filter(
            pk__in=ActivityCountry.objects.filter(country=value).values("activity_id")
        )
