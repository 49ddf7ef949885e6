"""Benchmark: secassure at the size of a large installation, on PostgreSQL. Prints figures; asserts nothing.

Pages that read "every organisation" or "every row" can look fine with the two organisations of the
demo and fall over with a thousand, so this measures the same pages at both sizes. It creates a
scratch database ``secassure_scale_<pid>`` on the PostgreSQL server (DATABASE_HOST, default
127.0.0.1:5432, user postgres, trust authentication) and drops it at the end, then:

1. generates 2 organisations with ``secassure.generate`` (the shipped catalogue, 20 assessments
   each of about 50 rows, so about 1,000 rows an organisation, 20 documents) and measures, through
   Django's test Client: the home page of a consultant who belongs to every organisation (the
   portfolio), an organisation's page, an assessment's workspace and saving one row, as that
   organisation's generated Owner (signed in with force_login): time (best of five) and SQL queries;
2. grows to ``--orgs`` organisations (default 1,000: about a million rows) and measures the same,
   printing each figure beside the two-organisation one.

Run: ``.venv/bin/python bench/scale.py [--orgs 1000] [--assessments-per-org 20] [--keep]``.
On the two-core development machine, generating the thousand organisations (850,000 rows, 215,000
evidence links) took 87 seconds and the whole run under two minutes; ``--orgs 100`` takes under
half a minute.

It ends with a TARGET line for each page (see bench/summary.py): its SQL queries at the large size,
the target being no more than at two organisations, since a page whose queries grow with the number
of organisations is what falls over at scale. The times are printed, with no target of their own.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = os.environ.get("DATABASE_HOST", "127.0.0.1:5432")


def admin_sql(statement: str) -> None:
    import psycopg

    host, _, port = HOST.partition(":")
    with psycopg.connect(host=host, port=int(port or 5432), user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(statement)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=1000, help="organisations to grow to (default 1,000)")
    parser.add_argument("--assessments-per-org", type=int, default=20)
    parser.add_argument("--documents-per-org", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database for a look afterwards")
    args = parser.parse_args()

    name = f"secassure_scale_{os.getpid()}"
    admin_sql(f'CREATE DATABASE "{name}"')
    try:
        return run(name, args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
        else:
            print(f"kept the database {name}")


def run(name: str, args) -> int:
    from summary import scratch_folder  # bench/summary.py, beside this file

    tmp = scratch_folder("secassure-scale-bench-")
    os.environ["SECASSURE_DATA_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = f"postgres://postgres@{HOST}/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "secassure.settings"
    os.environ["SECASSURE_REQUIRE_MFA"] = "false"  # generated people have no authenticator app
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import override_settings

    # Pages are rendered without collectstatic: the plain storage, as the test suite uses.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    call_command("migrate", verbosity=0)
    # One connection across requests, as a server with SECASSURE_DB_CONN_MAX_AGE keeps.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    from secassure.assessments.models import Assessment
    from secassure.cli.catalogue import shipped_files
    from secassure.generate import EMAIL_DOMAIN, email_for, generate, slug_for
    from secassure.tenancy.models import Membership, Organisation

    consultant = get_user_model().objects.create(username=f"consultant@{EMAIL_DOMAIN}",
                                                 email=f"consultant@{EMAIL_DOMAIN}", password=make_password(None))

    def grow(orgs: int) -> float:
        start = time.perf_counter()
        made = generate(orgs=orgs, documents_per_org=args.documents_per_org,
                        assessments_per_org=args.assessments_per_org, catalogue_files=shipped_files(),
                        progress=lambda done: done % 100 or print(f"  {done:,} organisations", flush=True))
        have = set(Membership.objects.filter(user=consultant).values_list("organisation_id", flat=True))
        Membership.objects.bulk_create([Membership(user=consultant, organisation_id=pk, role="contributor")
                                        for pk in Organisation.objects.exclude(pk__in=have).values_list("pk",
                                                                                                        flat=True)])
        seconds = time.perf_counter() - start
        print(f"generated {made.organisations:,} organisations ({made.rows:,} rows, {made.links:,} links) in "
              f"{seconds:.0f} s; the database holds {Organisation.objects.count():,} organisations and "
              f"{Assessment.objects.count():,} assessments", flush=True)
        return seconds

    def timed(fn, repeat: int = 5) -> tuple[float, int, object]:
        fn()  # warm templates and caches
        # Counted by a wrapper round each statement: the query log is emptied as each request starts.
        count = [0]

        def counted(execute, sql, params, many, context):
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = fn()
        best = min(_once(fn) for _ in range(repeat))
        return best, count[0], response

    def _once(fn) -> float:
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) * 1000

    def measure() -> dict[str, tuple[float, int]]:
        slug = slug_for(1)
        owner = get_user_model().objects.get(email=email_for("owner", 1))
        as_owner, as_consultant = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
        as_owner.force_login(owner)
        as_consultant.force_login(consultant)
        assessment = Assessment.objects.filter(organisation__slug=slug, status="preparation").get()
        row = assessment.rows.order_by("order").first()
        revision = [row.revision]

        def save():
            response = as_owner.post(f"/orgs/{slug}/assessments/{assessment.pk}/rows/{row.pk}/",
                                     {"revision": revision[0], "status": "compliant",
                                      "narrative": f"Saved at revision {revision[0]}", "changed": ""},
                                     secure=True, HTTP_HX_REQUEST="true")
            revision[0] += 1
            return response

        pages = {
            "portfolio (home, a member of every organisation)": lambda: as_consultant.get("/", secure=True),
            "organisation page": lambda: as_owner.get(f"/orgs/{slug}/", secure=True),
            "assessment workspace": lambda: as_owner.get(f"/orgs/{slug}/assessments/{assessment.pk}/",
                                                         secure=True),
            "save one row": save,
        }
        figures = {}
        for what, fn in pages.items():
            ms, count, response = timed(fn)
            assert response.status_code == 200, (what, response.status_code)
            figures[what] = (ms, count)
        return figures

    grow(2)
    small = measure()
    for what, (ms, count) in small.items():
        print(f"2 organisations: {what}: {ms:.0f} ms, {count} queries", flush=True)
    grow(args.orgs)
    large = measure()
    print(f"\n{'':52} {'2 organisations':>22} {f'{args.orgs:,} organisations':>24}")
    for what, (ms, count) in large.items():
        ms2, count2 = small[what]
        print(f"{what:52} {ms2:>8.0f} ms {count2:>4} queries {ms:>9.0f} ms {count:>4} queries")
    from summary import target  # bench/summary.py, beside this file

    for what, (_, count) in large.items():
        print(target(f"SQL queries, {what.split(' (')[0]}, at {args.orgs:,} organisations, as many as at 2",
                     count, small[what][1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
