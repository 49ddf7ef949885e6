"""The search box on SQLite reads the FTS5 index (secassure.web.search_index): it is the index that
is queried, through the door's rows only; the index stays in step with every way a row is written;
whatever a person types is text to match, never a query that fails; the page costs a fixed number of
queries; a SQLite without FTS5 falls back to LIKE.

The world is that of tests/web/test_search.py: every item carries the word "zephyr", in both
organisations."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secassure.assessments.models import ValidationRow
from secassure.catalogue.models import Obligation
from secassure.evidence import actions as evidence
from secassure.evidence.models import Document
from secassure.web import search as searching
from secassure.web import search_index
from tests.web import test_search as shared
from tests.web.test_search import found, texts

# The fixtures of tests/web/test_search.py: its world, and MFA not required.
world, _no_mfa = shared.world, shared._no_mfa

fts5 = pytest.mark.skipif(connection.vendor != "sqlite" or not search_index.available(),
                          reason="the FTS5 index is SQLite's")


def _kind_sql(user, q: str) -> list[str]:
    """The SQL of each kind's query of one search (the first query reads the memberships)."""
    with CaptureQueriesContext(connection) as searched:
        searching.search(user, q)
    assert len(searched) == 1 + len(searching.KINDS)
    return [query["sql"] for query in searched.captured_queries[1:]]


def _indexed(table: str, rowid: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" WHERE rowid = %s', [rowid])
        return cursor.fetchall()


@fts5
def test_each_kind_is_read_through_the_fts5_index(world, alice):
    sql = _kind_sql(alice, "zephyr")
    for kind, text in zip(searching.KINDS, sql, strict=True):
        index = search_index.for_model(kind.rows(searching.Scope.of(alice)).model)
        assert f'"{index.table}" MATCH' in text, kind.key
        assert "highlight(" in text or "snippet(" in text or kind.key == "findings", kind.key
    # No word is matched by scanning the text: LIKE is left only to a reference's prefix.
    documents = sql[[k.key for k in searching.KINDS].index("documents")]
    assert "LIKE" not in documents
    # An assessment row's obligation is matched in the obligations' index, through its foreign key.
    rows = sql[[k.key for k in searching.KINDS].index("rows")]
    assert '"search_row" MATCH' in rows and '"search_obligation" MATCH' in rows
    assert searching.engine_for(connection) is searching.Fts5


@fts5
def test_the_index_is_made_by_the_migrations_and_holds_every_row(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search%%'")
        triggers = {name for (name,) in cursor.fetchall()}
    for index in search_index.INDEXES:
        assert {f"{index.table}_{e}" for e in ("insert", "update", "delete")} <= triggers
    # Nothing to make or refill: the migrations did it, and the receiver after them found it in place.
    assert search_index.install(connection, apps) == []


@fts5
def test_another_organisations_items_never_appear(client, world, alice, mallory, org_b):
    evidence.add_document(org_b, title="Quokka incident runbook", doc_type="procedure", by=None)
    client.force_login(alice)
    assert "documents" not in found(client, "quokka")
    assert "Bravo" not in " ".join(texts(found(client, "zephyr"), kind) for kind in found(client, "zephyr"))
    client.force_login(mallory)
    assert texts(found(client, "quokka"), "documents") == "Quokka incident runbook Bravo Power plc · Procedure"
    shown = found(client, "zephyr")
    assert not re.search(r"Alpha|access control|monitors every|signing keys|alert logs",
                         " ".join(texts(shown, kind) for kind in shown))


@fts5
def test_results_follow_every_kind_of_write(client, world, alice, org_a):
    own = world["own"]
    client.force_login(alice)
    # Saved through the model.
    own.title = "Quokka access control policy"
    own.save()
    assert "Quokka access control policy" in texts(found(client, "quokka"), "documents")
    assert "access control" not in texts(found(client, "zephyr"), "documents")
    # Updated in bulk, where no signal fires.
    Document.objects.filter(pk=own.pk).update(title="Wombat access control policy")
    assert texts(found(client, "quokka"), "documents") == ""
    assert "Wombat access control policy" in texts(found(client, "wombat"), "documents")
    # Created in bulk.
    Document.objects.bulk_create([Document(organisation=org_a, title="Numbat register", doc_type="record")])
    assert "Numbat register" in texts(found(client, "numbat"), "documents")
    # Deleted.
    Document.objects.filter(title="Numbat register").delete()
    assert "documents" not in found(client, "numbat")
    assert _indexed("search_document", own.pk) == [("Wombat access control policy",)]
    # A row's narrative, and the title of its obligation, read from the obligations' index.
    ValidationRow.objects.filter(pk=world["t1"].pk).update(narrative="Platypus watches the gateway")
    assert "Platypus watches" in texts(found(client, "platypus"), "rows")
    assert "Zephyr monitors" not in texts(found(client, "zephyr"), "rows")
    Obligation.objects.filter(ref="T2").update(title="Large echidna suppliers")
    rows = texts(found(client, "echidna suppliers"), "rows")
    assert "T2 Large echidna suppliers" in rows and "T1" not in rows
    assert "T2" in texts(found(client, "echidna"), "obligations")
    assert "T2" not in texts(found(client, "import suppliers"), "rows")


@fts5
def test_a_rolled_back_write_leaves_the_index_as_it_was(client, world, alice):
    from django.db import transaction

    own = world["own"]
    with pytest.raises(RuntimeError), transaction.atomic():
        Document.objects.filter(pk=own.pk).update(title="Quokka")
        raise RuntimeError
    client.force_login(alice)
    assert "documents" not in found(client, "quokka")
    assert "Zephyr access control policy" in texts(found(client, "zephyr"), "documents")


@fts5
def test_a_missing_trigger_is_made_again_and_the_index_refilled(client, world, alice):
    """As after a migration that rebuilt a table on SQLite, which drops the table's triggers."""
    with connection.cursor() as cursor:
        cursor.execute('DROP TRIGGER "search_document_update"')
    Document.objects.filter(pk=world["own"].pk).update(title="Quokka access control policy")
    client.force_login(alice)
    assert "documents" not in found(client, "quokka")  # stale, until the index is installed again
    assert search_index.install(connection, apps) == ["search_document"]
    assert "Quokka access control policy" in texts(found(client, "quokka"), "documents")
    assert search_index.install(connection, apps) == []


@fts5
def test_words_are_stemmed_and_their_forms_highlighted(client, world, alice):
    client.force_login(alice)
    assert "Zephyr access control policy" in texts(found(client, "policies"), "documents")
    assert "Zephyr monitors every gateway" in texts(found(client, "monitoring gateways"), "rows")
    html = client.get("/search/", {"q": "policies"}).content.decode()
    assert "Zephyr access control <mark>policy</mark>" in html
    html = client.get("/search/", {"q": "gateways"}).content.decode()
    assert re.search(r'<p class="search-snippet">[^<]*Zephyr monitors every <mark>gateway</mark>', html)


@fts5
def test_references_with_stops_and_hyphens_are_found(client, world, alice, org_a):
    for title in ("G3.1 gateway controls", "G3.2 key controls", "SSA-01 submission pack", "SSA 02 pack"):
        evidence.add_document(org_a, title=title, doc_type="record", by=None)
    client.force_login(alice)
    assert texts(found(client, "G3.1"), "documents").startswith("G3.1 gateway controls")
    assert len(found(client, "G3.1")["documents"]) == 1
    assert texts(found(client, "SSA-01"), "documents").startswith("SSA-01 submission pack")
    assert len(found(client, "SSA-01")["documents"]) == 1
    assert len(found(client, '"G3.2" or SSA-01')["documents"]) == 2
    assert len(found(client, "zephyr*")["documents"]) == 2


HOSTILE = ['"', '""', '"zephyr', 'zephyr"', 'a"b', "*", "zephyr*", "*zephyr", "(zephyr", "zephyr)", "((", "))",
           "NOT zephyr", "zephyr NOT", "zephyr AND", "AND OR NOT", "or", "-", "--zephyr", "—", "& zephyr",
           "{title}: zephyr", "title:zephyr", "^zephyr", "NEAR(zephyr policy)", "zephyr + policy", ":", "'",
           "G3.1", "SSA-01", "x" * 250, "zephyr -", '-"zephyr" policy', "\\", "%_", "zeph\u0301yr", "日本語"]


@pytest.mark.parametrize("q", HOSTILE)
def test_whatever_is_typed_is_text_to_match_and_never_an_error(client, world, alice, q):
    client.force_login(alice)
    assert client.get("/search/", {"q": q}).status_code == 200
    searching.search(alice, q)


@fts5
def test_operators_typed_are_words_not_syntax(client, world, alice, org_a):
    evidence.add_document(org_a, title="Escalate NOT silently", doc_type="record", by=None)
    client.force_login(alice)
    assert "Escalate NOT silently" in texts(found(client, "not"), "documents")
    assert "Zephyr access control policy" in texts(found(client, "(zephyr policy)"), "documents")
    # A word with no letter or digit is no word: what else was typed is still searched.
    assert "Zephyr access control policy" in texts(found(client, "zephyr & — policy"), "documents")


@fts5
def test_the_search_page_costs_a_pinned_number_of_queries(client, world, alice):
    client.force_login(alice)
    client.get("/search/", {"q": "zephyr"})  # the first request of a session writes it
    with CaptureQueriesContext(connection) as page:
        assert client.get("/search/", {"q": "zephyr"}).status_code == 200
    # The session, the user, then the search: the memberships and one query per kind.
    searched = [q["sql"] for q in page.captured_queries if " MATCH " in q["sql"]]
    assert len(searched) == len(searching.KINDS)
    assert len(page) == 2 + 1 + len(searching.KINDS) == 10, "\n".join(q["sql"][:90] for q in page.captured_queries)


def test_without_fts5_the_search_falls_back_to_like(client, world, alice, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("the fallback is SQLite's")
    monkeypatch.setattr(search_index, "available", lambda: False)
    assert searching.engine_for(connection) is searching.Like
    sql = _kind_sql(alice, "zephyr")
    assert all("MATCH" not in text for text in sql) and "LIKE" in sql[1]
    client.force_login(alice)
    hits = found(client, "zephyr")
    assert "Zephyr access control policy" in texts(hits, "documents")
    assert "Bravo" not in " ".join(texts(hits, kind) for kind in hits)
    for q in HOSTILE:
        assert client.get("/search/", {"q": q}).status_code == 200, q
