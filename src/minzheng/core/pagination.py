"""One pagination for every API list: Ninja's limit/offset with bounds that are validated (a
negative offset or an oversized limit is a 422 naming the field, never a clamp or a 500)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, get_type_hints

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import create_model

# Beyond this an offset only scans; no screen pages that deep.
MAX_OFFSET = 10_000_000


class Listing:
    """Rows of a queryset turned into output dicts page by page, so a router keeps its `*_out`
    function and the paginator still slices in the database. `on_page` sees each page's dicts
    (findings reads are audited with the number of rows shown)."""

    def __init__(
        self, queryset, out: Callable[[Any], dict], *, on_page: Callable[[list], None] | None = None
    ):
        self.queryset, self.out, self.on_page = queryset, out, on_page

    def page(self, offset: int, limit: int) -> list:
        rows = [self.out(row) for row in self.queryset[offset : offset + limit]]
        if self.on_page is not None:
            self.on_page(rows)
        return rows

    def count(self) -> int:
        return self.queryset.count()


@functools.cache
def _page_input(default: int, max_limit: int) -> type[Schema]:
    # One class per bound pair, each with its own name: OpenAPI component names must be unique.
    return create_model(
        f"PageQuery{default}Max{max_limit}",
        __base__=Schema,
        limit=(int, Field(default, ge=1, le=max_limit, description=f"每页条数（1–{max_limit}）")),
        offset=(int, Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")),
    )


class Paginated(LimitOffsetPagination):
    """Used through `paginated()` below."""

    class Output(Schema):
        items: list[Any]
        count: int
        limit: int
        offset: int

    def __init__(self, *, default: int = 50, max_limit: int = 500, **kwargs: Any) -> None:
        super().__init__(max_limit=max_limit, **kwargs)

        self.Input = _page_input(default, max_limit)

    def paginate_queryset(self, queryset, pagination, request, **params: Any) -> dict:
        offset, limit = pagination.offset, pagination.limit
        if isinstance(queryset, Listing):
            items = queryset.page(offset, limit)
        else:
            items = list(queryset[offset : offset + limit])
        count = (
            queryset.count()
            if hasattr(queryset, "count") and not isinstance(queryset, list)
            else len(queryset)
        )
        return {"items": items, "count": count, "limit": limit, "offset": offset}


def paginated(**params: Any) -> Callable:
    """`@paginated()` under the route decorator. Ninja reads the wrapped view's annotations in its
    own module, so string annotations (`from __future__ import annotations`) are resolved here."""

    def wrap(func: Callable) -> Callable:
        func.__annotations__ = get_type_hints(func, include_extras=True)
        return paginate(Paginated, **params)(func)

    return wrap
