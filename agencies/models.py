"""Who is responsible for what: agencies, the plan, its duties, and who belongs where."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from doingoai.files import StoredFile
from doingoai.history import OneEntryPerSave
from doingoai.text import PARAGRAPH_MAX_CHARS, TEXT_MAX_CHARS, fold, search_terms, text_limit


class User(AbstractUser):
    position = models.CharField(_("job title"), max_length=150, blank=True)

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


def in_operation_q(on: date | None = None, prefix: str = "") -> models.Q:
    """The condition "the agency works on `on`" (today when None) for a filter, on the agency
    reached through `prefix` (e.g. "agency__"): it began on or before that day (or has no
    start recorded) and has not closed by it. `closed_on` is the first day it no longer works.
    """
    on = on or timezone.localdate()
    return (
        models.Q(**{f"{prefix}established_on__isnull": True})
        | models.Q(**{f"{prefix}established_on__lte": on})
    ) & (
        models.Q(**{f"{prefix}closed_on__isnull": True})
        | models.Q(**{f"{prefix}closed_on__gt": on})
    )


class AgencyQuerySet(models.QuerySet["Agency"]):
    def in_operation(self, on: date | None = None) -> AgencyQuerySet:
        """The agencies that work on `on` (today when None); see in_operation_q."""
        return self.filter(in_operation_q(on))

    def active(self) -> AgencyQuerySet:
        """The agencies that work today."""
        return self.in_operation()

    def search(self, query: str) -> AgencyQuerySet:
        """Agencies whose name holds the (accent-insensitive) words typed, in that order."""
        folded = " ".join(search_terms(query))
        return self.filter(search_text__contains=folded) if folded else self

    def with_duty_counts(self, on: date | None = None) -> AgencyQuerySet:
        """Each agency with `lead_count` and `support_count`, the duties it leads and
        supports in the plan in force on `on` (today when None; agencies.plans.plan_in_force:
        the latest that began by then), not in every plan loaded. No query of its own."""
        in_plan = models.Q(assignments__duty__plan_id=models.Subquery(Plan.objects.in_force_id(on)))
        return self.annotate(
            lead_count=models.Count(
                "assignments",
                filter=in_plan & models.Q(assignments__role=DutyAssignment.Role.LEAD),
            ),
            support_count=models.Count(
                "assignments",
                filter=in_plan & models.Q(assignments__role=DutyAssignment.Role.SUPPORT),
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
        WARD = "ward", _("Ward People's Committee")
        COMMUNE = "commune", _("Commune People's Committee")
        SPECIAL_ZONE = "special_zone", _("Special zone People's Committee")
        CITY = "city", _("People's Committee of a centrally governed city")
        OTHER = "other", _("Other")

    # Commune-level People's Committees since 1/7/2025 (Law 72/2025/QH15 on local government,
    # Art. 2): wards, communes and special zones. Circular 09/2025/TT-BNG gives them their
    # foreign-affairs tasks.
    COMMUNE_LEVEL = (Kind.WARD, Kind.COMMUNE, Kind.SPECIAL_ZONE)
    # The People's Committee at the top of the local government: its members are leaders.
    LEADERSHIP = (Kind.PROVINCE, Kind.CITY)

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
    established_on = models.DateField(
        _("in operation from"),
        null=True,
        blank=True,
        help_text=_("Leave empty for an agency that worked before the portal's records begin."),
    )
    closed_on = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        help_text=_(
            "The first day the agency no longer works (merged, split or dissolved). Its "
            "records stay under its name; set by a reorganisation."
        ),
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text=_(
            "The agency that took over its work: its records are shown under it when "
            "lists are grouped by today's agency."
        ),
    )
    position = models.PositiveSmallIntegerField(
        _("order"),
        default=100,
        help_text=_("Order within its kind in lists, as in the province's official lists."),
    )
    search_text = models.TextField(editable=False, default="")

    objects = AgencyQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text", "position"])

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

    def in_operation(self, on: date | None = None) -> bool:
        """Whether the agency works on `on` (today when None); as in_operation_q."""
        on = on or timezone.localdate()
        began = self.established_on is None or self.established_on <= on
        return began and (self.closed_on is None or on < self.closed_on)

    def working_day(self, on: date | None = None) -> date:
        """`on` (today when None), or the agency's last working day when it had closed by
        then (closed_on is the first day out): the day whose plan and name it is read by."""
        on = on or timezone.localdate()
        if self.closed_on is not None and self.closed_on <= on:
            return self.closed_on - timedelta(days=1)
        return on

    @property
    def is_active(self) -> bool:
        """Whether the agency works today: only such an agency acts, submits and reports."""
        return self.in_operation()

    @property
    def is_scheduled(self) -> bool:
        """Whether a reorganisation will open it on a later day."""
        return self.established_on is not None and self.established_on > timezone.localdate()

    def clean(self) -> None:
        if self.established_on and self.closed_on and self.closed_on <= self.established_on:
            raise ValidationError(
                {"closed_on": _("An agency closes after the day it begins to work.")}
            )
        if self.successor_id and self.successor_id == self.pk:
            raise ValidationError({"successor": _("An agency cannot succeed itself.")})
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


class AgencyName(models.Model):
    """A name an agency bore, bears or will bear between two days, written by a rename.

    An agency that was never renamed has no rows: its name is `Agency.name` on every day. Once
    renamed, its rows cover every day without gap or overlap, and `Agency.name` and
    `short_name` hold the row in force today (agencies.history refreshes them daily for a
    rename scheduled ahead). Records are shown under the name in force on their date.
    """

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="names"
    )
    name = models.CharField(_("full name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100)
    # Not a message's "from" (its sender): the first day of the name.
    valid_from = models.DateField(pgettext_lazy("first day", "from"), null=True, blank=True)
    valid_until = models.DateField(
        _("until"), null=True, blank=True, help_text=_("The first day of the next name.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("name of an agency")
        verbose_name_plural = _("names of agencies")
        ordering = ["agency", models.F("valid_from").asc(nulls_first=True)]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="agency_name_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on < self.valid_until
        )


class Reorganisation(models.Model):
    """One change of the organisation on a date (Resolution 202/2025/QH15 merged Bà Rịa - Vũng
    Tàu into Hồ Chí Minh City on 1/7/2025 and ended the district level): a merge, a split, a
    rename or a closing, applied as one operation by agencies.reorganisation. The row is the
    history entry that names all it changed (`changes`); each changed row's own history
    carries its reason."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merge")
        SPLIT = "split", _("Split")
        RENAME = "rename", _("Rename")
        # With a context: Django's admin has a "Close" button of its own (Đóng, not Giải thể).
        CLOSE = "close", pgettext_lazy("reorganisation", "Close")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    effective_on = models.DateField(_("effective on"))
    reason = models.TextField(
        _("reason"),
        blank=True,
        help_text=_("The decision behind it, e.g. Resolution 1685/NQ-UBTVQH15."),
        **text_limit(PARAGRAPH_MAX_CHARS),
    )
    sources = models.ManyToManyField(
        Agency, verbose_name=_("agencies before"), related_name="reorganised_from"
    )
    targets = models.ManyToManyField(
        Agency, verbose_name=_("agencies after"), related_name="reorganised_into", blank=True
    )
    changes = models.JSONField(
        _("changes"),
        default=dict,
        help_text=_("What the operation changed: agencies, memberships, drafts, reports."),
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reorganisation")
        verbose_name_plural = _("reorganisations")
        ordering = ["-effective_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.effective_on:%d/%m/%Y}"


class PlanQuerySet(models.QuerySet["Plan"]):
    def in_force_id(self, on: date | None = None) -> PlanQuerySet:
        """The id of the plan followed on `on` (today when None): the latest that began by
        then (agencies.plans.plan_in_force), as a sub-query to filter by (no query of its
        own)."""
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).order_by("-valid_from").values("pk")[:1]

    def in_force(self, on: date | None = None) -> PlanQuerySet:
        """The plans in force on `on` (today when None): at most one, as validity periods of
        plans do not overlap (agencies.plans checks it on every load)."""
        on = on or timezone.localdate()
        return self.filter(
            Q(valid_from__lte=on), Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )


class Plan(models.Model):
    """A plan the province implements (164/KH-UBND, and the one that replaces it): its
    document, what it implements, its validity, its legal bases and duties."""

    number = models.CharField(_("number"), max_length=50, unique=True)
    issued_on = models.DateField(_("issued on"))
    issuer = models.CharField(_("issuer"), max_length=255)
    title = models.TextField(_("title"), **text_limit(PARAGRAPH_MAX_CHARS))
    subject = models.TextField(
        _("subject"),
        blank=True,
        help_text=_(
            "What the plan is about, as a report cites it after the number and date, "
            "e.g. “về thực hiện Đề án theo dõi, tổng hợp, …”."
        ),
        **text_limit(PARAGRAPH_MAX_CHARS),
    )
    implements = models.TextField(
        _("implements"),
        blank=True,
        help_text=_("The decision or scheme the plan implements, e.g. Decision 1109/QĐ-TTg."),
        **text_limit(PARAGRAPH_MAX_CHARS),
    )
    signer = models.CharField(_("signed by"), max_length=255, blank=True)
    valid_from = models.DateField(_("in force from"))
    valid_until = models.DateField(
        _("in force until"),
        null=True,
        blank=True,
        help_text=_("The last day the plan applies; empty while it is in force."),
    )

    objects = PlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-valid_from", "-issued_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="plan_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("agencies:plan_detail", args=[self.pk])

    def clean(self) -> None:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("A plan ends after it begins.")})

    def in_force_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


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
    history = HistoricalRecords()

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
    summary = models.CharField(
        _("short form"),
        max_length=255,
        blank=True,
        help_text=_("The duty in a few words, for tables; the text stays word for word."),
    )
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
    history = OneEntryPerSave(m2m_fields=[coordinating_agencies])

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
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        ordering = ["duty", "agency__name"]
        constraints = [models.UniqueConstraint(fields=["duty", "agency"], name="unique_assignment")]

    def __str__(self) -> str:
        return f"{self.duty.ref} · {self.agency} ({self.get_role_display()})"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def in_force(self, on: date | None = None) -> MembershipQuerySet:
        """Memberships not ended on `on` (today when None)."""
        on = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))

    def granting(self, on: date | None = None) -> MembershipQuerySet:
        """The memberships that put their user in the agency's role group on `on`: those in
        force, and those that ended with their agency (its staff keep reading its history;
        acting for a closed agency is refused by agencies.permissions)."""
        on = on or timezone.localdate()
        return self.filter(
            Q(ended_on__isnull=True)
            | Q(ended_on__gt=on)
            | Q(agency__closed_on__isnull=False, ended_on=models.F("agency__closed_on"))
        )


class Membership(models.Model):
    """A user's role in one agency; a user may belong to several agencies. Ended memberships
    are kept (ended_on), never deleted by a reorganisation."""

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
    ended_on = models.DateField(
        _("ended on"),
        null=True,
        blank=True,
        help_text=_(
            "From this day the membership gives no right to act. A membership that ends when "
            "its agency closes still lets the user read the agency's records."
        ),
    )
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

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
        """Reviewers belong to the focal point, leaders to the province's or city's People's
        Committee."""
        required_kinds = ROLE_AGENCY_KIND.get(role)
        return required_kinds is None or agency.kind in required_kinds

    @property
    def is_in_force(self) -> bool:
        return self.ended_on is None or self.ended_on > timezone.localdate()


ROLE_AGENCY_KIND = {
    Membership.Role.REVIEWER: (Agency.Kind.FOCAL_POINT,),
    Membership.Role.LEADER: Agency.LEADERSHIP,
}
ROLE_MISFIT_MESSAGES = {
    Membership.Role.REVIEWER: _(
        "Only members of the Department of Foreign Affairs (the focal point) can be reviewers."
    ),
    Membership.Role.LEADER: _(
        "Only members of the province's or city's People's Committee can have the leader role."
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


class ImplementingProgramme(StoredFile):
    """An agency's own programme implementing the plan, as section IV.1 of plan 164/KH-UBND
    asks of every agency it assigns: the document's number, date and file."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="programmes"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="programmes"
    )
    number = models.CharField(_("document number"), max_length=50)
    issued_on = models.DateField(_("issued on"))
    title = models.CharField(_("title"), max_length=500, blank=True)
    history = HistoricalRecords(excluded_fields=["file", "content_type", "size"])

    class Meta(StoredFile.Meta):
        verbose_name = _("implementing programme")
        verbose_name_plural = _("implementing programmes")
        ordering = ["plan", "agency__position", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "agency"], name="one_programme_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.agency}"


class PlanEvaluation(models.Model):
    """Sở Ngoại vụ's yearly evaluation of the plan (section IV.2 of plan 164/KH-UBND): results,
    lessons and proposed adjustments; the year-end consolidated report quotes it."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    results = models.TextField(_("results"), **text_limit(TEXT_MAX_CHARS))
    lessons = models.TextField(_("lessons learned"), blank=True, **text_limit(TEXT_MAX_CHARS))
    adjustments = models.TextField(
        _("proposed adjustments to the plan"), blank=True, **text_limit(TEXT_MAX_CHARS)
    )
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("yearly evaluation of the plan")
        verbose_name_plural = _("yearly evaluations of the plan")
        ordering = ["plan", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "year"], name="one_evaluation_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.year}"
