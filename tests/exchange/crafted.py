"""Files made for the workbook import tests: exported workbooks and copies edited the way a person
(or an attacker) would edit them, broken containers, hostile XML, compound (OLE) files; and a way to
tell that the database was not touched at all."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zipfile
from contextlib import contextmanager
from pathlib import Path

import openpyxl
from defusedxml import ElementTree

from secassure.exchange import layout, workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


# --- the database ----------------------------------------------------------------------------------


def database_dump() -> str:
    """Every row of every table, as Django's dumpdata writes it."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


@contextmanager
def untouched():
    """Assert that nothing in the block wrote anything to the database."""
    before = database_dump()
    yield
    after = database_dump()
    assert after == before, "the database changed"


# --- workbooks -----------------------------------------------------------------------------------


def export(assessment, path: Path, *, by, kind: str = layout.VALIDATION_WORKBOOK) -> Path:
    workbook.write(assessment, path, by=by, kind=kind)
    return path


def edit(src: Path, dst: Path, change) -> Path:
    """Open the workbook as a person's spreadsheet program would (openpyxl in normal mode), let
    change(wb) edit it, and save it to dst."""
    wb = openpyxl.load_workbook(src)
    change(wb)
    wb.save(dst)
    return dst


def set_text(ws, ref: str, text: str) -> None:
    """Type text into a cell as text, even when it starts with = (like '= in Excel)."""
    ws[ref].value = text
    ws[ref].data_type = "s"


def column_letter(sheet: layout.DataSheet, key: str) -> str:
    return sheet.letter(next(i for i, c in enumerate(sheet.columns) if c.key == key))


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(src: Path, dst: Path, replace: dict[str, bytes | None]) -> Path:
    """A copy of the zip at src with some members replaced (or removed, for None), in the same order."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    zout.writestr(info.filename, replace[info.filename])
            else:
                zout.writestr(info.filename, zin.read(info.filename))
        for name, data in replace.items():
            if name not in zin.namelist() and data is not None:
                zout.writestr(name, data)
    return dst


def sheet_part(path: Path, title: str) -> str:
    """The zip member that holds the worksheet called title."""
    parts = members(path)
    book = ElementTree.fromstring(parts["xl/workbook.xml"])
    rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{PKG_REL_NS}}}Relationship")}
    for sheet in book.iter(f"{{{MAIN_NS}}}sheet"):
        if sheet.get("name") == title:
            target = targets[sheet.get(f"{{{REL_NS}}}id")]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(title)


def formula_elements(path: Path) -> list[str]:
    """The worksheet parts that hold a formula (an <f> element) anywhere."""
    found = []
    for name, data in members(path).items():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            root = ElementTree.fromstring(data)
            if root.find(f".//{{{MAIN_NS}}}f") is not None or re.search(rb"<(\w+:)?f[\s>/]", data):
                found.append(name)
    return found


def with_prolog(xml: bytes, prolog: bytes) -> bytes:
    """The XML part with prolog (comments, a document type declaration) put before its root element."""
    if xml.startswith(b"<?xml"):
        declaration, rest = xml.split(b"?>", 1)
        declaration += b"?>"
    else:
        declaration, rest = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', xml
    return declaration + prolog + rest


def rows_xml(first: int, count: int) -> bytes:
    """count worksheet rows with an inline string in column A, numbered from first."""
    return b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>added %d</t></is></c></row>' % (n, n, n)
                    for n in range(first, first + count))


def append_rows(xml: bytes, first: int, count: int) -> bytes:
    """The worksheet part with rows added at the end of its data, its declared size left as it was."""
    end = xml.rindex(b"</sheetData>")
    return xml[:end] + rows_xml(first, count) + xml[end:]


# --- LibreOffice ---------------------------------------------------------------------------------------


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_save(src: Path, out: Path, profile: Path, to: str = "xlsx:Calc MS Excel 2007 XML") -> Path:
    """Open src in LibreOffice (headless, with the profile folder given, which keeps tests apart) and
    save it into the folder out in the format to, as a person saving it there would."""
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
         "--convert-to", to, "--outdir", str(out), str(src)],
        capture_output=True, text=True, timeout=180, check=False)
    saved = out / f"{src.stem}.{to.split(':')[0]}"
    assert done.returncode == 0 and saved.exists(), (done.stdout, done.stderr)
    return saved


# --- containers -------------------------------------------------------------------------------------


def zip_bomb(path: Path, *, inside: Path | None = None, megabytes: int = 300) -> Path:
    """A zip with a worksheet part of megabytes of zeros (compressing about a thousand times), with
    the other parts of the workbook inside (when given) so that it looks like a workbook."""
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        if inside is not None:
            for name, data in members(inside).items():
                if name != "xl/worksheets/sheet3.xml":
                    archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet3.xml", "w", force_zip64=True) as part:
            for _ in range(megabytes):
                part.write(chunk)
    return path


SECTOR = 512
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal but well-formed Compound File Binary (OLE2, version 3) holding the given streams,
    as Excel 97-2003 writes .xls files and as Office writes password-protected .xlsx files (streams
    EncryptionInfo and EncryptedPackage). Each stream must be at least 4 KiB long, so that all of
    them live in ordinary sectors and no mini stream is needed."""
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # the directory's own order
    assert all(len(streams[n]) >= 4096 for n in names), "streams under 4 KiB would belong in the mini stream"
    fat: list[int] = [FAT_SECTOR, END]  # sector 0: the FAT, sector 1: the directory
    starts = {}
    for name in names:
        count = -(-len(streams[name]) // SECTOR)
        starts[name] = len(fat)
        fat.extend(range(len(fat) + 1, len(fat) + count))
        fat.append(END)
    assert len(fat) <= SECTOR // 4, "too many sectors for one FAT sector"
    fat.extend([FREE] * (SECTOR // 4 - len(fat)))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", NO_STREAM, right, child) + bytes(16) + bytes(4) + bytes(16)
                + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, 1 if names else NO_STREAM, NO_STREAM, END, 0)
    for i, name in enumerate(names, 1):  # each the right sibling of the one before: a valid, if lopsided, tree
        directory += entry(name, 2, NO_STREAM, i + 1 if i < len(names) else NO_STREAM, starts[name],
                           len(streams[name]))
    assert len(directory) <= SECTOR, "too many streams for one directory sector"
    directory = directory.ljust(SECTOR, b"\0")
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", FREE) * 108)
    assert len(header) == SECTOR
    body = b"".join(streams[n].ljust(-(-len(streams[n]) // SECTOR) * SECTOR, b"\0") for n in names)
    return header + struct.pack(f"<{SECTOR // 4}I", *fat) + directory + body


def encrypted_xlsx() -> bytes:
    """What Office writes for an .xlsx saved with a password: a compound file whose EncryptionInfo
    stream describes the (agile) encryption and whose EncryptedPackage holds the encrypted zip. The
    keys and values here are made up: the file is the right shape, not one anyone can decrypt."""
    salt = "AAECAwQFBgcICQoLDA0ODw=="
    descriptor = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        f'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        f'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="{salt}"/>'
        f'<dataIntegrity encryptedHmacKey="{salt}" encryptedHmacValue="{salt}"/>'
        '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        f'<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        f'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="{salt}" '
        f'encryptedVerifierHashInput="{salt}" encryptedVerifierHashValue="{salt}" encryptedKeyValue="{salt}"/>'
        '</keyEncryptor></keyEncryptors></encryption>')
    info = struct.pack("<HHI", 4, 4, 0x40) + descriptor.encode()
    package = struct.pack("<Q", 8192) + bytes(range(256)) * 32
    return compound_file({"EncryptionInfo": info.ljust(4096, b" "), "EncryptedPackage": package})


def old_xls() -> bytes:
    """An Excel 97-2003 workbook's container: a compound file with a Workbook stream of BIFF8 records
    (the workbook globals' BOF, a filler record, EOF)."""
    bof = struct.pack("<HHHHII", 0x0809, 16, 0x0600, 0x0005, 0, 0)
    eof = struct.pack("<HH", 0x000A, 0)
    filler = 4096 - len(bof) - len(eof) - 4
    return compound_file({"Workbook": bof + struct.pack("<HH", 0x00E1, filler) + bytes(filler) + eof})
