from __future__ import annotations

import pytest

from lianxin.learning.demo import seed_learning
from lianxin.learning.models import Course, Enrolment, EnrolmentStatus, LessonKind

from ..demo.conftest import run_seed

pytestmark = pytest.mark.django_db


def test_seed_fills_the_learning_centre():
    run_seed(appeals=60, seed=4)
    assert Course.objects.filter(published=True).count() == 3
    assert Enrolment.objects.filter(status=EnrolmentStatus.PASSED).exists()
    assert Enrolment.objects.exclude(status=EnrolmentStatus.PASSED).exists()
    assert Course.objects.get(code="AL-01").lessons.filter(kind=LessonKind.CASE_STUDY).exists()
    assert seed_learning() == 0
