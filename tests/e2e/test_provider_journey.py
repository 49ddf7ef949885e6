"""A third-party Provider's journey in the browser: sign in, find the documents they maintain (and
only those), upload a new version, and see it listed with its hash; the organisation's own
documents and assessments stay out of reach."""

import pytest

from secassure.evidence import actions as evidence
from secassure.evidence.models import DocumentVersion
from secassure.profile.actions import add_provider
from secassure.tenancy.models import Membership
from tests.e2e.browsing import follow
from tests.evidence import files
from tests.personas import join, make_user


@pytest.fixture
def provider_member(org_a):
    host = add_provider(org_a, name="Shared Host Ltd", kind="srp", by=None)
    person = make_user("pat@host.test")
    join(person, org_a, "provider")
    evidence.assign_provider_member(host, Membership.objects.get(user=person), by=None)
    theirs = evidence.add_document(org_a, title="Hosting Security Policy", doc_type="policy", provider=host, by=None)
    evidence.add_version(theirs, chunks=[files.PDF], name="hosting-v1.pdf", by=None)
    ours = evidence.add_document(org_a, title="Our Board Minutes", doc_type="record", by=None)
    return person, theirs, ours


def test_a_provider_uploads_a_new_version_of_their_document(open_as, site, provider_member, tmp_path):
    person, theirs, ours = provider_member
    page = open_as(person)  # their home page leads them to their documents
    follow(page, "table.portfolio a:has-text('the documents you maintain')")
    assert page.url == f"{site}/orgs/org-a/documents/"
    listed = page.locator("main").inner_text()
    assert "Hosting Security Policy" in listed and "Our Board Minutes" not in listed
    follow(page, "text=Hosting Security Policy")
    upload = tmp_path / "hosting-v2.pdf"
    upload.write_bytes(files.PDF + b"\n% revised")
    page.set_input_files("input[name=file]", str(upload))
    page.fill("input[name=note]", "Annual revision")
    follow(page, "button:has-text('Upload')")
    version = DocumentVersion.objects.get(document=theirs, number=2)
    assert version.uploaded_by == person and version.note == "Annual revision"
    text = page.content()
    assert "hosting-v2.pdf" in text and version.sha256[:12] in text
    assert page.goto(f"{site}/orgs/org-a/documents/{ours.pk}/").status == 404
    assert page.goto(f"{site}/orgs/org-a/assessments/").status == 404
