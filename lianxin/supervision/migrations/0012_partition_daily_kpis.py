"""On PostgreSQL, the rollups' daily tables become partitioned by month of `day` (core/partitions.py).

The monthly rollup tables stay plain: a month is one row per key there, small at any scale.
"""

from django.db import migrations

from lianxin.core.partitions import partition_by_month, unpartition

DAILY_TABLES = (
    "supervision_kpistreetdaily",
    "supervision_kpistreettotaldaily",
    "supervision_kpiareadaily",
    "supervision_kpicategorydaily",
)


def forwards(apps, schema_editor):
    for table in DAILY_TABLES:
        partition_by_month(schema_editor.connection, table, "day")


def backwards(apps, schema_editor):
    for table in DAILY_TABLES:
        # `day` led every daily key before partitioning: the keys stay as they are.
        unpartition(schema_editor.connection, table, column_added_to_unique=False)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0011_kpi_chased_counter")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
