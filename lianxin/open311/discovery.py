"""GeoReport v2 service discovery (`/open311/v2/discovery.json|xml`): where the endpoint is, which
specification and formats it speaks, and whom to contact — as the spec's "Service Discovery" says."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .formats import render
from .views import open311_view

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("text/xml", "application/json")
# The date of the last change to what this endpoint offers (bump it when services or fields change).
CHANGESET = "2026-12-02T00:00:00Z"


def discovery_document(request: HttpRequest) -> dict[str, Any]:
    base = request.build_absolute_uri("/open311/v2/")
    return {
        "changeset": CHANGESET,
        "contact": settings.LIANXIN.get("OPEN311_CONTACT", "") or "",
        "key_service": request.build_absolute_uri("/admin/"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production" if not settings.DEBUG else "test",
                "formats": list(FORMATS),
            }
        ],
    }


def _xml(doc: dict[str, Any]) -> bytes:
    root = ET.Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        ET.SubElement(root, key).text = str(doc[key])
    endpoints = ET.SubElement(root, "endpoints")
    for endpoint in doc["endpoints"]:
        element = ET.SubElement(endpoints, "endpoint")
        for key in ("specification", "url", "changeset", "type"):
            ET.SubElement(element, key).text = str(endpoint[key])
        formats = ET.SubElement(element, "formats")
        for fmt in endpoint["formats"]:
            ET.SubElement(formats, "format").text = fmt
    body: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


@open311_view()
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    doc = discovery_document(request)
    if fmt == "xml":
        return HttpResponse(_xml(doc), content_type="text/xml; charset=utf-8")
    return render(fmt, "discovery", doc)
