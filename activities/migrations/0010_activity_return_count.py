"""How many times each activity was sent back to its agency (Activity.return_count), counted
from its history: an entry whose status is "returned" after an entry that was not (a return
or a reopen; an edit of a returned activity writes another "returned" entry, not another
return). One UPDATE with a window function, grouped in the database, whatever the number of
activities; activities with no such entry keep 0. Going back drops the column.
"""

from django.db import migrations, models


def count_returns(apps, schema_editor) -> None:
    quote = schema_editor.quote_name
    activity = quote(apps.get_model("activities", "Activity")._meta.db_table)
    history = quote(apps.get_model("activities", "HistoricalActivity")._meta.db_table)
    # UPDATE … FROM: PostgreSQL, and SQLite from 3.33.
    schema_editor.execute(
        f"""
        UPDATE {activity} SET return_count = counted.returns
        FROM (
            SELECT id, COUNT(*) AS returns
            FROM (
                SELECT id, status,
                       LAG(status) OVER (PARTITION BY id ORDER BY history_date, history_id)
                           AS previous
                FROM {history}
            ) AS entries
            WHERE status = %s AND (previous IS NULL OR previous <> %s)
            GROUP BY id
        ) AS counted
        WHERE {activity}.id = counted.id
        """,
        ["returned", "returned"],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0009_text_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="return_count",
            field=models.PositiveSmallIntegerField(
                default=0, editable=False, verbose_name="times returned"
            ),
        ),
        migrations.RunPython(count_returns, migrations.RunPython.noop, elidable=True),
    ]
