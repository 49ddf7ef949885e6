"""Fixtures for the exchange tests: an assessment on the small test catalogue with something in
every part the exports read: answers, evidence, a change record, risks, CIO queries and comments,
the SSC's outcome, a finding and a remediation plan.

``drafting`` is an assessment in preparation (for workbook round trips); ``reviewed`` is a submitted
assessment the CIO reviewed and the SSC asked actions of (for the report, OSCAL and the pack)."""

from __future__ import annotations

import datetime as dt

import pytest

from secassure.assessments import actions as assessments
from secassure.assessments.choices import AssessmentStatus as S
from secassure.evidence import actions as evidence
from secassure.review import actions as review
from secassure.review import remediation_actions as remediation
from tests.assessments import helpers
from tests.evidence import files
from tests.shipped import load_shipped_rules


def document(org, title: str, doc_type: str = "policy"):
    found = evidence.add_document(org, title=title, doc_type=doc_type, by=None)
    evidence.add_version(found, chunks=[files.PDF], name=f"{title.lower().replace(' ', '-')}.pdf", by=None)
    return found


@pytest.fixture
def drafting(write, org_a, alice, bob):
    """Org A's SSA in preparation on the small catalogue (rows T1, T2; answers Q1, Q2), with one row
    assessed and evidenced, a change record and a risk."""
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    assessment = assessments.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment
    assessments.move(assessment, S.PREPARATION, by=bob)
    t1 = helpers.row(assessment, "T1")
    assessments.save_row(t1, by=bob, revision=t1.revision, status="compliant", narrative="Policy approved yearly")
    policy = document(org_a, "Information Security Policy")
    assessments.link_evidence(helpers.row(assessment, "T1"), policy, by=bob)
    risk = assessments.add_risk(org_a, by=alice, title="Phishing of DCC User staff",
                                inherent_likelihood=4, inherent_impact=4, residual_likelihood=3, residual_impact=4)
    assessments.add_change(assessment, by=bob, area="providers", description="New hosting provider",
                           changed_on=dt.date(2026, 1, 15), risk=risk)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def reviewed(drafting, org_a, alice, bob, carol, dave):
    """The same SSA submitted, reviewed by the CIO (a closed query, comments made final) and
    answered by the SSC with actions requested, a finding and a plan with one action."""
    load_shipped_rules()
    assessment = helpers.submit(drafting, maker=bob, checker=alice, approver=dave)
    review.share(assessment, carol, by=alice)
    assessment.refresh_from_db()
    t2 = helpers.row(assessment, "T2")
    query = review.raise_query(assessment, t2, by=carol, text="Which logs show this?")
    review.reply(query, by=bob, text="The SIEM retention report.", document=document(org_a, "SIEM report", "record"))
    review.close_query(query, by=carol)
    review.comment(assessment, by=carol, text="Generally well evidenced.")
    review.comment(assessment, by=carol, text="Log retention should be shown for a full year.", item=t2)
    review.finalise(assessment, by=carol)
    assessment.refresh_from_db()
    review.record_outcome(assessment, by=alice, decision="actions", received_on=dt.date(2026, 5, 1),
                          sent_on=dt.date(2026, 4, 14), reference="SSC/2026/17")
    assessment.refresh_from_db()
    finding = remediation.add_finding(org_a, by=alice, kind="potential", clause="G5.14",
                                      description="Log retention not shown for twelve months",
                                      assessment=assessment, severity="high")
    plan = assessment.remediation_plans.get()
    remediation.add_action(plan, by=alice, description="Extend SIEM retention to 13 months",
                           target_date=dt.date(2026, 9, 30), owner=bob, finding=finding, clause="G5.14")
    return assessment
