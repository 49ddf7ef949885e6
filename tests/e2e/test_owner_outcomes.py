"""The Owner records each of the SSC's three outcomes in the browser and sees where each leads:
satisfactory closes the assessment, actions requested opens a remediation plan (G8.28(b)), a formal
CIO assessment creates one (G8.3(d))."""

import pytest

from secassure.assessments import actions as assessments
from secassure.review import actions as review
from tests.assessments import helpers
from tests.e2e.browsing import follow
from tests.shipped import load_shipped_rules


@pytest.fixture
def submitted(org_a, people):
    load_shipped_rules()
    assessment = assessments.create_assessment(org_a, kind="ssa", by=people["owen"], title="SSA 2026").assessment
    helpers.submit(assessment, maker=people["bea"], checker=people["owen"], approver=people["dan"])
    # The SSC decides on what the User CIO reviewed: the outcome follows the CIO's final comments.
    review.share(assessment, people["cleo"], by=people["owen"])
    review.finalise(assessment, by=people["cleo"])
    assessment.refresh_from_db()
    return assessment, people["owen"]


@pytest.mark.parametrize(("decision", "shown"), [
    ("satisfactory", ["Satisfactory", "Closed"]),
    ("actions", ["G8.28(b)", "Actions requested by the SSC"]),
])
def test_the_owner_records_the_outcome_and_sees_where_it_leads(open_as, site, submitted, decision, shown):
    assessment, owner = submitted
    page = _record(open_as(owner), site, assessment, decision)
    assert "/review/" in page.url
    text = page.content()
    assert all(s in text for s in shown) and "SSC/2026/17" in text and "The SSC" in text
    assessment.refresh_from_db()
    assert assessment.outcome.decision == decision


def test_a_formal_cio_assessment_opens_the_new_assessment(open_as, site, submitted):
    assessment, owner = submitted
    page = _record(open_as(owner), site, assessment, "cio-assessment")
    assessment.refresh_from_db()
    follow_up = assessment.outcome.follow_up
    assert page.url.endswith(f"/assessments/{follow_up.pk}/")
    assert "The SSC's outcome is recorded." in page.locator(".messages").inner_text()
    assert f"baseline {assessment.title}" in page.locator("p.muted").first.inner_text()
    page.goto(f"{site}/orgs/org-a/assessments/{assessment.pk}/review/")
    assert "G8.3(d)" in page.content() and "Formal CIO assessment:" in page.content()


def _record(page, site, assessment, decision: str):
    page.goto(f"{site}/orgs/org-a/assessments/{assessment.pk}/review/")
    page.check(f"input[name=decision][value={decision}]")
    page.fill("input[name=sent_on]", "2026-04-10")
    page.fill("input[name=received_on]", "2026-05-01")
    page.fill("input[name=reference]", "SSC/2026/17")
    follow(page, "section:has-text('Record the SSC') button:has-text('Record')")
    return page
