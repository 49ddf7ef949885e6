"""Content-addressed, immutable blob storage: a file is named by the sha256 of its bytes.

Uploads are streamed to a temporary file while they are hashed (memory stays flat however large
the file), checked, then moved into place in one rename; a blob that exists already is not
written again. Nothing in normal use overwrites or deletes a blob. Reading checks the hash first,
so a blob changed on disk is refused and reported rather than served.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

CHUNK = 1024 * 1024


class BlobError(ValueError):
    """A blob could not be stored or read as it should be; the message says why."""


class BlobTampered(BlobError):
    """The bytes on disk no longer match the hash the blob is named by."""


@dataclass(frozen=True)
class StagedFile:
    """An upload written to a temporary file and hashed, not yet in the store."""

    path: Path
    sha256: str
    size: int


def root() -> Path:
    path = Path(settings.SECASSURE_BLOB_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise BlobError(f"{sha256!r} is not a sha256 name")
    return root() / sha256[:2] / sha256[2:4] / sha256


@contextmanager
def staged(chunks, max_bytes: int) -> Iterator[StagedFile]:
    """Write chunks to a temporary file in the store's folder, hashing as they come; refuse past
    max_bytes. The temporary file is removed on the way out, whatever happens."""
    tmp_dir = root() / "tmp"
    tmp_dir.mkdir(exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise BlobError(f"the file is larger than the {max_bytes:,}-byte upload limit")
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        yield StagedFile(path, digest.hexdigest(), size)
    finally:
        path.unlink(missing_ok=True)


def commit(staged_file: StagedFile) -> Path:
    """Move a staged file into the store under its hash; an identical blob is kept as it is."""
    target = path_of(staged_file.sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # A hard link then the staged file's removal (by staged()) is atomic and never overwrites.
    try:
        os.link(staged_file.path, target)
    except FileExistsError:
        return target
    target.chmod(0o440)
    return target


def verify(sha256: str) -> tuple[bool, str]:
    """Whether the blob is present and its bytes still hash to its name."""
    path = path_of(sha256)
    if not path.exists():
        return False, "missing"
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        return False, f"content hashes to {digest.hexdigest()[:12]}…, not to its name"
    return True, "ok"


def open_verified(sha256: str):
    """An open file for the blob, after its hash has been checked; BlobTampered otherwise."""
    ok, why = verify(sha256)
    if not ok:
        raise BlobTampered(f"blob {sha256[:12]}… is {why}")
    return path_of(sha256).open("rb")
