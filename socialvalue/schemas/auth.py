from __future__ import annotations

from marshmallow import fields, validate

from socialvalue.schemas.common import BaseInputSchema


class SignInInputSchema(BaseInputSchema):
    email = fields.String(
        required=True,
        validate=validate.Length(min=3, max=254, error="Enter your email address"),
        error_messages={"required": "Enter your email address"},
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200, error="Enter your password"),
        error_messages={"required": "Enter your password"},
    )
