"""The framework files shipped in frameworks/ are valid, locked and say what the research says."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from socialvalue.framework_registry import (
    FrameworkLibrary,
    FrameworkVersion,
    content_hash,
    load_framework_file,
    load_library,
    update_lock,
    validate_library,
)

SHIPPED = [
    "gm-social-value-framework/2020.yaml",
    "gm-social-value-policy/2014.yaml",
    "good-employment-charter/2019.yaml",
    "uk-social-value-model/ppn-06-20.yaml",
    "uk-social-value-model/ppn-002.yaml",
]


@pytest.fixture
def library(frameworks_dir: Path) -> FrameworkLibrary:
    return load_library(frameworks_dir)


@pytest.mark.parametrize("relative", SHIPPED)
def test_each_shipped_file_validates_on_its_own(frameworks_dir: Path, relative: str) -> None:
    framework = load_framework_file(frameworks_dir / relative)
    assert f"{framework.id}/{framework.version}.yaml" == relative
    assert framework.source_urls, "every shipped framework cites its sources"


def test_shipped_library_has_no_problems(frameworks_dir: Path) -> None:
    assert validate_library(frameworks_dir) == []


def test_shipped_library_loads(library: FrameworkLibrary) -> None:
    assert library.ids() == [
        "gm-social-value-framework",
        "gm-social-value-policy",
        "good-employment-charter",
        "uk-social-value-model",
    ]
    assert len(library) == len(SHIPPED)


def test_lock_matches_every_published_and_retired_version(
    frameworks_dir: Path, library: FrameworkLibrary
) -> None:
    lock = json.loads((frameworks_dir / "frameworks.lock.json").read_text(encoding="utf-8"))
    assert lock["format"] == 1
    assert list(lock["published"]) == sorted(lock["published"])
    expected = {
        v.key: v.content_hash for v in library.versions if v.status in {"published", "retired"}
    }
    assert lock["published"] == expected


def test_update_lock_on_the_shipped_library_adds_nothing(library_copy: Path) -> None:
    before = (library_copy / "frameworks.lock.json").read_bytes()
    assert update_lock(library_copy) == []
    assert (library_copy / "frameworks.lock.json").read_bytes() == before


def test_hash_is_the_hash_of_the_canonical_document(library: FrameworkLibrary) -> None:
    for framework in library:
        assert framework.content_hash == content_hash(framework.document)
        json.dumps(framework.document)  # JSON-safe, e.g. for a database JSON column


def test_no_proxy_values_are_shipped(library: FrameworkLibrary) -> None:
    # National TOMs proxy values are CC BY-NC-ND 4.0; socialvalue ships none of any kind.
    assert [m.code for v in library for m in v.measures() if m.proxy_value is not None] == []


def test_the_project_never_points_at_the_research_folder(frameworks_dir: Path) -> None:
    for path in frameworks_dir.rglob("*"):
        if path.is_file():
            assert "/work/shared" not in path.read_text(encoding="utf-8"), path


def test_latest_published_versions(library: FrameworkLibrary) -> None:
    assert library.resolve("uk-social-value-model").version == "ppn-002"
    assert library.resolve("gm-social-value-framework").version == "2020"
    assert library.get("gm-social-value-policy") is None  # retired only
    with pytest.raises(KeyError, match="no published version"):
        library.resolve("gm-social-value-policy")
    assert library.resolve("gm-social-value-policy@2014").status == "retired"


def test_supersession_chains(library: FrameworkLibrary) -> None:
    svf = library.resolve("gm-social-value-framework@2020")
    policy = library.resolve("gm-social-value-policy@2014")
    assert svf.supersedes == policy.key
    assert policy.superseded_by == svf.key
    old = library.resolve("uk-social-value-model@ppn-06-20")
    new = library.resolve("uk-social-value-model@ppn-002")
    assert (old.status, old.superseded_by) == ("retired", new.key)
    assert new.supersedes == old.key


class TestGmSocialValueFramework:
    @pytest.fixture
    def svf(self, library: FrameworkLibrary) -> FrameworkVersion:
        return library.resolve("gm-social-value-framework@2020")

    def test_metadata(self, svf: FrameworkVersion) -> None:
        assert svf.status == "published"
        assert svf.issuer.startswith("Greater Manchester Combined Authority")
        assert svf.approved_on is not None
        assert svf.approved_on.isoformat() == "2020-09-02"
        assert svf.approved_on_verification == "unverified"
        assert "unverified" in svf.licence

    def test_six_priorities_with_official_titles(self, svf: FrameworkVersion) -> None:
        official = {
            "GMSVF-P1": "Provide the best employment that you can",
            "GMSVF-P2": "Keep the clean air in Greater Manchester",
            "GMSVF-P3": (
                "Create the employment and skills opportunities that we need to Build Back Better"
            ),
            "GMSVF-P4": "Be part of a strong local community",
            "GMSVF-P5": "Make your organisation greener",
            "GMSVF-P6": "Develop a local, GM-based and resilient supply chain",
        }
        assert {t.code: t.title for t in svf.themes if t.code in official} == official
        for code in official:
            assert svf.theme(code).verification == "verified"

    def test_every_measure_is_labelled_local(self, svf: FrameworkVersion) -> None:
        assert {m.verification for m in svf.measures()} == {"local"}
        assert {o.verification for o in svf.outcomes()} == {"local"}
        assert svf.theme("GMSVF-X").verification == "local"
        assert any("not by GMCA" in n.text and n.verification == "local" for n in svf.notes)

    @pytest.mark.parametrize(
        ("code", "unit"),
        [
            ("GMSVF-P3-LOCAL-EMPLOYMENT", "FTE-years"),
            ("GMSVF-P3-APPRENTICESHIPS", "starts"),
            ("GMSVF-P4-VCSE-SPEND", "GBP"),
            ("GMSVF-P5-CARBON-REDUCTION", "tCO2e"),
            ("GMSVF-P6-GM-SUPPLIER-SPEND", "GBP"),
        ],
    )
    def test_delivery_tracking_measures(self, svf: FrameworkVersion, code: str, unit: str) -> None:
        measure = svf.measure(code)
        assert measure.kind == "quantitative"
        assert measure.unit == unit
        assert measure.counting_rule

    def test_qualitative_scale_is_the_common_0_to_5_scale(self, svf: FrameworkVersion) -> None:
        scale = svf.measure("GMSVF-X-DELIVERY-PLAN").scale
        assert scale is not None
        assert (scale.minimum, scale.maximum, scale.verification) == (0, 5, "secondary")
        assert [d.label for d in scale.descriptors] == [
            "Unacceptable",
            "Poor",
            "Acceptable",
            "Good",
            "Excellent",
            "Exceptional",
        ]

    def test_gec_status_is_pass_fail(self, svf: FrameworkVersion) -> None:
        assert svf.measure("GMSVF-P1-GEC-STATUS").kind == "pass_fail"


def test_2014_objectives_are_flagged_as_an_inference(library: FrameworkLibrary) -> None:
    policy = library.resolve("gm-social-value-policy@2014")
    assert [t.code for t in policy.themes] == [f"GMSVP-O{n}" for n in range(1, 7)]
    assert policy.theme("GMSVP-O4").title == (
        "Building the capacity and sustainability of the voluntary and community sector"
    )
    for theme in policy.themes:
        assert theme.verification == "unverified"
        assert theme.verification_note is not None
        assert "Inference" in theme.verification_note
    assert policy.approved_on is not None
    assert policy.approved_on.isoformat() == "2014-11-28"


def test_good_employment_charter(library: FrameworkLibrary) -> None:
    gec = library.resolve("good-employment-charter")
    characteristics = [t for t in gec.themes if t.code.startswith("GEC") and t.code[3:].isdigit()]
    assert [(t.title, t.alternative_titles[0].title) for t in characteristics] == [
        ("Secure Work", "Secure work"),
        ("Flexible Work", "Flexible work"),
        ("Pay", "Real living wage"),
        ("Engagement and Voice", "Workplace engagement and voice"),
        ("Recruitment", "Excellent recruitment and progression"),
        ("People Management", "Excellent people management"),
        ("Health and Wellbeing", "A productive and healthy workplace"),
    ]
    for code in ("GEC-SUPPORTER-OR-MEMBER", "GEC-MEMBER", "GEC-REAL-LIVING-WAGE"):
        assert gec.measure(code).kind == "pass_fail"
    assert gec.recommended_gates == ("GEC-SUPPORTER-OR-MEMBER", "GEC-REAL-LIVING-WAGE")
    supporters_rlw = [n for n in gec.notes if "Whether Supporters must" in n.text]
    assert [n.verification for n in supporters_rlw] == ["unverified"]


def test_ppn_06_20(library: FrameworkLibrary) -> None:
    model = library.resolve("uk-social-value-model@ppn-06-20")
    assert [t.title for t in model.themes] == [
        "COVID-19 recovery",
        "Tackling economic inequality",
        "Fighting climate change",
        "Equal opportunity",
        "Wellbeing",
    ]
    assert [o.title for o in model.outcomes()] == [
        "Help local communities to manage and recover from the impact of COVID-19",
        "Create new businesses, new jobs and new skills",
        "Increase supply chain resilience and capacity",
        "Effective stewardship of the environment",
        "Reduce the disability employment gap",
        "Tackle workforce inequality",
        "Improve health and wellbeing",
        "Improve community integration",
    ]
    assert (str(model.effective_from), str(model.approved_on)) == ("2021-01-01", "2020-09-24")
    assert str(model.effective_to) == "2025-02-23"
    for measure in model.measures():
        assert measure.kind == "qualitative"
        assert measure.scale is not None
        assert (measure.scale.minimum, measure.scale.maximum) == (0, 100)
        assert measure.scale.descriptors == ()  # descriptor wording is unverified: none encoded
        assert "MAC" not in measure.code
    weighting = [n for n in model.notes if "10% of the total score" in n.text]
    assert [n.verification for n in weighting] == ["verified"]


def test_ppn_002_encodes_only_what_is_supported(library: FrameworkLibrary) -> None:
    model = library.resolve("uk-social-value-model@ppn-002")
    assert model.status == "published"
    assert model.effective_from is not None
    assert model.effective_from.isoformat() == "2025-02-24"
    missions = [t for t in model.themes if t.code.startswith("PPN002-MISSION-")]
    assert len(missions) == 5
    assert {t.verification for t in missions} == {"secondary"}
    assert all(t.outcomes == () for t in missions)
    macs = [m.code for m in model.measures() if "-MAC-" in m.code]
    assert macs == [f"PPN002-MAC-1{letter}" for letter in "ABCDE"]
    assert any(n.verification == "unverified" and "NOT ENCODED" in n.text for n in model.notes)
    mandatory = [n for n in model.notes if "1 October 2025" in n.text]
    assert [n.verification for n in mandatory] == ["secondary"]


def test_the_documented_buyer_example_is_valid(frameworks_dir: Path, tmp_path: Path) -> None:
    doc = (frameworks_dir.parent / "docs" / "frameworks.md").read_text(encoding="utf-8")
    [example] = re.findall(r"```yaml\n(.*?)```", doc, flags=re.DOTALL)
    path = tmp_path / "example-council-measures" / "2025.yaml"
    path.parent.mkdir()
    path.write_text(example, encoding="utf-8")
    measure = load_framework_file(path).measure("EC-LOCAL-EMPLOYMENT")
    assert measure.proxy_value is not None
    assert measure.proxy_value.amount_gbp == Decimal("12000.00")
