"""Who is responsible for what: agencies, the plan, its duties, and who belongs where."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from doingoai.text import PARAGRAPH_MAX_CHARS, TEXT_MAX_CHARS, fold, search_terms, text_limit


class User(AbstractUser):
    position = models.CharField(_("job title"), max_length=150, blank=True)
    email_notifications = models.BooleanField(
        _("e-mail notifications"),
        default=True,
        help_text=_("Send me an e-mail about new messages, reminders and reports."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ActivityKind(models.TextChoices):
    """The kinds of people-to-people diplomacy work the plan names."""

    INBOUND_DELEGATION = "inbound", _("Inbound delegation")
    OUTBOUND_DELEGATION = "outbound", _("Outbound delegation")
    EVENT = "event", _("Event or national-day ceremony")
    NEW_YEAR_VISIT = "new_year_visit", _("New-Year visit to consulates")
    AID_MOBILISATION = "aid", _("Foreign-NGO aid mobilisation")
    TRAINING = "training", _("Training")
    COMMENDATION = "commendation", _("Commendation")
    EXCHANGE = "exchange", _("Cultural or school exchange")
    PROMOTION = "promotion", _("Promotion of the province's image")
    FOREIGN_WORKERS = "foreign_workers", _("Foreign-worker management")
    LEGAL_COMMENT = "legal_comment", _("Comment on a draft legal document")
    MEETING = "meeting", _("Meeting or conference")
    OTHER = "other", _("Other")


class AgencyQuerySet(models.QuerySet["Agency"]):
    def active(self) -> AgencyQuerySet:
        return self.filter(is_active=True)

    def search(self, query: str) -> AgencyQuerySet:
        """Agencies whose name holds the (accent-insensitive) words typed, in that order."""
        folded = " ".join(search_terms(query))
        return self.filter(search_text__contains=folded) if folded else self

    def with_duty_counts(self) -> AgencyQuerySet:
        """Each agency with `lead_count` and `support_count`, the duties it leads and
        supports."""
        return self.annotate(
            lead_count=models.Count(
                "assignments", filter=models.Q(assignments__role=DutyAssignment.Role.LEAD)
            ),
            support_count=models.Count(
                "assignments", filter=models.Q(assignments__role=DutyAssignment.Role.SUPPORT)
            ),
        )

    def in_directory_order(self) -> AgencyQuerySet:
        """Focal point first, then the lead agency, departments, mass organisations, districts."""
        rank = models.Case(
            *(models.When(kind=kind, then=i) for i, kind in enumerate(Agency.Kind.values)),
            default=len(Agency.Kind.values),
        )
        return self.alias(kind_rank=rank).order_by("kind_rank", "position", "name")


class Agency(models.Model):
    class Kind(models.TextChoices):
        PROVINCE = "province", _("Provincial leadership")
        FOCAL_POINT = "focal_point", _("Focal point")
        LEAD = "lead", _("Lead agency")
        DEPARTMENT = "department", _("Department")
        MASS_ORGANISATION = "mass_org", _("Fatherland Front or mass organisation")
        DISTRICT = "district", _("District People's Committee")
        OTHER = "other", _("Other")

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9_]+$",
                _("Use capital letters without accents, digits and underscores only."),
            )
        ],
        help_text=_("A stable short code, e.g. SNGV. It is used in imports and URLs."),
    )
    name = models.CharField(_("full name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(
        _("order"),
        default=100,
        help_text=_("Order within its kind in lists, as in the province's official lists."),
    )
    search_text = models.TextField(editable=False, default="")

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["position", "name"]
        permissions = [
            ("view_records", "Can view all records of the agency"),
            ("act_for_agency", "Can act for the agency (activities, reports, messages)"),
            ("submit_records", "Can submit the agency's records"),
            ("review_records", "Can review the agency's submissions"),
            ("oversee_records", "Can read the agency's accepted records"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def save(self, *args, **kwargs) -> None:
        self.search_text = fold(f"{self.code} {self.name} {self.short_name}")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("agencies:detail", args=[self.code])

    def clean(self) -> None:
        if self.pk is None:
            return
        misfits = sorted(
            {
                str(Membership.Role(role).label)
                for role in self.memberships.values_list("role", flat=True)
                if not Membership.role_fits(role, self)
            }
        )
        if misfits:
            raise ValidationError(
                {
                    "kind": _(
                        "The kind cannot change while members hold roles that need the "
                        "current kind: %(roles)s."
                    )
                    % {"roles": ", ".join(misfits)}
                }
            )


class Plan(models.Model):
    number = models.CharField(_("number"), max_length=50, unique=True)
    issued_on = models.DateField(_("issued on"))
    issuer = models.CharField(_("issuer"), max_length=255)
    title = models.TextField(_("title"), **text_limit(PARAGRAPH_MAX_CHARS))
    signer = models.CharField(_("signed by"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-issued_on"]

    def __str__(self) -> str:
        return self.number


class LegalBasis(models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="legal_bases"
    )
    document_type = models.CharField(_("document type"), max_length=50)
    number = models.CharField(_("number"), max_length=50)
    issued_on = models.DateField(_("issued on"))
    issuer = models.CharField(_("issuer"), max_length=255)
    title = models.TextField(_("title"), **text_limit(PARAGRAPH_MAX_CHARS))
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_legal_basis_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.document_type} {self.number}"


class Duty(models.Model):
    """One bullet of sections III and IV of the plan, kept verbatim."""

    class Recurrence(models.TextChoices):
        SIX_MONTHLY = "six_monthly", _("Every six months")
        YEARLY = "yearly", _("Yearly")
        ONGOING = "ongoing", _("Ongoing")
        ON_REQUEST = "on_request", _("When requested")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="duties"
    )
    ref = models.CharField(
        _("section reference"),
        max_length=20,
        validators=[
            RegexValidator(
                r"^[IVX]+(\.\d+)+$", _("Use a reference such as III.2.3 (Roman numeral first).")
            )
        ],
    )
    heading = models.CharField(_("section heading"), max_length=255)
    text = models.TextField(
        _("text"),
        help_text=_("The text of the plan, word for word."),
        **text_limit(TEXT_MAX_CHARS),
    )
    recurrence = models.CharField(_("recurrence"), max_length=20, choices=Recurrence.choices)
    activity_kinds = models.JSONField(
        _("activity kinds"),
        default=list,
        blank=True,
        help_text=_("The kinds of activity that count towards this duty."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("assigned agencies"),
        through="DutyAssignment",
        related_name="duties",
    )
    coordinating_agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("coordinating with"),
        blank=True,
        related_name="coordinated_duties",
        help_text=_("Agencies the text names to work with."),
    )

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "ref"], name="unique_duty_ref_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.ref} — {self.heading}"

    def get_absolute_url(self) -> str:
        return reverse("agencies:duty", args=[self.plan_id, self.ref])

    def clean(self) -> None:
        unknown = set(self.activity_kinds or []) - set(ActivityKind.values)
        if unknown:
            raise ValidationError(
                {
                    "activity_kinds": _("Unknown activity kinds: %(kinds)s")
                    % {"kinds": ", ".join(sorted(unknown))}
                }
            )

    def get_activity_kinds_display(self) -> list[str]:
        labels = dict(ActivityKind.choices)
        return [labels[kind] for kind in self.activity_kinds if kind in labels]


class DutyAssignment(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        SUPPORT = "support", _("Coordinating")

    duty = models.ForeignKey(
        Duty, verbose_name=_("duty"), on_delete=models.CASCADE, related_name="assignments"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        ordering = ["duty", "agency__name"]
        constraints = [models.UniqueConstraint(fields=["duty", "agency"], name="unique_assignment")]

    def __str__(self) -> str:
        return f"{self.duty.ref} · {self.agency} ({self.get_role_display()})"


class Membership(models.Model):
    """A user's role in one agency; a user may belong to several agencies."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Agency staff")
        MANAGER = "manager", _("Agency manager")
        REVIEWER = "reviewer", _("Reviewer (Department of Foreign Affairs)")
        LEADER = "leader", _("Provincial leadership")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["agency__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="one_role_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.agency_id and not self.role_fits(self.role, self.agency):
            raise ValidationError({"role": ROLE_MISFIT_MESSAGES[self.role]})

    @staticmethod
    def role_fits(role: str, agency: Agency) -> bool:
        """Reviewers belong to the focal point, leaders to the provincial leadership."""
        required_kind = ROLE_AGENCY_KIND.get(role)
        return required_kind is None or agency.kind == required_kind


ROLE_AGENCY_KIND = {
    Membership.Role.REVIEWER: Agency.Kind.FOCAL_POINT,
    Membership.Role.LEADER: Agency.Kind.PROVINCE,
}
ROLE_MISFIT_MESSAGES = {
    Membership.Role.REVIEWER: _(
        "Only members of the Department of Foreign Affairs (the focal point) can be reviewers."
    ),
    Membership.Role.LEADER: _(
        "Only members of the provincial People's Committee can have the leader role."
    ),
}


class AgencyUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Agency, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("user permission on an agency")
        verbose_name_plural = _("user permissions on agencies")


class AgencyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Agency, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("group permission on an agency")
        verbose_name_plural = _("group permissions on agencies")
