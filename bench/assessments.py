"""Benchmark: assessments at the size of a large catalogue. Prints figures; asserts nothing.

On a scratch database (SQLite by default; DATABASE_URL to try PostgreSQL) it loads a generated
catalogue of 1,300 obligations and 60 questions, then prints:

- the time to create an assessment without a baseline (target 100 ms) and carrying forward a
  baseline that has 5,000 evidence links (target 300 ms), each with its ratio to the target: the
  best of five, since the machine may be busy with other work;
- the workspace page for 1,300 rows and 5,000 links: server time (the whole Django request, in
  process) and SQL queries (target under 300 ms);
- saving one row through the page, on an assessment of 50 rows and one of 1,300: server time and
  SQL queries, which should be the same (target under 50 ms).

It ends with a TARGET line for each target (see bench/summary.py), the times the best of their runs.

Run: `.venv/bin/python bench/assessments.py [OBLIGATIONS]`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ["G3", "G4", "G5", "G6"]
CREATE_TARGET_MS = 100  # an assessment of 1,300 rows, nothing carried forward
CARRY_TARGET_MS = 300  # the same, carrying a baseline's rows and 5,000 evidence links forward
WORKSPACE_TARGET_MS = 300  # the workspace page of 1,300 rows and 5,000 links, the whole request
SAVE_TARGET_MS = 50  # saving one row through the page, at 50 rows and at 1,300


def catalogue_yaml(obligations: int, questions: int, version: str) -> str:
    lines = ["format: secassure.catalogue/1",
             "framework: {slug: sec-g, name: Bench catalogue, kind: regulation}",
             f"version: {{version: '{version}', status: published, effective_date: 2026-01-01, source: generated}}",
             "groups:"]
    lines += [f"  - {{ref: {g}, title: Section {g}}}" for g in GROUPS]
    lines.append("obligations:")
    for i in range(obligations):
        group = GROUPS[i % len(GROUPS)]
        lines.append(f"  - {{ref: {group}.{i + 1}, group: {group}, title: Obligation number {i + 1}, "
                     f"summary: 'What obligation {i + 1} asks of the User, in a sentence or two.', "
                     "applicability: {categories: [all], roles: [all]}}")
    lines.append("questions:")
    for i in range(questions):
        lines.append(f"  - {{ref: Q-{i + 1}, text: 'Has anything changed about topic {i + 1}?', topic: changes, "
                     f"clauses: ['{GROUPS[i % obligations % len(GROUPS)]}.{i % obligations + 1}'], categories: [all]}}")
    return "\n".join(lines) + "\n"


def scratch_installation(prefix: str) -> Path:
    """A fresh installation to measure in: its own data folder and SQLite database (DATABASE_URL,
    when set, names another database to try), Django set up and migrated. Returns the folder."""
    from summary import scratch_folder  # bench/summary.py, beside this file

    tmp = scratch_folder(prefix)
    os.environ["SECASSURE_DATA_DIR"] = str(tmp)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "secassure.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return tmp


def bench_organisation(documents: int = 100, **names):
    """A large supplier with an Owner (``names`` gives their first and last name) and ``documents``
    records in its register: the organisation, the Owner and the documents."""
    from django.contrib.auth import get_user_model

    from secassure.evidence.actions import add_document
    from secassure.tenancy.actions import add_member, create_organisation

    org = create_organisation(name="Bench Energy", category="large-supplier", by=None)
    owner = get_user_model().objects.create_user("owner@bench.test", "owner@bench.test", "bench-password-123",
                                                 **names)
    add_member(org, owner, "owner", by=None)
    return org, owner, [add_document(org, title=f"Evidence {i}", doc_type="record", by=None)
                        for i in range(documents)]


class CountQueries:
    """Counts the SQL statements run inside it (works with DEBUG off)."""

    def __enter__(self):
        from django.db import connection

        self.count = 0
        self._hook = connection.execute_wrapper(self)
        self._hook.__enter__()
        return self

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        return self._hook.__exit__(*exc)

    def __len__(self):
        return self.count


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), result


def main() -> int:
    from summary import scratch_folder, target  # bench/summary.py, beside this file

    obligations = int(sys.argv[1]) if len(sys.argv) > 1 else 1300
    tmp = scratch_folder("secassure-assessment-bench-")
    os.environ["SECASSURE_DATA_DIR"] = str(tmp)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "secassure.settings"
    os.environ["SECASSURE_REQUIRE_MFA"] = "false"  # the owner here has no authenticator app
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    # The pages are rendered without collecting static files first: use the plain storage, as the
    # test suite does, rather than the hashed names that need collectstatic's manifest.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    # Keep one connection across requests, as a server with SECASSURE_DB_CONN_MAX_AGE does, so that
    # the query counts below see every request's queries.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    from django.contrib.auth import get_user_model

    from secassure.assessments import actions
    from secassure.assessments.models import EvidenceLink
    from secassure.catalogue.importers import native
    from secassure.catalogue.loader import load
    from secassure.evidence.actions import add_document
    from secassure.tenancy.actions import add_member, create_organisation

    path = tmp / "catalogue.yaml"
    path.write_text(catalogue_yaml(obligations, 60, "bench-big"), encoding="utf-8")
    load(native.parse_file(str(path), 50 * 1024 * 1024))
    small_path = tmp / "small.yaml"
    small_path.write_text(catalogue_yaml(50, 60, "bench-small"), encoding="utf-8")
    load(native.parse_file(str(small_path), 50 * 1024 * 1024))
    from secassure.catalogue.models import FrameworkVersion

    big_catalogue = FrameworkVersion.objects.get(version="bench-big")
    small_catalogue = FrameworkVersion.objects.get(version="bench-small")

    org = create_organisation(name="Bench Energy", category="large-supplier", by=None)
    users = get_user_model().objects
    owner = users.create_user("owner@bench.test", "owner@bench.test", "bench-password-123")
    add_member(org, owner, "owner", by=None)
    print(f"catalogue: {obligations:,} obligations, 60 questions; database: {connection.vendor}")

    if os.environ.get("BENCH_PROFILE") == "create-plain":
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(actions.create_assessment, org, kind="vusa", catalogue=big_catalogue, by=owner)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    targets = []
    ms, best, created = timed(lambda: actions.create_assessment(org, kind="vusa", catalogue=big_catalogue,
                                                                 by=owner), 5)
    targets.append(target(f"create an assessment of {created.rows:,} rows", best, CREATE_TARGET_MS, " ms"))
    print(f"create without a baseline: best {best:.0f} ms (median {ms:.0f} ms) for {created.rows:,} rows; "
          f"target {CREATE_TARGET_MS} ms, {best / CREATE_TARGET_MS:.2f} of it")
    baseline = created.assessment
    documents = [add_document(org, title=f"Evidence {i}", doc_type="record", by=None) for i in range(100)]
    rows = list(baseline.rows.all())
    links = [EvidenceLink(assessment=baseline, row=rows[i % len(rows)],
                          document=documents[(i // len(rows) * 7 + i % 7) % len(documents)])
             for i in range(5000)]
    EvidenceLink.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)
    baseline.rows.update(status="compliant", narrative="How we meet it, in a paragraph of ordinary length.")
    type(baseline).objects.filter(pk=baseline.pk).update(status="submitted")
    baseline.refresh_from_db()
    linked = baseline.links.count()
    if os.environ.get("BENCH_PROFILE") == "create":
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(actions.create_assessment, org, kind="ssa", catalogue=big_catalogue, baseline=baseline,
                         by=owner)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    ms, best, carried = timed(lambda: actions.create_assessment(org, kind="ssa", catalogue=big_catalogue,
                                                                 baseline=baseline, by=owner), 5)
    targets.append(target(f"create carrying forward {carried.carried_links:,} links", best, CARRY_TARGET_MS, " ms"))
    print(f"create carrying forward {carried.carried_rows:,} rows and {carried.carried_links:,} links: "
          f"best {best:.0f} ms (median {ms:.0f} ms); target {CARRY_TARGET_MS} ms, "
          f"{best / CARRY_TARGET_MS:.2f} of it")
    workspace = carried.assessment

    client = Client(HTTP_HOST="localhost")
    client.force_login(owner)
    url = f"/orgs/{org.slug}/assessments/{workspace.pk}/"
    client.get(url, secure=True)  # warm templates and the session
    with CountQueries() as queries:
        response = client.get(url, secure=True)
    assert response.status_code == 200, response.status_code
    if os.environ.get("BENCH_PROFILE") == "workspace":
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(client.get, url, secure=True)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    ms, best, _ = timed(lambda: client.get(url, secure=True), 5)
    targets.append(target(f"workspace page of {workspace.rows.count():,} rows", best, WORKSPACE_TARGET_MS, " ms"))
    print(f"workspace of {workspace.rows.count():,} rows and {workspace.links.count():,} links "
          f"(baseline had {linked:,}): median {ms:.0f} ms (best {best:.0f} ms), {len(queries)} SQL queries, "
          f"{len(response.content) / 1024:.0f} KiB (target under 300 ms)")

    small = actions.create_assessment(org, kind="ssa", catalogue=small_catalogue, by=owner).assessment
    first_small = small.rows.order_by("order").first()
    EvidenceLink.objects.create(assessment=small, row=first_small, document=documents[0])  # as the big one's has
    queries_at = []
    for assessment in (small, workspace):
        row = assessment.rows.order_by("order").first()
        save_url = f"/orgs/{org.slug}/assessments/{assessment.pk}/rows/{row.pk}/"
        revision = [row.revision]

        def save(save_url=save_url, revision=revision):
            # Each save changes the narrative, so each is a real change that bumps the revision.
            response = client.post(save_url, {"revision": revision[0], "status": "compliant",
                                              "narrative": f"Saved at revision {revision[0]}", "changed": ""},
                                   secure=True, HTTP_HX_REQUEST="true")
            revision[0] += 1
            return response

        save()
        with CountQueries() as queries:
            response = save()
        assert response.status_code == 200, response.content[:300]
        ms, best, _ = timed(save, 20)
        print(f"save one row of {assessment.rows.count():,}: median {ms:.1f} ms (best {best:.1f} ms), "
              f"{len(queries)} SQL queries (target under 50 ms; the same queries at any size)")
        targets.append(target(f"save one row of {assessment.rows.count():,}", best, SAVE_TARGET_MS, " ms",
                              digits=1))
        queries_at.append(len(queries))
    targets.append(target(f"SQL queries saving one row of {workspace.rows.count():,}, as many as of 50",
                          queries_at[1], queries_at[0]))
    for line in targets:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
