"""`ids_in(field, ids)`: a filter on many ids sent as ONE parameter.

`field__in=[...]` makes Django prepare and bind every value (the quarterly roll-up of a
province passes 20,000 unit ids to a dozen queries: about 1.8 s of parameter handling, issue
19). On PostgreSQL this sends `field = ANY(%s::<column type>[])` with the list as one array;
elsewhere it is the same `IN (...)` as `__in`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False  # the ids go to the driver as they are

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            # Typed as the column: an untyped int[] against a bigint column lost the index.
            array = f"{self.lhs.output_field.db_type(connection)}[]"
            return f"{lhs} = ANY(%s::{array})", [*lhs_params, values]
        if not values:
            return "1 = 0", []
        marks = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({marks})", [*lhs_params, *values]


def ids_in(field: str, ids: Iterable[int]) -> AnyOf:
    return AnyOf(F(field), list(ids))
