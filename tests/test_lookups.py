"""``__any`` (secassure.lookups): on every database the same rows as ``__in``; on PostgreSQL a list
of whole numbers is one array parameter, so one statement serves every length of list."""

from __future__ import annotations

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext

from secassure.tenancy.models import Membership, Organisation

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL binds an array")


@pytest.fixture
def members(alice, bob, carol, mallory):
    return {"alice": alice, "bob": bob, "carol": carol, "mallory": mallory}


def _same(model, field: str, value) -> list:
    """The keys ``field__any=value`` finds, having checked that ``field__in`` finds the same, and
    that excluding them leaves the same as excluding with ``__in``."""
    def keys(queryset) -> list:
        return sorted(queryset.values_list("pk", flat=True))

    found = keys(model.objects.filter(**{f"{field}__any": value}))
    assert found == keys(model.objects.filter(**{f"{field}__in": value}))
    left = keys(model.objects.exclude(**{f"{field}__any": value}))
    assert left == keys(model.objects.exclude(**{f"{field}__in": value}))
    return found


def test_any_finds_what_in_finds(members, org_a, org_b):
    people = [members["alice"].pk, members["mallory"].pk]
    assert len(_same(Membership, "user_id", people)) == 2
    assert len(_same(Membership, "user", people)) == 2  # the relation itself
    assert len(_same(Membership, "user", [members["alice"], members["bob"]])) == 2  # objects, as __in takes
    assert _same(Organisation, "pk", [org_b.pk, None, org_b.pk]) == [org_b.pk]  # NULL and repeats
    assert _same(Organisation, "pk", {org_a.pk, org_b.pk}) == sorted([org_a.pk, org_b.pk])  # a set
    assert _same(Organisation, "pk", [10 ** 15, -1]) == []  # beyond integer, within bigint; below nought
    org_a.material_risk_threshold, org_b.material_risk_threshold = 3, 7
    Organisation.objects.bulk_update([org_a, org_b], ["material_risk_threshold"])
    assert _same(Organisation, "material_risk_threshold", [7, 9]) == [org_b.pk]  # not a key: Django's Int2
    mine = Organisation.objects.filter(slug="org-b").values("pk")
    assert _same(Membership, "organisation", mine) == [m.pk for m in Membership.objects.filter(organisation=org_b)]


def test_any_is_a_lookup_of_whole_numbers_and_relations_only(org_a):
    for lookup in ({"slug__any": ["org-a"]}, {"created_at__any": [org_a.created_at]}):
        with pytest.raises(FieldError, match="Unsupported lookup 'any'"):
            list(Organisation.objects.filter(**lookup))


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
    assert " = ANY(" in written(material_risk_threshold__any=[7])[0]  # Django's Int2 is a whole number too
    for other in ({"pk__any": Organisation.objects.values("pk")}, {"pk__any": [Value(1), 2]},
                  {"pk__any": [1 << 63]}):  # beyond bigint: IN, which finds nothing, where a cast would fail
        assert " IN (" in written(**other)[0] and "ANY" not in written(**other)[0], other
    assert list(Organisation.objects.filter(pk__any=[1 << 63, org_a.pk])) == [org_a]


@on_postgresql
def test_on_postgresql_every_length_of_list_is_one_prepared_statement(members, org_a):
    """With parameters bound on the server, each statement run often enough is prepared on the
    connection: ``__in`` makes one for each length of list, ``__any`` one for every length and every
    size of number (the server's own list)."""
    options = connection.settings_dict["OPTIONS"]
    threshold = options.get("prepare_threshold", 5)  # psycopg's own when none is set
    if not options.get("server_side_binding") or threshold is None:
        pytest.skip("this database's statements are not prepared (SECASSURE_DB_PREPARED off)")
    keys = [m.pk for m in members.values()]

    def prepared(marker: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                           [f"%{marker}%"])
            return cursor.fetchone()[0]

    for lookup in ("in", "any"):
        for given in (keys[:1], keys[:2], keys[:3], [*keys[:3], 40_000], [*keys[:1], 1 << 40]):
            for _ in range(threshold + 1):
                found = Membership.objects.filter(**{f"user_id__{lookup}": given}).values(lookups_probe=F("pk"))
                assert len(list(found)) == len(set(given) & set(keys))
    # Statements of this test's alone: no other query names a column lookups_probe.
    # the lengths 1 to 4, and 2 again holding a number too large for an integer
    assert prepared('"lookups_probe"%"tenancy_membership"."user_id" IN (') == 5
    assert prepared('"lookups_probe"%"tenancy_membership"."user_id" = ANY(') == 1
