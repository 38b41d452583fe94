from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies.models import Membership
from agencies.services import AccountError, create_account


class Command(BaseCommand):
    help = "Create an account (or update it) and give it a role in an agency. Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--agency", help="agency code, e.g. SNGV")
        parser.add_argument("--role", help=f"one of: {', '.join(Membership.Role.values)}")
        parser.add_argument("--password", help="default: keep it, or a random one if new")
        parser.add_argument("--email", default="")
        parser.add_argument("--full-name", default="")
        parser.add_argument(
            "--superuser", action="store_true", help="an administrator of the whole portal"
        )

    def handle(self, *args, **options) -> None:
        try:
            result = create_account(
                actor=None,
                username=options["username"],
                agency_code=options["agency"],
                role=options["role"],
                password=options["password"],
                email=options["email"],
                full_name=options["full_name"],
                superuser=options["superuser"],
            )
        except AccountError as exc:
            raise CommandError(str(exc)) from exc
        message = (
            _("Created account %(username)s")
            if result.created
            else _("Updated account %(username)s")
        ) % {"username": result.user.username}
        if result.membership:
            message += f" · {result.membership.agency.code} · {result.membership.role}"
        if result.password and not options["password"]:
            message += " · " + _("password: %(password)s") % {"password": result.password}
        self.stdout.write(self.style.SUCCESS(message))
