"""Content-addressed, immutable blob storage: a file is named by the sha256 of its bytes.

Uploads are streamed to a temporary file on local disk while they are hashed (memory stays flat
however large the file), checked, then put into the store; a blob that exists already is not
written again. Nothing in normal use overwrites or deletes a blob. Reading checks the hash first,
so a blob whose bytes changed is refused and reported rather than served.

Two stores share one interface: a folder (the default, SECASSURE_BLOB_DIR) and an S3-compatible
bucket (when SECASSURE_BLOB_S3_BUCKET is set; needs the ``s3`` extra, which brings boto3).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

CHUNK = 1024 * 1024


class BlobError(ValueError):
    """A blob could not be stored or read as it should be; the message says why."""


class BlobTampered(BlobError):
    """The stored bytes no longer match the hash the blob is named by."""


@dataclass(frozen=True)
class StagedFile:
    """An upload written to a temporary file and hashed, not yet in the store."""

    path: Path
    sha256: str
    size: int


def check_name(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise BlobError(f"{sha256!r} is not a sha256 name")
    return sha256


def relative_name(sha256: str) -> str:
    """Where a blob lives inside a store: two levels of fan-out, then the full hash."""
    check_name(sha256)
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def scratch_dir() -> Path:
    """Local folder for files being staged or checked; on the same disk as a folder store."""
    path = Path(settings.SECASSURE_BLOB_DIR) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _hash_into(chunks: Iterable[bytes], handle, max_bytes: int | None = None) -> tuple[str, int]:
    """Copy chunks into handle, returning their sha256 and size; refuse past max_bytes."""
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise BlobError(f"the file is larger than the {max_bytes:,}-byte upload limit")
        digest.update(chunk)
        if handle is not None:
            handle.write(chunk)
    return digest.hexdigest(), size


def _read_chunks(handle) -> Iterator[bytes]:
    return iter(lambda: handle.read(CHUNK), b"")


def _mismatch(sha256: str, actual: str) -> str:
    return f"content hashes to {actual[:12]}…, not to its name"


def _served(handle, sha256: str, actual: str):
    """The open file rewound for serving when its bytes hashed to its name; refused otherwise."""
    if actual != sha256:
        handle.close()
        raise BlobTampered(f"blob {sha256[:12]}… is {_mismatch(sha256, actual)}")
    handle.seek(0)
    return handle


class FolderStore:
    """Blobs as read-only files under a folder, fanned out by the first hash characters."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def __str__(self) -> str:
        return f"folder {self.root}"

    def path_of(self, sha256: str) -> Path:
        return self.root / relative_name(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).exists()

    def put(self, staged_file: StagedFile) -> None:
        target = self.path_of(staged_file.sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # A hard link then the staged file's removal (by staged()) is atomic and never overwrites.
        try:
            os.link(staged_file.path, target)
        except FileExistsError:
            return
        target.chmod(0o440)

    def verify(self, sha256: str) -> tuple[bool, str]:
        path = self.path_of(sha256)
        if not path.exists():
            return False, "missing"
        with path.open("rb") as handle:
            actual, _ = _hash_into(_read_chunks(handle), None)
        return (True, "ok") if actual == sha256 else (False, _mismatch(sha256, actual))

    def open_verified(self, sha256: str):
        path = self.path_of(sha256)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise BlobTampered(f"blob {sha256[:12]}… is missing") from None
        # Hash through the same open file that is then served: a file swapped in meanwhile is not it.
        actual, _ = _hash_into(_read_chunks(handle), None)
        return _served(handle, sha256, actual)

    def raw(self, sha256: str) -> tuple[int, object]:
        """The blob's size and an open binary reader of its bytes, not checked: for copying the whole
        store elsewhere (a backup), which hashes as it copies rather than reading every file twice."""
        handle = self.path_of(sha256).open("rb")
        return os.fstat(handle.fileno()).st_size, handle

    def check_reachable(self) -> None:
        """Raise BlobError unless an upload could be stored now: the folder (made on first use, so
        absent on a fresh install) and its staging folder exist and can be written to."""
        try:
            (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BlobError(f"the blob folder cannot be made ({exc.strerror})") from None
        if not (os.access(self.root, os.W_OK | os.X_OK) and os.access(self.root / "tmp", os.W_OK | os.X_OK)):
            raise BlobError("the blob folder cannot be written to")

    def names(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for first in sorted(p for p in self.root.iterdir() if p.is_dir() and len(p.name) == 2):
            for second in sorted(p for p in first.iterdir() if p.is_dir()):
                for blob in sorted(second.iterdir()):
                    yield blob.name


@lru_cache(maxsize=8)
def _s3_client(endpoint_url: str, region: str):
    try:
        import boto3
        from botocore.config import Config
    except ImportError:  # pragma: no cover - depends on the installation
        raise BlobError("SECASSURE_BLOB_S3_BUCKET is set but boto3 is not installed: "
                        "pip install 'secassure[s3]'") from None
    config = Config(retries={"max_attempts": 5, "mode": "standard"}, signature_version="s3v4")
    return boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config)


class S3Store:
    """Blobs as objects in an S3-compatible bucket (AWS, MinIO, Ceph and the like).

    Credentials come from the usual AWS sources (environment, shared files, instance role). Objects
    are written once, only when absent; reading spools the object to a local file while hashing it,
    so what is served is exactly what was checked.
    """

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str = "", region: str = ""):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = _s3_client(endpoint_url, region)

    def __str__(self) -> str:
        return f"bucket s3://{self.bucket}/{self.prefix}"

    def key_of(self, sha256: str) -> str:
        return self.prefix + relative_name(sha256)

    @staticmethod
    def _missing(exc) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}

    def _error(self, exc, sha256: str) -> BlobError:
        return BlobError(f"the object store refused blob {sha256[:12]}…: {exc}")

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise self._error(exc, sha256) from None
        return True

    def put(self, staged_file: StagedFile) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        if self.exists(staged_file.sha256):
            return
        try:
            # upload_file streams from disk, in parts for large files.
            self.client.upload_file(str(staged_file.path), self.bucket, self.key_of(staged_file.sha256),
                                    ExtraArgs={"ContentType": "application/octet-stream",
                                               "Metadata": {"sha256": staged_file.sha256}})
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, staged_file.sha256) from None

    def _body(self, sha256: str):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))["Body"]
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise self._error(exc, sha256) from None
        except BotoCoreError as exc:
            raise self._error(exc, sha256) from None

    def verify(self, sha256: str) -> tuple[bool, str]:
        body = self._body(sha256)
        if body is None:
            return False, "missing"
        with body:
            actual, _ = _hash_into(body.iter_chunks(CHUNK), None)
        return (True, "ok") if actual == sha256 else (False, _mismatch(sha256, actual))

    def open_verified(self, sha256: str):
        body = self._body(sha256)
        if body is None:
            raise BlobTampered(f"blob {sha256[:12]}… is missing")
        # An anonymous temporary file: removed by the system when the response closes it.
        handle = tempfile.TemporaryFile(dir=scratch_dir())
        try:
            with body:
                actual, _ = _hash_into(body.iter_chunks(CHUNK), handle)
        except BaseException:
            handle.close()
            raise
        return _served(handle, sha256, actual)

    def raw(self, sha256: str) -> tuple[int, object]:
        """The object's size and its body as a binary reader, streamed and not checked: for copying
        the whole store elsewhere (a backup), which hashes as it copies."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ClientError as exc:
            if self._missing(exc):
                raise BlobError(f"blob {sha256[:12]}… is missing") from None
            raise self._error(exc, sha256) from None
        except BotoCoreError as exc:
            raise self._error(exc, sha256) from None
        return int(response["ContentLength"]), response["Body"]

    def check_reachable(self) -> None:
        """Raise BlobError unless the bucket answers to these credentials (one HEAD request)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise BlobError(f"the bucket does not answer: {exc}") from None

    def names(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                yield item["Key"].rsplit("/", 1)[-1]


def store() -> FolderStore | S3Store:
    """The configured store: the S3 bucket when one is named, else the blob folder."""
    if settings.SECASSURE_BLOB_S3_BUCKET:
        return S3Store(settings.SECASSURE_BLOB_S3_BUCKET, settings.SECASSURE_BLOB_S3_PREFIX,
                       settings.SECASSURE_BLOB_S3_ENDPOINT_URL, settings.SECASSURE_BLOB_S3_REGION)
    return FolderStore(settings.SECASSURE_BLOB_DIR)


@contextmanager
def staged(chunks, max_bytes: int) -> Iterator[StagedFile]:
    """Write chunks to a temporary local file, hashing as they come; refuse past max_bytes.
    The temporary file is removed on the way out, whatever happens."""
    fd, name = tempfile.mkstemp(dir=scratch_dir(), prefix="upload-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            sha256, size = _hash_into(chunks, handle, max_bytes)
            handle.flush()
            os.fsync(handle.fileno())
        yield StagedFile(path, sha256, size)
    finally:
        path.unlink(missing_ok=True)


def commit(staged_file: StagedFile) -> None:
    """Put a staged file into the store under its hash; an identical blob is kept as it is."""
    store().put(staged_file)


def verify(sha256: str) -> tuple[bool, str]:
    """Whether the blob is present and its bytes still hash to its name."""
    return store().verify(check_name(sha256))


def open_verified(sha256: str):
    """An open file of the blob's bytes, after their hash has been checked; BlobTampered otherwise."""
    return store().open_verified(check_name(sha256))


def path_of(sha256: str) -> Path:
    """Where a blob lives in the folder store."""
    return FolderStore(settings.SECASSURE_BLOB_DIR).path_of(sha256)
