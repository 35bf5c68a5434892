"""Every state change of an appeal: one function per transition, each recorded as an event.

Web views, the API, Open311, the CLI and background jobs all call these functions. Each runs in
one transaction, locks the appeal row, checks the state machine and the actor's rights, writes an
`AppealEvent` and an audit entry, and queues notifications to be sent after commit.
"""

# The actions live in `actions/`, one module per workflow; re-exported so that callers keep
# importing from here.
from .actions.access_codes import access_code_digest, check_access_code
from .actions.accountability import CONTACT_METHODS, appeal_judge_return, appeal_record_contact
from .actions.base import record_event
from .actions.callbacks import appeal_callback_dial_sealed, appeal_callback_queue, appeal_callback_record
from .actions.chase import CHASE_KINDS, appeal_chase, chase_count
from .actions.cohandling import appeal_add_co_handler, appeal_co_reply
from .actions.extensions import appeal_decide_extension, appeal_request_extension
from .actions.field import FIELD_KINDS, appeal_field_record
from .actions.reclassification import AWAITING_DISPATCH, RECLASSIFY_AREA_LEVELS, appeal_reclassify
from .actions.review import appeal_approve_reply, appeal_rate_merged, appeal_reject_reply
from .actions.transitions import (
    appeal_accept,
    appeal_answer_directly,
    appeal_close_unrated,
    appeal_dispatch,
    appeal_merge,
    appeal_rate,
    appeal_redispatch,
    appeal_reopen,
    appeal_reply,
    appeal_return,
    appeal_withdraw,
    reply_quality_data,
)
from .actions.validation import NOTE_MAX_LENGTH

__all__ = [
    "AWAITING_DISPATCH",
    "CHASE_KINDS",
    "CONTACT_METHODS",
    "FIELD_KINDS",
    "NOTE_MAX_LENGTH",
    "RECLASSIFY_AREA_LEVELS",
    "access_code_digest",
    "appeal_accept",
    "appeal_add_co_handler",
    "appeal_answer_directly",
    "appeal_approve_reply",
    "appeal_callback_dial_sealed",
    "appeal_callback_queue",
    "appeal_callback_record",
    "appeal_chase",
    "appeal_close_unrated",
    "appeal_co_reply",
    "appeal_decide_extension",
    "appeal_dispatch",
    "appeal_field_record",
    "appeal_judge_return",
    "appeal_merge",
    "appeal_rate",
    "appeal_rate_merged",
    "appeal_reclassify",
    "appeal_record_contact",
    "appeal_redispatch",
    "appeal_reject_reply",
    "appeal_reopen",
    "appeal_reply",
    "appeal_request_extension",
    "appeal_return",
    "appeal_withdraw",
    "chase_count",
    "check_access_code",
    "record_event",
    "reply_quality_data",
]
