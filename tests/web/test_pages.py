"""The web pages: sign-in required, catalogue browsing, constant query counts."""

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from secassure.catalogue.importers.native import parse_document
from secassure.catalogue.loader import load
from tests.catalogue.samples import native_doc


def _load_framework(slug, n):
    doc = native_doc()
    doc["framework"]["slug"] = slug
    doc["obligations"] = [
        {"ref": f"X{i}", "group": "T1" if i % 2 else "T2", "title": f"Obligation {i}", "summary": "words",
         "confidence": "R" if i % 3 else "S"}
        for i in range(n)
    ]
    doc["questions"] = []
    load(parse_document(f"{slug}.yaml", yaml.safe_load(yaml.safe_dump(doc))))


@pytest.mark.parametrize("url", ["/", "/catalogue/", "/catalogue/sec-g/2026.4/", "/catalogue/sec-g/2026.4/G5.14/"])
def test_pages_need_sign_in(client, shipped_catalogue, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_home_and_catalogue_pages(client, alice, shipped_catalogue):
    client.force_login(alice)
    home = client.get("/")
    assert home.status_code == 200
    assert b"SEC Section G" in home.content
    index = client.get("/catalogue/")
    assert b"ISO/IEC 27001:2022" in index.content
    version = client.get("/catalogue/sec-g/2026.4/")
    assert version.status_code == 200
    assert b"G5.14" in version.content and b"G10.8" in version.content
    detail = client.get("/catalogue/sec-g/2026.4/G5.14/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "27005" in body and "Maps to" not in body and "iso27001@2022" in body
    assert "Evidence an assessor will expect" in body


def test_filters_and_htmx_partial(client, alice, shipped_catalogue):
    client.force_login(alice)
    found = client.get("/catalogue/sec-g/2026.4/", {"q": "G5.27"})
    assert b"G5.27" in found.content and b"G3.1<" not in found.content
    partial = client.get("/catalogue/sec-g/2026.4/", {"confidence": "S"}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b"G5.14" in partial.content
    nothing = client.get("/catalogue/sec-g/2026.4/", {"q": "no such words anywhere"})
    assert b"Nothing matches" in nothing.content


def test_unknown_versions_and_clauses_are_404(client, alice, shipped_catalogue):
    client.force_login(alice)
    assert client.get("/catalogue/sec-g/1999/").status_code == 404
    assert client.get("/catalogue/sec-g/2026.4/G99.9/").status_code == 404


def test_version_page_query_count_does_not_grow_with_the_catalogue(client, alice, db):
    client.force_login(alice)
    client.get("/catalogue/")  # the first request of a session checks MFA once
    _load_framework("small", 10)
    _load_framework("large", 400)
    counts = {}
    for slug in ("small", "large"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/catalogue/{slug}/1.0/").status_code == 200
        counts[slug] = len(ctx.captured_queries)
    assert counts["small"] == counts["large"]
    assert counts["large"] <= 8


def test_obligation_page_and_index_query_counts_are_fixed(client, alice, shipped_catalogue):
    client.force_login(alice)
    client.get("/catalogue/")  # the first request of a session checks MFA once
    with CaptureQueriesContext(connection) as few:
        client.get("/catalogue/iso27001/2022.1/A.5.1/")
    with CaptureQueriesContext(connection) as many:
        client.get("/catalogue/iso27001/2022.1/A.5.7/")  # mapped from several SEC clauses
    assert len(few.captured_queries) == len(many.captured_queries) <= 10
    _load_framework("another", 50)
    with CaptureQueriesContext(connection) as index:
        client.get("/catalogue/")
    assert len(index.captured_queries) <= 4  # session, user, whether they lack MFA (one query), the versions


def test_responses_carry_a_request_id_and_security_headers(client, alice, db):
    client.force_login(alice)
    response = client.get("/", headers={"X-Request-ID": "abc-123"})
    assert response["X-Request-ID"] == "abc-123"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    bad = client.get("/", headers={"X-Request-ID": "<script>"})
    assert bad["X-Request-ID"] != "<script>" and len(bad["X-Request-ID"]) == 32


def test_healthz(client, db):
    assert client.get("/healthz").content == b"ok"
