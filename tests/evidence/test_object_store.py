"""Evidence files in an S3-compatible bucket: the same promises as the folder store, against an
in-process S3 (moto), with no network."""

import boto3
import pytest
from moto import mock_aws

from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions, blobs
from secassure.evidence.models import DocumentVersion
from tests.evidence import files

BUCKET = "evidence-test"
REGION = "eu-west-2"


@pytest.fixture
def bucket(settings, tmp_path, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    settings.SECASSURE_BLOB_DIR = tmp_path / "blobs"
    settings.SECASSURE_BLOB_S3_BUCKET = BUCKET
    settings.SECASSURE_BLOB_S3_PREFIX = "secassure/blobs"
    settings.SECASSURE_BLOB_S3_REGION = REGION
    blobs._s3_client.cache_clear()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield s3
    blobs._s3_client.cache_clear()


def _keys(s3):
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.fixture
def policy(org_a, alice):
    return actions.add_document(org_a, title="Information Security Policy", doc_type="policy", owner=alice, by=None)


def test_versions_go_to_the_bucket_under_their_hash_and_nothing_to_the_folder(bucket, policy, settings):
    version = actions.add_version(policy, chunks=[files.PDF], name="policy.pdf", by=None)
    sha = version.sha256
    assert _keys(bucket) == [f"secassure/blobs/{sha[:2]}/{sha[2:4]}/{sha}"]
    assert bucket.get_object(Bucket=BUCKET, Key=_keys(bucket)[0])["Body"].read() == files.PDF
    folder = settings.SECASSURE_BLOB_DIR
    assert [p for p in folder.rglob("*") if p.is_file()] == []  # staging left nothing behind
    # The same content again is one object, not two, and is not written a second time.
    puts = []
    original = blobs.S3Store.put
    other = actions.add_document(policy.organisation, title="Copy", doc_type="policy", by=None)
    blobs.S3Store.put = lambda self, staged: puts.append(self.exists(staged.sha256)) or original(self, staged)
    try:
        actions.add_version(other, chunks=[files.PDF], name="copy.pdf", by=None)
    finally:
        blobs.S3Store.put = original
    assert puts == [True] and len(_keys(bucket)) == 1


def test_download_and_verify_read_from_the_bucket(bucket, client, alice, org_a, policy, cli):
    actions.add_version(policy, chunks=[files.PDF], name="policy.pdf", by=None)
    client.force_login(alice)
    response = client.get(f"/orgs/{org_a.slug}/documents/{policy.pk}/versions/1/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == files.PDF
    result = cli("doc", "verify", org_a.slug, "--json")
    assert result.exit_code == 0 and result.json()[0]["ok"] is True


def test_an_object_changed_in_the_bucket_is_found_and_refused(bucket, client, alice, org_a, policy, cli):
    version = actions.add_version(policy, chunks=[files.PDF], name="policy.pdf", by=None)
    key = blobs.store().key_of(version.sha256)
    bucket.put_object(Bucket=BUCKET, Key=key, Body=files.PDF.replace(b"Catalog", b"Catalox"))
    result = cli("doc", "verify", org_a.slug, "--json")
    assert result.exit_code == 1 and "not to its name" in result.json()[0]["problem"]
    client.force_login(alice)
    response = client.get(f"/orgs/{org_a.slug}/documents/{policy.pk}/versions/1/download/")
    assert response.status_code == 409
    assert Event.objects.filter(action="evidence.blob.tampered").exists()
    bucket.delete_object(Bucket=BUCKET, Key=key)
    result = cli("doc", "verify", org_a.slug, "--json")
    assert result.exit_code == 1 and result.json()[0]["problem"] == "missing"
    assert client.get(f"/orgs/{org_a.slug}/documents/{policy.pk}/versions/1/download/").status_code == 409


def test_refused_and_cut_off_uploads_leave_no_object(bucket, policy, settings):
    with pytest.raises(ActionError, match="a program, not a document"):
        actions.add_version(policy, chunks=[b"MZ\x90\x00" + b"\x00" * 200], name="report.pdf", by=None)

    def cut_off():
        yield files.PDF
        raise ConnectionResetError("client went away")
    with pytest.raises(ConnectionResetError):
        actions.add_version(policy, chunks=cut_off(), name="policy.pdf", by=None)
    assert _keys(bucket) == [] and DocumentVersion.objects.count() == 0
    assert not list((settings.SECASSURE_BLOB_DIR / "tmp").glob("*"))


def test_a_store_that_refuses_writes_is_a_clear_error_and_no_version(bucket, policy, settings):
    settings.SECASSURE_BLOB_S3_BUCKET = "no-such-bucket"
    with pytest.raises(ActionError, match="object store refused"):
        actions.add_version(policy, chunks=[files.PDF], name="policy.pdf", by=None)
    assert DocumentVersion.objects.count() == 0


def test_orphans_are_listed_not_deleted(bucket, policy, cli):
    version = actions.add_version(policy, chunks=[files.PDF], name="policy.pdf", by=None)
    stray = "ab" * 32
    bucket.put_object(Bucket=BUCKET, Key=blobs.store().key_of(stray), Body=b"left over")
    result = cli("doc", "orphans", "--json")
    assert result.exit_code == 0 and result.json()["orphans"] == [stray]
    assert "s3://evidence-test/secassure/blobs/" in result.json()["store"]
    assert len(_keys(bucket)) == 2 and version.sha256 in "".join(_keys(bucket))
