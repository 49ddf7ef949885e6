"""The User's journey in the browser: a Contributor answers every row and question and attaches
evidence, an Owner checks each answer, an Approver records the materiality decision and submits.
Each step asserts what the person sees."""

import pytest

from secassure.assessments import actions as assessments
from secassure.assessments.choices import AssessmentStatus as S
from secassure.evidence import actions as evidence
from tests.assessments import helpers
from tests.e2e.browsing import check_every_item, follow
from tests.evidence import files


@pytest.fixture
def assessment(org_a, people):
    policy = evidence.add_document(org_a, title="Information Security Policy", doc_type="policy", by=None)
    evidence.add_version(policy, chunks=[files.PDF], name="policy.pdf", by=None)
    return assessments.create_assessment(org_a, kind="ssa", by=people["owen"], title="SSA 2026").assessment


def _badge(page) -> str:
    return page.locator("h1 .badge").inner_text()


def test_a_user_answers_attaches_evidence_has_it_checked_signs_off_and_submits(open_as, site, assessment, people):
    base = f"{site}/orgs/org-a/assessments/{assessment.pk}/"

    # The Contributor starts preparation and answers everything, attaching the policy to T1.
    bea = open_as(people["bea"])
    bea.goto(base)
    assert _badge(bea) == "Draft"
    bea.click("button:has-text('Start preparation')")
    assert _badge(bea) == "In preparation"
    for row in helpers.rows_of(assessment):
        bea.goto(f"{base}rows/{row.pk}/")
        bea.select_option("#id_status", "compliant")
        bea.fill("#id_narrative", f"{row.obligation.ref} is met by our access control standard")
        follow(bea, "form.item-form button[type=submit]")
    bea.goto(f"{base}rows/{helpers.row(assessment, 'T1').pk}/")
    bea.select_option("select[name=document]", label="Information Security Policy")
    follow(bea, "button:has-text('Link')")
    assert "Information Security Policy" in bea.locator("ul.plain").first.inner_text()
    for answer in helpers.answers_of(assessment):
        bea.goto(f"{base}answers/{answer.pk}/")
        bea.select_option("#id_answer", "no")
        follow(bea, "form.item-form button[type=submit]")
    bea.goto(base)
    assert "2 of 2" in bea.locator("#progress").inner_text()
    assert "T1 is met by our access control standard" in bea.content()
    bea.click("button:has-text('Send for internal review')")
    assert _badge(bea) == "Internal review"

    # The Owner checks every answer: nobody checks their own.
    owen = open_as(people["owen"])
    for tab in (base, f"{base}questions/"):
        owen.goto(tab)
        assert check_every_item(owen)
        owen.reload()
        assert owen.locator("button:has-text('Check')").count() == 0
        assert "Checked by owen@a.test" in owen.content()
    owen.goto(base)
    owen.click("button:has-text('Send for management sign-off')")
    assert _badge(owen) == "Management sign-off"

    # The Approver, who prepared none of it, records the materiality decision and submits.
    dan = open_as(people["dan"])
    dan.goto(f"{base}changes/")
    dan.check("input[name=decision][value=not-material]")
    dan.fill("textarea[name=reason]", "No new systems or providers; residual risks unchanged.")
    follow(dan, "button:has-text('Record the decision')")
    assert "Decision: No material increase" in dan.content()
    dan.goto(base)
    follow(dan, "a:has-text('Sign off and submit')")
    # A deliberate act: what will be submitted, and the declaration, which the browser will not let
    # the director skip (the box is required).
    assert "1 document cited" in dan.content()
    dan.click("button:has-text('Sign off and submit')")
    assert _badge(dan) == "Management sign-off"
    dan.check("input[name=accept]")
    dan.click("button:has-text('Sign off and submit')")
    assert _badge(dan) == "Submitted"
    assert "evidence is pinned" in dan.content()
    assessment.refresh_from_db()
    assert assessment.status == S.SUBMITTED and assessment.submitted_by == people["dan"]
    assert assessment.links.get().version.number == 1
