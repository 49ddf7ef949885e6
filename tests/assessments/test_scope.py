"""A catalogue version's scope for an assessment type: a VUSA covers the areas the version names
(every obligation that applies when it names none, and says so); an SSA's rows stay whole. The
Details tab shows the scope, how sure it is and its sources."""

import pytest

from secassure.assessments import actions
from secassure.catalogue.importers.native import parse_document
from secassure.catalogue.loader import load
from secassure.catalogue.models import FrameworkVersion
from tests.catalogue.test_scopes import scoped


def _version(doc) -> FrameworkVersion:
    load(parse_document("t.yaml", doc))
    return FrameworkVersion.objects.get(framework__slug="test-fw", version=doc["version"]["version"])


def _refs(created) -> set[str]:
    return set(created.assessment.rows.values_list("obligation__ref", flat=True))


@pytest.fixture
def named(db):
    doc = scoped()
    doc["scopes"]["vusa"]["areas"] = [{"key": "one", "title": "The first area", "obligations": ["T2.1"]}]
    return _version(doc)


def test_a_vusa_covers_the_areas_the_version_names(named, org_a, alice):
    created = actions.create_assessment(org_a, kind="vusa", by=alice, catalogue=named)
    assert _refs(created) == {"T2.1"}
    assert any("1 of the" in w and "in its scope (Three key areas)" in w for w in created.warnings)


def test_an_ssa_keeps_every_row_whatever_its_scope(named, org_a, alice):
    created = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=named)
    assert {"T1.1", "T2.1", "T1x.1"} <= _refs(created)
    assert not any("scope" in w for w in created.warnings)


def test_a_vusa_is_not_narrowed_when_no_area_is_named_and_says_so(db, org_a, alice):
    version = _version(scoped())
    created = actions.create_assessment(org_a, kind="vusa", by=alice, catalogue=version)
    whole = actions.create_assessment(org_a, kind="fusa", by=alice, catalogue=version)
    assert _refs(created) == _refs(whole)
    assert any("names no areas" in w for w in created.warnings)


def test_the_details_tab_shows_the_scope(client, settings, named, org_a, alice):
    settings.SECASSURE_REQUIRE_MFA = False
    vusa = actions.create_assessment(org_a, kind="vusa", by=alice, catalogue=named).assessment
    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/assessments/{vusa.pk}/details/").content.decode()
    assert "Scope under" in page and "Three key areas" in page and "The first area: T2.1" in page
    assert 'href="https://example.org/faq/assessments/"' in page
    fusa = actions.create_assessment(org_a, kind="fusa", by=alice, catalogue=named).assessment
    assert "Scope under" not in client.get(f"/orgs/{org_a.slug}/assessments/{fusa.pk}/details/").content.decode()
