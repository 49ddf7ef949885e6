"""Anchors: a signed checkpoint kept outside the database catches what the log alone cannot."""

import hashlib
import json

import pytest
from django.db import connection

from secassure.audit.actions import record
from secassure.audit.anchor import SIGNATURE_MISMATCH, AnchorRefused, check_anchor, make_anchor
from secassure.audit.context import Actor, acting_as
from secassure.audit.events import AuditEvent
from secassure.audit.models import ChainHead, Event, audit_key_id, canonical_json, keyed_digest
from secassure.audit.verify import verify
from secassure.tenancy.models import Organisation
from tests.audit.tampering import cut_tail, triggers_off


def _events(org=None, n=4):
    with acting_as(Actor("tester")):
        for i in range(n):
            if org is None:
                record(AuditEvent.CATALOGUE_VERSION_LOADED, object_type="thing", object_id=str(i), after={"i": i})
            else:
                record(AuditEvent.TENANCY_ORGANISATION_CHANGED, org, organisation=org, after={"n": i})


@pytest.fixture
def org(db):
    org = Organisation.objects.create(name="Org A", slug="org-a")
    _events(org, 3)
    _events(None, 4)
    return org


@pytest.fixture
def anchored(org, cli, tmp_path):
    path = tmp_path / "anchor.json"
    made = cli("audit", "anchor", "-o", path)
    assert made.exit_code == 0, made.stderr
    assert "outside the database and its backups" in made.stderr
    return path


def test_the_anchor_names_each_chain_its_position_and_hash_and_says_where_to_keep_it(org, cli):
    printed = cli("audit", "anchor")
    assert printed.exit_code == 0
    anchor = printed.json()
    assert anchor["key_id"] == audit_key_id() and "outside the database and its backups" in anchor["keep"]
    system = Event.objects.get(chain="system", seq=4)
    assert {c["chain"]: (c["name"], c["seq"], c["hash"]) for c in anchor["chains"]} == {
        "system": ("system", 4, system.hash),
        f"org:{org.pk}": ("Org A", 3, Event.objects.get(chain=f"org:{org.pk}", seq=3).hash),
    }
    assert len(anchor["signature"]) == 64 and check_anchor(anchor).ok


def test_the_log_still_holding_its_anchored_events_verifies(org, anchored, cli):
    _events(None, 2)  # the log goes on after the anchor
    result = cli("audit", "verify", "--anchor", anchored, "--json")
    assert result.exit_code == 0, result.stdout
    data = result.json()
    assert data["ok"] is True and data["anchor"]["ok"] is True and data["anchor"]["chains"] == 2
    assert data["anchor"]["signature"].startswith("valid") and {c["chain"] for c in data["chains"]} >= {"system"}
    assert "signature valid, 2 chains still hold their anchored events" in cli("audit", "verify", "--anchor",
                                                                              anchored).stdout


def test_an_old_head_put_back_over_a_cut_tail_passes_the_seal_but_not_the_anchor(org, cli, tmp_path):
    """A head copied from a backup carries a genuine seal: only the anchor shows what was cut."""
    backup = ChainHead.objects.filter(chain="system").values("seq", "head_hash", "seal").get()
    _events(None, 2)
    path = tmp_path / "anchor.json"
    path.write_text(json.dumps(make_anchor()), encoding="utf-8")
    with triggers_off():
        cut_tail("system", keep=backup["seq"])
        ChainHead.objects.filter(chain="system").update(seal=backup["seal"])
        assert verify().ok  # every link and the head's seal are genuine
        result = cli("audit", "verify", "--anchor", path)
        assert result.exit_code == 1
        assert "ANCHOR system: event #6, anchored at" in result.stdout and "is missing" in result.stdout
        problems = cli("audit", "verify", "--anchor", path, "--json").json()["anchor"]["problems"]
        assert [(p["chain"], p["seq"]) for p in problems] == [("system", 6)]


def test_deleting_the_newest_events_is_caught_by_the_seal_and_by_an_earlier_anchor(org, anchored, cli):
    with triggers_off():
        cut_tail(f"org:{org.pk}", keep=1)
        result = cli("audit", "verify", "--anchor", anchored)
        assert result.exit_code == 1
        assert f"ANCHOR org:{org.pk} (Org A): event #3" in result.stdout
        assert f"BROKEN org:{org.pk}: at event #1: the chain head's seal does not match" in result.stdout


def test_an_event_rewritten_before_the_anchor_is_caught(org, anchored, cli):
    """The forger rewrites event 2 and re-chains every later one with a plain hash, head and all:
    the anchored event's hash is no longer what was anchored."""
    with triggers_off():
        prev = Event.objects.get(chain="system", seq=1).hash
        for event in Event.objects.filter(chain="system", seq__gte=2).order_by("seq"):
            if event.seq == 2:
                event.reason = "nothing happened here"
            event.prev_hash = prev
            event.hash = hashlib.sha256(canonical_json(event.hashed_fields()).encode()).hexdigest()
            Event.objects.filter(pk=event.pk).update(reason=event.reason, prev_hash=prev, hash=event.hash)
            prev = event.hash
        ChainHead.objects.filter(chain="system").update(head_hash=prev)
        result = cli("audit", "verify", "--anchor", anchored, "--json")
        assert result.exit_code == 1
        problems = result.json()["anchor"]["problems"]
        assert [(p["chain"], p["seq"]) for p in problems] == [("system", 4)]
        assert "no longer has the hash anchored" in problems[0]["problem"]
        assert next(c for c in result.json()["chains"] if c["chain"] == "system")["broken"]["seq"] == 2


@pytest.mark.parametrize("change", ["seq", "hash", "chain dropped", "made_at", "signature"])
def test_a_changed_anchor_is_refused(org, anchored, cli, change):
    anchor = json.loads(anchored.read_text(encoding="utf-8"))
    if change == "seq":
        anchor["chains"][0]["seq"] -= 1
    elif change == "hash":
        anchor["chains"][0]["hash"] = Event.objects.get(chain=anchor["chains"][0]["chain"], seq=1).hash
    elif change == "chain dropped":
        anchor["chains"].pop()
    elif change == "made_at":
        anchor["made_at"] = "2020-01-01T00:00:00+00:00"
    else:
        anchor["signature"] = "0" * 64
    anchored.write_text(json.dumps(anchor), encoding="utf-8")
    result = cli("audit", "verify", "--anchor", anchored)
    assert result.exit_code == 1 and f"ANCHOR {SIGNATURE_MISMATCH}" in result.stdout
    data = cli("audit", "verify", "--anchor", anchored, "--json").json()
    assert data["ok"] is False and data["anchor"]["signature"] == "not valid"
    assert data["anchor"]["chains"] == 0  # nothing in a refused anchor is trusted, so nothing is checked


def test_an_anchor_made_with_another_key_is_refused(org, cli, settings, tmp_path):
    """Signed, as another installation (or someone guessing at the key) would sign it, over positions
    this log does hold: the signature alone refuses it."""
    anchor = make_anchor()
    assert check_anchor(anchor).ok
    real = settings.SECASSURE_AUDIT_KEY
    settings.SECASSURE_AUDIT_KEY = "another-key-long-enough-to-be-accepted-0123456789"
    anchor["key_id"] = audit_key_id()
    anchor["signature"] = keyed_digest("anchor", {k: v for k, v in anchor.items() if k != "signature"})
    settings.SECASSURE_AUDIT_KEY = real
    path = tmp_path / "theirs.json"
    path.write_text(json.dumps(anchor), encoding="utf-8")
    result = cli("audit", "verify", "--anchor", path)
    assert result.exit_code == 1 and SIGNATURE_MISMATCH in result.stdout
    assert f"this installation's is {audit_key_id()}" in result.stdout


@pytest.mark.parametrize("content", ["not json", "[]", '{"chains": []}'])
def test_a_file_that_is_not_an_anchor_is_refused(org, cli, tmp_path, content):
    path = tmp_path / "other.json"
    path.write_text(content, encoding="utf-8")
    result = cli("audit", "verify", "--anchor", path)
    assert result.exit_code == 1 and "not a secassure audit anchor" in result.stdout


def test_no_anchor_is_made_over_a_head_that_does_not_hold(org, cli):
    with triggers_off():
        cut_tail("system", keep=2)
        with pytest.raises(AnchorRefused, match="seal does not match"):
            make_anchor()
        refused = cli("audit", "anchor")
        assert refused.exit_code == 1 and "no anchor made: system" in refused.stderr and refused.stdout == ""


def test_an_anchor_and_the_org_filter(org, anchored, cli):
    with triggers_off():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_event WHERE chain = 'system' AND seq = 4")
        only = cli("audit", "verify", "--org", org.slug, "--anchor", anchored, "--json")
        assert only.exit_code == 0 and only.json()["anchor"]["problems"] == []
        assert cli("audit", "verify", "--anchor", anchored).exit_code == 1
