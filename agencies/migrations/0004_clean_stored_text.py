"""Every text already stored in the agencies app in the form new text is saved in
(doingoai.text.clean_text: composed Unicode, Đ/đ for their look-alikes, no control or
invisible character, plain spaces), and the agencies' search column folded again from it.

Rows of a unique column that would become one once cleaned (two usernames, agency codes,
plan numbers, legal bases of a plan, duty references of a plan) keep what they store, and
the migration prints a line naming them for an administrator to merge or rename: merging
accounts or plan items moves rights and records no migration should guess
(doingoai.text_migrations.clean_stored_rows). Not atomic: each batch of rows is its own transaction,
and a second run finds nothing to change. Going back changes nothing: the cleaned text is
the same text, as users see it.
"""

from django.db import migrations

from doingoai.text import fold
from doingoai.text_migrations import clean_stored_rows


def clean_agencies(apps, schema_editor):
    db = schema_editor.connection.alias
    for model in apps.get_app_config("agencies").get_models():
        derived = {}
        if model._meta.model_name == "agency":
            derived = {"search_text": lambda a: fold(f"{a.code} {a.name} {a.short_name}")}
        clean_stored_rows(model, derived=derived, using=db)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("agencies", "0003_act_for_agency_permission")]

    operations = [migrations.RunPython(clean_agencies, migrations.RunPython.noop, elidable=True)]
