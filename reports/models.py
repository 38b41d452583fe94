"""What the focal point sends upwards: reporting periods, each agency's periodic submission,
and the consolidated report of the province, kept as numbered versions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from simple_history.models import HistoricalRecords

from agencies import permissions
from agencies.models import Agency, User
from agencies.permissions import Action
from doingoai.text import PARAGRAPH_MAX_CHARS, REASON_MAX_CHARS, TEXT_MAX_CHARS, text_limit


class ReportingPeriod(models.Model):
    """Six months or a year. The dates are set when the period is created (Decree 09/2019 by
    default, see periods.py) and may be corrected in the admin; the code never guesses them."""

    class Kind(models.TextChoices):
        HALF_YEAR = "half", _("Six months")
        YEAR = "year", _("Year")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    deadline = models.DateField(
        _("submission deadline"), help_text=_("Agencies send their report by this day.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="one_period_per_kind_and_year"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="period_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        # Agencies send once the period has ended: a deadline on or before its last day
        # would make every report late.
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The last day comes before the first.")})
        if self.end_date and self.deadline and self.deadline <= self.end_date:
            raise ValidationError(
                {"deadline": _("The deadline must come after the last day of the period.")}
            )

    @property
    def code(self) -> str:
        """'2020-H1' for the first six months, '2020' for the year (as build_report takes it)."""
        return f"{self.year}-H1" if self.kind == self.Kind.HALF_YEAR else str(self.year)

    @property
    def label(self) -> str:
        if self.kind == self.Kind.HALF_YEAR:
            return _("first six months of %(year)s") % {"year": self.year}
        return _("year %(year)s") % {"year": self.year}

    @property
    def label_vi(self) -> str:
        """The period as the Vietnamese document names it, whatever the interface language."""
        if self.kind == self.Kind.HALF_YEAR:
            return f"6 tháng đầu năm {self.year}"
        return f"năm {self.year}"

    def is_over(self, today=None) -> bool:
        return (today or timezone.localdate()) > self.end_date


class IssuingAuthorityQuerySet(models.QuerySet["IssuingAuthority"]):
    def on(self, day) -> IssuingAuthority | None:
        """The identity in force on `day`: the latest that began on or before it (one query);
        None before the first."""
        return self.filter(valid_from__lte=day).order_by("-valid_from").first()


class IssuingAuthority(models.Model):
    """Who issues the consolidated report from a date on: the header of Decree 30/2020
    Appendix I (the body above the issuer, the issuer), the place in the date line, the
    number's suffix, the recipients and the signature block. Bà Rịa - Vũng Tàu's Sở Ngoại vụ
    until 30/6/2025, Hồ Chí Minh City's after (Resolution 202/2025/QH15); a report prints
    the identity in force on its issue date. The REPORT_* settings seed only the first."""

    valid_from = models.DateField(_("in force from"), unique=True)
    issuer_parent = models.CharField(
        _("body above the issuer"),
        max_length=255,
        help_text=_("Printed above the issuer, e.g. UBND THÀNH PHỐ HỒ CHÍ MINH."),
    )
    issuer = models.CharField(_("issuer"), max_length=255, help_text=_("e.g. SỞ NGOẠI VỤ."))
    place = models.CharField(
        _("place in the date line"), max_length=100, help_text=_("e.g. Thành phố Hồ Chí Minh.")
    )
    number_suffix = models.CharField(
        _("number suffix"), max_length=50, help_text=_("After the number, e.g. BC-SNgV.")
    )
    recipients = models.TextField(
        # The "Nơi nhận" of a document, not a message's recipient agencies.
        pgettext_lazy("list printed on a document", "recipients"),
        blank=True,
        help_text=_("“Nơi nhận”, one per line."),
        **text_limit(PARAGRAPH_MAX_CHARS),
    )
    archive = models.CharField(_("archive line"), max_length=255, blank=True)
    signer_authority = models.CharField(
        _("signing authority"), max_length=100, blank=True, help_text=_("e.g. KT. GIÁM ĐỐC.")
    )
    signer_title = models.CharField(
        _("signer's title"), max_length=100, help_text=_("e.g. PHÓ GIÁM ĐỐC.")
    )
    signer_name = models.CharField(_("signer's name"), max_length=100, blank=True)
    history = HistoricalRecords()

    objects = IssuingAuthorityQuerySet.as_manager()

    class Meta:
        verbose_name = _("issuing authority")
        verbose_name_plural = _("issuing authorities")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.issuer} — {self.issuer_parent} ({self.valid_from:%d/%m/%Y})"

    @property
    def recipient_lines(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]


class AgencyReportQuerySet(models.QuerySet["AgencyReport"]):
    def visible_to(self, user: User) -> AgencyReportQuerySet:
        """What `user` may read: the agency's own members every state; reviewers what was
        sent or returned (not drafts); leadership what was accepted. No query beyond the
        user's agency rights (read once per request)."""
        ids = permissions.agency_ids(user)
        return self.filter(
            Q(agency_id__in=ids[Action.VIEW])
            | Q(
                agency_id__in=ids[Action.REVIEW],
                status__in=AgencyReport.REVIEWER_VISIBLE_STATUSES,
            )
            | Q(agency_id__in=ids[Action.OVERSEE], status=AgencyReport.Status.ACCEPTED)
        )

    def sent(self) -> AgencyReportQuerySet:
        """The reports their agency has sent to Sở Ngoại vụ (AgencyReport.SENT_STATUSES)."""
        return self.filter(status__in=AgencyReport.SENT_STATUSES)


class AgencyReport(models.Model):
    """One agency's submission for one period: figures pre-filled from its activities, and
    what the agency writes itself. Its moves (submit, accept, return) are the status table of
    agency_reports.py."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)
    # Sent to Sở Ngoại vụ, and not returned: what the province's report quotes and counts as
    # sent, what the completeness table rates, whose figures are kept as they were sent.
    SENT_STATUSES = (Status.SUBMITTED, Status.ACCEPTED)
    # What reviewers of Sở Ngoại vụ read (visible_to, the completeness table's links): what
    # was sent to them, and what they returned; never a draft.
    REVIEWER_VISIBLE_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.RETURNED)
    # What an agency writes in each part (doingoai.text.TEXT_MAX_CHARS), as the form and
    # errors.clean_text read it.
    TEXT_MAX_CHARS = TEXT_MAX_CHARS
    # The Bootstrap colour of each status's badge.
    BADGES = {
        Status.DRAFT: "secondary",
        Status.SUBMITTED: "primary",
        Status.ACCEPTED: "success",
        Status.RETURNED: "warning",
    }

    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("reporting period"),
        on_delete=models.PROTECT,
        related_name="agency_reports",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="reports"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    results = models.TextField(_("results"), blank=True, **text_limit(TEXT_MAX_CHARS))
    difficulties = models.TextField(
        _("difficulties and obstacles"), blank=True, **text_limit(TEXT_MAX_CHARS)
    )
    proposals = models.TextField(_("proposals"), blank=True, **text_limit(TEXT_MAX_CHARS))
    figures = models.JSONField(_("figures at submission"), default=dict, blank=True, editable=False)
    return_reason = models.TextField(
        _("reason for return"), blank=True, **text_limit(REASON_MAX_CHARS)
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        User,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "version", "reminded_at"])

    objects = AgencyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency report")
        verbose_name_plural = _("agency reports")
        ordering = ["period", "agency__position", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["period", "agency"], name="one_report_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.agency.short_name} - {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("reports:agency-report", args=[self.period.code, self.agency.code])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    @property
    def was_sent(self) -> bool:
        return self.status in self.SENT_STATUSES

    @property
    def is_returned(self) -> bool:
        return self.status == self.Status.RETURNED

    @property
    def badge(self) -> str:
        return self.BADGES[self.status]


def report_file_path(instance: ConsolidatedReport, filename: str) -> str:
    # A random name: the file is reachable only through a view that checks permissions.
    return f"reports/{instance.period.year}/{uuid.uuid4().hex}-{filename}"


class ConsolidatedReportQuerySet(models.QuerySet["ConsolidatedReport"]):
    def visible_to(self, user: User) -> ConsolidatedReportQuerySet:
        """Reviewers of Sở Ngoại vụ read every version; leadership the issued ones only;
        anyone else nothing (no query beyond the user's agency rights)."""
        if permissions.reviews_province(user):
            return self.all()
        if permissions.reads_issued_reports(user):
            return self.issued()
        return self.none()

    def issued(self) -> ConsolidatedReportQuerySet:
        return self.filter(status=ConsolidatedReport.Status.ISSUED)


class ConsolidatedReport(models.Model):
    """One version of the province's report for a period, its draft number counting the
    period's versions. Drafted by a Celery task (consolidation.py); issued versions carry a
    number of the year's register and never change again."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be drafted")
        BUILDING = "building", _("Being drafted")
        READY = "ready", _("Draft ready")
        FAILED = "failed", _("Drafting failed")
        ISSUED = "issued", _("Issued")

    IN_PROGRESS = (Status.QUEUED, Status.BUILDING)
    # The narrative sections the reviewer edits, in the order of the document.
    SECTIONS = ("situation", "results", "shortcomings", "directions")

    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("reporting period"),
        on_delete=models.PROTECT,
        related_name="consolidated_reports",
    )
    # 1, 2, 3… for the period's successive versions: "bản dự thảo số N".
    draft_number = models.PositiveIntegerField(_("draft number"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    task_id = models.CharField(max_length=50, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, **text_limit(TEXT_MAX_CHARS))
    figures = models.JSONField(_("figures"), default=dict, blank=True, editable=False)
    # Characters of the data the PDF's fonts cannot draw, found while drafting and checked
    # again at issuing: a list of documents.MissingGlyph ({"char", "codepoint" ("U+1F600"),
    # "name", "kind", "where"}) the page lists before issuing; [] when everything prints;
    # None when not checked (not drafted yet, drafted before the check, or the check failed).
    missing_glyphs = models.JSONField(
        _("characters the PDF cannot print"), null=True, blank=True, editable=False
    )

    situation = models.TextField(_("general situation"), blank=True, **text_limit(TEXT_MAX_CHARS))
    results = models.TextField(_("results"), blank=True, **text_limit(TEXT_MAX_CHARS))
    shortcomings = models.TextField(
        _("shortcomings and limitations"), blank=True, **text_limit(TEXT_MAX_CHARS)
    )
    directions = models.TextField(
        _("directions and tasks for the next period"), blank=True, **text_limit(TEXT_MAX_CHARS)
    )
    edited_sections = models.JSONField(default=list, blank=True, editable=False)
    # Set when only the text changed: the next render reuses the figures and the annex.
    keep_figures = models.BooleanField(default=False, editable=False)
    # The edit-conflict counter, as on every record: it goes up with every change of text or
    # files; a page's form carries the version it showed, so nobody saves over, or issues,
    # what they have not seen.
    version = models.PositiveIntegerField(default=1, editable=False)

    pdf = models.FileField(upload_to=report_file_path, max_length=255, blank=True)
    xlsx = models.FileField(upload_to=report_file_path, max_length=255, blank=True)

    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    # What issuing used (documents.document_header): the issuing authority in force on the
    # issue date, and the suffix of the number as issued, so that a later correction of the
    # authority's record does not change the number of a report already issued.
    issuing_authority = models.ForeignKey(
        IssuingAuthority,
        verbose_name=_("issuing authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        editable=False,
    )
    number_suffix = models.CharField(max_length=50, blank=True, editable=False)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsolidatedReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("consolidated report")
        verbose_name_plural = _("consolidated reports")
        ordering = ["period", "-draft_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "draft_number"], name="one_draft_number_per_period"
            ),
            models.UniqueConstraint(
                fields=["number_year", "number"],
                condition=Q(number__isnull=False),
                name="one_issuing_number_per_year",
            ),
            models.CheckConstraint(
                condition=Q(status="issued", number__isnull=False, issued_on__isnull=False)
                | ~Q(status="issued"),
                name="issued_report_has_number",
            ),
        ]

    def __str__(self) -> str:
        return _("%(period)s, version %(version)s") % {
            "period": self.period,
            "version": self.draft_number,
        }

    def get_absolute_url(self) -> str:
        return reverse("reports:consolidated", args=[self.pk])

    @property
    def number_display(self) -> str:
        """'05/BC-SNgV': the register's number and the document's symbol."""
        if self.number is None:
            return ""
        # Decree 30/2020/NĐ-CP, Appendix I: a number below 10 takes a leading zero. A legal
        # layout, the same in every language: not number_format. The suffix is the issuing
        # authority's, kept when the report was issued.
        return f"{self.number:02d}/{self.number_suffix or settings.REPORT_NUMBER_SUFFIX}"

    @property
    def is_queued(self) -> bool:
        return self.status == self.Status.QUEUED

    @property
    def in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def glyphs_checked(self) -> bool:
        """Whether its PDF was checked for characters it cannot print (missing_glyphs)."""
        return self.missing_glyphs is not None

    @property
    def status_label(self) -> str:
        """Its status as the lists show it: a ready draft says whether every character
        prints ("Draft ready — 2 characters cannot print")."""
        if not self.is_ready or self.missing_glyphs == []:
            return self.get_status_display()
        if self.missing_glyphs is None:
            return _("Draft ready — not checked for characters that cannot print")
        return ngettext(
            "Draft ready — %(count)s character cannot print",
            "Draft ready — %(count)s characters cannot print",
            len(self.missing_glyphs),
        ) % {"count": len(self.missing_glyphs)}


class IssueCounter(models.Model):
    """The last number given to a report in a year; its row is locked while a number is
    taken, so two reviewers issuing at once never get the same number."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
