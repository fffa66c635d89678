"""Shared parsing helpers for form input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError

FieldErrors = dict[str, list[str]]


def flatten_errors(messages: Any, prefix: str = "") -> FieldErrors:
    """marshmallow's nested error dict -> {"field" or "parent.child": [messages]}."""
    flat: FieldErrors = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_form"
            for sub_key, sub_messages in flatten_errors(value, name).items():
                flat.setdefault(sub_key, []).extend(sub_messages)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            flat[prefix or "_form"] = list(messages)
        else:
            for item in messages:
                for sub_key, sub_messages in flatten_errors(item, prefix).items():
                    flat.setdefault(sub_key, []).extend(sub_messages)
    else:
        flat[prefix or "_form"] = [str(messages)]
    return flat


def load_form(schema: Schema, data: Mapping[str, Any]) -> tuple[dict[str, Any], FieldErrors]:
    """Validate ``data``; return (clean data, {}) or ({}, field errors)."""
    try:
        return schema.load(dict(data)), {}
    except ValidationError as error:
        return {}, flatten_errors(error.messages)


class BaseInputSchema(Schema):
    """Unknown fields (the CSRF token, buttons) are ignored rather than rejected."""

    class Meta:
        unknown = "exclude"
