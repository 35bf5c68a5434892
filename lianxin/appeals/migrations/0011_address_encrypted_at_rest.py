"""The appeal's address detail (often the resident's home: "3栋2单元501") encrypted at rest too."""

from django.db import migrations

import lianxin.core.crypto

BATCH = 1000


def _rewrite(apps, schema_editor, forward: bool) -> None:
    from lianxin.core.crypto import decrypt, encrypt

    connection = schema_editor.connection
    table = connection.ops.quote_name("appeals_appeal")
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(f"SELECT id, address FROM {table} WHERE id > %s AND address <> '' ORDER BY id LIMIT {BATCH}",
                           [last])
            rows = cursor.fetchall()
            if not rows:
                return
            for pk, address in rows:
                value = encrypt(address) if forward else decrypt(address)[:200]
                cursor.execute(f"UPDATE {table} SET address = %s WHERE id = %s", [value, pk])
            last = rows[-1][0]


def forwards(apps, schema_editor):
    _rewrite(apps, schema_editor, True)


def backwards(apps, schema_editor):
    _rewrite(apps, schema_editor, False)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0010_sealed_callback_contact"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appeal",
            name="address",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, max_length=200, verbose_name="地址"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
