"""Accessibility: axe-core finds no serious or critical violation on the main pages (the portfolio,
the organisation dashboard, the workspace, the document register, the CIO review and the remediation
plan). axe-core comes from the npm registry into the virtual environment (`make test` fetches it)."""

import datetime as dt
import os
from pathlib import Path

import pytest

from secassure.assessments import actions as assessments
from secassure.evidence import actions as evidence
from secassure.review import actions as review
from secassure.review import remediation_actions as remediation
from tests.assessments import helpers
from tests.e2e.conftest import sign_in
from tests.evidence import files
from tests.shipped import load_shipped_rules

AXE = Path(os.environ.get("SECASSURE_AXE_JS", Path(__file__).resolve().parents[2] / ".venv/axe/package/axe.min.js"))


@pytest.fixture
def everything(org_a, people):
    """An organisation with a reviewed assessment whose SSC outcome asked for actions, and a draft."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not at {AXE}: `make test` fetches it from the npm registry when npm is installed")
    load_shipped_rules()
    policy = evidence.add_document(org_a, title="Information Security Policy", doc_type="policy", by=None)
    evidence.add_version(policy, chunks=[files.PDF], name="policy.pdf", by=None)
    done = assessments.create_assessment(org_a, kind="ssa", by=people["owen"], title="SSA 2025").assessment
    helpers.submit(done, maker=people["bea"], checker=people["owen"], approver=people["dan"])
    review.share(done, people["cleo"], by=people["owen"])
    query = review.raise_query(done, helpers.row(done, "T2"), by=people["cleo"], text="Which logs?")
    review.reply(query, by=people["bea"], text="The SIEM report.", document=policy)
    review.close_query(query, by=people["cleo"])
    review.comment(done, by=people["cleo"], text="Well evidenced.")
    review.finalise(done, by=people["cleo"])
    done.refresh_from_db()
    review.record_outcome(done, by=people["owen"], decision="actions", received_on=dt.date(2026, 5, 1))
    finding = remediation.add_finding(org_a, by=people["owen"], kind="potential", description="Log retention",
                                      assessment=done, clause="G5.14")
    plan = done.remediation_plans.get()
    remediation.add_action(plan, by=people["owen"], description="Extend retention", finding=finding,
                           target_date=dt.date(2026, 9, 30), owner=people["bea"])
    draft = assessments.create_assessment(org_a, kind="ssa", by=people["owen"], title="SSA 2026").assessment
    return people["owen"], done, draft, plan


def _serious(page, site, paths) -> dict:
    """Each page's serious or critical axe-core violations, and whether anything on it is wider
    than the window (which on a phone means off-screen)."""
    found = {}
    for path in paths:
        assert page.goto(f"{site}{path}").status == 200, path
        # Evaluated by the browser's tooling, not added as an inline <script>, which the page's
        # Content-Security-Policy refuses (as it would any script that is not one of our files).
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        found[path] = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result["violations"]
                       if v["impact"] in ("serious", "critical")]
        wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wider > 0:
            found[path].append(f"{wider} px wider than the window")
    return found


def test_the_main_pages_have_no_serious_or_critical_violations(open_as, site, everything):
    owner, done, draft, plan = everything
    found = _serious(open_as(owner), site, (
        "/", "/orgs/org-a/", f"/orgs/org-a/assessments/{draft.pk}/", "/orgs/org-a/documents/",
        f"/orgs/org-a/assessments/{done.pk}/review/", f"/orgs/org-a/remediation/{plan.pk}/"))
    assert found == {path: [] for path in found}, found


@pytest.mark.parametrize("width", [1280, 390])
def test_the_demo_as_each_person_sees_it_on_a_desk_and_on_a_phone(browser, demo, width):
    """The populated demo, signed in as the consultant, the CIO and the provider, at desk and phone
    widths: no serious or critical violation on any page they reach from their home page."""
    from secassure.assessments.models import Assessment
    from secassure.review.models import RemediationPlan
    from secassure.web.demo import DEMO_PASSWORD

    if not AXE.exists():
        pytest.skip(f"axe-core is not at {AXE}: `make test` fetches it from the npm registry when npm is installed")
    energy = Assessment.objects.get(organisation__slug="demo-energy", cycle_year=3)
    networks = Assessment.objects.get(organisation__slug="demo-networks", cycle_year=3)
    plan = RemediationPlan.objects.get(organisation__slug="demo-networks")
    pages = {
        "alice@demo.secassure.test": (
            "/", "/orgs/demo-energy/", "/orgs/demo-networks/", f"/orgs/demo-networks/assessments/{networks.pk}/",
            f"/orgs/demo-networks/assessments/{networks.pk}/questions/", "/orgs/demo-energy/documents/",
            f"/orgs/demo-energy/assessments/{energy.pk}/review/", f"/orgs/demo-networks/remediation/{plan.pk}/",
            "/calendar/", "/inbox/", "/search/?q=access"),
        "morgan@cio.demo.secassure.test": ("/", "/review/", f"/orgs/demo-energy/assessments/{energy.pk}/review/",
                                           "/inbox/"),
        "priya@northgate.demo.secassure.test": ("/", "/orgs/demo-energy/documents/"),
    }
    found = {}
    for email, paths in pages.items():
        page, context = sign_in(browser, demo, email, DEMO_PASSWORD, width=width)
        found.update({f"{email} {path}": bad for path, bad in _serious(page, demo, paths).items()})
        context.close()
    assert found == {key: [] for key in found}, found
