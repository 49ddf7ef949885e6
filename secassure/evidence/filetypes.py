"""What an uploaded file really is, from its bytes, and whether it may be kept.

The allowlist: PDF, Office documents (OOXML and the older binary formats), PNG, JPEG and GIF
images, plain text and CSV, and email (.eml, .msg). The name's extension must agree with the
content, so a renamed executable is refused, and HTML, SVG or XML is refused whatever it is called
(a browser could run its scripts). Zip-based files (OOXML, .zip) are checked part by part without
being extracted, down through any zips inside them, and refused if they would expand too far (a zip
bomb) or nest too deep. Content that runs code when the file is opened (macros, ActiveX controls,
PDF scripts and launch actions) is refused too: see active_content.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from secassure import containers
from secassure.evidence import blobs
from secassure.evidence.active_content import (
    check_compound,
    check_pdf,
    part_visitor,
    refuse_macro_extension,
)
from secassure.evidence.refused import FileRefused

# extension -> (media type, content family)
ALLOWED = {
    ".pdf": ("application/pdf", "pdf"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "ooxml-word"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "ooxml-excel"),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "ooxml-powerpoint"),
    ".doc": ("application/msword", "ole-word"),
    ".xls": ("application/vnd.ms-excel", "ole-excel"),
    ".ppt": ("application/vnd.ms-powerpoint", "ole-powerpoint"),
    ".msg": ("application/vnd.ms-outlook", "ole-outlook"),
    ".png": ("image/png", "png"),
    ".jpg": ("image/jpeg", "jpeg"),
    ".jpeg": ("image/jpeg", "jpeg"),
    ".gif": ("image/gif", "gif"),
    ".txt": ("text/plain", "text"),
    ".csv": ("text/csv", "text"),
    ".md": ("text/markdown", "text"),
    ".eml": ("message/rfc822", "email"),
    ".zip": ("application/zip", "zip"),
}
_SIGNATURES = [
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"PK\x03\x04", "zip"),
    (b"MZ", "executable"),
    (b"\x7fELF", "executable"),
    (b"#!", "executable"),
    (b"\xfe\xed\xfa", "executable"),
    (b"\xcf\xfa\xed\xfe", "executable"),
]
_OOXML_MAIN = {"word/": "ooxml-word", "xl/": "ooxml-excel", "ppt/": "ooxml-powerpoint"}
# How many zips deep a zip may sit inside an upload: an evidence .zip (the upload) holding a folder's
# .zip holding .docx files (zips too) that embed a workbook (one more) is three. Deeper is a bomb's
# shape, not a document's.
MAX_NESTING = 3
# What a browser would take for a page, after any white space (the patterns browsers sniff for), and
# markup anywhere near the start that would run a script in one.
_PAGE_STARTS = ("<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font", "<table", "<a",
                "<style", "<title", "<b", "<body", "<br", "<p")
_SCRIPTED = re.compile(r"<script\b|<svg\b[^>]*\bon[a-z]+\s*=|<iframe\b")


@dataclass(frozen=True)
class FileKind:
    media_type: str
    family: str


def safe_name(name: str) -> str:
    """The original file name, made harmless to store and to offer back as a download.

    Path separators, control characters and leading dots are refused rather than guessed at:
    a name like that is either a mistake or an attack.
    """
    if not name or "/" in name or "\\" in name:
        raise FileRefused(f"{name!r}: a file name may not contain / or \\; upload the file itself")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        raise FileRefused(f"{name!r}: the file name contains control characters")
    name = unicodedata.normalize("NFC", name).strip()
    if name.startswith(".") or name in ("", ".", ".."):
        raise FileRefused(f"{name!r}: not a usable file name")
    if len(name) > 200:
        stem, ext = Path(name).stem, Path(name).suffix
        name = stem[: 200 - len(ext)] + ext
    return name


def _sniff(head: bytes, markdown: bool = False) -> str:
    """The content family the first bytes show. Markdown may open with the HTML it is allowed to hold
    (a centred heading, say), so for it only a whole page or a script counts as markup."""
    for signature, family in _SIGNATURES:
        if head.startswith(signature):
            return family
    sample = head[:8192]
    if b"\x00" in sample:
        return "binary"
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # only a character cut at the end of the sample
            text = sample[: exc.start].decode("utf-8")
        else:
            text = _windows_text(sample)
            if text is None:
                return "binary"
    lowered = text.lstrip().lstrip("\ufeff").lstrip().lower()
    page = lowered.startswith(("<!doctype html", "<html")) if markdown else _is_page(lowered)
    if page or lowered.startswith(("<svg", "<?xml")) or _SCRIPTED.search(lowered[:1024]):
        return "markup"
    return "text"


def _windows_text(sample: bytes) -> str | None:
    """The sample read as Windows-1252, the encoding Excel on Windows still saves CSV and text in
    (a £ sign or curly quotes are not UTF-8); None when it holds bytes no text file has: control
    characters other than tab, line breaks and form feed, or bytes that encoding leaves undefined."""
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\n\r\x0c" or c == "\x7f" for c in text):
        return None
    return text


def _is_page(lowered: str) -> bool:
    """Whether text starts as an HTML page does: one of the tags browsers sniff for, then a space or >."""
    return any(lowered.startswith(tag) and lowered[len(tag):len(tag) + 1] in (" ", ">", "\t", "\n", "\r", "\x0c")
               for tag in _PAGE_STARTS)


def _markup(lowered: str) -> str:
    if lowered.startswith("<svg") or "<svg" in lowered[:1024]:
        return "an SVG image"
    if lowered.startswith("<?xml"):
        return "XML"
    return "an HTML page" if _is_page(lowered) else "markup with a script"


def identify(path: Path, name: str) -> FileKind:
    """The file's kind, if it is allowed and its name agrees with its content."""
    ext = Path(name).suffix.lower()
    refuse_macro_extension(name)
    if ext not in ALLOWED:
        allowed = ", ".join(sorted(ALLOWED))
        raise FileRefused(f"{name}: {ext or 'no extension'} files are not accepted; use one of {allowed}")
    media_type, expected = ALLOWED[ext]
    with path.open("rb") as handle:
        head = handle.read(8192)
    found = _sniff(head, markdown=ext == ".md")
    if found == "executable":
        raise FileRefused(f"{name}: the content is a program, not a document; refused")
    if found == "markup":
        what = _markup(head[:8192].decode("utf-8", "replace").lstrip().lstrip("\ufeff").lstrip().lower())
        raise FileRefused(f"{name}: the content is {what}, whatever its name says; HTML, SVG and XML files are not "
                          "accepted (they can carry scripts): save it as PDF or plain text and upload that")
    if found == "ole":
        found = _ole_family(path)
        with path.open("rb") as handle:
            check_compound(handle, name, found)
    if found == "zip":
        check_zip(path, name, expected)
        found = _ooxml_family(path) if expected.startswith("ooxml") else "zip"
    if found == "pdf":
        with path.open("rb") as handle:
            check_pdf(handle, name)
    if expected == "email":
        found = "email" if found == "text" and _looks_like_email(head) else found
    if found != expected:
        raise FileRefused(f"{name}: the content does not match the {ext} extension (it looks like {found})")
    return FileKind(media_type, found)


def _looks_like_email(head: bytes) -> bool:
    text = head[:4096].decode("utf-8", "replace")
    return bool(re.search(r"^(From|Received|Return-Path|Message-ID|Subject):", text, re.MULTILINE | re.IGNORECASE))


# An OLE compound file names its streams in a directory of UTF-16 names; the stream names tell a
# Word, Excel or PowerPoint file or an Outlook message apart. The first match in this order wins.
_OLE_STREAMS = [
    ("ole-outlook", ("__substg1.0_",)),
    ("ole-word", ("WordDocument",)),
    ("ole-powerpoint", ("PowerPoint Document",)),
    ("ole-excel", ("Workbook", "Book")),
]


def _ole_family(path: Path) -> str:
    """Which kind of compound file this is, from its directory's stream names (read in chunks)."""
    markers = {family: [n.encode("utf-16-le") for n in names] for family, names in _OLE_STREAMS}
    longest = max(len(m) for ms in markers.values() for m in ms)
    seen: set[str] = set()
    tail = b""
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            window = tail + chunk
            seen.update(family for family, ms in markers.items() if any(m in window for m in ms))
            if "ole-outlook" in seen:
                break
            tail = window[-(longest - 1):]
    return next((family for family, _ in _OLE_STREAMS if family in seen), "ole")


def zip_limits() -> containers.ZipLimits:
    return containers.ZipLimits(members=settings.SECASSURE_ZIP_MAX_MEMBERS,
                                uncompressed=settings.SECASSURE_ZIP_MAX_UNCOMPRESSED,
                                ratio=settings.SECASSURE_ZIP_MAX_RATIO, depth=MAX_NESTING)


def check_zip(path: Path, name: str, family: str = "zip") -> None:
    """Refuse a zip that would expand past the limits, counting every zip inside it down to
    MAX_NESTING levels, or that holds a part that runs code; without extracting it (a zip inside is
    copied to a scratch file, part by part under its declared size, to be opened in turn)."""
    try:
        containers.walk(path, zip_limits(), scratch=blobs.scratch_dir(), visit=part_visitor(name, family))
    except containers.ContainerRefused as exc:
        raise FileRefused(f"{name}: {exc}") from None


def _ooxml_family(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    if "[Content_Types].xml" not in names:
        return "zip"
    for prefix, family in _OOXML_MAIN.items():
        if any(n.startswith(prefix) for n in names):
            return family
    return "zip"
