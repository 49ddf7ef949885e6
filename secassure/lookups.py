"""``__any``: Django's ``__in`` for a list of whole numbers, sent to PostgreSQL as one array.

Django writes ``row_id__in=[...]`` as ``IN (%s, %s, ...)``, one parameter a value, so each length of
list is a statement of its own, and PostgreSQL may plan it afresh on every run: for the evidence
linked to a page of rows, 40 parameters of unknown value kept it from settling on one plan, and
planning cost it more than running the query. ``row_id__any=[...]`` is written on PostgreSQL as
``row_id = ANY(%s::bigint[])``, the list one array parameter: one statement whatever the length,
which the server plans once and keeps, and no list too long for the protocol's 65,535 parameters.

Opted into a query at a time, not put in the place of ``__in`` everywhere: the same change made
the query of the documents a page's rows cite (it holds several sub-queries) plan on every run
instead, since its plan for an array of unknown length looked dearer to the server than one for
the array it was given. Known to whole-number fields and to relations only (elsewhere it is no
lookup at all, so that a misuse fails at once). On other databases, and for anything but a list of
whole numbers within ``bigint`` (a sub-query, a list holding an expression, a composite key),
``__any`` is ``__in`` exactly. Every value goes as a ``bigint``, so that small keys and large ones
make one statement too, and PostgreSQL compares a ``smallint`` or ``integer`` column with it
through the column's index as well as with one of its own type."""

from __future__ import annotations

from django.db.models import ForeignObject, IntegerField
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In
from django.utils.datastructures import OrderedSet

BIGINT_MIN, BIGINT_MAX = -(1 << 63), (1 << 63) - 1


class _AsArray:
    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        written = self._as_array(compiler, connection)
        return self.as_sql(compiler, connection) if written is None else written

    def _as_array(self, compiler, connection):
        """``lhs = ANY(%s::bigint[])`` with the values as one list, or None to write ``IN``."""
        if not self.rhs_is_direct_value() or isinstance(self.lhs, (ColPairs, tuple)):
            return None
        try:
            values = OrderedSet(self.rhs)
        except TypeError:  # an unhashable value
            return None
        values.discard(None)  # NULL equals nothing, in a list as in Django's IN
        if not values:
            return None  # as IN: an empty list matches nothing, and runs no query
        sqls, params = self.batch_process_rhs(compiler, connection, values)
        if len(params) != len(sqls) or any(sql != "%s" for sql in sqls) or not all(map(_bigint, params)):
            return None
        from psycopg.types.numeric import Int8

        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, [Int8(p) for p in params])


def _bigint(value) -> bool:
    """Whether a value is a whole number a bigint holds (Django's own may come as psycopg's Int4)."""
    return isinstance(value, int) and not isinstance(value, bool) and BIGINT_MIN <= value <= BIGINT_MAX


class AnyOf(_AsArray, In):
    pass


class RelatedAnyOf(_AsArray, RelatedIn):
    pass


def register() -> None:
    """Make ``__any`` known to whole-number fields (keys among them) and to relations; called by
    each app that uses it, as it loads (a second call changes nothing)."""
    IntegerField.register_lookup(AnyOf)
    ForeignObject.register_lookup(RelatedAnyOf)
