from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from doingoai.admin import ReadOnlyAdminMixin

from .models import AgencyReport, ConsolidatedReport, ReportingPeriod


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    """Periods are created by the beat schedule or `create_periods`; here an administrator
    corrects a period's dates or deadline when the province decides otherwise."""

    list_display = ["__str__", "start_date", "end_date", "deadline"]
    list_filter = ["kind", "year"]
    fields = ["kind", "year", "start_date", "end_date", "deadline"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "year"] if obj else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AgencyReport)
class AgencyReportAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-only: agencies write, send and review reports in the portal's pages."""

    list_display = ["agency", "period", "status", "submitted_at"]
    list_filter = ["status", "period"]
    search_fields = ["agency__name", "agency__code"]


@admin.register(ConsolidatedReport)
class ConsolidatedReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: versions are built, edited and issued in the portal's pages."""

    list_display = ["period", "draft_number", "status", "number", "issued_on"]
    list_filter = ["status"]
