"""`field__retention_any=[ids]`: one array parameter on PostgreSQL (`= ANY(%s)`) instead of an IN list.

A purge batch names up to thousands of primary keys in several statements; as an IN list each id is
a placeholder that the driver parses and adapts one by one, which costs more than the statement on the
server. Other databases get the plain IN list.

Wrapped in `IdBatch`, a batch of integer ids is one value to Django (not a list whose every element it
resolves, for each statement) and goes to PostgreSQL as one array literal cast to the column's type (the
driver's adaptation of a 1,000-element list was a fifth of a purge batch's CPU; benchmarks/README.md, P4).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from django.db import models
from django.db.models import Lookup


class IdBatch:
    """A batch of primary keys given to `retention_any` as a single value."""

    def __init__(self, ids: Iterable) -> None:
        self.ids = list(ids)

    def __iter__(self):
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def array_literal(self) -> str | None:
        """`{1,2,3}` when every id is an int (None otherwise: the driver adapts the list)."""
        if all(type(value) is int for value in self.ids):
            return "{" + ",".join(map(str, self.ids)) + "}"
        return None


class AnyOf(Lookup):
    lookup_name = "retention_any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        batch = self.rhs if isinstance(self.rhs, IdBatch) else IdBatch(self.rhs)
        values = batch.ids
        if connection.vendor == "postgresql":
            column_type = self.lhs.output_field.cast_db_type(connection)
            if batch.array_literal is not None and column_type in ("integer", "bigint", "smallint"):
                return f"{lhs} = ANY(%s::{column_type}[])", [*lhs_params, batch.array_literal]
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def register() -> None:
    """Make the lookup available on plain fields and on foreign keys."""
    models.Field.register_lookup(AnyOf)
    models.ForeignObject.register_lookup(AnyOf)
