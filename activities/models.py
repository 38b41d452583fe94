"""What the agencies did: activities, their partners, countries and evidence."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from agencies import permissions
from agencies.models import ActivityKind, Agency, Duty, User
from agencies.permissions import Action
from doingoai.files import StoredFile
from doingoai.history import OneEntryPerSave
from doingoai.text import (
    REASON_MAX_CHARS,
    TEXT_MAX_CHARS,
    fold,
    search_terms,
    text_limit,
)

# ISO 4217 codes the province meets in aid decisions; VND first.
CURRENCIES = [
    ("VND", "VND"),
    ("USD", "USD"),
    ("EUR", "EUR"),
    ("JPY", "JPY"),
    ("KRW", "KRW"),
    ("AUD", "AUD"),
    ("GBP", "GBP"),
    ("CHF", "CHF"),
    ("CAD", "CAD"),
    ("SGD", "SGD"),
    ("CNY", "CNY"),
    ("THB", "THB"),
    ("NZD", "NZD"),
    ("SEK", "SEK"),
    ("NOK", "NOK"),
    ("DKK", "DKK"),
    ("TWD", "TWD"),
]


class Partner(models.Model):
    """A foreign partner organisation, reused across activities."""

    class Kind(models.TextChoices):
        FOREIGN_NGO = "ngo", _("Foreign NGO")
        CONSULATE = "consulate", _("Consulate")
        EMBASSY = "embassy", _("Embassy")
        FRIENDSHIP_ASSOCIATION = "friendship", _("Friendship association")
        FOREIGN_LOCALITY = "locality", _("Foreign locality")
        INTERNATIONAL_ORGANISATION = "international", _("International organisation")
        FDI_ENTERPRISE = "fdi", _("FDI enterprise")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = CountryField(_("country"), blank=True)
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="unique_partner_per_country")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.name})" if self.country else self.name

    def save(self, *args, **kwargs) -> None:
        self.search_text = fold(self.name)
        super().save(*args, **kwargs)


class ActivityQuerySet(models.QuerySet["Activity"]):
    def visible_to(self, user: User) -> ActivityQuerySet:
        """What `user` may read: their agencies' activities and those they co-organise;
        for reviewers everything submitted or accepted; for leadership what is accepted."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        ids = permissions.agency_ids(user)
        own, reviewed, overseen = ids[Action.VIEW], ids[Action.REVIEW], ids[Action.OVERSEE]
        S = Activity.Status
        visible = Q(agency_id__in=own) if own else Q(pk__in=[])
        if own:
            visible |= Q(
                pk__in=Activity.co_organisers.through.objects.filter(agency_id__in=own).values(
                    "activity_id"
                )
            )
        if reviewed:
            visible |= Q(agency_id__in=reviewed, status__in=[S.SUBMITTED, S.ACCEPTED])
        if overseen:
            visible |= Q(agency_id__in=overseen, status=S.ACCEPTED)
        return self.filter(visible)

    def editable_by(self, user: User) -> ActivityQuerySet:
        """Drafts and returned activities of the agencies `user` may act for
        (`Activity.is_editable_by` asks it of one activity)."""
        acting = permissions.agency_ids(user)[Action.ACT]
        return self.filter(agency_id__in=acting, status__in=Activity.EDITABLE_STATUSES)

    def reviewable_by(self, user: User) -> ActivityQuerySet:
        return self.filter(agency_id__in=permissions.agency_ids(user)[Action.REVIEW])

    def of_agencies(self, user: User) -> ActivityQuerySet:
        """Activities of the agencies the user belongs to (drafts included)."""
        return self.filter(agency_id__in=permissions.agency_ids(user)[Action.VIEW])

    def search(self, query: str) -> ActivityQuerySet:
        found = self
        for term in search_terms(query):
            found = found.filter(search_text__contains=term)
        return found


class Activity(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    class AidType(models.TextChoices):
        PROGRAMME = "programme", _("Programme or project")
        NON_PROJECT = "non_project", _("Non-project aid")
        EMERGENCY = "emergency", _("Emergency relief")

    class Sector(models.TextChoices):
        SOCIAL_PROTECTION = "social", _("Social protection")
        EDUCATION = "education", _("Education")
        HEALTH = "health", _("Health")
        ENVIRONMENT = "environment", _("Environment")
        OTHER = "other", _("Other")

    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="activities"
    )
    duty = models.ForeignKey(
        Duty,
        verbose_name=_("duty of the plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    # Not a document's "title" ("trích yếu"): the activity's name.
    title = models.CharField(pgettext_lazy("name of an activity", "title"), max_length=500)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    place = models.CharField(_("place"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True, **text_limit(TEXT_MAX_CHARS))
    outcome = models.TextField(_("outcome"), blank=True, **text_limit(TEXT_MAX_CHARS))
    partners = models.ManyToManyField(
        Partner, verbose_name=_("partner organisations"), blank=True, related_name="activities"
    )
    co_organisers = models.ManyToManyField(
        Agency,
        verbose_name=_("co-organising agencies"),
        blank=True,
        related_name="co_organised_activities",
    )
    participants_vietnamese = models.PositiveIntegerField(
        _("Vietnamese participants"), null=True, blank=True
    )
    participants_foreign = models.PositiveIntegerField(
        _("foreign participants"), null=True, blank=True
    )

    # Foreign-NGO aid (Decree 313/2025/ND-CP); only for aid mobilisation.
    donor = models.ForeignKey(
        Partner,
        verbose_name=_("donor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
    )
    aid_type = models.CharField(_("aid type"), max_length=20, choices=AidType.choices, blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, blank=True)
    committed_amount = models.DecimalField(
        _("committed amount"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    disbursed_amount = models.DecimalField(
        _("disbursed amount"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, blank=True)
    committed_vnd = models.DecimalField(
        _("committed amount in VND"),
        max_digits=20,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    approval_number = models.CharField(_("approval decision number"), max_length=100, blank=True)
    approval_date = models.DateField(_("approval decision date"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    return_reason = models.TextField(
        _("reason for return"), blank=True, **text_limit(REASON_MAX_CHARS)
    )
    # How many times Sở Ngoại vụ sent the activity back to its agency (returned or reopened):
    # the scorecard's "accepted at first submission" and "returned" read it without the history.
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    search_text = models.TextField(editable=False, default="")

    history = OneEntryPerSave(
        m2m_fields=[partners, co_organisers],
        excluded_fields=["search_text", "updated_at", "version", "return_count"],
    )
    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="activity_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "-start_date"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["-start_date", "-id"]),
            models.Index(fields=["kind", "start_date"]),
            # The monitoring pages count the accepted activities of a window of start dates
            # for the whole province: with the columns they group by included, the plan's
            # cells and the overview's months are read from this index alone (index-only
            # scans) instead of visiting most of the table's pages.
            models.Index(
                fields=["status", "start_date"],
                include=["id", "kind", "agency", "duty"],
                name="activity_status_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    def is_editable_by(self, user: User) -> bool:
        """Whether `Activity.objects.editable_by(user)` holds this activity, without a query
        (agency_ids is read once per request): what a page offers. The services ask again,
        fresh from the database, before they write."""
        return self.is_editable and self.agency_id in permissions.agency_ids(user)[Action.ACT]

    @property
    def is_aid(self) -> bool:
        return self.kind == ActivityKind.AID_MOBILISATION

    @property
    def status_badge(self) -> str:
        """The Bootstrap colour of the status badge (`text-bg-<colour>`)."""
        return {
            self.Status.SUBMITTED: "primary",
            self.Status.ACCEPTED: "success",
            self.Status.RETURNED: "warning",
        }.get(self.status, "secondary")

    @property
    def open_return_reason(self) -> str:
        """Why Sở Ngoại vụ returned the activity, while the agency has still to fix it (the
        reason stays on the row after a resubmission, for the history)."""
        return self.return_reason if self.status == self.Status.RETURNED else ""

    def refresh_search_text(self, partner_names: list[str] | None = None) -> None:
        if partner_names is None:
            partner_names = [p.name for p in self.partners.all()] if self.pk else []
        self.search_text = fold(
            " ".join([self.title, self.place, self.description, *partner_names])
        )


class ActivityCountry(models.Model):
    """A partner country of an activity: a table of its own, so reports count by country."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="countries")
    country = CountryField(_("country"))

    class Meta:
        verbose_name = _("partner country")
        verbose_name_plural = _("partner countries")
        constraints = [
            models.UniqueConstraint(fields=["activity", "country"], name="unique_activity_country")
        ]
        indexes = [models.Index(fields=["country", "activity"])]

    def __str__(self) -> str:
        return str(self.country.name)


class Attachment(StoredFile):
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("activity")
    )

    class Meta(StoredFile.Meta):
        pass

    def get_absolute_url(self) -> str:
        return reverse("activities:attachment", args=[self.activity_id, self.pk])
