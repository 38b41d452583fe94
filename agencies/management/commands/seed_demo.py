from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.services import AccountError, create_account

DEMO_PASSWORD = "DoiNgoai@2026"

# username, agency, role, full name (one per role; the superuser administers the portal)
DEMO_ACCOUNTS = [
    ("canbo.sldtbxh", "SLDTBXH", "staff", "Nguyễn Thị Lan"),
    ("lanhdao.vungtau", "VUNGTAU", "manager", "Trần Văn Minh"),
    ("thamdinh.sngv", "SNGV", "reviewer", "Lê Hoàng Nam"),
    ("lanhdao.tinh", "UBNDTINH", "leader", "Phạm Quốc Hùng"),
    ("quantri", None, None, "Quản trị hệ thống"),
]


class Command(BaseCommand):
    help = "Create the demo accounts, one per role (development only: refuses with DEBUG off)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                _("Demo accounts are for development only: refusing to run with DEBUG off.")
            )
        rows = []
        for username, agency, role, full_name in DEMO_ACCOUNTS:
            # An existing account is left exactly as its user or an administrator made it.
            existed = User.objects.filter(username=username).exists()
            if not existed:
                try:
                    create_account(
                        actor=None,
                        username=username,
                        agency_code=agency,
                        role=role,
                        password=DEMO_PASSWORD,
                        email=f"{username}@example.invalid",
                        full_name=full_name,
                        superuser=agency is None,
                    )
                except AccountError as exc:
                    raise CommandError(str(exc)) from exc
            password = _("(unchanged)") if existed else DEMO_PASSWORD
            rows.append((username, agency or "—", role or "superuser", password))
        self.stdout.write(_("Demo accounts (username · agency · role · password):"))
        for row in rows:
            self.stdout.write("  " + " · ".join(row))
