"""Write a plan to a JSON file (docs/plans.md describes the format)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies.models import Plan
from agencies.plans import export_plan
from doingoai.jsonfiles import os_error_text


def dump(data: dict) -> str:
    """The plan document as the committed files have it: UTF-8 text, indented by two, keys
    in the format's order, ending with a newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


class Command(BaseCommand):
    help = "Write the plan of number NUMBER to FILE as JSON; FILE “-” writes to stdout."

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", help="The plan's number, as the plan page shows it.")
        parser.add_argument("file", help="Where to write; “-” for the standard output.")

    def handle(self, *args, number: str, file: str, **options) -> None:
        plan = Plan.objects.filter(number=number).first()
        if plan is None:
            known = ", ".join(Plan.objects.order_by("valid_from").values_list("number", flat=True))
            raise CommandError(
                _("There is no plan numbered “%(number)s”. Plans loaded: %(known)s.")
                % {"number": number, "known": known or "—"}
            )
        text = dump(export_plan(plan))
        if file == "-":
            self.stdout.write(text, ending="")
            return
        try:
            with open(file, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as exc:
            raise CommandError(
                _("Cannot write “%(file)s”: %(error)s")
                % {"file": file, "error": os_error_text(exc)}
            ) from exc
        self.stdout.write(
            _("Plan %(number)s written to %(file)s (%(duties)d duties).")
            % {"number": plan.number, "file": file, "duties": plan.duties.count()}
        )
