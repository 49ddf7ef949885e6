"""Privacy assessments under SEC Section I, for Other Users: the privacy catalogue loads and passes
the lint, the privacy types are refused to any other Party, a privacy self-assessment goes from
creation to the outcome and out through every export, a Full Privacy Assessment ends with one of the
Panel's privacy assurance statuses, and the plan shows the privacy cycle to an Other User alone."""

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from secassure.assessments import actions as assessment_actions
from secassure.catalogue.lint import lint_file
from secassure.catalogue.models import FrameworkVersion
from secassure.cli import shipped_files
from secassure.errors import ActionError
from secassure.exchange import oscal, pack, workbook
from secassure.review import actions as review
from secassure.review.models import AssuranceRecord
from tests.assessments import helpers
from tests.personas import make_org, persona
from tests.shipped import load_shipped_rules

SEC_I = next(p for p in shipped_files() if p.name == "sec-i.yaml")


@pytest.fixture
def privacy(shipped_catalogue):
    load_shipped_rules()


@pytest.fixture
def other_user(privacy):
    org = make_org("Orbit Insights Ltd", "orbit", category="other-user", cycle_start=dt.date(2025, 6, 30))
    helpers.hold(org, "other-user")
    return org


@pytest.fixture
def cast(other_user):
    return {name: persona(name, other_user) for name in ("alice", "bob", "carol", "dave")}


# --- the catalogue ----------------------------------------------------------------------------------


def test_the_privacy_catalogue_loads_and_passes_the_lint(privacy):
    assert lint_file(SEC_I, 10_000_000) == []
    version = FrameworkVersion.objects.in_force("sec-i")
    assert version is not None and version.is_published
    refs = list(version.obligations.filter(assessable=True).values_list("ref", flat=True))
    assert refs == ["I1.2", "I1.3", "I1.4", "I1.5"]
    # only a public page's theme is sourced: the split into clauses is tagged I or R, never S
    assert set(version.obligations.values_list("confidence", flat=True)) <= {"I", "R"}
    assert version.questions.count() >= 6


def test_the_lint_knows_how_section_i_writes_its_ids(tmp_path):
    text = SEC_I.read_text().replace("ref: PSA-01", "ref: SSA-01")
    bad = tmp_path / "sec-i.yaml"
    bad.write_text(text)
    assert [(p.rule, p.ref) for p in lint_file(bad, 10_000_000)] == [("ref-form", "SSA-01")]


# --- who may have one -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fpa", "rspa", "psa"])
def test_privacy_types_are_refused_to_a_party_that_is_not_an_other_user(privacy, org_a, alice, kind):
    with pytest.raises(ActionError, match=r"only for Other Users \(SEC Section I\); Alpha Energy Ltd is a"):
        assessment_actions.create_assessment(org_a, kind=kind, by=alice)
    assert not org_a.assessments.exists()


def test_a_privacy_assessment_is_assessed_against_the_privacy_catalogue(other_user, cast):
    created = assessment_actions.create_assessment(other_user, kind="psa", by=cast["alice"])
    assert created.assessment.catalogue.framework.slug == "sec-i"
    assert sorted(created.assessment.rows.values_list("obligation__ref", flat=True)) == [
        "I1.2", "I1.3", "I1.4", "I1.5"]
    security = assessment_actions.create_assessment(other_user, kind="ssa", by=cast["alice"])
    assert security.assessment.catalogue.framework.slug == "sec-g"
    with pytest.raises(ActionError, match="assessed against the sec-g catalogue"):
        assessment_actions.create_assessment(other_user, kind="ssa", by=cast["alice"],
                                             catalogue=created.assessment.catalogue)


# --- a privacy self-assessment, end to end ----------------------------------------------------------


def test_a_privacy_self_assessment_from_creation_to_outcome_and_exports(other_user, cast, tmp_path):
    alice, bob, carol, dave = (cast[n] for n in ("alice", "bob", "carol", "dave"))
    psa = assessment_actions.create_assessment(other_user, kind="psa", by=alice, title="PSA 2026").assessment
    helpers.submit(psa, maker=bob, checker=alice, approver=dave)
    # conducted by the User, so sharing hands it to the auditor for review, not fieldwork
    review.share(psa, carol, by=alice)
    psa.refresh_from_db()
    assert psa.status == "cio-review"
    row = psa.rows.get(obligation__ref="I1.2")
    query = review.raise_query(psa, row, by=carol, text="Show a sample of consents for March.")
    review.reply(query, by=bob, text="Ten consents attached to the register.")
    review.close_query(query, by=carol)
    review.comment(psa, by=carol, text="Consent records reconcile with the data requests.")
    review.finalise(psa, by=carol)
    outcome = review.record_outcome(psa, by=alice, decision="satisfactory", received_on=dt.date(2026, 11, 30))
    psa.refresh_from_db()
    assert psa.status == "closed" and outcome.rule_id == "PO-SATISFACTORY"
    # the security rules' third decision is not a privacy one
    with pytest.raises(ActionError, match="do not describe this decision"):
        other = assessment_actions.create_assessment(other_user, kind="psa", by=alice).assessment
        helpers.submit(other, maker=bob, checker=alice, approver=dave)
        review.share(other, carol, by=alice)
        review.finalise(other, by=carol)
        review.record_outcome(other, by=alice, decision="cio-assessment", received_on=dt.date(2026, 11, 30))

    # the workbook names the regime and the privacy rules
    out = io.BytesIO()
    workbook.write(psa, out, by=alice)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    cells = {str(c.value) for ws in book.worksheets for r in ws.iter_rows() for c in r if c.value is not None}
    assert "Privacy (SEC Section I)" in cells
    assert any(v.startswith("privacy-cycle@") for v in cells) and not any(v.startswith("assessment-cycle@")
                                                                           for v in cells)
    assert any("I1.2" in v for v in cells) and any("PSA-01" in v for v in cells)

    # the pack's manifest says privacy and carries the workbook
    path = Path(tmp_path) / "pack.zip"
    pack.build(psa, path, by=alice)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["assessment"]["regime"] == "privacy" and manifest["assessment"]["type"] == "psa"
    assert manifest["assessment"]["catalogue"].startswith("sec-i")
    assert any(n.endswith(".xlsx") for n in names)

    # the OSCAL results name the sec-i catalogue and the regime
    document = json.loads(json.dumps(oscal.build(psa, "assessment-results")))
    results = document["assessment-results"]
    props = {p["name"]: p["value"] for p in results["metadata"]["props"]}
    assert props["regime"] == "privacy" and props["catalogue"].startswith("sec-i@")
    assert "SEC Section I" in results["back-matter"]["resources"][0]["description"]


# --- a Full Privacy Assessment ends with a privacy assurance status --------------------------------


def test_a_full_privacy_assessment_is_conducted_by_the_auditor_and_ends_with_an_assurance_status(other_user, cast):
    alice, bob, carol, dave = (cast[n] for n in ("alice", "bob", "carol", "dave"))
    fpa = assessment_actions.create_assessment(other_user, kind="fpa", by=alice).assessment
    helpers.conduct(fpa, owner=alice, cio=carol, responder=bob, approver=dave)
    # shared, it went to the Independent Privacy Auditor's fieldwork, as a User CIO's assessment does
    assert fpa.status_changes.filter(to_status="fieldwork").exists()
    # a 2019 letter names the statuses as they were before MP112 renamed them on 29 November 2020
    record = review.record_assurance(other_user, by=alice, name="Provisionally approved",
                                     effective_date=dt.date(2020, 6, 1), assessment=fpa)
    fpa.refresh_from_db()
    assert (record.status, fpa.status) == ("deferred", "closed")
    assert AssuranceRecord.objects.get().name_as_given == "Provisionally approved"


def test_rejected_calls_for_a_second_full_privacy_assessment(other_user, cast):
    alice, bob, carol, dave = (cast[n] for n in ("alice", "bob", "carol", "dave"))
    fpa = assessment_actions.create_assessment(other_user, kind="fpa", by=alice).assessment
    helpers.conduct(fpa, owner=alice, cio=carol, responder=bob, approver=dave)
    record = review.record_assurance(other_user, by=alice, name="Rejected", effective_date=dt.date(2026, 11, 1),
                                     assessment=fpa)
    assert record.follow_up.kind == "fpa" and record.follow_up.catalogue.framework.slug == "sec-i"


# --- the plan ---------------------------------------------------------------------------------------


def test_the_plan_shows_the_privacy_cycle_to_an_other_user_only(cli, other_user, org_b):
    found = cli("plan", "orbit", "--on", "2026-12-01", "--json")
    assert found.exit_code == 0, found.stdout
    privacy = found.json()["privacy"]
    assert privacy["ruleset"].startswith("privacy-cycle@")
    assert [(y["year"], y["type"], y["confidence"]) for y in privacy["cycle"]] == [
        (1, "FPA", "S"), (2, "PSA", "R"), (3, "PSA", "R")]
    assert "User Entry Process" in " ".join(privacy["cycle"][0]["reasons"])
    warnings = " ".join(privacy["warnings"])
    assert "PC-OTHER-USER is recalled" in warnings and "PT-12-MONTHS" in warnings
    assert "Random Sample Privacy Assessments" in warnings
    supplier = cli("plan", "org-b", "--on", "2026-12-01", "--json")
    assert supplier.exit_code == 0 and "privacy" not in supplier.json()


def test_the_privacy_cycle_is_dated_from_the_recorded_full_privacy_assessment(other_user, cast):
    from secassure.profile.services import plan_for
    from secassure.review import fieldwork_actions as fieldwork

    fpa = assessment_actions.create_assessment(other_user, kind="fpa", by=cast["alice"]).assessment
    review.share(fpa, cast["carol"], by=cast["alice"])
    fieldwork.record_fieldwork(fpa, by=cast["carol"], start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 6))
    plan = plan_for(other_user, dt.date(2026, 12, 1)).privacy
    assert [(y.due_by, y.due_basis) for y in plan.years] == [
        (dt.date(2026, 3, 6), "recorded-fieldwork"), (dt.date(2027, 3, 6), "estimate"),
        (dt.date(2028, 3, 6), "estimate")]


def test_the_organisation_page_shows_the_privacy_cycle(client, other_user, cast, org_b, mallory):
    client.force_login(cast["alice"])
    page = client.get(f"/orgs/{other_user.slug}/").content.decode()
    assert "Privacy assessment cycle (SEC Section I)" in page and "PC-OTHER-USER" in page
    client.force_login(mallory)
    assert "Privacy assessment cycle" not in client.get(f"/orgs/{org_b.slug}/").content.decode()


# --- the demo ---------------------------------------------------------------------------------------


def test_the_demo_has_an_other_user_whose_privacy_self_assessment_is_under_review(cli):
    from secassure.assessments.models import Assessment
    from secassure.review.models import Share

    assert cli("demo", "--force").exit_code == 0
    psa = Assessment.objects.get(organisation__slug="demo-insights", kind="psa")
    assert psa.organisation.category == "other-user" and psa.catalogue.framework.slug == "sec-i"
    assert psa.status == "cio-review"
    [share] = Share.objects.filter(assessment=psa, revoked_at__isnull=True)
    assert share.reviewer.email == "morgan@cio.demo.secassure.test"
    assert psa.queries.count() == 1 and psa.cio_comments.count() == 1


@pytest.mark.parametrize(("kind", "by"), [("fpa", "cio"), ("rspa", "cio"), ("psa", "user")])
def test_show_says_who_conducts_each_privacy_type_from_the_privacy_rules(cli, other_user, cast, kind, by):
    created = assessment_actions.create_assessment(other_user, kind=kind, by=cast["alice"]).assessment
    shown = cli("assessment", "show", str(created.pk), "--json")
    assert shown.exit_code == 0, shown.stderr
    assert shown.json()["assessment"]["conducted_by"] == by


def test_the_next_step_of_a_full_privacy_assessment_is_the_auditor_s_way(other_user, cast):
    from django.utils import timezone

    from secassure.profile.actions import add_snapshot
    from secassure.profile.services import plan_for
    from secassure.web.journey import next_step

    add_snapshot(other_user, by=None, as_of=dt.date(2025, 7, 1), domestic=0, non_domestic=0)
    fpa = assessment_actions.create_assessment(other_user, kind="fpa", by=cast["alice"]).assessment
    step = next_step(other_user, plan_for(other_user), timezone.localdate())
    # shared with the Independent Privacy Auditor, who conducts it: not answered and signed off by the User
    assert step.id == "cio-share" and step.detail == fpa.title
    psa = assessment_actions.create_assessment(other_user, kind="psa", by=cast["alice"]).assessment
    assert next_step(other_user, plan_for(other_user), timezone.localdate()).id != "cio-share", psa
