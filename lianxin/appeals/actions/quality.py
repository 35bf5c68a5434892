"""The triage engine's score of how far a reply answers its appeal, stored on the `replied` event."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from ..events import ReplyQuality
from ..models import Appeal

logger = logging.getLogger(__name__)


def reply_quality_data(
    appeal_text: str, reply_text: str, submitted_at: dt.datetime, replied_at: dt.datetime
) -> dict[str, Any]:
    """The triage engine's view of how far a reply answers its appeal, as stored on the event."""
    from lianxin.triage.reply_quality import score_reply

    score = score_reply(appeal_text, reply_text, submitted_at, replied_at)
    return {
        "overall": round(score.overall, 3),
        "relevance": round(score.relevance, 3),
        "completeness": round(score.completeness, 3),
        "timeliness": None if score.timeliness is None else round(score.timeliness, 3),
        "reasons": list(score.reasons)[:5],
    }


def _reply_quality(appeal: Appeal, text: str, now: dt.datetime) -> ReplyQuality | None:
    try:
        return ReplyQuality.from_data(
            reply_quality_data(f"{appeal.title} {appeal.text}", text, appeal.submitted_at, now)
        )
    except Exception:  # scoring must never stop a reply
        logger.exception("Reply quality scoring failed")
        return None
