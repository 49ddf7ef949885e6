from django.db import migrations

from secassure.web import search_index


def create(apps, schema_editor):
    search_index.install(schema_editor.connection, apps)


def drop(apps, schema_editor):
    search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    """The SQLite FTS5 search index and its triggers; nothing on PostgreSQL, or on a SQLite without
    FTS5. Kept as defined after later migrations by the app's post_migrate receiver."""

    dependencies = [
        ("tenancy", "0004_organisation_dcc_live_since"),
        ("evidence", "0006_provider_moved"),
        ("catalogue", "0003_question_official_ref"),
        ("assessments", "0004_cio_led_statuses"),
        ("review", "0003_cio_fieldwork_and_report"),
    ]

    operations = [migrations.RunPython(create, drop)]
