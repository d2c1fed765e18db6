"""Keyset ("seek") pagination: every page costs the same, however deep.

OFFSET pagination reads and throws away every row before the page; on a
million leads page 5,000 is slow. Here a page continues after (or before) the
row whose id is in the cursor, by comparing the ordering columns. The
ordering must end in a unique column (the id) and use non-null columns.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

COUNT_CAP = 10_000


@dataclass(frozen=True)
class KeysetPage:
    items: list
    next_after: int | None
    prev_before: int | None
    total: int
    total_is_capped: bool


def keyset_paginate(
    queryset: QuerySet,
    *,
    ordering: tuple[str, ...],
    after: int | None = None,
    before: int | None = None,
    size: int = 50,
    count_cap: int = COUNT_CAP,
) -> KeysetPage:
    anchor = _anchor_values(queryset, ordering, after or before)  # None: start over
    going_back = anchor is not None and before is not None
    order = _reversed(ordering) if going_back else ordering
    rows = queryset.order_by(*order)
    if anchor is not None:
        rows = rows.filter(_beyond(order, anchor))
    items = list(rows[: size + 1])
    has_more = len(items) > size
    items = items[:size]
    if going_back:
        items.reverse()
    if anchor is None and not has_more:
        total, total_is_capped = len(items), False  # the first page holds them all: no count
    else:
        total, total_is_capped = capped_count(queryset, count_cap)
    return KeysetPage(
        items=items,
        next_after=items[-1].pk if items and (has_more or going_back) else None,
        prev_before=items[0].pk
        if items and (anchor is not None and (has_more or not going_back))
        else None,
        total=total,
        total_is_capped=total_is_capped,
    )


def capped_count(queryset: QuerySet, cap: int) -> tuple[int, bool]:
    """How many rows, counting no further than `cap`, and whether there are more:
    the database stops after cap + 1 rows instead of reading them all."""
    counted = queryset.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap


def _anchor_values(queryset: QuerySet, ordering: tuple[str, ...], pk: int | None) -> dict | None:
    if pk is None:
        return None
    fields = [name.lstrip("-") for name in ordering]
    # From the same queryset, so a cursor can't anchor on a row the user can't see.
    return queryset.filter(pk=pk).values(*fields).first()


def _reversed(ordering: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in ordering)


def _beyond(ordering: tuple[str, ...], anchor: dict) -> Q:
    """Rows after the anchor in this ordering: (a > x) or (a = x and b > y) or ...

    The leading a >= x is implied, but spelled out so the database can seek the
    index to the anchor instead of filtering every row before it.
    """
    beyond, equal_so_far = Q(), Q()
    for name in ordering:
        field = name.lstrip("-")
        lookup = "lt" if name.startswith("-") else "gt"
        beyond |= equal_so_far & Q(**{f"{field}__{lookup}": anchor[field]})
        equal_so_far &= Q(**{field: anchor[field]})
    first = ordering[0].lstrip("-")
    seek = Q(**{f"{first}__{'lte' if ordering[0].startswith('-') else 'gte'}": anchor[first]})
    return seek & beyond
