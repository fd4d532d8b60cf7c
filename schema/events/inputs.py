"""What marking notifications read takes."""

from __future__ import annotations

import strawberry
from strawberry import UNSET


@strawberry.input
class MarkReadInput:
    ids: list[strawberry.ID] | None = UNSET
    all: bool | None = strawberry.field(default=UNSET, description="Mark every one read.")
