"""Public, read-only transparency pages: what an awarded contract promised in social value and
what has been delivered (verified figures only). No sign-in; no personal data (no evaluator,
officer or supplier staff names, no e-mail addresses, no return narratives or queries)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from socialvalue import delivery
from socialvalue.extensions import db
from socialvalue.models.tender import TenderStatus
from socialvalue.services import contracts as contract_service
from socialvalue.views.contracts import RAG_COLOURS, chart_rows

bp = Blueprint("transparency", __name__, url_prefix="/transparency")


@bp.get("/contracts/<int:contract_id>")
def contract(contract_id: int) -> str:
    record = contract_service.get_contract(db.session, contract_id)
    # Only contracts from an awarded tender are published; anything else is simply not found.
    if record is None or record.tender.status != TenderStatus.AWARDED:
        abort(404)
    view = contract_service.contract_view(record, contract_service.today_utc())
    return render_template(
        "transparency/contract.html",
        contract=record,
        view=view,
        report=view.promise_report(),
        chart=chart_rows(view),
        rag_colours=RAG_COLOURS,
        rag_labels=delivery.RAG_LABELS,
        page_title=f"Social value delivered: {record.title}",
    )
