"""The submission pack: one zip holding the Validation Workbook, the PDF report, the OSCAL results,
the evidence files, and a manifest listing every file with its sha256 and the head of the audit chain
when the pack was made. ``verify`` checks a pack file by file.

Evidence files are streamed from the blob store into the zip (each checked against its recorded
hash on the way), so a pack of gigabytes needs no more memory than a small one."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import struct
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from django.utils.crypto import salted_hmac

from secassure import __version__, containers
from secassure.assessments.choices import regime_of
from secassure.assessments.models import Assessment
from secassure.containers import read_declared
from secassure.errors import ActionError

FORMAT = "secassure-pack/1"
MANIFEST = "manifest.json"
SIGNING_SALT = "secassure.exchange.pack"
CHUNK = 1 << 20
MAX_MANIFEST = 20 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(name: str) -> str:
    cleaned = _UNSAFE.sub("-", name).strip("-.") or "file"
    return cleaned[:120]


def _signature(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return salted_hmac(SIGNING_SALT, text, algorithm="sha256").hexdigest()


class _Writer:
    """Adds files to the zip while hashing them, and remembers each for the manifest."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.files: list[dict] = []

    def add_stream(self, path: str, chunks, role: str, **facts) -> dict:
        digest, size = hashlib.sha256(), 0
        compress = zipfile.ZIP_STORED if role == "evidence" else zipfile.ZIP_DEFLATED
        info = zipfile.ZipInfo(path, date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = compress
        with self.archive.open(info, "w", force_zip64=True) as target:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
        entry = {"path": path, "role": role, "sha256": digest.hexdigest(), "size": size, **facts}
        self.files.append(entry)
        return entry

    def add_file(self, path: str, source: Path, role: str, **facts) -> dict:
        def chunks():
            with open(source, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    yield chunk

        return self.add_stream(path, chunks(), role, **facts)


def _evidence_versions(assessment: Assessment) -> list:
    """Every document version the assessment's rows and answers link to: the pinned one, or the
    latest for a link not yet pinned."""
    from django.db.models import Max

    from secassure.assessments.models import EvidenceLink
    from secassure.evidence.models import DocumentVersion

    links = list(EvidenceLink.objects.filter(assessment=assessment).values("document_id", "version_id"))
    pinned = {x["version_id"] for x in links if x["version_id"]}
    loose = {x["document_id"] for x in links if not x["version_id"]}
    latest = {(x["document_id"], x["n"]) for x in DocumentVersion.objects.filter(document_id__in=loose)
              .values("document_id").annotate(n=Max("number"))}
    found = []
    candidates = DocumentVersion.objects.filter(document_id__in={x["document_id"] for x in links}) \
        .select_related("document").order_by("document_id", "number")
    for version in candidates:
        if version.pk in pinned or (version.document_id, version.number) in latest:
            found.append(version)
    return found


def build(assessment: Assessment, out: Path, *, by=None, evidence: bool = True, progress=None) -> dict:
    """Write the pack for an assessment to out; returns its manifest."""
    from secassure.evidence import blobs
    from secassure.exchange import workbook

    head = workbook.chain_head(assessment)
    versions = _evidence_versions(assessment) if evidence else []
    total = 3 + len(versions)
    step = 0

    def tick(what: str) -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(step, total, what)

    with tempfile.TemporaryDirectory(prefix="secassure-pack-") as scratch, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        writer = _Writer(archive)
        book = Path(scratch) / "workbook.xlsx"
        workbook.write(assessment, book, by=by, record=True)
        writer.add_file("validation-workbook.xlsx", book, "workbook")
        tick("workbook")
        from secassure.exchange import report

        writer.add_stream("report.pdf", [report.render_pdf(assessment)], "report")
        tick("report")
        from secassure.exchange import oscal

        omitted = {}
        for model in ("assessment-results", "poam"):
            try:
                data = json.dumps(oscal.build(assessment, model), indent=2, ensure_ascii=False).encode("utf-8")
            except ActionError as exc:  # a plan of action needs findings or actions: none yet is no failure
                if model != "poam":
                    raise
                omitted[f"oscal/{model}.json"] = str(exc)
                continue
            writer.add_stream(f"oscal/{model}.json", [data], "oscal")
        tick("OSCAL")
        for version in versions:
            name = f"evidence/D-{version.document_id}-v{version.number}-{_safe(version.original_name)}"
            try:
                handle = blobs.open_verified(version.sha256)
            except blobs.BlobError as exc:
                raise ActionError(f"{version.document.title} v{version.number}: {exc}; the pack was not made") \
                    from None
            with handle:
                entry = writer.add_stream(name, iter(lambda h=handle: h.read(CHUNK), b""), "evidence",
                                          document=version.document_id, title=version.document.title,
                                          version=version.number)
            if entry["sha256"] != version.sha256:
                raise ActionError(f"{version.document.title} v{version.number} changed while it was packed")
            tick(version.document.title)
        org = assessment.organisation
        manifest = {
            "format": FORMAT, "created_at": timezone.now().isoformat(timespec="seconds"),
            "created_by": by.email if by is not None else "secassure command line", "secassure": __version__,
            "organisation": {"slug": org.slug, "name": org.name},
            "assessment": {"id": assessment.pk, "title": assessment.title, "type": assessment.kind,
                           "regime": regime_of(assessment.kind),
                           "status": assessment.status, "catalogue": str(assessment.catalogue)},
            "audit_chain_head": head,
            "files": writer.files,
            "omitted": omitted,
        }
        manifest["signature"] = _signature(manifest)
        info = zipfile.ZipInfo(MANIFEST, date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


@dataclass
class Verified:
    manifest: dict | None = None
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    signature: str = "not checked"

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"ok": self.ok, "checked": self.checked, "problems": self.problems, "signature": self.signature,
                "audit_chain_head": (self.manifest or {}).get("audit_chain_head")}


UNICODE_PATH = 0x7075  # Info-ZIP's extra field giving a part a second, Unicode, name
DESCRIPTORS = frozenset({12, 16, 20, 24})  # the sizes a data descriptor after a part's bytes may have


def _extra_ids(extra: bytes) -> set[int]:
    """The ids of the fields in a part's extra field (PKWARE's APPNOTE, section 4.5)."""
    ids, at = set(), 0
    while at + 4 <= len(extra):
        field_id, size = struct.unpack_from("<HH", extra, at)
        ids.add(field_id)
        at += 4 + size
    return ids


def _unlisted_bytes(archive: zipfile.ZipFile, handle) -> str | None:
    """What the zip holds beyond its listed parts, that a tool reading it from the start (as
    streaming extractors do) would find and this check would not: bytes before the first part,
    between two parts or before the directory (room for a part the directory does not list), or a
    part carrying a second name (which some tools show instead of its own). None when it holds
    nothing else, as a pack never does."""
    end, previous = 0, None

    def described(gap: int) -> bool:  # the data descriptor that may follow the part before
        return gap in DESCRIPTORS and previous is not None and bool(previous.flag_bits & 0x08)

    for member in sorted(archive.infolist(), key=lambda member: member.header_offset):
        gap = member.header_offset - end
        if gap and not described(gap):
            return f"bytes no listed file holds come before {member.filename}"
        lengths = containers.local_header(handle, member)
        if lengths is None:
            return f"{member.filename}: its local header is missing"
        name_length, extra_length = lengths
        handle.seek(name_length, 1)
        if UNICODE_PATH in _extra_ids(handle.read(extra_length)) | _extra_ids(member.extra):
            return f"{member.filename}: it carries a second name, which some zip tools show instead of its own"
        end = member.header_offset + containers.LOCAL_HEADER.size + name_length + extra_length + member.compress_size
        previous = member
    gap = archive.start_dir - end
    if gap and not described(gap):
        return "bytes no listed file holds come before the zip's directory"
    return None


def _ambiguous(archive: zipfile.ZipFile, handle, problems: list[str]) -> bool:
    """Whether the pack's zip could show one reader other files than it shows this check, saying
    why in problems: two parts of one name (Python's reader gives the last, other tools the first
    or either; names differing only in case or in the kind of slash count as one, since some tools
    take them so), parts that share their bytes (see containers.overlapping_part), or bytes beyond
    the listed parts (see _unlisted_bytes). Any would let a pack whose listed files all check out
    hand its reader others."""
    found, seen = len(problems), {}
    for member in archive.infolist():
        key = member.filename.casefold().replace("\\", "/")
        if key in seen:
            problems.append(f"{member.filename}: in the pack twice (also as {seen[key]}); zip tools differ on which "
                            "copy they open, so the pack cannot be trusted")
        seen.setdefault(key, member.filename)
    try:
        containers.check_overlaps(archive, handle)
    except containers.ContainerRefused as exc:
        problems.append(str(exc))
        return True
    unlisted = _unlisted_bytes(archive, handle)
    if unlisted is not None:
        problems.append(f"{unlisted}: a zip tool could show other files than those checked, so the pack cannot "
                        "be trusted")
    return len(problems) > found


def verify(path: Path, progress=None, *, signature: bool = True) -> Verified:
    """Check every file of a pack against its manifest, and the manifest against its signature
    (which only the installation that made the pack can check: pass signature=False elsewhere)."""
    result = Verified()
    if not zipfile.is_zipfile(path):
        result.problems.append("not a zip file: a submission pack is a .zip")
        return result
    with zipfile.ZipFile(path) as archive, open(path, "rb") as handle:
        if _ambiguous(archive, handle, result.problems):
            return result
        members = {m.filename: m for m in archive.infolist()}
        if MANIFEST not in members:
            result.problems.append(f"{MANIFEST} is missing")
            return result
        if members[MANIFEST].file_size > MAX_MANIFEST:
            result.problems.append(f"{MANIFEST} is implausibly large")
            return result
        try:
            manifest = json.loads(read_declared(archive, members[MANIFEST]))
            files = manifest["files"]
        except (ValueError, KeyError, TypeError):
            result.problems.append(f"{MANIFEST} is not a secassure pack manifest")
            return result
        result.manifest = manifest
        if manifest.get("format") != FORMAT:
            result.problems.append(f"unknown pack format {manifest.get('format')!r}")
        if not signature:
            result.signature = "not checked"
        elif hmac.compare_digest(str(manifest.get("signature", "")), _signature(manifest)):
            result.signature = "valid: made by this secassure installation"
        else:
            result.signature = "not valid"
            result.problems.append(f"{MANIFEST}: its signature does not match: the manifest was changed, or the "
                                   "pack was made by another installation (check it there, or pass "
                                   "--no-signature to check the files only)")
        listed = set()
        for n, entry in enumerate(files, 1):
            name = entry.get("path", "")
            listed.add(name)
            if name not in members:
                result.problems.append(f"{name}: listed in the manifest but missing from the pack")
                continue
            digest, size = hashlib.sha256(), 0
            with archive.open(members[name]) as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            result.checked += 1
            if digest.hexdigest() != entry.get("sha256") or size != entry.get("size"):
                result.problems.append(f"{name}: altered (its sha256 is {digest.hexdigest()}, the manifest says "
                                       f"{entry.get('sha256')})")
            if progress is not None:
                progress(n, len(files), name)
        for name in members:
            if name != MANIFEST and name not in listed:
                result.problems.append(f"{name}: in the pack but not in the manifest")
    return result
