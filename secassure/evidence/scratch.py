"""What is left in the blob store's scratch folder by uploads, imports and exports that never
finished.

An upload is staged there while it is hashed and checked, a zip inside an upload is copied there to
be opened, an imported workbook is copied there to be read, and an exported one keeps its rows
there while it is written; each removes its file on the way out.
A process that is killed (out of memory, a restart mid-request) cannot, and its file stays. Nothing
live keeps a file there for long (the largest upload is staged in minutes), so a file untouched for
SAFE_AGE is a leftover, and removing it cannot pull a file from under a running upload. The folder
is local disk even when the blobs themselves are kept in a bucket.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from secassure.evidence.blobs import scratch_dir

SAFE_AGE = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Leftover:
    """A file or folder in the scratch folder, its size in bytes and when it was last written."""

    name: str
    size: int
    modified: dt.datetime

    def as_dict(self) -> dict:
        return {"name": self.name, "size": self.size, "modified": self.modified.isoformat(timespec="seconds")}


def _measure(path: Path) -> tuple[int, float]:
    """Size and latest change of an entry, links not followed: a folder counts what it holds, and is
    as recent as the newest thing in it."""
    info = path.lstat()
    size, latest = info.st_size, info.st_mtime
    if stat.S_ISDIR(info.st_mode):
        for root, dirs, files in os.walk(path, followlinks=False):
            for name in dirs + files:
                inner = (Path(root) / name).lstat()
                size += inner.st_size if not stat.S_ISDIR(inner.st_mode) else 0
                latest = max(latest, inner.st_mtime)
    return size, latest


def leftovers(older_than: dt.timedelta = SAFE_AGE, now: dt.datetime | None = None) -> list[Leftover]:
    """Entries of the scratch folder untouched for longer than ``older_than``, oldest first."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - older_than
    found = []
    for path in scratch_dir().iterdir():
        try:
            size, latest = _measure(path)
        except FileNotFoundError:  # removed meanwhile by the upload that made it
            continue
        modified = dt.datetime.fromtimestamp(latest, dt.UTC)
        if modified < cutoff:
            found.append(Leftover(path.name, size, modified))
    return sorted(found, key=lambda entry: (entry.modified, entry.name))


def remove_leftovers(older_than: dt.timedelta = SAFE_AGE, now: dt.datetime | None = None) -> list[Leftover]:
    """Remove the scratch folder's leftovers (see leftovers) and return what was removed. Each entry
    is measured again just before it goes, so one written to meanwhile is kept."""
    removed = []
    folder = scratch_dir()
    for entry in leftovers(older_than, now):
        path = folder / entry.name
        try:
            _, latest = _measure(path)
        except FileNotFoundError:
            continue
        if dt.datetime.fromtimestamp(latest, dt.UTC) != entry.modified:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(entry)
    return removed
