"""Consultation indicators in supervision's registry, on hand-built data: each figure for the
period and the area scope (a district-wide consultation counts only district-wide)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.consultations.models import (
    Adoption,
    BudgetBallot,
    Comment,
    Consultation,
    Feedback,
    Paragraph,
    ParagraphRating,
    Participant,
    Proposal,
    ProposalSupport,
    Statement,
    StatementVote,
    Status,
    Visibility,
)
from lianxin.supervision.indicators import indicator, indicator_values

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
IN, OUT = (
    timezone.make_aware(dt.datetime(2026, 10, 15, 10)),
    timezone.make_aware(dt.datetime(2026, 11, 2, 10)),
)


def _values(paths):
    return {
        v["code"]: v["value"]
        for v in indicator_values(area_paths=paths, start=START, end=END)
        if v["source"] == "consultations"
    }


def _consultation(district, slug, area, *, published_at=IN, closed_at=None):
    return Consultation.objects.create(
        slug=slug,
        title=slug,
        unit=district.unit_street_a,
        area=area,
        status=Status.CLOSED if closed_at else Status.PUBLISHED,
        published_at=published_at,
        closed_at=closed_at,
    )


def _stamp(obj, when, field="created_at"):
    type(obj).objects.filter(pk=obj.pk).update(**{field: when})  # auto_now(_add) fields
    return obj


def _activity(c, when):
    """One participant's comment, paragraph support, statement vote, proposal support and budget ballot."""
    p = Participant.objects.create(consultation=c, pseudonym=f"居民{Participant.objects.count()}")
    para = Paragraph.objects.create(
        consultation=c, number=Paragraph.objects.filter(consultation=c).count() + 1, text="第一条"
    )
    comment = _stamp(Comment.objects.create(consultation=c, participant=p, text="建议增加车位"), when)
    _stamp(ParagraphRating.objects.create(paragraph=para, participant=p, value=1), when, "updated_at")
    st = Statement.objects.create(
        consultation=c, participant=p, text="车位优先给业主", visibility=Visibility.VISIBLE
    )
    _stamp(StatementVote.objects.create(statement=st, participant=p, value=1), when, "updated_at")
    prop = _stamp(
        Proposal.objects.create(consultation=c, participant=p, title="错峰停车", text="夜间开放单位车位"),
        when,
    )
    _stamp(ProposalSupport.objects.create(proposal=prop, participant=p), when)
    _stamp(BudgetBallot.objects.create(consultation=c, participant=p), when, "submitted_at")
    return comment, prop


def test_consultations_register_their_indicators():
    codes = (
        "consultations_opened",
        "consultations_closed",
        "consultation_comments",
        "consultation_votes",
        "consultation_feedback",
        "consultation_adoption_rate",
    )
    assert all(indicator(c) is not None and indicator(c).source == "consultations" for c in codes)  # type: ignore[union-attr]


def test_consultation_figures_for_the_period_and_scope(district):
    a = _consultation(
        district, "a", district.community_a, closed_at=IN
    )  # street A: opened and closed in October
    b = _consultation(district, "b", district.community_b, published_at=OUT)  # street B: opened in November
    whole = _consultation(district, "whole", None)  # district-wide, opened in October
    _consultation(district, "draft", district.community_a, published_at=None)  # never published
    comment, prop = _activity(a, IN)
    _activity(a, OUT)  # after the period
    hidden, _p = _activity(whole, IN)
    Comment.objects.filter(pk=hidden.pk).update(visibility=Visibility.HIDDEN)  # moderated out
    _activity(b, IN)
    _stamp(
        Feedback.objects.create(consultation=a, comment=comment, decision=Adoption.PARTLY, reason="部分采纳"),
        IN,
    )
    _stamp(
        Feedback.objects.create(
            consultation=a, proposal=prop, decision=Adoption.NOT_ADOPTED, reason="预算不足"
        ),
        IN,
    )
    late, _p = _activity(b, OUT)
    _stamp(Feedback.objects.create(consultation=b, comment=late, decision=Adoption.ADOPTED), OUT)

    v = _values(None)
    assert v == {
        "consultations_opened": 2.0,
        "consultations_closed": 1.0,
        "consultation_comments": 2.0,
        "consultation_votes": 12.0,
        "consultation_feedback": 2.0,
        "consultation_adoption_rate": 0.5,
    }
    street_a = _values((district.street_a.path,))
    assert street_a == {
        "consultations_opened": 1.0,
        "consultations_closed": 1.0,
        "consultation_comments": 1.0,
        "consultation_votes": 4.0,
        "consultation_feedback": 2.0,
        "consultation_adoption_rate": 0.5,
    }
    street_b = _values((district.street_b.path,))
    assert street_b == {
        "consultations_opened": 0.0,
        "consultations_closed": 0.0,
        "consultation_comments": 1.0,
        "consultation_votes": 4.0,
        "consultation_feedback": 0.0,
        "consultation_adoption_rate": None,
    }
