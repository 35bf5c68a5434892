"""The OpenAPI document declares every limit, and the interactive docs work offline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def document() -> dict[str, Any]:
    response = Client(HTTP_HOST="localhost").get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _leaves(doc: dict[str, Any], schema: dict[str, Any], where: str, seen: frozenset[str] = frozenset()):
    """Every scalar schema inside `schema`, with where it was found."""
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        if name in seen:
            return
        seen = seen | {name}
    schema = _resolve(doc, schema)
    for key in ("anyOf", "allOf", "oneOf"):
        for option in schema.get(key, []):
            yield from _leaves(doc, option, where, seen)
    if schema.get("type") == "object" or "properties" in schema:
        for prop, sub in schema.get("properties", {}).items():
            yield from _leaves(doc, sub, f"{where}.{prop}", seen)
    elif schema.get("type") == "array":
        assert "maxItems" in schema, f"{where}: array without maxItems"
        yield from _leaves(doc, schema["items"], f"{where}[]", seen)
    elif "type" in schema or "enum" in schema:
        yield where, schema


def test_every_request_string_and_number_is_bounded(document):
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            sources = [
                (f"{method} {path} ?{p['name']}", p["schema"]) for p in operation.get("parameters", [])
            ]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                sources.append((f"{method} {path} body", body["schema"]))
            for where, schema in sources:
                for leaf_where, leaf in _leaves(document, schema, where):
                    checked += 1
                    if "enum" in leaf:
                        assert leaf["enum"], leaf_where
                    elif leaf["type"] == "string" and leaf.get("format") not in ("date", "date-time"):
                        assert "maxLength" in leaf, f"{leaf_where}: string without maxLength"
                    elif leaf["type"] in ("integer", "number"):
                        assert "minimum" in leaf, f"{leaf_where}: number without range"
                        assert "maximum" in leaf, f"{leaf_where}: number without range"
    assert checked > 80  # the walk really found the parameters and body fields


def test_enums_list_their_values(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["Kind"]["enum"]) == {"inquiry", "help", "complaint", "report", "suggestion", "praise"}
    assert "closed" in schemas["Status"]["enum"]


def test_security_schemes_are_documented(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerToken"]["scheme"] == "bearer"
    assert schemes["ApiKeyHeader"]["name"] == "X-Api-Key"


def test_docs_page_works_offline(db):
    response = Client(HTTP_HOST="localhost").get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']https?://""", html), (
        "the docs page loads something from the internet"
    )
    assets = re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", html)
    assert {
        "api/swagger-ui/swagger-ui-bundle.js",
        "api/swagger-ui/swagger-ui.css",
        "api/swagger-init.js",
    } <= set(assets)
    for asset in assets:
        found = finders.find(asset)
        assert found, asset
        assert Path(found).stat().st_size > 0, asset
    licence = finders.find("api/swagger-ui/LICENSE")
    assert licence
    assert "Apache License" in Path(licence).read_text()
    assert '"url": "/api/v1/openapi.json"' in html


def test_the_api_root_is_a_json_index(client):
    r = client.get("/api/v1/")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["openapi"].endswith("/api/v1/openapi.json")
    assert body["docs"].endswith("/api/v1/docs")
    assert client.get(body["openapi"]).status_code == 200
    assert client.post("/api/v1/").status_code == 405
