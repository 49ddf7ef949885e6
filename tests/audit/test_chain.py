"""The audit log: append-only on both databases, hash-chained, and any single altered field found."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secassure.audit.actions import record
from secassure.audit.context import Actor, acting_as
from secassure.audit.events import AuditEvent
from secassure.audit.models import GENESIS_HASH, ChainHead, Event
from secassure.audit.verify import verify
from secassure.tenancy.models import Organisation
from tests.audit.tampering import triggers_off


def _some_events(n_system=4, n_org=3):
    org = Organisation.objects.create(name="Org A", slug="org-a")
    with acting_as(Actor("tester"), request_id="req-1"):
        for i in range(n_system):
            record(AuditEvent.CATALOGUE_VERSION_LOADED, object_type="thing", object_id=str(i),
                   after={"i": i, "name": f"é{i}"})
        for i in range(n_org):
            record(AuditEvent.TENANCY_ORGANISATION_CHANGED, org, organisation=org, before={"n": i}, after={"n": i + 1},
                   reason="because")
    return org


@pytest.mark.django_db
def test_events_chain_per_organisation_and_verify_clean():
    org = _some_events()
    system = list(Event.objects.filter(chain="system").order_by("seq"))
    assert [e.seq for e in system] == [1, 2, 3, 4]
    assert system[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(system, system[1:], strict=False))
    org_events = Event.objects.filter(chain=f"org:{org.pk}")
    assert org_events.count() == 3 and all(e.organisation_id == org.pk for e in org_events)
    assert org_events.first().request_id == "req-1" and org_events.first().actor_label == "tester"
    report = verify()
    assert report.ok
    assert {c.chain: c.events for c in report.chains} == {"system": 4, f"org:{org.pk}": 3}
    assert ChainHead.objects.get(chain="system").head_hash == system[-1].hash


@pytest.mark.django_db
def test_an_event_rolls_back_with_the_change_it_describes():
    with pytest.raises(RuntimeError), transaction.atomic():
        record(AuditEvent.CATALOGUE_VERSION_LOADED)
        raise RuntimeError("the change failed")
    assert Event.objects.count() == 0
    record(AuditEvent.CATALOGUE_VERSION_LOADED)
    assert Event.objects.get().seq == 1 and verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize("sql", [
    "UPDATE audit_event SET action = 'rewritten'",
    "UPDATE audit_event SET reason = 'x' WHERE seq = 1",
    "DELETE FROM audit_event",
    "DELETE FROM audit_event WHERE seq = 2",
])
def test_update_and_delete_are_refused_by_the_database(sql):
    _some_events()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    assert Event.objects.filter(action="rewritten").count() == 0
    assert Event.objects.count() == 7


@pytest.mark.django_db
def test_the_orm_cannot_update_or_delete_either():
    _some_events()
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(seq=1).update(reason="edited")
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.all().delete()
    event = Event.objects.first()
    event.reason = "edited"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    assert not Event.objects.filter(reason="edited").exists()


@pytest.mark.django_db
def test_truncate_is_refused_on_postgresql():
    if connection.vendor != "postgresql":
        # SQLite has no TRUNCATE statement: DELETE without WHERE is covered above.
        assert connection.vendor == "sqlite"
        return
    _some_events()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE audit_event CASCADE")
    assert Event.objects.count() == 7


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                min_size=1, max_size=20)
_hex64 = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
ALTERATIONS = {
    "action": _text,
    "actor_label": _text,
    "object_type": _text,
    "object_id": _text,
    "object_repr": _text,
    "reason": _text,
    "request_id": _text,
    "after": st.dictionaries(_text, st.integers(-1000, 1000) | _text, min_size=1, max_size=3),
    "before": st.dictionaries(_text, st.booleans(), min_size=1, max_size=2),
    "occurred_at": st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                                timezones=st.just(dt.UTC)),
    "prev_hash": _hex64,
    "hash": _hex64,
    "seq": st.integers(100, 10**9),
    "key_id": st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
    # Moved to a chain with no event at that position, so the database's own constraints hold.
    "chain": st.sampled_from(["org:999", "org:1x", "elsewhere"]),
    # Pointed at a real person or organisation (foreign keys hold), or at nobody.
    "actor_id": st.sampled_from(["other-user", None]),
    "organisation_id": st.sampled_from(["other-org", None]),
}


def _tamper_fixtures():
    from django.contrib.auth import get_user_model

    _some_events()
    other_org = Organisation.objects.create(name="Org B", slug="org-b")
    record(AuditEvent.TENANCY_ORGANISATION_CHANGED, other_org, organisation=other_org)
    other_user = get_user_model().objects.create_user("someone@x.test", "someone@x.test", "a long password here")
    return {"other-user": other_user.pk, "other-org": other_org.pk}


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(sorted(ALTERATIONS)), data=st.data())
def test_verify_finds_any_single_altered_field(field, data):
    if not Event.objects.exists():
        _tamper_fixtures()
    ids = {"other-user": Event._meta.get_field("actor").related_model.objects.get(username="someone@x.test").pk,
           "other-org": Organisation.objects.get(slug="org-b").pk}
    events = list(Event.objects.order_by("chain", "seq"))
    target = data.draw(st.sampled_from(events), label="event")
    value = data.draw(ALTERATIONS[field], label="value")
    value = ids.get(value, value) if isinstance(value, str) and field.endswith("_id") else value
    current = getattr(target, field)
    if isinstance(current, dt.datetime):
        current = current.replace(microsecond=current.microsecond)
    if value == current:
        return
    with triggers_off():
        Event.objects.filter(pk=target.pk).update(**{field: value})
        report = verify()
        assert not report.ok
        broken = next(c for c in report.chains if c.chain == target.chain)
        assert broken.broken is not None and broken.broken.seq == target.seq
    assert verify().ok  # the savepoint rolled the tampering back


@pytest.mark.django_db
def test_deleting_an_event_in_the_middle_or_at_the_end_is_found():
    _some_events()
    with triggers_off():
        Event.objects.filter(chain="system", seq=2).delete()
        broken = verify(["system"]).chains[0].broken
        assert broken.seq == 2 and "event #2 is missing or renumbered" in broken.problem
    with triggers_off():
        Event.objects.filter(chain="system", seq=4).delete()
        broken = verify(["system"]).chains[0].broken
        assert "missing at the end" in broken.problem


@pytest.mark.django_db
def test_verify_command_exit_codes_and_org_filter(cli):
    org = _some_events()
    ok = cli("audit", "verify", "--json")
    assert ok.exit_code == 0 and ok.json()["ok"] is True
    only = cli("audit", "verify", "--org", org.slug, "--json").json()
    assert [c["chain"] for c in only["chains"]] == [f"org:{org.pk}"]
    assert cli("audit", "verify", "--org", "nobody").exit_code == 1
    with triggers_off():
        Event.objects.filter(chain=f"org:{org.pk}", seq=2).update(reason="softened")
        bad = cli("audit", "verify")
        assert bad.exit_code == 1
        assert f"BROKEN org:{org.pk}: at event #2" in bad.stdout
        assert "content does not match its hash" in bad.stdout


@pytest.mark.django_db
def test_re_sealing_a_rewritten_event_without_the_audit_key_is_found():
    """Someone with the database but not the audit key rewrites an event and recomputes every
    later hash with plain sha256, as a forger would; verify still names the event."""
    import hashlib

    from secassure.audit.models import canonical_json

    _some_events()
    with triggers_off():
        events = list(Event.objects.filter(chain="system").order_by("seq"))
        prev = events[1].prev_hash
        for event in events[1:]:
            if event.seq == 2:
                event.reason = "nothing happened here"
            event.prev_hash = prev
            event.hash = hashlib.sha256(canonical_json(event.hashed_fields()).encode()).hexdigest()
            Event.objects.filter(pk=event.pk).update(reason=event.reason, prev_hash=event.prev_hash, hash=event.hash)
            prev = event.hash
        ChainHead.objects.filter(chain="system").update(head_hash=prev)
        broken = verify(["system"]).chains[0].broken
        assert broken is not None and broken.seq == 2


@pytest.mark.django_db
def test_chain_heads_cannot_be_deleted_or_wound_back():
    _some_events()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ChainHead.objects.filter(chain="system").delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ChainHead.objects.filter(chain="system").update(seq=2)
    assert ChainHead.objects.get(chain="system").seq == 4


@pytest.mark.django_db
def test_cutting_the_tail_and_the_head_together_is_found():
    _some_events()
    with triggers_off():
        Event.objects.filter(chain="system", seq=4).delete()
        ChainHead.objects.filter(chain="system").delete()
        broken = verify(["system"]).chains[0].broken
        assert broken is not None and "chain head is missing" in broken.problem


@pytest.mark.django_db
def test_removing_an_organisations_whole_chain_is_found():
    org = _some_events()
    with triggers_off():
        Event.objects.filter(chain=f"org:{org.pk}").delete()
        ChainHead.objects.filter(chain=f"org:{org.pk}").delete()
        report = verify()
        broken = next(c for c in report.chains if c.chain == f"org:{org.pk}")
        assert broken.broken is not None and "no audit events" in broken.broken.problem


@pytest.mark.django_db
def test_values_the_database_would_rewrite_still_verify():
    """PostgreSQL's JSON type rewrites some numbers and refuses NUL; the seal must survive both."""
    record(AuditEvent.PROFILE_RULES_LOADED,
           after={"big": 1e20, "neg": -0.0, "third": 1 / 3, "nul": "a\x00b", "n": 10**30},
           reason="with a \x00 inside")
    event = Event.objects.get(action=AuditEvent.PROFILE_RULES_LOADED)
    assert event.after["big"] == "1e+20" and event.after["n"] == 10**30
    assert verify().ok


@pytest.mark.django_db
def test_another_audit_key_is_named_as_such(settings):
    _some_events()
    settings.SECASSURE_AUDIT_KEY = "a-different-key-that-is-long-enough-to-use-0123456789"
    broken = verify(["system"]).chains[0].broken
    assert broken is not None and "sealed with another audit key" in broken.problem
