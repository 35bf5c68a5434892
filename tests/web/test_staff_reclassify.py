"""改分类 on the staff case page: offered only to those allowed, errors beside the field, text kept."""

from __future__ import annotations

import pytest

from lianxin.appeals.models import Appeal, EventType, Status
from tests.appeals import helpers

pytestmark = pytest.mark.django_db


def test_form_offered_to_dispatcher_and_admin_not_to_handler(client_for, district):
    appeal = helpers.dispatched(district)
    html = client_for(district.dispatcher).get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert 'id="action-reclassify"' in html
    # preset to the current classification; areas grouped by street, streets themselves not offered
    assert '<option value="CJ-LD" selected>' in html
    assert '<option value="G1" selected>' in html
    assert '<optgroup label="西街道">' in html
    assert '<option value="G2">' in html
    assert '<option value="S1"' not in html.split('id="action-reclassify"')[1].split("</details>")[0]
    assert (
        'id="action-reclassify"'
        in client_for(district.admin).get(f"/staff/appeals/{appeal.pk}/").content.decode()
    )
    for user in (district.handler_city, district.supervisor, district.grid_worker_a):
        html = client_for(user).get(f"/staff/appeals/{appeal.pk}/").content.decode()
        assert 'id="action-reclassify"' not in html, user


def test_post_reclassifies_and_shows_it_on_the_timeline(client_for, district):
    appeal = helpers.dispatched(district)
    c = client_for(district.dispatcher)
    r = c.post(
        f"/staff/appeals/{appeal.pk}/act/reclassify/",
        {"reclassify-category": "HB", "reclassify-area": "G2", "reclassify-reason": "实为噪音扰民"},
    )
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.category, appeal.area, appeal.status) == (
        district.cat_env,
        district.grid_b,
        Status.DISPATCHED,
    )
    html = c.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert "已改分类" in html  # the message
    assert "路灯照明 → 环境保护" in html
    assert "幸福一网格 → 和平一网格" in html
    assert "实为噪音扰民" in html


def test_bad_input_is_400_beside_the_field_with_the_text_kept(client_for, district):
    appeal = helpers.dispatched(district)
    c = client_for(district.dispatcher)
    # no reason: error beside the reason, the chosen area kept
    r = c.post(
        f"/staff/appeals/{appeal.pk}/act/reclassify/",
        {"reclassify-category": "CJ-LD", "reclassify-area": "G2", "reclassify-reason": "  "},
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert 'id="id_reclassify-reason_error"' in html
    assert "请填写改分类原因" in html
    assert '<option value="G2" selected>' in html
    assert '<details class="action" id="action-reclassify" open>' in html
    # nothing changes: error beside the category, the typed reason kept
    r = c.post(
        f"/staff/appeals/{appeal.pk}/act/reclassify/",
        {"reclassify-category": "CJ-LD", "reclassify-area": "G1", "reclassify-reason": "核对后确认原分类"},
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert 'id="id_reclassify-category_error"' in html
    assert "都没有变化" in html
    assert "核对后确认原分类</textarea>" in html
    # an unknown code (a forged form) is refused by the form, the reason kept
    r = c.post(
        f"/staff/appeals/{appeal.pk}/act/reclassify/",
        {"reclassify-category": "NOPE", "reclassify-area": "", "reclassify-reason": "改成别的"},
    )
    assert r.status_code == 400
    assert 'id="id_reclassify-category_error"' in r.content.decode()
    assert "改成别的</textarea>" in r.content.decode()
    appeal.refresh_from_db()
    assert (appeal.category, appeal.area) == (district.cat_light, district.grid_a)
    assert not appeal.events.filter(type=EventType.RECLASSIFIED).exists()


def test_handler_post_is_refused(client_for, district):
    appeal = helpers.dispatched(district)
    r = client_for(district.handler_city).post(
        f"/staff/appeals/{appeal.pk}/act/reclassify/",
        {"reclassify-category": "HB", "reclassify-area": "G2", "reclassify-reason": "我觉得不归我们"},
    )
    assert r.status_code == 403
    assert "您没有权限" in r.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).category == district.cat_light


def test_the_dispatch_form_proposes_the_unit_for_the_new_category(client_for, district, settings):
    appeal = helpers.submit(district, settings=settings)  # awaiting dispatch, suggested 城管局 (CJ)
    c = client_for(district.dispatcher)

    def dispatch_form() -> str:
        html = c.get(f"/staff/appeals/{appeal.pk}/").content.decode()
        return html.split('id="action-dispatch"')[1].split("</details>")[0]

    assert f'<option value="{district.unit_city.pk}" selected>' in dispatch_form()
    r = c.post(
        f"/staff/appeals/{appeal.pk}/act/reclassify/",
        {"reclassify-category": "HB", "reclassify-area": "", "reclassify-reason": "实为噪音扰民"},
    )
    assert r.status_code == 302
    form = dispatch_form()
    assert f'<option value="{district.unit_env.pk}" selected>' in form
    assert f'<option value="{district.unit_city.pk}" selected>' not in form
