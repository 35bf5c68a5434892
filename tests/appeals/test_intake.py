from __future__ import annotations

import re
import struct
import zlib

import pytest

from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AppealInput, AttachmentInput, appeal_submit, sniff_content_type
from lianxin.appeals.models import Appeal, EventType, Status
from lianxin.appeals.selectors import appeal_get_for_tracking
from lianxin.core.errors import ConflictError, ValidationFailedError

pytestmark = pytest.mark.django_db


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def good(**overrides) -> AppealInput:
    data = AppealInput(
        text="和平社区垃圾站三天没人清运，气味很大。",
        kind="complaint",
        channel="web",
        category_code="HB",
        area_code="G2",
        contact_name="王五",
        contact_phone="13700001111",
        contact_consent=True,
    )
    for k, v in overrides.items():
        setattr(data, k, v)
    return data


def submit(data: AppealInput, **kw):
    return appeal_submit(data=data, actor=Actor.resident(), **kw)


def test_tracking_numbers_are_sequential_per_day(district):
    first = submit(good()).appeal
    second = submit(good()).appeal
    assert re.fullmatch(r"LX\d{8}-\d{6}", first.tracking_number)
    assert int(second.tracking_number[-6:]) == int(first.tracking_number[-6:]) + 1


def test_title_defaults_to_the_start_of_the_text(district):
    appeal = submit(good()).appeal
    assert appeal.title.startswith("和平社区垃圾站")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "字" * 4001}, "text"),
        ({"title": "题" * 101}, "title"),
        ({"kind": "rant"}, "kind"),
        ({"channel": "pigeon"}, "channel"),
        ({"category_code": "NOPE"}, "category"),
        ({"area_code": "NOPE"}, "area"),
        ({"contact_phone": "abc"}, "contact_phone"),
        ({"contact_phone": ""}, "contact_phone"),
        ({"contact_consent": False}, "contact_consent"),
        ({"latitude": "north"}, "latitude"),
        ({"longitude": 200}, "longitude"),
        ({"address": "路" * 201}, "address"),
        ({"urgency": "now"}, "urgency"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(district, overrides, field):
    with pytest.raises(ValidationFailedError) as err:
        submit(good(**overrides))
    assert err.value.field == field
    assert err.value.message
    assert not Appeal.objects.exists()


def test_text_at_the_limit_is_accepted(district):
    assert len(submit(good(text="字" * 4000)).appeal.text) == 4000


def test_attachments_checked_by_content(district):
    png = tiny_png()
    assert sniff_content_type(png) == "image/png"
    appeal = submit(good(attachments=[AttachmentInput("photo.png", png, "image/png")])).appeal
    attachment = appeal.attachments.get()
    assert attachment.content_type == "image/png"
    assert attachment.size == len(png)
    with pytest.raises(ValidationFailedError, match="不是支持的图片"):
        submit(good(attachments=[AttachmentInput("fake.png", b"just text", "image/png")]))
    with pytest.raises(ValidationFailedError, match="不符"):
        submit(good(attachments=[AttachmentInput("x.pdf", png, "application/pdf")]))
    with pytest.raises(ValidationFailedError, match="最多"):
        submit(good(attachments=[AttachmentInput(f"{i}.png", png, "image/png") for i in range(7)]))


def test_oversized_attachment_refused(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "MAX_ATTACHMENT_BYTES": 1024 * 1024}
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024)
    with pytest.raises(ValidationFailedError, match="MB"):
        submit(good(attachments=[AttachmentInput("big.pdf", big, "application/pdf")]))


def test_idempotency_key_returns_the_first_result(district):
    first = submit(good(), idempotency_key="abc-1")
    again = submit(good(), idempotency_key="abc-1")
    assert first.created
    assert not again.created
    assert again.appeal.pk == first.appeal.pk
    assert Appeal.objects.count() == 1
    # a caller nobody knows: a stranger who picks the same key for another appeal does not collide
    stranger = submit(good(text="另一位居民：幸福小区北门路灯不亮已经一周了。"), idempotency_key="abc-1")
    assert stranger.created
    assert stranger.appeal.pk != first.appeal.pk
    other_scope = appeal_submit(data=good(), actor=Actor.staff(district.operator), idempotency_key="abc-1")
    assert other_scope.created
    # a known caller who reuses a key for a different appeal is told so
    with pytest.raises(ConflictError):
        appeal_submit(
            data=good(text="别的内容，别的地方"),
            actor=Actor.staff(district.operator),
            idempotency_key="abc-1",
        )


def test_a_retried_anonymous_submission_gets_its_query_code_again(district):
    anonymous = good(anonymous=True, contact_phone="", contact_name="", contact_consent=False)
    first = submit(anonymous, idempotency_key="retry-1")
    again = submit(anonymous, idempotency_key="retry-1")
    assert not again.created
    assert again.appeal.pk == first.appeal.pk
    assert first.access_code
    assert again.access_code == first.access_code
    from lianxin.appeals.services import check_access_code

    assert check_access_code(Appeal.objects.get(pk=first.appeal.pk), again.access_code)
    # without the key nothing is replayed: a new appeal with its own code
    fresh = submit(anonymous)
    assert fresh.created
    assert fresh.access_code


def test_anonymous_without_phone_gets_a_query_code(district):
    result = submit(good(anonymous=True, contact_phone="", contact_name="", contact_consent=False))
    assert result.access_code
    assert len(result.access_code) == 6
    appeal = result.appeal
    assert appeal.is_anonymous
    assert appeal.contact_name == ""
    assert appeal_get_for_tracking(appeal.tracking_number, result.access_code).pk == appeal.pk


def test_submission_events_and_suggestion(district, settings):
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    appeal = submit(good()).appeal
    assert appeal.status == Status.SUBMITTED
    assert list(appeal.events.values_list("type", flat=True)) == [EventType.SUBMITTED, EventType.TRIAGED]
    triaged = appeal.events.get(type=EventType.TRIAGED)
    assert triaged.public is False
    assert appeal.suggestion["unit"] == district.unit_env.code
    assert appeal.suggested_unit == district.unit_env


def test_ambiguous_routing_waits_for_a_dispatcher(district):
    from lianxin.org.models import DispatchRule

    DispatchRule.objects.create(
        category=district.cat_env, area=district.district, unit=district.unit_street_a
    )
    appeal = submit(good()).appeal
    assert appeal.status == Status.SUBMITTED
    assert appeal.suggestion["ambiguous"] is True
    assert set(appeal.suggestion["unit_candidates"]) == {district.unit_env.code, district.unit_street_a.code}


def test_most_specific_dispatch_rule_wins(district):
    from lianxin.org.models import DispatchRule

    DispatchRule.objects.create(
        category=district.cat_env, area=district.street_b, unit=district.unit_street_a
    )
    appeal = submit(good()).appeal
    assert appeal.unit == district.unit_street_a


def test_intake_survives_a_broken_triage_model(district, settings, tmp_path):
    broken = tmp_path / "broken.model"
    broken.write_bytes(b"this is not a model")
    settings.LIANXIN = {**settings.LIANXIN, "TRIAGE_MODEL_PATH": str(broken)}
    from lianxin.appeals import triage_bridge

    triage_bridge.reset_model_cache()
    result = submit(good(category_code=""))
    assert result.created
    assert result.appeal.status == Status.SUBMITTED
    assert "classifier" in result.appeal.suggestion["error"]


def test_dispatch_accuracy_is_measured_from_events(district, settings):
    from lianxin.appeals import services
    from lianxin.appeals.selectors import dispatch_accuracy

    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    dispatcher = Actor.staff(district.dispatcher)
    followed = submit(good()).appeal
    services.appeal_dispatch(appeal=followed, actor=dispatcher, unit=district.unit_env)
    overridden = submit(good()).appeal
    services.appeal_dispatch(appeal=overridden, actor=dispatcher, unit=district.unit_city)
    wrong = submit(good()).appeal
    services.appeal_dispatch(appeal=wrong, actor=dispatcher, unit=district.unit_env)
    services.appeal_return(appeal=wrong, actor=Actor.staff(district.handler_env), reason="不归我们管")
    figures = dispatch_accuracy()
    assert figures["dispatches"] == 3
    assert figures["with_suggestion"] == 3
    assert figures["followed_suggestion"] == 2
    assert figures["returned_after_following"] == 1
    assert figures["suggestion_precision"] == 0.5


def test_likely_duplicates_and_repeat_appellants_are_flagged(district, settings, duplicate_index_mode):
    from lianxin.appeals.duplicate_index import reset_recent_index

    reset_recent_index()
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    first = submit(good(text="和平社区3号楼前的垃圾站三天没人清运了，气味很大，苍蝇很多。")).appeal
    submit(good(text="东街道的路灯晚上不亮，希望修一修。", area_code="G1", contact_phone="13911112222"))
    again = submit(good(text="和平社区3号楼垃圾站已经三天没有清运，味道很大苍蝇多。")).appeal
    hits = {d["tracking_number"]: d for d in again.suggestion["duplicates"]}
    assert first.tracking_number in hits
    assert hits[first.tracking_number]["same_phone"] is True
    assert again.suggestion["repeat_appellant"] is True
    other = submit(
        good(text="和平社区3号楼垃圾站三天没有清运，味道很大。", contact_phone="13600003333")
    ).appeal
    assert other.suggestion["repeat_appellant"] is False
    assert first.tracking_number in {d["tracking_number"] for d in other.suggestion["duplicates"]}


class _SlowModel:
    def predict(self, text):
        import time

        time.sleep(0.5)
        raise AssertionError("the result of a late prediction must not be used")


def test_intake_does_not_wait_for_a_slow_classifier(district, settings, monkeypatch):
    from lianxin.appeals import triage_bridge

    settings.LIANXIN = {**settings.LIANXIN, "TRIAGE_TIME_BUDGET_SECONDS": 0.05}
    monkeypatch.setattr(triage_bridge, "load_model", lambda: _SlowModel())
    result = submit(good(category_code=""))
    assert result.created
    assert result.appeal.status == Status.SUBMITTED
    assert "timeout" in result.appeal.suggestion["error"]


def test_emergencies_are_flagged_with_their_words_and_go_first(district, settings):
    from lianxin.appeals.selectors import queue

    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    ordinary = submit(good()).appeal
    emergency = submit(good(text="和平社区5栋楼道里有很重的煤气味，怀疑燃气泄漏，请马上派人！")).appeal
    assert emergency.urgency == "emergency"
    assert emergency.urgency_triggers
    assert ordinary.urgency == "normal"
    assert ordinary.urgency_triggers == []
    assert list(queue(district.dispatcher, "to_dispatch"))[:2] == [emergency, ordinary]


def test_a_unit_that_keeps_returning_a_kind_of_appeal_is_not_auto_dispatched(
    district, django_capture_on_commit_callbacks
):
    from lianxin.appeals import services

    for _ in range(4):
        appeal = submit(good()).appeal
        assert appeal.unit == district.unit_env  # auto-dispatched while the history is good enough
        with django_capture_on_commit_callbacks(execute=True):  # a return refreshes the cached history
            services.appeal_return(
                appeal=appeal, actor=Actor.staff(district.handler_env), reason="不是我们的职责"
            )
    appeal = submit(good()).appeal
    assert appeal.status == Status.SUBMITTED
    assert appeal.suggestion["ambiguous"] is True
    catalogue = [r for r in appeal.suggestion["reasons"] if r["code"] == "catalogue"]
    assert catalogue[0]["route"]["params"]["note"] == "often_returns"
