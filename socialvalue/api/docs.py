"""A server-rendered, human-readable page describing the API, built from its OpenAPI document.

(flask-smorest's ReDoc and Swagger UI pages load JavaScript from a CDN, which the Content
Security Policy forbids and which breaks offline; this page needs no JavaScript at all.)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

METHOD_ORDER = ("get", "post", "put", "patch", "delete")


def _schema_name(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"list of {_schema_name(schema.get('items')) or 'values'}"
    kind = str(schema.get("type", "object"))
    if schema.get("format"):
        kind += f" ({schema['format']})"
    if schema.get("enum"):
        kind += ": one of " + ", ".join(str(v) for v in schema["enum"])
    return kind


def _anchor(name: str) -> str:
    return "schema-" + name.replace(" ", "-")


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation in the document, grouped in path order, ready to render."""
    result = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHOD_ORDER:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [*shared, *operation.get("parameters", [])]
            content = (operation.get("requestBody") or {}).get("content", {})
            body_schema = next(iter(content.values()), {}).get("schema") if content else None
            responses = []
            for code, response in sorted(operation.get("responses", {}).items()):
                response_content = response.get("content", {})
                media, schema = next(iter(response_content.items()), (None, {}))
                responses.append(
                    {
                        "code": code,
                        "description": response.get("description", ""),
                        "media": media,
                        "schema": _schema_name((schema or {}).get("schema")),
                    }
                )
            result.append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": bool(p.get("required")),
                            "type": _schema_name(p.get("schema")),
                            "description": p.get("description", ""),
                        }
                        for p in parameters
                    ],
                    "body": _schema_name(body_schema) if body_schema else "",
                    "responses": responses,
                }
            )
    return result


def schemas(spec: dict[str, Any]) -> list[dict[str, Any]]:
    result = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        result.append(
            {
                "name": name,
                "anchor": _anchor(name),
                "description": schema.get("description", ""),
                "properties": [
                    {
                        "name": prop,
                        "type": _schema_name(details),
                        "required": prop in required,
                        "nullable": bool(details.get("nullable")),
                        "read_only": bool(details.get("readOnly")),
                        "description": details.get("description", ""),
                    }
                    for prop, details in schema.get("properties", {}).items()
                ],
            }
        )
    return result


@bp.get("/docs")
def docs() -> str:
    spec = current_app.extensions["socialvalue_api"].spec.to_dict()
    return render_template(
        "api/docs.html",
        info=spec.get("info", {}),
        operations=operations(spec),
        schemas=schemas(spec),
        page_title="API documentation",
    )
