"""A partial index on the appeals table for the supervision lists of open appeals by deadline
(overdue, due soon): only dispatched and accepted appeals are in it, so it stays small however
many closed appeals there are. An additive index on a table this app does not own, created here
so that the appeals app's migrations are untouched."""

from django.db import migrations

INDEX = "supervision_open_due_idx"


class Migration(migrations.Migration):
    dependencies = [("supervision", "0003_street_rollups"), ("appeals", "0001_initial")]
    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON appeals_appeal (resolve_due_at) "
            "WHERE status IN ('dispatched', 'accepted')",
            f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
