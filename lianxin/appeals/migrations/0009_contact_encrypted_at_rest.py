"""Residents' names and phones on appeals encrypted at rest, with a keyed hash for exact lookups.

The existing plaintext is read and rewritten with raw SQL (the ORM would try to decrypt it), batch
by batch; going back decrypts. Keys: LIANXIN_DATA_KEYS and LIANXIN_LOOKUP_KEY (core/crypto.py).
"""

from django.db import migrations, models

import lianxin.core.crypto

BATCH = 1000


def _rewrite(apps, schema_editor, forward: bool) -> None:
    from lianxin.core.crypto import decrypt, encrypt, phone_lookup_hash

    connection = schema_editor.connection
    table = connection.ops.quote_name("appeals_appeal")
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, contact_name, contact_phone FROM {table} WHERE id > %s "
                f"AND (contact_name <> '' OR contact_phone <> '') ORDER BY id LIMIT {BATCH}",
                [last],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            for pk, name, phone in rows:
                if forward:
                    values = [encrypt(name or ""), encrypt(phone or ""), phone_lookup_hash(phone or ""), pk]
                    cursor.execute(
                        f"UPDATE {table} SET contact_name = %s, contact_phone = %s, contact_phone_hash = %s WHERE id = %s",
                        values,
                    )
                else:
                    cursor.execute(f"UPDATE {table} SET contact_name = %s, contact_phone = %s WHERE id = %s",
                                   [decrypt(name or "")[:50], decrypt(phone or "")[:20], pk])
            last = rows[-1][0]


def forwards(apps, schema_editor):
    _rewrite(apps, schema_editor, True)


def backwards(apps, schema_editor):
    _rewrite(apps, schema_editor, False)


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("appeals", "0008_anonymous_keeps_no_contact"),
    ]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="contact_phone_hash",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="appeal",
            name="contact_name",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, max_length=50, verbose_name="联系人"),
        ),
        migrations.AlterField(
            model_name="appeal",
            name="contact_phone",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, max_length=20, verbose_name="联系电话"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
