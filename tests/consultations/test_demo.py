"""The demo consultations: one per stage, every page filled in."""

from __future__ import annotations

from django.test import Client

from lianxin.consultations.demo import seed_consultations
from lianxin.consultations.models import AnalysisResult, Status
from tests.factories import UserFactory


def test_seed_fills_every_page(district, django_capture_on_commit_callbacks):
    for i in range(40):
        UserFactory(username=f"demo_resident_{i}")
    with django_capture_on_commit_callbacks(execute=True):
        made = seed_consultations(seed=1)
    assert [c.status for c in made] == [Status.PUBLISHED, Status.PUBLISHED, Status.CLOSED, Status.DRAFT]
    parking, elevator, sorting, draft = made
    assert parking.comments.count() >= 8
    assert parking.survey_responses.count() == 30
    assert len(AnalysisResult.objects.get(consultation=parking).data["groups"]) >= 2
    assert sorting.decision_published_at is not None
    assert sorting.feedback.count() == 4
    client = Client()
    for c in (parking, elevator, sorting):
        for page in ("", "results/", "decision/", "statements/"):
            assert client.get(f"/consultations/{c.slug}/{page}").status_code == 200
    assert "<ins>" in client.get(f"/consultations/{sorting.slug}/decision/").content.decode()
    assert client.get(f"/consultations/{draft.slug}/").status_code == 404


def test_seed_skips_without_people(db):
    assert seed_consultations() == []
