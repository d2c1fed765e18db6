"""`field__any=[...]`: membership in a list passed as ONE array parameter.

As IN (%s, %s, ...) a list of thousands is thousands of parameters to bind:
for an import batch's 2,000 emails psycopg spends some 8 ms splitting the
statement alone, and every length is a new statement to plan. `= ANY(%s)`
with one array is one parameter and one plan: the queue filters leads by the
time zones open right now, and the import engine matches each batch's emails
and phones with it. Other databases get the plain IN list.
"""

from django.db.models import CharField, ForeignKey, IntegerField, Lookup, TextField

from crm.folding import SQL_FUNCTION


class _AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False
    array_type = ""  # the PostgreSQL array type the values are sent as
    convert = staticmethod(str)
    array = staticmethod(list)  # how the values are sent (psycopg dumps a list)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [self.convert(value) for value in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::{self.array_type})", [*lhs_params, self.array(values)]
        if not values:
            return "1 = 0", list(lhs_params)
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]


@CharField.register_lookup
class TextAnyOf(_AnyOf):
    array_type = "text[]"


@IntegerField.register_lookup  # ids too: BigAutoField is one
@ForeignKey.register_lookup
class NumberAnyOf(_AnyOf):
    array_type = "bigint[]"
    convert = staticmethod(int)

    @staticmethod
    def array(values: list[int]) -> str:
        """The ids as one array literal, joined in C: psycopg dumps a list element
        by element in Python (an import's batch has thousands)."""
        return "{" + ",".join(map(str, values)) + "}"


@CharField.register_lookup
@TextField.register_lookup
class FoldedContains(Lookup):
    """`field__folded_contains=word`: the field contains the word, whatever their
    accents and case (crm.folding). Both sides go through crm_fold, the word as a
    constant the planner folds once, so the trigram index on crm_fold(field)
    serves it; LIKE's wildcards in the word are plain characters."""

    lookup_name = "folded_contains"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        word = str(self.rhs).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        escape = " ESCAPE '\\'" if connection.vendor == "sqlite" else ""
        sql = f"{SQL_FUNCTION}({lhs}) LIKE '%%' || {SQL_FUNCTION}(%s) || '%%'{escape}"
        return sql, [*lhs_params, word]
