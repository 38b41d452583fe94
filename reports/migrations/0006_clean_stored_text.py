"""Every text already stored in the reports app in the form new text is saved in
(doingoai.text.clean_text): what agencies wrote, the narrative of the province's report,
return reasons, the history included. Not atomic: each batch of rows is its own transaction,
and a second run finds nothing to change. Going back changes nothing."""

from django.db import migrations

from doingoai.text_migrations import clean_stored_rows


def clean_reports(apps, schema_editor):
    db = schema_editor.connection.alias
    for model in apps.get_app_config("reports").get_models():
        clean_stored_rows(model, using=db)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0005_missing_glyphs")]

    operations = [migrations.RunPython(clean_reports, migrations.RunPython.noop, elidable=True)]
