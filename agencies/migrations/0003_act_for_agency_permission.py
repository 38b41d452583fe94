"""The permission that lets a user write for an agency gates its activities, its periodic
reports and its messages, so it is no longer called "log activity". The row is renamed in
place: the guardian object permissions that point at it stay as they are."""

from django.db import migrations

OLD, NEW = "log_activity", "act_for_agency"
NEW_NAME = "Can act for the agency (activities, reports, messages)"


def rename(apps, schema_editor, old=OLD, new=NEW, name=NEW_NAME):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="agencies", codename=old).update(
        codename=new, name=name
    )


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD, name="Can log activities for the agency")


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0002_plan_164_data'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='agency',
            options={'ordering': ['position', 'name'], 'permissions': [('view_records', 'Can view all records of the agency'), ('act_for_agency', 'Can act for the agency (activities, reports, messages)'), ('submit_records', "Can submit the agency's records"), ('review_records', "Can review the agency's submissions"), ('oversee_records', "Can read the agency's accepted records")], 'verbose_name': 'agency', 'verbose_name_plural': 'agencies'},
        ),
        migrations.RunPython(rename, rename_back),
    ]
