"""The PDF report of an assessment: what it shows, on every page and in each section; that
nothing a person writes is read as typst; that the compiler reads nothing outside the template's
folder and uses only the fonts built into typst; that reading the data takes a fixed number of
queries; and the classification label an Owner sets for it."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
import typst
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from secassure.assessments import actions as assessments
from secassure.assessments.models import ChangeRecord, EvidenceLink, QuestionAnswer, ValidationRow
from secassure.audit.models import Event
from secassure.evidence import actions as evidence
from secassure.exchange import report
from secassure.exchange.report import render_pdf, report_data
from secassure.profile.actions import update_organisation
from secassure.review import remediation_actions as remediation
from secassure.review.models import Comment, QueryMessage, ReviewQuery
from secassure.tenancy.models import DEFAULT_CLASSIFICATION, Organisation
from tests.assessments import helpers
from tests.evidence import files

TODAY = timezone.localdate()
# report_data's queries: the assessment, progress (2), compliance (2), exceptions, changes, material
# answers, the register, evidence (2), the review bundle (10) and the User CIO's report in force. The
# same however much there is.
MAX_QUERIES = 22


@pytest.fixture
def rich(reviewed, org_a, alice, bob):
    """The reviewed SSA with something in every section: T2 non-compliant, Q2 marked material, an
    expired document backing T2, and a second action twelve days overdue."""
    ValidationRow.objects.filter(assessment=reviewed, obligation__ref="T2").update(
        status="non-compliant", narrative="The SIEM keeps logs for six months only.")
    QuestionAnswer.objects.filter(assessment=reviewed, question__ref="Q2").update(
        material=True, material_rationale="The new hosting provider now carries User System traffic.")
    stale = evidence.add_document(org_a, title="Firewall rule review", doc_type="record", by=None)
    version = evidence.add_version(stale, chunks=[files.PDF], name="fw.pdf", effective_date=dt.date(2025, 3, 1),
                                   expiry_date=TODAY - dt.timedelta(days=30), by=None)
    EvidenceLink.objects.create(assessment=reviewed, document=stale, version=version,
                                row=ValidationRow.objects.get(assessment=reviewed, obligation__ref="T2"))
    plan = reviewed.remediation_plans.get()
    late = remediation.add_action(plan, by=alice, description="Re-run the firewall rule review", owner=bob,
                                  target_date=TODAY + dt.timedelta(days=5))
    type(late).objects.filter(pk=late.pk).update(target_date=TODAY - dt.timedelta(days=12))
    return reviewed


def pages(pdf: bytes) -> list[str]:
    """The text of each page, with runs of white space made single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def fonts(pdf: bytes) -> set[str]:
    """The base names of the fonts the PDF uses (subset prefixes removed)."""
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            found.add(font.get_object()["/BaseFont"].split("+", 1)[-1])
    return found


# --- the document ---------------------------------------------------------------------------------


def test_the_report_is_a_pdf_with_page_numbers_and_the_marking_on_every_page(rich):
    pdf = render_pdf(rich, today=TODAY)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "SSA 2026"
    texts = pages(pdf)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        # The marking is printed at the top and at the bottom of each page.
        assert text.count(DEFAULT_CLASSIFICATION) == 2, number
        assert "Assessment report" in text and "Draft: not yet submitted" not in text
    # A4 portrait.
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_the_report_shows_each_section(rich):
    data = report_data(rich, today=TODAY)
    text = " ".join(pages(render_pdf(rich, today=TODAY)))
    # 1. The summary.
    assert "Alpha Energy Ltd" in text and "User Security Self-Assessment (SSA)" in text
    assert "sec-g@test.1" in text and "Actions requested by the SSC" in text
    assert "by dave@a.test" in text and "100% of 2 obligations assessed" in text
    assert "Materiality decision: No material increase" in text and "nothing material" in text
    # 2. Compliance by group: the chart's counts, as text too, and the rows that fall short.
    assert data["compliance"]["groups"] == [{
        "ref": "G3", "title": "System security", "total": 2,
        "counts": {"compliant": 1, "partial": 0, "non-compliant": 1, "not-applicable": 0, "not-assessed": 0}}]
    assert "G3 System security 1 0 1 0 0 2" in text
    assert "All groups 1 0 1 0 0 2" in text
    assert "Compliant Partially compliant Non-compliant Not applicable Not assessed" in text  # the legend
    assert "T2 Large import suppliers Non-compliant The SIEM keeps logs for six months only." in text
    # 3. The change log and the material risk decisions.
    assert "15 Jan 2026 Third-party providers New hosting provider" in text
    assert "R-001 Phishing of DCC User staff" in text
    assert "Q2 Has anything changed for large suppliers?" in text
    assert "The new hosting provider now carries User System traffic." in text
    assert data["high_risks"]["risks"][0]["residual"] == [3, 4, 12]
    assert "R-001 Phishing of DCC User staff 12 (3 × 4)" in text
    # 4. Evidence with its freshness, the stale first.
    assert [(e["title"], e["freshness_label"]) for e in data["evidence"]] == [
        ("Firewall rule review", "Expired"), ("Information Security Policy", "Current")]
    assert re.search(r"Firewall rule review Record v1 1 Mar 2025 \d+ \w{3} \d{4} Expired", text)
    assert "Information Security Policy Policy v1" in text and "Current" in text
    # 5. The open finding and the actions, the overdue one marked.
    assert "F-001 G5.14 Potential non-compliance Severity: High Log retention not shown for twelve months" in text
    assert "Extend SIEM retention to 13 months" in text and "bob@a.test" in text
    assert "Re-run the firewall rule review" in text and "Overdue by 12 days" in text
    # 6. The CIO's overall comment, the comment on T2, and the SSC's outcome.
    assert [c["text"] for c in data["review"]["overall"]] == ["Generally well evidenced."]
    assert "Generally well evidenced." in text
    assert "T2 Log retention should be shown for a full year. carol@cio.test" in text
    outcome = data["outcome"]
    assert outcome["label"] == "Actions requested" and outcome["reference"] == "SSC/2026/17"
    assert (f"Decision Actions requested Clause {outcome['clause']} Sent to the SSC on 14 April 2026 Received on "
            "1 May 2026 Reference SSC/2026/17") in text


def test_a_drafting_assessment_renders_with_its_empty_sections_said_plainly(drafting):
    ChangeRecord.objects.filter(assessment=drafting).delete()
    data = report_data(drafting, today=TODAY)
    assert data["outcome"] is None and data["changes"] == [] and data["findings"] == []
    assert data["high_risks"]["source"] == "live"
    texts = pages(render_pdf(drafting, today=TODAY))
    assert all("Draft: not yet submitted" in page for page in texts)  # in each page's header
    text = " ".join(texts)
    assert "In preparation" in text and "Not yet submitted" in text
    assert "Materiality decision: not decided" in text
    assert "needs a decision on whether security risk has materially increased" in text
    assert "T1 System security" not in text and "G3 System security 1 0 0 0 1 2" in text
    for message in ("No obligation is recorded as non-compliant or partially compliant.", "No changes recorded.",
                    "No answer is marked as a material increase in security risk.", "No open findings.",
                    "No remediation plan.", "No overall comment from the CIO.", "No SSC outcome recorded."):
        assert message in text, message
    # The risk on the live register, since nothing was snapshotted yet; the policy, at its latest version.
    assert "from the live register" in text and "R-001 Phishing of DCC User staff 12" in text
    assert "Information Security Policy Policy v1" in text


def test_long_names_are_cut_short_in_headers_and_footers_and_given_in_full_on_the_cover(rich, org_a):
    Organisation.objects.filter(pk=org_a.pk).update(name="Alpha " + "Energy " * 25 + "Ltd")
    type(rich).objects.filter(pk=rich.pk).update(title="SSA " + "twenty-six " * 17 + "end")  # 194 of 200
    texts = pages(render_pdf(rich, today=TODAY))
    for number, text in enumerate(texts, start=1):
        assert text.startswith("Alpha Energy Energy") and f"Page {number} of {len(texts)}" in text
        assert text.count("…") == 2  # the name at the top, the title at the bottom
    assert "Energy Ltd" in texts[0] and "twenty-six end" in texts[0]


def test_the_same_assessment_on_the_same_day_gives_the_same_bytes(rich):
    assert render_pdf(rich, today=TODAY) == render_pdf(rich, today=TODAY)


# --- safety ---------------------------------------------------------------------------------------


TYPST = ['#panic("x")', '#read("/etc/passwd")', "*bold*", "$x$", "<label>", "@ref", "_under_", "[brackets]",
         "#{1 + 1}", "\\ back", "// not a comment", "= not a heading", "`raw`", '#import "@preview/x:0.1.0"']


def test_text_that_looks_like_typst_is_printed_as_it_is(rich, org_a, alice):
    sample = " ".join(TYPST)
    update_organisation(org_a, {"name": f"Alpha {TYPST[0]}", "classification_label": "*SECRET* #panic(1)"}, by=None)
    type(rich).objects.filter(pk=rich.pk).update(title=f"SSA {TYPST[2]} {TYPST[3]}", decision_reason=sample)
    ValidationRow.objects.filter(assessment=rich, obligation__ref="T2").update(narrative=sample)
    QuestionAnswer.objects.filter(assessment=rich, question__ref="Q2").update(material_rationale=sample)
    ChangeRecord.objects.filter(assessment=rich).update(description=sample)
    Comment.objects.filter(assessment=rich, row__isnull=True, answer__isnull=True).update(text=sample)
    text = " ".join(pages(render_pdf(rich, today=TODAY)))
    for snippet in TYPST:
        # The narrative, the reason, the rationale, the change and the comment all print it.
        assert text.count(snippet) >= 5, snippet
    assert "Alpha #panic(\"x\")" in text and "SSA *bold* $x$" in text
    assert text.count("*SECRET* #panic(1)") >= 6  # header and footer of each of three pages or more
    assert "root:" not in text  # no file was read


def test_control_and_direction_characters_are_left_out_and_other_scripts_do_not_stop_it(rich):
    # A right-to-left override would print "evil" as "live"; a bell or an escape prints nothing useful.
    type(rich).objects.filter(pk=rich.pk).update(title="SSA \u202elive\u202c 2026\x07\x1b[31m")
    ValidationRow.objects.filter(assessment=rich, obligation__ref="T2").update(
        narrative="Line one\r\nLine two, in Cymraeg: ŵ ŷ; in 漢字 and 😀 too (no built-in font has them)")
    text = " ".join(pages(render_pdf(rich, today=TODAY)))
    assert "SSA live 2026[31m" in text and "\u202e" not in text and "\x1b" not in text
    assert "Line one Line two, in Cymraeg: ŵ ŷ;" in text
    assert report_data(rich, today=TODAY)["assessment"]["title"] == "SSA \u202elive\u202c 2026\x07\x1b[31m"


def test_the_compiler_reads_nothing_outside_the_template_folder():
    compiler = report.compiler({})
    assert compiler.compile(input=b'#read("report.typ").len()', format="pdf").startswith(b"%PDF-")
    with pytest.raises(typst.TypstError, match="escape the project root"):
        compiler.compile(input=b'#read("../settings.py")', format="pdf")
    with pytest.raises(typst.TypstError, match="file not found"):
        compiler.compile(input=b'#read("/etc/passwd")', format="pdf")  # read as <root>/etc/passwd


def test_the_report_uses_only_the_fonts_built_into_typst(rich):
    assert report.TEMPLATE == Path(report.__file__).with_name("report.typ")  # shipped next to the module
    used = fonts(render_pdf(rich, today=TODAY))
    assert used and all(name.startswith(("LibertinusSerif", "DejaVuSansMono")) for name in used), used
    embedded = set(typst.Fonts(include_system_fonts=False).families())
    assert set(report.FONTS) <= embedded


# --- queries --------------------------------------------------------------------------------------


def count_queries(assessment) -> int:
    with CaptureQueriesContext(connection) as queries:
        report_data(assessment, today=TODAY)
    return len(queries.captured_queries)


def test_report_data_reads_the_same_number_of_queries_however_much_there_is(rich, org_a, alice, bob, carol):
    before = count_queries(rich)
    assert before <= MAX_QUERIES
    plan = rich.remediation_plans.get()
    rows = list(ValidationRow.objects.filter(assessment=rich))
    answers = list(QuestionAnswer.objects.filter(assessment=rich))
    ValidationRow.objects.filter(assessment=rich).update(status="partial", owner=bob)
    QuestionAnswer.objects.filter(assessment=rich).update(material=True, material_rationale="Because")
    for i in range(6):
        assessments.add_risk(org_a, by=alice, title=f"Risk {i}", inherent_likelihood=5, inherent_impact=5,
                             residual_likelihood=4, residual_impact=4)
        ChangeRecord.objects.create(assessment=rich, area="systems", description=f"Change {i}", recorded_by=bob)
        finding = remediation.add_finding(org_a, by=alice, kind="actual", description=f"Finding {i}",
                                          assessment=rich)
        remediation.add_action(plan, by=alice, description=f"Action {i}", target_date=TODAY, owner=bob,
                               finding=finding)
        doc = evidence.add_document(org_a, title=f"Record {i}", doc_type="record", by=None)
        EvidenceLink.objects.create(assessment=rich, document=doc, row=rows[i % 2] if i < 3 else None,
                                    answer=answers[i % 2] if i >= 3 else None)
        Comment.objects.create(assessment=rich, author=carol, text=f"Comment {i}", row=rows[i % 2])
        query = ReviewQuery.objects.create(assessment=rich, row=rows[i % 2], raised_by=carol)
        QueryMessage.objects.create(query=query, side="cio", author=carol, text=f"Why {i}?")
    assessments.snapshot_risks(rich)
    data = report_data(rich, today=TODAY)
    assert len(data["high_risks"]["risks"]) == 7 and len(data["evidence"]) == 8 and len(data["changes"]) == 7
    assert len(data["findings"]) == 7 and len(data["actions"]) == 8 and len(data["review"]["items"]) == 7
    assert count_queries(rich) == before


def numbered_assessment(write, org, owner, n: int):
    """An SSA of n rows on a catalogue of its own, a third non-compliant, each row with evidence."""
    catalogue = helpers.load_text(write, helpers.numbered(n, f"rows.{n}"), f"rows-{n}.yaml")
    assessment = assessments.create_assessment(org, kind="ssa", by=owner, catalogue=catalogue).assessment
    documents = [evidence.add_document(org, title=f"Document {n}.{i}", doc_type="record", by=None)
                 for i in range(n // 3 + 1)]
    rows = list(assessment.rows.all())
    for i, row in enumerate(rows):
        row.status = ("compliant", "partial", "non-compliant")[i % 3]
        row.narrative = f"Row {i}"
    ValidationRow.objects.bulk_update(rows, ["status", "narrative"])
    EvidenceLink.objects.bulk_create([EvidenceLink(assessment=assessment, row=row, document=documents[i // 3])
                                      for i, row in enumerate(rows)])
    return assessment


def test_report_data_reads_the_same_number_of_queries_for_few_rows_and_many(write, org_a, alice):
    few = numbered_assessment(write, org_a, alice, 4)
    many = numbered_assessment(write, org_a, alice, 90)
    assert len(report_data(many, today=TODAY)["exceptions"]) == 60
    assert count_queries(few) == count_queries(many) <= MAX_QUERIES


# --- the classification label ---------------------------------------------------------------------


def test_an_owner_sets_the_classification_label_that_every_page_prints(client, alice, rich, org_a):
    client.force_login(alice)
    form = {"name": org_a.name, "sec_party_id": "", "category": org_a.category,
            "cycle_start": org_a.cycle_start.isoformat()}
    response = client.post(f"/orgs/{org_a.slug}/edit/", {**form, "classification_label": "  OFFICIAL:  ALPHA ONLY "})
    assert response.status_code == 302
    assert Organisation.objects.get(pk=org_a.pk).classification_label == "OFFICIAL: ALPHA ONLY"
    event = Event.objects.filter(action="tenancy.organisation.changed").latest("id")
    assert event.before["classification_label"] == DEFAULT_CLASSIFICATION
    assert event.after["classification_label"] == "OFFICIAL: ALPHA ONLY"
    texts = pages(render_pdf(rich, today=TODAY))
    assert all(text.count("OFFICIAL: ALPHA ONLY") == 2 for text in texts)
    assert not any(DEFAULT_CLASSIFICATION in text for text in texts)
    # Left empty on the form, it stays as it was; too long, it is refused next to the field.
    client.post(f"/orgs/{org_a.slug}/edit/", {**form, "classification_label": ""})
    assert Organisation.objects.get(pk=org_a.pk).classification_label == "OFFICIAL: ALPHA ONLY"
    response = client.post(f"/orgs/{org_a.slug}/edit/", {**form, "classification_label": "X" * 61})
    assert response.status_code == 200 and b"at most 60 characters" in response.content


def test_an_empty_label_prints_the_default(rich, org_a):
    Organisation.objects.filter(pk=org_a.pk).update(classification_label="")  # as the admin may leave it
    assert report_data(rich, today=TODAY)["classification"] == DEFAULT_CLASSIFICATION


def test_the_cio_report_leads_its_own_pdf_and_closes_the_assessment_report(write, org_a, alice, bob, dave):
    """An issued version of the User CIO's report is in the report data with its results as issued,
    first in its own PDF and last in the assessment report; a later revision does not change it."""
    from secassure.exchange.report import render_cio_report
    from secassure.review import fieldwork_actions as fieldwork
    from secassure.review.models import CioReport
    from tests.shipped import load_shipped_rules

    load_shipped_rules()
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    cio = helpers.member(org_a, "cio@x.test", "cio-reviewer")
    fusa = assessments.create_assessment(org_a, kind="fusa", by=alice, title="FUSA 2026").assessment
    helpers.conduct(fusa, owner=alice, cio=cio, results={"T2": ("actual", "No scan of the DMZ since March.")},
                    summary="Three days on site.")
    v1 = CioReport.objects.get(assessment=fusa)
    data = report_data(fusa, today=TODAY)
    assert data["assessment"]["submitted"] and not data["cio_first"]
    assert data["cio_report"]["version"] == 1 and data["cio_report"]["non_compliant"] == 1
    assert {r["ref"]: r["result"] for r in data["cio_report"]["results"]} == {"T1": "compliant", "T2": "actual"}
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_cio_report(v1, today=TODAY))).pages)
    assert "User Security Assessment Report, version 1" in text and "No scan of the DMZ since March." in text
    assert text.index("User Security Assessment Report") < text.index("Compliance by SEC group")
    fieldwork.reopen_report(fusa, by=cio, reason="The scan was found after all.")
    row = helpers.row(fusa, "T2")
    fieldwork.record_result(row, by=cio, result="compliant")
    fieldwork.issue_report(fusa, by=cio)
    v1.refresh_from_db()
    assert {r["ref"]: r["result"] for r in v1.results} == {"T1": "compliant", "T2": "actual"}  # as issued
    assert report_data(fusa, today=TODAY)["cio_report"]["version"] == 2
