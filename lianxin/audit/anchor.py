"""Signed checkpoints of the audit chain's head, kept outside the database.

After each transaction that appended audit entries commits, one line (count, last hash,
HMAC signature) is appended to LIANXIN["AUDIT_ANCHOR_PATH"] and logged on
`lianxin.audit.anchor`. Verification compares the table with the newest checkpoint, so
truncating, renumbering or recomputing the chain is detected even by an attacker who
can write the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger("lianxin.audit.anchor")


def audit_key() -> bytes:
    key = settings.LIANXIN.get("AUDIT_KEY") or ""
    if not key:  # dev/test only: production settings refuse to start without LIANXIN_AUDIT_KEY
        key = "lianxin-audit:" + settings.SECRET_KEY
    return key.encode("utf-8")


def audit_keys() -> list[bytes]:
    """Retired keys (LIANXIN["AUDIT_OLD_KEYS"], oldest first) followed by the current key."""
    old = [k.encode("utf-8") for k in settings.LIANXIN.get("AUDIT_OLD_KEYS", []) if k]
    return [*old, audit_key()]


def _anchor_path() -> Path:
    return Path(settings.LIANXIN["AUDIT_ANCHOR_PATH"])


def _sign(count: int, head: str, key: bytes | None = None) -> str:
    message = f"anchor:{count}:{head}".encode()
    return hmac.new(key or audit_key(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Anchor:
    count: int
    head: str


def write_anchor() -> None:
    """Append a checkpoint of the current head (called once per committed transaction)."""
    from .models import AuditEntry

    last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
    if last is None:
        return
    line = {"at": timezone.now().isoformat(), "count": last["seq"], "head": last["hash"]}
    line["sig"] = _sign(last["seq"], last["hash"])
    text = json.dumps(line, sort_keys=True)
    path = _anchor_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    except OSError:
        logger.exception("could not append the audit anchor to %s", path)
    logger.info("audit anchor %s", text)


class _PendingAnchor:
    def __init__(self) -> None:
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        write_anchor()


def anchor_pending() -> bool:
    """Whether this transaction has appended to the chain already (its checkpoint is registered).

    A savepoint that is rolled back drops the callbacks registered inside it, as PostgreSQL drops
    the locks taken inside it, so this stays true exactly while the chain's lock is held."""
    for pending in connection.run_on_commit:
        func = pending[1]
        if isinstance(func, _PendingAnchor) and not func.ran:
            return True
    return False


def schedule_anchor() -> None:
    """Register write_anchor on commit, once per transaction however many entries it appends."""
    if not anchor_pending():
        transaction.on_commit(_PendingAnchor(), robust=True)


class AnchorTamperedError(Exception):
    pass


def latest_anchor() -> Anchor | None:
    """The newest validly signed checkpoint; AnchorTamperedError if a line's signature is wrong."""
    path = _anchor_path()
    if not path.exists():
        return None
    best: Anchor | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            count, head, sig = int(item["count"]), str(item["head"]), str(item["sig"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AnchorTamperedError(f"line {number} of the anchor file {path} is unreadable") from exc
        if not any(hmac.compare_digest(sig, _sign(count, head, key)) for key in audit_keys()):
            raise AnchorTamperedError(f"line {number} of the anchor file {path} has a wrong signature")
        if best is None or count > best.count:
            best = Anchor(count, head)
    return best
