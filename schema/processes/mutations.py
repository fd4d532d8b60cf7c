"""Configuring processes (administrators)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from resolvers.processes import configuration
from resolvers.processes.specs import (
    ProcessSpec,
)
from resolvers.processes.tree import ProcessTree
from schema.context import Info
from schema.errors import payload_of
from schema.ids import decode_id
from schema.inputs import IdInput, given
from schema.processes.inputs import ProcessInput, UpdateProcessInput, stage_specs
from schema.processes.types import Process, ProcessPayload


async def _answer(action: Callable[[], Awaitable[ProcessTree]]) -> ProcessPayload:
    async def act() -> ProcessPayload:
        return ProcessPayload(process=Process.from_tree(await action()))

    return await payload_of(act, lambda errors: ProcessPayload(errors=errors))


def _input_id(raw: strawberry.ID) -> int:
    return decode_id(raw, "Process", ("input", "id"))


@strawberry.type
class ProcessMutation:
    @strawberry.mutation(description="Administrators only.")
    async def create_process(self, info: Info, input: ProcessInput) -> ProcessPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: configuration.create_process(
                actor,
                ProcessSpec(
                    name=input.name,
                    stages=stage_specs(input.stages),
                    is_default=given(input.is_default),
                ),
            )
        )

    @strawberry.mutation(
        description="Replace the whole configuration atomically. Administrators only."
    )
    async def update_process(self, info: Info, input: UpdateProcessInput) -> ProcessPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: configuration.update_process(
                actor,
                _input_id(input.id),
                ProcessSpec(name=input.name, stages=stage_specs(input.stages)),
            )
        )

    @strawberry.mutation(description="Refused for the default process and while any deal uses it.")
    async def delete_process(self, info: Info, input: IdInput) -> ProcessPayload:
        actor = await info.context.actor()
        return await _answer(lambda: configuration.delete_process(actor, _input_id(input.id)))

    @strawberry.mutation(description="Exactly one process is the default at all times.")
    async def set_default_process(self, info: Info, input: IdInput) -> ProcessPayload:
        actor = await info.context.actor()
        return await _answer(lambda: configuration.set_default_process(actor, _input_id(input.id)))
