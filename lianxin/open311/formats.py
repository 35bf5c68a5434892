"""Open311 GeoReport v2 output: the same data as JSON or XML, and errors in the spec's format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

XML_ROOTS = {
    # root element → element of each item
    "services": "service",
    "service_requests": "request",
    "errors": "error",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_xml(root: str, items: list[dict[str, Any]] | dict[str, Any]) -> bytes:
    top = ET.Element(root)
    if isinstance(items, dict):
        _fill(top, items)
    else:
        child_name = XML_ROOTS[root]
        for item in items:
            _fill(ET.SubElement(top, child_name), item)
    body: bytes = ET.tostring(top, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def _fill(element: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            for entry in value:
                sub = ET.SubElement(child, "value" if not isinstance(entry, dict) else key.rstrip("s"))
                if isinstance(entry, dict):
                    _fill(sub, entry)
                else:
                    sub.text = _text(entry)
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = _text(value)


def render(
    fmt: str, root: str, data: list[dict[str, Any]] | dict[str, Any], status: int = 200
) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(to_xml(root, data), status=status, content_type="text/xml; charset=utf-8")
    body = json.dumps(data, ensure_ascii=False, default=str)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": description}], status=status)
