"""The calendar's dates, edited by administrators with their history; the users'
subscription links listed without their secret (deleting one stops its link)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from doingoai.admin import ChangeReasonAdminMixin, HistoryAdmin
from reports.completeness import dmy

from .models import CalendarFeed, Observance


@admin.register(Observance)
class ObservanceAdmin(ChangeReasonAdminMixin, HistoryAdmin):
    list_display = ["title", "country", "kind", "when", "since_year", "active"]
    # Only the countries that have a date, not the world's 250.
    list_filter = ["kind", "active", ("country", CountryFilter)]
    search_fields = ["title", "source", "notes"]
    fieldsets = [
        (None, {"fields": ["title", "country", "kind", "active"]}),
        (_("Date"), {"fields": ["month", "day", "on_date", "since_year"]}),
        (_("Source"), {"fields": ["source", "notes"]}),
    ]

    @admin.display(description=_("date"), ordering="month")
    def when(self, obj: Observance) -> str:
        if obj.on_date is not None:
            return dmy(obj.on_date)
        return f"{obj.day:02d}/{obj.month:02d}"


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__username"]
    fields = ["user", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
