"""Records every app shares: which e-mail was delivered to whom (doingoai/mail.py)."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class EmailDeliveryQuerySet(models.QuerySet["EmailDelivery"]):
    def settled(self, event: str, keys: list[str]) -> set[str]:
        """Those of `keys` (addresses as doingoai.mail.address_key compares them: lowercased)
        that the e-mail of `event` needs no more: delivered, or refused for good. One query.
        Compared lowercased on both sides, so a record written before addresses were (in
        the spelling of its account) still counts."""
        found = self.filter(event=event).annotate(key=Lower("address")).filter(key__in=keys)
        return set(found.values_list("key", flat=True))

    def sent_before(self, moment: datetime) -> EmailDeliveryQuerySet:
        """The deliveries recorded before `moment` (what the daily pruning deletes)."""
        return self.filter(sent_at__lt=moment)


class EmailDelivery(models.Model):
    """One e-mail that the mail server accepted for one address, for one event, or refused
    for good (`refusal`, the server's 5xx reply): what makes a retried or redelivered task
    send only to those not yet written to, and never again to an address that cannot take it.

    `event` names what the e-mail announces, the same in every retry and redelivery of the
    task that sends it, and different for every occasion that deserves its own e-mail: the
    task's subject and the ids that define the occasion ("message:42",
    "report-issued:7", "agency-report-reminder:12:2026-12-04")."""

    EVENT_MAX_LENGTH = 100

    event = models.CharField(_("event"), max_length=EVENT_MAX_LENGTH)
    # An address is at most 254 characters (RFC 5321 path limit), Django's EmailField's too;
    # stored lowercased (doingoai.mail.address_key), as addresses are compared.
    address = models.EmailField(_("address"), max_length=254)
    refusal = models.CharField(_("refusal"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)

    objects = EmailDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "address"], name="one_email_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.address}"
