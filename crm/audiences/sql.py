"""Small SQL expressions the audience rules need and the ORM lacks: a glob on a
text column, a number read safely out of a JSON field, and "this product is on
the purchase". Each compiles for PostgreSQL and SQLite."""

from django.db.models import BooleanField, DecimalField, F, Func, Value
from django.db.models.fields.json import KeyTextTransform


def like_pattern(glob: str) -> str:
    """A glob ("/pricing*", "*white paper*"; ? is one character) as a LIKE pattern."""
    special = {"*": "%", "?": "_", "%": "\\%", "_": "\\_", "\\": "\\\\"}
    return "".join(special.get(char, char) for char in glob)


class GlobMatch(Func):
    """The text matches the glob, ignoring case."""

    output_field = BooleanField()

    def __init__(self, text, glob: str):
        super().__init__(text, Value(like_pattern(glob)))

    def as_sql(self, compiler, connection, **extra):
        text_sql, text_params = compiler.compile(self.source_expressions[0])
        pattern_sql, pattern_params = compiler.compile(self.source_expressions[1])
        # SQLite's LIKE ignores the case of ASCII letters already.
        operator = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
        return f"{text_sql} {operator} {pattern_sql} ESCAPE '\\'", [*text_params, *pattern_params]


def json_text(key: str, field: str = "data") -> KeyTextTransform:
    return KeyTextTransform(key, field)


class JsonNumber(Func):
    """data[key] when it is a JSON number, else 0: a stray string never fails the query."""

    output_field = DecimalField()

    def __init__(self, key: str, field: str = "data"):
        self.key = key
        super().__init__(F(field))

    def as_postgresql(self, compiler, connection, **extra):
        field_sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"CASE WHEN jsonb_typeof({field_sql} -> %s) = 'number' "
            f"THEN ({field_sql} ->> %s)::numeric ELSE 0 END",
            [*params, self.key, *params, self.key],
        )

    def as_sql(self, compiler, connection, **extra):
        field_sql, params = compiler.compile(self.source_expressions[0])
        path = f"$.{self.key}"
        return (
            f"CASE WHEN json_type({field_sql}, %s) IN ('integer', 'real') "
            f"THEN json_extract({field_sql}, %s) ELSE 0 END",
            [*params, path, *params, path],
        )


class HasProduct(Func):
    """The purchase lists the product: data["products"] holds it, or data["product"] is it."""

    output_field = BooleanField()

    def __init__(self, product: str, field: str = "data"):
        self.product = product
        super().__init__(F(field))

    def as_postgresql(self, compiler, connection, **extra):
        field_sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(({field_sql} -> 'products') @> jsonb_build_array(%s::text) "
            f"OR ({field_sql} ->> 'product') = %s)",
            [*params, self.product, *params, self.product],
        )

    def as_sql(self, compiler, connection, **extra):
        field_sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(EXISTS (SELECT 1 FROM json_each({field_sql}, '$.products') AS product "
            f"WHERE product.value = %s) OR json_extract({field_sql}, '$.product') = %s)",
            [*params, self.product, *params, self.product],
        )
