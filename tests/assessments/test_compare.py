"""Comparing two assessments: status per obligation, changed answers, risk movements (the first's
snapshot against the second's register) and evidence renewed, lapsed, added and removed."""

import datetime as dt

import pytest
from django.utils import timezone

from secassure.assessments import actions, services
from secassure.evidence import actions as evidence
from secassure.evidence.models import Document
from secassure.profile.models import RoleHolding
from tests.assessments import helpers
from tests.assessments.helpers import S
from tests.evidence import files


def document(org, title, versions=1):
    doc = evidence.add_document(org, title=title, doc_type="record", by=None)
    for n in range(versions):
        evidence.add_version(doc, chunks=[files.PDF + f"% {title} {n}\n".encode()], name="file.pdf", by=None)
    return doc


def new_version(doc):
    return evidence.add_version(doc, chunks=[files.PDF + f"% {doc.title} again\n".encode()], name="file.pdf", by=None)


def risk(org, by, title, likelihood, impact, **extra):
    return actions.add_risk(org, by=by, title=title, inherent_likelihood=5, inherent_impact=5,
                            residual_likelihood=likelihood, residual_impact=impact, **extra)


@pytest.fixture
def pair(cat, org_a, alice, bob, dave):
    """first: a submitted FUSA (import-supplier: T1, T2; Q1, Q2) with evidence and a risk register.
    second: an SSA carried forward from it after the organisation swapped import for export supplier
    (T1, T3), with changed answers, a moved register and evidence linked and unlinked."""
    helpers.hold(org_a, "import-supplier")
    first = actions.create_assessment(org_a, kind="fusa", by=alice, title="FUSA 2025").assessment
    actions.move(first, S.PREPARATION, by=bob)
    t1, t2 = helpers.row(first, "T1"), helpers.row(first, "T2")
    actions.save_row(t1, by=bob, revision=1, status="compliant", narrative="NAC")
    actions.save_row(t2, by=bob, revision=1, status="partial", narrative="half the sites")
    actions.save_answer(helpers.answer(first, "Q1"), by=bob, revision=1, answer="yes", narrative="a new site")
    actions.save_answer(helpers.answer(first, "Q2"), by=bob, revision=1, answer="no")
    docs = {"policy": document(org_a, "Policy"), "report": document(org_a, "Report"),
            "old": document(org_a, "Old procedure"), "plan": document(org_a, "Plan"),
            "steady": document(org_a, "Steady record"), "new": document(org_a, "New design")}
    actions.link_evidence(helpers.row(first, "T1"), docs["policy"], by=bob)
    actions.link_evidence(helpers.row(first, "T1"), docs["steady"], by=bob)
    actions.link_evidence(helpers.row(first, "T2"), docs["report"], by=bob)
    actions.link_evidence(helpers.row(first, "T2"), docs["old"], by=bob)
    actions.link_evidence(helpers.answer(first, "Q1"), docs["plan"], by=bob)
    risks = [risk(org_a, bob, "Phishing", 2, 3), risk(org_a, bob, "Insider", 4, 4),
             risk(org_a, bob, "Old server", 3, 3), risk(org_a, bob, "Flood", 2, 2),
             risk(org_a, bob, "Supplier", 2, 5, status="closed")]
    first = helpers.submit(first, maker=bob, checker=alice, approver=dave)

    # the register moves on
    for r, change in zip(risks, ({"residual_likelihood": 4}, {"residual_likelihood": 1}, {"status": "closed"}, {},
                                 {"status": "open"}), strict=True):
        if change:
            actions.update_risk(r, by=bob, revision=1, **change)
    risks.append(risk(org_a, bob, "Ransomware", 3, 3))

    RoleHolding.objects.filter(organisation=org_a).delete()
    helpers.hold(org_a, "export-supplier")
    second = actions.create_assessment(org_a, kind="ssa", by=alice, baseline=first, title="SSA 2026").assessment
    actions.move(second, S.PREPARATION, by=bob)
    t1 = helpers.row(second, "T1")
    actions.save_row(t1, by=bob, revision=1, status="partial", narrative="NAC", changed=True,
                     change_note="one site lost NAC")
    q1, q2 = helpers.answer(second, "Q1"), helpers.answer(second, "Q2")
    actions.save_answer(q1, by=bob, revision=1, answer="no", narrative="no new sites")
    actions.save_answer(q2, by=bob, revision=1, material=True, material_rationale="more suppliers")
    actions.link_evidence(helpers.row(second, "T3"), docs["new"], by=bob)
    return first, second, docs, risks


def test_status_changes_per_obligation(pair):
    first, second, _, _ = pair
    result = services.compare(first, second, timezone.localdate())
    assert result.status_changes == [
        {"ref": "T1", "title": "For every party and role", "before": "compliant", "after": "partial"},
        {"ref": "T3", "title": "Large export suppliers", "before": None, "after": "not-assessed"},  # only in second
        {"ref": "T2", "title": "Large import suppliers", "before": "partial", "after": None},  # only in first
    ]


def test_changed_answers(pair):
    first, second, _, _ = pair
    result = services.compare(first, second, timezone.localdate())
    assert result.answer_changes == [
        {"ref": "Q1", "before": {"answer": "yes", "narrative": "a new site", "material": False},
         "after": {"answer": "no", "narrative": "no new sites", "material": False}},
        {"ref": "Q2", "before": {"answer": "no", "narrative": "", "material": False},
         "after": {"answer": "no", "narrative": "", "material": True}},
    ]


def test_risk_movements_compare_the_first_snapshot_with_the_live_register(pair):
    first, second, _, _ = pair
    assert second.submitted_at is None  # so its register is the live one
    result = services.compare(first, second, timezone.localdate())
    assert result.risk_movements == [
        {"ref": "R-001", "title": "Phishing", "movement": "up", "before": 6, "after": 12},
        {"ref": "R-002", "title": "Insider", "movement": "down", "before": 16, "after": 4},
        {"ref": "R-003", "title": "Old server", "movement": "closed", "before": 9, "after": 9},
        # R-004 Flood did not move
        {"ref": "R-005", "title": "Supplier", "movement": "reopened", "before": 10, "after": 10},
        {"ref": "R-006", "title": "Ransomware", "movement": "new", "before": None, "after": 9},
    ]


def test_evidence_added_removed_and_lapsed(pair):
    first, second, docs, _ = pair
    today = timezone.localdate()
    Document.objects.filter(pk=docs["plan"].pk).update(next_review=today - dt.timedelta(days=1))

    result = services.compare(first, second, today)

    brief = [(e["ref"], e["document"], e["change"], e["before"], e["freshness"]) for e in result.evidence]
    assert brief == [
        ("Q1", "Plan", "lapsed", 1, "overdue"),  # carried forward, but its review is overdue
        ("T2", "Report", "removed", 1, "current"),  # T2 no longer applies
        ("T2", "Old procedure", "removed", 1, "current"),
        ("T3", "New design", "added", None, "current"),
    ]  # Policy and Steady record (T1) are carried forward and in date: nothing to say


def test_evidence_renewed_when_both_are_submitted(pair, alice, bob, dave):
    first, second, docs, _ = pair
    new_version(docs["policy"])  # v2, pinned when the second is submitted
    second = helpers.submit(second, maker=bob, checker=alice, approver=dave)
    new_version(docs["steady"])  # v2 of the steady record comes after: the second stays pinned to v1
    today = timezone.localdate()

    result = services.compare(first, second, today)

    t1 = [e for e in result.evidence if e["ref"] == "T1"]
    assert t1 == [{"ref": "T1", "document": "Policy", "before": 1, "after": 2, "freshness": "current",
                   "change": "renewed"}]
    assert {(e["document"], e["change"]) for e in result.evidence} == {
        ("Policy", "renewed"), ("Old procedure", "removed"), ("Report", "removed"), ("New design", "added")}
    [added] = [e for e in result.evidence if e["change"] == "added"]
    assert added["before"] is None and added["after"] == 1  # pinned at submission


def test_evidence_renewed_shows_while_the_second_is_in_preparation(pair):
    """Until submission a link follows its document's latest version (EvidenceLink's docstring), so
    a baseline pinned to v1 against an SSA whose document now has v2 is a renewal. compare() reads
    only link.version, which is None before submission, and so reports nothing."""
    first, second, docs, _ = pair
    new_version(docs["policy"])
    result = services.compare(first, second, timezone.localdate())
    renewed = [e for e in result.evidence if e["change"] == "renewed"]
    assert renewed == [{"ref": "T1", "document": "Policy", "before": 1, "after": 2, "freshness": "current",
                        "change": "renewed"}]


def test_an_assessment_compared_with_itself_shows_nothing(pair):
    first, _, _, _ = pair
    result = services.compare(first, first, timezone.localdate())
    assert (result.status_changes, result.answer_changes, result.risk_movements, result.evidence) == ([], [], [], [])
    assert result.as_dict()["first"]["id"] == first.pk
