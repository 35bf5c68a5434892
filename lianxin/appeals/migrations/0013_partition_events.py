"""On PostgreSQL, the appeal events table becomes partitioned by month of `at` (core/partitions.py)."""

from django.db import migrations

from lianxin.core.partitions import partition_by_month, unpartition


def forwards(apps, schema_editor):
    partition_by_month(schema_editor.connection, "appeals_appealevent", "at")


def backwards(apps, schema_editor):
    unpartition(schema_editor.connection, "appeals_appealevent")


class Migration(migrations.Migration):
    dependencies = [("appeals", "0012_external_id")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
