"""Input schemas for the account pages (personal API tokens)."""

from __future__ import annotations

from marshmallow import fields, validate

from socialvalue.schemas.common import BaseInputSchema


class TokenCreateInputSchema(BaseInputSchema):
    name = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, error="Enter a name for the token"),
            validate.Length(max=100, error="The name must be 100 characters or fewer"),
        ],
        error_messages={"required": "Enter a name for the token"},
    )
