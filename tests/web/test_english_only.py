"""In English, no Chinese beyond user data: the main pages of each role are rendered in English and
every Han character left after removing the data (names of areas, units, categories and people,
residents' words, the switch back to 中文) fails the test, naming the page and the text."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.test import Client

from lianxin.appeals.models import Appeal
from lianxin.appeals.privacy import mask_name
from lianxin.org.models import Area, Category, Unit, User
from tests.appeals import helpers

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u9fff]+")


def _user_data() -> list[str]:
    words: set[str] = {"中文"}  # the language switch names the other language in itself
    words |= set(Area.objects.values_list("name", flat=True))
    words |= set(Unit.objects.values_list("name", flat=True))
    words |= set(Category.objects.values_list("name", flat=True))
    words |= {u.display_name for u in User.objects.all() if u.display_name}
    for a in Appeal.objects.all():
        words |= {
            a.text,
            a.title,
            a.contact_name,
            mask_name(a.contact_name),
            a.address,
            a.reply_text,
            a.rating_comment,
        }
        words |= set(a.events.exclude(note="").values_list("note", flat=True))
    return sorted((w for w in words if w), key=len, reverse=True)


def _chinese_left(body: str) -> list[str]:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", text))
    for word in _user_data():
        text = text.replace(word, " ")
    return HAN.findall(text)


def _english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def _check(pages: dict[str, str]) -> None:
    left = {name: found for name, body in pages.items() if (found := _chinese_left(body))}
    assert left == {}, f"Chinese on English pages: {left}"


def test_residents_pages_in_english(district, no_auto_dispatch):
    c = _english(Client())
    pages = {
        "home": c.get("/").content.decode(),
        "submit": c.get("/appeal/new/").content.decode(),
        "submit errors": c.post("/appeal/new/", {"kind": "complaint"}).content.decode(),
        "track": c.get("/track/").content.decode(),
    }
    r = c.post(
        "/appeal/new/",
        {
            "kind": "complaint",
            "text": "路灯坏了",
            "street": "S1",
            "contact_phone": "13812345678",
            "contact_consent": "on",
        },
        follow=True,
    )
    pages["receipt"] = r.content.decode()
    appeal = helpers.replied(district)
    c.post("/track/", {"tracking_number": appeal.tracking_number, "secret": "1234"})
    c.post(f"/track/{appeal.tracking_number}/rate/", {"satisfaction": "satisfied", "solved": "yes"})
    pages["track detail"] = c.get(f"/track/{appeal.tracking_number}/").content.decode()
    _check(pages)


def test_staff_pages_in_english(district, client_for):
    appeal = helpers.dispatched(district)
    pages: dict[str, str] = {}
    for user in (district.operator, district.dispatcher, district.handler_city):
        c = _english(client_for(user))
        name = user.username
        pages[f"{name} home"] = c.get("/staff/").content.decode()
        pages[f"{name} queue"] = c.get("/staff/queue/all/").content.decode()
        pages[f"{name} case"] = c.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    pages["hotline"] = _english(client_for(district.operator)).get("/staff/hotline/").content.decode()
    _check(pages)
