"""Fixtures and helpers for the findings and remediation tests: a submitted assessment in each
organisation on the small test catalogue, documents with a file, an open plan, and a clock frozen on
a known day.

The test modules import the fixtures they use by name."""

from __future__ import annotations

import datetime as dt

import pytest

from secassure.assessments import actions as assessments
from secassure.assessments.choices import AssessmentStatus
from secassure.assessments.models import Assessment
from secassure.evidence import actions as evidence
from secassure.review import remediation_actions as remediation
from tests.assessments import helpers
from tests.evidence import files

TODAY = dt.date(2026, 3, 2)
DAY = dt.timedelta(days=1)


@pytest.fixture
def today(monkeypatch):
    """Freeze the date the actions and pages read as today."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


def submitted_assessment(org, by, title: str) -> Assessment:
    """An assessment the SSC has asked actions of. Its content does not matter here, so it is put in
    that state directly rather than filled in and submitted."""
    assessment = assessments.create_assessment(org, kind="ssa", by=by, title=title).assessment
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.ACTIONS_REQUESTED)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def cat(db, write):
    return helpers.tiny(write)


@pytest.fixture
def ssa(cat, org_a, alice):
    """Org A's submitted SSA, on which the SSC requested actions."""
    helpers.hold(org_a, "import-supplier")
    return submitted_assessment(org_a, alice, "SSA 2026")


@pytest.fixture
def their_ssa(cat, org_b, mallory):
    return submitted_assessment(org_b, mallory, "Bravo SSA 2026")


def document(org, title: str, doc_type: str = "record"):
    found = evidence.add_document(org, title=title, doc_type=doc_type, by=None)
    evidence.add_version(found, chunks=[files.PDF], name=f"{title.lower().replace(' ', '-')}.pdf", by=None)
    return found


@pytest.fixture
def doc(org_a):
    return document(org_a, "Patch report March 2026")


@pytest.fixture
def their_doc(org_b):
    return document(org_b, "Bravo secret plan", "plan")


@pytest.fixture
def plan(ssa, alice):
    return remediation.open_plan(ssa, by=alice)


def finding(org, by=None, **fields):
    """A finding with plain defaults, recorded through the action."""
    fields = {"kind": "actual", "description": "Privileged access is not reviewed quarterly", **fields}
    return remediation.add_finding(org, by=by, **fields)


def action(plan, by=None, **fields):
    fields = {"description": "Review privileged access", "target_date": TODAY + 30 * DAY, **fields}
    return remediation.add_action(plan, by=by, **fields)
