from __future__ import annotations

from django.contrib import admin

from agencies.admin import ReferenceImportExportMixin
from doingoai.admin import HistoryAdmin

from .models import Activity, Attachment, Partner
from .resources import PartnerResource


@admin.register(Partner)
class PartnerAdmin(ReferenceImportExportMixin, admin.ModelAdmin):
    """Partners, imported and exported as XLSX or CSV (PartnerResource)."""

    resource_classes = [PartnerResource]
    list_display = ["name", "kind", "country"]
    list_filter = ["kind"]
    search_fields = ["name", "search_text"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Activity)
class ActivityAdmin(HistoryAdmin):
    """Read-only: the workflow (submit, review), the export (with formula escaping) and the
    import happen in the portal's pages, through the services, so that every change is
    checked and recorded the same way."""

    list_display = ["title", "agency", "kind", "start_date", "status"]
    list_filter = ["status", "kind", "agency"]
    search_fields = ["title", "search_text"]
    date_hierarchy = "start_date"
    list_select_related = ["agency"]
    inlines = [AttachmentInline]
    readonly_fields = [
        "status",
        "return_reason",
        "submitted_at",
        "reviewed_at",
        "reviewed_by",
        "created_by",
    ]
    autocomplete_fields = ["agency", "duty", "partners", "co_organisers", "donor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
