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


def _root(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))


def test_api_tokens_made_in_the_admin_get_a_key_shown_once_and_hashed(client, district):
    from lianxin.org.models import ApiToken
    from lianxin.org.services import api_token_authenticate

    _root(client)
    keys = []
    for name in ("partner A", "partner B"):  # a second token used to be a 500 (empty hash twice)
        r = client.post(
            "/admin/org/apitoken/add/",
            {"name": name, "user": district.operator.pk, "scopes": ["read", "open311"]},
            follow=True,
        )
        assert r.status_code == 200
        html = r.content.decode()
        start = html.index("新令牌：") + len("新令牌：")
        key = html[start:].split()[0]
        assert key.startswith("lx_")
        keys.append(key)
    assert keys[0] != keys[1]
    for token, key in zip(ApiToken.objects.order_by("pk"), keys, strict=True):
        assert token.key_hash
        assert key not in token.key_hash
        assert token.prefix == key[:8]
        assert sorted(token.scopes) == ["open311", "read"]
        assert api_token_authenticate(key) == district.operator
    # the key is not shown again
    first = ApiToken.objects.order_by("pk").first()
    assert first is not None
    assert keys[0] not in client.get(f"/admin/org/apitoken/{first.pk}/change/").content.decode()


def test_an_expired_api_token_is_refused(district):
    import datetime as dt

    from django.utils import timezone

    from lianxin.core.errors import ForbiddenError
    from lianxin.org.services import api_token_authenticate, api_token_create

    _token, key = api_token_create(
        user=district.operator, name="old", expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    with pytest.raises(ForbiddenError, match="过期"):
        api_token_authenticate(key)


def test_the_admin_shows_a_residents_phone_masked(client, district):
    _root(client)
    html = client.get(f"/admin/org/user/{district.resident.pk}/change/").content.decode()
    assert "13900001111" not in html
    assert "139****1111" in html
