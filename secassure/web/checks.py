"""Checks and set-up for running with several server processes.

Sign-in throttling (allauth's rate limits) counts failures in the default cache. An in-memory cache
belongs to one process: under ``secassure serve`` with four workers each keeps its own count, so
an account meant to lock after five wrong passwords takes up to twenty, as many as there are
workers times five. ``check --deploy`` says so; the database cache, production's default, is shared.
Its table is made after every ``migrate``, so a fresh installation needs no extra step.
"""

from __future__ import annotations

from django.core import checks

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@checks.register(checks.Tags.caches, deploy=True)
def shared_throttle_cache(app_configs=None, **kwargs):
    from django.conf import settings

    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PER_PROCESS_CACHES:
        return []
    return [checks.Warning(
        f"The default cache ({backend.rsplit('.', 1)[-1]}) is kept in each server process: sign-in "
        "throttling counts failures separately in every worker, so with several workers more wrong "
        "passwords get through than SECASSURE_LOGIN_THROTTLE allows.",
        hint="Leave SECASSURE_CACHE_BACKEND unset (the database cache, shared by every worker) or name "
             "a shared cache such as django.core.cache.backends.db.DatabaseCache or Redis.",
        id="secassure.W001",
    )]


def create_cache_tables(sender=None, using="default", verbosity=0, **kwargs):
    """After ``migrate`` (and ``flush``): the table of each database cache in the settings, made
    when missing. ``createcachetable`` leaves a table that exists alone, so running it after every
    app's migrations costs one look at the table list."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
