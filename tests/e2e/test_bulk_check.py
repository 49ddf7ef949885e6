"""A checker in the browser ticks several rows (all shown, less one), checks them in one go and reads
which were refused and why; the page has no serious or critical accessibility violation."""

import pytest
from django.utils import timezone

from secassure.assessments import actions as assessments
from secassure.assessments.choices import AssessmentStatus as S
from secassure.assessments.models import Assessment
from tests.assessments import helpers
from tests.e2e.browsing import follow
from tests.e2e.test_accessibility import AXE


@pytest.fixture
def carried(write, org_a, people):
    """An SSA in preparation carried forward from last year's submitted FUSA: Bea (a Contributor)
    confirmed N0, N1 and N2, Owen (the Owner) confirmed N3; N4 and N5 are still unconfirmed."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not at {AXE}: `make test` fetches it from the npm registry when npm is installed")
    catalogue = helpers.load_text(write, helpers.numbered(6, "e2e6"), "e2e6.yaml")
    owen, bea = people["owen"], people["bea"]
    base = assessments.create_assessment(org_a, kind="fusa", by=owen, catalogue=catalogue,
                                         title="FUSA 2025").assessment
    base.rows.update(status="compliant", narrative="met last year")
    Assessment.objects.filter(pk=base.pk).update(status=S.SUBMITTED, submitted_at=timezone.now())
    base.refresh_from_db()
    ssa = assessments.create_assessment(org_a, kind="ssa", by=owen, baseline=base, catalogue=catalogue,
                                        title="SSA 2026").assessment
    assessments.move(ssa, S.PREPARATION, by=bea)
    for ref, who in (("N0", bea), ("N1", bea), ("N2", bea), ("N3", owen)):
        row = helpers.row(ssa, ref)
        assessments.save_row(row, by=who, revision=row.revision)
    return ssa


def test_a_checker_checks_the_ticked_rows_and_reads_the_refusals(open_as, site, carried, people):
    owen = open_as(people["owen"])
    owen.goto(f"{site}/orgs/org-a/assessments/{carried.pk}/")
    every = owen.get_by_label("Select all shown")
    every.check()  # visible only because the page's script runs
    assert owen.locator("input[name=rows][form=bulk]:checked").count() == 6
    owen.get_by_label("Select N5").uncheck()
    assert owen.evaluate("document.querySelector('[data-select-all]').indeterminate")

    follow(owen, "input[value='Check selected']")

    outcome = owen.locator("section.batch")
    assert "3 checked; 2 refused:" in outcome.inner_text()
    refused = outcome.locator("li").all_inner_texts()
    assert refused == ["N3: You made the last change to this item; someone else must check it",
                       "N4: This item was carried forward and is not yet confirmed; its author confirms it first"]
    assert owen.locator(f"tr#item-{helpers.row(carried, 'N0').pk}").inner_text().count("Checked by") == 1
    checked = dict(carried.rows.values_list("obligation__ref", "checked_by__email"))
    assert checked == {"N0": "owen@a.test", "N1": "owen@a.test", "N2": "owen@a.test", "N3": None, "N4": None,
                       "N5": None}

    owen.evaluate(AXE.read_text(encoding="utf-8"))  # run through the driver: the page allows no inline script
    result = owen.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
