"""OSCAL exports of an assessment: assessment results and a plan of action and milestones that load
in compliance-trestle and validate against NIST's OSCAL 1.1.3 JSON schemas, with stable uuids, the
right states, hashes, risks and milestones, a fixed number of queries, and nothing of another
organisation."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import re
import sqlite3
import unicodedata
import uuid
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft7Validator, validators
from jsonschema.exceptions import ValidationError
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.poam import PlanOfActionAndMilestones

from secassure.assessments import actions as assessments
from secassure.assessments.models import EvidenceLink, QuestionAnswer, ValidationRow
from secassure.catalogue.models import Obligation, Question
from secassure.catalogue.oscal_export import build_catalog
from secassure.errors import ActionError
from secassure.evidence import actions as evidence
from secassure.evidence.models import DocumentVersion
from secassure.exchange import oscal
from secassure.review import remediation_actions as remediation
from secassure.review.models import Comment, Finding
from tests.assessments import helpers
from tests.evidence import files
from tests.exchange.conftest import document

# --- NIST's schemas, offline -----------------------------------------------------------------------

# NIST's OSCAL 1.1.3 release files, by name and SHA-256. The PyPI package oscal 2.0.0 carries them
# byte for byte in the support database inside oscal/data/oscal_support.zip; the test reads them from
# there, so it never touches the network and the project keeps no copy of NIST's files.
SCHEMA_PACKAGE, SCHEMA_PACKAGE_VERSION = "oscal", "2.0.0"
NIST_SCHEMAS = {
    "assessment-results": ("oscal_assessment-results_schema.json",
                           "d9e34757f0c12aff61f52b821f0b8f83ba0ba75b3a149a202b08ba82f82bc4c3"),
    "poam": ("oscal_poam_schema.json", "e404043fef9cc6108c0e895932f513043d54f28457b4eb02e74dc0cff1215e16"),
    "catalog": ("oscal_catalog_schema.json", "5e120afbd14c480a9498ab6388857ef32b3b880e458525e966ff7c7f59333d90"),
}


@pytest.fixture(scope="session")
def nist_schemas(tmp_path_factory) -> dict[str, dict]:
    """NIST's OSCAL 1.1.3 JSON schemas by model, read from the installed ``oscal`` package."""
    try:
        dist = importlib.metadata.distribution(SCHEMA_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"NIST's OSCAL 1.1.3 JSON schemas come from the PyPI package "
                    f"{SCHEMA_PACKAGE}=={SCHEMA_PACKAGE_VERSION}, which `make test` installs; it is missing "
                    f"(pip install --no-deps {SCHEMA_PACKAGE}=={SCHEMA_PACKAGE_VERSION})")
    bundle = Path(str(dist.locate_file("oscal/data/oscal_support.zip")))
    if not bundle.is_file():
        pytest.fail(f"{SCHEMA_PACKAGE} {dist.version} has no oscal/data/oscal_support.zip; "
                    f"install {SCHEMA_PACKAGE}=={SCHEMA_PACKAGE_VERSION}")
    folder = tmp_path_factory.mktemp("nist-schemas")
    with zipfile.ZipFile(bundle) as archive:
        archive.extract("oscal_support.db", folder)
    db = sqlite3.connect(folder / "oscal_support.db")
    schemas = {}
    try:
        for model, (name, sha256) in NIST_SCHEMAS.items():
            row = db.execute("SELECT f.content FROM oscal_support s JOIN filecache f ON f.uuid = s.filecache_uuid "
                             "WHERE s.version = 'v1.1.3' AND s.type = 'json-schema' AND f.filename = ?",
                             (name,)).fetchone()
            if row is None:
                pytest.fail(f"{SCHEMA_PACKAGE} {dist.version} does not carry {name} of OSCAL 1.1.3; "
                            f"install {SCHEMA_PACKAGE}=={SCHEMA_PACKAGE_VERSION}")
            content = row[0] if isinstance(row[0], bytes) else row[0].encode("utf-8")
            assert hashlib.sha256(content).hexdigest() == sha256, f"{name} is not NIST's OSCAL 1.1.3 release file"
            schemas[model] = json.loads(content)
    finally:
        db.close()
    return schemas


def _unicode_class(major: str) -> str:
    """A regex character class body for every code point whose Unicode category starts with ``major``."""
    ranges: list[list[int]] = []
    for cp in range(0x110000):
        if unicodedata.category(chr(cp)).startswith(major):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


_CLASSES: dict[str, str] = {}
_COMPILED: dict[str, re.Pattern] = {}


def _compile(pattern: str) -> re.Pattern:
    """NIST's patterns use ``\\p{L}`` and ``\\p{N}``, which Python's ``re`` rejects: spell them out as
    the exact classes of letters and numbers from ``unicodedata``, then compile once."""
    if pattern not in _COMPILED:
        def spell(match: re.Match) -> str:
            major = match.group(1)
            if major not in _CLASSES:
                _CLASSES[major] = _unicode_class(major)
            return f"[{_CLASSES[major]}]"

        _COMPILED[pattern] = re.compile(re.sub(r"\\p\{([LN])\}", spell, pattern))
    return _COMPILED[pattern]


def _pattern(validator, pattern: str, instance, schema):
    if validator.is_type(instance, "string") and not _compile(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


OscalValidator = validators.extend(Draft7Validator, {"pattern": _pattern})


def schema_errors(schema: dict, document: dict) -> list[str]:
    found = OscalValidator(schema, format_checker=Draft7Validator.FORMAT_CHECKER).iter_errors(document)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in found]


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def drafting(drafting, org_a, alice, bob, dave):
    """The exchange suite's assessment in preparation, with what the OSCAL exports must carry: T2
    partially compliant, Q2 marked as a material increase, a material decision, and besides the
    open risk at the threshold (residual 12) a low one and a closed high one."""
    t2 = helpers.row(drafting, "T2")
    assessments.save_row(t2, by=bob, revision=t2.revision, status="partial", narrative="Logs are kept 9 months")
    q2 = helpers.answer(drafting, "Q2")
    assessments.save_answer(q2, by=bob, revision=q2.revision, answer="yes", material=True,
                            material_rationale="A new hosting provider now holds the audit logs")
    assessments.add_risk(org_a, by=alice, title="Lost laptop", inherent_likelihood=2, inherent_impact=2,
                         residual_likelihood=2, residual_impact=2)
    retired = assessments.add_risk(org_a, by=alice, title="Retired VPN concentrator", inherent_likelihood=5,
                                   inherent_impact=5, residual_likelihood=5, residual_impact=5)
    assessments.update_risk(retired, by=alice, revision=retired.revision, reason="decommissioned", status="closed")
    assessments.decide_materiality(drafting, by=dave, decision="material", reason="The hosting provider changed")
    drafting.refresh_from_db()
    return drafting


def _export(tmp_path: Path, assessment, model: str, name: str | None = None) -> tuple[Path, dict]:
    path = tmp_path / (name or f"{model}.json")
    oscal.write(assessment, model, path)
    return path, json.loads(path.read_text(encoding="utf-8"))


def _walk(node, key: str):
    """Every value of ``key`` anywhere in the document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _walk(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, key)


def _props(node: dict) -> dict[str, str]:
    return {p["name"]: p["value"] for p in node.get("props", [])}


def _result(doc: dict) -> dict:
    return doc["assessment-results"]["results"][0]


# --- 1 and 2: valid OSCAL -------------------------------------------------------------------------


def test_both_documents_load_in_trestle(reviewed, tmp_path):
    ar_path, ar = _export(tmp_path, reviewed, "assessment-results")
    poam_path, poam = _export(tmp_path, reviewed, "poam")
    results = AssessmentResults.oscal_read(ar_path)
    plan = PlanOfActionAndMilestones.oscal_read(poam_path)
    assert results.metadata.oscal_version.root.root == "1.1.3"
    assert plan.metadata.oscal_version.root.root == "1.1.3"
    assert len(results.results[0].findings) == reviewed.rows.count() == 2
    assert {o.uuid for o in results.results[0].observations} >= {
        ref["observation-uuid"] for f in _result(ar)["findings"] for ref in f.get("related-observations", [])}
    assert len(plan.poam_items) == 1
    # import-ap points at a back-matter resource of the same document
    href = ar["assessment-results"]["import-ap"]["href"]
    assert href.startswith("#")
    assert href[1:] in {r["uuid"] for r in ar["assessment-results"]["back-matter"]["resources"]}


@pytest.mark.parametrize("model", ["assessment-results", "poam", "catalog"])
def test_documents_validate_against_nists_schemas(nist_schemas, reviewed, model):
    document = oscal.build(reviewed, model)
    assert schema_errors(nist_schemas[model], document) == []


def test_the_schema_check_does_reject_broken_documents(nist_schemas, reviewed):
    """The validator with its \\p{...} workaround is not a rubber stamp."""
    schema = nist_schemas["assessment-results"]
    good = oscal.build(reviewed, "assessment-results")
    broken = json.loads(json.dumps(good))
    _result(broken)["findings"][0]["target"]["status"]["state"] = "MET"
    assert any("MET" in e for e in schema_errors(schema, broken))
    broken = json.loads(json.dumps(good))
    _result(broken)["findings"][0]["target"]["target-id"] = "1 not a token"
    assert any("not a token" in e for e in schema_errors(schema, broken))
    broken = json.loads(json.dumps(good))
    del broken["assessment-results"]["import-ap"]
    assert any("import-ap" in e for e in schema_errors(schema, broken))
    broken = json.loads(json.dumps(good))
    broken["assessment-results"]["metadata"]["last-modified"] = "2026-05-01T10:00:00"  # no time zone
    assert schema_errors(schema, broken)
    # tokens of any script's letters and numbers pass, as NIST means them to
    _result(good)["findings"][0]["target"]["target-id"] = "Ärende_٣.ü-2"
    assert schema_errors(schema, good) == []
    poam = oscal.build(reviewed, "poam")
    poam["plan-of-action-and-milestones"]["poam-items"] = []
    assert schema_errors(nist_schemas["poam"], poam)


# --- 3: stable uuids and byte-identical exports ------------------------------------------------------


def test_two_exports_are_byte_identical(reviewed, tmp_path):
    for model in ("assessment-results", "poam"):
        first, _ = _export(tmp_path, reviewed, model, "first.json")
        second, _ = _export(tmp_path, reviewed, model, "second.json")
        assert first.read_bytes() == second.read_bytes()


def test_last_modified_is_the_latest_change_recorded_not_the_export_time(reviewed):
    later = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    Finding.objects.filter(assessment=reviewed).update(created_at=later)
    for model, root in (("assessment-results", "assessment-results"), ("poam", "plan-of-action-and-milestones")):
        assert oscal.build(reviewed, model)[root]["metadata"]["last-modified"] == "2030-01-02T03:04:05+00:00"


def test_uuids_are_uuid5_unique_and_follow_the_content(reviewed, org_a, alice, tmp_path):
    _, doc = _export(tmp_path, reviewed, "assessment-results")
    defined = list(_walk(doc, "uuid"))
    assert len(defined) == len(set(defined))
    assert all(uuid.UUID(u).version == 5 for u in defined)
    before = doc["assessment-results"]["uuid"]
    remediation.add_finding(org_a, by=alice, kind="observation", description="Asset register is a spreadsheet",
                            assessment=reviewed)
    _, after = _export(tmp_path, reviewed, "assessment-results")
    assert after["assessment-results"]["uuid"] != before  # a revised document is a new instance
    assert _result(after)["uuid"] == _result(doc)["uuid"]  # its parts keep theirs
    assert {f["uuid"] for f in _result(after)["findings"]} == {f["uuid"] for f in _result(doc)["findings"]}


def test_another_assessment_gets_other_uuids(reviewed, org_a, alice, tmp_path):
    follow = assessments.create_assessment(org_a, kind="vusa", by=alice, baseline=reviewed,
                                           period_start=dt.date(2026, 6, 1),
                                           period_end=dt.date(2026, 11, 30)).assessment
    _, first = _export(tmp_path, reviewed, "assessment-results", "first.json")
    _, second = _export(tmp_path, follow, "assessment-results", "second.json")
    parties = set(_walk(first["assessment-results"]["metadata"]["parties"], "uuid"))
    parties |= set(_walk(second["assessment-results"]["metadata"]["parties"], "uuid"))
    # people and the organisation keep one uuid across documents; everything else is the assessment's own
    assert (set(_walk(first, "uuid")) - parties).isdisjoint(set(_walk(second, "uuid")) - parties)
    assert _result(second)["start"] == "2026-06-01T00:00:00+00:00"
    assert _result(second)["end"] == "2026-11-30T23:59:59+00:00"


# --- 4: what the documents say ------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "fields", "state", "implementation"), [
    ("compliant", {"narrative": "Done"}, "satisfied", "implemented"),
    ("partial", {"narrative": "Half done"}, "not-satisfied", "partial"),
    ("non-compliant", {"narrative": "Not done"}, "not-satisfied", None),
    ("not-applicable", {"na_reason": "We hold no import supplier role here"}, "satisfied", "not-applicable"),
    ("not-assessed", {}, "not-satisfied", None),
])
def test_each_row_is_a_finding_with_its_state(drafting, bob, status, fields, state, implementation):
    t2 = helpers.row(drafting, "T2")
    assessments.save_row(t2, by=bob, revision=t2.revision, status=status, **fields)
    findings = {f["target"]["target-id"]: f for f in _result(oscal.build(drafting, "assessment-results"))["findings"]}
    assert set(findings) == {"T1", "T2"}
    assert findings["T1"]["target"]["status"]["state"] == "satisfied"
    target = findings["T2"]["target"]
    assert target["type"] == "objective-id"
    assert target["status"]["state"] == state
    assert _props(findings["T2"])["compliance"] == status
    assert target.get("implementation-status", {}).get("state") == implementation
    if status == "not-applicable":
        assert target["implementation-status"]["remarks"] == fields["na_reason"]
    if status == "not-assessed":
        assert "Not assessed" in target["status"]["remarks"]


def test_evidence_resources_carry_the_versions_sha256(reviewed, tmp_path):
    _, doc = _export(tmp_path, reviewed, "assessment-results")
    resources = {r["uuid"]: r for r in doc["assessment-results"]["back-matter"]["resources"]}
    links = list(EvidenceLink.objects.filter(assessment=reviewed).select_related("version"))
    assert links and all(link.version_id for link in links)  # submission pinned them
    evidence = [o for o in _result(doc)["observations"] if o["methods"] == ["EXAMINE"]]
    assert len(evidence) == len(links)
    for observation, link in zip(evidence, links, strict=True):
        (ref,) = observation["relevant-evidence"]
        resource = resources[ref["href"].removeprefix("#")]
        (rlink,) = resource["rlinks"]
        assert rlink["hashes"] == [{"algorithm": "SHA-256", "value": link.version.sha256}]
        assert link.version.sha256 == DocumentVersion.objects.get(pk=link.version_id).sha256
    t1 = next(f for f in _result(doc)["findings"] if f["target"]["target-id"] == "T1")
    assert evidence[0]["uuid"] in {r["observation-uuid"] for r in t1["related-observations"]}


def test_before_submission_evidence_follows_the_latest_version(drafting, org_a):
    policy = EvidenceLink.objects.get(assessment=drafting).document
    evidence.add_version(policy, chunks=[files.PDF.replace(b"1.4", b"1.7")], name="policy-v2.pdf", by=None)
    latest = policy.versions.order_by("-number").first()
    assert latest.number == 2
    doc = oscal.build(drafting, "assessment-results")
    hashes = [h["value"] for r in doc["assessment-results"]["back-matter"]["resources"]
              for link in r.get("rlinks", []) for h in link.get("hashes", [])]
    assert hashes == [latest.sha256]


def test_risks_hold_the_material_ones_and_the_review_finding(reviewed):
    risks = _result(oscal.build(reviewed, "assessment-results"))["risks"]
    by_source: dict[str, list[dict]] = {}
    for risk in risks:
        by_source.setdefault(_props(risk)["source"], []).append(risk)
    (answer,) = by_source["material-answer"]
    assert _props(answer)["question"] == "Q2"
    assert answer["statement"] == "A new hosting provider now holds the audit logs"
    (decision,) = by_source["materiality-decision"]
    assert decision["statement"] == "The hosting provider changed"
    # only the open risk at the organisation's threshold (12), not the low one nor the closed one
    assert [r["title"] for r in by_source["risk-register"]] == ["R-001 Phishing of DCC User staff"]
    (finding,) = by_source["review-finding"]
    assert _props(finding)["finding-ref"] == "F-001" and _props(finding)["severity"] == "high"
    assert finding["status"] == "open"
    assert finding["remediations"][0]["tasks"][0]["timing"]["on-date"]["date"] == "2026-09-30T23:59:59+00:00"
    result = _result(oscal.build(reviewed, "assessment-results"))
    assert _props(result)["ssc-decision"] == "actions" and _props(result)["ssc-reference"] == "SSC/2026/17"
    assert "Generally well evidenced." in result["remarks"]
    t2 = next(f for f in result["findings"] if f["target"]["target-id"] == "T2")
    assert "Log retention should be shown for a full year." in t2["remarks"]
    assert answer["uuid"] in {r["risk-uuid"] for r in t2["related-risks"]}  # Q2 bears on T2


def test_poam_items_carry_the_finding_and_the_actions_target_date(reviewed, alice):
    plan = reviewed.remediation_plans.get()
    remediation.add_action(plan, by=alice, description="Review firewall rules quarterly",
                           target_date=dt.date(2026, 12, 15))
    poam = oscal.build(reviewed, "poam")["plan-of-action-and-milestones"]
    risks = {r["uuid"]: r for r in poam["risks"]}
    findings = {f["uuid"]: f for f in poam["findings"]}
    parties = {p["uuid"]: p for p in poam["metadata"]["parties"]}
    first, loose = poam["poam-items"]
    (related,) = first["related-findings"]
    assert _props(findings[related["finding-uuid"]])["finding-ref"] == "F-001"
    assert findings[related["finding-uuid"]]["target"]["target-id"] == "G5.14"
    (risk_ref,) = first["related-risks"]
    (response,) = risks[risk_ref["risk-uuid"]]["remediations"]
    assert response["lifecycle"] == "planned" and _props(response)["action-status"] == "planned"
    (task,) = response["tasks"]
    assert task["type"] == "milestone" and task["timing"]["on-date"]["date"] == "2026-09-30T23:59:59+00:00"
    (owner,) = task["responsible-roles"][0]["party-uuids"]
    assert parties[owner]["name"] == "bob@a.test"
    assert owner in next(r["party-uuids"] for r in poam["metadata"]["responsible-parties"]
                         if r["role-id"] == "action-owner")
    # an action that addresses no finding is an item of its own, with its milestone
    assert loose["title"] == "Review firewall rules quarterly"
    (loose_risk,) = loose["related-risks"]
    assert risks[loose_risk["risk-uuid"]]["deadline"] == "2026-12-15T23:59:59+00:00"
    assert _props(poam["metadata"])["plan-status"] == "draft"


def test_findings_without_a_plan_make_a_poam_without_milestones(drafting, org_a, alice, tmp_path):
    remediation.add_finding(org_a, by=alice, kind="observation", source="self", assessment=drafting,
                            description="Supplier reviews are not minuted")
    path, doc = _export(tmp_path, drafting, "poam")
    PlanOfActionAndMilestones.oscal_read(path)
    poam = doc["plan-of-action-and-milestones"]
    assert poam["metadata"]["version"] == "0" and _props(poam["metadata"])["remediation-plan"] == "none"
    (item,) = poam["poam-items"]
    assert item["title"].endswith("Supplier reviews are not minuted")
    (risk,) = poam["risks"]
    assert "remediations" not in risk and risk["status"] == "open"


def test_no_findings_and_no_plan_is_refused_clearly(drafting):
    with pytest.raises(ActionError, match="no findings and no remediation actions"):
        oscal.build(drafting, "poam")


def test_unknown_model_is_refused(reviewed, tmp_path):
    with pytest.raises(ActionError, match="unknown OSCAL model 'ssp'"):
        oscal.write(reviewed, "ssp", tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def test_catalog_is_the_assessments_catalogue_version(reviewed, tmp_path):
    summary = oscal.write(reviewed, "catalog", tmp_path / "catalog.json")
    written = json.loads((tmp_path / "catalog.json").read_text(encoding="utf-8"))
    assert written == build_catalog(reviewed.catalogue)
    assert summary["uuid"] == written["catalog"]["uuid"] and summary["counts"]["controls"] == 5


def test_write_returns_a_summary(reviewed, tmp_path):
    path = tmp_path / "ar.json"
    summary = oscal.write(reviewed, "assessment-results", path)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n") and text.startswith('{\n  "assessment-results": {')
    assert summary == {"model": "assessment-results", "path": str(path),
                       "uuid": json.loads(text)["assessment-results"]["uuid"],
                       "counts": {"controls": 2, "findings": 2, "observations": 3, "risks": 4, "resources": 2}}


def test_titles_are_one_line_and_props_in_our_namespace(reviewed, org_a, alice):
    remediation.add_finding(org_a, by=alice, kind="actual", assessment=reviewed,
                            description="Line one of a long finding\nline two, which goes on " + "and on " * 30)
    for model in ("assessment-results", "poam"):
        document = oscal.build(reviewed, model)
        titles = list(_walk(document, "title"))
        assert titles and all("\n" not in t and t == t.strip() for t in titles)
        props = [p for node in _walk(document, "props") for p in node]
        assert props and all(p["ns"] == "urn:secassure:oscal" for p in props)


# --- 5: a fixed number of queries -------------------------------------------------------------------

AR_QUERIES = 12
POAM_QUERIES = 4


def _grow(assessment, org, alice, carol) -> None:
    """More of everything the exports read: rows, answers, pinned evidence, comments, findings, actions."""
    catalogue = assessment.catalogue
    rows = [ValidationRow.objects.create(assessment=assessment, obligation=Obligation.objects.get(
        version=catalogue, ref=ref), status="non-compliant", narrative=f"{ref} is not met", order=10 + i)
        for i, ref in enumerate(("T3", "T4"))]
    answer = QuestionAnswer.objects.create(assessment=assessment, question=Question.objects.get(
        version=catalogue, ref="Q3"), answer="yes", material=True, material_rationale="More change", order=10)
    for i, item in enumerate([*rows, answer]):
        found = document(org, f"Extra record {i}", "record")
        target = {"answer": item} if isinstance(item, QuestionAnswer) else {"row": item}
        EvidenceLink.objects.create(assessment=assessment, document=found, version=found.versions.get(), **target)
        Comment.objects.create(assessment=assessment, author=carol, text=f"Comment {i}", **target)
    plan = assessment.remediation_plans.get()
    for i in range(3):
        finding = remediation.add_finding(org, by=alice, kind="actual", clause="T3", assessment=assessment,
                                          description=f"Extra finding {i}")
        remediation.add_action(plan, by=alice, description=f"Extra action {i}", owner=alice, finding=finding,
                               target_date=dt.date(2026, 10, 1 + i))


def test_query_count_is_pinned_and_does_not_grow(reviewed, org_a, alice, carol, django_assert_max_num_queries):
    with django_assert_max_num_queries(AR_QUERIES):
        small = oscal.build(reviewed, "assessment-results")
    with django_assert_max_num_queries(POAM_QUERIES):
        oscal.build(reviewed, "poam")
    with CaptureQueriesContext(connection) as ar_before:
        oscal.build(reviewed, "assessment-results")
    with CaptureQueriesContext(connection) as poam_before:
        oscal.build(reviewed, "poam")
    _grow(reviewed, org_a, alice, carol)
    with CaptureQueriesContext(connection) as ar_after:
        large = oscal.build(reviewed, "assessment-results")
    with CaptureQueriesContext(connection) as poam_after:
        oscal.build(reviewed, "poam")
    assert len(_result(large)["findings"]) == len(_result(small)["findings"]) + 2
    assert len(_result(large)["observations"]) == len(_result(small)["observations"]) + 4
    assert len(ar_after) == len(ar_before)
    assert len(poam_after) == len(poam_before)


# --- 6: nothing of another organisation -----------------------------------------------------------


def test_nothing_of_another_organisation_appears(reviewed, org_b, mallory):
    secret = document(org_b, "Bravo Secret Policy")
    secret_version = secret.versions.get()
    risk = assessments.add_risk(org_b, by=mallory, title="Bravo secret risk", inherent_likelihood=5,
                                inherent_impact=5, residual_likelihood=5, residual_impact=5)
    finding = remediation.add_finding(org_b, by=mallory, kind="actual", clause="T1",
                                      description="Bravo secret finding")
    # even a link that should never exist, from org A's row to org B's document, leaks nothing
    EvidenceLink.objects.create(assessment=reviewed, row=helpers.row(reviewed, "T1"), document=secret,
                                version=secret_version)
    for model in ("assessment-results", "poam"):
        text = json.dumps(oscal.build(reviewed, model), ensure_ascii=False)
        assert "Bravo" not in text and "mallory" not in text and "org-b" not in text
        ctx = oscal._Context(reviewed)
        for leaked in (ctx.uuid("document-version", secret_version.pk), ctx.uuid("register-risk", risk.pk),
                       ctx.uuid("finding-risk", finding.pk), ctx.uuid("review-finding", finding.pk)):
            assert leaked not in text
