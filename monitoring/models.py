"""The calendar's data: partner countries' days and the other dates the plan names
(`Observance`, edited in the admin with its history), and the secret links through which
a calendar application subscribes to the feed without signing in (`CalendarFeed`)."""

from __future__ import annotations

import calendar
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from doingoai.text import PARAGRAPH_MAX_CHARS, text_limit

# The longest month of each month number, 29 for February (a 29/2 date is kept; in a
# year that is not a leap year it falls on 28/2, see Observance.date_in).
LONGEST_MONTH = {
    month: 29 if month == 2 else calendar.monthrange(2001, month)[1] for month in range(1, 13)
}


def _valid_day_q() -> Q:
    """The condition "day exists in month" for a check constraint (29/2 allowed)."""
    by_length: dict[int, list[int]] = {}
    for month, length in LONGEST_MONTH.items():
        by_length.setdefault(length, []).append(month)
    valid = Q()
    for length, months in sorted(by_length.items()):
        valid |= Q(month__in=months, day__lte=length)
    return valid


class ObservanceQuerySet(models.QuerySet["Observance"]):
    def between(self, start: date, end: date) -> ObservanceQuerySet:
        """The active observances that may fall between `start` and `end` (both included):
        every yearly one, and the dated ones within the range. Observance.date_in places a
        yearly one in a given year."""
        return self.filter(
            Q(month__isnull=False) | Q(on_date__range=(start, end)), active=True
        ).order_by("pk")


class Observance(models.Model):
    """A date the province marks: a partner country's national day, an anniversary of
    diplomatic relations, one of Vietnam's days, a New-Year visit. Either yearly (`month`
    and `day`) or a single dated occurrence (`on_date`, for dates that move, such as Tết,
    entered year by year): exactly one of the two, enforced by a constraint."""

    class Kind(models.TextChoices):
        NATIONAL_DAY = "national_day", _("National day")
        RELATIONS = "relations", _("Anniversary of diplomatic relations")
        VIETNAM = "vietnam", _("Vietnam's day")
        NEW_YEAR_VISIT = "new_year_visit", _("New-Year visit")
        OTHER = "other", _("Other")

    title = models.CharField(
        _("name"),
        max_length=255,
        help_text=_("As it is said in Vietnamese, e.g. “Quốc khánh nước CHDCND Lào”."),
    )
    country = CountryField(_("country"), blank=True, help_text=_("Empty for Vietnam's own days."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    month = models.PositiveSmallIntegerField(
        _("month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("For a date that comes back every year: its month and day."),
    )
    day = models.PositiveSmallIntegerField(
        _("day"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    on_date = models.DateField(
        _("single date"),
        null=True,
        blank=True,
        help_text=_(
            "For a date that moves from year to year (Tết): one row per year, "
            "with the month and day left empty."
        ),
    )
    since_year = models.PositiveSmallIntegerField(
        _("since year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9999)],
        help_text=_("The year of the event commemorated, to number the anniversaries."),
    )
    source = models.CharField(
        _("source"), max_length=500, help_text=_("Where the date comes from.")
    )
    notes = models.TextField(_("notes"), blank=True, **text_limit(PARAGRAPH_MAX_CHARS))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ObservanceQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("observance")
        verbose_name_plural = _("calendar of observances")
        ordering = ["month", "day", "on_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(month__isnull=False, day__isnull=False, on_date__isnull=True)
                    | Q(month__isnull=True, day__isnull=True, on_date__isnull=False)
                ),
                name="observance_yearly_or_dated",
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | _valid_day_q(),
                name="observance_day_exists",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        yearly = self.month is not None or self.day is not None
        if yearly and self.on_date:
            raise ValidationError(_("Give a yearly month and day or a single date, not both."))
        if not yearly and not self.on_date:
            raise ValidationError(
                _("Give a month and day that come back every year, or a single date.")
            )
        if yearly and (self.month is None or self.day is None):
            raise ValidationError(
                {
                    "day" if self.day is None else "month": _(
                        "A yearly date needs both a month and a day."
                    )
                }
            )
        if yearly and 1 <= self.month <= 12 and not 1 <= self.day <= LONGEST_MONTH[self.month]:
            raise ValidationError(
                {
                    "day": _("Month %(month)s has no day %(day)s.")
                    % {"month": self.month, "day": self.day}
                }
            )

    def date_in(self, year: int) -> date | None:
        """The observance's date in `year`: a yearly 29/2 falls on 28/2 in a year that is not
        a leap year; a dated occurrence only in its own year (None in any other)."""
        if self.on_date is not None:
            return self.on_date if self.on_date.year == year else None
        day = self.day
        if self.month == 2 and day == 29 and not calendar.isleap(year):
            day = 28
        return date(year, self.month, day)

    def ordinal_in(self, year: int) -> int | None:
        """Which anniversary `year` brings ("lần thứ N"), None without `since_year` or before
        the first one."""
        if self.since_year is None or year <= self.since_year:
            return None
        return year - self.since_year


class CalendarFeed(models.Model):
    """A user's secret link to the calendar feed, for applications that cannot sign in
    (Outlook, phones). Replacing it (monitoring.observances.replace_feed_token) makes the
    former link stop working; it works only while its user is active and still monitors."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar subscription link")
        verbose_name_plural = _("calendar subscription links")

    def __str__(self) -> str:
        return str(self.user)
