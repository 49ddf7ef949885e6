"""The User CIO's journey in the browser: from the queue of what is shared with them, raise a query
on a row, which the User answers with evidence; comment; close the query. Each step asserts what the
person sees, and the CIO sees nothing of the organisation beyond the shared assessment."""

import pytest

from secassure.assessments import actions as assessments
from secassure.evidence import actions as evidence
from secassure.review import actions as review
from tests.assessments import helpers
from tests.e2e.browsing import follow
from tests.evidence import files


@pytest.fixture
def shared(org_a, people):
    report = evidence.add_document(org_a, title="SIEM retention report", doc_type="record", by=None)
    evidence.add_version(report, chunks=[files.PDF], name="siem.pdf", by=None)
    assessment = assessments.create_assessment(org_a, kind="ssa", by=people["owen"], title="SSA 2026").assessment
    helpers.submit(assessment, maker=people["bea"], checker=people["owen"], approver=people["dan"])
    review.share(assessment, people["cleo"], by=people["owen"])
    return assessment, people


def test_the_cio_queries_the_user_answers_with_evidence_and_the_cio_comments(open_as, site, shared):
    assessment, people = shared
    t2 = helpers.row(assessment, "T2")

    cleo = open_as(people["cleo"])
    cleo.goto(f"{site}/review/")
    assert "SSA 2026" in cleo.content()
    follow(cleo, "text=SSA 2026")
    assert "Under CIO review" in cleo.locator("h1").inner_text()
    item = f"{site}/orgs/org-a/assessments/{assessment.pk}/review/rows/{t2.pk}/"
    cleo.goto(item)
    cleo.fill("#query", "Which logs show a year of retention?")
    follow(cleo, "button:has-text('Raise')")
    assert "Which logs show a year of retention?" in cleo.content()
    assert cleo.goto(f"{site}/orgs/org-a/documents/").status == 404  # nothing else of the organisation

    bea = open_as(people["bea"])
    bea.goto(f"{site}/orgs/org-a/queries/")
    inbox = bea.locator("table").inner_text()
    assert "SSA 2026" in inbox and "T2" in inbox and "cleo@a.test" in inbox
    follow(bea, f"text=Query {assessment.queries.get().pk}")
    assert "Which logs show a year of retention?" in bea.content()
    bea.fill("textarea[name=text]", "The SIEM retention report shows 13 months.")
    bea.select_option("select[name=document]", label="SIEM retention report")
    follow(bea, "button:has-text('Send')")
    assert "The SIEM retention report shows 13 months." in bea.content()

    cleo.goto(item)
    assert "SIEM retention report" in cleo.content()
    cleo.fill("#comment", "Retention is evidenced for thirteen months.")
    follow(cleo, "button:has-text('Add the comment')")
    follow(cleo, "button:has-text('Close the query')")
    assert "Retention is evidenced for thirteen months." in cleo.content()
    query = assessment.queries.get()
    assert query.status == "closed" and query.messages.count() == 2
    assert assessment.cio_comments.get().author == people["cleo"]
