"""Taking a spreadsheet in through the web, as a person does: from the assessment's files page (or
the risk register, or the documents page) to the upload, the proposed mapping, the preview and the
apply, each step posting the form the page before rendered. Nothing is written before the apply;
the wrong people, a changed token and unreadable files are refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from secassure.assessments import actions
from secassure.assessments.models import Risk
from secassure.audit.events import AuditEvent
from secassure.audit.models import Event
from secassure.evidence.models import Document
from secassure.exchange.models import IntakeMapping
from tests.crawl import forms_of
from tests.intake import assessed, layouts


@pytest.fixture
def ssa(write, org_a, alice, bob):
    return assessed.in_preparation(write, org_a, owner=alice, maker=bob)


def _form(response, action_name: str, *args):
    """The form on the page that posts to the named URL, as a browser would send it unchanged."""
    action = reverse(action_name, args=args)
    html = response.content.decode()
    found = [f for f in forms_of(response.wsgi_request.path, html) if f.action.endswith(action)]
    assert found, f"no form posts to {action}"
    return found[0]


def _data(form, **changes) -> dict:
    data: dict[str, list[str]] = {}
    for name, value in form.fields:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name.replace("_", "-")] = value if isinstance(value, list) else [value]
    return data


def _upload(client, org, path, *, kind="rows", assessment=None, **extra):
    with open(path, "rb") as handle:
        data = {"file": handle, "kind": kind, **extra}
        if assessment is not None:
            data["assessment"] = assessment.pk
        return client.post(reverse("intake-upload", args=[org.slug]), data)


def _selected(html: str, select_id: str) -> str:
    """The text of the selected option of a select."""
    block = re.search(rf'<select id="{re.escape(select_id)}"[^>]*>(.*?)</select>', html, re.S).group(1)
    chosen = re.search(r'<option value="[^"]*" selected>([^<]*)</option>', block)
    return chosen.group(1) if chosen else ""


def _words(html: str, field: str) -> dict[str, str]:
    """Each word of the sheet the value mapping lists for a field, and the value chosen for it ("" for
    none)."""
    found = {}
    for row in re.findall(rf'<label for="value-{field}-\d+">.*?</tr>', html, re.S):
        word = re.match(r'<label for="[^"]*">([^<]*)</label>', row).group(1)
        chosen = re.search(r'<option value="([^"]*)" selected', row)
        found[word] = chosen.group(1) if chosen else ""
    return found


def test_the_files_page_leads_to_the_intake_and_the_whole_way_through(client, org_a, bob, ssa, tmp_path):
    client.force_login(bob)
    files = client.get(reverse("exchange", args=[org_a.slug, ssa.pk]))
    link = re.search(r'href="([^"]*/intake/\?kind=rows&amp;assessment=\d+)"', files.content.decode()).group(1)
    start = client.get(link.replace("&amp;", "&"))
    assert start.status_code == 200 and "Upload the spreadsheet" in start.content.decode()
    upload_form = _form(start, "intake-upload", org_a.slug)
    assert ("assessment", str(ssa.pk)) in upload_form.fields

    events = Event.objects.count()
    before = list(ssa.rows.values_list("pk", "status", "narrative", "revision"))
    mapped = _upload(client, org_a, layouts.validation_workbook_titled(tmp_path / "client.xlsx"), assessment=ssa)
    html = mapped.content.decode()
    assert mapped.status_code == 200, html[:2000]
    # The proposal, as the page shows it: each field's column chosen, and the status words.
    assert "The headers are on row 3" in html
    assert _selected(html, "map-ref") == "A: SEC Ref"
    assert _selected(html, "map-status") == "C: Compliance"
    assert _selected(html, "map-last_tested") == "G: Last Tested"
    assert "Maybe" in html and "not mapped" in html
    words = _words(html, "status")
    assert words["Compliant"] == "compliant" and words["Partial"] == "partial"
    assert words["N/A"] == "not-applicable" and words["Maybe"] == ""

    preview = client.post(reverse("intake-preview", args=[org_a.slug]),
                          _data(_form(mapped, "intake-preview", org_a.slug)))
    shown = preview.content.decode()
    assert preview.status_code == 200, shown[:2000]
    assert "What taking in client.xlsx would do" in shown
    assert "G3.10" in shown and "written differently" in shown  # G 3.2, SEC G3.3
    assert Event.objects.count() == events  # nothing written yet
    assert list(ssa.rows.values_list("pk", "status", "narrative", "revision")) == before

    applied = client.post(reverse("intake-apply", args=[org_a.slug]), _data(_form(preview, "intake-apply",
                                                                                  org_a.slug)))
    assert applied.status_code == 302 and applied["Location"] == reverse("assessment", args=[org_a.slug, ssa.pk])
    g31 = ssa.rows.get(obligation__ref="G3.1")
    assert g31.status == "compliant" and g31.carried_forward and not g31.confirmed
    assert ssa.rows.get(obligation__ref="G3.10").status == "compliant"
    assert ssa.rows.get(obligation__ref="G3.2").status == "partial"
    assert ssa.rows.get(obligation__ref="G3.5").status == "not-assessed"  # "Maybe" left blank
    assert Event.objects.filter(action=AuditEvent.ASSESSMENTS_ROW_TAKEN_IN).count() >= 5
    followed = client.get(applied["Location"])
    assert "Took in client.xlsx" in followed.content.decode()


def test_the_person_changes_the_mapping_and_the_preview_follows_it(client, org_a, bob, ssa, tmp_path):
    client.force_login(bob)
    mapped = _upload(client, org_a, layouts.validation_workbook_titled(tmp_path / "client.xlsx"), assessment=ssa)
    form = _form(mapped, "intake-preview", org_a.slug)
    # Status left out of the mapping: the preview writes no status.
    preview = client.post(reverse("intake-preview", args=[org_a.slug]), _data(form, map_status=""))
    shown = preview.content.decode()
    assert "Compliance status" not in shown.split("Each row", 1)[1]
    # "Maybe" read as partially compliant, as the person says.
    html = mapped.content.decode()
    maybe = re.search(r'<label for="(value-status-\d+)">Maybe</label>', html).group(1)
    preview = client.post(reverse("intake-preview", args=[org_a.slug]), _data(form, **{maybe.replace("-", "_"):
                                                                                        "partial"}))
    row_10 = preview.content.decode().split('<td data-label="Row">10</td>', 1)[1].split("</tr>", 1)[0]
    assert "Partially compliant" in row_10


def test_a_saved_mapping_serves_the_next_upload(client, org_a, bob, ssa, tmp_path):
    client.force_login(bob)
    mapped = _upload(client, org_a, layouts.consultancy_workbook(tmp_path / "acme.xlsx"), assessment=ssa)
    form = _form(mapped, "intake-preview", org_a.slug)
    client.post(reverse("intake-preview", args=[org_a.slug]), _data(form, save_as="Northgate layout"))
    saved = IntakeMapping.objects.get(owner=bob, name="Northgate layout")
    assert saved.kind == "rows" and saved.mapping
    start = client.get(reverse("intake", args=[org_a.slug]) + f"?kind=rows&assessment={ssa.pk}")
    assert "Northgate layout" in start.content.decode()
    again = _upload(client, org_a, layouts.consultancy_workbook(tmp_path / "acme2.xlsx"), assessment=ssa,
                    mapping="Northgate layout")
    assert again.status_code == 200 and "as you or a saved mapping chose" in again.content.decode()


def test_a_risk_register_is_taken_in_from_the_risks_page(client, org_a, alice, tmp_path):
    client.force_login(alice)
    page = client.get(reverse("risks", args=[org_a.slug])).content.decode()
    assert f'href="{reverse("intake", args=[org_a.slug])}?kind=risks"' in page
    mapped = _upload(client, org_a, layouts.risk_register_csv(tmp_path / "risks.csv"), kind="risks")
    assert mapped.status_code == 200, mapped.content.decode()[:2000]
    form = _form(mapped, "intake-preview", org_a.slug)
    preview = client.post(reverse("intake-preview", args=[org_a.slug]), _data(form))
    assert preview.status_code == 200
    if "It cannot be taken in as it is mapped" in preview.content.decode():
        # A scale word the file uses and the vocabulary does not read: say it is a 3, as a person would.
        html = mapped.content.decode()
        fixes = {}
        for field in ("likelihood", "impact"):
            for word, value in _words(html, field).items():
                if not value:
                    number = re.search(rf'<label for="value-{field}-(\d+)">{re.escape(word)}</label>', html).group(1)
                    fixes[f"value_{field}_{number}"] = "3"
        assert fixes
        preview = client.post(reverse("intake-preview", args=[org_a.slug]), _data(form, **fixes))
    applied = client.post(reverse("intake-apply", args=[org_a.slug]),
                          _data(_form(preview, "intake-apply", org_a.slug)))
    assert applied.status_code == 302, applied.content.decode()[-3000:]
    assert applied["Location"] == reverse("risks", args=[org_a.slug])
    assert Risk.objects.filter(organisation=org_a).count() >= 4


def test_a_document_list_is_taken_in_from_the_documents_page(client, org_a, alice, tmp_path):
    client.force_login(alice)
    page = client.get(reverse("documents", args=[org_a.slug])).content.decode()
    assert f'href="{reverse("intake", args=[org_a.slug])}?kind=documents"' in page
    mapped = _upload(client, org_a, layouts.document_list_xlsx(tmp_path / "documents.xlsx"), kind="documents")
    form = _form(mapped, "intake-preview", org_a.slug)
    html = mapped.content.decode()
    # "Brochure" is no type the register knows: call it a record.
    brochure = re.search(r'<label for="(value-doc_type-\d+)">Brochure</label>', html)
    changes = {brochure.group(1).replace("-", "_"): "record"} if brochure else {}
    preview = client.post(reverse("intake-preview", args=[org_a.slug]), _data(form, **changes))
    assert "It cannot be taken in" not in preview.content.decode()
    count = Document.objects.filter(organisation=org_a).count()
    applied = client.post(reverse("intake-apply", args=[org_a.slug]),
                          _data(_form(preview, "intake-apply", org_a.slug)))
    assert applied.status_code == 302
    assert Document.objects.filter(organisation=org_a).count() > count + 1  # the list, and the file kept


@pytest.mark.parametrize("who", ["olive", "carol", "mallory"])
def test_people_who_may_not_take_anything_in_get_nothing(client, org_a, ssa, who, request, tmp_path):
    person = request.getfixturevalue(who)
    client.force_login(person)
    assert client.get(reverse("intake", args=[org_a.slug]) + f"?kind=rows&assessment={ssa.pk}").status_code == 404
    assert client.get(reverse("intake", args=[org_a.slug]) + "?kind=risks").status_code == 404
    events = Event.objects.count()
    response = _upload(client, org_a, layouts.validation_workbook_titled(tmp_path / "c.xlsx"), assessment=ssa)
    assert response.status_code == 404 and Event.objects.count() == events


def test_another_organisations_assessment_is_not_there(client, org_a, org_b, mallory, ssa):
    client.force_login(mallory)
    assert client.get(reverse("intake", args=[org_b.slug]) + f"?kind=rows&assessment={ssa.pk}").status_code == 404


def test_a_changed_or_someone_elses_token_is_refused(client, org_a, alice, bob, ssa, tmp_path):
    client.force_login(bob)
    mapped = _upload(client, org_a, layouts.validation_workbook_titled(tmp_path / "client.xlsx"), assessment=ssa)
    data = _data(_form(mapped, "intake-preview", org_a.slug))
    tampered = dict(data, token=[data["token"][0][:-2] + "xx"])
    refused = client.post(reverse("intake-apply", args=[org_a.slug]), tampered)
    assert refused.status_code == 400 and "upload the spreadsheet again" in refused.content.decode()
    client.force_login(alice)
    assert client.post(reverse("intake-apply", args=[org_a.slug]), data).status_code == 404
    assert not ssa.rows.filter(carried_forward=True).exists()


def test_unreadable_files_are_refused_with_the_reason(client, org_a, bob, ssa, tmp_path):
    client.force_login(bob)
    text = tmp_path / "notes.txt"
    text.write_text("not a spreadsheet")
    refused = _upload(client, org_a, text, assessment=ssa)
    assert refused.status_code == 400 and "not a spreadsheet secassure can read" in refused.content.decode()
    macros = tmp_path / "client.xlsm"
    macros.write_bytes(b"PK")
    refused = _upload(client, org_a, macros, assessment=ssa)
    assert refused.status_code == 400 and "save it as an .xlsx workbook" in refused.content.decode()
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"%PDF-1.7 not a workbook")
    refused = _upload(client, org_a, fake, assessment=ssa)
    assert refused.status_code == 400 and "The spreadsheet was not taken in" in refused.content.decode()


def test_a_submitted_assessment_takes_nothing_in(client, org_a, alice, bob, ssa):
    ssa.status = "submitted"
    ssa.save(update_fields=["status"])
    client.force_login(bob)
    response = client.get(reverse("intake", args=[org_a.slug]) + f"?kind=rows&assessment={ssa.pk}")
    assert response.status_code == 302
    files = client.get(reverse("exchange", args=[org_a.slug, ssa.pk])).content.decode()
    assert "/intake/" not in files


def test_a_row_saved_after_the_preview_is_not_overwritten_unseen(client, org_a, alice, bob, ssa, tmp_path):
    client.force_login(bob)
    mapped = _upload(client, org_a, layouts.validation_workbook_titled(tmp_path / "client.xlsx"), assessment=ssa)
    preview = client.post(reverse("intake-preview", args=[org_a.slug]),
                          _data(_form(mapped, "intake-preview", org_a.slug)))
    g31 = ssa.rows.get(obligation__ref="G3.1")
    actions.save_row(g31, by=alice, revision=g31.revision, narrative="Alice's words")
    refused = client.post(reverse("intake-apply", args=[org_a.slug]),
                          _data(_form(preview, "intake-apply", org_a.slug)))
    assert refused.status_code == 400
    assert "G3.1 was changed in secassure after the preview" in refused.content.decode()
    assert ssa.rows.get(obligation__ref="G3.1").narrative == "Alice's words"
    assert not ssa.rows.filter(carried_forward=True).exists()


def test_a_crafted_field_or_a_sheet_chosen_without_reading_it_is_no_error(client, org_a, bob, ssa, tmp_path):
    client.force_login(bob)
    mapped = _upload(client, org_a, layouts.validation_workbook_titled(tmp_path / "client.xlsx"), assessment=ssa)
    data = _data(_form(mapped, "intake-preview", org_a.slug))
    assert client.post(reverse("intake-preview", args=[org_a.slug]),
                       dict(data, **{"text-status": ["x"]})).status_code == 200
    # Another sheet chosen, then Preview pressed: its columns are read first, not mapped blindly.
    other = client.post(reverse("intake-preview", args=[org_a.slug]), dict(data, sheet=["Cover"]))
    assert other.status_code in (200, 400)
    assert "What taking in" not in other.content.decode()
