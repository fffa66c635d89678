"""Tender bundle export: what an auditor downloads re-runs with the ``socialvalue`` command and
gives the application's result byte for byte (and, once awarded, the award's result hash)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from exports_support import moderated_s1
from factories import FreshClient, make_user, sign_in

from socialvalue import scoring
from socialvalue.extensions import db
from socialvalue.models import Role
from socialvalue.scoring.bundle import canonical_json
from socialvalue.services import evaluation as evaluation_service

pytestmark = pytest.mark.usefixtures("synced_frameworks")
SCORE_COMMAND = Path(sys.executable).with_name("socialvalue")


def download_bundle(app: Any, tender_id: int) -> bytes:
    auditor = make_user(db.session, Role.AUDITOR, name="Ada Auditor")
    db.session.commit()
    client = sign_in(FreshClient(app, app.response_class, use_cookies=True), auditor)
    response = client.get(f"/tenders/{tender_id}/bundle.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data()


def rerun(bundle: bytes, tmp_path: Path) -> bytes:
    path = tmp_path / "bundle.json"
    path.write_bytes(bundle)
    done = subprocess.run(
        [str(SCORE_COMMAND), "score", str(path), "--json"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def test_awarded_bundle_reruns_to_the_awarded_result_byte_for_byte(
    app: Any, tmp_path: Path
) -> None:
    scenario = moderated_s1(award=True)
    tender = scenario.tender
    bundle = download_bundle(app, tender.id)
    output = rerun(bundle, tmp_path)
    award = evaluation_service.award_decision(db.session, tender)
    assert award is not None
    # The bytes the award was made with: the same canonical JSON and the same hash.
    assert output == canonical_json(award.result["result"]).encode()
    assert "sha256:" + hashlib.sha256(output).hexdigest() == award.result_hash
    # And the same as the application's own result page uses.
    expected = scoring.result_to_json(evaluation_service.evaluate_tender(db.session, tender))
    assert output == expected.encode()
    assert b'"winner_id": "B"' in output


def test_bundle_before_award_reruns_to_the_current_result(app: Any, tmp_path: Path) -> None:
    scenario = moderated_s1()
    tender = scenario.tender
    bundle = download_bundle(app, tender.id)
    # The export is the engine's canonical bundle JSON.
    assert bundle.decode() == scoring.bundle_to_json(scoring.load_bundle(bundle.decode()))
    output = rerun(bundle, tmp_path)
    expected = scoring.result_to_json(evaluation_service.evaluate_tender(db.session, tender))
    assert output == expected.encode()
    assert b'"status": "final"' in output
