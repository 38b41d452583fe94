from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.consolidation import build_version, failure_message, mark_failed, start_drafting
from reports.errors import ReportError
from reports.periods import PeriodError, get_period


class Command(BaseCommand):
    help = _(
        "Draft a new version of a period's consolidated report in the foreground and print "
        "the paths of its PDF and XLSX. --period 2020-H1 (six months) or 2020 (year)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--period", required=True)

    def handle(self, *args, period: str, **options) -> None:
        try:
            period_obj = get_period(period)
            report = start_drafting(actor=None, period=period_obj, enqueue=False)
        except (PeriodError, ReportError) as exc:
            raise CommandError(str(exc)) from exc
        try:
            report = build_version(report.pk, report.task_id)
        except Exception as exc:
            # Never leave the version 'building' (until it goes stale): fail it as the worker
            # would, and show the operator what went wrong.
            message = failure_message(_("An unexpected error stopped the drafting."))
            mark_failed(report.pk, message)
            raise CommandError(f"{message} ({exc!r})") from exc
        if not report.is_ready:
            raise CommandError(report.error or _("The drafting did not finish."))
        self.stdout.write(
            _("Version %(version)s of %(period)s is ready.")
            % {"version": report.draft_number, "period": period_obj.code}
        )
        self.stdout.write(report.pdf.path)
        self.stdout.write(report.xlsx.path)
