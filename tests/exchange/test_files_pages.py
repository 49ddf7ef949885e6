"""The assessment's files page: who gets which downloads, and the upload, preview and apply of an
edited workbook through the browser, with conflicts chosen row by row."""

import io

import openpyxl
import pytest
from django.core.management import call_command

from secassure.assessments import actions as assessments
from secassure.audit.models import Event
from secassure.evidence.models import Document
from secassure.review import actions as review
from tests.assessments import helpers


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.SECASSURE_REQUIRE_MFA = False  # roles are under test here; MFA has its own tests


def _url(a, tail: str = "") -> str:
    return f"/orgs/{a.organisation.slug}/assessments/{a.pk}/files/{tail}"


def _download(client, a, query: str = "") -> openpyxl.Workbook:
    response = client.get(_url(a, "workbook.xlsx") + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _upload(client, a, wb: openpyxl.Workbook, name: str = "edited.xlsx"):
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return client.post(_url(a, "import/"), {"workbook": buffer})


def _dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def test_the_page_is_a_tab_of_the_assessment_and_lists_every_download(client, drafting, bob):
    client.force_login(bob)
    workspace = client.get(f"/orgs/{drafting.organisation.slug}/assessments/{drafting.pk}/")
    assert _url(drafting).encode() in workspace.content
    page = client.get(_url(drafting))
    assert page.status_code == 200
    for tail in ("workbook.xlsx", "workbook.xlsx?kind=questionnaire", "report.pdf", "pack.zip", "rows.csv",
                 "risks.csv", "actions.csv", "oscal/assessment-results.json", "oscal/catalog.json", "import/"):
        assert _url(drafting, tail).encode() in page.content, tail
    # With no findings and no actions the plan of action would be empty: it is not offered, and the page says so.
    assert _url(drafting, "oscal/poam.json").encode() not in page.content
    assert b"a plan of action and milestones would be empty" in page.content


def test_the_workbook_download_is_the_users_copy_with_its_rows(client, drafting, bob):
    client.force_login(bob)
    wb = _download(client, drafting)
    refs = [row[2] for row in wb["Validation"].iter_rows(min_row=2, values_only=True)]
    assert refs == ["T1", "T2"]
    sheet = wb["Validation"]
    assert not sheet["G2"].protection.locked and sheet["C2"].protection.locked and sheet.protection.sheet
    assert sheet.freeze_panes == "E2" and sheet["G2"].fill.fgColor.rgb.endswith("FFF6D5")
    questionnaire = _download(client, drafting, "?kind=questionnaire")
    assert "Validation" not in questionnaire.sheetnames and "Questionnaire" in questionnaire.sheetnames


def test_upload_previews_then_applies_and_keeps_the_file(client, drafting, bob):
    client.force_login(bob)
    wb = _download(client, drafting)
    wb["Validation"]["F3"] = "Partially compliant"
    wb["Validation"]["G3"] = "Logs kept for 9 months"
    before = _dump()
    preview = _upload(client, drafting, wb)
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Partially compliant" in text and "Logs kept for 9 months" in text and "Not assessed" in text
    assert _dump() == before  # the preview writes nothing to the database
    token = preview.context["token"]
    done = client.post(_url(drafting, "import/apply/"), {"token": token})
    assert done.status_code == 302
    t2 = helpers.row(drafting, "T2")
    assert (t2.status, t2.narrative, t2.updated_by) == ("partial", "Logs kept for 9 months", bob)
    event = Event.objects.get(action="exchange.workbook.imported")
    assert event.after["changed"] == ["T2"] and event.actor == bob
    kept = Document.objects.get(title="Workbook imports: SSA 2026")
    assert kept.versions.get().sha256 == event.after["sha256"]


def test_a_bad_workbook_shows_every_problem_and_changes_nothing(client, drafting, bob):
    client.force_login(bob)
    wb = _download(client, drafting)
    wb["Validation"]["F3"] = "Done"
    wb["Validation"]["C2"] = "T9"
    before = _dump()
    response = _upload(client, drafting, wb)
    assert response.status_code == 400
    text = response.content.decode()
    assert "sheet &#x27;Validation&#x27;, row 3, column F (Status): expected one of" in text
    assert "row 2, column C (Ref): a locked cell was changed" in text
    assert _dump() == before


def test_not_a_workbook_is_refused_plainly(client, drafting, bob):
    client.force_login(bob)
    upload = io.BytesIO(b"ref,status\nT1,compliant\n")
    upload.name = "rows.xlsx"
    response = client.post(_url(drafting, "import/"), {"workbook": upload})
    assert response.status_code == 400
    assert b"not an .xlsx workbook" in response.content


def test_a_conflict_keeps_secassure_unless_the_workbook_is_chosen(client, drafting, bob, alice):
    client.force_login(bob)
    wb = _download(client, drafting)
    t2 = helpers.row(drafting, "T2")
    assessments.save_row(t2, by=alice, revision=t2.revision, narrative="Alice's words")
    wb["Validation"]["G3"] = "Bob's words"
    preview = _upload(client, drafting, wb)
    conflict = preview.context["plan"].conflicts[0]
    assert conflict.ref == "T2" and b"Alice&#x27;s words" in preview.content and b"conflict" in preview.content
    client.post(_url(drafting, "import/apply/"), {"token": preview.context["token"]})
    assert helpers.row(drafting, "T2").narrative == "Alice's words"
    preview = _upload(client, drafting, wb)
    client.post(_url(drafting, "import/apply/"), {"token": preview.context["token"],
                                                  f"keep-{conflict.key}": "workbook"})
    assert helpers.row(drafting, "T2").narrative == "Bob's words"


def test_a_preview_token_is_the_uploaders_own_and_cannot_be_forged(client, drafting, bob, alice):
    client.force_login(bob)
    wb = _download(client, drafting)
    wb["Validation"]["G3"] = "Bob's words"
    token = _upload(client, drafting, wb).context["token"]
    client.force_login(alice)
    assert client.post(_url(drafting, "import/apply/"), {"token": token}).status_code == 404
    client.force_login(bob)
    forged = client.post(_url(drafting, "import/apply/"), {"token": token[:-2] + "xx"})
    assert forged.status_code == 400 and b"expired or was changed" in forged.content
    assert helpers.row(drafting, "T2").narrative == ""


def test_an_observer_downloads_but_cannot_import(client, drafting, olive):
    client.force_login(olive)
    page = client.get(_url(drafting))
    assert page.status_code == 200 and _url(drafting, "import/").encode() not in page.content
    wb = _download(client, drafting)
    assert all(c.protection.locked for row in wb["Validation"].iter_rows() for c in row)  # nothing to fill in
    wb["Validation"]["G3"] = "Olive's words"
    assert _upload(client, drafting, wb).status_code == 404
    assert helpers.row(drafting, "T2").narrative == ""


@pytest.fixture
def in_cio_review(drafting, alice, bob, carol, dave):
    assessment = helpers.submit(drafting, maker=bob, checker=alice, approver=dave)
    review.share(assessment, carol, by=alice)
    assessment.refresh_from_db()
    return assessment


def test_the_cio_writes_comments_through_their_own_workbook(client, in_cio_review, carol):
    client.force_login(carol)
    page = client.get(_url(in_cio_review))
    assert page.status_code == 200 and b"CIO comment column" in page.content
    wb = _download(client, in_cio_review)
    headers = [c.value for c in wb["Validation"][1]]
    column = headers.index("CIO comment") + 1
    wb["Validation"].cell(row=3, column=column, value="Show a year of logs")
    preview = _upload(client, in_cio_review, wb)
    assert preview.status_code == 200, preview.content
    done = client.post(_url(in_cio_review, "import/apply/"), {"token": preview.context["token"]})
    assert done.status_code == 302 and "/review/" in done["Location"]
    comment = in_cio_review.cio_comments.get()
    assert (comment.text, comment.author, comment.row.obligation.ref) == ("Show a year of logs", carol, "T2")


def test_the_cio_cannot_change_the_users_answers_through_the_workbook(client, in_cio_review, carol):
    client.force_login(carol)
    wb = _download(client, in_cio_review)
    wb["Validation"]["G3"] = "Rewritten by the CIO"
    response = _upload(client, in_cio_review, wb)
    assert response.status_code == 400 and b"column G (How it is met): a locked cell was changed" in response.content
    assert helpers.row(in_cio_review, "T2").narrative != "Rewritten by the CIO"


def test_a_cio_reviewer_without_a_share_gets_404(client, drafting, carol):
    client.force_login(carol)
    for tail in ("", "workbook.xlsx", "rows.csv", "import/"):
        response = client.get(_url(drafting, tail)) if tail != "import/" else client.post(_url(drafting, tail))
        assert response.status_code == 404, tail


def test_csv_downloads_stream_and_escape_formulas(client, drafting, bob):
    t2 = helpers.row(drafting, "T2")
    assessments.save_row(t2, by=bob, revision=t2.revision, narrative="=HYPERLINK(\"http://x\",\"y\")")
    client.force_login(bob)
    response = client.get(_url(drafting, "rows.csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    assert client.get(_url(drafting, "nothing.csv")).status_code == 404


def test_the_pack_holds_the_users_workbook_as_a_locked_record_whoever_downloads_it(client, in_cio_review, carol):
    import zipfile

    review.comment(in_cio_review, by=carol, text="Show a year of logs", item=helpers.row(in_cio_review, "T2"))
    client.force_login(carol)
    response = client.get(_url(in_cio_review, "pack.zip"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as pack:
        wb = openpyxl.load_workbook(io.BytesIO(pack.read("validation-workbook.xlsx")))
    sheet = wb["Validation"]
    assert all(c.protection.locked for row in sheet.iter_rows() for c in row)
    comments = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert comments[1] == "carol@cio.test: Show a year of logs"


def test_after_submission_the_risks_are_the_register_as_submitted_not_the_live_one(client, in_cio_review, carol,
                                                                                     alice, org_a):
    assessments.add_risk(org_a, by=alice, title="Added after submission", inherent_likelihood=2,
                         inherent_impact=2, residual_likelihood=1, residual_impact=1)
    client.force_login(carol)
    text = b"".join(client.get(_url(in_cio_review, "risks.csv")).streaming_content).decode()
    assert "Phishing of DCC User staff" in text and "Added after submission" not in text
    sheet = _download(client, in_cio_review)["Risks"]
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["Phishing of DCC User staff"]


def test_a_workbook_imported_in_the_background_applies_as_the_preview_showed(client, drafting, bob, alice):
    """The preview's second button queues the import; the job page follows it and says what it did.
    (The suite's job backend runs a job as soon as it is queued.)"""
    client.force_login(bob)
    wb = _download(client, drafting)
    t2 = helpers.row(drafting, "T2")
    assessments.save_row(t2, by=alice, revision=t2.revision, narrative="Alice's words")
    wb["Validation"]["F3"] = "Partially compliant"
    wb["Validation"]["G3"] = "Bob's words"
    preview = _upload(client, drafting, wb)
    later = _url(drafting, "import/later/")
    assert f'formaction="{later}"' in preview.content.decode()
    conflict = preview.context["plan"].conflicts[0]
    queued = client.post(later, {"token": preview.context["token"], f"keep-{conflict.key}": "workbook"})
    assert queued.status_code == 302 and "/jobs/" in queued["Location"]
    t2 = helpers.row(drafting, "T2")
    assert (t2.status, t2.narrative) == ("partial", "Bob's words")  # the conflict taken, as chosen
    assert Event.objects.get(action="exchange.workbook.imported").actor == bob
    page = client.get(queued["Location"]).content.decode()
    assert "Done: 1 item changed" in page and f"/assessments/{drafting.pk}/" in page


def test_a_background_import_is_the_uploaders_own_and_cannot_be_forged(client, drafting, bob, alice, olive):
    client.force_login(bob)
    wb = _download(client, drafting)
    wb["Validation"]["G3"] = "Bob's words"
    token = _upload(client, drafting, wb).context["token"]
    later = _url(drafting, "import/later/")
    client.force_login(alice)
    assert client.post(later, {"token": token}).status_code == 404
    client.force_login(olive)
    assert client.post(later, {"token": token}).status_code == 404
    client.force_login(bob)
    forged = client.post(later, {"token": token[:-2] + "xx"})
    assert forged.status_code == 302 and forged["Location"] == _url(drafting)
    assert helpers.row(drafting, "T2").narrative != "Bob's words"
    assert not Event.objects.filter(action="exchange.workbook.imported").exists()
