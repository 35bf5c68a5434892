"""Anonymous appeals taken in by the API or Open311 before the fix kept the caller's phone and name:
erase them, so nothing links an anonymous appeal to a person (issue 10, defect 1). Such an appeal can
no longer be tracked with the phone's last four digits; its resident can call the hotline."""

from django.db import migrations


def erase(apps, schema_editor):
    Appeal = apps.get_model("appeals", "Appeal")
    Appeal.objects.filter(is_anonymous=True).exclude(contact_phone="", contact_name="").update(
        contact_phone="", contact_name="", contact_consent=False
    )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0007_extension_lapsed")]
    operations = [migrations.RunPython(erase, migrations.RunPython.noop)]
