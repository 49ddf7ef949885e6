"""The load balancer's probes: /healthz says the process answers and touches nothing else; /readyz
checks the database, the evidence store, the audit key and the cache, and names what failed. Both
answer plain HTTP (no HTTPS redirect), with no sign-in, no session and no CSRF token."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.test import Client


@pytest.fixture
def probe():
    """A load balancer: plain HTTP, no cookies, no CSRF token; production's HTTPS redirect stays on."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def key_file(settings, tmp_path):
    """The audit key as production holds it when it is read from a file."""
    path = tmp_path / "audit_key"
    path.write_text(settings.SECASSURE_AUDIT_KEY + "\n")
    settings.SECASSURE_AUDIT_KEY_FILE = str(path)
    return path


def test_healthz_answers_over_plain_http_without_touching_the_database(probe, db, django_assert_num_queries,
                                                                      settings):
    assert settings.SECURE_SSL_REDIRECT
    with django_assert_num_queries(0):
        response = probe.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_healthz_answers_with_the_database_down(probe, db):
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("down")):
        assert probe.get("/healthz").status_code == 200


def test_readyz_lists_each_check_when_all_pass(probe, db, key_file):
    response = probe.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "blob_store": "ok",
                                                             "audit_key": "ok", "cache": "ok"}}
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert probe.head("/readyz").status_code == 200


def test_readyz_only_answers_reading(probe, db):
    assert probe.post("/readyz").status_code == 405


def _not_ready(probe, caplog) -> dict:
    with caplog.at_level(logging.INFO):
        response = probe.get("/readyz")
    assert response.status_code == 503, response.content
    # Not logged as a server error (no traceback, no alert): a warning that names the failed check.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    warnings = [r.getMessage() for r in caplog.records if r.name == "secassure.health"]
    body = response.json()
    assert body["status"] == "not ready"
    assert len(warnings) == 1 and all(name in warnings[0] for name in body["failed"])
    return body


def test_readyz_names_the_database_when_it_is_unreachable(probe, db, caplog):
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("no route to host")):
        body = _not_ready(probe, caplog)
    assert body["failed"] == ["database"]
    assert body["checks"]["database"] == "failed: unreachable (OperationalError)"
    assert body["checks"]["blob_store"] == "ok"


def test_readyz_names_the_blob_store_when_uploads_could_not_be_stored(probe, db, settings, tmp_path, caplog):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    settings.SECASSURE_BLOB_DIR = in_the_way / "blobs"
    body = _not_ready(probe, caplog)
    assert body["failed"] == ["blob_store"]
    assert body["checks"]["blob_store"].startswith("failed: the blob folder cannot be made")


def test_readyz_makes_the_blob_folder_of_a_fresh_installation(probe, db, settings, tmp_path):
    settings.SECASSURE_BLOB_DIR = tmp_path / "not-yet" / "blobs"
    assert probe.get("/readyz").status_code == 200
    assert (tmp_path / "not-yet" / "blobs" / "tmp").is_dir()


@pytest.mark.parametrize("bucket_exists", [True, False])
def test_readyz_asks_the_bucket_when_evidence_lives_in_one(probe, db, settings, tmp_path, monkeypatch, caplog,
                                                           bucket_exists):
    import boto3
    from moto import mock_aws

    from secassure.evidence import blobs

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-2"}.items():
        monkeypatch.setenv(name, value)
    settings.SECASSURE_BLOB_S3_BUCKET = "evidence-test"
    settings.SECASSURE_BLOB_S3_REGION = "eu-west-2"
    blobs._s3_client.cache_clear()
    try:
        with mock_aws():
            if bucket_exists:
                boto3.client("s3", region_name="eu-west-2").create_bucket(
                    Bucket="evidence-test", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
                assert probe.get("/readyz").status_code == 200
            else:
                body = _not_ready(probe, caplog)
                assert body["failed"] == ["blob_store"]
                assert body["checks"]["blob_store"].startswith("failed: the bucket does not answer")
    finally:
        blobs._s3_client.cache_clear()


def test_readyz_names_the_audit_key_when_it_is_missing(probe, db, settings, caplog):
    settings.SECASSURE_AUDIT_KEY = ""
    settings.SECASSURE_AUDIT_KEY_FILE = ""
    body = _not_ready(probe, caplog)
    assert body["failed"] == ["audit_key"]
    assert body["checks"]["audit_key"] == "failed: missing or too short"


def test_readyz_names_the_audit_key_when_its_file_is_gone(probe, db, key_file, caplog):
    key_file.unlink()
    body = _not_ready(probe, caplog)
    assert body["failed"] == ["audit_key"]
    assert body["checks"]["audit_key"].startswith("failed: its file cannot be read")


def test_readyz_names_the_audit_key_when_its_file_holds_another(probe, db, settings, key_file, caplog):
    key_file.write_text("another-key-" + "x" * 40)
    body = _not_ready(probe, caplog)
    assert body["failed"] == ["audit_key"]
    assert settings.SECASSURE_AUDIT_KEY not in str(body) and "another-key" not in str(body)


def test_readyz_names_the_cache_when_its_table_is_missing(probe, db, caplog):
    from django.test import override_settings

    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                               "LOCATION": "no_such_cache_table"}}):
        body = _not_ready(probe, caplog)
    assert body["failed"] == ["cache"]


def test_a_signed_in_person_without_mfa_can_still_be_probed(probe, alice, settings):
    """A person who must set up MFA reaches nothing else; the probes still answer them."""
    probe.force_login(alice)
    settings.SECASSURE_REQUIRE_MFA = True
    assert probe.get("/healthz", secure=True).status_code == 200
    assert probe.get("/readyz", secure=True).status_code == 200
