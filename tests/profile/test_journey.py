"""The guided journey: the organisation page always names one next step, with its reason and SEC
clauses from the shipped data, and the step follows the organisation through the whole cycle."""

import datetime as dt

import pytest
from django.utils import timezone

from secassure.assessments import actions as assessments
from secassure.assessments.choices import AssessmentStatus as S
from secassure.evidence import actions as evidence
from secassure.profile.actions import add_provider
from secassure.profile.models import PortfolioSnapshot, ThirdPartyProvider
from secassure.profile.services import plan_for
from secassure.review import actions as review
from secassure.review.models import Finding, RemediationAction, RemediationPlan
from secassure.web.journey import next_step, steps
from tests.assessments import helpers
from tests.shipped import load_shipped_rules


def _next(org) -> str:
    return next_step(org, plan_for(org), timezone.localdate()).id


@pytest.fixture
def rules(db):
    load_shipped_rules()


def test_every_step_has_its_reason_clauses_and_confidence():
    found = steps()
    assert {"roles", "portfolio", "create", "answer", "check", "decide", "submit", "share", "queries", "outcome",
            "response", "actions", "counts", "clear", "cio-share", "cio-evidence", "cio-fieldwork", "cio-response",
            "assurance"} == set(found)
    for step in found.values():
        assert step.title and step.why and step.confidence in ("S", "I")
    assert found["actions"].clauses == ("G8.28(b)",) and found["counts"].clauses == ("G5.27",)


def test_the_next_step_follows_the_cycle(rules, write, org_a, alice, bob, carol, dave):
    helpers.tiny(write)
    assert _next(org_a) == "roles"
    helpers.hold(org_a, "import-supplier")
    assert _next(org_a) == "portfolio"
    PortfolioSnapshot.objects.create(organisation=org_a, as_of=dt.date(2025, 6, 30), domestic=300_000,
                                     non_domestic=0)
    step = next_step(org_a, plan_for(org_a), timezone.localdate())
    assert step.id == "create" and "cycle year" in step.detail and step.clauses == ("G8.40",)
    assessment = assessments.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment
    assert _next(org_a) == "answer"
    assessments.move(assessment, S.PREPARATION, by=bob)
    helpers.fill(assessment, bob)
    assert _next(org_a) == "check"
    helpers.fill(assessment, bob, alice)
    assert _next(org_a) == "decide"
    assessments.decide_materiality(assessment, by=dave, decision="not-material", reason="Nothing changed")
    assert _next(org_a) == "submit"
    helpers.submit(assessment, maker=bob, checker=alice, approver=dave)
    assert _next(org_a) == "share"
    review.share(assessment, carol, by=alice)
    assessment.refresh_from_db()
    query = review.raise_query(assessment, helpers.row(assessment, "T1"), by=carol, text="Why?")
    assert _next(org_a) == "queries"
    review.close_query(query, by=carol)
    assert _next(org_a) == "outcome"
    plan = RemediationPlan.objects.create(organisation=org_a, assessment=assessment)
    RemediationAction.objects.create(plan=plan, description="Late", target_date=timezone.localdate() - dt.timedelta(1))
    assert _next(org_a) == "actions"
    Finding.objects.create(organisation=org_a, ref="F-001", kind="potential", description="Logs",
                           response_due=timezone.localdate() + dt.timedelta(3))
    step = next_step(org_a, plan_for(org_a), timezone.localdate())
    assert step.id == "response" and step.url.endswith(f"/findings/{Finding.objects.get().pk}/")


def test_the_next_step_follows_an_assessment_the_cio_conducts(rules, write, org_a, alice, bob, dave):
    from secassure.review import fieldwork_actions as fieldwork
    from secassure.review import remediation_actions as remediation

    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    PortfolioSnapshot.objects.create(organisation=org_a, as_of=dt.date(2025, 6, 30), domestic=300_000,
                                     non_domestic=0)
    cio = helpers.member(org_a, "cio@x.test", "cio-reviewer")
    fusa = assessments.create_assessment(org_a, kind="fusa", by=alice, title="FUSA 2026").assessment
    assessments.move(fusa, S.PREPARATION, by=bob)
    helpers.fill(fusa, bob, alice)  # everything answered and checked: still not the User's to submit
    step = next_step(org_a, plan_for(org_a), timezone.localdate())
    assert step.id == "cio-share" and step.url.endswith(f"/assessments/{fusa.pk}/review/")
    review.share(fusa, cio, by=alice)
    fusa.refresh_from_db()
    assert _next(org_a) == "cio-fieldwork"
    request = review.raise_query(fusa, helpers.row(fusa, "T1"), by=cio, text="The log, please.", purpose="evidence")
    step = next_step(org_a, plan_for(org_a), timezone.localdate())
    assert step.id == "cio-evidence" and "1 request is waiting" in step.detail
    review.reply(request, by=bob, text="Here.")
    assert _next(org_a) == "cio-fieldwork"
    review.close_query(request, by=cio)
    fieldwork.record_fieldwork(fusa, by=cio, start=timezone.localdate() - dt.timedelta(3),
                               end=timezone.localdate() - dt.timedelta(2))
    for row in helpers.rows_of(fusa):
        fieldwork.record_result(row, by=cio, result="potential" if row.obligation.ref == "T2" else "compliant",
                                note="Not shown")
    fieldwork.write_report(fusa, by=cio, summary="Done.")
    fieldwork.issue_report(fusa, by=cio)
    fusa.refresh_from_db()
    step = next_step(org_a, plan_for(org_a), timezone.localdate())
    assert step.id == "cio-response" and step.url.endswith("#response") and step.clauses == ("G8.24",)
    finding = Finding.objects.get(assessment=fusa)
    finding = remediation.respond(finding, by=bob, response="We will.", revision=finding.revision)
    fieldwork.approve_response(finding, by=dave, revision=finding.revision)
    fieldwork.send_response(fusa, by=alice, sent_on=timezone.localdate())
    assert _next(org_a) == "assurance"


def test_a_g5_27_count_due_soon_comes_first_for_a_live_dcc_user_of_an_srp(rules, org_a):
    ThirdPartyProvider.objects.create(organisation=org_a, name="Shared Host Ltd", kind="srp")
    PortfolioSnapshot.objects.create(organisation=org_a, as_of=timezone.localdate() - dt.timedelta(days=190),
                                     domestic=1, non_domestic=0)
    assert _next(org_a) != "counts"  # not (yet) a Live DCC User: G5.27 does not apply
    org_a.dcc_live_since = timezone.localdate() - dt.timedelta(days=400)
    org_a.save()
    assert _next(org_a) == "counts"


def test_the_organisation_page_shows_the_next_step_and_where_it_stands(client, settings, rules, write, org_a, alice,
                                                                         bob):
    settings.SECASSURE_REQUIRE_MFA = False
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    PortfolioSnapshot.objects.create(organisation=org_a, as_of=dt.date(2025, 6, 30), domestic=1, non_domestic=0)
    assessment = assessments.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment
    t1 = helpers.row(assessment, "T1")
    assessments.save_row(t1, by=bob, revision=t1.revision, status="partial", narrative="Mostly")
    host = add_provider(org_a, name="Shared Host Ltd", kind="srp", by=None)
    statement = evidence.add_document(org_a, title="Host statement", doc_type="standard", provider=host, by=None)
    evidence.add_version(statement, chunks=[b"%PDF-1.4 host"], name="host.pdf", by=None)  # never accepted
    evidence.add_document(org_a, title="Old statement", doc_type="standard", provider=host, status="retired", by=None)
    client.force_login(bob)
    text = client.get(f"/orgs/{org_a.slug}/").content.decode()
    assert "<strong class=\"bad\">1</strong> third-party acceptance lapsed" in text
    assert "Acceptance lapsed: 1" in text and "No version yet: 0" in text  # the retired one is not counted
    assert "Next step: Assess every obligation and answer every question" in text
    assert "SSA 2026: 1 of 2 obligations assessed" in text and "G8.18, G5.14" in text
    assert "Compliance by SEC group" in text and 'class="bar-gap" x="0" width="50"' in text
    assert "Evidence freshness" in text


def test_a_step_s_link_is_offered_only_to_those_whose_role_may_use_it(client, settings, rules, org_a, alice, dave):
    from secassure.profile.actions import add_role

    settings.SECASSURE_REQUIRE_MFA = False
    add_role(org_a, "import-supplier", by=None)
    assert _next(org_a) == "portfolio"
    for person, offered in ((alice, True), (dave, False)):
        client.force_login(person)
        page = client.get(f"/orgs/{org_a.slug}/").content.decode()
        assert "No portfolio snapshot is recorded yet." in page
        assert (f'href="/orgs/{org_a.slug}/portfolio/add/"' in page.split('id="next-h"')[1].split("</section>")[0]) \
            is offered, person
