"""Sealed chain heads: a head wound back by hand, with the newest events cut, no longer verifies."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from secassure.audit.actions import record
from secassure.audit.context import Actor, acting_as
from secassure.audit.events import AuditEvent
from secassure.audit.models import ChainHead, Event, head_seal
from secassure.audit.verify import verify
from secassure.tenancy.models import Organisation
from tests.audit.tampering import cut_tail, triggers_off
from tests.review.test_cio_led_migration import (  # noqa: F401 (fixtures)
    _audit_log_append_only_again,
    _audit_triggers_lifted,
)

SEAL_BROKEN = "the chain head's seal does not match"


def _events(n_system=5, n_org=3):
    org = Organisation.objects.create(name="Org A", slug="org-a")
    with acting_as(Actor("tester")):
        for i in range(n_system):
            record(AuditEvent.CATALOGUE_VERSION_LOADED, object_type="thing", object_id=str(i), after={"i": i})
        for i in range(n_org):
            record(AuditEvent.TENANCY_ORGANISATION_CHANGED, org, organisation=org, after={"n": i})
    return org


@pytest.mark.django_db
def test_every_append_seals_the_head_it_moves():
    org = _events()
    for head in ChainHead.objects.all():
        assert head.seal == head_seal(head.chain, head.seq, head.head_hash)
    assert ChainHead.objects.get(chain=f"org:{org.pk}").seq == 3 and verify().ok


@pytest.mark.django_db
def test_cutting_the_newest_events_and_winding_the_head_back_fails_on_the_seal(cli):
    _events()
    with triggers_off():
        cut_tail("system", keep=3)
        assert Event.objects.filter(chain="system").count() == 3
        broken = verify(["system"]).chains[0].broken
        assert broken is not None and SEAL_BROKEN in broken.problem and broken.seq == 3
        shown = cli("audit", "verify")
        assert shown.exit_code == 1 and f"BROKEN system: at event #3: {SEAL_BROKEN}" in shown.stdout
        as_json = cli("audit", "verify", "--json")
        assert as_json.exit_code == 1 and as_json.json()["ok"] is False
        assert SEAL_BROKEN in next(c for c in as_json.json()["chains"] if c["chain"] == "system")["broken"]["problem"]
    assert verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize("seal", ["", "event hash", "0" * 64])
def test_a_seal_blanked_borrowed_or_made_up_does_not_hold(seal):
    """Blanking the seal does not pass for a head from before sealing, and the event's own hash
    (an HMAC under the same key) is not a seal: each use of the key is kept apart."""
    _events()
    with triggers_off():
        head = ChainHead.objects.get(chain="system")
        value = Event.objects.get(chain="system", seq=head.seq).hash if seal == "event hash" else seal
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_chainhead SET seal = %s WHERE chain = 'system'", [value])
        broken = verify(["system"]).chains[0].broken
        assert broken is not None and SEAL_BROKEN in broken.problem


@pytest.mark.django_db
def test_a_head_sealed_with_another_key_does_not_hold(settings):
    _events()
    real = settings.SECASSURE_AUDIT_KEY
    settings.SECASSURE_AUDIT_KEY = "another-key-long-enough-to-be-accepted-0123456789"
    forged = head_seal("system", 3, Event.objects.get(chain="system", seq=3).hash)
    settings.SECASSURE_AUDIT_KEY = real
    with triggers_off():
        cut_tail("system", keep=3)
        ChainHead.objects.filter(chain="system").update(seal=forged)
        assert SEAL_BROKEN in verify(["system"]).chains[0].broken.problem


@pytest.mark.django_db
def test_the_triggers_still_refuse_a_head_moved_back_whatever_its_seal():
    _events()
    head = ChainHead.objects.get(chain="system")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ChainHead.objects.filter(chain="system").update(seq=2, seal=head_seal("system", 2, head.head_hash))
    assert ChainHead.objects.get(chain="system").seal == head.seal


@pytest.mark.usefixtures("_audit_log_append_only_again", "transactional_db", "_audit_triggers_lifted")
def test_upgrading_seals_the_heads_already_there_and_keeps_the_triggers():
    """An installation upgraded from before sealing verifies straight away: the migration seals each
    head as it stands. Adding the column rebuilds the table on SQLite, which drops its triggers; the
    migration puts them back, and going back down keeps them too."""
    _events()
    before = {h.chain: (h.seq, h.head_hash) for h in ChainHead.objects.all()}
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0002_append_only_triggers")])
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "audit_chainhead")]
    assert "seal" not in columns
    _assert_head_triggers_hold()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    heads = list(ChainHead.objects.all())
    assert {h.chain: (h.seq, h.head_hash) for h in heads} == before
    assert all(h.seal_holds() for h in heads) and verify().ok
    _assert_head_triggers_hold()


def _assert_head_triggers_hold():
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_chainhead SET seq = 1 WHERE chain = 'system'")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_event WHERE chain = 'system'")
