"""Request and response shapes of the consultations API; every input bounded (length, range, count)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from lianxin.api.schemas import StrictIn

from .models.contributions import (
    COMMENT_MAX,
    PROPOSAL_TEXT_MAX,
    PROPOSAL_TITLE_MAX,
    REASON_MAX,
    STATEMENT_MAX,
)
from .models.survey import ANSWER_TEXT_MAX, OPTION_MAX, OPTIONS_MAX, QUESTION_MAX
from .services.lifecycle import (
    PARAGRAPH_MAX,
    PARAGRAPHS_MAX,
    PHASES_MAX,
    QUESTIONS_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
)

ID_MAX = 2**53
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"
StatusName = Literal["draft", "published", "closed", "archived"]
AudienceName = Literal["anyone", "verified_phone", "area_residents"]
PhaseName = Literal["information", "collecting", "review", "decision", "feedback"]
QuestionKindName = Literal["single", "multiple", "scale", "text", "ranking"]
ContentKindName = Literal["comment", "proposal", "statement"]
AdoptionName = Literal["adopted", "partly", "not_adopted", "out_of_scope"]
Option = Annotated[str, Field(max_length=OPTION_MAX)]


# --- requests ---------------------------------------------------------------------------------------


class CommentIn(StrictIn):
    text: str = Field(..., max_length=COMMENT_MAX, description="The opinion.")
    paragraph: int | None = Field(
        None, ge=1, le=PARAGRAPHS_MAX, description="Paragraph number; empty: the whole draft."
    )
    parent_id: int | None = Field(None, ge=1, le=ID_MAX, description="Reply to this comment.")


class RatingIn(StrictIn):
    value: Literal[1, -1] = Field(..., description="1 support, -1 oppose.")


class AnswerIn(StrictIn):
    question: int = Field(..., ge=1, le=QUESTIONS_MAX, description="Question number.")
    choices: list[Annotated[int, Field(ge=0, le=OPTIONS_MAX)]] = Field(
        default_factory=list,
        max_length=OPTIONS_MAX,
        description="Option indexes (0-based): the chosen ones, or for ranking in order of preference.",
    )
    scale: int | None = Field(None, ge=1, le=5)
    text: str = Field("", max_length=ANSWER_TEXT_MAX)


class SurveyIn(StrictIn):
    answers: list[AnswerIn] = Field(..., max_length=QUESTIONS_MAX)


class StatementIn(StrictIn):
    text: str = Field(..., max_length=STATEMENT_MAX)


class VoteIn(StrictIn):
    value: Literal[1, 0, -1] = Field(..., description="1 agree, -1 disagree, 0 pass.")


class ProposalIn(StrictIn):
    title: str = Field(..., max_length=PROPOSAL_TITLE_MAX)
    text: str = Field(..., max_length=PROPOSAL_TEXT_MAX)


class ReportIn(StrictIn):
    kind: ContentKindName
    object_id: int = Field(..., ge=1, le=ID_MAX)
    reason: str = Field(..., max_length=REASON_MAX)


class ModerateIn(StrictIn):
    kind: ContentKindName
    object_id: int = Field(..., ge=1, le=ID_MAX)
    visibility: Literal["visible", "hidden"]
    reason: str = Field("", max_length=REASON_MAX, description="Required to hide; shown to the author.")


class FeedbackIn(StrictIn):
    kind: Literal["comment", "proposal"]
    object_id: int = Field(..., ge=1, le=ID_MAX)
    decision: AdoptionName
    reason: str = Field("", max_length=REASON_MAX * 2, description="Public; required for not_adopted.")


class ParagraphIn(StrictIn):
    heading: str = Field("", max_length=200)
    text: str = Field(..., max_length=PARAGRAPH_MAX)


class PhaseIn(StrictIn):
    type: PhaseName
    starts_at: dt.datetime
    ends_at: dt.datetime


class QuestionIn(StrictIn):
    text: str = Field(..., max_length=QUESTION_MAX)
    kind: QuestionKindName
    required: bool = False
    options: list[Option] = Field(default_factory=list, max_length=OPTIONS_MAX)


class ConsultationIn(StrictIn):
    title: str = Field(..., max_length=TITLE_MAX)
    summary: str = Field("", max_length=SUMMARY_MAX)
    unit: str = Field(..., max_length=40, description="Code of the organising unit.")
    area: str = Field("", max_length=40, description="Area code; empty: the whole district.")
    audience: AudienceName = "anyone"
    proposal_threshold: int = Field(30, ge=1, le=100_000)
    paragraphs: list[ParagraphIn] = Field(default_factory=list, max_length=PARAGRAPHS_MAX)
    phases: list[PhaseIn] = Field(default_factory=list, max_length=PHASES_MAX)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=QUESTIONS_MAX)


class FinalParagraphIn(StrictIn):
    number: int = Field(..., ge=1, le=PARAGRAPHS_MAX)
    text: str = Field(..., max_length=PARAGRAPH_MAX)
    reason: str = Field("", max_length=2000)


class DecisionIn(StrictIn):
    summary: str = Field(..., max_length=8000)
    paragraphs: list[FinalParagraphIn] = Field(default_factory=list, max_length=PARAGRAPHS_MAX)


class ListFilters(Schema):
    status: StatusName | None = None
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)


# --- responses --------------------------------------------------------------------------------------


class PhaseOut(Schema):
    type: str
    label: str
    starts_at: dt.datetime
    ends_at: dt.datetime


class ParagraphOut(Schema):
    number: int
    heading: str
    text: str
    support: int
    oppose: int
    comments: int


class QuestionOut(Schema):
    number: int
    text: str
    kind: str
    required: bool
    options: list[str]


class ConsultationItem(Schema):
    slug: str
    title: str
    summary: str
    status: str
    unit: str
    area: str | None
    audience: str
    current_phase: str | None
    published_at: dt.datetime | None


class ConsultationOut(ConsultationItem):
    phases: list[PhaseOut]
    paragraphs: list[ParagraphOut]
    questions: list[QuestionOut]
    allowed_actions: list[str]
    proposal_threshold: int


class ConsultationPage(Schema):
    count: int
    page: int
    results: list[ConsultationItem]


class FeedbackOut(Schema):
    decision: str
    label: str
    reason: str
    at: dt.datetime


class CommentOut(Schema):
    id: int
    author: str
    text: str
    paragraph: int | None
    created_at: dt.datetime
    visibility: str
    hidden_reason: str
    feedback: FeedbackOut | None = None
    replies: list[CommentOut] = []


class CreatedOut(Schema):
    id: int
    visibility: str
    message: str


class StatementOut(Schema):
    id: int
    text: str


class ProposalOut(Schema):
    id: int
    author: str
    title: str
    text: str
    support_count: int
    queued: bool
    visibility: str
    feedback: FeedbackOut | None = None


class DecisionParagraphOut(Schema):
    number: int
    heading: str
    draft: str
    final: str
    changed: bool
    reason: str
    segments: list[tuple[str, str]]


class DecisionOut(Schema):
    published: bool
    summary: str
    paragraphs: list[DecisionParagraphOut]
    feedback: dict[str, Any]


class OkOut(Schema):
    ok: bool = True
    message: str = ""


class BudgetVoteIn(StrictIn):
    projects: list[Annotated[int, Field(ge=1, le=50)]] = Field(
        ..., max_length=50, description="Project numbers."
    )


class BudgetProjectOut(Schema):
    number: int
    title: str
    description: str
    cost: int
    votes: int
    funded: bool


class BudgetOut(Schema):
    total: int
    ballots: int
    funded_cost: int
    projects: list[BudgetProjectOut]
