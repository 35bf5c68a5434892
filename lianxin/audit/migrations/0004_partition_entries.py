"""On PostgreSQL, the audit log becomes partitioned by month of `at` (core/partitions.py)."""

from django.db import migrations

from lianxin.core.partitions import partition_by_month, unpartition


def forwards(apps, schema_editor):
    partition_by_month(schema_editor.connection, "audit_auditentry", "at")


def backwards(apps, schema_editor):
    unpartition(schema_editor.connection, "audit_auditentry")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_chain")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
