"""Every text already stored in the agencies app in the form new text is saved in
(doingoai.text.clean_text: composed Unicode, Đ/đ for their look-alikes, no control or
invisible direction character), and the agencies' search column folded again from it.

A username is cleaned unless its cleaned form is another user's already (two accounts
would become one name): that account keeps its name for an administrator to rename. Going
back changes nothing: the cleaned text is the same text, as users see it.
"""

from django.db import migrations

from doingoai.text import clean_stored_rows, clean_text, fold


def clean_agencies(apps, schema_editor):
    db = schema_editor.connection.alias
    User = apps.get_model("agencies", "User")
    taken = {}
    for pk, username in User.objects.using(db).values_list("pk", "username"):
        taken.setdefault(clean_text(username), set()).add(pk)

    def username(user) -> str:
        cleaned = clean_text(user.username)
        return cleaned if taken[cleaned] == {user.pk} else user.username

    for model in apps.get_app_config("agencies").get_models():
        derived = {}
        if model._meta.model_name == "user":
            derived = {"username": username}
        elif model._meta.model_name == "agency":
            derived = {"search_text": lambda a: fold(f"{a.code} {a.name} {a.short_name}")}
        clean_stored_rows(model, derived=derived, using=db)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0003_act_for_agency_permission")]

    operations = [migrations.RunPython(clean_agencies, migrations.RunPython.noop, elidable=True)]
