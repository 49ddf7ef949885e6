"""Obligations on a User of a Shared Resource Provider (G5.26, G5.27) apply by the organisation's
real use of one, an arrangement in force when the assessment is created, not by Party category."""

import datetime as dt

import pytest
import yaml
from django.utils import timezone

from secassure.assessments import actions
from secassure.catalogue.importers.base import CatalogueError
from secassure.catalogue.importers.native import parse_document
from secassure.catalogue.loader import load
from secassure.profile.models import SrpArrangement
from tests.catalogue.samples import native_doc

TODAY = timezone.localdate()


def refs(org, alice) -> set[str]:
    created = actions.create_assessment(org, kind="ssa", by=alice).assessment
    return set(created.rows.values_list("obligation__ref", flat=True))


@pytest.mark.parametrize(("start", "end", "applies"), [
    (None, None, True),
    (TODAY - dt.timedelta(days=400), None, True),
    (None, TODAY, True),  # ends today: still in force
    (TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=1), False),  # ended
    (TODAY + dt.timedelta(days=10), None, False),  # not yet started
])
def test_g5_26_and_g5_27_follow_an_arrangement_in_force(shipped_catalogue, org_a, alice, start, end, applies):
    SrpArrangement.objects.create(organisation=org_a, provider_name="Northgate", start_date=start, end_date=end)
    found = refs(org_a, alice)
    assert ({"G5.26", "G5.27"} <= found) is applies
    assert not ({"G5.26", "G5.27"} & found) or applies
    assert "G5.14" in found  # everything else is as before


def test_without_an_arrangement_they_do_not_apply(shipped_catalogue, org_a, alice):
    assert not {"G5.26", "G5.27"} & refs(org_a, alice)


def test_the_flag_is_read_checked_and_shown(db, client, alice):
    doc = native_doc()
    doc["obligations"][0]["applicability"]["srp_user"] = True
    data = parse_document("t.yaml", doc)
    assert data.obligations[0].extra == {"srp_user": True} and data.obligations[1].extra == {}
    doc["obligations"][0]["applicability"]["srp_user"] = "yes"
    with pytest.raises(CatalogueError, match="srp_user: expected true or false"):
        parse_document("t.yaml", yaml.safe_load(yaml.safe_dump(doc)))
    load(data)
    client.force_login(alice)
    page = client.get("/catalogue/test-fw/1.0/T1.1/").content.decode()
    assert "a User with an arrangement with a Shared Resource Provider in force" in page
    assert "Shared Resource Provider in force" not in client.get("/catalogue/test-fw/1.0/T2.1/").content.decode()
