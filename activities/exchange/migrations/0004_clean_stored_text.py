"""Every text already stored in the exchange in the form new text is saved in
(doingoai.text.clean_text), the messages' search column folded again (an answer's from its
thread's subject and its own content, as services.reply writes it), the history included.
Not atomic: each batch of rows is its own transaction, and a second run finds nothing to
change. Going back changes nothing."""

from django.db import migrations

from doingoai.text import fold
from doingoai.text_migrations import clean_stored_rows


def message_search(message) -> str:
    subject = message.thread.subject if message.thread_id else message.subject
    return fold(f"{subject} {message.body}")


def clean_exchange(apps, schema_editor):
    db = schema_editor.connection.alias
    for model in apps.get_app_config("exchange").get_models():
        if model._meta.model_name == "message":
            clean_stored_rows(
                model, derived={"search_text": message_search}, prefetch=["thread"], using=db
            )
        else:
            clean_stored_rows(model, using=db)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("exchange", "0003_starting_history")]

    operations = [migrations.RunPython(clean_exchange, migrations.RunPython.noop, elidable=True)]
