"""A small Open311 GeoReport v2 client written from the spec (requests + xml.etree).

The PyPI client `georeport` covers the read calls; it has no POST, so submissions go through this one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import requests


def parse_xml(content: bytes) -> tuple[str, list[dict[str, Any]]]:
    """`<service_requests><request>…</request></service_requests>` → ("service_requests", [{…}])."""
    root = ET.fromstring(content)
    items = [{child.tag: (child.text or "") for child in element} for element in root]
    return root.tag, items


class Open311Client:
    def __init__(self, root: str, api_key: str = "", fmt: str = "json") -> None:
        self.root, self.api_key, self.fmt = root.rstrip("/"), api_key, fmt

    def _decode(self, response: requests.Response) -> Any:
        if self.fmt == "xml":
            return parse_xml(response.content)[1]
        return response.json()

    def post_request(self, files: dict[str, Any] | None = None, **fields: str) -> tuple[int, Any]:
        data = {"api_key": self.api_key, **fields}
        response = requests.post(f"{self.root}/requests.{self.fmt}", data=data, files=files, timeout=10)
        return response.status_code, self._decode(response)

    def get(self, path: str, **params: str) -> tuple[int, Any]:
        response = requests.get(f"{self.root}/{path}.{self.fmt}", params=params, timeout=10)
        return response.status_code, self._decode(response)
