"""Load a plan from a JSON file (docs/plans.md describes the format), checked as a whole."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.plans import PlanError, dmy, load_plan
from doingoai.jsonfiles import JSONFileError, parse_json_text, read_source


class Command(BaseCommand):
    help = (
        "Load a plan from FILE (JSON, as export_plan writes it). Every problem is listed and "
        "nothing is written unless the whole file is right. --replace updates a plan already "
        "loaded under the same number."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The plan file (JSON, UTF-8); “-” reads stdin.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Update the plan of the same number in place (duties matched by ref).",
        )
        parser.add_argument(
            "--reason", default="", help="Why: kept in the history of every row written."
        )

    def handle(self, *args, file: str, replace: bool, reason: str, **options) -> None:
        try:
            content = read_source(file)
        except JSONFileError as exc:
            raise CommandError(str(exc)) from exc
        try:
            data = parse_json_text(content)
        except JSONFileError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        try:
            plan = load_plan(
                data, reason=reason or _("Loaded from %(file)s") % {"file": file}, replace=replace
            )
        except PlanError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                ngettext(
                    "The plan was not loaded (%(count)d problem); nothing was changed.",
                    "The plan was not loaded (%(count)d problems); nothing was changed.",
                    len(exc.messages),
                )
                % {"count": len(exc.messages)}
            ) from exc
        if plan.closed_previous is not None:
            self.stdout.write(
                _("Plan %(number)s now ends on %(until)s, the day before the new plan begins.")
                % {
                    "number": plan.closed_previous.number,
                    "until": dmy(plan.closed_previous.valid_until),
                }
            )
        self.stdout.write(
            _(
                "Plan %(number)s loaded: %(bases)d legal bases, %(duties)d duties, in force "
                "from %(from)s%(until)s."
            )
            % {
                "number": plan.number,
                "bases": plan.legal_bases.count(),
                "duties": plan.duties.count(),
                "from": dmy(plan.valid_from),
                "until": _(" to %(day)s") % {"day": dmy(plan.valid_until)}
                if plan.valid_until
                else "",
            }
        )
