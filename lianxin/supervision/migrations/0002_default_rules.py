import datetime as dt

from django.db import migrations

DEFAULT_RULES = [
    ("诉求 24 小时内到期", "appeal_due_soon", 24, 30, 1),
    ("诉求已超期", "appeal_overdue", 0, 30, 1),
    ("诉求重办两次及以上", "appeal_reopened", 2, 30, 1),
    ("单位近 30 天满意率低于 80%", "unit_satisfaction_low", 80, 30, 5),
    ("单位近 30 天超期超过 10 件", "unit_overdue_high", 10, 30, 1),
    ("某类诉求在街道激增（2 倍于前 4 周周均）", "category_surge", 2, 28, 5),
]


def create(apps, schema_editor):
    WarningRule = apps.get_model("supervision", "WarningRule")
    AssessmentScheme = apps.get_model("supervision", "AssessmentScheme")
    for name, kind, threshold, window, min_count in DEFAULT_RULES:
        WarningRule.objects.get_or_create(
            kind=kind, name=name, defaults={"threshold": threshold, "window_days": window, "min_count": min_count}
        )
    if not AssessmentScheme.objects.exists():
        AssessmentScheme.objects.create(name="默认考核方案", valid_from=dt.date(2000, 1, 1))


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
