"""How a delivery is signed, and how a receiver checks it (the receiver's side is documented in
docs/integrations.md; `verify` is the reference implementation, used by the tests).

signature = hex(HMAC-SHA256(secret, f"{timestamp}.{body}")), sent as
`X-Lianxin-Signature: sha256=<hex>` beside `X-Lianxin-Timestamp: <unix seconds>`. The timestamp is
inside the signed text, so a captured request replayed later fails the receiver's freshness check.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Lianxin-Signature"
TIMESTAMP_HEADER = "X-Lianxin-Timestamp"
EVENT_HEADER = "X-Lianxin-Event"
DELIVERY_HEADER = "X-Lianxin-Delivery"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    *,
    timestamp: str,
    signature_header: str,
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: the timestamp is recent and the signature matches (in constant time)."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, ts, body), signature_header or "")
