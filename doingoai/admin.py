"""What the apps' admin pages share."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """For records that change only through the portal's pages and services (workflow,
    history, numbering): the admin shows them and changes nothing."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
