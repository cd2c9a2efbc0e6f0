"""`field__retention_any=[ids]`: one array parameter on PostgreSQL (`= ANY(%s)`) instead of an IN list.

A purge batch names up to thousands of primary keys in several statements; as an IN list each id is
a placeholder that the driver parses and adapts one by one, which costs more than the statement on the
server. Other databases get the plain IN list.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Lookup


class AnyOf(Lookup):
    lookup_name = "retention_any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def register() -> None:
    """Make the lookup available on plain fields and on foreign keys."""
    models.Field.register_lookup(AnyOf)
    models.ForeignObject.register_lookup(AnyOf)
