"""An assessment's files through the JSON API: the workbook, the submission pack, OSCAL and CSV, each
read back as what it claims to be (opened, unzipped, parsed), for whoever the files page serves and
nobody else, with a refusal explained rather than failed."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import openpyxl
import pytest

from secassure.evidence.blobs import scratch_dir
from secassure.exchange import flat, oscal, pack
from tests.api.client import Api, make_token
from tests.exchange.conftest import drafting, reviewed  # noqa: F401 (fixtures)
from tests.personas import persona

PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROOTS = {"assessment-results": "assessment-results", "poam": "plan-of-action-and-milestones", "catalog": "catalog"}


def _api(user, org, read_only: bool = False) -> Api:
    return Api(make_token(user, org, read_only=read_only))


def _path(a, tail: str) -> str:
    return f"/organisations/{a.organisation.slug}/assessments/{a.pk}/export/{tail}"


def _body(response) -> bytes:
    assert response.status_code == 200, response.content
    assert response.streaming, "a download is streamed"
    return b"".join(response.streaming_content)


def _scratch() -> set[str]:
    return {p.name for p in scratch_dir().iterdir()}


def _workbook(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(_body(response)))


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8"))))


@pytest.mark.parametrize("who", ["alice", "bob", "dave", "olive"])
def test_each_member_who_sees_assessments_gets_every_file(request, reviewed, org_a, who):  # noqa: F811
    api = _api(request.getfixturevalue(who), org_a, read_only=True)  # downloads are reads
    prefix = f"{org_a.slug}-{reviewed.pk}"
    before = _scratch()

    response = api.get(_path(reviewed, "workbook"))
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith(f'attachment; filename="{prefix}-')
    book = _workbook(response)
    assert "Validation" in book.sheetnames
    column = [c.value for c in book["Validation"][1]].index("Ref")
    refs = [row[column] for row in book["Validation"].iter_rows(min_row=2, values_only=True) if row[column]]
    assert refs == ["T1", "T2"]
    questionnaire = _workbook(api.get(_path(reviewed, "workbook"), kind="questionnaire"))
    assert "Validation" not in questionnaire.sheetnames

    for model, root in ROOTS.items():
        response = api.get(_path(reviewed, "oscal"), model=model)
        assert response["Content-Type"] == "application/json"
        assert f'filename="{prefix}-{model}.json"' in response["Content-Disposition"]
        document = json.loads(_body(response))
        assert list(document) == [root] and document == oscal.build(reviewed, model)

    for what in flat.WHAT:
        response = api.get(_path(reviewed, "csv"), what=what)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == f'attachment; filename="{prefix}-{what}.csv"'
        records = _csv(response)
        assert records == [[str(c) for c in r] for r in _csv_expected(reviewed, what)], what
    risks = _csv(api.get(_path(reviewed, "csv"), what="risks"))
    assert any("Phishing of DCC User staff" in record for record in risks[1:])
    assert _scratch() == before


def _csv_expected(a, what: str) -> list[list[str]]:
    buffer = io.StringIO()
    flat.write(a, what, buffer)
    return list(csv.reader(io.StringIO(buffer.getvalue())))


def test_the_submission_pack_is_a_zip_of_the_record(reviewed, org_a, bob):  # noqa: F811
    before = _scratch()
    response = _api(bob, org_a).get(_path(reviewed, "pack"))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (f'attachment; filename="{org_a.slug}-{reviewed.pk}-'
                                               'submission-pack.zip"')
    with zipfile.ZipFile(io.BytesIO(_body(response))) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert {pack.MANIFEST, "validation-workbook.xlsx", "report.pdf", "oscal/poam.json"} <= set(names)
        assert archive.read("report.pdf").startswith(b"%PDF")
        assert json.loads(archive.read("oscal/poam.json"))["plan-of-action-and-milestones"]["poam-items"]
        book = openpyxl.load_workbook(io.BytesIO(archive.read("validation-workbook.xlsx")))
    assert all(c.protection.locked for row in book["Validation"].iter_rows() for c in row)
    assert _scratch() == before


def test_a_cio_reviewer_gets_the_files_of_what_is_shared_with_them_and_nothing_else(reviewed, org_a, carol,  # noqa: F811
                                                                                    alice):
    from secassure.assessments import actions as assessments

    api = _api(carol, org_a)
    book = _workbook(api.get(_path(reviewed, "workbook")))
    assert "CIO comment" in [c.value for c in book["Validation"][1]]
    assert _csv(api.get(_path(reviewed, "csv"), what="rows"))[0] == next(iter(flat.lines(reviewed, "rows")))
    unshared = assessments.create_assessment(org_a, kind="ssa", by=alice, title="Not shared").assessment
    for tail in ("workbook", "pack", "oscal", "csv"):
        response = api.get(_path(unshared, tail))
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM, tail


def test_a_provider_and_another_organisation_get_nothing(drafting, org_a, org_b, mallory):  # noqa: F811
    engineer = persona("engineer", org_a)
    theirs = _api(mallory, org_b)
    for api, slug in ((_api(engineer, org_a), org_a.slug), (theirs, org_b.slug), (theirs, org_a.slug)):
        for tail in ("workbook", "pack", "oscal", "csv"):
            response = api.get(f"/organisations/{slug}/assessments/{drafting.pk}/export/{tail}")
            assert response.status_code == 404 and response["Content-Type"] == PROBLEM, (slug, tail)


def test_a_refused_file_answers_422_with_the_reason_and_leaves_no_scratch_file(drafting, org_a, bob):  # noqa: F811
    api = _api(bob, org_a)
    before = _scratch()
    refused = api.get(_path(drafting, "oscal"), model="poam")
    assert refused.status_code == 422 and refused["Content-Type"] == PROBLEM
    assert ("no findings and no remediation actions: a plan of action and milestones would have nothing to list"
            in refused.json()["detail"])
    assert _scratch() == before


def test_an_unknown_choice_or_id_is_refused_without_a_server_error(drafting, org_a, bob):  # noqa: F811
    api = _api(bob, org_a)
    for response in (api.get(_path(drafting, "csv"), what="passwords"), api.get(_path(drafting, "oscal"), model="x"),
                     api.get(_path(drafting, "workbook"), kind="\U0001f512"),
                     api.get(f"/organisations/{org_a.slug}/assessments/99999999999999999999/export/csv")):
        assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    missing = api.get(f"/organisations/{org_a.slug}/assessments/2147483647/export/workbook")
    assert missing.status_code == 404


def test_the_openapi_document_declares_each_file_as_binary(org_a, alice):
    document = _api(alice, org_a).get("/openapi.json").json()
    base = "/api/v1/organisations/{slug}/assessments/{assessment_id}/export/"
    for tail, media_type in (("workbook", XLSX), ("pack", "application/zip"), ("csv", "text/csv")):
        content = document["paths"][base + tail]["get"]["responses"]["200"]["content"]
        assert content == {media_type: {"schema": {"type": "string", "format": "binary"}}}, tail
    # OSCAL is JSON a client parses: declared as a JSON object, which is what a fuzzer checks it against.
    oscal = document["paths"][base + "oscal"]["get"]["responses"]["200"]["content"]
    assert list(oscal) == ["application/json"] and oscal["application/json"]["schema"]["type"] == "object"
    download = document["paths"]["/api/v1/organisations/{slug}/documents/{document_id}/versions/{version_id}/file"]
    assert download["get"]["responses"]["200"]["content"] == {"*/*": {"schema": {"type": "string",
                                                                                  "format": "binary"}}}
