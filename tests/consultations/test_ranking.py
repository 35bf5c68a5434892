"""Ranking questions: validated orders of preference, Borda results, the page and the API."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from lianxin.consultations import selectors, services
from lianxin.consultations.models import Status
from lianxin.consultations.services import QuestionInput
from lianxin.core.errors import ValidationFailedError

from .factories import consultation


@pytest.fixture
def c(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.DRAFT)
    services.questions_set(
        actor=people.organiser,
        consultation=c,
        questions=[QuestionInput("请给改造项目排序", "ranking", True, ["加装电梯", "增设车位", "绿化提升"])],
    )
    return services.consultation_publish(actor=people.organiser, consultation=c)


def test_borda_results(people, c):
    services.survey_answer(actor=people.resident, consultation=c, answers={1: [0, 2, 1]})
    services.survey_answer(actor=people.other_resident, consultation=c, answers={1: [2]})
    with pytest.raises(ValidationFailedError):
        services.survey_answer(actor=people.third, consultation=c, answers={1: [0, 0]})
    options = selectors.survey_results(c)[0]["options"]
    assert options[0] == {"label": "绿化提升", "count": 5, "first": 1}  # 2 + 3
    assert options[1] == {"label": "加装电梯", "count": 3, "first": 1}
    assert options[2]["label"] == "增设车位"
    assert options[2]["count"] == 1


def test_ranking_page_and_api(people, c):
    client = Client()
    client.force_login(people.resident)
    r = client.post(f"/consultations/{c.slug}/survey/", {"q1_0": "1", "q1_1": "1"})
    assert r.status_code == 400
    assert "名次" in r.content.decode()
    r = client.post(f"/consultations/{c.slug}/survey/", {"q1_0": "2", "q1_1": "3", "q1_2": "1"})
    assert r.status_code == 302
    assert "博尔达" in client.get(f"/consultations/{c.slug}/results/").content.decode()
    other = Client()
    other.force_login(people.other_resident)
    r = other.post(
        f"/api/v1/consultations/{c.slug}/survey",
        data=json.dumps({"answers": [{"question": 1, "choices": [2, 1]}]}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert selectors.survey_results(c)[0]["options"][0]["label"] == "绿化提升"
