"""What an uploaded file really is, from its bytes, and whether it may be kept.

The allowlist: PDF, Office documents (OOXML and the older binary formats), PNG, JPEG and GIF
images, plain text and CSV, and email (.eml, .msg). The name's extension must agree with the
content, so a renamed executable is refused. Zip-based files (OOXML, .zip) are opened without
extracting anything and refused if they would expand too far (a zip bomb).
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

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


class FileRefused(ValueError):
    """The file is not one secassure keeps; the message names it and says why."""


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


def _sniff(head: bytes) -> str:
    for signature, family in _SIGNATURES:
        if head.startswith(signature):
            return family
    sample = head[:8192]
    if b"\x00" in sample:
        return "binary"
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the end of the sample
            return "binary"
        text = sample[: exc.start].decode("utf-8")
    lowered = text.lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html", "<svg", "<?xml")) or "<script" in lowered[:1024]:
        return "markup"
    return "text"


def identify(path: Path, name: str) -> FileKind:
    """The file's kind, if it is allowed and its name agrees with its content."""
    ext = Path(name).suffix.lower()
    if ext not in ALLOWED:
        allowed = ", ".join(sorted(ALLOWED))
        raise FileRefused(f"{name}: {ext or 'no extension'} files are not accepted; use one of {allowed}")
    media_type, expected = ALLOWED[ext]
    with path.open("rb") as handle:
        head = handle.read(8192)
    found = _sniff(head)
    if found == "executable":
        raise FileRefused(f"{name}: the content is a program, not a document; refused")
    if found == "markup":
        raise FileRefused(f"{name}: HTML, SVG and XML files are not accepted (they can carry scripts)")
    if found == "ole":
        found = _ole_family(path)
    if found == "zip":
        check_zip(path, name)
        found = _ooxml_family(path) if expected.startswith("ooxml") else "zip"
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


def check_zip(path: Path, name: str) -> None:
    """Refuse a zip that would expand past the limits, without extracting it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise FileRefused(f"{name}: a damaged zip container") from None
    if len(members) > settings.SECASSURE_ZIP_MAX_MEMBERS:
        raise FileRefused(f"{name}: {len(members):,} files inside, over the limit of "
                          f"{settings.SECASSURE_ZIP_MAX_MEMBERS:,}")
    total = 0
    for member in members:
        if member.filename.startswith(("/", "\\")) or ".." in Path(member.filename).parts:
            raise FileRefused(f"{name}: a file inside has an unsafe path ({member.filename!r})")
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and ratio > settings.SECASSURE_ZIP_MAX_RATIO:
            raise FileRefused(f"{name}: {member.filename!r} expands {ratio:,.0f} times: a zip bomb, refused")
    if total > settings.SECASSURE_ZIP_MAX_UNCOMPRESSED:
        raise FileRefused(f"{name}: expands to {total:,} bytes, over the limit of "
                          f"{settings.SECASSURE_ZIP_MAX_UNCOMPRESSED:,}")


def _ooxml_family(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    if "[Content_Types].xml" not in names:
        return "zip"
    for prefix, family in _OOXML_MAIN.items():
        if any(n.startswith(prefix) for n in names):
            return family
    return "zip"
