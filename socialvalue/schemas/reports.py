"""Input schemas for the report pages."""

from __future__ import annotations

from marshmallow import fields, validate

from socialvalue.schemas.common import BaseInputSchema


class PrepareReportInputSchema(BaseInputSchema):
    """Asking for a report to be prepared in the background: which report."""

    report = fields.String(
        required=True,
        validate=validate.OneOf(["evaluation"], error="Choose which report to prepare"),
        error_messages={"required": "Choose which report to prepare"},
    )
