"""Content that runs code when a kept document is opened: Office macros and ActiveX controls, and
scripts or launch actions in PDFs. Evidence is read by assessors and reviewers on their own
computers, so a document that can run code is refused and its uploader told how to save it without.

Everything is read in chunks from the staged file (or from a part of a zip, decompressed as it is
read), so memory stays flat whatever the size of the upload.

What is refused, and why:

- Macro-enabled Office formats by name (.docm, .xlsm, .pptm and their templates and add-ins), and
  Office files of any name holding a VBA project, ActiveX controls or Excel 4.0 macro sheets: found
  by part name (vbaProject.bin, activeX/…, macrosheets/…), by the content types the package declares,
  and by a compound file (OLE) part whose directory names a VBA storage (a renamed vbaProject.bin).
- Word and Excel 97-2003 files (compound files) whose directory names a VBA project storage or
  stream (VBA, _VBA_PROJECT, _VBA_PROJECT_CUR). A PowerPoint 97-2003 file keeps its VBA project
  compressed inside its document stream, so its macros are not found this way.
- PDFs naming JavaScript (/JavaScript, /JS), launch actions (/Launch), rich media (/RichMedia: Flash
  or video that can script) or XFA forms (/XFA, whose form logic is script), however the name is
  spelt (/J#61vaScript is /JavaScript). An open action (/OpenAction) is accepted: most set the page
  and zoom, and one that runs a script names /JavaScript and is refused for that. Embedded files
  (/EmbeddedFile) are accepted: signed forms and e-invoices carry their data that way, and a reader
  only ever opens an attachment when the person asks, since the actions that would open one
  unasked (JavaScript, launch) are refused.

How a PDF is read: the text between streams (dictionaries, where actions are named) is searched
for every name above; a stream's bytes are skipped, being images and page drawings, except that
they are searched for the long names (JavaScript, Launch, RichMedia, ObjStm) which never occur in
real image or drawing data by chance; and a compressed object stream (/Type /ObjStm, where a PDF
1.5 file keeps most of its dictionaries) is decompressed, under a limit, and searched like the
text. An object stream that cannot be decompressed (an unknown compression, or an encrypted PDF)
cannot be checked, so the file is refused with a way to make a checkable copy. A name written
inside a string or comment is refused too: real documents do not write these names there.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from secassure import containers
from secassure.evidence.refused import FileRefused

# A macro-enabled Office format, and what to save it as instead.
MACRO_EXTENSIONS = {
    ".docm": ".docx", ".dotm": ".docx",
    ".xlsm": ".xlsx", ".xltm": ".xlsx", ".xlam": ".xlsx",
    ".pptm": ".pptx", ".potm": ".pptx", ".ppsm": ".pptx", ".ppam": ".pptx", ".sldm": ".pptx",
}
_SAVE_AS = {"word": ".docx", "excel": ".xlsx", "powerpoint": ".pptx"}
# A compound file's VBA project: the storage (Word's Macros/VBA, Excel's _VBA_PROJECT_CUR/VBA) and
# the stream every project holds.
VBA_ENTRIES = ("VBA", "_VBA_PROJECT", "_VBA_PROJECT_CUR")
# Declared by an Office package's [Content_Types].xml for macro and control parts, and for the main
# part of a macro-enabled document saved under another name (lower case: types ignore case).
_MACRO_TYPES = (b"macroenabled", b"vbaproject", b"ms-office.activex", b"macrosheet", b"ms-excel.intlmacrosheet")


def save_as(family: str) -> str:
    """The macro-free format to suggest for a file of this content family ("ooxml-word" and so on)."""
    return next((ext for word, ext in _SAVE_AS.items() if word in family), ".docx, .xlsx or .pptx")


def _without_macros(family: str) -> str:
    return f"save it without macros, e.g. as {save_as(family)}, and upload that"


def refuse_macro_extension(name: str) -> None:
    """Refuse a macro-enabled Office format by its name, before its bytes are looked at."""
    ext = Path(name).suffix.lower()
    if ext in MACRO_EXTENSIONS:
        raise FileRefused(f"{name}: {ext} is a macro-enabled Office format, and macros can run code on the computer "
                          f"of whoever opens it; save it without macros, e.g. as {MACRO_EXTENSIONS[ext]}, and "
                          "upload that")


def check_compound(handle, name: str, family: str, where: str = "") -> None:
    """Refuse a compound (OLE) file whose directory names a VBA project."""
    found = containers.ole_entries(handle, VBA_ENTRIES)
    if found:
        inside = f" in {where}" if where else ""
        raise FileRefused(f"{name}: the file holds macros (a VBA project{inside}), which can run code on the "
                          f"computer of whoever opens it; {_without_macros(family)}")


# --- Office packages and other zips ------------------------------------------------------------------------


def _macro_part(filename: str) -> str | None:
    """What a part of an Office package is, by its name, if it is code: macros or controls."""
    lowered = filename.lower()
    base = lowered.rsplit("/", 1)[-1]
    if base.startswith(("vbaproject", "vbadata")):
        return "macros"
    if "/activex/" in f"/{lowered}" or base.startswith("activex"):
        return "ActiveX controls"
    if "/macrosheets/" in f"/{lowered}":
        return "Excel 4.0 macro sheets"
    return None


def _declares_macros(part) -> bool:
    """Whether a package's [Content_Types].xml declares a macro, control or macro-enabled part."""
    keep = max(len(t) for t in _MACRO_TYPES) - 1
    carry = b""
    while chunk := part.read(containers.SCAN_CHUNK):
        window = carry + chunk.lower()
        if any(t in window for t in _MACRO_TYPES):
            return True
        carry = window[-keep:]
    return False


def _family_of(inner: str, family: str) -> str:
    """The kind of Office file a part belongs to, for the format to suggest: by the innermost file's
    extension or the package folder it sits in, else the uploaded file's own kind."""
    lowered = "/" + inner.lower().rstrip("/")
    for word, extensions, folder in (("word", (".doc", ".docx", ".dot", ".dotx"), "/word/"),
                                     ("excel", (".xls", ".xlsx", ".xlt", ".xltx"), "/xl/"),
                                     ("powerpoint", (".ppt", ".pptx", ".pot", ".potx"), "/ppt/")):
        if Path(lowered).suffix in extensions or folder in lowered:
            return word
    return family


def part_visitor(name: str, family: str):
    """The check made on each part of an uploaded zip and of every zip inside it (see containers.walk):
    a safe path, no macros or controls by name, declared type or compound-file directory, and no
    PDF that runs scripts."""

    def visit(where: str, archive, member, head: bytes) -> None:
        inner = where + member.filename
        if member.filename.startswith(("/", "\\")) or ".." in Path(member.filename).parts:
            raise FileRefused(f"{name}: a file inside has an unsafe path ({inner!r})")
        what = _macro_part(member.filename)
        if what:
            raise FileRefused(f"{name}: the file holds {what} ({inner}), which can run code on the computer of "
                              f"whoever opens it; {_without_macros(_family_of(inner, family))}")
        ext = Path(member.filename).suffix.lower()
        if ext in MACRO_EXTENSIONS:
            raise FileRefused(f"{name}: {inner} inside it is a macro-enabled Office file, and macros can run code "
                              f"on the computer of whoever opens it; save that file without macros, e.g. as "
                              f"{MACRO_EXTENSIONS[ext]}, and upload that")
        if member.filename == "[Content_Types].xml":
            with archive.open(member) as part:
                if _declares_macros(part):
                    raise FileRefused(f"{name}: the file declares macros or ActiveX controls ({inner}), which can "
                                      "run code on the computer of whoever opens it; "
                                      f"{_without_macros(_family_of(where, family))}")
        elif head.startswith(containers.OLE_MAGIC):
            with archive.open(member) as part:
                check_compound(part, name, _family_of(inner, family), inner)
        elif head.startswith(b"%PDF-"):
            with archive.open(member) as part:
                check_pdf(part, name, inner)

    return visit


# --- PDF ---------------------------------------------------------------------------------------------------

# A name the document may not hold, and how to say what it is.
PDF_REFUSED = {
    "JavaScript": "JavaScript",
    "JS": "JavaScript",
    "Launch": "a launch action, which starts a program",
    "RichMedia": "rich media (Flash or video), which can run scripts",
    "XFA": "an XFA form, whose form logic is script",
}
# Long enough never to occur by chance in image or compressed data, so looked for in streams too.
_LONG = ("JavaScript", "Launch", "RichMedia", "ObjStm")
_REGULAR = rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]"
_NAME = re.compile(rb"/(" + _REGULAR + rb"*)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"(?<![A-Za-z0-9])stream(?:\r\n|\n)")
_ENDSTREAM = b"endstream"
_DELIMITERS = frozenset(b"\x00\t\n\x0c\r ()<>[]{}/%")


def _spelt(word: str) -> bytes:
    """A pattern for the name ``word`` however it is spelt: each character as itself or as #xx (either case)."""
    def char(c: str) -> bytes:
        code = "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{ord(c):02x}")
        return b"(?:" + re.escape(c).encode() + b"|#" + code.encode() + b")"

    return b"".join(char(c) for c in word)


# One leading literal /, so the regular expression engine can skip quickly to each candidate.
_LONG_NAMES = re.compile(b"/(?:" + b"|".join(_spelt(word) for word in _LONG) + b")(?!" + _REGULAR + b")")
_LONG_KEEP = 1 + 3 * max(len(w) for w in _LONG)
_FILTERS = {"FlateDecode", "Fl", "ASCIIHexDecode", "AHx", "ASCII85Decode", "A85", "LZWDecode", "LZW",
            "RunLengthDecode", "RL", "CCITTFaxDecode", "CCF", "JBIG2Decode", "DCTDecode", "DCT", "JPXDecode",
            "Crypt"}
INFLATE_LIMIT = 256 * 1024 * 1024


def pdf_name(raw: bytes) -> str:
    """A PDF name as the reader understands it: #xx written out as the byte it stands for."""
    return _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


class _Names:
    """The names in PDF text fed in chunks: dictionaries between streams, or an object stream's
    decompressed content. A name cut by the end of a chunk is kept for the next one."""

    def __init__(self):
        self.buffer = b""
        self.found: set[str] = set()
        self.recent = b""  # the latest text, for the dictionary of the stream that follows it

    def feed(self, data: bytes, final: bool = False) -> None:
        text = self.buffer + data
        end = len(text) if final else self._safe_end(text)
        for match in _NAME.finditer(text, 0, end):
            self.found.add(pdf_name(match.group(1)))
        self.recent = (self.recent + text[:end])[-4096:]
        self.buffer = text[end:]

    @staticmethod
    def _safe_end(text: bytes) -> int:
        """Where the text may be cut so that no name is cut: at a delimiter or white space."""
        end = len(text)
        for at in range(end - 1, max(end - 1024, 0) - 1, -1):
            if text[at] in _DELIMITERS:
                return at
        return max(end - 1024, 0)


class PdfScan:
    """Reads a PDF in chunks and says what it holds that runs code (see the module's description):
    ``found`` the names in its text and object streams, ``in_streams`` the long names met inside
    other streams' bytes, ``unchecked`` why an object stream could not be read."""

    def __init__(self, inflate_limit: int = INFLATE_LIMIT):
        self.inflate_limit = inflate_limit
        self.inflated = 0
        self.text = _Names()
        self.buffer = b"\n"  # one byte of what came before, for the keyword's look-behind
        self.in_stream = False
        self.stream_tail = b""
        self.objects: _Names | None = None
        self.inflater = None
        self.in_streams: set[str] = set()
        self.unchecked: list[str] = []

    @property
    def found(self) -> set[str]:
        return self.text.found

    def feed(self, data: bytes, final: bool = False) -> None:
        self.buffer += data
        while True:
            if self.in_stream:
                at = self.buffer.find(_ENDSTREAM, 1)
                if at == -1:
                    # Keep enough for an end keyword cut by the chunk's end.
                    cut = len(self.buffer) if final else max(1, len(self.buffer) - len(_ENDSTREAM) + 1)
                    self._stream_data(self.buffer[1:cut], final)
                    self.buffer = self.buffer[cut - 1:]
                    if final:
                        self._end_stream()
                    return
                self._stream_data(self.buffer[1:at], True)
                self._end_stream()
                self.buffer = self.buffer[at + len(_ENDSTREAM) - 1:]
                continue
            keyword = _STREAM.search(self.buffer, 1)
            if keyword is None:
                # Keep enough for a keyword cut by the chunk's end; the names keep their own remainder.
                cut = len(self.buffer) if final else max(1, len(self.buffer) - 8)
                self.text.feed(self.buffer[1:cut], final)
                self.buffer = self.buffer[cut - 1:]
                return
            self.text.feed(self.buffer[1:keyword.start()], True)
            self._start_stream()
            self.buffer = self.buffer[keyword.end() - 1:]

    def _start_stream(self) -> None:
        """Decide, from the dictionary just read, whether the stream's bytes hold objects to read."""
        self.in_stream, self.stream_tail = True, b""
        recent = self.text.recent
        dictionary = recent[max(recent.rfind(b"obj"), 0):]
        names = [pdf_name(m.group(1)) for m in _NAME.finditer(dictionary)]
        if "ObjStm" not in names:
            return
        filters = [n for n in names if n in _FILTERS]
        if not filters:
            self.objects = _Names()
        elif filters in (["FlateDecode"], ["Fl"]) and "DecodeParms" not in names and "DP" not in names:
            self.objects, self.inflater = _Names(), zlib.decompressobj()
        else:
            self.unchecked.append(f"objects compressed with {', '.join(filters)}")

    def _stream_data(self, data: bytes, final: bool) -> None:
        window = self.stream_tail + data
        for match in _LONG_NAMES.finditer(window):
            if match.end() < len(window) or final:
                self.in_streams.add(pdf_name(match.group(0)[1:]))
        self.stream_tail = window[-_LONG_KEEP:]
        if self.objects is None:
            return
        if self.inflater is None:
            self.objects.feed(data)
            return
        try:
            while not self.inflater.eof:
                out = self.inflater.decompress(data, containers.SCAN_CHUNK)
                data = self.inflater.unconsumed_tail
                if not out:
                    break
                self.inflated += len(out)
                if self.inflated > self.inflate_limit:
                    raise FileRefused(f"its compressed objects expand to more than {self.inflate_limit >> 20:,} "
                                      "MiB, too far to check")
                self.objects.feed(out)
        except zlib.error:
            self.inflater, self.objects = None, None
            self.unchecked.append("compressed objects that cannot be decompressed")

    def _end_stream(self) -> None:
        if self.objects is not None:
            self.objects.feed(b"", True)
            self.found.update(self.objects.found)
        self.in_stream, self.objects, self.inflater, self.stream_tail = False, None, None, b""


def check_pdf(handle, name: str, where: str = "") -> None:
    """Refuse a PDF, read from ``handle`` in chunks, that holds what runs code or cannot be checked."""
    scan = PdfScan()
    inside = f" ({where})" if where else ""
    try:
        while chunk := handle.read(containers.SCAN_CHUNK):
            scan.feed(chunk)
        scan.feed(b"", True)
    except FileRefused as exc:
        raise FileRefused(f"{name}: the PDF{inside} cannot be checked for scripts: {exc}; print it to a new PDF "
                          "and upload that") from None
    named = (scan.found | scan.in_streams) & PDF_REFUSED.keys()
    if named:
        labels: dict[str, list[str]] = {}
        for found in sorted(named):
            labels.setdefault(PDF_REFUSED[found], []).append(f"/{found}")
        what = "; ".join(f"{label} ({', '.join(names)})" for label, names in labels.items())
        raise FileRefused(f"{name}: the PDF{inside} holds {what}, which a PDF reader may run when the file is "
                          "opened; print it to a new PDF without scripts or actions and upload that")
    if "ObjStm" in scan.in_streams:
        # An object stream's dictionary met only inside another stream's bytes: hidden from the scan.
        scan.unchecked.append("an object stream is hidden inside another stream")
    if scan.unchecked:
        why = "it is encrypted" if "Encrypt" in scan.found else "; ".join(dict.fromkeys(scan.unchecked))
        raise FileRefused(f"{name}: the PDF{inside} cannot be checked for scripts ({why}); remove any password "
                          "and print it to a new PDF, then upload that")
