"""On PostgreSQL, a trigram index makes the accent-insensitive search (LIKE '%…%' on the
folded search_text) use an index instead of reading every activity. SQLite has no such index
type and reads the table, which is fast enough at its scale."""

from django.db import migrations

INDEX = "activities_activity_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON activities_activity "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
