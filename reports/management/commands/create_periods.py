from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reports.periods import PeriodError, ensure_periods, first_year


class Command(BaseCommand):
    help = _(
        "Create the six-month and year reporting periods of past or coming years (with every "
        "agency's draft report). Existing periods are left as they are."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="start", type=int, default=None, help="first year")
        parser.add_argument("--to", dest="end", type=int, default=None, help="last year")

    def handle(self, *args, start, end, **options) -> None:
        this_year = timezone.localdate().year
        start = start or first_year()
        end = end or this_year + 1
        if end < start:
            raise CommandError(_("The last year comes before the first."))
        try:
            created = ensure_periods(range(start, end + 1))
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        for period in created:
            first, last, deadline = (
                date_format(day, "SHORT_DATE_FORMAT")
                for day in (period.start_date, period.end_date, period.deadline)
            )
            self.stdout.write(
                f"  {period.code}: {first} - {last}, " + _("deadline %(date)s") % {"date": deadline}
            )
        self.stdout.write(
            _("%(count)s periods created for %(start)s-%(end)s.")
            % {"count": len(created), "start": start, "end": end}
        )
