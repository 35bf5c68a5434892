"""Services: comments, ratings, survey, statements and votes, proposals — and their refusals."""

from __future__ import annotations

import pytest

from lianxin.consultations import selectors, services
from lianxin.consultations.models import (
    AnalysisResult,
    Comment,
    ParagraphRating,
    PhaseType,
    SurveyResponse,
    Visibility,
)
from lianxin.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TransitionNotAllowedError,
    ValidationFailedError,
)

from .factories import consultation


@pytest.fixture
def c(people):
    return consultation(organiser=people.organiser, unit=people.d.unit_city)


def test_comment_on_paragraph_and_reply(people, c):
    top = services.comment_add(actor=people.resident, consultation=c, text="收费太高了", paragraph_number=2)
    reply = services.comment_add(actor=people.other_resident, consultation=c, text="同意", parent_id=top.pk)
    assert reply.paragraph_id == top.paragraph_id
    assert reply.parent_id == top.pk
    threads = selectors.comment_threads(c)
    assert [t.id for t in threads] == [top.pk]
    assert [r.id for r in threads[0].replies] == [reply.pk]
    assert threads[0].author.startswith("参与者")
    assert people.resident.username not in threads[0].author
    # the same person keeps one pseudonym in a consultation
    again = services.comment_add(actor=people.resident, consultation=c, text="再补充一点")
    assert again.participant_id == top.participant_id


def test_comment_refusals(people, c):
    with pytest.raises(ValidationFailedError, match="意见内容"):
        services.comment_add(actor=people.resident, consultation=c, text="   ")
    with pytest.raises(ValidationFailedError, match="2000"):
        services.comment_add(actor=people.resident, consultation=c, text="长" * 2001)
    with pytest.raises(NotFoundError, match="第 7 条"):
        services.comment_add(actor=people.resident, consultation=c, text="x", paragraph_number=7)
    with pytest.raises(NotFoundError):
        services.comment_add(actor=people.resident, consultation=c, text="x", parent_id=999999)
    with pytest.raises(ForbiddenError):
        services.comment_add(actor=None, consultation=c, text="x")  # type: ignore[arg-type]
    review = consultation(organiser=people.organiser, unit=people.d.unit_city, current=PhaseType.REVIEW)
    with pytest.raises(TransitionNotAllowedError, match="当前阶段"):
        services.comment_add(actor=people.resident, consultation=review, text="x")
    assert not Comment.objects.exists()


def test_rating_one_per_person_changeable(people, c):
    services.paragraph_rate(actor=people.resident, consultation=c, paragraph_number=1, value=1)
    services.paragraph_rate(actor=people.resident, consultation=c, paragraph_number=1, value=-1)
    services.paragraph_rate(actor=people.other_resident, consultation=c, paragraph_number=1, value=-1)
    assert ParagraphRating.objects.count() == 2
    view = selectors.paragraphs_with_counts(c)[0]
    assert (view.support, view.oppose) == (0, 2)
    with pytest.raises(ValidationFailedError):
        services.paragraph_rate(actor=people.resident, consultation=c, paragraph_number=1, value=2)


def test_survey(people, c):
    services.survey_answer(
        actor=people.resident, consultation=c, answers={1: 1, 2: [0, 2], 3: 4, 4: "多建车位"}
    )
    with pytest.raises(ConflictError, match="只能填写一次"):
        services.survey_answer(actor=people.resident, consultation=c, answers={1: 0, 3: 1})
    with pytest.raises(ValidationFailedError, match="第 3 题为必答题"):
        services.survey_answer(actor=people.other_resident, consultation=c, answers={1: 0})
    with pytest.raises(ValidationFailedError, match="1 到 5 分"):
        services.survey_answer(actor=people.other_resident, consultation=c, answers={1: 0, 3: 6})
    with pytest.raises(ValidationFailedError, match="选项编号"):
        services.survey_answer(actor=people.other_resident, consultation=c, answers={1: 5, 3: 3})
    with pytest.raises(ValidationFailedError, match="选择一项"):
        services.survey_answer(actor=people.other_resident, consultation=c, answers={1: [0, 1], 3: 3})
    with pytest.raises(ValidationFailedError, match="没有第 9 题"):
        services.survey_answer(actor=people.other_resident, consultation=c, answers={1: 0, 3: 3, 9: "x"})
    assert SurveyResponse.objects.count() == 1  # nothing half-saved
    results = selectors.survey_results(c)
    assert results[0]["options"][1]["count"] == 1
    assert results[1]["options"][2]["count"] == 1
    assert results[2]["mean"] == 4.0


def test_statements_moderated_first_then_votes_recompute_analysis(
    people, c, django_capture_on_commit_callbacks
):
    s = services.statement_add(actor=people.resident, consultation=c, text="应该多建立体停车库")
    assert s.visibility == Visibility.PENDING
    assert selectors.next_statement(c, None) is None
    with pytest.raises(NotFoundError, match="尚未公开"):
        services.statement_vote(actor=people.other_resident, consultation=c, statement_id=s.pk, value=1)
    with pytest.raises(ConflictError):
        services.statement_add(actor=people.other_resident, consultation=c, text="应该多建立体停车库")
    with django_capture_on_commit_callbacks(execute=True):
        services.content_moderate(
            actor=people.organiser, consultation=c, kind="statement", object_id=s.pk, visibility="visible"
        )
    assert selectors.next_statement(c, None) == s
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.statement_vote(actor=people.other_resident, consultation=c, statement_id=s.pk, value=1)
        services.statement_vote(actor=people.other_resident, consultation=c, statement_id=s.pk, value=-1)
    viewer = selectors.participant_of(c, people.other_resident)
    assert selectors.next_statement(c, viewer) is None
    assert selectors.statement_stats(c)[0]["disagree"] == 1
    # the analysis ran once after commit (in-process in the embedded mode), however many votes
    assert len([cb for cb in callbacks if type(cb).__name__ == "_Recompute"]) == 1
    assert AnalysisResult.objects.get(consultation=c).vote_count == 1
    with pytest.raises(ValidationFailedError):
        services.statement_vote(actor=people.other_resident, consultation=c, statement_id=s.pk, value=3)


def test_proposal_threshold_sends_to_review_queue(people, c):
    p = services.proposal_add(
        actor=people.resident, consultation=c, title="错峰共享车位", text="与周边单位共享夜间车位"
    )
    with pytest.raises(ConflictError, match="自己"):
        services.proposal_support(actor=people.resident, consultation=c, proposal_id=p.pk)
    services.proposal_support(actor=people.other_resident, consultation=c, proposal_id=p.pk)
    with pytest.raises(ConflictError, match="已经支持"):
        services.proposal_support(actor=people.other_resident, consultation=c, proposal_id=p.pk)
    assert not selectors.review_queue(c).exists()
    p = services.proposal_support(actor=people.third, consultation=c, proposal_id=p.pk)  # threshold is 2
    assert p.support_count == 2
    assert p.queued_at is not None
    assert list(selectors.review_queue(c)) == [p]
    assert c.events.filter(type="proposal_queued").exists()
