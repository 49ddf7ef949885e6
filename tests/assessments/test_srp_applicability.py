"""Obligations on a User of a Shared Resource Provider apply by the organisation's real use of one
(an arrangement in force on the day the assessment is created), not by Party category; G5.27's
six-monthly count only once the organisation is a Live DCC User; and G10.8 to the provider and to
every organisation using one."""

import datetime as dt

import pytest
from django.utils import timezone

from secassure.assessments import actions
from secassure.catalogue.importers.native import parse_document
from secassure.catalogue.loader import load
from secassure.catalogue.models import FrameworkVersion
from secassure.profile.actions import add_provider
from tests.catalogue.samples import native_doc
from tests.personas import make_org, persona

TODAY = timezone.localdate()
SRP_DUTIES = {"G5.26", "G5.27", "G10.8"}


def refs(org, alice, catalogue=None) -> set[str]:
    created = actions.create_assessment(org, kind="ssa", by=alice, catalogue=catalogue).assessment
    return set(created.rows.values_list("obligation__ref", flat=True))


def srp(org, start=None, end=None, kind="srp"):
    return add_provider(org, name="Northgate", kind=kind, relationship_start=start, relationship_end=end, by=None)


def live(org, since=TODAY - dt.timedelta(days=400)):
    org.dcc_live_since = since
    org.save()


@pytest.mark.parametrize(("start", "end", "applies"), [
    (None, None, True),
    (TODAY - dt.timedelta(days=400), None, True),
    (None, TODAY, True),  # ends today: still in force
    (TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=1), False),  # ended
    (TODAY + dt.timedelta(days=10), None, False),  # not yet started
])
def test_the_shipped_srp_duties_follow_an_arrangement_in_force(shipped_catalogue, org_a, alice, start, end, applies):
    srp(org_a, start, end)
    live(org_a)
    found = refs(org_a, alice)
    assert (SRP_DUTIES <= found) is applies
    assert not (SRP_DUTIES & found) or applies
    assert "G5.14" in found  # everything else is as before


def test_without_an_arrangement_they_do_not_apply(shipped_catalogue, org_a, alice):
    live(org_a)
    srp(org_a, kind="hosting")  # a provider, but not a Shared Resource Provider
    assert not SRP_DUTIES & refs(org_a, alice)


def test_g5_27_waits_until_the_user_is_a_live_dcc_user(shipped_catalogue, org_a, alice):
    srp(org_a)
    found = refs(org_a, alice)
    assert {"G5.26", "G10.8"} <= found and "G5.27" not in found
    live(org_a, since=TODAY + dt.timedelta(days=1))  # not yet
    assert "G5.27" not in refs(org_a, alice)
    live(org_a, since=TODAY)
    assert "G5.27" in refs(org_a, alice)


def test_a_shared_resource_provider_has_g10_by_its_category_and_not_the_users_duties(shipped_catalogue):
    provider = make_org("Northgate SRS Ltd", "northgate", category="srp")
    owner = persona("alice", provider)
    found = refs(provider, owner)
    assert {"G10.2", "G10.8"} <= found and not {"G5.26", "G5.27"} & found


@pytest.fixture
def conditioned(db):
    doc = native_doc()
    doc["obligations"] = [
        {"ref": "T1.1", "group": "T1", "title": "Plain", "summary": "For suppliers.", "confidence": "R",
         "applicability": {"categories": ["large-supplier"], "roles": ["all"]}},
        {"ref": "T1.2", "group": "T1", "title": "SRP users", "summary": "While using an SRP.", "confidence": "R",
         "applicability": {"categories": ["large-supplier"], "roles": ["all"], "when": ["srp-user"]}},
        {"ref": "T1.3", "group": "T1", "title": "Live SRP users", "summary": "Live and using an SRP.",
         "confidence": "R", "applicability": {"categories": ["large-supplier"], "roles": ["all"],
                                              "when": ["srp-user", "live-dcc-user"]}},
        {"ref": "T2.1", "group": "T2", "title": "Provider and its users", "summary": "Both.", "confidence": "R",
         "applicability": {"categories": ["srp"], "roles": ["all"], "also_when": ["srp-user"]}},
    ]
    doc["questions"] = []
    load(parse_document("t.yaml", doc))
    return FrameworkVersion.objects.get(framework__slug="test-fw")


@pytest.mark.parametrize(("uses_srp", "is_live", "expected"), [
    (False, False, {"T1.1"}),
    (False, True, {"T1.1"}),
    (True, False, {"T1.1", "T1.2", "T2.1"}),
    (True, True, {"T1.1", "T1.2", "T1.3", "T2.1"}),
])
def test_every_condition_must_hold_and_also_when_widens(conditioned, org_a, alice, uses_srp, is_live, expected):
    if uses_srp:
        srp(org_a)
    if is_live:
        live(org_a)
    assert actions.organisation_facts(org_a) == frozenset(
        fact for fact, holds in (("srp-user", uses_srp), ("live-dcc-user", is_live)) if holds)
    assert refs(org_a, alice, conditioned) == expected


def test_also_when_does_not_narrow_the_categories_it_names(conditioned):
    provider = make_org("Northgate SRS Ltd", "northgate", category="srp")
    assert refs(provider, persona("alice", provider), conditioned) == {"T2.1"}


def test_a_version_published_with_the_older_flag_still_reads_it(db, org_a, alice):
    doc = native_doc()
    doc["obligations"][0]["applicability"]["srp_user"] = True
    load(parse_document("t.yaml", doc))
    version = FrameworkVersion.objects.get(framework__slug="test-fw")
    assert "T1.1" not in refs(org_a, alice, version)
    srp(org_a)
    assert "T1.1" in refs(org_a, alice, version)
