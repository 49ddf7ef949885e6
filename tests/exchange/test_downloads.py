"""Every download of the files page, fetched through the browser: each file holds its real bytes
(OSCAL that parses and validates, a workbook, a pack and a PDF that open, CSVs with their headers),
no scratch file is left behind, and a download that cannot be made says why instead of failing."""

import io
import json
import zipfile

import openpyxl
import pytest

from secassure.errors import ActionError
from secassure.evidence.blobs import scratch_dir
from secassure.exchange import flat, oscal, pack, report, workbook
from secassure.review import remediation_actions as remediation
from tests.exchange.test_oscal import nist_schemas, schema_errors  # noqa: F401 (fixture)

ROOTS = {"assessment-results": "assessment-results", "poam": "plan-of-action-and-milestones", "catalog": "catalog"}


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.SECASSURE_REQUIRE_MFA = False  # downloads are under test here; MFA has its own tests


def _url(a, tail: str = "") -> str:
    return f"/orgs/{a.organisation.slug}/assessments/{a.pk}/files/{tail}"


def _body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _scratch() -> set[str]:
    return {p.name for p in scratch_dir().iterdir()}


@pytest.mark.parametrize("model", sorted(ROOTS))
def test_each_oscal_download_is_the_whole_valid_document(client, reviewed, bob, nist_schemas, model):  # noqa: F811
    client.force_login(bob)
    before = _scratch()
    response = client.get(_url(reviewed, f"oscal/{model}.json"))
    assert response["Content-Type"] == "application/json"
    assert f'filename="{reviewed.organisation.slug}-{reviewed.pk}-{model}.json"' in response["Content-Disposition"]
    body = _body(response)
    assert body, "the download is empty"
    document = json.loads(body)
    assert list(document) == [ROOTS[model]]
    assert document == oscal.build(reviewed, model)
    assert schema_errors(nist_schemas[model], document) == []
    assert _scratch() == before


def test_the_other_downloads_hold_their_files(client, reviewed, bob):
    client.force_login(bob)
    before = _scratch()
    for query in ("", "?kind=questionnaire"):
        book = openpyxl.load_workbook(io.BytesIO(_body(client.get(_url(reviewed, "workbook.xlsx") + query))))
        assert ("Validation" in book.sheetnames) == (query == "")
    with zipfile.ZipFile(io.BytesIO(_body(client.get(_url(reviewed, "pack.zip"))))) as archive:
        assert archive.testzip() is None
        assert json.loads(archive.read("oscal/poam.json"))["plan-of-action-and-milestones"]["poam-items"]
        assert pack.MANIFEST in archive.namelist()
    assert _body(client.get(_url(reviewed, "report.pdf"))).startswith(b"%PDF")
    for what in flat.WHAT:
        text = _body(client.get(_url(reviewed, f"{what}.csv"))).decode("utf-8")
        header = text.splitlines()[0]
        assert header == ",".join(next(iter(flat.lines(reviewed, what)))), what
    assert _scratch() == before


def test_the_files_page_offers_the_plan_of_action_only_when_it_has_something_to_list(client, drafting, org_a,
                                                                                     alice, bob):
    client.force_login(bob)
    empty = client.get(_url(drafting)).content.decode()
    assert _url(drafting, "oscal/poam.json") not in empty
    assert "No findings or remediation actions yet: a plan of action and milestones would be empty." in empty
    assert _url(drafting, "oscal/assessment-results.json") in empty
    remediation.add_finding(org_a, by=alice, kind="observation", source="self", assessment=drafting,
                            description="Supplier reviews are not minuted")
    listed = client.get(_url(drafting)).content.decode()
    assert _url(drafting, "oscal/poam.json") in listed and "would be empty" not in listed
    assert _body(client.get(_url(drafting, "oscal/poam.json")))


def test_asking_for_an_empty_plan_of_action_anyway_explains_instead_of_failing(client, drafting, bob):
    client.force_login(bob)
    before = _scratch()
    response = client.get(_url(drafting, "oscal/poam.json"))
    assert response.status_code == 302 and response["Location"] == _url(drafting)
    page = client.get(response["Location"]).content.decode()
    assert "no findings and no remediation actions: a plan of action and milestones would have nothing to list" \
        in page
    assert _scratch() == before


@pytest.mark.parametrize(("tail", "module", "name"), [
    ("workbook.xlsx", workbook, "write"),
    ("report.pdf", report, "render_pdf"),
    ("oscal/assessment-results.json", oscal, "write"),
    ("pack.zip", pack, "build"),
])
def test_a_refused_download_goes_back_to_the_files_page_with_the_reason(client, reviewed, bob, monkeypatch, tail,
                                                                        module, name):
    def refuse(*args, **kwargs):
        raise ActionError("the evidence store is being moved; try again in an hour")

    monkeypatch.setattr(module, name, refuse)
    client.force_login(bob)
    response = client.get(_url(reviewed, tail))
    assert response.status_code == 302 and response["Location"] == _url(reviewed), tail
    assert "the evidence store is being moved; try again in an hour" in client.get(_url(reviewed)).content.decode()


def test_a_writer_that_fails_half_way_leaves_no_scratch_file(client, reviewed, bob, monkeypatch):
    def half_written(assessment, model, path):
        path.with_name(path.name + ".part").write_bytes(b'{"assessment-results": ')
        raise ActionError("the export stopped")

    monkeypatch.setattr(oscal, "write", half_written)
    client.force_login(bob)
    before = _scratch()
    assert client.get(_url(reviewed, "oscal/assessment-results.json")).status_code == 302
    assert _scratch() == before


def test_a_workbook_export_failing_part_way_leaves_none_of_its_rows_on_disk(client, reviewed, bob, monkeypatch,
                                                                          tmp_path):
    """The rows of a workbook are on disk while it is written (XlsxWriter's constant-memory mode); an
    export that fails after its data sheets leaves them neither in the scratch folder nor in the
    system's temporary folder."""
    import tempfile

    system = tmp_path / "system-temp"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    seen = []

    def stop(wb, assessment):
        seen.extend(wb.folder.iterdir())
        raise ActionError("the evidence index could not be read")

    monkeypatch.setattr(workbook, "_evidence_index", stop)
    client.force_login(bob)
    before = _scratch()
    response = client.get(_url(reviewed, "workbook.xlsx"))
    assert response.status_code == 302 and response["Location"] == _url(reviewed)
    assert seen, "the data sheets' row files were there when it failed"
    assert _scratch() == before and not any(system.iterdir())
