"""An index for searches of one or two characters (`selectors.text_search_q`), PostgreSQL only.

The trigram indexes of migration 0005 serve queries of 3 characters or more; a query such as
"路灯" or "鲸" has no trigram, and scanned a million appeals (0.3-0.7 s when it matched rarely).
This GIN index holds, for each appeal, the distinct single characters and character pairs of its
title and text (lower-cased, none with white space): a one- or two-character query keeps only the
appeals whose set contains it, and the same LIKE as before then decides. SQLite gets nothing (the
search scans there), and Django's model state does not know the index, so `makemigrations` stays clean.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FUNCTION = r"""
CREATE OR REPLACE FUNCTION lianxin_short_grams(s text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}'::text[]) FROM (
    SELECT lower(substr(s, i, n)) AS g
    FROM generate_series(1, char_length(s)) AS i, (VALUES (1), (2)) AS lengths(n)
    WHERE i + n - 1 <= char_length(s)
  ) grams WHERE g !~ '\s'
$$
"""
INDEX = "CREATE INDEX IF NOT EXISTS appeal_short_grams ON appeals_appeal USING gin (lianxin_short_grams(title || ' ' || text))"


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    # A GIN build that fits in memory is several times faster than one spilling to disk (the
    # default 64 MB); for this transaction only.
    schema_editor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    schema_editor.execute(INDEX)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS appeal_short_grams")
    schema_editor.execute("DROP FUNCTION IF EXISTS lianxin_short_grams(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0021_appeal_chase_count"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
