"""The consultations models, one module per part, re-exported here."""

from .consultation import (
    AnalysisResult,
    Audience,
    Consultation,
    ConsultationEvent,
    EventType,
    Paragraph,
    Participant,
    Phase,
    PhaseType,
    PhoneCode,
    ResidentProfile,
    Status,
)
from .contributions import (
    AbuseReport,
    Adoption,
    Comment,
    ContentKind,
    Feedback,
    ParagraphRating,
    Proposal,
    ProposalSupport,
    SensitiveWord,
    Statement,
    StatementVote,
    Visibility,
    VoteValue,
)
from .survey import Answer, Question, QuestionKind, SurveyResponse

__all__ = [
    "AbuseReport", "Adoption", "AnalysisResult", "Answer", "Audience", "Comment", "Consultation",
    "ConsultationEvent", "ContentKind", "EventType", "Feedback", "Paragraph", "ParagraphRating", "Participant",
    "Phase", "PhaseType", "PhoneCode", "Proposal", "ProposalSupport", "Question", "QuestionKind",
    "ResidentProfile", "SensitiveWord", "Statement", "StatementVote", "Status", "SurveyResponse", "Visibility",
    "VoteValue",
]
