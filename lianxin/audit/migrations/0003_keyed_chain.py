from django.db import migrations, models


def snapshot_actor_ids(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    AuditEntry.objects.filter(actor__isnull=False).update(actor_ref=models.F("actor_id"))


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [
        migrations.AddField(
            model_name="auditentry", name="actor_ref", field=models.BigIntegerField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="auditentry", name="scheme", field=models.PositiveSmallIntegerField(default=1)
        ),
        migrations.RunPython(snapshot_actor_ids, migrations.RunPython.noop),
    ]
