"""Configuration happens in Django admin: every model an administrator needs is registered and opens."""

from __future__ import annotations

import pytest
from django.contrib import admin

from lianxin.appeals.models import Appeal, AppealEvent, DeadlinePolicy
from lianxin.org.models import Area, Category, DispatchRule, Unit, User
from lianxin.worktime.models import CalendarDay
from tests.appeals import helpers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = [Area, Unit, DispatchRule, Category, DeadlinePolicy, User, CalendarDay, Appeal, AppealEvent]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_registered_and_changelist_opens(client, district, model):
    assert admin.site.is_registered(model)
    helpers.submit(district)
    DeadlinePolicy.objects.create(urgency="normal", accept_working_hours=4, resolve_working_days=5)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert client.get(url).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        assert client.get(f"{url}{obj.pk}/change/").status_code == 200


def test_appeals_are_read_only_in_admin(client, district):
    appeal = helpers.submit(district)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get("/admin/appeals/appeal/add/").status_code == 403
    before = appeal.status
    client.post(f"/admin/appeals/appeal/{appeal.pk}/change/", {"status": "closed"})
    appeal.refresh_from_db()
    assert appeal.status == before != "closed"
