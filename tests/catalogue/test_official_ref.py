"""A question may name the matching question of the official SSA questionnaire (which SECAS
publishes with the SCF; no public source lists the references, so the shipped bank names none). A
file that names none keeps its digest; one that does shows it on the question and in the diff."""

import pytest

from secassure.assessments import actions
from secassure.catalogue.diff import diff, snapshot_of_data
from secassure.catalogue.importers.base import CatalogueError
from secassure.catalogue.importers.native import parse_document
from secassure.catalogue.loader import load
from secassure.catalogue.models import FrameworkVersion, Question
from secassure.datafiles import parse_yaml
from tests.catalogue.test_answer_kinds import BEFORE_KINDS, DIGEST_BEFORE_KINDS, _doc


def test_a_file_without_official_refs_keeps_its_digest_and_the_shipped_bank_names_none(shipped_catalogue):
    assert parse_document("k.yaml", parse_yaml("k.yaml", BEFORE_KINDS)).content_hash() == DIGEST_BEFORE_KINDS
    assert parse_document("k.yaml", _doc(KQ1={"official_ref": ""})).content_hash() == DIGEST_BEFORE_KINDS
    assert not Question.objects.exclude(official_ref="").exists()


def test_an_official_ref_is_read_checked_compared_and_shown(client, settings, org_a, alice):
    named = parse_document("k.yaml", _doc(KQ1={"official_ref": "Q3.2"}))
    assert named.questions[0].official_ref == "Q3.2" and named.content_hash() != DIGEST_BEFORE_KINDS
    changes = diff(snapshot_of_data(parse_document("k.yaml", _doc())), snapshot_of_data(named))
    assert changes["questions"]["changed"][0]["ref"] == "KQ1"
    assert "official_ref" in changes["questions"]["changed"][0]["fields"]
    with pytest.raises(CatalogueError, match="official_ref"):
        parse_document("k.yaml", _doc(KQ1={"official_ref": "x" * 41}))
    load(named)
    version = FrameworkVersion.objects.get(framework__slug="kinds-fw")
    settings.SECASSURE_REQUIRE_MFA = False
    org_a.category = "large-supplier"
    assessment = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=version).assessment
    answer = assessment.answers.get(question__ref="KQ1")
    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/assessments/{assessment.pk}/answers/{answer.pk}/").content.decode()
    assert "The official SSA questionnaire's Q3.2." in page
