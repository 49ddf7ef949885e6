"""The document register: immutable, checked, content-addressed evidence files."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from secassure.audit.models import Event
from secassure.audit.verify import verify
from secassure.errors import ActionError
from secassure.evidence import actions, blobs
from secassure.evidence.models import Document, DocumentVersion
from secassure.profile.actions import add_provider
from tests.evidence import files


@pytest.fixture(autouse=True)
def blob_dir(settings, tmp_path):
    settings.SECASSURE_BLOB_DIR = tmp_path / "blobs"
    return settings.SECASSURE_BLOB_DIR


@pytest.fixture
def policy(org_a, alice):
    return actions.add_document(org_a, title="Information Security Policy", doc_type="policy", owner=alice, by=None)


def _add(document, content: bytes, name: str, **kwargs):
    return actions.add_version(document, chunks=[content], name=name, by=None, **kwargs)


def _blob_files(blob_dir):
    return sorted(p for p in blob_dir.rglob("*") if p.is_file() and p.relative_to(blob_dir).parts[0] != "tmp")


def test_a_version_is_stored_under_its_hash_and_audited(policy, blob_dir):
    version = _add(policy, files.PDF, "policy.pdf")
    assert version.number == 1 and version.media_type == "application/pdf" and version.size == len(files.PDF)
    stored = _blob_files(blob_dir)
    assert [p.name for p in stored] == [version.sha256]
    assert stored[0].read_bytes() == files.PDF
    assert Event.objects.filter(action="evidence.version.added", after__sha256=version.sha256).exists()
    assert Event.objects.filter(action="evidence.document.added").exists()
    policy.refresh_from_db()
    assert policy.next_review is not None
    assert verify().ok


def test_the_same_file_twice_is_stored_once(policy, blob_dir):
    first = _add(policy, files.PDF, "policy.pdf")
    second = _add(policy, files.PDF, "policy-copy.pdf")
    assert (first.number, second.number) == (1, 2) and first.sha256 == second.sha256
    assert len(_blob_files(blob_dir)) == 1


@pytest.mark.parametrize(("content", "name", "media_type"), [
    (files.ooxml("word"), "procedure.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (files.ooxml("xl"), "register.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (files.PNG, "screenshot.png", "image/png"),
    (files.CSV, "staff.csv", "text/csv"),
    (files.EML, "notice.eml", "message/rfc822"),
    (files.ole("__substg1.0_0037001F", "__properties_version1.0"), "notice.msg", "application/vnd.ms-outlook"),
    # the marker straddles the scanner's 1 MiB read boundary
    (files.ole("__substg1.0_1000001F", padding=1024 * 1024 - 640 - 6), "big.msg",
     "application/vnd.ms-outlook"),
    (files.ole("WordDocument", "1Table"), "policy.doc", "application/msword"),
    (files.ole("Workbook"), "register.xls", "application/vnd.ms-excel"),
    (files.ole("PowerPoint Document"), "briefing.ppt", "application/vnd.ms-powerpoint"),
])
def test_allowed_kinds_are_kept(policy, content, name, media_type):
    assert _add(policy, content, name).media_type == media_type


def test_versions_are_immutable(policy):
    version = _add(policy, files.PDF, "policy.pdf")
    version.note = "changed"
    with pytest.raises(ValueError, match="immutable"):
        version.save()
    with pytest.raises(ValueError, match="never deleted"):
        version.delete()


@pytest.mark.parametrize(("content", "name", "problem"), [
    (files.EXE, "policy.pdf", "the content is a program"),
    (files.EXE, "setup.exe", ".exe files are not accepted"),
    (files.PNG, "policy.pdf", "does not match the .pdf extension (it looks like png)"),
    (files.HTML, "notes.txt", "HTML, SVG and XML files are not accepted"),
    (files.SVG, "diagram.txt", "HTML, SVG and XML files are not accepted"),
    (files.SVG, "diagram.svg", ".svg files are not accepted"),
    (b"", "empty.pdf", "the file is empty"),
    (files.PDF, "../../etc/passwd.pdf", "may not contain / or \\"),
    (files.PDF, "sub\\dir.pdf", "may not contain / or \\"),
    (files.PDF, "bell\x07.pdf", "control characters"),
    (files.PDF, ".hidden.pdf", "not a usable file name"),
    (files.zip_bomb(), "register.xlsx", "a zip bomb"),
    (files.ole("WordDocument"), "notice.msg", "does not match the .msg extension (it looks like ole-word)"),
    (files.ole("__substg1.0_0037001F"), "policy.doc", "does not match the .doc extension (it looks like ole-outlook)"),
    (files.ole("Contents"), "policy.doc", "does not match the .doc extension (it looks like ole)"),
    (b"PK\x03\x04 not really a zip", "register.xlsx", "a damaged zip container"),
])
def test_bad_files_are_refused_and_leave_nothing_behind(policy, blob_dir, content, name, problem):
    with pytest.raises(ActionError) as refused:
        _add(policy, content, name)
    assert problem in str(refused.value)
    assert _blob_files(blob_dir) == []
    assert not list((blob_dir / "tmp").glob("*")) if (blob_dir / "tmp").exists() else True
    assert DocumentVersion.objects.count() == 0
    assert not Event.objects.filter(action="evidence.version.added").exists()


def test_an_oversized_file_is_refused_while_streaming(policy, blob_dir, settings):
    settings.SECASSURE_MAX_UPLOAD_BYTES = 4096
    produced = []

    def chunks():
        for _ in range(100):
            produced.append(1)
            yield b"%PDF-" + b"x" * 1019
    with pytest.raises(ActionError, match="larger than the 4,096-byte upload limit"):
        actions.add_version(policy, chunks=chunks(), name="big.pdf", by=None)
    assert len(produced) < 10  # it stopped reading, not after the whole file
    assert _blob_files(blob_dir) == [] and not list((blob_dir / "tmp").glob("*"))


def test_an_upload_cut_off_mid_stream_leaves_nothing_behind(policy, blob_dir):
    def chunks():
        yield files.PDF
        raise ConnectionResetError("client went away")
    with pytest.raises(ConnectionResetError):
        actions.add_version(policy, chunks=chunks(), name="policy.pdf", by=None)
    assert _blob_files(blob_dir) == [] and not list((blob_dir / "tmp").glob("*"))
    assert DocumentVersion.objects.count() == 0


def test_a_tampered_blob_is_found_by_verify_and_refused_on_download(client, alice, org_a, policy, blob_dir, cli):
    version = _add(policy, files.PDF, "policy.pdf")
    assert cli("doc", "verify", org_a.slug).exit_code == 0
    path = blobs.path_of(version.sha256)
    os.chmod(path, 0o640)
    path.write_bytes(files.PDF.replace(b"Catalog", b"Catalox"))
    result = cli("doc", "verify", org_a.slug, "--json")
    assert result.exit_code == 1
    assert result.json()[0]["ok"] is False and "not to its name" in result.json()[0]["problem"]
    client.force_login(alice)
    response = client.get(f"/orgs/{org_a.slug}/documents/{policy.pk}/versions/1/download/")
    assert response.status_code == 409 and b"has been changed on disk" in response.content
    assert Event.objects.filter(action="evidence.blob.tampered").exists()
    path.unlink()
    assert "missing" in cli("doc", "verify", org_a.slug, "--json").json()[0]["problem"]


def test_download_is_an_attachment_with_a_safe_name(client, alice, org_a, policy):
    _add(policy, files.PDF, "Security Policy (v3).pdf")
    client.force_login(alice)
    response = client.get(f"/orgs/{org_a.slug}/documents/{policy.pk}/versions/1/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Security Policy (v3).pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == files.PDF


def test_uploading_from_the_web(client, bob, org_a, policy):
    client.force_login(bob)
    response = client.post(f"/orgs/{org_a.slug}/documents/{policy.pk}/", {
        "file": SimpleUploadedFile("policy.pdf", files.PDF, content_type="application/pdf")})
    assert response.status_code == 302
    assert policy.versions.get().uploaded_by == bob
    refused = client.post(f"/orgs/{org_a.slug}/documents/{policy.pk}/", {
        "file": SimpleUploadedFile("policy.pdf", files.EXE, content_type="application/pdf")})
    assert refused.status_code == 200 and b"the content is a program" in refused.content
    assert policy.versions.count() == 1


def test_observers_read_but_do_not_upload(client, org_a, policy, settings):
    from tests.personas import join, make_user

    settings.SECASSURE_REQUIRE_MFA = False
    _add(policy, files.PDF, "policy.pdf")
    observer = make_user("watcher@a.test")
    join(observer, org_a, "observer")
    client.force_login(observer)
    assert client.get(f"/orgs/{org_a.slug}/documents/").status_code == 200
    assert client.get(f"/orgs/{org_a.slug}/documents/{policy.pk}/versions/1/download/").status_code == 200
    response = client.post(f"/orgs/{org_a.slug}/documents/{policy.pk}/", {
        "file": SimpleUploadedFile("policy.pdf", files.PDF)})
    assert response.status_code == 404 and policy.versions.count() == 1


def test_another_organisations_documents_are_404(client, mallory, org_a, policy):
    _add(policy, files.PDF, "policy.pdf")
    client.force_login(mallory)
    for url in (f"/orgs/{org_a.slug}/documents/", f"/orgs/{org_a.slug}/documents/{policy.pk}/",
                f"/orgs/{org_a.slug}/documents/{policy.pk}/versions/1/download/",
                f"/orgs/org-b/documents/{policy.pk}/", f"/orgs/org-b/documents/{policy.pk}/versions/1/download/"):
        assert client.get(url).status_code == 404, url


def test_the_register_costs_the_same_for_few_or_many_documents(client, alice, org_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    client.get("/")
    counts = []
    for n in (3, 40):
        for i in range(n - Document.objects.count()):
            document = actions.add_document(org_a, title=f"Record {i}", doc_type="record", by=None)
            _add(document, files.CSV + str(i).encode(), f"r{i}.csv")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/orgs/{org_a.slug}/documents/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_doc_add_and_list_from_the_command_line(cli, org_a, alice, write):
    path = write("isms-scope.pdf", files.PDF)
    result = cli("doc", "add", org_a.slug, path, "--title", "ISMS scope", "--type", "policy", "--owner",
                 alice.email, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["number"] == 1 and result.json()["media_type"] == "application/pdf"
    listed = cli("doc", "list", org_a.slug, "--json").json()
    assert listed[0]["title"] == "ISMS scope" and listed[0]["latest_version"] == 1
    assert cli("doc", "list", org_a.slug, "--due", "--json").json() == []
    bad = cli("doc", "add", org_a.slug, write("tool.pdf", files.EXE), "--title", "Tool", "--type", "record")
    assert bad.exit_code == 1 and "the content is a program" in bad.stderr
    assert not Document.objects.filter(title="Tool").exists()  # the document row rolled back too


def test_an_oversized_web_upload_is_refused_as_it_arrives(client, alice, org_a, policy, settings, blob_dir):
    settings.SECASSURE_MAX_UPLOAD_BYTES = 10_000
    client.force_login(alice)
    response = client.post(f"/orgs/{org_a.slug}/documents/{policy.pk}/", {
        "file": SimpleUploadedFile("huge.pdf", b"%PDF-" + b"x" * 200_000)})
    assert response.status_code == 200
    assert b"uge.pdf: the file is larger than the 10,000-byte upload limit" in response.content
    assert policy.versions.count() == 0 and _blob_files(blob_dir) == []


def test_register_filters(client, alice, org_a):
    provider = add_provider(org_a, name="Host Co", by=None)
    policy = actions.add_document(org_a, title="Policy A", doc_type="policy", owner=alice, by=None)
    actions.add_document(org_a, title="Record B", doc_type="record", provider=provider, by=None)
    _add(policy, files.PDF, "a.pdf")
    client.force_login(alice)

    def titles(**params):
        page = client.get(f"/orgs/{org_a.slug}/documents/", params).content.decode()
        return [t for t in ("Policy A", "Record B") if f">{t}</a>" in page]

    assert titles() == ["Policy A", "Record B"]
    assert titles(type="record") == ["Record B"]
    assert titles(provider=provider.pk) == ["Record B"]
    assert titles(owner=alice.pk) == ["Policy A"]
    assert titles(status="draft") == ["Policy A", "Record B"] and titles(status="published") == []
    assert titles(state="missing") == ["Record B"]
    assert titles(state="attention") == ["Record B"]


def test_the_register_of_2000_documents_costs_what_3_do(client, alice, org_a):
    """Rows written in bulk (as an import would): the page's query count must not depend on them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    client.force_login(alice)
    client.get("/")

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/orgs/{org_a.slug}/documents/").status_code == 200
        return len(ctx.captured_queries)

    def bulk(n, start):
        docs = Document.objects.bulk_create([Document(organisation=org_a, title=f"Doc {start + i:05d}",
                                                      doc_type="record") for i in range(n)])
        DocumentVersion.objects.bulk_create([
            DocumentVersion(document=d, number=1, sha256="0" * 64, size=1, original_name="x.csv",
                            media_type="text/csv", effective_date=timezone.localdate()) for d in docs])

    bulk(3, 0)
    few = measure()
    bulk(1997, 3)
    assert Document.objects.filter(organisation=org_a).count() == 2000
    assert measure() == few


def test_a_version_s_note_is_checked_wherever_it_comes_from(org_a):
    document = actions.add_document(org_a, title="Note policy", doc_type="policy", by=None)
    with pytest.raises(ActionError, match="control character"):
        actions.add_version(document, chunks=[files.PDF], name="p.pdf", by=None, note="bad\x00note")
    with pytest.raises(ActionError, match="the most it can be is 500"):
        actions.add_version(document, chunks=[files.PDF], name="p.pdf", by=None, note="x" * 501)
    version = actions.add_version(document, chunks=[files.PDF], name="p.pdf", by=None, note="  kept \r\n")
    assert version.note == "kept" and document.versions.count() == 1
