"""Reading a zip container's parts: read_part gives what Python's zip reader gives when asked for no
more than a part declares, byte for byte or error for error, reading plain parts itself and leaving
every other to that reader (read_declared), whose memory stays bounded by the declared size."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from secassure import containers
from tests.evidence import files

TEXT = ("<worksheet><sheetData>" + "<row><c><v>1</v></c></row>" * 400 + "</sheetData></worksheet>").encode()


class Counted:
    """An archive whose opening of a part is counted: read_part falls back on Python's reader,
    through read_declared, for what it does not read itself."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive, self.reads = archive, 0

    def open(self, member):
        self.reads += 1
        return self.archive.open(getattr(member, "member", member))


def outcome(read):
    """What a read gives: its bytes, or the kind of error it raises and what the error says."""
    try:
        return "bytes", read()
    except Exception as exc:  # noqa: BLE001 - the error is the outcome compared
        return type(exc).__name__, str(exc)


def declared(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """What Python's zip reader gives of a part when asked for no more than it declares."""
    with archive.open(member) as part:
        return part.read(member.file_size + 1)


def both(path: Path, name: str):
    """read_part's outcome and Python's reader's for one part, and whether read_part fell back."""
    with zipfile.ZipFile(path) as archive, open(path, "rb") as handle:
        member = archive.getinfo(name)
        counted = Counted(archive)
        ours = outcome(lambda: containers.read_part(counted, handle, member))
        theirs = outcome(lambda: declared(archive, member))
    return ours, theirs, counted.reads > 0


def written(path: Path, parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def patched(path: Path, old: bytes, new: bytes, *, count: int = 1) -> Path:
    data = path.read_bytes()
    assert data.count(old) >= count, old
    path.write_bytes(data.replace(old, new, count))
    return path


def central(path: Path) -> tuple[bytes, int]:
    """The zip's bytes and where its first directory entry begins."""
    data = path.read_bytes()
    return data, data.index(b"PK\x01\x02")


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED], ids=["deflated", "stored"])
@pytest.mark.parametrize("name", ["xl/worksheets/sheet1.xml", "xl/für.xml", "xl/empty.xml"])
def test_a_plain_part_is_read_here_as_the_zip_reader_reads_it(tmp_path, method, name):
    parts = {"xl/worksheets/sheet1.xml": TEXT, "xl/für.xml": "<t>é</t>".encode(), "xl/empty.xml": b""}
    path = written(tmp_path / "plain.zip", parts, method)
    ours, theirs, fell_back = both(path, name)
    assert ours == theirs == ("bytes", parts[name])
    assert fell_back is (not parts[name])  # an empty part is left to Python's reader, which has nothing to do


def test_a_name_in_code_page_437_is_read_here(tmp_path):
    """A name beyond ASCII without the UTF-8 flag, as old zip tools write it."""
    path = written(tmp_path / "cp437.zip", {"xl/Q.xml": TEXT})
    patched(path, b"xl/Q.xml", "xl/ä.xml".encode("cp437"), count=2)  # in the local header and the directory
    with zipfile.ZipFile(path) as archive:
        [name] = archive.namelist()
    assert name == "xl/ä.xml"
    ours, theirs, fell_back = both(path, name)
    assert ours == theirs == ("bytes", TEXT) and not fell_back


def test_a_part_whose_bytes_differ_from_its_crc_is_refused_as_the_zip_reader_refuses_it(tmp_path):
    path = written(tmp_path / "crc.zip", {"a.xml": TEXT}, zipfile.ZIP_STORED)
    patched(path, b"<v>1</v>", b"<v>2</v>")
    ours, theirs, fell_back = both(path, "a.xml")
    assert ours == theirs and ours[0] == "BadZipFile" and "CRC" in ours[1]
    assert fell_back


def test_a_local_header_naming_another_part_is_refused_as_the_zip_reader_refuses_it(tmp_path):
    path = written(tmp_path / "names.zip", {"xl/a.xml": TEXT})
    patched(path, b"xl/a.xml", b"xl/b.xml")  # the first is the local header's, the directory keeps a.xml
    ours, theirs, fell_back = both(path, "xl/a.xml")
    assert ours == theirs and ours[0] == "BadZipFile" and fell_back


@pytest.mark.parametrize(("declared", "kind"), [(-1, "BadZipFile"), (1, "bytes")],
                         ids=["declared-shorter", "declared-longer"])
def test_a_part_of_another_size_than_declared_gives_what_the_zip_reader_gives(tmp_path, declared, kind):
    """Never more than the declared size is taken: a part that inflates to more, or to less, than
    its directory says is left to the zip reader, whose answer is the one given (it refuses the
    first, whose CRC then fails, and gives the second as it is)."""
    path = written(tmp_path / "size.zip", {"a.xml": TEXT})
    data, at = central(path)
    size = struct.unpack_from("<I", data, at + 24)[0]  # the directory entry's uncompressed size
    path.write_bytes(set_field(data, at + 24, "<I", size + declared))
    ours, theirs, fell_back = both(path, "a.xml")
    assert ours == theirs and ours[0] == kind and fell_back


def test_a_cut_short_part_gives_what_the_zip_reader_gives(tmp_path):
    path = written(tmp_path / "cut.zip", {"a.xml": TEXT, "b.xml": b"<b/>"})
    data, at = central(path)
    packed = struct.unpack_from("<I", data, at + 20)[0]  # the directory entry's compressed size
    path.write_bytes(set_field(data, at + 20, "<I", packed // 2))
    ours, theirs, fell_back = both(path, "a.xml")
    assert ours == theirs and fell_back


def test_a_damaged_stream_is_refused_as_the_zip_reader_refuses_it(tmp_path):
    path = written(tmp_path / "damaged.zip", {"a.xml": TEXT})
    data = bytearray(path.read_bytes())
    start = data.index(b"a.xml") + len("a.xml")  # the local header's name, then the stream
    data[start:start + 4] = b"\xff\xff\xff\xff"  # a block type that does not exist
    path.write_bytes(bytes(data))
    ours, theirs, fell_back = both(path, "a.xml")
    assert ours == theirs and ours[0] == "error" and fell_back


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_a_part_packed_another_way_is_left_to_the_zip_reader(tmp_path, method):
    path = written(tmp_path / "other.zip", {"a.xml": TEXT}, method)
    ours, theirs, fell_back = both(path, "a.xml")
    assert ours == theirs == ("bytes", TEXT) and fell_back


def test_an_encrypted_part_is_left_to_the_zip_reader(tmp_path):
    path = written(tmp_path / "locked.zip", {"a.xml": TEXT})
    data, at = central(path)
    flags = struct.unpack_from("<H", data, at + 8)[0]  # the directory entry's flags
    path.write_bytes(set_field(data, at + 8, "<H", flags | 0x1))
    ours, theirs, fell_back = both(path, "a.xml")
    assert ours == theirs and ours[0] == "RuntimeError" and fell_back


def test_a_part_packed_larger_than_deflate_ever_makes_is_left_to_the_zip_reader(tmp_path):
    """Such a part is read by the zip reader a chunk at a time, not whole into memory: a small part
    declared with a packed size of many times its size could be the rest of a large upload."""
    path = tmp_path / "padded.zip"
    padded = zlib.compress(TEXT)[2:-4] + bytes(containers.deflate_bound(len(TEXT)))  # the stream, then more
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.xml", padded)
    data, at = central(path)
    local = data.index(b"PK\x03\x04")
    # Declared deflated, of TEXT's size and CRC, in the local header and the directory entry alike.
    for method, crc, unpacked in ((local + 8, local + 14, local + 22), (at + 10, at + 16, at + 24)):
        data = set_field(data, method, "<H", zipfile.ZIP_DEFLATED)
        data = set_field(data, crc, "<I", zlib.crc32(TEXT))
        data = set_field(data, unpacked, "<I", len(TEXT))
    path.write_bytes(data)
    ours, theirs, fell_back = both(path, "a.xml")
    assert ours == theirs == ("bytes", TEXT)
    assert fell_back


def set_field(data: bytes, at: int, form: str, value: int) -> bytes:
    return data[:at] + struct.pack(form, value) + data[at + struct.calcsize(form):]


class Marked:
    """A part as Python's newer readers describe it: knowing where the next part begins."""

    def __init__(self, member: zipfile.ZipInfo, end: int):
        self.member, self._end_offset = member, end

    def __getattr__(self, name):
        return getattr(self.member, name)


def test_a_part_running_into_the_next_is_left_to_the_zip_reader(tmp_path):
    """A part whose packed bytes run into the next part (parts overlapping, as in some zip bombs)
    is left to Python's reader, which its newer releases refuse. Marked here by hand, so that the
    test holds on every Python."""
    path = written(tmp_path / "two.zip", {"a.xml": TEXT, "b.xml": TEXT})
    with zipfile.ZipFile(path) as archive, open(path, "rb") as handle:
        member = archive.getinfo("a.xml")
        counted = Counted(archive)
        overlapping = Marked(member, member.header_offset + 40)  # before the part's bytes end
        assert outcome(lambda: containers.read_part(counted, handle, overlapping)) == \
            outcome(lambda: declared(archive, member))
        assert counted.reads == 1
        ending = Marked(member, archive.getinfo("b.xml").header_offset)  # where the next part begins
        assert containers.read_part(counted, handle, ending) == TEXT and counted.reads == 1


def test_a_name_flagged_utf_8_only_in_the_directory_is_refused_as_the_zip_reader_refuses_it(tmp_path):
    path = written(tmp_path / "flag.zip", {"xl/für.xml": TEXT})
    data = path.read_bytes()
    local = data.index(b"PK\x03\x04")
    flags = struct.unpack_from("<H", data, local + 6)[0]
    path.write_bytes(set_field(data, local + 6, "<H", flags & ~containers.UTF8_NAME))
    ours, theirs, fell_back = both(path, "xl/für.xml")
    assert ours == theirs and ours[0] == "BadZipFile" and fell_back


def test_a_local_name_flagged_utf_8_that_is_not_is_refused_as_the_zip_reader_refuses_it(tmp_path):
    path = written(tmp_path / "flag.zip", {"xl/Q.xml": TEXT})
    patched(path, b"xl/Q.xml", "xl/ä.xml".encode("cp437"), count=2)
    data = path.read_bytes()
    local = data.index(b"PK\x03\x04")
    flags = struct.unpack_from("<H", data, local + 6)[0]
    path.write_bytes(set_field(data, local + 6, "<H", flags | containers.UTF8_NAME))
    ours, theirs, fell_back = both(path, "xl/ä.xml")
    assert ours == theirs and ours[0] == "UnicodeDecodeError" and fell_back
    assert issubclass(UnicodeDecodeError, containers.ZIP_ERRORS)  # refused as a damaged container


def test_an_empty_part_with_a_damaged_stream_is_refused_as_the_zip_reader_refuses_it(tmp_path):
    path = written(tmp_path / "empty.zip", {"a.xml": b""})
    data = bytearray(path.read_bytes())
    start = data.index(b"a.xml") + len("a.xml")
    data[start:start + 2] = b"\xff\xff"
    path.write_bytes(bytes(data))
    ours, theirs, fell_back = both(path, "a.xml")
    assert ours == theirs and ours[0] == "error" and fell_back


def test_a_local_header_with_an_extra_field_is_read_here(tmp_path):
    path = tmp_path / "extra.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("a.xml", date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.extra = struct.pack("<HH", 0xCAFE, 4) + b"note"  # an extra field of someone's own
        archive.writestr(info, TEXT)
    ours, theirs, fell_back = both(path, "a.xml")
    assert ours == theirs == ("bytes", TEXT) and not fell_back


def test_a_part_inflating_far_beyond_its_declared_size_is_never_inflated_whole(tmp_path):
    """A part of 64 KiB packed, declaring 100 bytes but inflating to 64 MiB, with a CRC-32 that
    does not match: refused as Python's reader refuses it, without inflating it whole (its plain
    read would, before cutting it to size)."""
    import tracemalloc

    path = written(tmp_path / "bomb.zip", {"a.xml": bytes(64 << 20)})
    data, at = central(path)
    path.write_bytes(set_field(data, at + 24, "<I", 100))  # the directory's uncompressed size
    with zipfile.ZipFile(path) as archive, open(path, "rb") as handle:
        member = archive.getinfo("a.xml")
        tracemalloc.start()
        try:
            ours = outcome(lambda: containers.read_part(archive, handle, member))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert ours[0] == "BadZipFile" and "CRC" in ours[1]
    assert peak < 4 << 20, f"{peak:,} bytes"


def bomb(path: Path, name: str, declared: int = 30) -> Path:
    """A zip whose one part declares a few bytes and inflates to 64 MiB (its CRC-32 is the whole's)."""
    path = written(path, {name: bytes(64 << 20)})
    data, at = central(path)
    path.write_bytes(set_field(data, at + 24, "<I", declared))
    return path


def peak_of(fn) -> tuple[object, int]:
    import tracemalloc

    tracemalloc.start()
    try:
        return outcome(fn), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_spreadsheets_small_mimetype_part_is_never_inflated_whole(tmp_path):
    """Intake tells an .ods from another zip by its mimetype part, read no further than it declares."""
    from secassure.exchange.intake import tables

    path = bomb(tmp_path / "sheet.ods", "mimetype")
    got, peak = peak_of(lambda: tables._sniff(path))
    assert got[0] == "IntakeRefused" and "damaged zip" in got[1]
    assert peak < 4 << 20, f"{peak:,} bytes"


def test_a_packs_manifest_is_never_inflated_whole(tmp_path):
    """Checking a submission pack reads its manifest no further than the manifest declares."""
    from secassure.exchange import pack

    path = bomb(tmp_path / "pack.zip", pack.MANIFEST)
    got, peak = peak_of(lambda: pack.verify(path, signature=False))
    assert got[0] == "BadZipFile" and "CRC" in got[1]
    assert peak < 4 << 20, f"{peak:,} bytes"


def zip_bytes(parts: dict[str, bytes], *, stream: bool = False) -> bytes:
    """A zip of parts, deflated; ``stream``: written as to a pipe, each part's sizes then following its
    bytes in a data descriptor."""
    buffer = io.BytesIO()
    target = Unseekable(buffer) if stream else buffer
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class Unseekable(io.RawIOBase):
    """A file that can only be written forwards, as a pipe is."""

    def __init__(self, into: io.BytesIO):
        self.into, self.written = into, 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.written += len(data)
        return self.into.write(data)

    def tell(self) -> int:
        return self.written

    def seekable(self) -> bool:
        return False


class Bounded(io.BytesIO):
    """A file that cannot be sought beyond its end, as a real one cannot be sought beyond what an
    offset can hold (an offset of 2 ** 63 from a zip64 field raises ValueError)."""

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET and not 0 <= offset <= len(self.getbuffer()):
            raise ValueError(f"cannot seek to {offset}")
        return super().seek(offset, whence)


def overlapping(data: bytes) -> str | None:
    """The name of the part containers.overlapping_part finds in a zip's bytes, if any."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        found = containers.overlapping_part(archive, Bounded(data))
    return None if found is None else found.filename


THREE = {"a.xml": TEXT, "b.xml": TEXT[:500], "c.xml": TEXT[::-1]}


@pytest.mark.parametrize("name", ["a.xml", "b.xml", "c.xml"])  # the last one runs into the directory
def test_a_part_running_into_the_next_is_found_on_every_python(name):
    data = zip_bytes(THREE)
    assert overlapping(data) is None
    assert overlapping(files.overlapped(data, name, by=1)) == name


def test_a_directory_entry_pointing_into_another_part_is_found():
    """Two entries of the directory naming one local header: a part's bytes read twice over."""
    data = bytearray(zip_bytes(THREE))
    struct.pack_into("<I", data, files.directory_entry(bytes(data), "b.xml") + 42, 0)  # its local header: a.xml's
    assert overlapping(bytes(data)) == "a.xml"


def test_parts_followed_by_data_descriptors_are_not_taken_for_overlapping():
    data = zip_bytes(THREE, stream=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert all(member.flag_bits & 0x8 for member in archive.infolist())  # a descriptor after each part
    assert overlapping(data) is None
    assert overlapping(files.overlapped(data, "b.xml", by=16)) is None  # into its own 16-byte descriptor
    assert overlapping(files.overlapped(data, "b.xml", by=17)) == "b.xml"  # beyond it


def test_a_zip_after_other_bytes_is_judged_where_it_lies():
    """A self-extracting archive: a program before the zip, whose offsets count from the zip's start."""
    data = b"#!/bin/sh\nexit 0\n" * 40 + zip_bytes(THREE)
    assert overlapping(data) is None
    assert overlapping(files.overlapped(data, "a.xml", by=1)) == "a.xml"


def test_a_local_extra_field_longer_than_the_directorys_is_counted():
    """Tools that align parts pad the local header's extra field alone: the part's bytes begin after
    that padding, whatever the directory says."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in THREE.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.extra = struct.pack("<HH", 0xD935, 8) + bytes(8)  # padding, as an aligning tool writes it
            archive.writestr(info, data)
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        start, members = archive.start_dir, archive.infolist()
    # The directory without the extra fields: each entry shorter by 12 bytes, the end record told so.
    directory, at = b"", start
    for member in members:
        entry_length = 46 + len(member.filename) + len(member.extra) + len(member.comment)
        entry = bytearray(data[at:at + entry_length])
        struct.pack_into("<H", entry, 30, 0)
        directory += bytes(entry[:46 + len(member.filename)]) + bytes(entry[46 + len(member.filename) + 12:])
        at += entry_length
    end = bytearray(data[at:])
    struct.pack_into("<I", end, 12, len(directory))
    stripped = data[:start] + directory + bytes(end)
    with zipfile.ZipFile(io.BytesIO(stripped)) as archive:
        assert [m.extra for m in archive.infolist()] == [b"", b"", b""]
        assert archive.read("c.xml") == THREE["c.xml"]
    assert overlapping(stripped) is None
    assert overlapping(files.overlapped(stripped, "b.xml", by=1)) == "b.xml"


def test_walk_refuses_overlapping_parts_at_any_depth(tmp_path):
    limits = containers.ZipLimits(members=10, uncompressed=1 << 20, ratio=100, depth=1)
    outer = tmp_path / "outer.zip"
    outer.write_bytes(files.overlapped(zip_bytes(THREE), "b.xml"))
    with pytest.raises(containers.ContainerRefused) as refused:
        containers.walk(outer, limits, scratch=tmp_path)
    assert (refused.value.kind, refused.value.member) == ("overlap", "b.xml")
    assert str(refused.value) == ("part b.xml runs into the part after it: parts that share their bytes are a trick "
                                  "of zip bombs, so the file was not opened")
    inner = files.overlapped(zip_bytes(THREE), "c.xml")
    outer.write_bytes(zip_bytes({"notes.txt": b"notes", "inner.zip": inner}))
    with pytest.raises(containers.ContainerRefused) as refused:
        containers.walk(outer, limits, scratch=tmp_path)
    assert (refused.value.kind, refused.value.member) == ("overlap", "inner.zip/c.xml")
    outer.write_bytes(zip_bytes({"notes.txt": b"notes", "inner.zip": zip_bytes(THREE)}))
    assert containers.walk(outer, limits, scratch=tmp_path) > 0


@pytest.mark.parametrize(("place", "found"), [("far beyond the file", "a.xml"), ("inside c.xml's bytes", "c.xml")])
def test_a_part_placed_beyond_the_directory_or_inside_another_is_found(place, found):
    """a.xml's directory entry moved: far beyond the file (where nothing is read), or into the last
    part's packed bytes, which then run into it."""
    data = bytearray(zip_bytes(THREE))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        last = archive.getinfo("c.xml")
        offset = 0xFFFFFFF0 if place == "far beyond the file" else last.header_offset + 40
        assert last.header_offset + 40 + 30 < archive.start_dir  # room for a header there
    struct.pack_into("<I", data, files.directory_entry(bytes(data), "a.xml") + 42, offset)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.getinfo("a.xml").header_offset == offset
    assert overlapping(bytes(data)) == found


def test_an_empty_zip_and_a_zip_of_folders_hold_no_overlap(tmp_path):
    empty = zip_bytes({})
    assert overlapping(empty) is None
    path = tmp_path / "empty.zip"
    path.write_bytes(empty)
    limits = containers.ZipLimits(members=10, uncompressed=1 << 20, ratio=100)
    assert containers.walk(path, limits, scratch=tmp_path) == 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.mkdir("policies")
        archive.writestr("policies/a.xml", TEXT)
        archive.mkdir("empty")
    assert overlapping(buffer.getvalue()) is None


def test_a_part_whose_local_header_is_damaged_is_left_to_the_zip_reader():
    data = bytearray(zip_bytes(THREE))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        at = archive.getinfo("b.xml").header_offset
    data[at:at + 4] = b"XX\x03\x04"
    assert overlapping(bytes(data)) is None
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive, pytest.raises(zipfile.BadZipFile):
        archive.read("b.xml")
