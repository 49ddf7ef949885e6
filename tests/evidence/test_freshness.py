"""Freshness and acceptance around every date boundary, on a fixed clock."""

import datetime as dt

import pytest

from secassure.evidence import actions
from secassure.evidence.freshness import acceptance_lapse, freshness
from secassure.evidence.services import register_rows
from secassure.profile.actions import add_provider
from tests.evidence import files

D = dt.date
REVIEW = D(2026, 6, 30)


def state(today, *, expiry=None, review=REVIEW, provider=False, problem=None, latest=1):
    return freshness(latest_version_number=latest, expiry_date=expiry, next_review=review,
                     provider_maintained=provider, acceptance_problem=problem, today=today).state


@pytest.mark.parametrize(("today", "expected"), [
    (D(2026, 5, 30), "current"),       # 31 days before the review
    (D(2026, 5, 31), "review-due"),    # 30 days before: the warning starts
    (D(2026, 6, 30), "review-due"),    # due today
    (D(2026, 7, 1), "overdue"),        # the day after
])
def test_review_boundaries(today, expected):
    assert state(today) == expected


@pytest.mark.parametrize(("today", "expected"), [
    (D(2026, 3, 31), "current"),   # valid through its expiry date
    (D(2026, 4, 1), "expired"),
])
def test_expiry_boundaries(today, expected):
    assert state(today, expiry=D(2026, 3, 31)) == expected


def test_the_most_urgent_state_wins():
    assert state(D(2026, 7, 1), expiry=D(2026, 1, 1)) == "expired"
    assert state(D(2026, 7, 1), provider=True, problem="x") == "overdue"
    assert state(D(2026, 6, 1), provider=True, problem="x") == "acceptance-lapsed"
    assert state(D(2026, 6, 1), latest=None) == "missing"
    assert state(D(2026, 1, 1), provider=True, problem=None) == "current"


def lapse(today, **changes):
    args = {"accepted_version_number": 2, "latest_version_number": 2, "valid_until": D(2026, 9, 30),
            "next_review": D(2026, 9, 30), "relationship_end": D(2026, 12, 31), "today": today}
    args.update(changes)
    return acceptance_lapse(**args)


def test_acceptance_lapse_boundaries():
    assert lapse(D(2026, 9, 30)) is None
    assert "valid until 2026-09-30" in lapse(D(2026, 10, 1), next_review=D(2027, 1, 1))
    assert "review was due on 2026-09-30" in lapse(D(2026, 10, 1))
    assert "version 3 was uploaded after version 2" in lapse(D(2026, 1, 1), latest_version_number=3)
    assert lapse(D(2026, 12, 31), valid_until=None, next_review=None) is None
    assert "relationship ended on 2026-12-31" in lapse(D(2027, 1, 1), valid_until=None, next_review=None)
    assert "not been accepted" in lapse(D(2026, 1, 1), accepted_version_number=None)


@pytest.fixture(autouse=True)
def blob_dir(settings, tmp_path):
    settings.SECASSURE_BLOB_DIR = tmp_path / "blobs"


def test_acceptance_lapses_on_a_new_version_in_the_register(org_a, alice):
    provider = add_provider(org_a, name="Northgate SRS", kind="srp", relationship_end=D(2030, 1, 1), by=None)
    document = actions.add_document(org_a, title="SRP security plan", doc_type="plan", provider=provider, by=None)
    actions.add_version(document, chunks=[files.PDF], name="plan.pdf", effective_date=D(2026, 1, 1), by=None)
    today = D(2026, 2, 1)

    def current_state():
        return dict((d.title, f) for d, f in register_rows(org_a.documents.all(), today))["SRP security plan"]

    assert current_state().state == "acceptance-lapsed"
    acceptance = actions.accept(document, by=alice, basis="Checked against G3 and G5", valid_until=None)
    assert acceptance.valid_until == D(2027, 1, 1)  # the next review: a year after the effective date
    assert current_state().state == "current"
    actions.add_version(document, chunks=[files.PDF + b"%v2"], name="plan-v2.pdf", effective_date=D(2026, 1, 20),
                        by=None)
    assert current_state().state == "acceptance-lapsed"
    assert "version 2 was uploaded after version 1" in current_state().reason


def test_acceptance_is_only_for_provider_documents_with_a_basis(org_a, alice):
    own = actions.add_document(org_a, title="Own policy", doc_type="policy", by=None)
    with pytest.raises(actions.ActionError, match="not maintained by a provider"):
        actions.accept(own, by=alice, basis="fine")
    provider = add_provider(org_a, name="Host Co", kind="hosting", by=None)
    theirs = actions.add_document(org_a, title="Hosting controls", doc_type="report", provider=provider, by=None)
    with pytest.raises(actions.ActionError, match="no version to accept"):
        actions.accept(theirs, by=alice, basis="fine")
    actions.add_version(theirs, chunks=[files.PDF], name="controls.pdf", by=None)
    with pytest.raises(actions.ActionError, match="say what was checked"):
        actions.accept(theirs, by=alice, basis="  ")
