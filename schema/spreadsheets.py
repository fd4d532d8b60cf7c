"""`importDeals` and `importLeads`: a CSV upload, checked row by row and applied all or
nothing (`resolvers.spreadsheets`); the export is `GET /export/deals.csv`."""

from __future__ import annotations

from enum import Enum
from typing import cast

import strawberry
from strawberry.file_uploads import Upload

from resolvers.rate_limits import Limit
from resolvers.spreadsheets import importing
from resolvers.spreadsheets.deal_import import import_deals
from resolvers.spreadsheets.lead_import import import_leads
from schema.context import Info
from schema.errors import UserError, payload_of
from schema.ids import decode_id, global_id


@strawberry.enum(description="What importing a row does (or would do, in a dry run).")
class ImportAction(Enum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    UNCHANGED = "UNCHANGED"


@strawberry.type(description="One row of the file and what it made.")
class ImportRow:
    row: int = strawberry.field(description="As a spreadsheet numbers it: the header is 1.")
    action: ImportAction
    external_id: str | None
    id: strawberry.ID | None = strawberry.field(
        description="The deal or lead; null unless the import was applied."
    )


@strawberry.type(description="A cell or row that stopped the import.")
class ImportRowError:
    row: int
    column: str | None = strawberry.field(description="The column's name; null: the row.")
    code: str = strawberry.field(description="VALIDATION, NOT_FOUND, CONFLICT, DEAL_CLOSED ...")
    message: str


@strawberry.type
class ImportResult:
    dry_run: bool
    applied: bool = strawberry.field(
        description="true: every row was written; false: nothing was (a dry run, or errors)."
    )
    created: int
    updated: int
    unchanged: int
    rows: list[ImportRow]
    errors: list[ImportRowError] = strawberry.field(
        description=f"Every row's errors (the first {importing.MAX_REPORTED_ERRORS})."
    )
    error_count: int
    ignored_columns: list[str] = strawberry.field(
        description="Headers that name no column (the first hundred)."
    )

    @classmethod
    def of(cls, report: importing.ImportReport, type_name: str) -> ImportResult:
        return cls(
            dry_run=report.dry_run,
            applied=report.applied,
            created=report.count(importing.Action.CREATE),
            updated=report.count(importing.Action.UPDATE),
            unchanged=report.count(importing.Action.UNCHANGED),
            rows=[
                ImportRow(
                    row=o.row,
                    action=ImportAction(str(o.action)),
                    external_id=o.external_id,
                    id=strawberry.ID(global_id(type_name, o.object_id)) if report.applied else None,
                )
                for o in report.outcomes
            ],
            errors=[
                ImportRowError(row=e.row, column=e.column, code=e.code, message=e.message)
                for e in report.errors
            ],
            error_count=report.error_count,
            ignored_columns=report.ignored_columns,
        )


@strawberry.type
class ImportPayload:
    result: ImportResult | None = None
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Refusals of the whole import (the file, access)."
    )


@strawberry.input
class ImportDealsInput:
    file: Upload = strawberry.field(description="CSV, UTF-8; comma, semicolon or tab separated.")
    process_id: strawberry.ID = strawberry.field(description="The process new deals follow.")
    dry_run: bool = strawberry.field(default=False, description="Check and report; write nothing.")


@strawberry.input
class ImportLeadsInput:
    file: Upload = strawberry.field(description="CSV, UTF-8; comma, semicolon or tab separated.")
    dry_run: bool = strawberry.field(default=False, description="Check and report; write nothing.")


def _failed(errors: list[UserError]) -> ImportPayload:
    return ImportPayload(errors=errors)


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Managers and administrators. Upserts by the externalId column; all or "
        "nothing; columns as GET /export/deals.csv writes them."
    )
    async def import_deals(self, info: Info, input: ImportDealsInput) -> ImportPayload:
        actor = await info.context.actor()

        async def act() -> ImportPayload:
            await info.context.within_limit(
                Limit.UPLOADS_PER_USER, str(actor.id), "Too many files uploaded."
            )
            report = await import_deals(
                actor,
                cast(object, input.file),
                decode_id(input.process_id, "Process", ("input", "processId")),
                input.dry_run,
                info.context.import_max_rows,
                info.context.file_store,
            )
            return ImportPayload(result=ImportResult.of(report, "Deal"))

        return await payload_of(act, _failed)

    @strawberry.mutation(
        description="Managers and administrators. Upserts by the externalId column; all or nothing."
    )
    async def import_leads(self, info: Info, input: ImportLeadsInput) -> ImportPayload:
        actor = await info.context.actor()

        async def act() -> ImportPayload:
            await info.context.within_limit(
                Limit.UPLOADS_PER_USER, str(actor.id), "Too many files uploaded."
            )
            report = await import_leads(
                actor, cast(object, input.file), input.dry_run, info.context.import_max_rows
            )
            return ImportPayload(result=ImportResult.of(report, "Lead"))

        return await payload_of(act, _failed)
