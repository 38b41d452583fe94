"""Which issuing authority an issued report used, and its number's suffix as issued; the
reports issued before are given the authority in force on their issue date (the first one,
seeded from the REPORT_* settings, for a date before any) and its suffix."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    ConsolidatedReport = apps.get_model("reports", "ConsolidatedReport")
    IssuingAuthority = apps.get_model("reports", "IssuingAuthority")
    authorities = list(IssuingAuthority.objects.order_by("valid_from"))
    for report in ConsolidatedReport.objects.filter(status="issued", issued_on__isnull=False):
        began = [a for a in authorities if a.valid_from <= report.issued_on]
        authority = began[-1] if began else (authorities[0] if authorities else None)
        report.issuing_authority = authority
        report.number_suffix = (
            authority.number_suffix if authority else settings.REPORT_NUMBER_SUFFIX
        )
        report.save(update_fields=["issuing_authority", "number_suffix"])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0010_issuing_authority_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="consolidatedreport",
            name="issuing_authority",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reports",
                to="reports.issuingauthority",
                verbose_name="issuing authority",
            ),
        ),
        migrations.AddField(
            model_name="consolidatedreport",
            name="number_suffix",
            field=models.CharField(blank=True, editable=False, max_length=50),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
