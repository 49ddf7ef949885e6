"""Ids typed into a query string or a form: a number no database holds, or a digit only Python
counts as one, finds nothing instead of failing the page."""

import pytest

from secassure import guards
from secassure.assessments import actions


@pytest.mark.parametrize(("given", "expected"), [
    ("12", 12), (" 7 ", 7), (42, 42), ("0", None), ("-3", None), ("", None), (None, None), ("1e3", None),
    ("٣", None), ("²", None), (str(2**63 - 1), 2**63 - 1), (str(2**63), None), ("9" * 40, None)])
def test_record_id(given, expected):
    assert guards.record_id(given) == expected


HUGE = "9" * 30


def test_pages_given_impossible_ids_answer_without_failing(client, alice, org_a, shipped_catalogue):
    assessment = actions.create_assessment(org_a, kind="ssa", by=alice).assessment
    client.force_login(alice)
    base = f"/orgs/org-a/assessments/{assessment.pk}/"
    for query in (f"owner={HUGE}", "owner=%D9%A3", f"owner={2**63}"):
        assert client.get(f"{base}?{query}").status_code == 200, query
    for query in (f"owner={HUGE}", f"provider={HUGE}", "provider=%D9%A3"):
        assert client.get(f"/orgs/org-a/documents/?{query}").status_code == 200, query
    assert client.post("/inbox/read/", {"id": [HUGE, "٣"]}).status_code in (200, 302)
