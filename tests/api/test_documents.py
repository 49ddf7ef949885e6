"""The document register through the JSON API: who reads and who adds documents and versions (as on
the web, a provider's member only their provider's documents), uploads checked as the web checks
them, the bytes uploaded coming back on download, pagination at a fixed number of queries, and
audit events naming the token's person."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secassure.audit.models import Event
from secassure.evidence import actions
from secassure.evidence.models import Document, DocumentVersion
from secassure.profile.actions import add_provider
from tests.api.client import Api, make_token
from tests.evidence import files
from tests.evidence.test_upload_hardening import JAVASCRIPT, vba_project
from tests.personas import persona

PROBLEM = "application/problem+json"
NEW = {"title": "Access control policy", "doc_type": "policy", "classification": "confidential", "review_months": 6}


@pytest.fixture
def register(org_a):
    """Org A's register: its own policy with one version, and a procedure Northgate SRS maintains,
    whose member is the engineer."""
    provider = add_provider(org_a, name="Northgate SRS", kind="srp", by=None)
    own = actions.add_document(org_a, title="Information Security Policy", doc_type="policy", by=None)
    actions.add_version(own, chunks=[files.PDF], name="policy.pdf", by=None)
    theirs = actions.add_document(org_a, title="SRP key management procedure", doc_type="procedure",
                                  provider=provider, by=None)
    actions.add_version(theirs, chunks=[files.PDF + b"keys"], name="keys.pdf", by=None)
    engineer = persona("engineer", org_a)
    actions.assign_provider_member(provider, engineer.membership, by=None)
    return {"own": own, "theirs": theirs, "provider": provider, "engineer": engineer}


def _api(user, org, read_only: bool = False) -> Api:
    return Api(make_token(user, org, read_only=read_only))


def _path(org, tail: str = "") -> str:
    return f"/organisations/{org.slug}/documents{tail}"


def _upload(api: Api, org, document, content: bytes, name: str = "policy-v2.pdf", **data):
    return api.upload(_path(org, f"/{document.pk}/versions"),
                      {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")}, data)


def _body(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def _version(document) -> DocumentVersion:
    return document.versions.order_by("-number").first()


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_an_owner_or_contributor_adds_a_document_and_uploads_a_version_that_downloads_as_sent(org_a, register, who):
    person = persona(who, org_a)
    api = _api(person, org_a)
    added = api.post(_path(org_a), NEW)
    assert added.status_code == 201, added.content
    document = added.json()
    assert (document["title"], document["classification"], document["owner"], document["current_version"],
            document["freshness"]["state"]) == (NEW["title"], "confidential", person.email, None, "missing")
    assert Event.objects.get(action="evidence.document.added", object_id=str(document["id"])).actor_id == person.pk

    content = files.PDF + "Signed off by the board \u2013 \u00a3 \U0001f512".encode() + bytes(range(256)) * 40
    uploaded = _upload(api, org_a, Document.objects.get(pk=document["id"]), content, "access-control.pdf",
                       effective_date="2026-02-01", expiry_date="2027-02-01", note="Approved at the March board")
    assert uploaded.status_code == 201, uploaded.content
    version = uploaded.json()
    assert (version["number"], version["name"], version["size"], version["media_type"], version["effective_date"],
            version["expiry_date"], version["note"], version["uploaded_by"]) == (
        1, "access-control.pdf", len(content), "application/pdf", "2026-02-01", "2027-02-01",
        "Approved at the March board", person.email)
    event = Event.objects.get(action="evidence.version.added", object_id=str(version["id"]))
    assert event.actor_id == person.pk

    download = api.client.get("/api/v1" + version["file"].removeprefix("/api/v1"), headers=api._headers(), secure=True)
    assert _body(download) == content
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="access-control.pdf"')
    assert download["X-Content-Type-Options"] == "nosniff"

    shown = api.get(_path(org_a, f"/{document['id']}")).json()
    assert shown["current_version"] == version and shown["next_review"] == "2026-08-01"
    assert shown["freshness"]["state"] in ("current", "review-due", "overdue")


@pytest.mark.parametrize("who", ["dave", "olive"])
def test_an_approver_or_observer_reads_and_downloads_but_adds_nothing(org_a, register, who):
    own = register["own"]
    api = _api(persona(who, org_a), org_a)
    titles = {d["title"] for d in api.everything(_path(org_a))}
    assert titles == {"Information Security Policy", "SRP key management procedure"}
    assert [v["number"] for v in api.everything(_path(org_a, f"/{own.pk}/versions"))] == [1]
    assert _body(api.get(_path(org_a, f"/{own.pk}/versions/{_version(own).pk}/file"))) == files.PDF
    # The web answers these with 404 for a role that may not upload: so does the API.
    for response in (api.post(_path(org_a), NEW), _upload(api, org_a, own, files.PDF + b"v2")):
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert Document.objects.count() == 2 and own.versions.count() == 1


def test_a_providers_member_sees_and_updates_only_their_providers_documents(org_a, register):
    own, theirs = register["own"], register["theirs"]
    api = _api(register["engineer"], org_a)
    listed = api.everything(_path(org_a))
    assert [(d["title"], d["provider"]) for d in listed] == [("SRP key management procedure", "Northgate SRS")]
    assert listed[0]["freshness"]["state"] == "acceptance-lapsed"
    assert api.get(_path(org_a, f"/{theirs.pk}")).status_code == 200
    assert _body(api.get(_path(org_a, f"/{theirs.pk}/versions/{_version(theirs).pk}/file"))) == files.PDF + b"keys"
    added = _upload(api, org_a, theirs, files.PDF + b"keys v2", "keys-v2.pdf")
    assert added.status_code == 201 and added.json()["number"] == 2
    assert Event.objects.get(action="evidence.version.added",
                             object_id=str(added.json()["id"])).actor_id == register["engineer"].pk
    for response in (api.get(_path(org_a, f"/{own.pk}")), api.get(_path(org_a, f"/{own.pk}/versions")),
                     api.get(_path(org_a, f"/{own.pk}/versions/{_version(own).pk}/file")),
                     _upload(api, org_a, own, files.PDF + b"sneaky"), api.post(_path(org_a), NEW)):
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert own.versions.count() == 1 and Document.objects.count() == 2


def test_a_cio_reviewer_does_not_reach_the_register(org_a, register, carol):
    own = register["own"]
    api = _api(carol, org_a)
    for response in (api.get(_path(org_a)), api.get(_path(org_a, f"/{own.pk}")),
                     api.get(_path(org_a, f"/{own.pk}/versions/{_version(own).pk}/file")),
                     api.post(_path(org_a), NEW), _upload(api, org_a, own, files.PDF + b"v2")):
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert own.versions.count() == 1


def test_a_read_only_token_reads_but_adds_nothing(org_a, register, alice):
    own = register["own"]
    api = _api(alice, org_a, read_only=True)
    assert api.get(_path(org_a, f"/{own.pk}")).status_code == 200
    for response in (api.post(_path(org_a), NEW), _upload(api, org_a, own, files.PDF + b"v2")):
        assert response.status_code == 403 and "read-only" in response.json()["detail"]
    assert Document.objects.count() == 2 and own.versions.count() == 1


def test_another_organisations_documents_and_versions_are_not_found_under_our_slug(org_a, org_b, register, alice,
                                                                                   mallory):
    theirs = actions.add_document(org_b, title="Bravo policy", doc_type="policy", by=None)
    actions.add_version(theirs, chunks=[files.PDF + b"bravo"], name="bravo.pdf", by=None)
    own = register["own"]
    api = _api(alice, org_a)
    for response in (api.get(_path(org_a, f"/{theirs.pk}")), api.get(_path(org_a, f"/{theirs.pk}/versions")),
                     api.get(_path(org_a, f"/{theirs.pk}/versions/{_version(theirs).pk}/file")),
                     api.get(_path(org_a, f"/{own.pk}/versions/{_version(theirs).pk}/file")),
                     api.get(_path(org_a, f"/{own.pk}/versions/{_version(register['theirs']).pk}/file")),
                     _upload(api, org_a, theirs, files.PDF + b"taken"), api.get(_path(org_b)),
                     api.post(_path(org_b), NEW)):
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert _api(mallory, org_b).get(_path(org_a)).status_code == 404
    assert theirs.versions.count() == 1 and Document.objects.filter(organisation=org_b).count() == 1


REFUSED = {
    "a program named as a PDF": (files.EXE, "policy.pdf", "policy.pdf: the content is a program"),
    "a PDF with JavaScript": (JAVASCRIPT, "policy.pdf", "holds JavaScript"),
    "a Word file with macros": (vba_project(), "policy.doc", "the file holds macros"),
    "a macro-enabled name": (files.ooxml("word"), "policy.docm", ".docm is a macro-enabled Office format"),
    "an empty file": (b"", "empty.pdf", "empty.pdf: the file is empty"),
}


@pytest.mark.parametrize(("content", "name", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_upload_answers_422_with_the_products_message_and_keeps_nothing(org_a, register, bob, _blob_dir,
                                                                                 content, name, message):
    own = register["own"]
    stored = {p for p in _blob_dir.rglob("*") if p.is_file()}
    refused = _upload(_api(bob, org_a), org_a, own, content, name)
    assert refused.status_code == 422 and refused["Content-Type"] == PROBLEM
    assert message in refused.json()["detail"]
    assert own.versions.count() == 1 and {p for p in _blob_dir.rglob("*") if p.is_file()} == stored
    assert not Event.objects.filter(action="evidence.version.added", actor_id=bob.pk).exists()


def test_an_upload_over_the_limit_is_refused_as_it_arrives(org_a, register, bob, settings):
    settings.SECASSURE_MAX_UPLOAD_BYTES = 10_000
    refused = _upload(_api(bob, org_a), org_a, register["own"], b"%PDF-" + b"x" * 200_000, "huge.pdf")
    assert refused.status_code == 413 and refused["Content-Type"] == PROBLEM
    assert refused.json()["detail"] == "huge.pdf: the file is larger than the 10,000-byte upload limit"
    assert register["own"].versions.count() == 1


def test_other_refusals_and_malformed_requests_never_fail_the_server(org_a, register, alice):
    own = register["own"]
    api = _api(alice, org_a)
    checks = [
        (api.post(_path(org_a), NEW | {"doc_type": "memo"}), 422, "'memo' is not a document type"),
        (api.post(_path(org_a), NEW | {"title": " "}), 422, "give the document a title"),
        (api.post(_path(org_a), NEW | {"provider_id": 999999}), 422, "Alpha Energy Ltd has no provider 999999"),
        (_upload(api, org_a, own, files.PDF + b"v2", expiry_date="2020-01-01", effective_date="2021-01-01"), 422,
         "the expiry date must come after the effective date"),
        (api.upload(_path(org_a, f"/{own.pk}/versions"), {}, {"note": "no file"}), 422, "send the file"),
        (_upload(api, org_a, own, files.PDF + b"v2", note="Signed\x00off"), 422,
         "the note holds a control character (code 0x00)"),
        (api.post(_path(org_a), NEW | {"review_months": 10**30}), 422, ""),
        (api.get(_path(org_a, "/99999999999999999999")), 422, ""),
        (api.get(_path(org_a, f"/{own.pk}/versions/0/file")), 422, ""),
        (api.get(_path(org_a, f"/{own.pk}/versions/2147483647/file")), 404, ""),
    ]
    for response, status, message in checks:
        assert response.status_code == status, response.content
        assert message in response.json()["detail"]
    odd = api.post(_path(org_a), NEW | {"title": "Politique de s\u00e9curit\u00e9 \U0001f512"})
    assert odd.status_code == 201, odd.content
    assert own.versions.count() == 1


def test_a_version_added_for_a_provider_can_be_linked_to_that_provider(org_a, register, alice):
    added = _api(alice, org_a).post(_path(org_a), NEW | {"provider_id": register["provider"].pk})
    assert added.status_code == 201 and added.json()["provider"] == "Northgate SRS"
    assert Document.objects.get(pk=added.json()["id"]).provider == register["provider"]


def test_the_register_and_the_versions_page_through_everything_once_in_a_stable_order(org_a, register, alice):
    own = register["own"]
    made = [actions.add_document(org_a, title=f"Record {n}", doc_type="record", by=None).pk for n in range(5)]
    for n in range(4):
        actions.add_version(own, chunks=[files.PDF + b"%d" % n], name=f"policy-{n}.pdf", by=None)
    api = _api(alice, org_a)
    first = api.get(_path(org_a), page_size=2).json()
    assert len(first["results"]) == 2 and first["next"]
    seen = [d["id"] for d in api.everything(_path(org_a), page_size=2)]
    assert seen == sorted([own.pk, register["theirs"].pk, *made])
    numbers = [v["number"] for v in api.everything(_path(org_a, f"/{own.pk}/versions"), page_size=2)]
    assert numbers == [1, 2, 3, 4, 5]


def _queries(api, path: str, page_size: int) -> int:
    api.get(path, page_size=1)  # the token's first use of the day is recorded once: not the list's cost
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, page_size=page_size)
    assert response.status_code == 200 and len(response.json()["results"]) == page_size
    return len(captured)


def test_a_page_of_documents_or_versions_costs_the_same_queries_however_many(org_a, register, alice):
    own, provider = register["own"], register["provider"]
    for n in range(28):
        document = actions.add_document(org_a, title=f"Record {n}", doc_type="record", owner=alice,
                                        provider=provider if n % 2 else None, by=None)
        actions.add_version(document, chunks=[files.PDF + b"r%d" % n], name=f"record-{n}.pdf", by=alice)
        actions.add_version(own, chunks=[files.PDF + b"v%d" % n], name=f"policy-{n}.pdf", by=alice)
    api = _api(alice, org_a)
    assert _queries(api, _path(org_a), 3) == _queries(api, _path(org_a), 30) <= 6
    versions = _path(org_a, f"/{own.pk}/versions")
    assert _queries(api, versions, 3) == _queries(api, versions, 29) <= 6


def test_a_token_reaches_only_its_own_organisation_even_for_someone_in_both(org_a, org_b, register, consultant):
    from tests.personas import join

    join(consultant, org_a, "owner")
    join(consultant, org_b, "owner")
    own = register["own"]
    api = _api(consultant, org_b)
    for response in (api.get(_path(org_a)), api.get(_path(org_a, f"/{own.pk}")),
                     api.get(_path(org_a, f"/{own.pk}/versions")),
                     api.get(_path(org_a, f"/{own.pk}/versions/{_version(own).pk}/file")),
                     api.post(_path(org_a), NEW), _upload(api, org_a, own, files.PDF + b"from B")):
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert own.versions.count() == 1 and Document.objects.count() == 2


def test_a_file_changed_on_disk_is_not_served(org_a, register, olive):
    import os

    from secassure.evidence import blobs

    own = register["own"]
    version = _version(own)
    path = blobs.path_of(version.sha256)
    os.chmod(path, 0o640)
    path.write_bytes(files.PDF.replace(b"Catalog", b"Catalox"))
    refused = _api(olive, org_a).get(_path(org_a, f"/{own.pk}/versions/{version.pk}/file"))
    assert refused.status_code == 409 and refused["Content-Type"] == PROBLEM
    assert "no longer matches the fingerprint it was stored with" in refused.json()["detail"]
    assert Event.objects.filter(action="evidence.blob.tampered").exists()
