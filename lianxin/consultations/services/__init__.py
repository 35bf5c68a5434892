"""Every state change of the consultations app: one keyword-only function each, re-exported here."""

from .budget import ProjectInput, budget_set, budget_vote
from .feedback import feedback_give
from .hearings import (
    hearing_cancel,
    hearing_check_in,
    hearing_create,
    hearing_minutes,
    hearing_register,
    hearing_select,
)
from .lifecycle import (
    ParagraphInput,
    PhaseInput,
    QuestionInput,
    consultation_archive,
    consultation_close,
    consultation_create,
    consultation_publish,
    consultation_update,
    decision_publish,
    paragraphs_set,
    phases_set,
    questions_set,
)
from .materials import attachment_remove, attachments_add, summaries_draft, summaries_edit, summaries_publish
from .moderation import content_moderate, content_report, sensitive_hits
from .origins import consultation_open_from_hotspot, consultation_open_from_task
from .participation import (
    comment_add,
    paragraph_rate,
    participant_for,
    proposal_add,
    proposal_support,
    statement_add,
    statement_vote,
    survey_answer,
)
from .residents import home_area_set, phone_code_send, phone_code_verify

__all__ = [
    "ParagraphInput",
    "PhaseInput",
    "ProjectInput",
    "QuestionInput",
    "attachment_remove",
    "attachments_add",
    "budget_set",
    "budget_vote",
    "comment_add",
    "consultation_archive",
    "consultation_close",
    "consultation_create",
    "consultation_open_from_hotspot",
    "consultation_open_from_task",
    "consultation_publish",
    "consultation_update",
    "content_moderate",
    "content_report",
    "decision_publish",
    "feedback_give",
    "hearing_cancel",
    "hearing_check_in",
    "hearing_create",
    "hearing_minutes",
    "hearing_register",
    "hearing_select",
    "home_area_set",
    "paragraph_rate",
    "paragraphs_set",
    "participant_for",
    "phases_set",
    "phone_code_send",
    "phone_code_verify",
    "proposal_add",
    "proposal_support",
    "questions_set",
    "sensitive_hits",
    "statement_add",
    "statement_vote",
    "summaries_draft",
    "summaries_edit",
    "summaries_publish",
    "survey_answer",
]
