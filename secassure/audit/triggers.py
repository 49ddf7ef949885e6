"""The database triggers that keep the audit log append-only, per database engine.

Events: UPDATE, DELETE and TRUNCATE refused. Chain heads: never deleted, and moved only forward
along their own chain, so the head cannot be wound back to hide events cut from the end of a chain.
A head may move several events in one statement (``record_many`` appends a batch that way), but only
onto events already written: the event it moves to must be there with the hash it names, the first
event after the old head must link to the old head's hash, and every position in between must hold
an event. Kept in one place so that the migrations and the tests (which must step around them to
show that ``audit verify`` catches tampering) use the same names. The migrations create what is
defined here; 0004 replaces the head trigger of installations made before, which allowed one event
a statement.
"""

TABLE = "audit_event"
HEAD_TABLE = "audit_chainhead"

# Whether a head update (NEW over OLD) moves forward along its chain onto events already written.
# The count runs over the unique (chain, seq) index: one range scan of the events passed over.
HEAD_MOVES_FORWARD = f"""NEW.chain = OLD.chain AND NEW.seq > OLD.seq
    AND EXISTS (SELECT 1 FROM {TABLE} WHERE chain = NEW.chain AND seq = NEW.seq AND hash = NEW.head_hash)
    AND EXISTS (SELECT 1 FROM {TABLE} WHERE chain = NEW.chain AND seq = OLD.seq + 1 AND prev_hash = OLD.head_hash)
    AND (SELECT count(*) FROM {TABLE} WHERE chain = NEW.chain AND seq > OLD.seq AND seq <= NEW.seq)
        = NEW.seq - OLD.seq"""  # noqa: S608 (the table's own name, a constant)

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_chainhead_no_delete BEFORE DELETE ON {HEAD_TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit chain heads are append-only: DELETE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_chainhead_forward_only BEFORE UPDATE ON {HEAD_TABLE}
        WHEN NOT ({HEAD_MOVES_FORWARD})
        BEGIN SELECT RAISE(ABORT, 'audit chain heads are append-only: they move forward along their chain');
        END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_chainhead_no_delete",
    "DROP TRIGGER IF EXISTS audit_chainhead_forward_only",
]

POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION USING MESSAGE = 'audit events are append-only: ' || TG_OP || ' refused',
                               ERRCODE = 'insufficient_privilege';
       END; $$""",
    f"""CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
    f"""CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()""",
    f"""CREATE OR REPLACE FUNCTION audit_chainhead_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND {HEAD_MOVES_FORWARD} THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION USING MESSAGE = 'audit chain heads are append-only: ' || TG_OP || ' refused',
                               ERRCODE = 'insufficient_privilege';
       END; $$""",
    f"""CREATE TRIGGER audit_chainhead_guard BEFORE UPDATE OR DELETE ON {HEAD_TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_chainhead_guard()""",
    f"""CREATE TRIGGER audit_chainhead_no_truncate BEFORE TRUNCATE ON {HEAD_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS audit_event_no_update_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_chainhead_guard ON {HEAD_TABLE}",
    f"DROP TRIGGER IF EXISTS audit_chainhead_no_truncate ON {HEAD_TABLE}",
    "DROP FUNCTION IF EXISTS audit_chainhead_guard()",
    "DROP FUNCTION IF EXISTS audit_event_refuse_change()",
]


def statements(vendor: str, create: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    if vendor == "postgresql":
        return POSTGRES_CREATE if create else POSTGRES_DROP
    raise RuntimeError(f"the audit log has no append-only triggers for {vendor}; use SQLite or PostgreSQL")


def run(schema_editor, create: bool) -> None:
    for sql in statements(schema_editor.connection.vendor, create):
        schema_editor.execute(sql)
