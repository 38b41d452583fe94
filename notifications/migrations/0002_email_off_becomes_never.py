"""Users who had turned e-mail notifications off (User.email_notifications False, removed by
agencies 0009) keep getting no e-mail: a NEVER preference for every kind. Their notifications
are still shown in the portal, which the switch never governed."""

from django.db import migrations
from django.db.models import Count

# The kinds as they were when this migration was written (notifications.models.Kind): a
# migration must not follow later changes to the model's choices.
KINDS = (
    "activity_returned",
    "activity_accepted",
    "report_returned",
    "report_accepted",
    "message_received",
    "request_received",
    "request_due",
    "request_overdue",
    "difficulty_handled",
    "report_issued",
    "report_deadline",
)


def email_off_to_never(apps, schema_editor):
    User = apps.get_model("agencies", "User")
    EmailPreference = apps.get_model("notifications", "EmailPreference")
    user_ids = list(User.objects.filter(email_notifications=False).values_list("pk", flat=True))
    EmailPreference.objects.filter(user_id__in=user_ids, kind__in=KINDS).update(choice="never")
    EmailPreference.objects.bulk_create(
        [
            EmailPreference(user_id=user_id, kind=kind, choice="never")
            for user_id in user_ids
            for kind in KINDS
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )


def never_to_email_off(apps, schema_editor):
    # Back to the switch: off for those who chose never for every kind (the choices made
    # since per kind cannot all be said with one switch; the rows stay).
    User = apps.get_model("agencies", "User")
    EmailPreference = apps.get_model("notifications", "EmailPreference")
    silent = (
        EmailPreference.objects.filter(kind__in=KINDS, choice="never")
        .values("user_id")
        .annotate(kinds=Count("kind"))
        .filter(kinds=len(KINDS))
        .values("user_id")
    )
    User.objects.filter(pk__in=silent).update(email_notifications=False)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0008_remove_agency_is_active"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(email_off_to_never, never_to_email_off)]
