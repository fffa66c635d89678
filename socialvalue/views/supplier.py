"""Supplier pages: the tenders a supplier is invited to, and its own bid.

A supplier only ever sees its own bid: the bid is looked up by the signed-in supplier, never
by an id from the request, and the tender must have invited them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from socialvalue.extensions import db
from socialvalue.models.bid import BidStatus
from socialvalue.models.tender import MemberRole
from socialvalue.models.user import Role
from socialvalue.schemas.bids import load_bid_form
from socialvalue.schemas.common import FieldErrors
from socialvalue.services import bids as bid_service
from socialvalue.services.access import Action, tender_access
from socialvalue.uk_time import format_moment
from socialvalue.views.support import acting_user, load_tender, roles_required
from socialvalue.views.tenders import attempt, bid_form_page, bid_form_values, page

bp = Blueprint("supplier", __name__, url_prefix="/supplier")


@bp.get("/")
@roles_required(Role.SUPPLIER)
def index() -> tuple[str, int]:
    invitations = bid_service.supplier_invitations(db.session, acting_user())
    return page("supplier/index.html", invitations=invitations, page_title="Your bids")


@bp.route("/tenders/<int:tender_id>/bid", methods=["GET", "POST"])
@roles_required(Role.SUPPLIER)
def bid(tender_id: int) -> Response | tuple[str, int]:
    user = acting_user()
    tender = load_tender(tender_id)
    access = tender_access(db.session, user, tender)
    member = access.member
    if member is None or member.role != MemberRole.SUPPLIER or not member.active:
        abort(403, description="You have not been invited to bid for this tender")
    own = bid_service.supplier_bid(db.session, tender, user)
    can_change = access.allows(Action.SUBMIT_BID)
    errors: FieldErrors = {}
    status = 200
    form: Mapping[str, Any] = (
        bid_form_values(tender, own)
        if own is not None
        else {"supplier_name": user.organisation or user.display_name}
    )
    if request.method == "POST" and not can_change:
        # Bidding is over: say so whatever the form holds, and keep showing the bid as saved.
        errors, status = {"_form": [access.why_not(Action.SUBMIT_BID) or ""]}, 409
    elif request.method == "POST":
        form = request.form
        submit = request.form.get("action") == "submit"
        data, version, errors = load_bid_form(tender, request.form)
        status = 422
        if not errors:
            saved, errors, status = attempt(
                lambda: bid_service.save_supplier_bid(
                    db.session, user, tender, data, submit=submit, expected_version=version
                )
            )
            if saved is not None:
                if saved.status == BidStatus.SUBMITTED:
                    flash(
                        "Your bid is submitted. You can change it until the deadline, "
                        f"{format_moment(tender.bid_deadline)}.",
                        "success",
                    )
                else:
                    flash("Your draft is saved. It is not submitted yet.", "success")
                return redirect(url_for("supplier.bid", tender_id=tender.id))
        own = bid_service.supplier_bid(db.session, tender, user)
    return bid_form_page(
        "supplier/bid.html",
        tender,
        form=form,
        errors=errors,
        status=status,
        bid=own,
        can_change=can_change,
        reason=access.why_not(Action.SUBMIT_BID),
        page_title=f"Your bid – {tender.reference}",
    )
