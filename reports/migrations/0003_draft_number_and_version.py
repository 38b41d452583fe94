"""A consolidated report's build number is its draft number; its edit-conflict counter is
`version`, as on every other record (it was `revision`). The statuses say "drafted", not
"built". Columns are renamed in place: no row is copied."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_revision_and_text_only_renders'),
    ]

    operations = [
        # The unique constraint names the column: dropped before the renames, made again after.
        migrations.RemoveConstraint(
            model_name='consolidatedreport',
            name='one_version_number',
        ),
        migrations.RenameField(
            model_name='consolidatedreport',
            old_name='version',
            new_name='draft_number',
        ),
        migrations.RenameField(
            model_name='consolidatedreport',
            old_name='revision',
            new_name='version',
        ),
        migrations.AlterField(
            model_name='consolidatedreport',
            name='draft_number',
            field=models.PositiveIntegerField(verbose_name='draft number'),
        ),
        migrations.AlterField(
            model_name='consolidatedreport',
            name='status',
            field=models.CharField(choices=[('queued', 'Waiting to be drafted'), ('building', 'Being drafted'), ('ready', 'Draft ready'), ('failed', 'Drafting failed'), ('issued', 'Issued')], default='queued', max_length=20, verbose_name='status'),
        ),
        migrations.AlterModelOptions(
            name='consolidatedreport',
            options={'ordering': ['period', '-draft_number'], 'verbose_name': 'consolidated report', 'verbose_name_plural': 'consolidated reports'},
        ),
        migrations.AddConstraint(
            model_name='consolidatedreport',
            constraint=models.UniqueConstraint(fields=('period', 'draft_number'), name='one_draft_number_per_period'),
        ),
    ]
