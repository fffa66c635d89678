"""Contract delivery tracking through the pages: award to contract, returns with evidence,
verification, status (scenario S4), bad input that saves nothing, role checks, audit."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from contract_support import (
    HTML,
    PDF,
    PNG,
    S4_DELIVERED,
    TODAY,
    build_s4,
    contract_actions,
    counts,
    file_s4_return,
    files_under,
    plain_zip,
    xlsx_bytes,
)
from factories import FreshClient, csrf_token, make_user, sign_in, text

from socialvalue.extensions import db
from socialvalue.models import (
    Contract,
    DeliveryReturn,
    EvidenceFile,
    Kpi,
    LineStatus,
    RemedialAction,
    ReturnLine,
    Role,
    User,
)
from socialvalue.services import contracts as contract_service
from socialvalue.services.demo import S4_PERIOD_END

pytestmark = pytest.mark.usefixtures("synced_frameworks")


def client_for(app: Any, user: User | None) -> FreshClient:
    client = FreshClient(app, app.response_class, use_cookies=True)
    if user is not None:
        sign_in(client, user)
    return client


def token(client: FreshClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return csrf_token(text(page))


def upload_dir(app: Any) -> str:
    return str(app.config["UPLOAD_DIR"])


def return_form(s4: Any, values: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"period_end": S4_PERIOD_END.isoformat(), "narrative": "Six months."}
    for code, kpi in s4.kpis().items():
        data[f"quantity-{kpi.id}"] = str((values or S4_DELIVERED)[code])
    data.update(extra)
    return data


def post_return(app: Any, client: FreshClient, s4: Any, data: dict[str, Any]) -> Any:
    url = f"/contracts/{s4.contract_id}/returns/new"
    payload = {"csrf_token": token(client, url), **data}
    return client.post(url, data=payload, content_type="multipart/form-data")


def status_cells(html: str) -> dict[str, str]:
    """{criterion code: RAG text} from the KPI table."""
    found = {}
    for code in ("SV1", "SV2", "SV3"):
        row = re.search(rf'id="kpi-{code}">(.*?)</tr>', html, re.S)
        assert row, code
        tag = re.findall(r'class="govuk-tag govuk-tag--(\w+)">([^<]+)<', row.group(1))
        found[code] = tag[-1][1]
    return found


# -- award to contract -------------------------------------------------------------------------


def test_awarding_creates_the_contract_with_a_kpi_per_commitment(app: Any) -> None:
    s4 = build_s4()
    contract = s4.contract
    assert (contract.start_date, contract.end_date) == (dt.date(2026, 4, 1), dt.date(2028, 3, 31))
    assert contract.supplier_name == "Northern Facilities Ltd"
    assert contract.reporting_frequency == "quarterly"
    kpis = s4.kpis()
    assert {code: k.committed_quantity for code, k in kpis.items()} == {
        "GMSVF-P3-LOCAL-EMPLOYMENT": Decimal(8),
        "GMSVF-P3-APPRENTICESHIPS": Decimal(6),
        "GMSVF-P4-VCSE-SPEND": Decimal(50000),
    }
    vcse = kpis["GMSVF-P4-VCSE-SPEND"]
    assert (vcse.unit, vcse.committed_value_gbp, vcse.theme_code) == (
        "GBP",
        Decimal(50000),
        "GMSVF-P4",
    )
    assert kpis["GMSVF-P3-LOCAL-EMPLOYMENT"].committed_value_gbp is None  # no proxy value
    assert all(
        (k.framework_id, k.framework_version_label, k.accrual)
        == ("gm-social-value-framework", "2020", "even")
        for k in kpis.values()
    )
    assert "contract.created" in contract_actions(s4.contract_id)


def test_the_awarded_tender_page_links_to_its_contract(app: Any) -> None:
    s4 = build_s4()
    tender_page = f"/tenders/{s4.contract.tender_id}/"
    contract_link = f'href="/contracts/{s4.contract_id}/"'
    officer_view = client_for(app, s4.officer).get(tender_page)
    assert officer_view.status_code == 200
    assert contract_link in officer_view.get_data(as_text=True)
    assert "Follow the delivery of its social value commitments" in text(officer_view)


# -- scenario S4 on the contract page ----------------------------------------------------------


def test_s4_contract_page_shows_amber_green_red_and_contract_red(app: Any) -> None:
    s4 = build_s4()
    file_s4_return(s4, upload_dir=upload_dir(app))
    html = text(client_for(app, s4.officer).get(f"/contracts/{s4.contract_id}/"))
    assert status_cells(html) == {
        "SV1": "Amber: behind",
        "SV2": "Green: on track",
        "SV3": "Red: well behind",
    }
    status = re.search(r'id="contract-status">(.*?)</dd>', html, re.S)
    assert status and "Red: well behind" in status.group(1)
    assert "As at 30 September 2026, 25% of the way through the term" in status.group(1)
    for expected in ("75%", "133%", "40%", "£12,500.00", "£5,000.00", "<svg", "<title id"):
        assert expected in html
    assert 'style="' not in html
    assert "contract.status_changed" in contract_actions(s4.contract_id)


def test_only_verified_figures_count_unless_asked(app: Any) -> None:
    s4 = build_s4()
    file_s4_return(s4, verify=False, upload_dir=upload_dir(app))
    officer = client_for(app, s4.officer)
    verified = text(officer.get(f"/contracts/{s4.contract_id}/"))
    assert set(status_cells(verified).values()) == {"Red: well behind"}
    reported = text(officer.get(f"/contracts/{s4.contract_id}/?basis=reported"))
    assert status_cells(reported)["SV2"] == "Green: on track"


# -- filing returns ----------------------------------------------------------------------------


def test_supplier_files_a_return_with_evidence(app: Any) -> None:
    s4 = build_s4()
    client = client_for(app, s4.supplier)
    data = return_form(s4, evidence=[(io.BytesIO(PNG), "payroll.png")])
    response = post_return(app, client, s4, data)
    assert response.status_code == 302, text(response)
    delivery_return = db.session.execute(sa.select(DeliveryReturn)).scalar_one()
    assert delivery_return.on_behalf is False
    assert delivery_return.period_end == S4_PERIOD_END
    (item,) = delivery_return.evidence
    assert (item.content_type, item.original_name, item.size_bytes) == (
        "image/png",
        "payroll.png",
        len(PNG),
    )
    stored = Path(upload_dir(app)) / item.storage_path
    assert stored.read_bytes() == PNG
    assert item.sha256 in stored.name
    assert "return.submitted" in contract_actions(s4.contract_id)
    page = text(client.get(response.headers["Location"]))
    assert "Awaiting verification" in page


def test_officer_records_a_return_on_the_suppliers_behalf(app: Any) -> None:
    s4 = build_s4()
    client = client_for(app, s4.officer)
    response = post_return(app, client, s4, return_form(s4))
    assert response.status_code == 302
    delivery_return = db.session.execute(sa.select(DeliveryReturn)).scalar_one()
    assert delivery_return.on_behalf is True
    assert "return.recorded_on_behalf" in contract_actions(s4.contract_id)
    assert "Recorded by an officer for the supplier" in text(
        client.get(response.headers["Location"])
    )


def _refused(
    app: Any, s4: Any, data: dict[str, Any], message: str, field_id: str | None = None
) -> str:
    before_rows, before_files = counts(), files_under(upload_dir(app))
    response = post_return(app, client_for(app, s4.supplier), s4, data)
    html = text(response)
    assert response.status_code == 422, html[:500]
    assert "There is a problem" in html
    assert message in html
    if field_id:
        assert f'href="#{field_id}"' in html
        assert f'id="{field_id}-error"' in html
    assert counts() == before_rows
    assert files_under(upload_dir(app)) == before_files
    return html


def test_a_negative_quantity_is_refused_and_nothing_is_saved(app: Any) -> None:
    s4 = build_s4()
    kpi = s4.kpis()["GMSVF-P3-APPRENTICESHIPS"]
    values = dict(S4_DELIVERED, **{"GMSVF-P3-APPRENTICESHIPS": Decimal(-2)})
    _refused(
        app,
        s4,
        return_form(s4, values, evidence=[(io.BytesIO(PDF), "proof.pdf")]),
        "cannot be negative",
        f"quantity-{kpi.id}",
    )


@pytest.mark.parametrize(
    "period_end", ["2028-06-30", "2026-03-31", "2026-09-29", "not-a-date", "9999-99-99"]
)
def test_a_period_outside_the_term_is_refused(app: Any, period_end: str) -> None:
    s4 = build_s4()
    html = _refused(
        app, s4, return_form(s4, period_end=period_end), "period", field_id="period_end"
    )
    assert "1 April 2026 to 31 March 2028" in html or "Choose a reporting period" in html


def test_a_period_that_has_not_ended_is_refused(app: Any) -> None:
    s4 = build_s4()
    _refused(app, s4, return_form(s4, period_end="2027-12-31"), "has not ended yet")


def test_a_duplicate_return_for_a_period_is_refused(app: Any) -> None:
    s4 = build_s4()
    file_s4_return(s4, verify=False, upload_dir=upload_dir(app))
    _refused(app, s4, return_form(s4), "already filed", "period_end")


def test_an_oversized_file_is_refused(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s4 = build_s4()
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1024)
    big = PDF + b"%" + b"x" * 2048
    _refused(app, s4, return_form(s4, evidence=[(io.BytesIO(big), "big.pdf")]), "larger than 1 KB")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (HTML, "report.pdf"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", "chart.png"),
        (plain_zip(), "returns.xlsx"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "payroll.csv"),
        (b"", "empty.pdf"),
    ],
)
def test_a_disguised_or_unknown_file_is_refused(app: Any, content: bytes, name: str) -> None:
    s4 = build_s4()
    _refused(
        app,
        s4,
        return_form(s4, evidence=[(io.BytesIO(content), name)]),
        name,
        field_id="evidence",
    )


@pytest.mark.parametrize(
    "bad", ["", "abc", "1e400", "NaN", "Infinity", "9" * 40, "1.1234567", "--1"]
)
def test_bad_numbers_never_cause_a_server_error(app: Any, bad: str) -> None:
    s4 = build_s4()
    kpi = s4.kpis()["GMSVF-P3-LOCAL-EMPLOYMENT"]
    data = return_form(s4)
    data[f"quantity-{kpi.id}"] = bad
    _refused(app, s4, data, "The quantity for SV1", f"quantity-{kpi.id}")


# -- verification ------------------------------------------------------------------------------


def _decide(
    client: FreshClient, s4: Any, ret: DeliveryReturn, line: ReturnLine, **data: Any
) -> Any:
    url = f"/contracts/{s4.contract_id}/returns/{ret.id}"
    payload = {"csrf_token": token(client, url), "version": str(line.version_id), **data}
    return client.post(f"{url}/lines/{line.id}/decide", data=payload)


def test_panel_queries_supplier_answers_officer_verifies(app: Any) -> None:
    s4 = build_s4()
    ret = file_s4_return(s4, verify=False, upload_dir=upload_dir(app))
    line = next(li for li in ret.lines if li.kpi.criterion_code == "SV1")
    panel, supplier, officer = (client_for(app, u) for u in (s4.panel, s4.supplier, s4.officer))

    missing = _decide(panel, s4, ret, line, decision="queried", text="")
    assert missing.status_code == 422
    assert "Write the question" in text(missing)
    assert f'href="#line-{line.id}-text"' in text(missing)

    assert (
        _decide(panel, s4, ret, line, decision="queried", text="Which postcodes?").status_code
        == 302
    )
    db.session.expire_all()
    line = db.session.get(ReturnLine, line.id)
    assert (line.status, line.query_text) == ("queried", "Which postcodes?")

    url = f"/contracts/{s4.contract_id}/returns/{ret.id}"
    answered = supplier.post(
        f"{url}/lines/{line.id}/answer",
        data={
            "csrf_token": token(supplier, url),
            "version": str(line.version_id),
            "answer": "BL1 to BL7, payroll attached.",
        },
    )
    assert answered.status_code == 302
    db.session.expire_all()
    line = db.session.get(ReturnLine, line.id)
    assert line.answer_text == "BL1 to BL7, payroll attached."

    assert _decide(officer, s4, ret, line, decision="verified").status_code == 302
    db.session.expire_all()
    assert db.session.get(ReturnLine, line.id).status == LineStatus.VERIFIED
    actions = contract_actions(s4.contract_id)
    for action in ("return_line.queried", "return_line.answered", "return_line.verified"):
        assert action in actions
    # A decided figure is final.
    again = _decide(
        officer, s4, ret, db.session.get(ReturnLine, line.id), decision="rejected", text="x"
    )
    assert again.status_code == 409
    assert "already verified" in text(again)


def test_rejecting_needs_a_reason_and_a_rejected_figure_does_not_count(app: Any) -> None:
    s4 = build_s4()
    ret = file_s4_return(s4, verify=False, upload_dir=upload_dir(app))
    officer = client_for(app, s4.officer)
    line = next(li for li in ret.lines if li.kpi.criterion_code == "SV2")
    assert _decide(officer, s4, ret, line, decision="rejected", text="").status_code == 422
    assert (
        _decide(officer, s4, ret, line, decision="rejected", text="No agreements").status_code
        == 302
    )
    db.session.expire_all()
    view = contract_service.contract_view(s4.contract, TODAY)
    sv2 = next(v for v in view.kpis if v.kpi.criterion_code == "SV2")
    assert (sv2.status.reported, sv2.status.verified) == (2, 0)
    assert "return_line.rejected" in contract_actions(s4.contract_id)


def test_stale_decision_is_refused(app: Any) -> None:
    s4 = build_s4()
    ret = file_s4_return(s4, verify=False, upload_dir=upload_dir(app))
    line = ret.lines[0]
    officer = client_for(app, s4.officer)
    url = f"/contracts/{s4.contract_id}/returns/{ret.id}"
    response = officer.post(
        f"{url}/lines/{line.id}/decide",
        data={"csrf_token": token(officer, url), "version": "999", "decision": "verified"},
    )
    assert response.status_code == 412
    assert "Someone else changed" in text(response)


# -- evidence downloads ------------------------------------------------------------------------


def test_evidence_is_served_as_an_attachment_never_inline(app: Any) -> None:
    s4 = build_s4()
    client = client_for(app, s4.supplier)
    post_return(app, client, s4, return_form(s4, evidence=[(io.BytesIO(PDF), "a<b>.pdf")]))
    item = db.session.execute(sa.select(EvidenceFile)).scalar_one()
    response = client.get(f"/contracts/{s4.contract_id}/evidence/{item.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"a_b.pdf\"; filename*=UTF-8''a_b.pdf"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; sandbox; frame-ancestors 'none'"
    )
    outsider = make_user(db.session, Role.SUPPLIER, name="Other Supplier")
    db.session.commit()
    assert (
        client_for(app, outsider).get(f"/contracts/{s4.contract_id}/evidence/{item.id}").status_code
        == 403
    )
    assert client.get(f"/contracts/{s4.contract_id}/evidence/999999").status_code == 404
    assert client.get(f"/contracts/{s4.contract_id}/evidence/99999999999").status_code == 404


# -- role checks -------------------------------------------------------------------------------


def test_suppliers_see_only_their_own_contracts(app: Any) -> None:
    mine = build_s4("GM-S4-MINE")
    theirs = build_s4("GM-S4-THEIRS", supplier_name="Pennine Property Care plc")
    client = client_for(app, mine.supplier)
    listing = text(client.get("/contracts/"))
    assert "GM-S4-MINE" in listing
    assert "GM-S4-THEIRS" not in listing
    assert client.get(f"/contracts/{theirs.contract_id}/").status_code == 403
    assert client.get(f"/contracts/{theirs.contract_id}/returns/new").status_code == 403
    assert client.get("/contracts/424242/").status_code == 404


def test_panel_members_see_only_contracts_assigned_to_them(app: Any) -> None:
    mine = build_s4("GM-S4-A")
    other = build_s4("GM-S4-B")
    client = client_for(app, mine.panel)
    listing = text(client.get("/contracts/"))
    assert "GM-S4-A" in listing
    assert "GM-S4-B" not in listing
    assert client.get(f"/contracts/{other.contract_id}/").status_code == 403
    ret = file_s4_return(other, verify=False, upload_dir=upload_dir(app))
    line = ret.lines[0]
    response = client.post(
        f"/contracts/{other.contract_id}/returns/{ret.id}/lines/{line.id}/decide",
        data={"csrf_token": token(client, "/contracts/"), "decision": "verified"},
    )
    assert response.status_code == 403
    assert db.session.get(ReturnLine, line.id).status == LineStatus.PENDING
    # Panel members cannot file returns, and suppliers cannot verify.
    assert client.get(f"/contracts/{mine.contract_id}/returns/new").status_code == 403
    supplier = client_for(app, other.supplier)
    response = supplier.post(
        f"/contracts/{other.contract_id}/returns/{ret.id}/lines/{line.id}/decide",
        data={"csrf_token": token(supplier, "/contracts/"), "decision": "verified"},
    )
    assert response.status_code == 403


def test_auditors_read_everything_and_change_nothing(app: Any) -> None:
    s4 = build_s4()
    auditor = make_user(db.session, Role.AUDITOR, name="Ada Auditor")
    db.session.commit()
    client = client_for(app, auditor)
    for url in (
        "/contracts/",
        f"/contracts/{s4.contract_id}/",
        "/contracts/programme",
        f"/contracts/{s4.contract_id}/history",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/contracts/{s4.contract_id}/returns/new").status_code == 403
    assert client.get(f"/contracts/{s4.contract_id}/settings").status_code == 403


# -- settings, accrual, people, actions --------------------------------------------------------


def test_rag_bands_are_configurable_and_changes_are_audited(app: Any) -> None:
    s4 = build_s4()
    file_s4_return(s4, upload_dir=upload_dir(app))
    client = client_for(app, s4.officer)
    url = f"/contracts/{s4.contract_id}/settings"
    contract = s4.contract
    bad = client.post(
        url,
        data={
            "csrf_token": token(client, url),
            "version": str(contract.version_id),
            "reporting_frequency": "quarterly",
            "green_from": "50",
            "amber_from": "80",
        },
    )
    assert bad.status_code == 422
    assert "Amber must start at or below" in text(bad)
    good = client.post(
        url,
        data={
            "csrf_token": token(client, url),
            "version": str(contract.version_id),
            "reporting_frequency": "quarterly",
            "green_from": "70",
            "amber_from": "40",
        },
    )
    assert good.status_code == 302
    html = text(client.get(f"/contracts/{s4.contract_id}/"))
    assert status_cells(html) == {
        "SV1": "Green: on track",
        "SV2": "Green: on track",
        "SV3": "Amber: behind",
    }
    actions = contract_actions(s4.contract_id)
    assert "contract.settings_changed" in actions
    assert actions.count("contract.status_changed") >= 2
    # Returns exist, so the frequency can no longer change.
    refused = client.post(
        url,
        data={
            "csrf_token": token(client, url),
            "version": str(s4.contract.version_id),
            "reporting_frequency": "monthly",
            "green_from": "90",
            "amber_from": "60",
        },
    )
    assert refused.status_code == 422
    assert "can no longer change" in text(refused)


def test_milestones_change_what_is_expected(app: Any) -> None:
    s4 = build_s4()
    file_s4_return(s4, upload_dir=upload_dir(app))
    kpi = s4.kpis()["GMSVF-P4-VCSE-SPEND"]
    client = client_for(app, s4.officer)
    url = f"/contracts/{s4.contract_id}/kpis/{kpi.id}"
    bad = client.post(
        url,
        data={
            "csrf_token": token(client, url),
            "version": str(kpi.version_id),
            "accrual": "milestones",
            "milestone_1-day": "31",
            "milestone_1-month": "3",
            "milestone_1-year": "2027",
            "milestone_1_quantity": "90000",
        },
    )
    assert bad.status_code == 422
    assert "more than the whole commitment" in text(bad)
    good = client.post(
        url,
        data={
            "csrf_token": token(client, url),
            "version": str(kpi.version_id),
            "accrual": "milestones",
            "milestone_1-day": "30",
            "milestone_1-month": "9",
            "milestone_1-year": "2026",
            "milestone_1_quantity": "5000",
            "milestone_2-day": "31",
            "milestone_2-month": "3",
            "milestone_2-year": "2027",
            "milestone_2_quantity": "20000",
        },
    )
    assert good.status_code == 302, text(good)
    html = text(client.get(f"/contracts/{s4.contract_id}/"))
    assert status_cells(html)["SV3"] == "Green: on track"
    assert "kpi.accrual_changed" in contract_actions(s4.contract_id)


def test_people_and_remedial_actions(app: Any) -> None:
    s4 = build_s4()
    panel2 = make_user(db.session, Role.PANEL, name="Pat Panel")
    db.session.commit()
    client = client_for(app, s4.officer)
    url = f"/contracts/{s4.contract_id}/people"
    wrong = client.post(
        url, data={"csrf_token": token(client, url), "role": "supplier", "user_id": panel2.id}
    )
    assert wrong.status_code == 422
    assert "choose a supplier user" in text(wrong)
    assert (
        client.post(
            url, data={"csrf_token": token(client, url), "role": "panel", "user_id": panel2.id}
        ).status_code
        == 302
    )
    assert client_for(app, panel2).get(f"/contracts/{s4.contract_id}/").status_code == 200
    assert (
        client.post(
            url, data={"csrf_token": token(client, url), "role": "panel", "user_id": "99999999999"}
        ).status_code
        == 422
    )

    actions_url = f"/contracts/{s4.contract_id}/actions"
    missing = client.post(actions_url, data={"csrf_token": token(client, actions_url)})
    assert missing.status_code == 422
    assert "Enter the action to be taken" in text(missing)
    kpi = s4.kpis()["GMSVF-P4-VCSE-SPEND"]
    added = client.post(
        actions_url,
        data={
            "csrf_token": token(client, actions_url),
            "kpi_id": kpi.id,
            "note": "Buy catering from Salford VCSEs",
            "owner": "Sam Supplier",
            "due_on-day": "31",
            "due_on-month": "3",
            "due_on-year": "2027",
        },
    )
    assert added.status_code == 302
    action = db.session.execute(sa.select(RemedialAction)).scalar_one()
    page = text(client.get(f"/contracts/{s4.contract_id}/"))
    assert "Buy catering from Salford VCSEs" in page
    done = client.post(
        f"/contracts/{s4.contract_id}/actions/{action.id}/done",
        data={"csrf_token": token(client, actions_url), "version": str(action.version_id)},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(RemedialAction, action.id).status == "done"
    actions = contract_actions(s4.contract_id)
    assert "contract.member_added" in actions
    assert "remedial_action.added" in actions
    assert "remedial_action.completed" in actions


# -- programme and track record ----------------------------------------------------------------


def test_programme_shows_promised_and_delivered_by_priority(app: Any) -> None:
    s4 = build_s4()
    file_s4_return(s4, upload_dir=upload_dir(app))
    html = text(client_for(app, s4.officer).get("/contracts/programme"))
    assert "GMSVF-P4: Be part of a strong local community" in html
    assert "£45,000.00" in html  # VCSE shortfall
    assert "<svg" in html
    assert client_for(app, s4.supplier).get("/contracts/programme").status_code == 403
    assert client_for(app, s4.panel).get("/contracts/programme").status_code == 403


def test_officers_see_a_suppliers_track_record_next_to_its_new_bid(app: Any) -> None:
    past = build_s4("GM-S4-PAST")
    file_s4_return(past, upload_dir=upload_dir(app))
    from factories import make_s1_tender

    tender = make_s1_tender(db.session, past.officer)
    from socialvalue.models import Bid

    bid = db.session.execute(
        sa.select(Bid).where(Bid.tender_id == tender.id, Bid.label == "A")
    ).scalar_one()
    bid.supplier_name = "northern  facilities LTD"
    db.session.commit()
    record = contract_service.supplier_track_record(db.session, bid.supplier_name, today=TODAY)
    assert record.contracts == 1
    assert record.kpis_measured == 3
    html = text(client_for(app, past.officer).get(f"/tenders/{tender.id}/bids/{bid.id}"))
    assert 'id="track-record"' in html
    # (75% + 100% + 40%) / 3 = 71.67%: the rate is shown rounded for display.
    assert "Delivered <strong>72%</strong>" in html


# -- bulk import -------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode()


def _import(client: FreshClient, content: bytes, name: str) -> Any:
    url = "/contracts/import"
    return client.post(
        url,
        data={"csrf_token": token(client, url), "returns_file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _rows(reference: str, period: str, values: dict[str, str]) -> list[list[str]]:
    return [[reference, period, code, value, "imported"] for code, value in values.items()]


HEADER = ["contract_reference", "period_end", "kpi_code", "quantity", "narrative"]


def test_import_with_one_bad_row_among_many_saves_nothing(app: Any) -> None:
    s4 = build_s4()
    rows = [HEADER]
    rows += _rows("GM-S4-0001", "2026-06-30", {"SV1": "0.5", "SV2": "1", "SV3": "2000"})
    rows += _rows("GM-S4-0001", "30/09/2026", {"SV1": "1", "SV2": "1", "SV3": "-3000"})
    before = counts()
    response = _import(client_for(app, s4.officer), _csv(rows), "returns.csv")
    html = text(response)
    assert response.status_code == 422
    assert "Nothing was imported: 1 problem found" in html
    report = re.search(r'id="import-report">(.*?)</table>', html, re.S)
    assert report
    assert re.search(r">7</th>\s*<td[^>]*>The quantity for SV3 cannot be negative", report.group(1))
    assert counts() == before


def test_import_reports_every_kind_of_bad_row(app: Any) -> None:
    s4 = build_s4()
    file_s4_return(s4, verify=False, upload_dir=upload_dir(app))
    rows = [HEADER]
    rows += _rows("GM-S4-0001", "2026-06-30", {"SV1": "1", "SV2": "1", "SV3": "1"})
    rows += [
        ["GM-S4-0001", "2026-06-30", "SV1", "2", ""],  # row 5: duplicate within the file
        ["GM-NOPE", "2026-06-30", "SV1", "1", ""],  # row 6: unknown contract
        ["GM-S4-0001", "2028-06-30", "SV1", "1", ""],  # row 7: outside the term
        ["GM-S4-0001", "2026-09-30", "SV1", "1", ""],  # row 8: already filed
        ["GM-S4-0001", "2026-06-30", "SV9", "1", ""],  # row 9: unknown KPI
        ["GM-S4-0001", "yesterday", "SV1", "1", ""],  # row 10: not a date
        ["GM-S4-0001", "2026-06-30", "SV2", "lots", ""],  # row 11: not a number
    ]
    before = counts()
    html = text(_import(client_for(app, s4.officer), _csv(rows), "returns.csv"))
    for row, words in (
        (5, "already on row 2"),
        (6, "no contract with the reference GM-NOPE"),
        (7, "not the end of a reporting period"),
        (8, "already been filed"),
        (9, "has no KPI SV9"),
        (10, "not a date"),
        (11, "must be a number"),
    ):
        assert re.search(rf">{row}</th>\s*<td[^>]*>[^<]*{re.escape(words)}", html), (row, words)
    assert counts() == before


def test_import_of_valid_csv_and_xlsx_records_returns_for_the_supplier(app: Any) -> None:
    s4 = build_s4()
    client = client_for(app, s4.officer)
    csv_rows = [
        HEADER,
        *_rows("GM-S4-0001", "2026-06-30", {"SV1": "0.5", "SV2": "1", "SV3": "2000"}),
    ]
    assert _import(client, _csv(csv_rows), "q1.csv").status_code == 302
    xlsx = xlsx_bytes(
        [HEADER, *_rows("GM-S4-0001", "2026-09-30", {"SV1": "1", "SV2": "1", "SV3": "3000"})]
    )
    response = _import(client, xlsx, "q2.xlsx")
    assert response.status_code == 302, text(response)[:2000]
    returns = (
        db.session.execute(sa.select(DeliveryReturn).order_by(DeliveryReturn.period_end))
        .scalars()
        .all()
    )
    assert [(r.period_end, r.on_behalf) for r in returns] == [
        (dt.date(2026, 6, 30), True),
        (dt.date(2026, 9, 30), True),
    ]
    view = contract_service.contract_view(s4.contract, TODAY, count_unverified=True)
    assert [v.status.reported for v in view.kpis] == [Decimal("1.5"), 2, 5000]
    assert "returns.imported" in list(
        db.session.execute(sa.text("select action from audit_events")).scalars()
    )


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (HTML, "returns.csv", "Upload a CSV or Excel"),
        (b"a,b\n1,2\n", "returns.csv", "no column called"),
        (b"", "returns.csv", "The file is empty"),
        (_csv([HEADER]), "returns.csv", "no returns"),
    ],
)
def test_import_refuses_unreadable_files(app: Any, content: bytes, name: str, message: str) -> None:
    s4 = build_s4()
    response = _import(client_for(app, s4.officer), content, name)
    assert response.status_code == 422
    assert message in text(response)


def test_only_officers_import(app: Any) -> None:
    s4 = build_s4()
    assert client_for(app, s4.supplier).get("/contracts/import").status_code == 403
    assert client_for(app, None).get("/contracts/import").status_code == 302


# -- constant queries --------------------------------------------------------------------------


def test_contract_page_runs_a_constant_number_of_queries(app: Any) -> None:
    from factories import count_queries

    s4 = build_s4()
    client = client_for(app, s4.officer)
    url = f"/contracts/{s4.contract_id}/"
    file_s4_return(s4, upload_dir=upload_dir(app))
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    contract = s4.contract
    for period_end in (dt.date(2026, 6, 30), dt.date(2026, 12, 31), dt.date(2027, 3, 31)):
        contract_service.record_return(
            db.session,
            s4.supplier,
            contract,
            period_end=period_end,
            quantities=s4.quantities(),
            upload_dir=upload_dir(app),
            today=dt.date(2027, 5, 1),
        )
    db.session.commit()
    client.get(url)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    with count_queries() as listing:
        client.get("/contracts/")
    file_s4_return(build_s4("GM-S4-0002"), upload_dir=upload_dir(app))
    client.get("/contracts/")
    with count_queries() as longer:
        client.get("/contracts/")
    assert len(longer) == len(listing)


def test_unknown_ids_are_404(app: Any) -> None:
    s4 = build_s4()
    client = client_for(app, s4.officer)
    for url in (
        "/contracts/0/",
        "/contracts/99999999999/",
        f"/contracts/{s4.contract_id}/returns/99999999999",
        f"/contracts/{s4.contract_id}/kpis/424242",
    ):
        assert client.get(url).status_code == 404, url


def test_models_are_registered(app: Any) -> None:
    assert {Contract.__tablename__, Kpi.__tablename__} <= set(db.metadata.tables)


# -- evidence sniffing and the demo ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"\xef\xbb\xbfname,quantity\nBolton,1.5\n", "text/csv"),
        (
            xlsx_bytes([["a", "b"], [1, 2]]),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ),
        (HTML, None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"name\n<script>alert(1)</script>\n", None),
        (plain_zip(), None),
        (b"\x00\x01\x02binary", None),
        (b"   \n", None),
    ],
)
def test_types_are_sniffed_from_content(content: bytes, expected: str | None) -> None:
    from socialvalue.services.evidence import sniff

    assert sniff(content) == expected


def test_demo_seeds_the_s4_contract_once(app: Any, synced_frameworks: Any) -> None:
    from socialvalue.services.demo import S4_REFERENCE, seed_demo

    seed_demo(db.session, synced_frameworks)
    db.session.commit()
    seed_demo(db.session, synced_frameworks)
    db.session.commit()
    contracts = db.session.execute(sa.select(Contract)).scalars().all()
    assert [c.reference for c in contracts] == [S4_REFERENCE]
    view = contract_service.contract_view(
        contract_service.get_contract(db.session, contracts[0].id), TODAY
    )
    assert [v.status.rag.value for v in view.kpis] == ["amber", "green", "red"]
    assert view.rag.value == "red"
