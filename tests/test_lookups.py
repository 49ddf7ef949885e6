"""``__any`` (secassure.lookups): on every database the same rows as ``__in``; on PostgreSQL a list
of whole numbers is one array parameter, so one statement serves every length of list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secassure.tenancy.models import Membership, Organisation

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL binds an array")


@pytest.fixture
def members(alice, bob, carol, mallory):
    return {"alice": alice, "bob": bob, "carol": carol, "mallory": mallory}


def _same(model, field: str, value) -> list:
    """The keys ``field__any=value`` finds, having checked that ``field__in`` finds the same."""
    found = sorted(model.objects.filter(**{f"{field}__any": value}).values_list("pk", flat=True))
    assert found == sorted(model.objects.filter(**{f"{field}__in": value}).values_list("pk", flat=True))
    return found


def test_any_finds_what_in_finds(members, org_a, org_b):
    people = [members["alice"].pk, members["mallory"].pk]
    assert len(_same(Membership, "user_id", people)) == 2
    assert len(_same(Membership, "user", people)) == 2  # the relation itself
    assert len(_same(Membership, "user", [members["alice"], members["bob"]])) == 2  # objects, as __in takes
    assert _same(Organisation, "pk", [org_b.pk, None, org_b.pk]) == [org_b.pk]  # NULL and repeats
    assert _same(Organisation, "pk", {org_a.pk, org_b.pk}) == sorted([org_a.pk, org_b.pk])  # a set
    assert _same(Organisation, "pk", [10 ** 15]) == []  # beyond integer, within bigint
    assert _same(Organisation, "slug", ["org-a", "no-such"]) == [org_a.pk]  # text keeps IN
    mine = Organisation.objects.filter(slug="org-b").values("pk")
    assert _same(Membership, "organisation", mine) == [m.pk for m in Membership.objects.filter(organisation=org_b)]


def test_an_empty_list_matches_nothing_without_a_query(org_a):
    with CaptureQueriesContext(connection) as queries:
        assert list(Organisation.objects.filter(pk__any=[])) == []
        assert list(Organisation.objects.filter(pk__any=[None])) == []
    assert len(queries) == 0


@on_postgresql
def test_whole_numbers_are_one_array_and_anything_else_stays_in(org_a):
    def written(**lookup) -> tuple[str, tuple]:
        return Organisation.objects.filter(**lookup).values("pk").query.sql_with_params()

    sql, params = written(pk__any=[3, 1, 2])
    assert '"tenancy_organisation"."id" = ANY(%s::bigint[])' in sql and params == ([3, 1, 2],)
    assert written(pk__any=list(range(40)))[0] == sql  # one statement whatever the length
    assert written(pk__any=[3, None, 3]) == (sql, ([3],))  # NULL matches nothing; a repeat once
    sql, params = written(memberships__user__any=[7])
    assert '"tenancy_membership"."user_id" = ANY(%s::bigint[])' in sql and params == ([7],)
    for other in ({"slug__any": ["org-a", "org-b"]}, {"pk__any": Organisation.objects.values("pk")},
                  {"pk__any": [Value(1), 2]}, {"created_at__any": [timezone.now()]}):
        assert " IN (" in written(**other)[0] and "ANY" not in written(**other)[0], other


@on_postgresql
def test_on_postgresql_every_length_of_list_is_one_prepared_statement(members, org_a):
    """With parameters bound on the server, each statement run twice is prepared on the connection:
    ``__in`` makes one for each length of list, ``__any`` one for all (the server's own list)."""
    if not connection.settings_dict["OPTIONS"].get("server_side_binding"):
        pytest.skip("parameters are bound on the client (SECASSURE_DB_PREPARED off)")
    keys = [m.pk for m in members.values()]

    def prepared(marker: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                           [f"%{marker}%"])
            return cursor.fetchone()[0]

    for lookup in ("in", "any"):
        for n in (1, 2, 3, 4):
            for _ in range(3):
                found = Membership.objects.filter(**{f"user_id__{lookup}": keys[:n]}).values(lookups_probe=F("pk"))
                assert len(list(found)) == n
    # Statements of this test's alone: no other query names a column lookups_probe.
    assert prepared('"lookups_probe"%"tenancy_membership"."user_id" IN (') == 4
    assert prepared('"lookups_probe"%"tenancy_membership"."user_id" = ANY(') == 1
