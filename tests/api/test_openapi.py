"""The OpenAPI document: served without a token, valid OpenAPI, and true to what the API does —
every operation documents its problems, every list is paginated, and every path's organisation
comes first."""

import re

from openapi_spec_validator import validate

from tests.api.client import Api

PROBLEM_CODES = {"401", "403", "404", "422", "429"}


def _document(db=None):
    response = Api().get("/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    return response.json()


def test_the_document_is_valid_openapi(db):
    document = _document()
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1"
    validate(document)


def test_every_operation_is_described_and_documents_its_problems(db):
    for path, methods in _document()["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary") or operation.get("description"), where
            assert PROBLEM_CODES <= set(operation["responses"]), where
            assert operation["security"] == [{"TokenAuth": []}], where
            for code in PROBLEM_CODES:
                assert set(operation["responses"][code]["content"]) == {"application/problem+json"}, (where, code)


def test_every_list_is_paginated_and_every_path_starts_at_its_organisation(db):
    document = _document()
    paged = 0
    for path, methods in document["paths"].items():
        if path != "/api/v1/organisations":
            assert re.match(r"^/api/v1/organisations/\{slug\}", path), path
        get = methods.get("get")
        if get is None:
            continue
        schema = get["responses"]["200"]["content"].get("application/json", {}).get("schema", {})
        assert schema.get("type") != "array", f"{path} answers a bare list: paginate it"
        if "$ref" in schema and schema["$ref"].rsplit("/", 1)[1].startswith("Paged"):
            names = {p["name"] for p in get.get("parameters", [])}
            assert {"cursor", "page_size"} <= names, path
            paged += 1
    assert paged >= 12


def test_the_interactive_documentation_is_served_from_our_own_files(db, client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_the_document_is_made_once_and_served_the_same_each_time(db, monkeypatch):
    """Making the document takes a quarter of a second of processor time: a client asking for it
    again and again (it needs no token) must not cost that each time."""
    from secassure.api.core import api

    first = Api().get("/openapi.json").content
    made = []
    real = type(api)._document
    monkeypatch.setattr(type(api), "_document", lambda self, prefix: made.append(prefix) or real(self, prefix))
    for _ in range(3):
        response = Api().get("/openapi.json")
        assert response.status_code == 200 and response.content == first
    assert made == []
    monkeypatch.setattr(api, "_documents", {})  # as a new process finds it
    assert Api().get("/openapi.json").content == first
    assert made == ["/api/v1/"]


def test_documents_for_many_places_do_not_fill_memory(db):
    """The place the API is served from follows the script name a proxy may pass on: a document
    is kept for a few places only."""
    from secassure.api.core import DOCUMENTS_KEPT, api

    for n in range(DOCUMENTS_KEPT + 3):
        assert api.get_openapi_schema(path_prefix=f"/place-{n}/api/v1/")["paths"]
    assert len(api._documents) == DOCUMENTS_KEPT
    assert "/place-0/api/v1/" not in api._documents
    assert Api().get("/openapi.json").status_code == 200
