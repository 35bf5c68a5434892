"""The duplicate index shared by a host's workers (`lianxin duplicate_index serve`): the same
decisions as each worker's own index, nothing of it kept in the worker, and intake going on
without hints when the server is away."""

from __future__ import annotations

import pytest

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.duplicate_index import recent_index, reset_recent_index
from lianxin.appeals.duplicates import RecentAppealsIndex
from lianxin.appeals.duplicates_remote import IndexUnavailableError, RemoteAppealsIndex, parse_address
from lianxin.appeals.models import Appeal

from .helpers import submit
from .shared_index import running_index_server

pytestmark = pytest.mark.django_db

GARBAGE = "和平社区3号楼前的垃圾站三天没人清运了，气味很大，苍蝇很多。"
NEAR_COPIES = [
    "和平社区3号楼前的垃圾站已经三天没人清运了，气味很大，苍蝇很多！",
    "和平社区3号楼垃圾站三天没有清运，味道很大。",
    "和平社区3号楼前垃圾站三天无人清运，气味大苍蝇多，请处理",
]
UNRELATED = [
    "东街道的路灯晚上不亮，希望修一修。",
    "请问办理居住证需要带哪些材料？",
    "小区里有人深夜在广场上跳舞，音响很吵。",
]


def _seed(district, settings) -> list[Appeal]:
    return [
        submit(district, settings=settings, text=GARBAGE),
        submit(district, settings=settings, text=NEAR_COPIES[0], contact_phone="13700001111"),
        submit(district, settings=settings, text=UNRELATED[0], area_code="G2", contact_phone="13600002222"),
        submit(
            district, settings=settings, text="幸福小区3栋门口路灯坏了一个多月，晚上很黑。", area_code="G1"
        ),
    ]


def test_the_server_decides_as_an_embedded_index_does(district, settings):
    _seed(district, settings)
    embedded = RecentAppealsIndex()
    queries = [
        (t, a, p)
        for t in [GARBAGE, *NEAR_COPIES, *UNRELATED]
        for a in (None, district.grid_a.path, district.grid_b.path)
        for p in ("", "13812341234", "13700001111")
    ]
    expected = [embedded.check(t, area_path=a, phone=p) for t, a, p in queries]
    expected_many = embedded.check_many(
        [q[0] for q in queries], area_paths=[q[1] for q in queries], phones=[q[2] for q in queries]
    )
    assert any(expected)
    assert not all(expected)
    with running_index_server(settings):
        reset_recent_index()
        shared = recent_index()
        assert isinstance(shared, RemoteAppealsIndex)
        assert [shared.check(t, area_path=a, phone=p) for t, a, p in queries] == expected
        assert (
            shared.check_many(
                [q[0] for q in queries], area_paths=[q[1] for q in queries], phones=[q[2] for q in queries]
            )
            == expected_many
        )
        reset_recent_index()


def test_a_near_copy_is_found_and_other_text_is_not(district, settings):
    with running_index_server(settings):
        reset_recent_index()
        first = submit(district, settings=settings, text=GARBAGE)
        found = {
            d["tracking_number"]: d
            for d in submit(district, settings=settings, text=NEAR_COPIES[0]).suggestion["duplicates"]
        }
        assert list(found) == [first.tracking_number]
        assert found[first.tracking_number]["same_phone"] is True
        for text in UNRELATED:
            assert (
                submit(district, settings=settings, text=text, contact_phone="13900009999").suggestion[
                    "duplicates"
                ]
                == []
            )
        reset_recent_index()


def test_the_worker_keeps_no_index_of_its_own(district, settings):
    with running_index_server(settings) as server:
        reset_recent_index()
        submit(district, settings=settings, text=GARBAGE)
        again = submit(district, settings=settings, text=NEAR_COPIES[1])
        assert again.suggestion["duplicates"]
        assert not hasattr(recent_index(), "_index")  # the worker's side is a connection only
        assert server.index.stats()["appeals"] == 1  # the server read the first appeal from the database
        reset_recent_index()


def test_an_anonymous_appeal_sends_no_phone_and_is_no_repeat(district, settings):
    with running_index_server(settings) as server:
        reset_recent_index()
        submit(district, settings=settings, text=GARBAGE, contact_phone="13812341234")
        anonymous = submit(
            district,
            settings=settings,
            text=NEAR_COPIES[0],
            anonymous=True,
            contact_phone="13812341234",
            contact_name="",
        )
        assert anonymous.is_anonymous
        assert anonymous.contact_phone == ""
        assert anonymous.suggestion["repeat_appellant"] is False
        assert all(d["same_phone"] is False for d in anonymous.suggestion["duplicates"])
        assert server.requests[-1]["phone"] == ""  # the number never left the worker
        assert "13812341234" not in str(server.requests[-1])
        reset_recent_index()


def test_merged_and_withdrawn_appeals_are_named_as_today(district, settings):
    with running_index_server(settings):
        reset_recent_index()
        survivor = submit(district, settings=settings, text=GARBAGE)
        duplicate = submit(district, settings=settings, text=NEAR_COPIES[0], contact_phone="13700001111")
        services.appeal_merge(
            appeal=duplicate, actor=Actor.staff(district.dispatcher), into=survivor, note="同一垃圾站"
        )
        found = recent_index().check(NEAR_COPIES[0], area_path=district.grid_a.path, phone="13600003333")
        assert [h.tracking_number for h in found] == [survivor.tracking_number]
        services.appeal_withdraw(appeal=survivor, actor=Actor.staff(district.operator), reason="已自行解决")
        assert recent_index().check(NEAR_COPIES[0], area_path=district.grid_a.path, phone="13600003333") == []
        reset_recent_index()


def test_intake_goes_on_without_hints_when_the_server_is_away(district, settings):
    with running_index_server(settings) as server:
        reset_recent_index()
        first = submit(district, settings=settings, text=GARBAGE)
        server.close()  # stopped (a restart, a crash)
        reset_recent_index()
        again = submit(district, settings=settings, text=NEAR_COPIES[0])
        assert Appeal.objects.filter(pk=again.pk).exists()
        assert again.tracking_number != first.tracking_number
        assert again.suggestion["duplicates"] == []
        assert "duplicates: IndexUnavailableError" in again.suggestion["error"]
        reset_recent_index()


def test_a_client_without_the_key_is_refused(district, settings):
    with running_index_server(settings) as server:
        address = settings.LIANXIN["DUPLICATE_INDEX_ADDRESS"]
        settings.SECRET_KEY = "another-deployment-" + "x" * 40
        with pytest.raises(IndexUnavailableError):
            RemoteAppealsIndex(address, timeout=2).check(GARBAGE, area_path=None, phone="")
        assert server.requests == []


def test_addresses():
    assert parse_address("/run/lianxin/dupindex.sock") == ("/run/lianxin/dupindex.sock", "AF_UNIX")
    assert parse_address("unix:/tmp/x:1.sock") == ("/tmp/x:1.sock", "AF_UNIX")
    assert parse_address("127.0.0.1:8790") == (("127.0.0.1", 8790), "AF_INET")
    assert parse_address(":8790") == (("127.0.0.1", 8790), "AF_INET")
