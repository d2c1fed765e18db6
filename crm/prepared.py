"""Querysets compiled once and run many times.

Django builds and compiles a queryset's SQL on every evaluation. For a query
the database answers in about a millisecond (a page of an audience's members)
that Python work costs twice the query itself. A Prepared query is compiled once
from a queryset built with stand-in values; each run puts the values of the
moment into their slots, sends the SQL as it is, and turns the rows into model
instances as Django's ModelIterable does (select_related and only() included).

Stand-ins are values no real query uses, found again among the compiled
parameters:
- Number: an integer (an id), which appears as itself;
- Moment: a datetime ("now"), which appears as itself or moved by whole days
  ("in the last 7 days" is now - 7 days); a run moves its value the same way.

Callers cache Prepared objects (functools.lru_cache) under a key holding
everything else the queryset was built from, the database alias included.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.query import RelatedPopulator, get_related_populators

MAX_SHIFT = dt.timedelta(days=3700)  # further than any window a rule allows


@dataclass(frozen=True)
class Number:
    name: str
    stand_in: int

    def finds(self, value: Any, ops) -> bool:
        return type(value) is int and value == self.stand_in

    def bound(self, found: Any, value: int, ops) -> int:
        return value


@dataclass(frozen=True)
class Moment:
    name: str
    # An instant no query means, marked by its microseconds, which whole days keep.
    stand_in: dt.datetime = dt.datetime(2000, 1, 1, 0, 0, 0, 271828, tzinfo=dt.UTC)

    def finds(self, value: Any, ops) -> bool:
        return self._shift(value) is not None

    def bound(self, found: Any, value: dt.datetime, ops) -> Any:
        return ops.adapt_datetimefield_value(value + self._shift(found))

    def _shift(self, value: Any) -> dt.timedelta | None:
        """How far the compiled value is from the stand-in, when it is the
        stand-in moved by whole days."""
        moment = _as_datetime(value)
        if moment is None or moment.microsecond != self.stand_in.microsecond:
            return None
        shift = moment - self.stand_in
        if abs(shift) > MAX_SHIFT or shift % dt.timedelta(days=1):
            return None
        return shift


def _as_datetime(value: Any) -> dt.datetime | None:
    """A compiled datetime parameter back as an aware datetime: PostgreSQL's
    driver takes them as they are, SQLite's backend passes them as UTC text."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else None
    if isinstance(value, str) and len(value) == 26 and value[10] == " ":
        try:
            return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
        except ValueError:
            return None
    return None


Slot = Number | Moment


class Prepared:
    """A queryset's SQL with slots, and how its rows become instances."""

    def __init__(self, queryset: QuerySet, slots: tuple[Slot, ...], *, all_used: bool = True):
        self.alias = queryset.db
        compiler = queryset.query.get_compiler(using=self.alias)
        sql, params = compiler.as_sql()
        self.sql = sql
        self._init_rows(compiler)
        self._init_slots(tuple(params), slots, all_used)

    @classmethod
    def count(cls, queryset: QuerySet, slots: tuple[Slot, ...], *, cap: int) -> "Prepared":
        """How many rows the queryset has, counting no further than cap (+1, so
        the caller can tell "more than cap")."""
        prepared = cls(queryset.order_by().values("pk")[: cap + 1], slots)
        prepared.sql = f"SELECT COUNT(*) FROM ({prepared.sql}) AS capped"
        prepared.converters = {}  # the count's, not the id's
        return prepared

    def _init_rows(self, compiler) -> None:
        self.compiler = compiler
        self.converters = compiler.get_converters([s[0] for s in compiler.select])
        klass_info = compiler.klass_info
        if klass_info is None:  # values(): plain rows
            self.model = None
            return
        select_fields = klass_info["select_fields"]
        self.model = klass_info["model"]
        self.fields = slice(select_fields[0], select_fields[-1] + 1)
        attnames = [column[0].target.attname for column in compiler.select[self.fields]]
        self.make = _maker(self.model, self.alias, attnames)
        populators = get_related_populators(klass_info, compiler.select, self.alias)
        self.related = [_Related(populator) for populator in populators]

    def _init_slots(self, params: tuple, slots: tuple[Slot, ...], all_used: bool) -> None:
        ops = connections[self.alias].ops
        self.params = params
        self.found = tuple(next((s for s in slots if s.finds(p, ops)), None) for p in params)
        missing = {s.name for s in slots} - {s.name for s in self.found if s}
        if missing and all_used:
            raise ValueError(f"The compiled query does not use the slots {sorted(missing)}.")

    def rows(self, **values: Any) -> list[tuple]:
        connection = connections[self.alias]
        ops = connection.ops
        params = [
            slot.bound(param, values[slot.name], ops) if slot else param
            for param, slot in zip(self.params, self.found, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows

    def instances(self, **values: Any) -> list[Model]:
        built = []
        for row in self.rows(**values):
            instance = self.make(row[self.fields])
            for related in self.related:
                related.populate(row, instance)
            built.append(instance)
        return built

    def value(self, **values: Any) -> Any:
        """The first column of the first row (a count)."""
        return self.rows(**values)[0][0]


def loaded_instances(queryset: QuerySet, attnames: list[str]) -> Iterator[Model]:
    """The queryset's rows as instances with only these fields loaded (the others
    deferred, as only() leaves them), made as _maker makes them: for the thousands
    of leads an import batch matches, __init__ cost more than the query."""
    make = _maker(queryset.model, queryset.db, attnames)
    return map(make, queryset.values_list(*attnames))


def blank_instance(model: type[Model], **values: Any) -> Callable[[], Model]:
    """A function making new unsaved instances with these values and every other
    field's default, as model(**values) would, but at the cost of a dict copy:
    model(**values) takes each field through its default and the init signals,
    which for a wide model costs more than the rest of an import's row. Values
    must not be mutable (each instance gets the same objects)."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return lambda: model(**values)
    template = {name: value for name, value in model(**values).__dict__.items() if name != "_state"}

    def make() -> Model:
        instance = model.__new__(model)
        instance._state = ModelState()
        instance.__dict__.update(template)
        return instance

    return make


def _maker(model: type[Model], alias: str, attnames: list[str]):
    """A function from a row's values (for attnames) to an instance as
    Model.from_db makes it, without what costs from_db most for a few fields of
    a wide model: the full argument list rebuilt and __init__ run per row. A model
    with pre_init or post_init receivers (an ImageField's) goes through from_db."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return lambda values: model.from_db(alias, attnames, values)

    def make(values) -> Model:
        instance = model.__new__(model)
        state = instance._state = ModelState()
        state.adding, state.db = False, alias
        instance.__dict__.update(zip(attnames, values, strict=True))
        return instance

    return make


class _Related:
    """Django's RelatedPopulator (select_related), making instances with _maker."""

    def __init__(self, populator: RelatedPopulator):
        self.populator = populator
        self.make = _maker(populator.model_cls, populator.db, populator.init_list)
        self.children = [_Related(child) for child in populator.related_populators]

    def populate(self, row, from_obj: Model) -> None:
        populator = self.populator
        if populator.reorder_for_init:
            values = populator.reorder_for_init(row)
        else:
            values = row[populator.cols_start : populator.cols_end]
        instance = None if values[populator.pk_idx] is None else self.make(values)
        if instance is not None:
            for child in self.children:
                child.populate(row, instance)
        populator.local_setter(from_obj, instance)
        if instance is not None:
            populator.remote_setter(instance, from_obj)
