"""The information exchange's models move from the activities app to this one.

Only the migrations' state moves: the tables (activities_message, activities_messagerecipient,
activities_messageattachment), their rows, indexes and constraints stay as they are, and
activities 0006 removes the models from the activities app's state. The content types of the
three models move too, so that admin log entries and permissions keep pointing at them; this
runs before post_migrate, which would otherwise create new, empty ones.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import IntegrityError, migrations, models, transaction

import doingoai.files

MODELS = ["message", "messagerecipient", "messageattachment"]


def move_content_types(apps, schema_editor, source="activities", target="exchange"):
    """The content type of each model changes app; when the target one exists already
    (created by post_migrate of an earlier, partial run), the old one is merged into it
    instead: nothing that pointed at the old row is lost, and no stale row is left."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        old = ContentType.objects.using(db).filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.using(db).filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(using=db, update_fields=["app_label"])
        else:
            _merge_content_type(apps, db, old, new)


def _merge_content_type(apps, db, old, new):
    """Point everything at `new` that pointed at `old` (admin log entries, permissions and
    who holds them, object permissions), then delete `old`. A permission `new` already has
    (post_migrate made the same four) replaces the old one for those who held it."""
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for permission in Permission.objects.using(db).filter(content_type=old):
        twin = (
            Permission.objects.using(db)
            .filter(content_type=new, codename=permission.codename)
            .first()
        )
        if twin is None:
            permission.content_type = new
            permission.save(using=db, update_fields=["content_type"])
        else:
            _repoint(apps, db, Permission, permission, twin)
            permission.delete()
    _repoint(apps, db, ContentType, old, new)
    old.delete()


def _repoint(apps, db, target_model, old, new):
    """Every row of every model (many-to-many tables included) with a foreign key to
    `target_model` that points at `old` now points at `new`; a row that would then repeat
    one already there (a unique constraint says so) is the same grant: it is deleted."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not field.is_relation or field.related_model is not target_model:
                continue
            if model is apps.get_model("auth", "Permission"):
                continue  # permissions were merged one by one above
            rows = model._base_manager.using(db).filter(**{field.name: old})
            try:
                with transaction.atomic(using=db):
                    rows.update(**{field.name: new})
            except IntegrityError:
                for row in rows:
                    try:
                        with transaction.atomic(using=db):
                            model._base_manager.using(db).filter(pk=row.pk).update(
                                **{field.name: new}
                            )
                    except IntegrityError:
                        row.delete()


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="exchange", target="activities")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("activities", "0005_message_attachments"),
        ("agencies", "0002_plan_164_data"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Message",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("information", "Information"), ("request", "Request for information"), ("difficulty", "Report of a difficulty to Sở Ngoại vụ"), ("guidance", "Guidance"), ("reply", "Reply")], max_length=20, verbose_name="kind")),
                        ("subject", models.CharField(max_length=255, verbose_name="subject")),
                        ("body", models.TextField(verbose_name="content")),
                        ("due_date", models.DateField(blank=True, null=True, verbose_name="answer by")),
                        ("difficulty_status", models.CharField(blank=True, choices=[("open", "Not handled yet"), ("handling", "Being handled"), ("resolved", "Resolved")], max_length=20, verbose_name="handling")),
                        ("difficulty_response", models.TextField(blank=True, verbose_name="response of Sở Ngoại vụ")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="sent at")),
                        ("search_text", models.TextField(default="", editable=False)),
                        ("activity", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="messages", to="activities.activity", verbose_name="activity")),
                        ("duty", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="messages", to="agencies.duty", verbose_name="duty of the plan")),
                        ("in_reply_to", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="replies", to="exchange.message", verbose_name="in reply to")),
                        ("sender_agency", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="sent_messages", to="agencies.agency", verbose_name="from")),
                        ("sent_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="sent by")),
                        ("thread", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="thread_messages", to="exchange.message", verbose_name="thread")),
                    ],
                    options={
                        "verbose_name": "message",
                        "verbose_name_plural": "messages",
                        "db_table": "activities_message",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [models.Index(fields=["sender_agency", "-created_at"], name="activities__sender__26c7f5_idx")],
                    },
                ),
                migrations.CreateModel(
                    name="MessageRecipient",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read at")),
                        ("reminded_at", models.DateTimeField(blank=True, null=True, verbose_name="last reminded at")),
                        ("agency", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="received", to="agencies.agency", verbose_name="agency")),
                        ("answer", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="answers_for", to="exchange.message", verbose_name="answer")),
                        ("message", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="recipients", to="exchange.message")),
                        ("read_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="read by")),
                    ],
                    options={
                        "verbose_name": "recipient",
                        "verbose_name_plural": "recipients",
                        "db_table": "activities_messagerecipient",
                        "indexes": [models.Index(fields=["agency", "read_at"], name="activities__agency__05d9cb_idx")],
                        "constraints": [models.UniqueConstraint(fields=("message", "agency"), name="one_row_per_recipient")],
                    },
                ),
                migrations.CreateModel(
                    name="MessageAttachment",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("file", models.FileField(max_length=255, upload_to=doingoai.files.attachment_path, verbose_name="file")),
                        ("original_name", models.CharField(max_length=255, verbose_name="file name")),
                        ("content_type", models.CharField(max_length=100)),
                        ("size", models.PositiveBigIntegerField(verbose_name="size")),
                        ("uploaded_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded at")),
                        ("message", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="attachments", to="exchange.message", verbose_name="message")),
                        ("uploaded_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="uploaded by")),
                    ],
                    options={
                        "verbose_name": "attachment",
                        "verbose_name_plural": "attachments",
                        "db_table": "activities_messageattachment",
                        "ordering": ["uploaded_at", "pk"],
                        "abstract": False,
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back, elidable=False),
    ]
