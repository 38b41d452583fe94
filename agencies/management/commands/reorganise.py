"""Reorganise the province on a date: merge, split, rename or close agencies, from the command
line or from a file of operations (docs/reorganise.md describes both)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import Agency
from agencies.reorganisation import (
    Close,
    Merge,
    NewAgency,
    Operation,
    Rename,
    ReorganisationError,
    Split,
    apply,
    load_document,
    parse_date,
    preview,
    summary_lines,
)
from doingoai.jsonfiles import JSONFileError, read_source


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def _pairs(values: list[str], option: str) -> dict[str, str]:
    """CODE=VALUE options (repeated) as a dictionary."""
    pairs = {}
    for value in values:
        code, sep, text = value.partition("=")
        if not sep or not code.strip():
            raise CommandError(
                _('%(option)s takes CODE=VALUE, e.g. %(option)s PHUONG_1="…"; got “%(value)s”.')
                % {"option": option, "value": value}
            )
        pairs[code.strip()] = text
    return pairs


class Command(BaseCommand):
    help = (
        "Reorganise agencies on a date (--merge, --split, --rename or --close), or apply FILE, "
        "a JSON file of operations (docs/reorganise.md). Everything is checked first and "
        "applied as one transaction; --dry-run prints what would change and changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "file", nargs="?", help="A reorganisation file (JSON, UTF-8); “-” reads stdin."
        )
        parser.add_argument("--on", help="The date it takes effect: YYYY-MM-DD or DD/MM/YYYY.")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--merge", metavar="CODES", help="Agencies to merge, A,B,…")
        action.add_argument("--split", metavar="CODE", help="The agency to split.")
        action.add_argument("--rename", metavar="CODE", help="The agency to rename.")
        action.add_argument("--close", metavar="CODE", help="The agency to close.")
        parser.add_argument(
            "--into",
            metavar="CODE[,CODE…]",
            help="The merge's target (new or existing), the split's targets (A,B,…; the first "
            "is the successor), or the successor of a closed agency.",
        )
        parser.add_argument("--name", default="", help="Full name of the new or renamed agency.")
        parser.add_argument("--short-name", default="", help="Its short name (default: the name).")
        parser.add_argument(
            "--kind",
            default="",
            help=f"Kind of the new agency ({', '.join(Agency.Kind.values)}); for a rename, its "
            "new kind; for a split, the targets' default kind.",
        )
        parser.add_argument(
            "--parent", default="", help="Code of the agency the new one(s) sit under."
        )
        parser.add_argument(
            "--target-name",
            action="append",
            default=[],
            metavar='CODE="NAME"',
            help="Name of a new split target (repeat for each).",
        )
        parser.add_argument(
            "--target-short-name", action="append", default=[], metavar='CODE="NAME"'
        )
        parser.add_argument(
            "--target-kind",
            action="append",
            default=[],
            metavar="CODE=KIND",
            help="Kind of a new split target (default --kind).",
        )
        parser.add_argument(
            "--reason", default="", help="The decision behind it, kept with the reorganisation."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change; change nothing."
        )

    def handle(self, *args, **options) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(options)

    def _handle(self, options) -> None:
        reason = options["reason"]
        if options["file"]:
            if any(options[k] for k in ("merge", "split", "rename", "close")):
                raise CommandError(_("Give either FILE or one operation, not both."))
            document = self._read(options["file"])
            operations = document.operations
            reason = reason or document.reason
        else:
            operations = [self._operation(options)]
        try:
            if options["dry_run"]:
                summary = preview(operations, actor=None, reason=reason)
            else:
                summary = apply(operations, actor=None, reason=reason)
        except ReorganisationError as exc:
            self._fail(exc)
        self.stdout.write(
            _("Preview (nothing was changed):") if options["dry_run"] else _("Applied:")
        )
        for line in summary_lines(summary):
            self.stdout.write(line)

    def _fail(self, exc: ReorganisationError):
        for message in exc.messages:
            self.stderr.write(message)
        raise CommandError(
            ngettext(
                "Nothing was changed (%(count)d problem).",
                "Nothing was changed (%(count)d problems).",
                len(exc.messages),
            )
            % {"count": len(exc.messages)}
        ) from exc

    def _read(self, file: str):
        try:
            content = read_source(file)
        except JSONFileError as exc:
            raise CommandError(str(exc)) from exc
        try:
            return load_document(content)
        except ReorganisationError as exc:
            self._fail(exc)

    def _operation(self, options) -> Operation:
        if not options["on"]:
            raise CommandError(
                _("Give the date with --on (YYYY-MM-DD or DD/MM/YYYY), or a FILE of operations.")
            )
        try:
            day = parse_date(options["on"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        name, short_name, kind, parent = (
            options["name"],
            options["short_name"],
            options["kind"],
            options["parent"],
        )
        into = options["into"] or ""
        if options["merge"]:
            if not into:
                raise CommandError(_("--merge needs --into, the agency they become."))
            target: str | NewAgency = into.strip()
            if name or not Agency.objects.filter(code=target).exists():
                target = NewAgency(
                    code=into.strip(),
                    name=name,
                    kind=kind,
                    short_name=short_name,
                    parent=parent,
                )
            return Merge(tuple(_codes(options["merge"])), target, day, label="--merge")
        if options["split"]:
            codes = _codes(into)
            names = _pairs(options["target_name"], "--target-name")
            shorts = _pairs(options["target_short_name"], "--target-short-name")
            kinds = _pairs(options["target_kind"], "--target-kind")
            existing = set(Agency.objects.filter(code__in=codes).values_list("code", flat=True))
            targets: list[str | NewAgency] = [
                code
                if code in existing and code not in names
                else NewAgency(
                    code=code,
                    name=names.get(code, ""),
                    kind=kinds.get(code, kind),
                    short_name=shorts.get(code, ""),
                    parent=parent,
                )
                for code in codes
            ]
            return Split(options["split"].strip(), tuple(targets), day, label="--split")
        if options["rename"]:
            return Rename(
                options["rename"].strip(),
                name,
                day,
                short_name=short_name,
                kind=kind,
                label="--rename",
            )
        if options["close"]:
            return Close(options["close"].strip(), day, successor=into.strip(), label="--close")
        raise CommandError(
            _("Say what to do: --merge, --split, --rename or --close, or give a FILE.")
        )
