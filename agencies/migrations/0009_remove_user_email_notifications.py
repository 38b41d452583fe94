"""The on/off e-mail switch gives way to a choice per kind of notification
(notifications.EmailPreference): notifications 0002 first turns every switch that was off
into NEVER for every kind."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0008_remove_agency_is_active"),
        ("notifications", "0002_email_off_becomes_never"),
    ]

    operations = [
        migrations.RemoveField(model_name="user", name="email_notifications"),
    ]
