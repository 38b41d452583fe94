from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("agencies", "0007_organisation_over_time_data")]

    operations = [
        migrations.RemoveField(model_name="agency", name="is_active"),
        migrations.AlterField(
            model_name="plan",
            name="valid_from",
            field=models.DateField(verbose_name="in force from"),
        ),
        migrations.AlterField(
            model_name="historicalplan",
            name="valid_from",
            field=models.DateField(verbose_name="in force from"),
        ),
    ]
