"""An assessment the User CIO conducts, in the browser: the Owner shares a VUSA with the CIO, who
records the fieldwork, asks for evidence on an obligation, records a result on each and issues the
report; the User answers from its register, responds to the finding, an Approver signs the response
off and the Owner records it as sent, which opens the remediation plan. Each hand-off checks what
the next person sees, and no page in the journey may fail with a server error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from secassure.assessments import actions as assessments
from secassure.evidence import actions as evidence
from secassure.review.models import CioReport, Finding, ReviewQuery, RowResult
from tests.assessments import helpers
from tests.e2e.browsing import follow
from tests.e2e.conftest import sign_in
from tests.evidence import files
from tests.personas import PASSWORD, totp_code
from tests.shipped import load_shipped_rules


@pytest.fixture
def vusa(write, org_a, alice, bob, dave):
    """A VUSA in preparation on the small test catalogue (rows T1 and T2), an Alert log in the
    register, and Morgan, the organisation's User CIO, with nothing shared yet."""
    load_shipped_rules()
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    log = evidence.add_document(org_a, title="Alert log", doc_type="report", by=None)
    evidence.add_version(log, chunks=[files.PDF], name="alerts.pdf", by=None)
    assessment = assessments.create_assessment(org_a, kind="vusa", by=alice, title="VUSA 2026").assessment
    assessments.move(assessment, "preparation", by=bob)
    morgan = helpers.member(org_a, "morgan@cio.test", "cio-reviewer")
    return assessment, {"alice": alice, "bob": bob, "dave": dave, "morgan": morgan}


@pytest.fixture
def open_as(browser, site):
    """A fresh window signed in through the sign-in page, with the authenticator's code for those
    who have an app; every response a server error (5xx) is noted in ``failures``."""
    failures: list[str] = []
    contexts = []

    def open_for(user):
        page, context = sign_in(browser, site, user.email, PASSWORD)
        contexts.append(context)
        context.on("response", lambda r: failures.append(f"{r.status} {r.request.method} {r.url}")
                   if r.status >= 500 else None)
        if "/accounts/2fa/authenticate/" in page.url:
            page.fill("input[name=code]", totp_code(user.totp_secret))
            follow(page, "button[type=submit]")
            assert "/accounts/" not in page.url, page.content()[:500]
        return page

    open_for.failures = failures
    yield open_for
    for context in contexts:
        context.close()


def _badge(page) -> str:
    return page.locator("h1 .badge").inner_text()


def _card(page, heading: str) -> str:
    return page.locator("section.card", has=page.locator(f"h2:text-is(\"{heading}\")")).inner_text()


def _iso(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _long(days: int) -> str:
    """A date as the pages show it: 3 Mar 2026."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return f"{day.day} {day:%b %Y}"


def _press(page, button: str) -> None:
    follow(page, f"button:has-text('{button}')")


def test_the_cio_conducts_a_vusa_and_the_user_answers_responds_and_sends(open_as, site, vusa):
    assessment, people = vusa
    workspace = f"{site}/orgs/org-a/assessments/{assessment.pk}/"
    t1 = helpers.row(assessment, "T1")

    # Alice, the Owner, shares the VUSA with Morgan from the assessment's User CIO tab.
    alice = open_as(people["alice"])
    alice.goto(workspace)
    assert _badge(alice) == "In preparation"
    follow(alice, "nav.tabs a:has-text(\"User CIO's assessment\")")
    assert "Share it with your User CIO" in _card(alice, "The User CIO's assessment")
    alice.select_option("#reviewer", value=alice.locator("#reviewer option", has_text="morgan").get_attribute("value"))
    _press(alice, "Share")
    assert _badge(alice) == "CIO fieldwork under way"
    assert "morgan" in _card(alice, "Shared with").lower()

    # Morgan finds it among what is shared with him and records the fieldwork's dates.
    morgan = open_as(people["morgan"])
    follow(morgan, "a:has-text('what is shared with you')")
    follow(morgan, "table a:has-text('VUSA 2026')")
    assert _badge(morgan) == "CIO fieldwork under way"
    assert "Not recorded yet" in _card(morgan, "The User CIO's assessment")
    morgan.fill("#fieldwork-start", _iso(-6))
    morgan.fill("#fieldwork-end", _iso(-4))
    _press(morgan, "Record the dates")
    assert f"{_long(-6)} to {_long(-4)}" in _card(morgan, "The User CIO's assessment")

    # ... and asks for evidence on T1, a request for evidence being what the form offers first.
    follow(morgan, "table a:text-is('T1')")
    assert morgan.is_checked("input[name=purpose][value=evidence]")
    morgan.fill("#query", "Show the alert log for the head-end's monitoring.")
    follow(morgan, "form:has(#query) button:has-text('Send')")
    asked = ReviewQuery.objects.get(assessment=assessment)
    assert (asked.purpose, asked.row_id) == ("evidence", t1.pk)
    thread = morgan.locator("article.thread").inner_text()
    assert f"Evidence request {asked.pk}" in thread and "Show the alert log" in thread

    # Bob, a Contributor, sees the request on the workspace, follows it and answers from the register.
    bob = open_as(people["bob"])
    bob.goto(workspace)
    notice = bob.locator("#evidence-requests").inner_text()
    assert "The User CIO's fieldwork is under way" in notice and "waiting for your evidence" in notice
    follow(bob, "#evidence-requests a:has-text('T1')")
    assert bob.url.endswith(f"/review/rows/{t1.pk}/#queries")
    assert "Show the alert log" in bob.locator("article.thread").inner_text()
    bob.select_option(f"#doc-{asked.pk}", label="Alert log")
    bob.fill(f"#reply-{asked.pk}", "The alert log for the last quarter.")
    follow(bob, f"form:has(#reply-{asked.pk}) button:has-text('Send')")
    assert "Alert log v1" in bob.locator("article.thread").inner_text()  # the reply carries the document
    assert "Alert log" in bob.locator("dl.facts").inner_text()  # and it is offered on the obligation
    assert t1.links.filter(document__title="Alert log").exists()
    bob.goto(workspace)
    notice = bob.locator("#evidence-requests").inner_text()
    assert "answered, with the CIO" in notice and "waiting for your evidence" not in notice

    # Morgan reads the reply, closes the request and records the result on T1, the log examined.
    morgan.reload()
    assert "Alert log v1" in morgan.locator("article.thread").inner_text()
    morgan.fill(f"#note-{asked.pk}", "Seen: a year of alerts.")
    _press(morgan, "Close the request")
    assert "Closed" in morgan.locator("article.thread h3 .badge").inner_text()
    morgan.select_option("#result-result", "compliant")
    # The documents to tick sit under their caption, as one group a screen reader announces by name.
    examined_grouped = morgan.locator("#result").get_by_role("group", name="Evidence examined").count()
    morgan.locator("#result").get_by_label("Alert log").check()
    _press(morgan, "Record the result")
    result = _card(morgan, "The CIO's result")
    assert "Compliant" in result and "Evidence examined: Alert log v1" in result

    # ... then on the other obligation, a material increase in security risk.
    follow(morgan, "a:has-text('All rows')")
    assert morgan.locator("table").first.locator("td.ref a").all_inner_texts() == ["T1", "T2"]
    follow(morgan, "table a:text-is('T2')")
    morgan.select_option("#result-result", label="Material increase in security risk")
    morgan.fill("#result-note", "A new hosting provider raised the risk to the head-end.")
    _press(morgan, "Record the result")
    assert "Material increase in security risk" in _card(morgan, "The CIO's result")
    follow(morgan, "a:has-text('All rows')")
    card = _card(morgan, "The User CIO's assessment")
    assert "2 of 2 obligations; 1 not compliant" in card and "Open queries and evidence requests\n0" in card

    # Morgan writes the summary, issues the report and downloads it.
    morgan.fill("#report-summary", "Two days on site; one material increase in security risk.")
    _press(morgan, "Save the draft")
    assert "Draft of version 1" in _card(morgan, "User Security Assessment Report")
    assert "Before it can be issued" not in _card(morgan, "User Security Assessment Report")
    _press(morgan, "Issue the report")
    assert _badge(morgan) == "CIO report issued"
    report = _card(morgan, "User Security Assessment Report")
    assert "Version 1, issued" in report and "in force" in report and "one material increase" in report
    with morgan.expect_download() as download:
        morgan.click("#report a:text-is('PDF')")
    assert download.value.suggested_filename.endswith("cio-report-v1.pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    # Alice sees the report and the finding, and records the SSC's date for the response.
    finding = Finding.objects.get(assessment=assessment)
    alice.goto(workspace)
    assert _badge(alice) == "CIO report issued" and "The User CIO's report is issued" in alice.content()
    follow(alice, "a:has-text('Respond to it')")
    response = _card(alice, "The User's response (G8.24)")
    assert finding.ref in response and "Material increase in security risk" in response
    assert "No response yet" in response and "Before the response can go" in response
    assert alice.locator("#report a:text-is('PDF')").get_attribute("href").endswith("/files/cio-report-v1.pdf")
    alice.fill("#due-due", _iso(20))
    _press(alice, "Record the date")
    assert f"Due by\n{_long(20)}" in _card(alice, "The User's response (G8.24)")

    # Bob opens the finding from the overview and writes the management response.
    bob.goto(f"{workspace}review/")
    follow(bob, f"#response a:text-is('{finding.ref}')")
    assert "A new hosting provider raised the risk to the head-end." in _card(bob, "The finding")
    assert f"Response due\n{_long(20)}" in bob.locator("dl.facts").inner_text()
    bob.fill("#id_response", "A second monitoring feed from the new provider by March.")
    _press(bob, "Save the response")
    assert "Not signed off by an Approver yet" in _card(bob, "Management response")
    assert "Sign off this response" not in bob.content()  # a Contributor does not sign it off

    # Dave, an Approver who did not write it, signs it off.
    dave = open_as(people["dave"])
    dave.goto(f"{site}/orgs/org-a/findings/{finding.pk}/")
    assert "A second monitoring feed from the new provider by March." in _card(dave, "Management response")
    _press(dave, "Sign off this response")
    assert "Signed off by" in dave.locator("#sign-off").inner_text()

    # Alice records the response as sent: the SSC now asks for actions, in a remediation plan.
    alice.reload()
    response = _card(alice, "The User's response (G8.24)")
    assert "Signed off by" in response and "Before the response can go" not in response
    alice.fill("#sent-sent_on", _iso(0))
    _press(alice, "Record the response as sent")
    assert _badge(alice) == "Actions requested by the SSC"
    assert f"Sent\n{_long(0)}" in _card(alice, "The User's response (G8.24)")
    locked = alice.locator("p.notice").inner_text()  # checked at the end, with the rest of the journey run
    follow(alice, "nav.crumbs a:has-text('Alpha Energy Ltd')")
    follow(alice, "a:has-text('Findings and remediation')")
    assert "VUSA 2026" in alice.locator("#plans").inner_text()
    assert finding.ref in alice.locator("main").inner_text()

    # What was recorded.
    assessment.refresh_from_db()
    finding.refresh_from_db()
    asked.refresh_from_db()
    assert assessment.status == "actions-requested"
    assert assessment.fieldwork_start == timezone.localdate() - dt.timedelta(days=6)
    assert asked.status == "closed" and asked.messages.filter(document__title="Alert log").exists()
    assert RowResult.objects.get(row=t1).examined.get().document.title == "Alert log"
    assert (finding.kind, finding.clause, finding.source) == ("material", "T2", "cio-report")
    assert finding.response_approved_by == people["dave"] and finding.responded_by == people["bob"]
    report = CioReport.objects.get(assessment=assessment)
    assert report.issued_by == people["morgan"] and report.response_sent_on == timezone.localdate()
    assert assessment.remediation_plans.count() == 1
    assert not open_as.failures, open_as.failures

    # What the pages said along the way.
    assert examined_grouped == 1, "the 'Evidence examined' checkboxes are not grouped under their caption"
    assert "Respond to it" not in locked, f"the response is sent, yet the assessment still says: {locked}"
