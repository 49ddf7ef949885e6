from django.apps import AppConfig
from django.db.models.signals import post_migrate

SEARCH_INDEX_MIGRATION = ("web", "0001_search_index")


def _search_index(sender, using="default", apps=None, **kwargs):
    """After every ``migrate`` (and ``flush``), the SQLite search index as defined, refilled if a
    migration rebuilt a table and dropped its triggers (secassure.web.search_index says why); only
    while the migration that makes it is applied, so that unapplying it leaves none."""
    from django.apps import apps as current
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from secassure.web.search_index import available, install

    connection = connections[using]
    if connection.vendor != "sqlite" or not available():
        return
    if SEARCH_INDEX_MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    install(connection, apps or current)


class WebConfig(AppConfig):
    name = "secassure.web"
    label = "web"
    verbose_name = "Web"

    def ready(self):
        from secassure import prepared

        prepared.watch()
        # The web app has no models, so Django sends it no post_migrate of its own: the receiver
        # listens to every app's, and finds the index in place after the first.
        post_migrate.connect(_search_index, dispatch_uid="secassure.web.search_index")
        # The database cache's table (production's default cache), and check --deploy's warning
        # about a per-process cache: secassure.web.checks says why.
        from secassure.web import checks

        post_migrate.connect(checks.create_cache_tables, dispatch_uid="secassure.web.cache_tables")
