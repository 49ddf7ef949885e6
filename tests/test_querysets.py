"""The read rules the models hold, each at its boundaries: a submitted or editable assessment, a
still-open finding, a still-open, due or overdue remediation action, a document in force, an
active share and a pending invitation. Where a rule is also read on one object, the property and
the QuerySet method agree on every status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from secassure.assessments.choices import AssessmentStatus, AssessmentType
from secassure.assessments.models import Assessment
from secassure.catalogue.models import Framework, FrameworkVersion
from secassure.evidence.choices import DocumentStatus, DocumentType
from secassure.evidence.models import Document
from secassure.review.choices import ActionStatus, FindingKind, FindingStatus
from secassure.review.models import Finding, RemediationAction, RemediationPlan, Share
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Invitation, token_digest

TODAY = dt.date(2026, 3, 2)
DAY = dt.timedelta(days=1)

SUBMITTED = {"submitted", "cio-review", "cio-final", "actions-requested", "closed", "report-issued", "response-sent"}
EDITABLE = {"draft", "preparation", "internal-review", "fieldwork"}
FINDINGS_OPEN = {"open", "response-drafted", "action-planned", "in-remediation", "evidence-submitted"}
ACTIONS_OPEN = {"planned", "in-progress"}
DOCUMENTS_IN_FORCE = {"draft", "in-review", "approved", "published"}


@pytest.fixture
def catalogue(db):
    framework = Framework.objects.create(slug="rules-test", name="Rules test")
    return FrameworkVersion.objects.create(framework=framework, version="1", content_hash="0" * 64,
                                           loaded_at=timezone.now())


def new_assessment(org, catalogue, status: str = AssessmentStatus.SUBMITTED) -> Assessment:
    return Assessment.objects.create(organisation=org, kind=AssessmentType.SSA, catalogue=catalogue,
                                     title=f"SSA {status}", status=status)


@pytest.fixture
def plan(org_a, catalogue):
    return RemediationPlan.objects.create(organisation=org_a, assessment=new_assessment(org_a, catalogue))


def new_action(plan, status: str, target_date: dt.date) -> RemediationAction:
    return RemediationAction.objects.create(plan=plan, description=f"{status} {target_date}", status=status,
                                            target_date=target_date)


# --- assessments ----------------------------------------------------------------------------------


def test_submitted_and_editable_assessments_on_every_status(org_a, catalogue):
    made = {status: new_assessment(org_a, catalogue, status) for status in AssessmentStatus.values}
    assert set(Assessment.objects.submitted().values_list("status", flat=True)) == SUBMITTED
    assert set(Assessment.objects.editable().values_list("status", flat=True)) == EDITABLE
    for status, assessment in made.items():
        assert assessment.submitted == (status in SUBMITTED), status
        assert assessment.editable == (status in EDITABLE), status


def test_management_sign_off_is_neither_editable_nor_submitted(org_a, catalogue):
    signing = new_assessment(org_a, catalogue, AssessmentStatus.SIGN_OFF)
    assert not signing.editable and not signing.submitted
    assert not Assessment.objects.editable().exists() and not Assessment.objects.submitted().exists()


def test_the_rules_narrow_an_organisations_assessments(org_a, org_b, catalogue):
    new_assessment(org_a, catalogue, AssessmentStatus.CLOSED)
    new_assessment(org_b, catalogue, AssessmentStatus.CLOSED)
    assert org_a.assessments.submitted().count() == 1


# --- findings -------------------------------------------------------------------------------------


def test_findings_still_open_on_every_status(org_a):
    made = {status: Finding.objects.create(organisation=org_a, ref=f"F-{n:03d}", kind=FindingKind.ACTUAL,
                                           description=status, status=status)
            for n, status in enumerate(FindingStatus.values, start=1)}
    assert set(Finding.objects.still_open().values_list("status", flat=True)) == FINDINGS_OPEN
    assert set(org_a.findings.still_open().values_list("status", flat=True)) == FINDINGS_OPEN
    for status, finding in made.items():
        assert finding.still_open == (status in FINDINGS_OPEN), status


# --- remediation actions --------------------------------------------------------------------------


def test_actions_still_open_on_every_status(plan):
    made = {status: new_action(plan, status, TODAY) for status in ActionStatus.values}
    assert set(RemediationAction.objects.still_open().values_list("status", flat=True)) == ACTIONS_OPEN
    for status, action in made.items():
        assert action.still_open == (status in ACTIONS_OPEN), status


def test_an_action_is_overdue_from_the_day_after_its_target_date(plan):
    made = {(status, days): new_action(plan, status, TODAY + days * DAY)
            for status in ActionStatus.values for days in (-1, 0, 1)}
    overdue = {(status, -1) for status in ACTIONS_OPEN}
    assert {(a.status, (a.target_date - TODAY).days) for a in RemediationAction.objects.overdue(TODAY)} == overdue
    assert {(a.status, (a.target_date - TODAY).days) for a in plan.actions.overdue(TODAY)} == overdue
    for key, action in made.items():
        assert action.is_overdue(TODAY) == (key in overdue), key


def test_due_today_is_not_overdue_and_done_or_cancelled_never_is(plan):
    today = new_action(plan, ActionStatus.PLANNED, TODAY)
    done = new_action(plan, ActionStatus.DONE, TODAY - 400 * DAY)
    cancelled = new_action(plan, ActionStatus.CANCELLED, TODAY - 400 * DAY)
    for action in (today, done, cancelled):
        assert not action.is_overdue(TODAY)
    assert not RemediationAction.objects.overdue(TODAY).exists()
    assert today.is_overdue(TODAY + DAY)
    assert list(RemediationAction.objects.overdue(TODAY + DAY)) == [today]


def test_actions_due_by_a_day_include_that_day_and_those_overdue(plan):
    for status in ActionStatus.values:
        for days in (-5, 14, 15):
            new_action(plan, status, TODAY + days * DAY)
    due = RemediationAction.objects.due_by(TODAY + 14 * DAY)
    assert {(a.status, (a.target_date - TODAY).days) for a in due} == {
        (status, days) for status in ACTIONS_OPEN for days in (-5, 14)}
    assert plan.organisation.remediation_plans.get().actions.due_by(TODAY + 14 * DAY).count() == 4


# --- documents ------------------------------------------------------------------------------------


def test_documents_in_force_on_every_status(org_a):
    for status in DocumentStatus.values:
        Document.objects.create(organisation=org_a, title=status, doc_type=DocumentType.POLICY, status=status)
    assert set(Document.objects.in_force().values_list("status", flat=True)) == DOCUMENTS_IN_FORCE
    assert set(org_a.documents.in_force().values_list("status", flat=True)) == DOCUMENTS_IN_FORCE


@pytest.mark.parametrize("status", [DocumentStatus.SUPERSEDED, DocumentStatus.RETIRED])
def test_a_superseded_or_retired_document_is_not_in_force(org_a, status):
    Document.objects.create(organisation=org_a, title="Old policy", doc_type=DocumentType.POLICY, status=status)
    assert not Document.objects.in_force().exists()


# --- shares and invitations -----------------------------------------------------------------------


def test_a_withdrawn_share_is_not_active(org_a, catalogue, carol, alice):
    live = Share.objects.create(assessment=new_assessment(org_a, catalogue), reviewer=carol, shared_by=alice)
    withdrawn = Share.objects.create(assessment=new_assessment(org_a, catalogue), reviewer=carol, shared_by=alice,
                                     revoked_at=timezone.now())
    assert list(Share.objects.active()) == [live]
    assert list(carol.review_shares.active()) == [live]
    assert live.active and not withdrawn.active


def test_an_invitation_is_pending_until_accepted_or_withdrawn_even_once_expired(org_a, bob):
    now = timezone.now()

    def invite(name: str, **fields) -> Invitation:
        fields = {"expires_at": now + dt.timedelta(days=7), **fields}
        return Invitation.objects.create(organisation=org_a, email=f"{name}@a.test", role=MemberRole.CONTRIBUTOR,
                                         token_hash=token_digest(name), **fields)

    waiting = invite("waiting")
    expired = invite("expired", expires_at=now - dt.timedelta(days=1))
    invite("accepted", accepted_at=now, accepted_by=bob)
    invite("withdrawn", revoked_at=now)
    assert set(Invitation.objects.pending()) == {waiting, expired}
    assert set(org_a.invitations.pending()) == {waiting, expired}
