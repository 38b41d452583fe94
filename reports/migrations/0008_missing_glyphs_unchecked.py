"""missing_glyphs None means "not checked". 0005 gave every version [] ("everything prints"),
though none was checked: the unissued ones are marked not checked, so issuing checks their
final PDF (consolidation.issue_report) instead of trusting an empty list. Issued versions
never change again and keep theirs."""

from django.db import migrations, models


def mark_unchecked(apps, schema_editor):
    ConsolidatedReport = apps.get_model("reports", "ConsolidatedReport")
    ConsolidatedReport.objects.exclude(status="issued").update(missing_glyphs=None)


def mark_empty(apps, schema_editor):
    ConsolidatedReport = apps.get_model("reports", "ConsolidatedReport")
    ConsolidatedReport.objects.filter(missing_glyphs__isnull=True).update(missing_glyphs=[])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_text_limits"),
    ]

    operations = [
        migrations.AlterField(
            model_name="consolidatedreport",
            name="missing_glyphs",
            field=models.JSONField(
                blank=True,
                editable=False,
                null=True,
                verbose_name="characters the PDF cannot print",
            ),
        ),
        migrations.RunPython(mark_unchecked, mark_empty),
    ]
