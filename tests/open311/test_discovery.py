"""GeoReport v2 service discovery, in both formats, as the spec describes it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.django_db


def test_discovery_json(client, settings):
    settings.LIANXIN = {**settings.LIANXIN, "OPEN311_CONTACT": "12345 热线中心 · open311@example.org"}
    r = client.get("/open311/v2/discovery.json")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/json")
    doc = r.json()
    assert doc["contact"] == "12345 热线中心 · open311@example.org"
    (endpoint,) = doc["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    # the endpoint it names answers
    assert client.get(endpoint["url"] + "services.json").status_code == 200


def test_discovery_xml_has_the_specs_elements(client):
    r = client.get("/open311/v2/discovery.xml")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/xml")
    root = ET.fromstring(r.content)
    assert root.tag == "discovery"
    assert root.findtext("changeset")
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_discovery_is_read_only(client):
    assert client.post("/open311/v2/discovery.json").status_code == 405
