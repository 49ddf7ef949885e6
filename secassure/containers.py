"""Zip and compound (OLE) containers from outside: how far they may expand, how deep they may nest,
and what their directories name, found without extracting them whole or reading them into memory.

Shared by the evidence register (any uploaded document) and the workbook import, each with its own
limits: an uploaded .zip of evidence may legitimately hold Office files (which are zips too), while a
workbook is one flat zip. Only declared sizes are trusted before opening a part, and a part is read
no further than its declared size (read_part, read_declared, or a chunk at a time through Python's
zip reader), so the limits hold against a lying header too.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from zlib_ng import zlib_ng

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
SCAN_CHUNK = 1 << 20
# A part smaller than this is not judged by its ratio: tiny XML parts compress hundreds of times
# without being a bomb, and they cannot expand far in absolute terms.
RATIO_FLOOR = 1 << 20
# What the zip reader raises on a damaged or unsupported container.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, EOFError, OSError,
              UnicodeDecodeError)  # the last: a part's name flagged UTF-8 that is not
# A part's local header (PKWARE's APPNOTE, section 4.3.7): signature, version needed, flags, method,
# time, date, CRC-32, sizes compressed and not, and the lengths of the name and the extra field.
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
# General purpose flags read_part leaves to Python's reader, which refuses them in its own words:
# encrypted (bit 0), compressed patched data (bit 5) and strong encryption (bit 6).
SPECIAL_FLAGS = 0x1 | 0x20 | 0x40
UTF8_NAME = 0x800  # flag bit 11: the name is UTF-8 (code page 437 otherwise)


def deflate_bound(size: int) -> int:
    """More than zlib ever writes for size bytes (a stored block costs 5 bytes a 65,535): read_part
    leaves a part packed larger than this to read_declared, which reads it a chunk at a time."""
    return size + (size >> 10) + 1024


@dataclass(frozen=True)
class ZipLimits:
    """members: parts in one container; uncompressed: bytes all parts expand to, counted through every
    level of nesting; ratio: how many times one part, or the whole upload, may expand; depth: how
    many containers deep a container may sit inside the outer one (0: none may)."""

    members: int
    uncompressed: int
    ratio: int
    depth: int = 0


# A workbook exported by secassure and edited in a spreadsheet program: one flat zip.
WORKBOOK_LIMITS = ZipLimits(members=2_000, uncompressed=400 * 1024 * 1024, ratio=150)


class ContainerRefused(ValueError):
    """A container is over a limit or damaged. kind says which check refused it ("members", "ratio",
    "total", "encrypted", "depth", "overlap", "damaged"), so that a caller may word it for its own readers;
    member is the part concerned, with the containers it sits in, when there is one."""

    def __init__(self, kind: str, message: str, member: str = ""):
        super().__init__(message)
        self.kind = kind
        self.member = member


def check_sizes(members: Iterable[zipfile.ZipInfo], limits: ZipLimits, *, spent: int = 0,
                refuse_encrypted: bool = False, where: str = "") -> int:
    """Refuse a part that would expand too many times, or parts that together (with ``spent``
    bytes already counted elsewhere) would expand past the limit; return the new count. Declared
    sizes only: nothing is decompressed. ``where`` prefixes part names with the containers they
    sit in."""
    total = spent
    for member in members:
        name = where + member.filename
        if refuse_encrypted and member.flag_bits & 0x1:
            raise ContainerRefused("encrypted", f"part {name} is encrypted; remove the password and save again",
                                   name)
        total += member.file_size
        packed = max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and member.file_size > limits.ratio * packed:
            raise ContainerRefused("ratio", f"part {name} would expand {member.file_size // packed:,} times: the file "
                                   "looks like a zip bomb, so it was not opened", name)
        if total > limits.uncompressed:
            raise ContainerRefused("total", f"the file would expand to more than {limits.uncompressed >> 20:,} MiB "
                                   "(counting the files inside the files inside it); it is too large to check", name)
    return total


def local_header(handle: BinaryIO, member: zipfile.ZipInfo) -> tuple[int, int] | None:
    """The lengths of a part's name and extra field as its local header gives them (they may differ
    from the directory's), read from ``handle``, the archive's file opened on its own; None when
    what stands at the part's place is no local header."""
    handle.seek(member.header_offset)
    head = handle.read(LOCAL_HEADER.size)
    if len(head) != LOCAL_HEADER.size or head[:4] != ZIP_MAGIC:
        return None
    *_, name_length, extra_length = LOCAL_HEADER.unpack(head)
    return name_length, extra_length


def overlapping_part(archive: zipfile.ZipFile, handle: BinaryIO) -> zipfile.ZipInfo | None:
    """The first part, in the order of the file, whose packed bytes run past where the next part
    begins (the last part: where the directory begins), or None. Parts that share their bytes let a
    small file declare many large parts, a trick of zip bombs. Python's zip reader refuses such a
    part when opening it from releases 3.11.8 and 3.12.2 on; this finds it on every release, before
    any part is opened. A part's bytes begin after its local header, its name and its extra field
    (whose lengths only the local header gives: they may differ from the directory's); ``handle``
    is the archive's file, opened on its own. A part placed where its local header cannot fit
    (before the file's start, or too near the next part or beyond the directory) runs into the next
    too, and is found without seeking there. A part whose local header is not one is left to the
    zip reader, which refuses it when opening it."""
    members = sorted(archive.infolist(), key=lambda member: member.header_offset)
    if not members:
        return None
    ends = [member.header_offset for member in members[1:]] + [archive.start_dir]
    for member, end in zip(members, ends, strict=True):
        if member.header_offset < 0 or member.header_offset + LOCAL_HEADER.size > end:
            return member
        lengths = local_header(handle, member)
        if lengths is None:
            continue
        if member.header_offset + LOCAL_HEADER.size + sum(lengths) + member.compress_size > end:
            return member
    return None


def check_overlaps(archive: zipfile.ZipFile, handle: BinaryIO, *, where: str = "") -> None:
    """Refuse a container holding a part that runs into the next (see overlapping_part); ``where``
    prefixes the part's name with the containers it sits in."""
    shared = overlapping_part(archive, handle)
    if shared is not None:
        name = where + shared.filename
        raise ContainerRefused("overlap", f"part {name} runs into the part after it: parts that share their bytes "
                               "are a trick of zip bombs, so the file was not opened", name)


def read_declared(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A part's bytes as Python's zip reader gives them, read no further than its declared size:
    through ``archive.open``, which inflates only as much as it is asked for, a chunk at a time, and
    checks the CRC-32 when it reaches the end (``archive.read`` would inflate the whole stream, up
    to a gigabyte from a megabyte, before cutting it to size). Raises what that reader raises."""
    with archive.open(member) as part:
        return part.read(member.file_size + 1)


def read_part(archive: zipfile.ZipFile, handle: BinaryIO, member: zipfile.ZipInfo) -> bytes:
    """A part's bytes, as read_declared gives them, read from ``handle`` (the archive's file,
    opened on its own) and inflated by zlib-ng, which takes half the time of Python's zlib, and
    checked against its CRC-32 with zlib-ng's, a tenth of the time. Only a plain part is read here:
    stored or deflated and not empty, its local header naming it as the directory does (decoded as
    its own flag says, as Python's reader decodes it), with no special flag, inflating to the size
    the directory declares (never more is asked of zlib-ng) and matching the CRC the directory
    gives. Anything else (another method, a short or damaged stream, a mismatch, a packed size
    larger than zlib makes, parts that overlap) is left to read_declared, which gives the bytes or
    raises, in Python's reader's words, what is wrong. The part is read whole: keep to parts of
    bounded size."""
    head = handle.seek(member.header_offset) == member.header_offset and handle.read(LOCAL_HEADER.size)
    if not head or len(head) != LOCAL_HEADER.size or not member.file_size:
        return read_declared(archive, member)
    magic, _, flags, _, _, _, _, _, _, name_length, extra_length = LOCAL_HEADER.unpack(head)
    try:
        name = handle.read(name_length).decode("utf-8" if flags & UTF8_NAME else "cp437")
    except UnicodeDecodeError:
        return read_declared(archive, member)
    if (magic != ZIP_MAGIC or (flags | member.flag_bits) & SPECIAL_FLAGS or name != member.orig_filename
            or member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or member.compress_size > deflate_bound(member.file_size)):
        return read_declared(archive, member)
    start = handle.seek(extra_length, 1)
    end = getattr(member, "_end_offset", None)  # where the next part begins, as Python's newer readers know
    if end is not None and start + member.compress_size > end:
        return read_declared(archive, member)  # which refuses it (overlapping_part finds such parts on every release)
    packed = handle.read(member.compress_size)
    if member.compress_type == zipfile.ZIP_STORED:
        data = packed[:member.file_size]
    else:
        try:
            data = zlib_ng.decompressobj(-15).decompress(packed, member.file_size)
        except zlib_ng.error:  # a damaged stream
            return read_declared(archive, member)
    if len(data) != member.file_size or zlib_ng.crc32(data) != member.CRC:
        return read_declared(archive, member)
    return data


# Called for each part of each container met: (where, archive, member, head), where ``where`` names
# the containers the part sits in ("inner.zip/") and head is the part's first bytes. It may open the
# part with archive.open(member) to read it in chunks, and raises to refuse the file.
Visitor = Callable[[str, zipfile.ZipFile, zipfile.ZipInfo, bytes], None]


def walk(path: Path, limits: ZipLimits, *, scratch: Path, visit: Visitor | None = None) -> int:
    """Check a zip container and every zip inside it, to ``limits.depth`` levels, calling ``visit``
    for each part; return the bytes they all expand to. A container inside is copied, part by part
    under its declared size, to a temporary file in ``scratch`` (removed on the way out) because a zip
    can only be read from a file it can seek in. Raises ContainerRefused."""
    size = path.stat().st_size
    spent = _walk(path, limits, scratch, visit, depth=0, where="", spent=0)
    if spent > RATIO_FLOOR and spent > limits.ratio * max(size, 1):
        raise ContainerRefused("ratio", f"the file and the files inside it would expand {spent // max(size, 1):,} "
                               "times in all: it looks like a zip bomb, so it was not opened")
    return spent


def _walk(path: Path, limits: ZipLimits, scratch: Path, visit: Visitor | None, *, depth: int, where: str,
          spent: int) -> int:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits.members:
                raise ContainerRefused("members", f"{where or 'the file'} holds {len(members):,} files, over the "
                                       f"limit of {limits.members:,}", where)
            spent = check_sizes(members, limits, spent=spent, where=where)
            with open(path, "rb") as handle:
                check_overlaps(archive, handle, where=where)
            for member in members:
                if member.is_dir():
                    continue
                with archive.open(member) as part:
                    head = part.read(8)
                if visit is not None:
                    visit(where, archive, member, head)
                if head.startswith(ZIP_MAGIC):
                    inner = f"{where}{member.filename}/"
                    if depth + 1 > limits.depth:
                        raise ContainerRefused("depth", f"{member.filename} inside {where or 'the file'} is a zip "
                                               f"nested more than {limits.depth} deep; unpack the files and upload "
                                               "them as they are", inner)
                    with _copied(archive, member, scratch) as copy:
                        spent = _walk(copy, limits, scratch, visit, depth=depth + 1, where=inner, spent=spent)
    except ContainerRefused:
        raise
    except ZIP_ERRORS:
        raise ContainerRefused("damaged", f"{where.rstrip('/')} is a damaged zip container" if where else
                               "a damaged zip container", where) from None
    return spent


@contextmanager
def _copied(archive: zipfile.ZipFile, member: zipfile.ZipInfo, scratch: Path) -> Iterator[Path]:
    """A part of an open zip copied in chunks to a temporary file, removed when the block ends."""
    with tempfile.NamedTemporaryFile(dir=scratch, prefix="check-", suffix=".zip") as copy:
        with archive.open(member) as part:
            shutil.copyfileobj(part, copy, SCAN_CHUNK)
        copy.flush()
        yield Path(copy.name)


def ole_entries(handle, names: Iterable[str]) -> set[str]:
    """Which of ``names`` a compound (OLE) file's directory holds as a whole entry name, read from
    ``handle`` in chunks. A directory entry is 128 bytes whose first 64 hold the name in UTF-16-LE,
    ended by a zero character; entries start at multiples of 128 from the file's start (sectors are
    512 or 4,096 bytes, after a header of one sector). A name that is only part of a longer one, or
    that appears in a stream's data off that alignment, is not counted."""
    wanted = {name: name.encode("utf-16-le") + b"\x00\x00" for name in names}
    found: set[str] = set()
    offset = 0
    # Chunks are whole multiples of 128 bytes, so an entry never straddles two of them.
    while chunk := _read_full(handle, SCAN_CHUNK):
        for name, marker in wanted.items():
            if name in found:
                continue
            at = chunk.find(marker)
            while at != -1:
                if (offset + at) % 128 == 0:
                    found.add(name)
                    break
                at = chunk.find(marker, at + 1)
        if len(found) == len(wanted):
            break
        offset += len(chunk)
    return found


def _read_full(handle, size: int) -> bytes:
    """Up to size bytes: fewer only at the end (a raw or network stream may return short reads)."""
    parts, left = [], size
    while left > 0:
        part = handle.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)
