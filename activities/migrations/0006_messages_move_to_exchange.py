"""Messages, their recipients and attachments now belong to the exchange app (exchange 0001
took them over with their tables): they leave this app's state; no table changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0005_message_attachments"),
        ("exchange", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="MessageAttachment"),
                migrations.DeleteModel(name="MessageRecipient"),
                migrations.DeleteModel(name="Message"),
            ],
        ),
    ]
