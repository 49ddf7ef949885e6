"""Seal every chain head as it stands, so that an upgraded installation verifies straight away.

Sealing an existing head rewrites it without moving it forward, which the append-only triggers
refuse: they are set aside for that one statement per head and put back before the migration ends,
in the same transaction. On SQLite, adding the column rebuilds the table, which drops its triggers;
putting them back covers that too. A head is sealed as it stands, so run ``secassure audit verify``
before upgrading: a head already wound back would be sealed where it was left.
"""

from django.db import migrations, models

from secassure.audit import triggers
from secassure.audit.models import head_seal


def seal_existing_heads(apps, schema_editor):
    heads = apps.get_model("audit", "ChainHead")
    triggers.run(schema_editor, create=False)
    for head in heads.objects.using(schema_editor.connection.alias).all():
        heads.objects.using(schema_editor.connection.alias).filter(pk=head.pk).update(
            seal=head_seal(head.chain, head.seq, head.head_hash))
    triggers.run(schema_editor, create=True)


def restore_triggers(apps, schema_editor):
    """Going back drops the column, which on SQLite rebuilds the table again: put the triggers back
    (dropped first, since PostgreSQL keeps them through the change and has no CREATE TRIGGER IF NOT
    EXISTS)."""
    triggers.run(schema_editor, create=False)
    triggers.run(schema_editor, create=True)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    # Reversed, the operations run last to first: the triggers come back after the column has gone.
    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_triggers),
        migrations.AddField(
            model_name="chainhead",
            name="seal",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(seal_existing_heads, migrations.RunPython.noop),
    ]
