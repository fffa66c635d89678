"""Hostile JSON bodies, query strings and headers on every operation of the JSON API.

The operations come from the API's own OpenAPI description, so a new one is covered without
editing this file. Each is called with real ids, with an officer's and a supplier's token:
payloads in every query parameter; bodies built from the operation's schema with payloads in
every string and wrong types, huge and non-finite numbers elsewhere; and bodies that are not
what any schema expects (invalid JSON, NaN, arrays, deep nesting, NUL escapes, wrong media
type). Every answer is below 500, and every error is an ``application/problem+json`` document.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from factories import FreshClient
from payloads import ALL
from scenario import World, build_world

from socialvalue.extensions import db

pytestmark = pytest.mark.usefixtures("synced_frameworks")

NUMBERS: tuple[Any, ...] = (10**400, -(10**30), -1, 0, 1.5e308, "1e309", "NaN", "²", True, None)
RAW_BODIES: tuple[tuple[str, bytes | str], ...] = (
    ("invalid JSON", b"{not json"),
    ("truncated JSON", b'{"title": "x'),
    ("NaN literal", b'{"price": NaN, "weight": Infinity, "score": -Infinity}'),
    ("array", b"[1, 2, 3]"),
    ("string", b'"just a string"'),
    ("null", b"null"),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000),
    ("deep objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    ("NUL escape", b'{"title": "a\\u0000b", "name": "\\u0000"}'),
    ("lone surrogate", b'{"title": "\\ud800", "narrative": "\\udfff"}'),
    ("duplicate keys", b'{"price": "1", "price": "<script>alert(1)</script>"}'),
    ("huge number", b'{"price": 1' + b"0" * 5000 + b"}"),
    ("binary", bytes(range(256))),
)


@pytest.fixture
def world(app: Any) -> World:
    return build_world(app)


def operations(app: Any) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    spec = FreshClient(app, app.response_class).get("/api/v1/openapi.json").get_json()
    for path, items in spec["paths"].items():
        for method, operation in items.items():
            if method in ("get", "post", "put", "delete", "patch"):
                yield method.upper(), path, operation, spec["components"]["schemas"]


class Generator:
    """Values for a JSON schema, with payloads where strings go and trouble elsewhere."""

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas
        self.strings = itertools.cycle(ALL)
        self.numbers = itertools.cycle(NUMBERS)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def value(self, schema: dict[str, Any], depth: int = 0) -> Any:
        schema = self.resolve(schema)
        for combinator in ("allOf", "anyOf", "oneOf"):
            if schema.get(combinator):
                return self.value(schema[combinator][0], depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind == "object" or "properties" in schema:
            if depth > 3:
                return {}
            body = {
                name: self.value(sub, depth + 1)
                for name, sub in schema.get("properties", {}).items()
                if not sub.get("readOnly")
            }
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                body[next(self.strings)[:50]] = self.value(extra, depth + 1)
            return body
        if kind == "array":
            return [self.value(schema.get("items", {}), depth + 1) for _ in range(2)]
        if kind in ("integer", "number"):
            return next(self.numbers)
        if kind == "boolean":
            return next(self.strings)
        return next(self.strings)


def fill_path(path: str, world: World) -> str:
    return re.sub(r"\{([a-z_]+)\}", lambda m: world.params[m.group(1)], path)


def check(label: str, response: Any) -> list[str]:
    problems = []
    if response.status_code >= 500:
        problems.append(f"{label}: {response.status_code} {response.get_data(as_text=True)[:200]}")
    elif response.status_code >= 400:
        if response.mimetype != "application/problem+json":
            problems.append(f"{label}: {response.status_code} as {response.mimetype}")
        else:
            body = json.loads(response.get_data(as_text=True))
            if body.get("status") != response.status_code:
                problems.append(f"{label}: problem status {body.get('status')}")
    if response.mimetype == "text/html":
        problems.append(f"{label}: HTML from the API")
    return problems


def call(world: World, role: str, method: str, url: str, **kwargs: Any) -> Any:
    client = world.clients["anonymous"]
    headers = {"Authorization": f"Bearer {world.secrets[role]}", **kwargs.pop("headers", {})}
    db.session.remove()
    response = client.open(url, method=method, headers=headers, **kwargs)
    db.session.remove()
    return response


def test_payloads_in_every_api_operation(app: Any, world: World) -> None:
    problems: list[str] = []
    calls = 0
    for role in ("officer", "supplier"):
        for method, path, operation, schemas in operations(app):
            generator = Generator(schemas)
            url = fill_path(path, world)
            names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            for round_ in range(3):
                query = {name: next(generator.strings) for name in names}
                query[next(generator.strings)[:40]] = next(generator.strings)
                headers = {"If-Match": f'"{next(generator.strings)[:60]}"'}
                headers = {k: v for k, v in headers.items() if "\r" not in v and "\n" not in v}
                kwargs: dict[str, Any] = {"headers": headers}
                if schema is not None or method != "GET":
                    body = generator.value(schema) if schema and round_ < 2 else {}
                    kwargs["json"] = body
                response = call(world, role, method, f"{url}?{urlencode(query)}", **kwargs)
                calls += 1
                problems.extend(check(f"{method} {path} as {role} (round {round_})", response))
    assert calls >= 150
    assert problems == [], "\n".join(problems[:40])


def test_malformed_bodies_on_every_api_write(app: Any, world: World) -> None:
    problems: list[str] = []
    for method, path, _operation, _schemas in operations(app):
        if method == "GET":
            continue
        url = fill_path(path, world)
        for label, raw in RAW_BODIES:
            response = call(
                world, "officer", method, url, data=raw, content_type="application/json"
            )
            problems.extend(check(f"{method} {path} with {label}", response))
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/html"):
            response = call(
                world, "officer", method, url, data=b"<script>x</script>", content_type=content_type
            )
            problems.extend(check(f"{method} {path} as {content_type}", response))
    assert problems == [], "\n".join(problems[:40])
