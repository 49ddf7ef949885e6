"""Provider members: they see and update the documents assigned to their provider, nothing else."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions
from secassure.evidence.models import DocumentVersion
from secassure.profile.actions import add_provider
from tests.evidence import files
from tests.personas import join, make_user, persona


@pytest.fixture(autouse=True)
def blob_dir(settings, tmp_path):
    settings.SECASSURE_BLOB_DIR = tmp_path / "blobs"


@pytest.fixture
def setup(org_a, alice, settings):
    settings.SECASSURE_REQUIRE_MFA = False
    provider = add_provider(org_a, name="Northgate SRS", kind="srp", by=None)
    theirs = actions.add_document(org_a, title="SRP key management procedure", doc_type="procedure",
                                  provider=provider, by=None)
    actions.add_version(theirs, chunks=[files.PDF], name="keys.pdf", by=None)
    own = actions.add_document(org_a, title="Board minutes", doc_type="record", by=None)
    actions.add_version(own, chunks=[files.PDF + b"own"], name="minutes.pdf", by=None)
    person = persona("engineer", org_a)
    actions.assign_provider_member(provider, person.membership, by=None)
    return {"person": person, "theirs": theirs, "own": own, "org": org_a}


def test_a_provider_member_sees_only_their_documents(client, setup):
    org, theirs, own = setup["org"], setup["theirs"], setup["own"]
    client.force_login(setup["person"])
    register = client.get(f"/orgs/{org.slug}/documents/").content.decode()
    assert "SRP key management procedure" in register and "Board minutes" not in register
    assert "Add a document" not in register
    assert client.get(f"/orgs/{org.slug}/documents/{theirs.pk}/").status_code == 200
    assert client.get(f"/orgs/{org.slug}/documents/{theirs.pk}/versions/1/download/").status_code == 200
    for url in (f"/orgs/{org.slug}/documents/{own.pk}/", f"/orgs/{org.slug}/documents/{own.pk}/versions/1/download/",
                f"/orgs/{org.slug}/", f"/orgs/{org.slug}/members/", f"/orgs/{org.slug}/edit/",
                f"/orgs/{org.slug}/obligations/", f"/orgs/{org.slug}/providers/"):
        assert client.get(url).status_code == 404, url


def test_a_provider_member_adds_versions_to_assigned_documents_only(client, setup):
    org, theirs, own = setup["org"], setup["theirs"], setup["own"]
    client.force_login(setup["person"])
    ok = client.post(f"/orgs/{org.slug}/documents/{theirs.pk}/",
                     {"file": SimpleUploadedFile("keys-v2.pdf", files.PDF + b"v2")})
    assert ok.status_code == 302 and theirs.versions.count() == 2
    refused = client.post(f"/orgs/{org.slug}/documents/{own.pk}/",
                          {"file": SimpleUploadedFile("minutes.pdf", files.PDF + b"sneaky")})
    assert refused.status_code == 404 and own.versions.count() == 1
    assert client.post(f"/orgs/{org.slug}/documents/", {"title": "New", "doc_type": "policy",
                                                         "classification": "internal",
                                                         "review_months": 12}).status_code == 404
    assert client.post(f"/orgs/{org.slug}/documents/{theirs.pk}/accept/", {"basis": "mine"}).status_code == 403
    assert DocumentVersion.objects.filter(uploaded_by=setup["person"]).count() == 1


def test_a_provider_member_not_yet_assigned_sees_nothing(client, org_a, setup):
    other = make_user("new@northgate.test")
    join(other, org_a, "provider")
    client.force_login(other)
    assert client.get(f"/orgs/{org_a.slug}/documents/").status_code == 404


def test_only_provider_role_members_of_the_organisation_can_be_assigned(org_a, org_b, bob, mallory):
    from secassure.tenancy.models import Membership

    provider = add_provider(org_a, name="Host Co", by=None)
    with pytest.raises(actions.ActionError, match="not in the Provider role"):
        actions.assign_provider_member(provider, Membership.objects.get(user=bob), by=None)
    with pytest.raises(actions.ActionError, match="another organisation"):
        actions.assign_provider_member(provider, Membership.objects.get(user=mallory), by=None)


def test_owners_record_acceptance_from_the_page(client, alice, setup):
    org, theirs = setup["org"], setup["theirs"]
    client.force_login(alice)
    page = client.get(f"/orgs/{org.slug}/documents/{theirs.pk}/").content.decode()
    assert "Acceptance lapsed" in page and "Accept version 1" in page
    client.post(f"/orgs/{org.slug}/documents/{theirs.pk}/accept/", {"basis": "Checked against G3.13 to G3.16"})
    page = client.get(f"/orgs/{org.slug}/documents/{theirs.pk}/").content.decode()
    assert "Version 1 accepted" in page and "Current" in page
    assert Event.objects.filter(action="evidence.acceptance.recorded", actor=alice).exists()


def test_owners_add_providers_and_assign_their_people_from_the_web(client, alice, org_a, settings):
    settings.SECASSURE_REQUIRE_MFA = False
    client.force_login(alice)
    response = client.post(f"/orgs/{org_a.slug}/providers/", {"name": "Cloud Host Ltd", "kind": "hosting"})
    assert response.status_code == 302
    provider = org_a.providers.get()
    person = make_user("ops@cloudhost.test")
    membership = join(person, org_a, "provider")
    page = client.get(f"/orgs/{org_a.slug}/providers/").content.decode()
    assert "Cloud Host Ltd" in page and "ops@cloudhost.test" in page
    client.post(f"/orgs/{org_a.slug}/providers/{provider.pk}/members/", {"membership": membership.pk})
    assert membership.provider_link.provider == provider
    add = client.post(f"/orgs/{org_a.slug}/documents/", {"title": "Hosting SOC 2 report", "doc_type": "report",
                                                         "classification": "confidential", "review_months": 12,
                                                         "provider": provider.pk})
    assert add.status_code == 302
    assert org_a.documents.get(title="Hosting SOC 2 report").provider == provider
    assert Event.objects.filter(action="evidence.provider.member_assigned").exists()


def test_a_document_cannot_name_another_organisations_provider(client, alice, org_a, org_b, settings):
    settings.SECASSURE_REQUIRE_MFA = False
    theirs = add_provider(org_b, name="B's host", by=None)
    client.force_login(alice)
    response = client.post(f"/orgs/{org_a.slug}/documents/", {"title": "X", "doc_type": "report",
                                                              "classification": "internal", "review_months": 12,
                                                              "provider": theirs.pk})
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    assert not org_a.documents.exists()


def test_contributors_see_providers_but_do_not_add_them(client, bob, org_a):
    client.force_login(bob)
    assert client.get(f"/orgs/{org_a.slug}/providers/").status_code == 200
    assert client.post(f"/orgs/{org_a.slug}/providers/", {"name": "X", "kind": "other"}).status_code == 403
    assert not org_a.providers.exists()


def test_every_link_on_a_provider_members_pages_opens(client, setup):
    """Their breadcrumbs name the organisation without linking to its page, which is not theirs."""
    from tests.crawl import client_fetcher, walk

    client.force_login(setup["person"])
    result = walk(client_fetcher(client), start=[f"/orgs/{setup['org'].slug}/documents/"], who="provider")
    assert not result.problems, "\n".join(result.problems)
    assert f"/orgs/{setup['org'].slug}/documents/{setup['theirs'].pk}/" in result.visited


def test_an_owner_edits_a_provider_and_saving_it_unchanged_changes_nothing(client, alice, org_a, settings):
    from secassure.profile.models import ThirdPartyProvider

    settings.SECASSURE_REQUIRE_MFA = False
    host = add_provider(org_a, name="Northgate SRS", kind="srp", party_id="SRP-7", services="Hosts the head-end",
                        relationship_start=dt.date(2025, 1, 1), by=None)
    client.force_login(alice)
    listing = client.get(f"/orgs/{org_a.slug}/providers/").content.decode()
    assert f"/orgs/{org_a.slug}/providers/{host.pk}/edit/" in listing and "SEC Party id SRP-7" in listing
    page = client.get(f"/orgs/{org_a.slug}/providers/{host.pk}/edit/").content.decode()
    # The form shows what is recorded, dates in the form the browser's date field accepts.
    assert 'value="2025-01-01"' in page and 'value="SRP-7"' in page and 'value="Northgate SRS"' in page
    values = {"name": "Northgate SRS", "kind": "srp", "party_id": "SRP-7", "services": "Hosts the head-end",
              "contacts": "", "relationship_start": "2025-01-01", "relationship_end": "", "notes": ""}
    events = Event.objects.count()
    assert client.post(f"/orgs/{org_a.slug}/providers/{host.pk}/edit/", values).status_code == 302
    assert Event.objects.count() == events  # unchanged: nothing written
    ended = client.post(f"/orgs/{org_a.slug}/providers/{host.pk}/edit/", {**values, "relationship_end": "2026-06-30"})
    assert ended.status_code == 302 and ended["Location"] == f"/orgs/{org_a.slug}/providers/"
    host.refresh_from_db()
    assert host.relationship_end == dt.date(2026, 6, 30) and not host.in_force_on(dt.date(2026, 7, 1))
    event = Event.objects.get(action="evidence.provider.changed")
    assert (event.before, event.after) == ({"relationship_end": None}, {"relationship_end": "2026-06-30"})
    backwards = client.post(f"/orgs/{org_a.slug}/providers/{host.pk}/edit/",
                            {**values, "relationship_end": "2024-12-31"})
    assert b"end date is before its start date" in backwards.content
    assert ThirdPartyProvider.objects.get(pk=host.pk).relationship_end == dt.date(2026, 6, 30)


def test_a_provider_running_a_user_system_stays_a_shared_resource_provider(org_a):
    from secassure.profile.actions import add_user_system, update_provider

    host = add_provider(org_a, name="Northgate SRS", kind="srp", by=None)
    add_user_system(org_a, name="Head-end", kind="primary", hosting="srp-hosted", srp_provider=host, by=None)
    with pytest.raises(ActionError, match="stays of that kind"):
        update_provider(host, {"kind": "hosting"}, by=None)


def test_nobody_edits_another_organisations_provider(client, alice, bob, org_a, org_b, settings):
    settings.SECASSURE_REQUIRE_MFA = False
    theirs = add_provider(org_b, name="B's host", by=None)
    ours = add_provider(org_a, name="Our host", by=None)
    client.force_login(alice)
    assert client.get(f"/orgs/{org_a.slug}/providers/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/orgs/{org_b.slug}/providers/{theirs.pk}/edit/", {"name": "Mine"}).status_code == 404
    client.force_login(bob)  # a Contributor
    edit = client.post(f"/orgs/{org_a.slug}/providers/{ours.pk}/edit/", {"name": "X", "kind": "other"})
    assert edit.status_code == 403
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.name, theirs.name) == ("Our host", "B's host")
