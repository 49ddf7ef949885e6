"""Let a chain head move forward several events in one statement, onto events already written.

Before, a head could move exactly one event a statement, so appending a batch of events meant one
head update for each. Now it may move any number forward, provided the events it passes over are
all there, the first links to the old head and the last has the hash the head names (see
secassure.audit.triggers): still never back, never to another chain, never past the log. Every
trigger is dropped and created again from its current definition, in this migration's transaction.
Going back puts the one-event head guard back as it was.
"""

from django.db import migrations

from secassure.audit import triggers

ONE_EVENT_SQLITE = [
    "DROP TRIGGER IF EXISTS audit_chainhead_forward_only",
    f"""CREATE TRIGGER audit_chainhead_forward_only BEFORE UPDATE ON {triggers.HEAD_TABLE}
        WHEN NEW.seq != OLD.seq + 1 OR NEW.chain != OLD.chain
        BEGIN SELECT RAISE(ABORT, 'audit chain heads are append-only: they move one event forward'); END""",
]
ONE_EVENT_POSTGRES = [
    """CREATE OR REPLACE FUNCTION audit_chainhead_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND NEW.seq = OLD.seq + 1 AND NEW.chain = OLD.chain THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION USING MESSAGE = 'audit chain heads are append-only: ' || TG_OP || ' refused',
                               ERRCODE = 'insufficient_privilege';
       END; $$""",
]


def along_the_chain(apps, schema_editor):
    triggers.run(schema_editor, create=False)
    triggers.run(schema_editor, create=True)


def one_event_at_a_time(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in ONE_EVENT_SQLITE if vendor == "sqlite" else ONE_EVENT_POSTGRES:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chainhead_seal")]

    operations = [migrations.RunPython(along_the_chain, one_event_at_a_time)]
