"""Keep the derived permission data (role groups, guardian rows) in step with its sources.

Signals rather than service calls because the Django admin edits agencies and memberships
directly, and the derived rows must follow whatever path the change took.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
from django.dispatch import receiver

from . import permissions
from .models import Agency, Membership, User


@receiver(post_migrate)
def sync_after_migrate(sender, app_config, **kwargs) -> None:
    if app_config.label == "agencies":
        permissions.sync_role_permissions()


@receiver(post_save, sender=Agency)
def sync_after_agency_change(sender, instance: Agency, raw: bool = False, **kwargs) -> None:
    if not raw:
        permissions.sync_role_permissions()


@receiver(pre_save, sender=Membership)
def remember_previous_member(sender, instance: Membership, raw: bool = False, **kwargs) -> None:
    instance._previous_user_id = (
        Membership.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()
        if instance.pk and not raw
        else None
    )


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def sync_after_membership_change(sender, instance: Membership, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    permissions.sync_user_groups(instance.user)
    # A membership moved to another user takes its rights away from the previous one.
    previous = getattr(instance, "_previous_user_id", None)
    if previous and previous != instance.user_id:
        permissions.sync_user_groups(User.objects.get(pk=previous))
