"""review share, outcome record and remediation show on the command line."""

import pytest

from secassure.assessments import actions as assessment_actions
from secassure.review.models import Outcome
from tests.assessments import helpers
from tests.shipped import load_shipped_rules


@pytest.fixture
def submitted(write, org_a, alice, bob, dave):
    load_shipped_rules()
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    assessment = assessment_actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment
    return helpers.submit(assessment, maker=bob, checker=alice, approver=dave)


def test_share_then_outcome_then_remediation(cli, submitted, carol, bob):
    refused = cli("review", "share", str(submitted.pk), "--with", bob.email)
    assert refused.exit_code == 1 and "is not a CIO reviewer" in refused.stderr
    shared = cli("review", "share", str(submitted.pk), "--with", "CAROL@cio.test", "--json")
    assert shared.exit_code == 0 and shared.json()["status"] == "cio-review"
    early = cli("outcome", "record", str(submitted.pk), "--decision", "actions")
    assert early.exit_code == 1 and "once the CIO's comments are final" in early.stderr
    from secassure.review import actions

    submitted.refresh_from_db()
    actions.finalise(submitted, by=carol)
    bad = cli("outcome", "record", str(submitted.pk), "--decision", "fine")
    assert bad.exit_code == 1 and "'fine' is not an SSC decision" in bad.stderr
    recorded = cli("outcome", "record", str(submitted.pk), "--decision", "actions", "--received", "2026-11-20",
                   "--reference", "SSC/7", "--json")
    assert recorded.exit_code == 0, recorded.stderr
    assert recorded.json()["clause"] == "G8.28(b)" and Outcome.objects.get().reference == "SSC/7"
    shown = cli("remediation", "show", str(submitted.pk), "--json")
    assert shown.exit_code == 0 and [p["status"] for p in shown.json()["plans"]] == ["draft"]
    assert "0 findings, 1 plan" in cli("remediation", "show", str(submitted.pk)).stdout


def test_a_cio_assessment_outcome_prints_the_new_assessment(cli, submitted, alice, carol):
    from secassure.review import actions

    actions.share(submitted, carol, by=alice)
    actions.finalise(submitted, by=carol)
    result = cli("outcome", "record", str(submitted.pk), "--decision", "cio-assessment")
    assert result.exit_code == 0
    follow_up = Outcome.objects.get().follow_up
    assert f"Created assessment {follow_up.pk}" in result.stdout
