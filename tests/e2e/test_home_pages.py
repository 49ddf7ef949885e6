"""Each person's home page in the browser: the User CIO, an Approver, a Contributor and a Provider
sign in, find their own part of the page with what waits for them, follow one item to the page where
they act on it. The home pages, and the pages they lead to, are free of serious accessibility faults,
and the home pages fit the screen, on a desk and on a phone."""

import pytest

from secassure.assessments import actions as assessments
from secassure.evidence import actions as evidence
from secassure.profile.actions import add_provider
from secassure.review import actions as review
from tests.assessments import helpers
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import AXE
from tests.evidence import files
from tests.personas import PASSWORD, persona


@pytest.fixture
def homes(org_a, people):
    """Something waiting for each of them: a query the User answered for Cleo (CIO reviewer), an
    assessment waiting for Dan's sign-off (Approver), rows given to Bea still to assess (Contributor),
    and a new version of a document the engineer maintains for Northgate, not yet accepted (Provider)."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not at {AXE}: `make test` fetches it from the npm registry when npm is installed")
    owen, bea, dan, cleo = (people[name] for name in ("owen", "bea", "dan", "cleo"))
    reviewed = assessments.create_assessment(org_a, kind="ssa", by=owen, title="SSA 2025").assessment
    helpers.submit(reviewed, maker=bea, checker=owen, approver=dan)
    review.share(reviewed, cleo, by=owen)
    query = review.raise_query(reviewed, helpers.row(reviewed, "T2"), by=cleo, text="Which logs?")
    review.reply(query, by=bea, text="The SIEM retention report.")

    signing = assessments.create_assessment(org_a, kind="ssa", by=owen, title="SSA 2026").assessment
    assessments.move(signing, "preparation", by=bea)
    helpers.fill(signing, bea, owen)
    assessments.move(signing, "internal-review", by=bea)
    assessments.move(signing, "sign-off", by=owen)

    preparing = assessments.create_assessment(org_a, kind="ssa", by=owen, title="SSA 2027").assessment
    assessments.move(preparing, "preparation", by=bea)
    assessments.assign_owner(preparing, [r.pk for r in helpers.rows_of(preparing)], bea, by=owen)

    northgate = add_provider(org_a, name="Northgate SRS", kind="srp", by=None)
    engineer = persona("engineer", org_a)
    evidence.assign_provider_member(northgate, engineer.membership, by=None)
    policy = evidence.add_document(org_a, title="Hosting Security Policy", doc_type="policy", provider=northgate,
                                   by=None)
    evidence.add_version(policy, chunks=[files.PDF], name="hosting-v1.pdf", by=None)
    evidence.accept(policy, by=None, basis="Checked against G5")
    evidence.add_version(policy, chunks=[files.PDF + b"\n% v2"], name="hosting-v2.pdf", by=None)
    return {
        "cleo": (cleo, "#work-reviewing", "T2: query answered, waiting for you",
                 f"/orgs/org-a/assessments/{reviewed.pk}/review/rows/{helpers.row(reviewed, 'T2').pk}/",
                 "The SIEM retention report."),
        "dan": (dan, "#work-approving", "SSA 2026", f"/orgs/org-a/assessments/{signing.pk}/", "Sign off and submit"),
        "bea": (bea, "#work-preparing", "2 rows given to you need work",
                f"/orgs/org-a/assessments/{preparing.pk}/?owner={bea.pk}", "SSA 2027"),
        "engineer": (engineer, "#work-providing", "Hosting Security Policy", f"/orgs/org-a/documents/{policy.pk}/",
                     "hosting-v2.pdf"),
    }


def _faults(page, *, fits: bool = True) -> list[str]:
    """Serious or critical axe-core findings, and (with ``fits``) the page being wider than the screen."""
    page.evaluate(AXE.read_text(encoding="utf-8"))  # run through the driver: the page allows no inline script
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result["violations"]
             if v["impact"] in ("serious", "critical")]
    if fits and page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        found.append(f"wider than the screen: {page.evaluate('document.documentElement.scrollWidth')}px")
    return found


@pytest.mark.parametrize("width", [1280, 390])
def test_each_person_finds_their_work_on_their_home_page_and_follows_it(browser, site, homes, width):
    others = {"#work-reviewing", "#work-approving", "#work-preparing", "#work-providing"}
    found = {}
    for name, (person, part, item, lands_on, there) in homes.items():
        page, context = sign_in(browser, site, person.email, PASSWORD, width=width)
        try:
            assert page.url == f"{site}/"
            section = page.locator(part)
            assert section.is_visible(), name
            assert item in section.inner_text(), name
            for other in others - {part}:
                assert page.locator(other).count() == 0, (name, other)
            found[f"{name} home"] = _faults(page)
            section.locator("a", has_text=item).first.click()
            page.wait_for_load_state()
            assert page.url == f"{site}{lands_on}", name
            assert there in page.locator("main").inner_text(), name
            # The page reached is another part's: its fit on a phone is that page's own business.
            found[f"{name} {lands_on}"] = _faults(page, fits=False)
        finally:
            context.close()
    assert found == {key: [] for key in found}, found
