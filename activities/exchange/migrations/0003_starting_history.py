"""A starting history row for every message sent before messages had a history (0002), as a
message sent since gets one: the first handling of an old difficulty then shows what it
changed, and the history of every message starts when it was sent.

The row holds the message as it is now (earlier changes were never recorded), dated when it
was sent, by whom it was sent, with the reason a message sent today gets, in the portal's
language. Messages that have a history already are left alone, so running it again adds
nothing; going back leaves the rows (0002 going back drops the whole table).
"""

from django.conf import settings
from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

# The reason services.send_message writes: the same source text, so the same translation.
REASON = gettext_noop("Message sent")
BATCH = 1000


def write_starting_history(apps, schema_editor):
    Message = apps.get_model("exchange", "Message")
    HistoricalMessage = apps.get_model("exchange", "HistoricalMessage")
    db = schema_editor.connection.alias
    copied = [
        f.attname
        for f in HistoricalMessage._meta.concrete_fields
        if not f.name.startswith("history_")
    ]
    # migrate runs with translations off: the reason is written as a request would write it.
    with translation.override(settings.LANGUAGE_CODE):
        reason = gettext(REASON)
    recorded = HistoricalMessage.objects.using(db).values("id")
    batch = []
    for message in (
        Message.objects.using(db).exclude(pk__in=recorded).order_by("pk").iterator(chunk_size=BATCH)
    ):
        batch.append(
            HistoricalMessage(
                **{name: getattr(message, name) for name in copied},
                history_type="+",
                history_date=message.created_at,
                history_user_id=message.sent_by_id,
                history_change_reason=reason,
            )
        )
        if len(batch) == BATCH:
            HistoricalMessage.objects.using(db).bulk_create(batch)
            batch = []
    HistoricalMessage.objects.using(db).bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0002_handling_history")]

    operations = [
        migrations.RunPython(write_starting_history, migrations.RunPython.noop, elidable=True),
    ]
