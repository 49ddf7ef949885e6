"""Appending a batch of events at once (record_many): the same events and chain as recording each in
turn, verified as those are, tampering with them found, rolled back whole, and written in the same
number of statements however many there are. The head may move several events in one statement,
but only forward along its chain onto events already written."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from secassure.audit.actions import Pending, record, record_many
from secassure.audit.context import Actor, acting_as
from secassure.audit.events import AuditEvent
from secassure.audit.models import GENESIS_HASH, ChainHead, Event, head_seal
from secassure.audit.verify import verify
from secassure.tenancy.models import Organisation
from tests.audit.tampering import cut_tail, triggers_off

# What each event says, apart from its place in the chain and its time: everything a reader sees.
SAID = ("organisation_id", "actor_id", "actor_label", "action", "object_type", "object_id", "object_repr", "before",
        "after", "reason", "request_id", "key_id")


def _pending(org) -> list[Pending]:
    """A batch with something awkward in it: values the database would rewrite, text outside ASCII,
    an object named by its model, and one named by hand."""
    return [
        Pending(AuditEvent.TENANCY_ORGANISATION_CHANGED, org, before={"name": "Old"}, after={"name": "Nïew 漢字"}),
        Pending(AuditEvent.CATALOGUE_VERSION_LOADED, object_type="thing", object_id="7", object_repr="Thing 7",
                after={"big": 1e20, "nul": "a\x00b", "when": dt.date(2026, 1, 2)}, reason="because\x00"),
        Pending(AuditEvent.TENANCY_ORGANISATION_CHANGED, org, before=None, after=None),
        *[Pending(AuditEvent.TENANCY_ORGANISATION_CHANGED, org, before={"n": i}, after={"n": i + 1})
          for i in range(5)],
    ]


def _org(slug: str) -> Organisation:
    org = Organisation.objects.create(name=f"Org {slug}", slug=slug)
    record(AuditEvent.TENANCY_ORGANISATION_CREATED, org, organisation=org)
    return org


def _said(event: Event) -> dict:
    return {name: getattr(event, name) for name in SAID}


def _written(chain: str) -> list[dict]:
    """Every event of the chain as read back from the database, all of it."""
    return [{**_said(e), "seq": e.seq, "prev_hash": e.prev_hash, "hash": e.hash, "occurred_at": e.occurred_at}
            for e in Event.objects.filter(chain=chain).order_by("seq")]


class _Rollback(Exception):
    pass


@pytest.mark.django_db
def test_a_batch_writes_byte_for_byte_what_recording_each_in_turn_writes(monkeypatch):
    """At the same moment (the clock held still), a batch and the same events recorded one by one
    leave the same chain: every field, every hash, the same head."""
    from secassure.audit import actions

    class Still(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)

    monkeypatch.setattr(actions, "dt", SimpleNamespace(datetime=Still, UTC=dt.UTC))
    org = _org("org-a")
    chain = f"org:{org.pk}"
    with acting_as(Actor("tester"), request_id="req-7"):
        try:
            with transaction.atomic():
                for p in _pending(org):
                    record(p.action, p.obj, organisation=org, before=p.before, after=p.after, reason=p.reason,
                           object_type=p.object_type, object_id=p.object_id, object_repr=p.object_repr)
                singly = _written(chain)
                single_head = ChainHead.objects.values("seq", "head_hash", "seal").get(chain=chain)
                raise _Rollback
        except _Rollback:
            pass
        assert Event.objects.filter(chain=chain).count() == 1
        returned = record_many(_pending(org), organisation=org)

    assert len(singly) == 9 and _written(chain) == singly
    assert ChainHead.objects.values("seq", "head_hash", "seal").get(chain=chain) == single_head
    # The batch's own objects are the stored ones, ids included.
    stored = list(Event.objects.filter(chain=chain, seq__gt=1).order_by("seq"))
    assert [(e.pk, e.seq, e.hash, e.prev_hash, e._state.adding) for e in returned] == [
        (e.pk, e.seq, e.hash, e.prev_hash, False) for e in stored]
    assert verify().ok


@pytest.mark.django_db
def test_a_batch_verifies_and_seals_its_head(cli):
    org = _org("org-a")
    with acting_as(Actor("tester")):
        record_many(_pending(org), organisation=org)
    stored = list(Event.objects.filter(chain=f"org:{org.pk}").order_by("seq"))
    assert [e.seq for e in stored] == list(range(1, 10))
    assert [e.prev_hash for e in stored[1:]] == [e.hash for e in stored[:-1]]
    assert all(e.compute_hash() == e.hash and e.organisation_id == org.pk for e in stored)
    head = ChainHead.objects.get(chain=f"org:{org.pk}")
    assert (head.seq, head.head_hash, head.seal_holds()) == (9, stored[-1].hash, True)
    report = verify()
    assert report.ok and {c.chain: c.events for c in report.chains}[f"org:{org.pk}"] == 9
    assert cli("audit", "verify").exit_code == 0


@pytest.mark.django_db
def test_single_records_and_batches_follow_one_another_on_one_chain(cli):
    with acting_as(Actor("tester")):
        record(AuditEvent.CATALOGUE_VERSION_LOADED)
        record_many([Pending(AuditEvent.CATALOGUE_VERSION_LOADED, object_id=str(i)) for i in range(3)])
        record(AuditEvent.CATALOGUE_VERSION_LOADED)
        record_many([Pending(AuditEvent.CATALOGUE_VERSION_LOADED)])
    assert list(Event.objects.filter(chain="system").values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert Event.objects.get(chain="system", seq=1).prev_hash == GENESIS_HASH
    assert verify().ok
    assert cli("audit", "verify").exit_code == 0


@pytest.mark.django_db
def test_a_batch_starts_a_chain_that_has_none():
    events = record_many([Pending(AuditEvent.CATALOGUE_VERSION_LOADED), Pending(AuditEvent.CATALOGUE_VERSION_LOADED)])
    assert [e.seq for e in events] == [1, 2] and events[0].prev_hash == GENESIS_HASH
    head = ChainHead.objects.get(chain="system")
    assert (head.seq, head.head_hash, head.seal) == (2, events[1].hash, head_seal("system", 2, events[1].hash))
    assert verify().ok


@pytest.mark.django_db
def test_an_empty_batch_writes_nothing():
    assert record_many([]) == []
    assert not Event.objects.exists() and not ChainHead.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["after", "reason", "object_id", "action"])
def test_an_event_of_a_batch_altered_afterwards_is_found(field):
    org = _org("org-a")
    events = record_many(_pending(org), organisation=org)
    target = events[3]
    with triggers_off():
        Event.objects.filter(pk=target.pk).update(**{field: {"n": 99} if field == "after" else "rewritten"})
        broken = verify([f"org:{org.pk}"]).chains[0].broken
        assert broken is not None and broken.seq == target.seq
    assert verify().ok


@pytest.mark.django_db
def test_cutting_the_end_of_a_batch_and_winding_the_head_back_is_found():
    org = _org("org-a")
    record_many(_pending(org), organisation=org)
    with triggers_off():
        cut_tail(f"org:{org.pk}", keep=4)
        broken = verify([f"org:{org.pk}"]).chains[0].broken
        assert broken is not None and "the chain head's seal does not match" in broken.problem
    assert verify().ok


@pytest.mark.django_db
def test_a_batch_rolls_back_whole_with_the_change_it_describes():
    org = _org("org-a")
    head = ChainHead.objects.values("seq", "head_hash", "seal").get(chain=f"org:{org.pk}")
    with pytest.raises(RuntimeError), transaction.atomic():
        record_many(_pending(org), organisation=org)
        raise RuntimeError("the change failed")
    assert ChainHead.objects.values("seq", "head_hash", "seal").get(chain=f"org:{org.pk}") == head
    assert Event.objects.filter(chain=f"org:{org.pk}").count() == 1
    record_many(_pending(org), organisation=org)
    assert verify().ok


@pytest.mark.django_db
def test_an_unregistered_name_anywhere_in_a_batch_refuses_it_before_anything_is_written():
    org = _org("org-a")
    heads = list(ChainHead.objects.values_list("chain", "seq", "head_hash", "seal"))
    with pytest.raises(ValueError, match="'made.up.event' is not a registered audit event"):
        record_many([*_pending(org), Pending("made.up.event", org)], organisation=org)
    assert list(ChainHead.objects.values_list("chain", "seq", "head_hash", "seal")) == heads
    assert Event.objects.count() == 1


@pytest.mark.django_db
def test_a_batch_costs_the_same_statements_however_many_events_it_holds():
    org = _org("org-a")
    counts = []
    for n in (2, 150):
        batch = [Pending(AuditEvent.TENANCY_ORGANISATION_CHANGED, org, after={"n": i}) for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            record_many(batch, organisation=org)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts
    assert Event.objects.filter(chain=f"org:{org.pk}").count() == 153 and verify().ok


# --- the head's trigger: forward along the chain, onto events already written ---------------------------


def _move_head(chain: str, seq: int, head_hash: str) -> None:
    with transaction.atomic():
        ChainHead.objects.filter(chain=chain).update(seq=seq, head_hash=head_hash,
                                                     seal=head_seal(chain, seq, head_hash))


def _insert_event(seq: int, prev_hash: str, hash_: str) -> None:
    """An event put straight into the table, as the triggers allow (they guard changes, not inserts)."""
    Event.objects.create(chain="system", seq=seq, occurred_at=dt.datetime.now(dt.UTC), actor_label="x",
                         action=AuditEvent.CATALOGUE_VERSION_LOADED.value, prev_hash=prev_hash,
                         key_id="0" * 16, hash=hash_)


@pytest.mark.django_db
def test_the_head_cannot_move_past_the_events_written():
    events = record_many([Pending(AuditEvent.CATALOGUE_VERSION_LOADED) for _ in range(3)])
    with pytest.raises(DatabaseError, match="append-only"):
        _move_head("system", 5, "f" * 64)  # nothing at 4 or 5
    with pytest.raises(DatabaseError, match="append-only"):
        _move_head("system", 3, events[1].hash)  # not forward
    assert ChainHead.objects.get(chain="system").seq == 3


@pytest.mark.django_db
def test_the_head_cannot_move_onto_an_event_with_another_hash_or_over_a_gap_or_a_broken_link():
    events = record_many([Pending(AuditEvent.CATALOGUE_VERSION_LOADED) for _ in range(2)])
    _insert_event(4, "c" * 64, "d" * 64)  # nothing at 3: a gap
    with pytest.raises(DatabaseError, match="append-only"):
        _move_head("system", 4, "d" * 64)
    _insert_event(3, "a" * 64, "b" * 64)  # the gap filled, but not linked to the head's event
    with pytest.raises(DatabaseError, match="append-only"):
        _move_head("system", 3, "b" * 64)
    with pytest.raises(DatabaseError, match="append-only"):
        _move_head("system", 4, "e" * 64)  # there is an event at 4, but not with this hash
    assert ChainHead.objects.get(chain="system").head_hash == events[-1].hash


@pytest.mark.django_db
def test_the_head_moves_several_events_in_one_statement_onto_events_linked_to_it():
    events = record_many([Pending(AuditEvent.CATALOGUE_VERSION_LOADED)])
    _insert_event(2, events[0].hash, "b" * 64)
    _insert_event(3, "b" * 64, "c" * 64)
    _move_head("system", 3, "c" * 64)
    assert ChainHead.objects.get(chain="system").seq == 3
