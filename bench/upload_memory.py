"""Benchmark: storing a large evidence file keeps memory flat. Prints figures; asserts nothing.

Writes a file of SIZE_MB (default 1024) to a scratch folder, stores it as a document version the
way an upload is stored (streamed in 1 MiB chunks, hashed, checked, kept under its sha256), and
prints the peak resident memory of this process, with what it held before the upload, and the
throughput next to `sha256sum` on the same file. The scratch database is migrated by `secassure
migrate` in a process of its own, as a deployment migrates before its servers start: a server
never loads the migrations, whose modules and model states would otherwise count in this
process's memory. Run: `.venv/bin/python bench/upload_memory.py [SIZE_MB]`.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    from summary import target  # bench/summary.py, beside this file

    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    tmp = Path(tempfile.mkdtemp(prefix="secassure-upload-bench-"))
    os.environ["SECASSURE_DATA_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["SECASSURE_MAX_UPLOAD_BYTES"] = str((size_mb + 1) * 1024 * 1024)
    os.environ["DJANGO_SETTINGS_MODULE"] = "secassure.settings"
    sys.path.insert(0, str(ROOT))
    migrated = subprocess.run([sys.executable, "-m", "secassure", "migrate", "--noinput"], cwd=ROOT,
                              capture_output=True, text=True, check=False)
    if migrated.returncode:
        sys.exit(f"secassure migrate failed:\n{migrated.stdout}{migrated.stderr}")
    import django

    django.setup()
    from secassure.evidence.actions import add_document, add_version
    from secassure.tenancy.actions import create_organisation

    path = tmp / "big.pdf"
    # Shaped like a real PDF, its bulk one image stream of random bytes: an upload's PDF is scanned for
    # scripts, and a real file's bulk is stream data the scan skips through.
    head = b"%PDF-1.7\n1 0 obj << /Type /XObject /Subtype /Image /Filter /DCTDecode >>\nstream\n"
    block = head + os.urandom(1024 * 1024 - len(head))
    with path.open("wb") as handle:
        handle.write(block)
        filler = os.urandom(1024 * 1024)
        for _ in range(size_mb - 1):
            handle.write(filler)
        handle.write(b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    org = create_organisation(name="Bench Ltd", category="other-user", by=None)
    document = add_document(org, title="Large evidence", doc_type="record", by=None)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    with path.open("rb") as handle:
        version = add_version(document, chunks=iter(lambda: handle.read(1024 * 1024), b""), name="big.pdf", by=None)
    ours = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reference = None
    if shutil.which("sha256sum"):
        start = time.perf_counter()
        out = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True).stdout
        reference = time.perf_counter() - start
        assert out.split()[0] == version.sha256, "the stored hash differs from sha256sum's"
    print(f"file: {size_mb:,} MiB; stored as v{version.number}, sha256 {version.sha256[:16]}…")
    print(f"peak resident memory: {peak:,.0f} MiB (before the upload: {rss_before:,.0f} MiB, so the upload took "
          f"{peak - rss_before:,.0f} MiB more; target under 100 MiB in all)")
    print(f"store (stream, hash, fsync, check, link): {ours:.2f} s, {size_mb / ours:,.0f} MiB/s")
    if reference is not None:
        print(f"sha256sum alone: {reference:.2f} s, {size_mb / reference:,.0f} MiB/s "
              f"(store takes {ours / reference:.1f} times as long)")
    shutil.rmtree(tmp, ignore_errors=True)
    print(target(f"peak memory storing a {size_mb:,} MiB file", peak, 100, " MiB"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
