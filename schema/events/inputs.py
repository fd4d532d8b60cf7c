"""What marking notifications read takes."""

from __future__ import annotations

import strawberry


@strawberry.input
class MarkReadInput:
    ids: strawberry.Maybe[list[strawberry.ID] | None]
    all: strawberry.Maybe[bool | None] = strawberry.field(description="Mark every one read.")
