"""Personal data at rest: an encrypted text field and keyed hashes for exact-match lookups.

- `EncryptedTextField` stores Fernet tokens (AES-128-CBC + HMAC-SHA256, random IV): the database row
  never holds the plaintext, and the same value encrypts differently each time, so the column can
  be neither searched nor compared. Keys come from `settings.LIANXIN["DATA_KEYS"]`
  (`LIANXIN_DATA_KEYS`, comma separated): the first encrypts, all of them decrypt (MultiFernet),
  so a key is rotated by putting a new one first, re-encrypting (`reencrypt_rows`) and then
  dropping the old one.
- `lookup_hash` / `phone_lookup_hash` / `id_number_lookup_hash`: HMAC-SHA256 under
  `settings.LIANXIN["LOOKUP_KEY"]` (`LIANXIN_LOOKUP_KEY`) of a normalised value, stored beside the
  encrypted column so that "who has this exact phone" is one indexed query. Without the key the
  digests cannot be recomputed from a guessed phone (unlike a plain hash of 11 digits).

Without keys a fixed development key is used, except under production settings
(`settings.LIANXIN_PRODUCTION`), which refuse to start (settings/production.py) and, should they
not, refuse here.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

# Fixed and published on purpose: only ever used outside production, so that a development or
# test database can be read again after a restart.
_DEV_SEED = b"lianxin-development-data-key-NOT-A-SECRET"
DEV_DATA_KEY = base64.urlsafe_b64encode(hashlib.sha256(_DEV_SEED).digest()).decode()
DEV_LOOKUP_KEY = "lianxin-development-lookup-key-NOT-A-SECRET"


class DecryptionFailedError(Exception):
    """A stored value none of the configured keys can decrypt (a key was dropped too early)."""


def _production() -> bool:
    return bool(getattr(settings, "LIANXIN_PRODUCTION", False))


def data_keys() -> tuple[str, ...]:
    keys = tuple(k for k in settings.LIANXIN.get("DATA_KEYS", ()) if k)
    if keys:
        return keys
    if _production():
        raise ImproperlyConfigured("LIANXIN_DATA_KEYS is not set: production refuses to store personal data.")
    return (DEV_DATA_KEY,)


def lookup_key() -> bytes:
    key = settings.LIANXIN.get("LOOKUP_KEY", "")
    if key:
        return str(key).encode()
    if _production():
        raise ImproperlyConfigured("LIANXIN_LOOKUP_KEY is not set: production refuses to hash identifiers.")
    return DEV_LOOKUP_KEY.encode()


@functools.lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "LIANXIN_DATA_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes); make one "
            "with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from error


def _fernet() -> MultiFernet:
    return _fernet_for(data_keys())


def encrypt(plaintext: str) -> str:
    """A Fernet token of `plaintext` under the first key. The empty string stays empty."""
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as error:
        raise DecryptionFailedError(
            "a stored value cannot be decrypted with any key in LIANXIN_DATA_KEYS"
        ) from error


def rotate(token: str) -> str:
    """The same plaintext encrypted under the first key (decrypting with any configured key)."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise DecryptionFailedError(
            "a stored value cannot be decrypted with any key in LIANXIN_DATA_KEYS"
        ) from error


class EncryptedTextField(models.TextField[str, str]):
    """A text column holding a Fernet token; Python code sees the plaintext.

    Equality lookups on it never match (every encryption differs): search through a lookup hash
    stored beside it. `max_length` bounds the plaintext in forms, not the (longer) token."""

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(str(value))


def reencrypt_rows(queryset: models.QuerySet[Any], fields: Iterable[str], *, batch: int = 500) -> int:
    """Re-encrypt these encrypted columns of every row under the first key; returns the rows done.

    Works on the raw tokens with SQL (the ORM would hand back plaintext), batch by batch."""
    from django.db import connection, transaction

    model = queryset.model
    names = list(fields)
    columns = [model._meta.get_field(name).column for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    selected = ", ".join(connection.ops.quote_name(c) for c in columns)
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    ids = list(queryset.values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with transaction.atomic(), connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {pk_column}, {selected} FROM {table} WHERE {pk_column} IN ({marks})", chunk
            )
            for pk, *tokens in cursor.fetchall():
                rotated = [rotate(t) if t else t for t in tokens]
                cursor.execute(f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s", [*rotated, pk])
                done += 1
    return done


# --- keyed hashes for exact-match lookups -----------------------------------------------------------

_NON_DIGITS = re.compile(r"\D")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$|^\d{15}$")


def normalise_phone(phone: str) -> str:
    """The digits of a phone as dialled inside China: spaces, dashes, brackets, a +86/0086 prefix
    dropped (`+86 138-1234-1234` → `13812341234`). Same rule as the appeals' phone search, plus the
    country code."""
    digits = _NON_DIGITS.sub("", phone or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def normalise_id_number(value: str) -> str:
    """A resident ID number without spaces, the check letter upper-cased."""
    return re.sub(r"\s", "", value or "").upper()


def is_valid_id_number(value: str) -> bool:
    return bool(_ID_NUMBER.match(normalise_id_number(value)))


def lookup_hash(value: str, *, kind: str) -> str:
    """HMAC-SHA256 of `kind:value` (hex, 64 characters); '' for an empty value. `kind` keeps the
    digests of different identifiers apart."""
    if not value:
        return ""
    return hmac.new(lookup_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def phone_lookup_hash(phone: str) -> str:
    return lookup_hash(normalise_phone(phone), kind="phone")


def id_number_lookup_hash(value: str) -> str:
    return lookup_hash(normalise_id_number(value), kind="id")
