"""Read-and-understood campaigns: members or a CSV of staff, private links, completion, audit."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions, attestations
from secassure.evidence.models import Attestation
from tests.evidence import files


@pytest.fixture(autouse=True)
def blob_dir(settings, tmp_path):
    settings.SECASSURE_BLOB_DIR = tmp_path / "blobs"


@pytest.fixture
def policy(org_a):
    doc = actions.add_document(org_a, title="Acceptable use policy", doc_type="policy", by=None)
    actions.add_version(doc, chunks=[files.PDF], name="aup.pdf", by=None)
    return doc


def test_a_campaign_from_a_csv_and_the_members(client, alice, bob, org_a, policy, mailoutbox,
                                               django_capture_on_commit_callbacks):
    client.force_login(alice)
    csv = b"name,email\nAda Lovelace,ada@staff.test\nBob Again,BOB@a.test\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orgs/{org_a.slug}/documents/{policy.pk}/campaigns/", {
            "members": "on", "people_csv": SimpleUploadedFile("staff.csv", csv, content_type="text/csv")},
            follow=True)
    assert "3 people are asked to read version 1" in response.content.decode()
    assert sorted(Attestation.objects.values_list("email", flat=True)) == ["ada@staff.test", "alice@a.test",
                                                                           "bob@a.test"]
    assert len(mailoutbox) == 3
    ada = next(m for m in mailoutbox if m.to == ["ada@staff.test"])
    link = re.search(r"(/attest/[^/\s]+/)", ada.body).group(1)
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and b"Acceptable use policy" in page.content
    assert client.get(link + "file/").status_code == 200
    confirmed = client.post(link)
    assert b"Thank you: you confirmed" in confirmed.content
    client.post(link)  # twice: still one confirmation, one event
    assert Event.objects.filter(action="evidence.attestation.confirmed").count() == 1
    client.force_login(alice)
    detail = client.get(f"/orgs/{org_a.slug}/documents/{policy.pk}/").content.decode()
    assert "1 of 3" in detail
    assert Event.objects.filter(action="evidence.attestation.campaign_started").exists()
    assert "/attest/" not in str(list(Event.objects.values_list("after", flat=True)))


@pytest.mark.parametrize(("data", "problem"), [
    (b"who,address\nAda,ada@x.test\n", "row 1: expected the columns name and email"),
    (b"name,email\nAda,not-an-address\n", "row 2, column email: 'not-an-address' is not an email address"),
    (b"name,email\n,ada@x.test\n", "row 2, column name: empty"),
    (b"name,email\nAda,ada@x.test\nAda,ADA@x.test\n", "row 3, column email: ada@x.test is listed twice"),
    (b"name,email\n", "no people listed"),
    ("name,email\nZo\u00eb,zoe@x.test\n".encode("latin-1"), "not UTF-8 text"),
    (b"x" * (1024 * 1024 + 1), "larger than 1,048,576 bytes"),
])
def test_bad_staff_lists_are_refused_naming_the_row(data, problem):
    with pytest.raises(ActionError) as refused:
        attestations.parse_people_csv("staff.csv", data)
    assert problem in str(refused.value)


def test_a_formula_in_a_name_is_kept_as_text(policy):
    people = attestations.parse_people_csv("staff.csv", b"name,email\n=HYPERLINK(1),eve@x.test\n")
    campaign, _ = attestations.start_campaign(policy.versions.get(), people, by=None)
    assert campaign.attestations.get().name == "=HYPERLINK(1)"


def test_an_unknown_link_and_other_organisations(client, org_a, policy, mallory):
    assert client.get("/attest/not-a-token/").status_code == 410
    assert client.get("/attest/not-a-token/file/").status_code == 404
    client.force_login(mallory)
    response = client.post(f"/orgs/{org_a.slug}/documents/{policy.pk}/campaigns/", {"members": "on"})
    assert response.status_code == 404 and not Attestation.objects.exists()
