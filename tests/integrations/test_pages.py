"""The webhook pages: who sees which subscription, resuming a paused one."""

from __future__ import annotations

from django.utils import timezone

from lianxin.integrations.models import Subscription


def _sub(owner, **kw):
    return Subscription.objects.create(
        name="河道监测接口", owner=owner, url="http://127.0.0.1:9/h", event_types=["submitted"], **kw
    )


def test_owner_and_admin_see_a_subscription_others_do_not(district, client):
    sub = _sub(district.dispatcher)
    for user, status in (
        (district.dispatcher, 200),
        (district.admin, 200),
        (district.supervisor, 404),
        (district.resident, 403),
    ):
        client.force_login(user)
        assert client.get(f"/integrations/{sub.pk}/").status_code == status, user
    client.force_login(district.supervisor)
    assert "河道监测接口" not in client.get("/integrations/").content.decode()
    client.force_login(district.dispatcher)
    assert "河道监测接口" in client.get("/integrations/").content.decode()


def test_resume_a_paused_subscription(district, client):
    sub = _sub(district.dispatcher, paused_at=timezone.now(), consecutive_failures=10)
    client.force_login(district.supervisor)
    assert client.post(f"/integrations/{sub.pk}/resume/").status_code == 404
    client.force_login(district.dispatcher)
    page = client.get(f"/integrations/{sub.pk}/").content.decode()
    assert "恢复推送" in page
    assert client.post(f"/integrations/{sub.pk}/resume/").status_code == 302
    sub.refresh_from_db()
    assert sub.paused_at is None
    assert sub.consecutive_failures == 0
