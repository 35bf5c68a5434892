"""Trigram indexes for the free-text search of appeals (`selectors.text_search_q`), PostgreSQL only.

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it. The GIN indexes
are on the bare columns, which serve both `col LIKE '%q%'` and `col ILIKE '%q%'` for queries of 3
characters or more. SQLite gets neither (no extension; the search scans there), and the indexes are
not declared in `Meta.indexes`, so Django never tries them on SQLite and `makemigrations` stays clean.
Built in the migration's transaction (not CONCURRENTLY): at 1,000,000 appeals the three take 21 s
and 216 MB (docs/benchmarks.md), and writes to the table wait meanwhile.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEXES = {
    "appeal_title_trgm": "title",
    "appeal_text_trgm": "text",
    "appeal_tracking_trgm": "tracking_number",
}


def create_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON appeals_appeal USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0004_alter_appealevent_type"),
    ]

    operations = [
        TrigramExtension(),  # a no-op on other databases
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
