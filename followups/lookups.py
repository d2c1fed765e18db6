"""`field__any=[...]`: membership in a list passed as ONE array parameter.

The queue filters leads by the few hundred time zones open right now. As
IN (%s, %s, ...) that is hundreds of parameters to bind and a new statement to
plan on every claim; `= ANY(%s)` with one array is one parameter and one plan.
Other databases get the plain IN list.
"""

from django.db.models import CharField, Lookup


@CharField.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [str(value) for value in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::text[])", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]
