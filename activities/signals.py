"""Keep the folded search text of activities in step with their partners' names."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from . import services
from .models import Partner


@receiver(post_save, sender=Partner)
def refresh_search_after_partner_change(
    sender, instance: Partner, created: bool, raw: bool = False, **kwargs
) -> None:
    if not created and not raw:
        services.refresh_partner_search(instance)
