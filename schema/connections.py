"""Relay cursor connections: `edges { cursor node }`, `pageInfo`, `totalCount`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, cast

import strawberry

from resolvers.pagination import Page

Row = TypeVar("Row")
NodeType = TypeVar("NodeType")


@strawberry.type(description="Where a page stands; pages are read forwards (first, after).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items after this page.")
    end_cursor: str | None = strawberry.field(
        description="The last edge's cursor: pass it as `after` for the next page."
    )
    has_previous_page: bool = strawberry.field(
        default=False, description="Items before this page (true for a page read `after` one)."
    )
    start_cursor: str | None = strawberry.field(
        default=None, description="The first edge's cursor."
    )


@strawberry.type
class Edge(Generic[NodeType]):
    node: NodeType
    item: strawberry.Private[Any]
    cursor_of: strawberry.Private[Callable[[Any], str]]

    @strawberry.field
    def cursor(self) -> str:
        """Encoded when asked for (`Page.cursor_of`)."""
        return self.cursor_of(self.item)


@strawberry.type
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    page_info: PageInfo
    total: strawberry.Private[int | Awaitable[int]]

    @strawberry.field(description="All items that match, on every page.")
    def total_count(self) -> int:
        """The page's total, or an awaitable of it that GraphQL execution awaits (a
        board column's count, while the board's figures are on their way)."""
        return cast(int, self.total)

    @classmethod
    def of(
        cls,
        page: Page[Row],
        wrap: Callable[[Row], NodeType],
        total: int | Awaitable[int] | None = None,
    ) -> Connection[NodeType]:
        """The connection of `page`, its total `total` if given (else the page's)."""
        return cls(
            edges=[
                Edge(node=wrap(item), item=item, cursor_of=page.cursor_of) for item in page.items
            ],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                end_cursor=page.end_cursor,
                has_previous_page=page.has_previous_page,
                start_cursor=page.start_cursor,
            ),
            total=page.total_count if total is None else total,
        )
