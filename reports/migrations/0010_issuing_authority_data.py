"""The first issuing authority, from the REPORT_* settings that used to print every header
(valid from the day the first plan was issued, or 1/1/2019 without one), and the starting
history of the reporting periods."""

from datetime import date

from django.conf import settings
from django.db import migrations

from doingoai.history_migrations import start_history


def seed_authority(apps) -> None:
    """The first issuing authority from the REPORT_* settings, if there is none."""
    IssuingAuthority = apps.get_model("reports", "IssuingAuthority")
    Plan = apps.get_model("agencies", "Plan")
    if not IssuingAuthority.objects.exists():
        first_plan = Plan.objects.order_by("issued_on").first()
        IssuingAuthority.objects.create(
            valid_from=first_plan.issued_on if first_plan else date(2019, 1, 1),
            issuer_parent=settings.REPORT_ISSUER_PARENT,
            issuer=settings.REPORT_ISSUER,
            place=settings.REPORT_PLACE,
            number_suffix=settings.REPORT_NUMBER_SUFFIX,
            recipients="\n".join(settings.REPORT_RECIPIENTS),
            archive=settings.REPORT_ARCHIVE,
            signer_authority=settings.REPORT_SIGNER_AUTHORITY,
            signer_title=settings.REPORT_SIGNER_TITLE,
            signer_name=settings.REPORT_SIGNER_NAME,
        )


def forwards(apps, schema_editor):
    seed_authority(apps)
    start_history(apps, "reports", "IssuingAuthority")
    start_history(apps, "reports", "ReportingPeriod")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_issuing_authority"),
        ("agencies", "0008_remove_agency_is_active"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
