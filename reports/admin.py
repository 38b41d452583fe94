from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from doingoai.admin import ChangeReasonAdminMixin, HistoryAdmin, ReadOnlyAdminMixin

from .models import AgencyReport, ConsolidatedReport, IssuingAuthority, ReportingPeriod


@admin.register(IssuingAuthority)
class IssuingAuthorityAdmin(ChangeReasonAdminMixin, HistoryAdmin):
    """Who issues the consolidated report from a date on (header, place, number suffix,
    recipients, signature). A report prints the record in force on its issue date; a draft
    shows the one in force today. When the organisation changes (e.g. on 1/7/2025), add a
    record in force from that day rather than editing the old one: reports issued before
    keep theirs. Every change is kept in the history with its reason. A record a report was
    issued under cannot be deleted."""

    list_display = ["valid_from", "issuer_parent", "issuer", "place", "number_suffix"]
    date_hierarchy = "valid_from"
    search_fields = ["issuer_parent", "issuer", "place"]
    fieldsets = [
        (None, {"fields": ["valid_from"]}),
        (
            _("Header and number"),
            {"fields": ["issuer_parent", "issuer", "place", "number_suffix"]},
        ),
        (_("Recipients of the report"), {"fields": ["recipients", "archive"]}),
        (_("Signature"), {"fields": ["signer_authority", "signer_title", "signer_name"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        """Every field of a record a report was issued under: editing it would change what
        an issued report says of its issuer (its page, its JSON) and could move its date off
        the report's issue date. A change from a date is a new record (one query)."""
        if obj is not None and obj.reports.exists():
            return [name for _title, options in self.fieldsets for name in options["fields"]]
        return super().get_readonly_fields(request, obj)


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
class AgencyReportAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Read-only: agencies write, send and review reports in the portal's pages."""

    list_display = ["agency", "period", "status", "submitted_at"]
    list_filter = ["status", "period"]
    search_fields = ["agency__name", "agency__code"]


@admin.register(ConsolidatedReport)
class ConsolidatedReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: versions are built, edited and issued in the portal's pages."""

    list_display = ["period", "draft_number", "status", "number", "issued_on", "issuing_authority"]
    list_select_related = ["period", "issuing_authority"]
    list_filter = ["status"]
