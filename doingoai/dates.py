"""The range of days the portal takes for an organisation's dates (a reorganisation's
effective date, a plan's dates, an implementing programme's date): one rule, one helper."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

EARLIEST = date(2000, 1, 1)
YEARS_AHEAD = 10


def latest(today: date | None = None) -> date:
    """The last day taken: YEARS_AHEAD years after `today` (today when None); 29 February
    becomes 28 February in a common year."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def check_plausible_date(day: date, today: date | None = None) -> None:
    """Raise ValueError (a message in the active language naming the day and the range) when
    `day` is before EARLIEST (1/1/2000) or after latest(today): such a date is a typing
    mistake (0001-01-01, 9999-12-31, 2205 for 2025), not an organisation's date."""
    last = latest(today)
    if day < EARLIEST or day > last:
        raise ValueError(
            _("%(day)s is out of range: a date from %(first)s to %(last)s is expected.")
            % {
                "day": date_format(day, "SHORT_DATE_FORMAT"),
                "first": date_format(EARLIEST, "SHORT_DATE_FORMAT"),
                "last": date_format(last, "SHORT_DATE_FORMAT"),
            }
        )
