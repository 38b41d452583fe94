from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ActivityKind, Agency, Duty, DutyAssignment, LegalBasis, Membership, Plan, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["agency"]


class AgencyMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name_plural = _("members")


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser"]
    # Rights come from memberships only (agencies/permissions.py): no group or permission
    # ticked by hand, which a membership change would silently contradict.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "position")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Portal"), {"fields": ("email_notifications",)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "short_name",
        "kind",
        "position",
        "parent",
        "established_on",
        "closed_on",
    ]
    list_editable = ["position"]
    list_filter = ["kind", "closed_on"]
    search_fields = ["code", "name", "short_name", "search_text"]
    inlines = [AgencyMembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # The code names the agency's permission groups and appears in imports: it is stable.
        return ["code"] if obj else []


class LegalBasisInline(admin.TabularInline):
    model = LegalBasis
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["number", "issued_on", "issuer"]
    inlines = [LegalBasisInline]


class DutyAssignmentInline(admin.TabularInline):
    model = DutyAssignment
    extra = 0
    autocomplete_fields = ["agency"]


class DutyAdminForm(forms.ModelForm):
    activity_kinds = forms.TypedMultipleChoiceField(
        label=_("activity kinds"),
        choices=ActivityKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The kinds of activity that count towards this duty."),
    )

    class Meta:
        model = Duty
        fields = [
            "plan",
            "ref",
            "heading",
            "text",
            "recurrence",
            "activity_kinds",
            "position",
            "coordinating_agencies",
        ]


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    form = DutyAdminForm
    list_display = ["ref", "heading", "recurrence"]
    search_fields = ["ref", "text", "heading"]
    list_filter = ["plan", "recurrence"]
    ordering = ["plan", "position"]
    inlines = [DutyAssignmentInline]
    filter_horizontal = ["coordinating_agencies"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role"]
    list_filter = ["role", "agency"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__code"]
    autocomplete_fields = ["user", "agency"]


from . import admin_reorganise  # noqa: E402, F401  (the reorganisation pages)
