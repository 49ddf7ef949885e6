"""Uploads that would run code on a reader's computer, or expand without end, are refused with a
message that says what was found and what to do; ordinary documents are still kept. Each bad file is
built here. A refusal leaves nothing behind: no blob, no scratch file, no version, no audit event.
And `secassure doc orphans` reports, and with --clean removes, the scratch files a killed upload or
import leaves."""

from __future__ import annotations

import io
import os
import time
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions, blobs
from secassure.evidence.active_content import PdfScan
from secassure.evidence.models import DocumentVersion
from tests.evidence import files

MACROS = "save it without macros, e.g. as .docx, and upload that"


@pytest.fixture
def policy(org_a, alice):
    return actions.add_document(org_a, title="Information Security Policy", doc_type="policy", owner=alice, by=None)


# --- the bad files --------------------------------------------------------------------------------------------


def vba_project() -> bytes:
    """A compound file as Office writes a VBA project: a VBA storage and its _VBA_PROJECT stream."""
    return files.ole("VBA", "_VBA_PROJECT", "dir", "ThisDocument")


def zipped(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def pdf(*objects: bytes, trailer: bytes = b"<< /Root 1 0 R >>") -> bytes:
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (number, obj) for number, obj in enumerate(objects, start=1))
    return b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n" + body + b"trailer " + trailer + b"\n%%EOF\n"


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>"
PAGES = b"<< /Type /Pages /Kids [] /Count 0 >>"
JAVASCRIPT = pdf(CATALOG, PAGES, b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>")
ESCAPED = pdf(CATALOG, PAGES, b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
              b"<< /Type /Annot /A << /S /L#61unch /F (calc.exe) >> >>")
HIDDEN_IN_OBJECT_STREAM = pdf(b"<< /Type /Catalog /Pages 2 0 R >>", PAGES, stream(
    b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
    zlib.compress(b"3 0 << /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>")))
ENCRYPTED_OBJECT_STREAM = pdf(b"<< /Type /Catalog /Pages 2 0 R >>", PAGES, stream(
    b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", b"\x00\x13\x9c\xa7 not deflate at all"),
    trailer=b"<< /Root 1 0 R /Encrypt 9 0 R >>")


def split_across_chunks(name: bytes, before: int) -> bytes:
    """A PDF whose refused name straddles the scanner's first 1 MiB boundary, ``before`` of its
    bytes in the first chunk."""
    head = b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S "
    padding = b" " * (1024 * 1024 - len(head) - before)
    return head + padding + name + b" /F (x) >> >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def bomb_zip(megabytes: int = 60) -> bytes:
    """A zip of one part of zeros, expanding about a thousand times."""
    return zipped({"zeros.bin": bytes(megabytes * 1024 * 1024)})


def nested(depth: int, inner: bytes) -> bytes:
    """``inner`` in a zip in a zip ... ``depth`` zips deep."""
    data = inner
    for level in range(depth):
        data = zipped({f"level{depth - level}.zip": data}, zipfile.ZIP_STORED)
    return data


BAD = {
    # name: (content, file name, what the message says)
    "docx holding vbaProject.bin": (files.ooxml("word", {"word/vbaProject.bin": vba_project()}), "policy.docx",
                                    f"the file holds macros (word/vbaProject.bin), which can run code on the "
                                    f"computer of whoever opens it; {MACROS}"),
    "xlsx holding vbaProject.bin": (files.ooxml("xl", {"xl/vbaProject.bin": vba_project()}), "register.xlsx",
                                    "the file holds macros (xl/vbaProject.bin), which can run code on the computer "
                                    "of whoever opens it; save it without macros, e.g. as .xlsx, and upload that"),
    "docx holding a renamed VBA project": (files.ooxml("word", {"word/media/image9.bin": vba_project()}),
                                           "policy.docx", "the file holds macros (a VBA project in "
                                           f"word/media/image9.bin), which can run code on the computer of "
                                           f"whoever opens it; {MACROS}"),
    "docm renamed docx": (zipped({"[Content_Types].xml": b'<Types><Override ContentType="application/vnd.ms-word.'
                                  b'document.macroEnabled.main+xml"/></Types>', "word/document.xml": b"<x/>"}),
                          "policy.docx", f"the file declares macros or ActiveX controls ([Content_Types].xml), "
                          f"which can run code on the computer of whoever opens it; {MACROS}"),
    "docx with an ActiveX control": (files.ooxml("word", {"word/activeX/activeX1.bin": vba_project()}),
                                     "policy.docx", "the file holds ActiveX controls (word/activeX/activeX1.bin)"),
    "a .docm": (files.ooxml("word"), "policy.docm", "policy.docm: .docm is a macro-enabled Office format, and "
                f"macros can run code on the computer of whoever opens it; {MACROS}"),
    "a .xlsm": (files.ooxml("xl"), "register.xlsm", "save it without macros, e.g. as .xlsx, and upload that"),
    "a .pptm": (files.ooxml("ppt"), "briefing.pptm", "save it without macros, e.g. as .pptx, and upload that"),
    "Word 97 document with macros": (files.ole("WordDocument", "1Table", "Macros", "VBA", "_VBA_PROJECT", "dir"),
                                     "policy.doc", "policy.doc: the file holds macros (a VBA project), which can "
                                     f"run code on the computer of whoever opens it; {MACROS}"),
    "Excel 97 workbook with macros": (files.ole("Workbook", "_VBA_PROJECT_CUR", padding=3 * 1024 * 1024),
                                      "register.xls", "save it without macros, e.g. as .xlsx, and upload that"),
    "PDF with JavaScript": (JAVASCRIPT, "policy.pdf", "policy.pdf: the PDF holds JavaScript (/JS, /JavaScript), "
                            "which a PDF reader may run when the file is opened; print it to a new PDF without "
                            "scripts or actions and upload that"),
    "PDF with escaped JavaScript and Launch": (ESCAPED, "policy.pdf", "the PDF holds JavaScript (/JS, /JavaScript);"
                                               " a launch action, which starts a program (/Launch)"),
    "PDF with JavaScript in an object stream": (HIDDEN_IN_OBJECT_STREAM, "policy.pdf",
                                                "the PDF holds JavaScript (/JS, /JavaScript)"),
    "PDF with Launch across a chunk": (split_across_chunks(b"/Launch", 4), "policy.pdf",
                                       "a launch action, which starts a program (/Launch)"),
    "PDF with escaped JavaScript across a chunk": (split_across_chunks(b"/J#61v#61Script", 12), "policy.pdf",
                                                   "the PDF holds JavaScript (/JavaScript)"),
    "PDF hiding a launch action in a stream": (pdf(CATALOG, PAGES, stream(
        b"/Length 99", b"3 0 obj << /S /Launch /F (calc.exe) >> endobj")), "policy.pdf", "(/Launch)"),
    "PDF hiding an object stream in a stream": (pdf(CATALOG, PAGES, stream(
        b"/Length 99", b"4 0 obj << /Type /ObjStm /Filter /FlateDecode >> stream\n" + zlib.compress(b"<< /S /JS >>"))),
        "policy.pdf", "cannot be checked for scripts (an object stream is hidden inside another stream)"),
    "PDF with an XFA form": (pdf(b"<< /Type /Catalog /AcroForm << /XFA 4 0 R >> >>"), "form.pdf",
                             "an XFA form, whose form logic is script (/XFA)"),
    "encrypted PDF with object streams": (ENCRYPTED_OBJECT_STREAM, "policy.pdf", "the PDF cannot be checked for "
                                          "scripts (it is encrypted); remove any password and print it to a new "
                                          "PDF, then upload that"),
    "HTML named report.txt": (b"\xef\xbb\xbf\n  <!DOCTYPE html><html><body><p>Report</p></body></html>",
                              "report.txt", "report.txt: the content is an HTML page, whatever its name says; HTML, "
                              "SVG and XML files are not accepted (they can carry scripts): save it as PDF or plain "
                              "text and upload that"),
    "HTML page without a doctype": (b"<p>Quarterly figures</p><script>alert(1)</script>", "figures.csv",
                                    "the content is an HTML page"),
    "HTML named report.pdf": (files.HTML, "report.pdf", "the content is an HTML page"),
    "HTML named notes.md": (b"<!doctype html><title>Notes</title>", "notes.md", "the content is an HTML page"),
    "markdown with a script": (b"# Notes\n<script>fetch('/x')</script>\n", "notes.md",
                               "the content is markup with a script"),
    "SVG with onload": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>', "chart.png",
                        "chart.png: the content is an SVG image"),
    "SVG with onload after text": (b'Chart\n<svg onload="alert(1)"/>', "chart.txt", "the content is an SVG image"),
    "zip holding a zip bomb": (zipped({"evidence/bomb.zip": bomb_zip()}, zipfile.ZIP_STORED), "evidence.zip",
                               "part evidence/bomb.zip/zeros.bin would expand"),
    "zip whose parts overlap": (files.overlapped(zipped({"a.pdf": files.PDF, "b.pdf": files.PDF}), "a.pdf"),
                                "evidence.zip", "evidence.zip: part a.pdf runs into the part after it: parts that "
                                "share their bytes are a trick of zip bombs, so the file was not opened"),
    "zip holding a zip whose parts overlap": (zipped({"inner.zip": files.overlapped(zipped({"a.pdf": files.PDF}),
                                                                                    "a.pdf")}, zipfile.ZIP_STORED),
                                              "evidence.zip", "part inner.zip/a.pdf runs into the part after it"),
    "deeply nested zip": (nested(6, files.PDF), "evidence.zip", "is a zip nested more than 3 deep; unpack the files "
                          "and upload them as they are"),
    "zip holding a .docm": (zipped({"policies/policy.docm": files.ooxml("word")}), "evidence.zip",
                            "policies/policy.docm inside it is a macro-enabled Office file"),
    "zip holding a docx with macros": (zipped({"policy.docx": files.ooxml("word", {"word/vbaProject.bin":
                                                                                   vba_project()})}),
                                       "evidence.zip", f"the file holds macros (policy.docx/word/vbaProject.bin), "
                                       f"which can run code on the computer of whoever opens it; {MACROS}"),
    "zip holding a PDF with JavaScript": (zipped({"signed/policy.pdf": JAVASCRIPT}), "evidence.zip",
                                          "the PDF (signed/policy.pdf) holds JavaScript"),
}


def _stored(blob_dir) -> list:
    return [p for p in blob_dir.rglob("*") if p.is_file()]


def _nothing_kept(blob_dir) -> None:
    assert _stored(blob_dir) == []  # no blob, and no scratch file either
    assert DocumentVersion.objects.count() == 0
    assert not Event.objects.filter(action="evidence.version.added").exists()


@pytest.mark.parametrize(("content", "name", "message"), BAD.values(), ids=BAD.keys())
def test_a_bad_file_is_refused_by_the_action(policy, _blob_dir, content, name, message):
    with pytest.raises(ActionError) as refused:
        actions.add_version(policy, chunks=[content], name=name, by=None)
    assert message in str(refused.value)
    assert str(refused.value).startswith(f"{name}: ")
    _nothing_kept(_blob_dir)


WEB = ["docx holding vbaProject.bin", "a .docm", "Word 97 document with macros", "PDF with JavaScript",
       "PDF with escaped JavaScript and Launch", "HTML named report.txt", "SVG with onload", "zip holding a zip bomb",
       "deeply nested zip", "zip whose parts overlap"]


@pytest.mark.parametrize("case", WEB)
def test_a_bad_file_is_refused_by_the_upload_form(client, bob, org_a, policy, _blob_dir, case):
    content, name, message = BAD[case]
    client.force_login(bob)
    response = client.post(f"/orgs/{org_a.slug}/documents/{policy.pk}/", {
        "file": SimpleUploadedFile(name, content, content_type="application/octet-stream")})
    assert response.status_code == 200
    shown = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert message.split("(")[0] in shown
    assert f"{name}: " in shown
    _nothing_kept(_blob_dir)


def test_a_bad_file_is_refused_by_the_command_line(cli, org_a, write, _blob_dir):
    result = cli("doc", "add", org_a.slug, write("policy.docx", BAD["docx holding vbaProject.bin"][0]),
                 "--title", "Policy", "--type", "policy")
    assert result.exit_code == 1 and MACROS in result.stderr
    _nothing_kept(_blob_dir)


GOOD = {
    "pdf": (files.PDF, "policy.pdf", "application/pdf"),
    "docx": (files.ooxml("word"), "procedure.docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (files.ooxml("xl"), "register.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (files.CSV, "staff.csv", "text/csv"),
    "png": (files.PNG, "screenshot.png", "image/png"),
    # An open action that sets the view, and an attached file: see active_content for why both are kept.
    "pdf opening at a page, with an attachment": (
        pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] /Names << /EmbeddedFiles 4 0 R >> >>", PAGES,
            b"<< /Type /Page /Parent 2 0 R >>", b"<< /Names [(data.xml) 5 0 R] >>",
            b"<< /Type /Filespec /F (data.xml) /EF << /F 6 0 R >> >>",
            stream(b"/Type /EmbeddedFile", b"<invoice/>")), "invoice.pdf", "application/pdf"),
    # Object streams decompressed and read, holding nothing that runs.
    "pdf with an object stream": (pdf(b"<< /Type /Catalog /Pages 2 0 R >>", PAGES, stream(
        b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", zlib.compress(b"3 0 << /Type /Page /Parent 2 0 R >>"))),
        "modern.pdf", "application/pdf"),
    # An image's bytes that happen to spell a short name are not a script: streams are skipped.
    "pdf with /JS in an image's bytes": (pdf(b"<< /Type /Catalog >>", stream(
        b"/Type /XObject /Subtype /Image /Filter /DCTDecode", b"\xff\xd8\xff\xe0 /JS (\x00\x91/XFA ")),
        "scan.pdf", "application/pdf"),
    "zip of a docx in a zip": (zipped({"2025/policies.zip": zipped({"policy.docx": files.ooxml("word")})}),
                               "evidence.zip", "application/zip"),
    "markdown with a comment": (b"<!-- a note for editors -->\n# Access control\n", "access.md", "text/markdown"),
    "markdown opening with HTML": (b'<p align="center">Access control</p>\n\n# Policy\n', "access.md",
                                   "text/markdown"),
    # Excel on Windows saves CSV in Windows-1252: a pound sign and curly quotes are not UTF-8.
    "csv in Windows-1252": ("Risk;Cost\r\nSupplier\u2019s data centre;\u00a35,000 \u2013 review\r\n".encode("cp1252"),
                            "risks.csv", "text/csv"),
}


@pytest.mark.parametrize(("content", "name", "media_type"), GOOD.values(), ids=GOOD.keys())
def test_ordinary_files_are_still_kept(policy, content, name, media_type):
    version = actions.add_version(policy, chunks=[content], name=name, by=None)
    assert version.media_type == media_type


@pytest.mark.parametrize("case", ["pdf", "docx", "xlsx", "csv", "png"])
def test_ordinary_files_are_still_kept_from_the_upload_form(client, bob, org_a, policy, case):
    content, name, media_type = GOOD[case]
    client.force_login(bob)
    response = client.post(f"/orgs/{org_a.slug}/documents/{policy.pk}/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302
    assert policy.versions.get().media_type == media_type


def test_nested_zips_count_towards_one_total(policy, settings, _blob_dir):
    """Each zip is within the limits; what they expand to together is not."""
    settings.SECASSURE_ZIP_MAX_UNCOMPRESSED = 20 * 1024 * 1024
    inner = zipped({f"part{i}.bin": bytes(1024 * 1024) for i in range(8)})  # 8 MiB, each part at the ratio floor
    outer = zipped({f"batch{i}.zip": inner for i in range(3)}, zipfile.ZIP_STORED)
    with pytest.raises(ActionError, match=r"would expand to more than 20 MiB \(counting the files inside the files "
                                          r"inside it\)"):
        actions.add_version(policy, chunks=[outer], name="evidence.zip", by=None)
    _nothing_kept(_blob_dir)


def test_a_zip_in_a_zip_is_checked_from_a_scratch_copy_that_is_removed(policy, _blob_dir):
    content = zipped({"inner.zip": zipped({"policy.docx": files.ooxml("word", {"word/vbaProject.bin":
                                                                               vba_project()})})})
    with pytest.raises(ActionError, match="inner.zip/policy.docx/word/vbaProject.bin"):
        actions.add_version(policy, chunks=[content], name="evidence.zip", by=None)
    assert list((_blob_dir / "tmp").iterdir()) == []


def test_the_pdf_scan_reads_in_chunks():
    """Fed a byte at a time, the scanner finds what it finds when fed the whole file."""
    for content in (ESCAPED, HIDDEN_IN_OBJECT_STREAM):
        whole, bytewise = PdfScan(), PdfScan()
        whole.feed(content, True)
        for i in range(len(content)):
            bytewise.feed(content[i:i + 1])
        bytewise.feed(b"", True)
        assert "JavaScript" in whole.found and bytewise.found == whole.found


def test_the_pdf_scan_stops_at_its_decompression_limit(policy):
    content = pdf(b"<< /Type /Catalog >>", stream(b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
                                                  zlib.compress(bytes(40 * 1024 * 1024), 9)))
    from secassure.evidence import active_content

    scan = active_content.PdfScan(inflate_limit=8 * 1024 * 1024)
    with pytest.raises(active_content.FileRefused, match="expand to more than 8 MiB, too far to check"):
        scan.feed(content, True)


def test_a_kept_file_is_never_served_for_a_browser_to_render(client, alice, org_a, policy):
    """Text that mentions markup deep inside is kept as text, and always goes out as an attachment of
    the type that was checked, with sniffing off and scripts sandboxed, so no browser renders it."""
    content = b"Incident notes\n" + b"." * 2000 + b"\n<script>alert(1)</script>\n"
    actions.add_version(policy, chunks=[content], name="notes.txt", by=None)
    client.force_login(alice)
    response = client.get(f"/orgs/{org_a.slug}/documents/{policy.pk}/versions/1/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == content


# --- scratch files left behind -------------------------------------------------------------------------------


def _age(path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then), follow_symlinks=False)


def test_doc_orphans_reports_and_cleans_scratch_files_left_by_killed_uploads(cli, policy, tmp_path):
    version = actions.add_version(policy, chunks=[files.PDF], name="policy.pdf", by=None)
    scratch = blobs.scratch_dir()
    killed = scratch / "upload-k1ll3d"
    killed.write_bytes(b"%PDF-" + bytes(5000))
    _age(killed, 30)
    copy = scratch / "check-abc.zip"
    copy.write_bytes(b"PK")
    _age(copy, 48)
    folder = scratch / "download-old"
    folder.mkdir()
    (folder / "download.xlsx").write_bytes(b"x" * 10)
    _age(folder / "download.xlsx", 30)
    _age(folder, 30)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "keep-me.txt").write_text("not the scratch folder's")
    link = scratch / "link-out"
    link.symlink_to(outside, target_is_directory=True)
    _age(link, 30)
    live = scratch / "upload-running"
    live.write_bytes(b"%PDF-")  # an upload under way: just written

    listed = cli("doc", "orphans", "--json")
    assert listed.exit_code == 0
    leftovers = listed.json()["scratch"]["leftovers"]
    assert leftovers[0]["name"] == "check-abc.zip"  # the oldest first
    assert sorted(e["name"] for e in leftovers) == ["check-abc.zip", "download-old", "link-out", "upload-k1ll3d"]
    assert {e["name"]: e["size"] for e in leftovers}["upload-k1ll3d"] == 5005
    assert listed.json()["scratch"]["older_than_hours"] == 24
    assert listed.json()["orphans"] == []
    assert killed.exists()  # listing removes nothing
    text = cli("doc", "orphans")
    assert "4 scratch files untouched for 24 hours in" in text.stdout and "run with --clean" in text.stdout

    cleaned = cli("doc", "orphans", "--clean")
    assert cleaned.exit_code == 0 and "removed 4 scratch files untouched for 24 hours" in cleaned.stdout
    assert sorted(p.name for p in scratch.iterdir()) == ["upload-running"]
    assert (outside / "keep-me.txt").read_text() == "not the scratch folder's"  # a link is removed, never followed
    assert blobs.path_of(version.sha256).exists()  # stored files are never removed
    assert cli("doc", "orphans", "--json", "--clean").json()["scratch"]["removed"] == []


def test_bytes_no_text_file_holds_are_still_refused_as_binary(policy):
    """Control characters, or bytes Windows-1252 leaves undefined, are not text in any encoding."""
    for content in (b"Risk;Cost\r\n\x01\x02\x03\xe9 and more text\r\n", b"Risk \xe9 and \x81 undefined\r\n"):
        with pytest.raises(ActionError, match="binary"):
            actions.add_version(policy, chunks=[content], name="risks.csv", by=None)
