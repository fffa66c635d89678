"""A conflict found after a "no interests" declaration (Procurement Act 2023 s.81: keep under review)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from factories import bids_by_label, make_s1_tender, post, sign_in, text

from socialvalue.extensions import db
from socialvalue.models import TenderMember
from socialvalue.services import evaluation


def test_late_declaration_removes_the_member_and_their_scores(
    app: Any, client: Any, people: Any, synced_frameworks: Any
) -> None:
    tender = make_s1_tender(
        db.session, people.officer, evaluators=[people.officer2], panel=[people.panel]
    )
    evaluation.declare_interests(db.session, people.panel, tender, has_conflict=False, details="")
    sv1 = next(c for c in tender.criteria if c.code == "SV1")
    for bid in bids_by_label(db.session, tender).values():
        evaluation.save_individual_score(
            db.session,
            people.panel,
            tender,
            bid,
            sv1,
            score=Decimal(60),
            rationale="Looks strong locally.",
            submit=True,
        )
    db.session.commit()
    before = evaluation.build_bundle(db.session, tender)
    assert len(before.individual_scores) == 3

    sign_in(client, people.panel)
    page = client.get(f"/tenders/{tender.id}/declaration")
    assert "If your circumstances change" in text(page)
    empty = post(client, f"/tenders/{tender.id}/declaration", {"has_interest": "yes"})
    assert "Describe the interest you are declaring" in text(empty)
    response = post(
        client,
        f"/tenders/{tender.id}/declaration",
        {"has_interest": "yes", "conflict_details": "My sister now works for bid B's supplier."},
    )
    assert response.status_code == 302

    db.session.expire_all()
    member = (
        db.session.query(TenderMember).filter_by(tender_id=tender.id, user_id=people.panel.id).one()
    )
    assert member.has_conflict is True and member.removed_at is not None
    assert evaluation.build_bundle(db.session, tender).individual_scores == ()
    assert client.get(f"/tenders/{tender.id}/evaluate").status_code == 403
    # A second "no interests" cannot undo it.
    again = post(client, f"/tenders/{tender.id}/declaration", {"has_interest": "no"})
    assert again.status_code in (200, 403)
    db.session.expire_all()
    assert db.session.get(TenderMember, member.id).has_conflict is True
