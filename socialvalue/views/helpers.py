"""Template helpers: navigation and number/date formatting (rounding happens only here)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from socialvalue.uk_time import format_day, format_moment


def format_decimal(value: Any, places: int = 2) -> str:
    """Round half up for display only; the stored value stays exact."""
    if value is None or value == "":
        return ""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    quantum = Decimal(1).scaleb(-places)
    return f"{Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP):,}"


def format_gbp(value: Any, places: int = 2) -> str:
    if value is None or value == "":
        return ""
    text = format_decimal(value, places)
    return f"−£{text[1:]}" if text.startswith("-") else f"£{text}"


def format_quantity(value: Any) -> str:
    """Quantities as entered: no trailing zeros, thousands separated."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    if number == number.to_integral():
        return f"{number.quantize(Decimal(1)):,}"
    return f"{number:,f}"


def format_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_moment(value)
    return format_day(value)


def navigation_items() -> list[dict[str, Any]]:
    items: list[tuple[str, str]] = []
    if current_user.is_authenticated:
        items.append(("main.home", "Home"))
        if current_user.role == "supplier":
            items.append(("supplier.index", "Your bids"))
        else:
            items.append(("tenders.index", "Tenders"))
        items.append(("contracts.index", "Contracts"))
    items.append(("frameworks.index", "Frameworks"))
    endpoint = request.endpoint or ""
    known = current_app.view_functions
    items = [(target, text) for target, text in items if target in known]
    return [
        {
            "href": url_for(target),
            "text": text,
            "active": endpoint.split(".")[0] == target.split(".")[0]
            and (target != "main.home" or endpoint == "main.home"),
        }
        for target, text in items
    ]


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["decimal"] = format_decimal
    app.jinja_env.filters["gbp"] = format_gbp
    app.jinja_env.filters["quantity"] = format_quantity
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.globals["navigation_items"] = navigation_items
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
