from django.contrib import admin

from doingoai.admin import ReadOnlyAdminMixin

from .models import EmailPreference, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was told to whom, and whether it was e-mailed: for answering "was I told?"."""

    list_display = ["created_at", "recipient", "kind", "title", "read_at", "email", "emailed_at"]
    list_filter = ["kind", "email"]
    search_fields = ["recipient__username", "recipient__email", "title", "event"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "choice"]
    list_filter = ["kind", "choice"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
