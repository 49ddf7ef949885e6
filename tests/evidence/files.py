"""Small real files of each kind, made in the tests (no fixtures on disk)."""

import io
import struct
import zipfile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
CSV = b"name,email\nAda,ada@example.org\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
SVG = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
EML = b"From: ada@example.org\nTo: bob@example.org\nSubject: Evidence\n\nThe test ran.\n"


def ole(*streams: str, padding: int = 0) -> bytes:
    """An OLE compound file's signature and a directory naming the given streams (UTF-16, 128-byte
    entries), after optional padding so that the names fall past the first read."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"\x00" * padding
    entries = b"".join(name.encode("utf-16-le").ljust(128, b"\x00") for name in ("Root Entry", *streams))
    return header + entries


def ooxml(kind: str = "word", extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{kind}/document.xml" if kind == "word" else f"{kind}/workbook.xml", "<x/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """An xlsx whose one sheet expands from a few kilobytes to 60 MB of zeros."""
    return ooxml("xl", {"xl/worksheets/sheet1.xml": b"\x00" * (60 * 1024 * 1024)})


def directory_entry(data: bytes, name: str) -> int:
    """Where the directory entry of part ``name`` begins in a zip's bytes (APPNOTE 4.3.12)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        at = archive.start_dir
        for member in archive.infolist():
            if member.filename == name:
                return at
            at += 46 + len(member.filename.encode()) + len(member.extra) + len(member.comment)
    raise KeyError(name)


def overlapped(data: bytes, name: str, by: int = 16) -> bytes:
    """A zip whose part ``name`` says, in its local header and its directory entry alike, that its
    packed bytes run ``by`` bytes further than they do: into the part after it (or the directory).
    Python's zip reader before 3.11.8 reads such a part as if nothing were wrong (its inflater stops
    at the end of the stream), and later releases refuse to open it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        member = archive.getinfo(name)
    raised = bytearray(data)
    struct.pack_into("<I", raised, member.header_offset + 18, member.compress_size + by)  # local (APPNOTE 4.3.7)
    struct.pack_into("<I", raised, directory_entry(data, name) + 20, member.compress_size + by)
    return bytes(raised)
