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
the array it was given. On other databases, and for anything but a plain list of whole numbers (a
sub-query, a list holding text, a date or an expression, a pair of columns), ``__any`` is ``__in``
exactly. ``bigint`` holds every value a whole-number column can, and PostgreSQL compares a
``smallint`` or ``integer`` column with it through the column's index as well as with one of its
own type."""

from __future__ import annotations

from django.db.models import Field, ForeignObject
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In
from django.utils.datastructures import OrderedSet


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
        if len(params) != len(sqls) or any(sql != "%s" for sql in sqls) or any(type(p) is not int for p in params):
            return None
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, list(params))


class AnyOf(_AsArray, In):
    pass


class RelatedAnyOf(_AsArray, RelatedIn):
    pass


def register() -> None:
    """Make ``__any`` known to every field and every relation (called once, as the apps load)."""
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(RelatedAnyOf)
